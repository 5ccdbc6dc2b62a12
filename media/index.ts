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
// PcmFramer and VideoSummary, the browser-safe kernels mediaSource uses, are in the root entry (midstream)

// ---- restreaming: one ingest to several outputs with its health (restream) ----
export {
  type RestreamHealth,
  type RestreamOptions,
  type RestreamOutputHealth,
  type RestreamReconnectOptions,
  restream,
} from './restream'
export { type ProgressBlock, ProgressReader, type TeeFailure, teeFailure } from './restreamProgress'
export {
  type DirOutput,
  type FileOutput,
  type ResolvedOutput,
  type RestreamOutput,
  resolveOutput,
  type TeeOptionValue,
  teeArgument,
  teeEscape,
  type UrlOutput,
} from './teeMuxer'
