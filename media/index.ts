/**
 * `midstream/media` (Node only): ffmpeg-backed audio and video sources, media analyses, restreaming,
 * WebRTC in and barge-in for realtime voice agents. Needs Debian's (or any) `ffmpeg` on the PATH for
 * the sources; the analyses are plain operators and also run in browsers.
 * @module
 */
// biome-ignore-all assist/source/organizeImports: exports are grouped by area under banners, sorted within each

// ---- frames: what the sources emit and the analyses read ----
export { type AudioFrame, isAudioFrame, isVideoFrame, type MediaFrame, type VideoFrame } from '../src/media/frames'

// ---- sources: mediaSource and the ffmpeg plumbing ----
export {
  type FfmpegExit,
  type FfmpegProcess,
  ffmpegError,
  ffmpegMessageLine,
  MediaSourceError,
  type MediaSourceErrorCode,
  type SpawnFfmpegOptions,
  spawnFfmpeg,
} from './ffmpeg'
export {
  type MediaAudioOptions,
  type MediaReconnect,
  type MediaReconnectOptions,
  type MediaSourceOptions,
  type MediaVideoOptions,
  mediaSource,
} from './mediaSource'
export { PcmFramer, type PcmFrameEmit, type PcmFramerOptions, type PcmFramerSnapshot } from '../src/media/pcmFramer'
export { VideoSummary, type VideoSummaryOptions, type VideoSummarySnapshot } from '../src/media/videoSummary'

// ---- WebRTC in: audio from a browser over WebRTC (werift), decoded by ffmpeg ----
export {
  type WebrtcAudioOptions,
  type WebrtcIceServer,
  WebrtcSourceError,
  type WebrtcSourceOptions,
  webrtcSource,
} from './webrtcSource'
