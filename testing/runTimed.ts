// from the package itself, not its source: one VirtualNanoScheduler class for users and the kit
import { createVirtualNanoScheduler, type Policy, type VirtualNanoScheduler } from 'midstream'
import { POLICIES } from 'midstream/scheduler'
import { Observable, type SchedulerLike } from 'rxjs'
import { describeValue } from '../src/errors'
import { checkFunction, checkNumber, checkOneOf, checkOptions } from '../src/validate'
import type { TimedEnd, TimedEvent, TimedStream } from './timedStream'

const RUN_OPTION_NAMES: readonly string[] = ['policy', 'until']
/** `runTimed`'s scheduler holds this many tasks: generated streams are bursty, and a test must not hit the bound. */
const RUN_QUEUE_SIZE = 1_000_000

/** Checks a `TimedStream`'s shape and order for `fn`, the public name called. */
function checkTimedStream(fn: string, stream: unknown): TimedStream<unknown> {
  const s = stream as Partial<TimedStream<unknown>> | null
  if (s === null || typeof s !== 'object' || !Array.isArray(s.events) || s.end === null || typeof s.end !== 'object')
    throw new TypeError(`${fn}: stream must be a TimedStream { events, end }, got ${describeValue(stream)}`)
  const { events, end } = s as TimedStream<unknown>
  for (let i = 0; i < events.length; i++) {
    checkNumber(fn, `events[${i}].time`, events[i]?.time)
    if (i > 0 && events[i].time < events[i - 1].time)
      throw new RangeError(
        `${fn}: timed stream times must not decrease: event #${i} at ${events[i].time} follows ${events[i - 1].time}`,
      )
  }
  checkOneOf(fn, 'end.kind', end.kind, ['complete', 'error', 'none'])
  if (end.kind !== 'none') {
    checkNumber(fn, 'end.time', end.time)
    if (events.length > 0 && end.time < events[events.length - 1].time)
      throw new RangeError(
        `${fn}: timed stream ends at ${end.time}, before its last event at ${events[events.length - 1].time}`,
      )
  }
  return s as TimedStream<unknown>
}

/**
 * An Observable that plays a recorded `TimedStream` on `scheduler`: events that share a time
 * arrive together in one task (a real synchronous burst), the end after them.
 *
 * ```ts
 * const scheduler = createVirtualNanoScheduler()
 * timedSource({ events: [{ time: 1, value: 'a' }], end: { kind: 'complete', time: 2 } }, scheduler)
 * ```
 */
export function timedSource<T>(stream: TimedStream<T>, scheduler: SchedulerLike): Observable<T> {
  checkTimedStream('timedSource', stream)
  if (scheduler === null || typeof scheduler !== 'object' || typeof scheduler.schedule !== 'function')
    throw new TypeError(`timedSource: scheduler must be an RxJS SchedulerLike, got ${describeValue(scheduler)}`)
  const { events, end } = stream
  return new Observable<T>(subscriber => {
    const origin = scheduler.now()
    let index = 0
    const nextTime = () => (index < events.length ? events[index].time : end.kind === 'none' ? Infinity : end.time)
    const first = nextTime()
    if (first === Infinity) return
    return scheduler.schedule(function () {
      const time = nextTime()
      while (index < events.length && events[index].time === time) {
        if (subscriber.closed) return
        subscriber.next(events[index++].value)
      }
      if (index === events.length && end.kind !== 'none' && end.time === time) {
        if (end.kind === 'complete') subscriber.complete()
        else subscriber.error(end.error)
        return
      }
      const after = nextTime()
      if (after !== Infinity) this.schedule(undefined, origin + after - scheduler.now())
    }, first)
  })
}

/** What came out of a pipeline run by `runTimed`, with virtual timestamps. */
export interface TimedResult<R> {
  /** Every value that came out, with the virtual time it came out at. */
  values: TimedEvent<R>[]
  /** How the output ended, and when; `{ kind: 'none' }` if it had not ended. */
  end: TimedEnd
  /** Tasks still queued on the scheduler after the run (and after unsubscribing): leaks show here. */
  leftover: number
  /** The scheduler the run used, for its `stats()`. */
  scheduler: VirtualNanoScheduler
}

/** `runTimed`'s options. */
export interface RunTimedOptions {
  /** The virtual scheduler's policy. Default `'priority'`. */
  policy?: Policy
  /** Stop at this virtual time instead of running until nothing is scheduled (for endless pipelines). */
  until?: number
}

/**
 * Plays `stream` through `pipeline` on a fresh virtual scheduler, runs it to the end (or to
 * `until`), unsubscribes, and returns what came out, each value with its virtual time.
 *
 * ```ts
 * const out = runTimed(stream, (source, scheduler) => source.pipe(delay(5, scheduler)))
 * out.values // [{ time, value }, ...]
 * ```
 */
export function runTimed<T, R>(
  stream: TimedStream<T>,
  pipeline: (source: Observable<T>, scheduler: VirtualNanoScheduler) => Observable<R>,
  options: RunTimedOptions = {},
): TimedResult<R> {
  const fn = 'runTimed'
  checkTimedStream(fn, stream)
  checkFunction(fn, 'pipeline', pipeline, false)
  checkOptions(fn, options, RUN_OPTION_NAMES)
  if (options.policy !== undefined) checkOneOf(fn, 'policy', options.policy, POLICIES)
  if (options.until !== undefined) checkNumber(fn, 'until', options.until)
  const scheduler = createVirtualNanoScheduler({ policy: options.policy, maxQueueSize: RUN_QUEUE_SIZE })
  const values: TimedEvent<R>[] = []
  let end: TimedEnd = { kind: 'none' }
  const subscription = pipeline(timedSource(stream, scheduler), scheduler).subscribe({
    next: value => values.push({ time: scheduler.now(), value }),
    complete: () => (end = { kind: 'complete', time: scheduler.now() }),
    error: error => (end = { kind: 'error', time: scheduler.now(), error }),
  })
  if (options.until === undefined) scheduler.flush()
  else scheduler.advanceTo(options.until)
  subscription.unsubscribe()
  return { values, end, leftover: scheduler.stats().queueSize, scheduler }
}
