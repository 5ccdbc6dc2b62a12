/**
 * midstream/testing: property-test your own pipelines on virtual time.
 * Needs `fast-check` (a peer dependency) installed alongside.
 */
export { timedStream, GeneratedStreamError, type TimedStream, type TimedEvent, type TimedEnd, type TimedStreamOptions } from './timedStream'
export { timedSource, runTimed, type TimedResult, type RunTimedOptions } from './runTimed'
export { createVirtualNanoScheduler, VirtualNanoScheduler } from '../src/scheduler/nanoScheduler'
