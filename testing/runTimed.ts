// from the package itself, not its source: one VirtualNanoScheduler class for users and the kit
import { createVirtualNanoScheduler, type Policy, type VirtualNanoScheduler } from 'midstream'
import { Observable, type SchedulerLike } from 'rxjs'
import type { TimedEnd, TimedEvent, TimedStream } from './timedStream'

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
  const { events, end } = stream
  for (let i = 1; i < events.length; i++) {
    if (!(events[i].time >= events[i - 1].time)) {
      throw new RangeError(
        `timed stream times must not decrease: event #${i} at ${events[i].time} follows ${events[i - 1].time}`,
      )
    }
  }
  if (end.kind !== 'none' && events.length > 0 && end.time < events[events.length - 1].time) {
    throw new RangeError(`timed stream ends at ${end.time}, before its last event at ${events[events.length - 1].time}`)
  }
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
  values: TimedEvent<R>[]
  end: TimedEnd
  /** Tasks still queued on the scheduler after the run (and after unsubscribing): leaks show here. */
  leftover: number
  scheduler: VirtualNanoScheduler
}

export interface RunTimedOptions {
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
  const scheduler = createVirtualNanoScheduler({ policy: options.policy, maxQueueSize: 1_000_000 })
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
