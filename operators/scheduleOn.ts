import { type MonoTypeOperatorFunction, Observable, type Subscription } from 'rxjs'
import { BufferOverflowError, describeValue } from '../src/errors'
import type { NanoScheduler } from '../src/scheduler/nanoScheduler'
import { type Priority, priorityLevel } from '../src/scheduler/policy'
import { ChunkedQueue } from '../src/structures/chunkedQueue'
import { subscribeLinked } from './internal/subscribeLinked'

export interface ScheduleOnOptions<T> {
  /** Priority of each value: a constant, or a function of the value. Default `'normal'`. */
  priority?: Priority | ((value: T) => Priority)
  /** Deadline in ms after the value's arrival: a constant or a function of the value. Default none. */
  deadline?: number | ((value: T) => number)
  /** Most values delivered by one scheduled task before it yields to the queue. Default 1024. */
  batchSize?: number
  /** Most values waiting for the scheduler; one more errors the stream with `BufferOverflowError`. Default Infinity. */
  bufferLimit?: number
}

const NO_LEVEL = -1

/**
 * Re-emits every value, error and completion of the source from tasks on a `NanoScheduler`,
 * in the source's order, with a priority and deadline per value.
 *
 * Values that arrive together travel in one scheduled task (up to `batchSize`), so a
 * synchronous burst of n values costs O(n), not O(n^2) as RxJS 7's `observeOn` does. Because
 * order within the subscription is kept, the one task in flight carries the highest priority
 * and the earliest deadline of the values it will deliver (priority inheritance): a pending
 * task is re-queued when a more urgent value joins it.
 *
 * Emits: each source value, later, from the scheduler. Completes or errors after the values
 * before it have been delivered. Unsubscribing cancels the pending task and drops the buffer.
 * Bad options throw at call time; a `priority`/`deadline` function that throws or returns a
 * bad value errors the stream, naming the value; so does a full buffer (`BufferOverflowError`)
 * or a full scheduler queue (`QueueFullError`).
 *
 * ```ts
 * const scheduler = createNanoScheduler({ policy: 'priority' })
 * alarms$.pipe(scheduleOn(scheduler, { priority: 'critical', deadline: 1 }))
 * bulk$.pipe(scheduleOn(scheduler, { priority: (x) => (x.urgent ? 'high' : 'low') }))
 * ```
 */
export function scheduleOn<T>(
  scheduler: NanoScheduler,
  options: ScheduleOnOptions<T> = {},
): MonoTypeOperatorFunction<T> {
  if (scheduler === null || typeof scheduler !== 'object' || typeof scheduler.scheduleTask !== 'function') {
    throw new TypeError(`scheduleOn needs a NanoScheduler (from createNanoScheduler), got ${describeValue(scheduler)}`)
  }
  const { priority = 'normal', deadline, batchSize = 1024, bufferLimit = Infinity } = options
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    throw new RangeError(`batchSize must be a positive integer, got ${describeValue(batchSize)}`)
  if (!(bufferLimit > 0)) throw new RangeError(`bufferLimit must be > 0, got ${describeValue(bufferLimit)}`)
  const levelOf =
    typeof priority === 'function' ? (value: T) => priorityLevel(priority(value)) : constant(priorityLevel(priority))
  if (deadline !== undefined && typeof deadline !== 'function') checkDeadline(deadline)
  const baseLevel = typeof priority === 'function' ? priorityLevel('normal') : levelOf(undefined as T)

  return source =>
    new Observable<T>(subscriber => {
      const buffer = new ChunkedQueue<T>()
      let ended: { error: unknown } | 'complete' | null = null
      let task: Subscription | null = null
      let taskLevel = NO_LEVEL
      let taskDeadlineAt = Infinity
      // The most urgent priority and deadline among buffered values: what the next task must carry.
      let batchLevel = NO_LEVEL
      let batchDeadlineAt = Infinity

      const requestTask = (): void => {
        if (task !== null && taskLevel >= batchLevel && taskDeadlineAt <= batchDeadlineAt) return
        task?.unsubscribe()
        taskLevel = batchLevel === NO_LEVEL ? baseLevel : batchLevel
        taskDeadlineAt = batchDeadlineAt
        task = scheduler.scheduleTask({
          run: deliver,
          priority: taskLevel,
          deadline: taskDeadlineAt === Infinity ? undefined : taskDeadlineAt - scheduler.now(),
        })
      }

      const deliver = (): void => {
        task = null
        for (let n = Math.min(buffer.size, batchSize); n > 0; n--) {
          if (subscriber.closed) return
          subscriber.next(buffer.shift() as T)
        }
        if (buffer.size === 0) {
          batchLevel = NO_LEVEL
          batchDeadlineAt = Infinity
          if (ended === 'complete') subscriber.complete()
          else if (ended !== null) subscriber.error(ended.error)
        } else {
          requestTask()
        }
      }

      const fail = (error: unknown): void => {
        task?.unsubscribe()
        task = null
        buffer.clear()
        subscriber.error(error)
      }

      const subscription = subscribeLinked(subscriber, source, {
        next(value) {
          try {
            const level = levelOf(value)
            let deadlineAt = Infinity
            if (deadline !== undefined) {
              const relative = typeof deadline === 'function' ? checkDeadline(deadline(value), value) : deadline
              deadlineAt = scheduler.now() + relative
            }
            if (buffer.size >= bufferLimit) throw new BufferOverflowError(bufferLimit)
            buffer.push(value)
            if (level > batchLevel) batchLevel = level
            if (deadlineAt < batchDeadlineAt) batchDeadlineAt = deadlineAt
            requestTask()
          } catch (error) {
            fail(error)
          }
        },
        error(error) {
          ended = { error }
          try {
            requestTask()
          } catch (scheduleError) {
            fail(scheduleError)
          }
        },
        complete() {
          ended = 'complete'
          try {
            requestTask()
          } catch (scheduleError) {
            fail(scheduleError)
          }
        },
      })

      return () => {
        subscription.unsubscribe()
        task?.unsubscribe()
        task = null
        buffer.clear()
      }
    })
}

function constant<T>(level: number): (value: T) => number {
  return () => level
}

function checkDeadline(value: unknown, ...of: unknown[]): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    const subject = of.length > 0 ? ` for value ${describeValue(of[0])}` : ''
    throw new TypeError(`deadline must be a number of milliseconds${subject}, got ${describeValue(value)}`)
  }
  return value
}
