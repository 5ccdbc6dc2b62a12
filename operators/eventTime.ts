import { type MonoTypeOperatorFunction, Observable } from 'rxjs'
import { describeValue } from '../src/errors'
import type { VirtualNanoScheduler } from '../src/scheduler/nanoScheduler'
import { subscribeLinked } from './internal/subscribeLinked'

export interface EventTimeOptions {
  /** A record older than the clock: `'error'` (default) fails the stream naming it; `'pass'` emits it without moving the clock. */
  onLate?: 'error' | 'pass'
}

/**
 * Drives a virtual scheduler from the data's own timestamps: before each value is emitted, the
 * scheduler's clock moves to `timeOf(value)` (ms), firing every timer due by then. Downstream
 * operators that use the same scheduler (`bufferTime`, `debounceTime`, `ltlGuard` bounds, ...)
 * then see recorded time, not wall time, so a recorded stream replays as fast as it can be read
 * with the timing it was recorded with. On completion the clock is left where the last record put
 * it; call `scheduler.flush()` to fire what remains.
 *
 * Emits: each value, unchanged. Errors: when `timeOf` throws or returns a non-finite number, or
 * (with `onLate: 'error'`) when a timestamp goes backwards, naming the value's index.
 *
 * ```ts
 * const scheduler = createVirtualNanoScheduler()
 * from(recorded).pipe(
 *   eventTime(scheduler, (r) => r.ts),
 *   bufferTime(100, scheduler),
 * )
 * ```
 */
export function eventTime<T>(
  scheduler: VirtualNanoScheduler,
  timeOf: (value: T) => number,
  options: EventTimeOptions = {},
): MonoTypeOperatorFunction<T> {
  if (scheduler === null || typeof scheduler !== 'object' || typeof scheduler.advanceTo !== 'function') {
    throw new TypeError(
      `eventTime needs a virtual scheduler (createVirtualNanoScheduler), got ${describeValue(scheduler)}`,
    )
  }
  if (typeof timeOf !== 'function')
    throw new TypeError(`eventTime needs a timestamp function, got ${describeValue(timeOf)}`)
  const onLate = options.onLate ?? 'error'
  if (onLate !== 'error' && onLate !== 'pass')
    throw new RangeError(`onLate must be 'error' or 'pass', got ${describeValue(onLate)}`)

  return source =>
    new Observable<T>(subscriber => {
      let index = 0
      return subscribeLinked(subscriber, source, {
        next(value) {
          const i = index++
          let time: number
          try {
            time = timeOf(value)
            if (typeof time !== 'number' || !Number.isFinite(time)) {
              throw new TypeError(
                `eventTime: timestamp of value #${i} must be a finite number, got ${describeValue(time)}`,
              )
            }
            if (time < scheduler.now() && onLate === 'error') {
              throw new RangeError(
                `eventTime: value #${i} has timestamp ${time}, earlier than the clock (${scheduler.now()})`,
              )
            }
            scheduler.advanceTo(time)
          } catch (error) {
            subscriber.error(error)
            return
          }
          if (!subscriber.closed) subscriber.next(value)
        },
        error: error => subscriber.error(error),
        complete: () => subscriber.complete(),
      })
    })
}
