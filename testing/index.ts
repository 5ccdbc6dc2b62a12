/**
 * midstream/testing: property-test your own pipelines on virtual time.
 * Needs `fast-check` (a peer dependency) installed alongside.
 */

export { type RunTimedOptions, runTimed, type TimedResult, timedSource } from './runTimed'
export {
  GeneratedStreamError,
  type TimedCompletion,
  type TimedEnd,
  type TimedEvent,
  type TimedFailure,
  type TimedOpenEnd,
  type TimedStream,
  type TimedStreamOptions,
  timedStream,
} from './timedStream'
