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

// ---- operators: comparison, attractors, temporal logic, learning, scheduling ----
export * from './operators/index'

// ---- kernels, the scheduler users create, errors ----
export * from './src/index'

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
