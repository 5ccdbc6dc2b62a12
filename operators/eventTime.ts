import { type MonoTypeOperatorFunction, Observable } from 'rxjs'
import { describeValue } from '../src/errors'
import type { VirtualNanoScheduler } from '../src/scheduler/nanoScheduler'
import { checkFunction, checkOneOf, checkOptions } from '../src/validate'
import { subscribeLinked } from './internal/subscribeLinked'

/** `eventTime`'s options: where each value's time comes from, and what a late one does. */
export interface EventTimeOptions<T> {
  /** Each value's timestamp in ms (the same `time` option as the other timed operators). Required. */
  time: (value: T) => number
  /** A record older than the clock: `'error'` (default) fails the stream naming it; `'pass'` emits it without moving the clock. */
  onLate?: 'error' | 'pass'
}

const OPTION_NAMES: readonly string[] = ['time', 'onLate']
const ON_LATE: readonly ('error' | 'pass')[] = ['error', 'pass']

/**
 * Drives a virtual scheduler from the data's own timestamps: before each value is emitted, the
 * scheduler's clock moves to `time(value)` (ms), firing every timer due by then. Downstream
 * operators that use the same scheduler (`bufferTime`, `debounceTime`, `ltlGuard` bounds, ...)
 * then see recorded time, not wall time, so a recorded stream replays as fast as it can be read
 * with the timing it was recorded with. On completion the clock is left where the last record put
 * it; call `scheduler.flush()` to fire what remains.
 *
 * Emits: each value, unchanged. Completes when the source completes. Errors: when `time` throws
 * or returns a non-finite number, or (with `onLate: 'error'`) when a timestamp goes backwards,
 * naming the value's index. Bad arguments throw a `TypeError`/`RangeError` starting `eventTime: `.
 *
 * ```ts
 * const scheduler = createVirtualNanoScheduler()
 * from(recorded).pipe(
 *   eventTime(scheduler, { time: (r) => r.ts }),
 *   bufferTime(100, scheduler),
 * )
 * ```
 * @see createVirtualNanoScheduler for the scheduler it drives
 */
export function eventTime<T>(
  scheduler: VirtualNanoScheduler,
  options: EventTimeOptions<T>,
): MonoTypeOperatorFunction<T> {
  if (scheduler === null || typeof scheduler !== 'object' || typeof scheduler.advanceTo !== 'function') {
    throw new TypeError(
      `eventTime: scheduler must be a virtual scheduler (createVirtualNanoScheduler), got ${describeValue(scheduler)}`,
    )
  }
  if (typeof options === 'function')
    throw new TypeError(
      'eventTime: options must be an object { time, onLate? }: pass the timestamp function as { time }',
    )
  checkOptions('eventTime', options, OPTION_NAMES, true)
  const timeOf = checkFunction<(value: T) => number>('eventTime', 'time', options.time, false) as (value: T) => number
  const onLate = checkOneOf('eventTime', 'onLate', options.onLate ?? 'error', ON_LATE)

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
