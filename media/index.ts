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

// ---- analyses: audio levels, loudness (EBU R 128), silence (also exported by the root entry) ----
export { type AudioLevel, type AudioLevelOptions, audioLevel, type ChannelLevel } from '../operators/audioLevel'
export { type LoudnessOptions, type LoudnessReading, type LoudnessSnapshot, loudness } from '../operators/loudness'
export { type SilenceOptions, type SilenceSnapshot, silence } from '../operators/silence'
export { type BlockLevels, blockLevels } from '../src/media/audioLevel'
export { kWeighting, LoudnessMeter, loudnessChannelWeights } from '../src/media/loudness'
export type { LoudnessMeterOptions, LoudnessMeterSnapshot } from '../src/media/loudness'
export { SilenceDetector, type SilenceEvent } from '../src/media/silence'
export type { SilenceDetectorOptions, SilenceDetectorSnapshot, SilenceEnd, SilenceStart } from '../src/media/silence'

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

// ---- WebRTC in: audio from a browser over WebRTC (werift), decoded by ffmpeg ----
export { WebrtcSourceError, type WebrtcSourceOptions, webrtcSource } from './webrtcSource'

// ---- barge-in: realtime voice agents ----
export {
  type BargeInEvent,
  type BargeInGlueOptions,
  type BargeInPlayer,
  type BargeInSession,
  type RealtimeEventLike,
  type SpeechEvent,
  bargeIn,
  type RealtimeLink,
  type SpeechSignal,
} from './bargeIn'
export {
  BargeIn,
  type BargeInCounts,
  type BargeInDecision,
  type BargeInAudio,
  type BargeInInput,
  type BargeInOptions,
  type BargeInOverflow,
  type BargeInResponseCreated,
  type BargeInResponseDone,
  BargeInOverflowError,
  type BargeInSnapshot,
  type BargeInSpeechStarted,
  type BargeInSpeechStopped,
  type BargeInTruncation,
  type PlayedMs,
} from '../src/media/bargeIn'
