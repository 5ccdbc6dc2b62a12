/**
 * `midstream/media` (Node only): ffmpeg-backed audio and video sources, media analyses, restreaming,
 * WebRTC in and barge-in for realtime voice agents. Needs Debian's (or any) `ffmpeg` on the PATH for
 * the sources; the analyses are plain operators and also run in browsers.
 * @module
 */
// biome-ignore-all assist/source/organizeImports: exports are grouped by area under banners, sorted within each

// ---- frames: what the sources emit and the analyses read ----
export { type AudioFrame, isAudioFrame, isVideoFrame, type MediaFrame, type VideoFrame } from '../src/media/frames'

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
