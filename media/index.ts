/**
 * `midstream/media` (Node only): ffmpeg-backed audio and video sources, media analyses, restreaming,
 * WebRTC in and barge-in for realtime voice agents. Needs Debian's (or any) `ffmpeg` on the PATH for
 * the sources; the analyses are plain operators and also run in browsers.
 * @module
 */
// biome-ignore-all assist/source/organizeImports: exports are grouped by area under banners, sorted within each

// ---- frames: what the sources emit and the analyses read ----
export { type AudioFrame, isAudioFrame, isVideoFrame, type MediaFrame, type VideoFrame } from '../src/media/frames'

// ---- voice activity and freezes ----
export { type FreezeEvent, type FreezeOptions, type FreezeSnapshot, freeze } from '../operators/freeze'
export {
  type VoiceActivityEvent,
  type VoiceActivityOperatorOptions,
  type VoiceActivityOperatorSnapshot,
  voiceActivity,
} from '../operators/voiceActivity'
export {
  FreezeDetector,
  type FreezeDetectorOptions,
  type FreezeDetectorSnapshot,
  type FreezeReferenceSnapshot,
} from '../src/media/freeze'
export {
  type VoiceActivityOptions,
  type VoiceActivitySnapshot,
  VoiceActivityDetector,
} from '../src/media/voiceActivity'
