/**
 * The frames of `midstream/media`: what `mediaSource` (and `webrtcSource`) emit and what the media
 * analyses (`audioLevel`, `loudness`, `voiceActivity`, `silence`, `freeze`) read. Plain data, no
 * Node types, so the analyses run in browsers too.
 * @module
 */

/** A block of PCM audio of exactly the source's `frameMs` (the last frame of a finite input may be shorter). */
export interface AudioFrame {
  /** Always `'audio'`. */
  readonly kind: 'audio'
  /** Frame number from the start of the stream: 0, 1, 2, ... (continues across reconnects). */
  readonly index: number
  /** Presentation time of the frame's first sample, ms from the stream's start (samples before it / sampleRate). */
  readonly ptsMs: number
  /** Samples per second per channel. */
  readonly sampleRate: number
  /** Channels, interleaved in `samples`. */
  readonly channels: number
  /** Interleaved samples in [-1, 1]: `channels * round(frameMs * sampleRate / 1000)` of them. */
  readonly samples: Float32Array
}

/** The summary of one video frame; the picture itself only when the source was asked for it (`video.luma`). */
export interface VideoFrame {
  /** Always `'video'`. */
  readonly kind: 'video'
  /** Frame number from the start of the stream (continues across reconnects). */
  readonly index: number
  /** Presentation time, ms from the stream's start (index / fps). */
  readonly ptsMs: number
  /** Size of the analysed picture (the source's `video.width` x `video.height`). */
  readonly width: number
  /** Height of the analysed picture (the source's `video.height`). */
  readonly height: number
  /** Mean luma (Y) of the frame, 0..255. */
  readonly meanLuma: number
  /** Mean absolute luma difference from the previous frame, 0..255 (0 for the first frame). */
  readonly motion: number
  /** Scene-change score, 0..100 (ffmpeg `scdet`'s definition); 0 for the first frame. */
  readonly scene: number
  /** The luma plane, `width * height` bytes row by row; present only with `video.luma: true`. */
  readonly luma?: Uint8Array
}

/** A frame of either kind. */
export type MediaFrame = AudioFrame | VideoFrame

/** True for an audio frame (for `filter(isAudioFrame)`). */
export function isAudioFrame(frame: MediaFrame): frame is AudioFrame {
  return frame.kind === 'audio'
}

/** True for a video frame (for `filter(isVideoFrame)`). */
export function isVideoFrame(frame: MediaFrame): frame is VideoFrame {
  return frame.kind === 'video'
}
