/**
 * midstream: analyse streams while they are still flowing. This entry holds the kernels (plain
 * functions and classes over arrays), the RxJS operators built on them, the scheduler users create
 * (`createNanoScheduler`, `createVirtualNanoScheduler`) and the errors they throw. Browser-safe:
 * nothing reachable from here imports a `node:` module.
 *
 * The other entries: `midstream/scheduler` (the scheduler's parts: clock, timer, core),
 * `midstream/sources` and `midstream/sinks` (transport, LLM streams, metrics, dashboards),
 * `midstream/terminal` (the ink dashboard, ESM only) and `midstream/testing` (fast-check
 * arbitraries of timed streams and a virtual-time runner).
 *
 * ```ts
 * import { createNanoScheduler, dtwMatch, scheduleOn } from 'midstream'
 * readings$.pipe(scheduleOn(createNanoScheduler({ policy: 'edf' }), { deadline: 2 }), dtwMatch({ spike }, { threshold: 4 }))
 * ```
 * @module
 */

// ---- media analyses: audio levels, loudness (EBU R 128), silence; operators over AudioFrames and their kernels ----
export { type AudioLevel, type AudioLevelOptions, audioLevel, type ChannelLevel } from './operators/audioLevel'

// ---- operators: comparison, attractors, temporal logic, learning, scheduling ----
export * from './operators/index'
export { type LoudnessOptions, type LoudnessReading, type LoudnessSnapshot, loudness } from './operators/loudness'
export { type SilenceOptions, type SilenceSnapshot, silence } from './operators/silence'

// ---- kernels, the scheduler users create, errors ----
export * from './src/index'
export { type BlockLevels, blockLevels } from './src/media/audioLevel'
// ---- media: barge-in (the kernel; the Realtime glue `bargeIn` is in midstream/media) ----
export {
  BargeIn,
  type BargeInAudio,
  type BargeInCounts,
  type BargeInDecision,
  type BargeInInput,
  type BargeInOptions,
  type BargeInOverflow,
  BargeInOverflowError,
  type BargeInResponseCreated,
  type BargeInResponseDone,
  type BargeInSnapshot,
  type BargeInSpeechStarted,
  type BargeInSpeechStopped,
  type BargeInTruncation,
  type PlayedMs,
} from './src/media/bargeIn'
export type { AudioFrame, MediaFrame, VideoFrame } from './src/media/frames'
export {
  type Biquad,
  type KWeighting,
  kWeighting,
  LoudnessMeter,
  type LoudnessMeterOptions,
  type LoudnessMeterSnapshot,
  loudnessChannelWeights,
  loudnessOf,
} from './src/media/loudness'
export {
  SilenceDetector,
  type SilenceDetectorOptions,
  type SilenceDetectorSnapshot,
  type SilenceEnd,
  type SilenceEvent,
  type SilenceStart,
} from './src/media/silence'
