import { type MonoTypeOperatorFunction, Observable, type Subscriber, type Subscription } from 'rxjs'
import { BufferOverflowError, describeValue } from '../src/errors'
import { checkMs } from '../src/scheduler/core'
import type { NanoScheduler } from '../src/scheduler/nanoScheduler'
import { type Priority, priorityLevel } from '../src/scheduler/policy'
import { ChunkedQueue } from '../src/structures/chunkedQueue'
import { checkInteger, checkOptions } from '../src/validate'
import { subscribeLinked } from './internal/subscribeLinked'

/** `scheduleOn`'s options: each value's priority and deadline, and the batch and buffer bounds. */
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

const FN = 'scheduleOn'
const OPTION_NAMES: readonly string[] = ['priority', 'deadline', 'batchSize', 'bufferLimit']
/** `batchSize` when none is given. */
const DEFAULT_BATCH_SIZE = 1024
/** Below every priority level: "no value buffered". */
const NO_LEVEL = -1

/** `ScheduleOnOptions` checked: constants resolved once, functions kept for each value. */
interface Placement<T> {
  readonly levelOf: (value: T) => number
  /** The level of a task that carries only the end of the stream. */
  readonly baseLevel: number
  readonly deadline: number | ((value: T) => number) | undefined
  readonly batchSize: number
  readonly bufferLimit: number
}

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
 * Bad arguments throw a `TypeError`/`RangeError` starting `scheduleOn: `; a `priority`/`deadline`
 * function that throws or returns a bad value errors the stream, naming the value; so does a full
 * buffer (`BufferOverflowError`) or a full scheduler queue (`QueueFullError`).
 *
 * ```ts
 * const scheduler = createNanoScheduler({ policy: 'priority' })
 * alarms$.pipe(scheduleOn(scheduler, { priority: 'critical', deadline: 1 }))
 * bulk$.pipe(scheduleOn(scheduler, { priority: (x) => (x.urgent ? 'high' : 'low') }))
 * ```
 * @see createNanoScheduler for the scheduler it runs on
 */
export function scheduleOn<T>(
  scheduler: NanoScheduler,
  options: ScheduleOnOptions<T> = {},
): MonoTypeOperatorFunction<T> {
  if (scheduler === null || typeof scheduler !== 'object' || typeof scheduler.scheduleTask !== 'function') {
    throw new TypeError(
      `${FN}: scheduler must be a NanoScheduler (from createNanoScheduler), got ${describeValue(scheduler)}`,
    )
  }
  const placement = resolvePlacement(options)
  return source =>
    new Observable<T>(subscriber => {
      const delivery = new OrderedDelivery(scheduler, placement, subscriber)
      const subscription = subscribeLinked(subscriber, source, {
        next: value => delivery.next(value),
        error: error => delivery.end({ error }),
        complete: () => delivery.end('complete'),
      })
      return () => {
        subscription.unsubscribe()
        delivery.cancel()
      }
    })
}

function resolvePlacement<T>(options: ScheduleOnOptions<T>): Placement<T> {
  checkOptions(FN, options, OPTION_NAMES)
  const { priority = 'normal', deadline } = options
  const batchSize = checkInteger(FN, 'batchSize', options.batchSize ?? DEFAULT_BATCH_SIZE, { min: 1 })
  const bufferLimit =
    options.bufferLimit === undefined || options.bufferLimit === Infinity
      ? Infinity
      : checkInteger(FN, 'bufferLimit', options.bufferLimit, { min: 1 })
  if (deadline !== undefined && typeof deadline !== 'function') checkMs(deadline, FN, 'deadline', Infinity, true)
  if (typeof priority === 'function') {
    return {
      levelOf: value => priorityLevel(priority(value), FN),
      baseLevel: priorityLevel('normal'),
      deadline,
      batchSize,
      bufferLimit,
    }
  }
  const level = priorityLevel(priority, FN)
  return { levelOf: () => level, baseLevel: level, deadline, batchSize, bufferLimit }
}

/** One subscription's buffer and its one task in flight on the scheduler. */
class OrderedDelivery<T> {
  private readonly buffer = new ChunkedQueue<T>()
  private ended: { error: unknown } | 'complete' | null = null
  private task: Subscription | null = null
  private taskLevel = NO_LEVEL
  private taskDeadlineAt = Infinity
  // The most urgent priority and deadline among buffered values: what the next task must carry.
  private batchLevel = NO_LEVEL
  private batchDeadlineAt = Infinity

  constructor(
    private readonly scheduler: NanoScheduler,
    private readonly placement: Placement<T>,
    private readonly subscriber: Subscriber<T>,
  ) {}

  next(value: T): void {
    try {
      const { deadline, bufferLimit } = this.placement
      const level = this.placement.levelOf(value)
      let deadlineAt = Infinity
      if (deadline !== undefined) {
        const relative = typeof deadline === 'function' ? deadlineOf(deadline(value), value) : deadline
        deadlineAt = this.scheduler.now() + relative
      }
      if (this.buffer.size >= bufferLimit) throw new BufferOverflowError(bufferLimit)
      this.buffer.push(value)
      if (level > this.batchLevel) this.batchLevel = level
      if (deadlineAt < this.batchDeadlineAt) this.batchDeadlineAt = deadlineAt
      this.requestTask()
    } catch (error) {
      this.fail(error)
    }
  }

  /** The source ended: deliver the end after the values before it. */
  end(how: { error: unknown } | 'complete'): void {
    this.ended = how
    try {
      this.requestTask()
    } catch (scheduleError) {
      this.fail(scheduleError)
    }
  }

  /** Unsubscribed: the pending task is cancelled and the buffer dropped. */
  cancel(): void {
    this.task?.unsubscribe()
    this.task = null
    this.buffer.clear()
  }

  private requestTask(): void {
    if (this.task !== null && this.taskLevel >= this.batchLevel && this.taskDeadlineAt <= this.batchDeadlineAt) return
    this.task?.unsubscribe()
    this.taskLevel = this.batchLevel === NO_LEVEL ? this.placement.baseLevel : this.batchLevel
    this.taskDeadlineAt = this.batchDeadlineAt
    this.task = this.scheduler.scheduleTask({
      run: this.deliver,
      priority: this.taskLevel,
      deadline: this.taskDeadlineAt === Infinity ? undefined : this.taskDeadlineAt - this.scheduler.now(),
    })
  }

  private readonly deliver = (): void => {
    this.task = null
    const { buffer, subscriber } = this
    for (let n = Math.min(buffer.size, this.placement.batchSize); n > 0; n--) {
      if (subscriber.closed) return
      subscriber.next(buffer.shift() as T)
    }
    if (buffer.size === 0) {
      this.batchLevel = NO_LEVEL
      this.batchDeadlineAt = Infinity
      const ended = this.ended
      if (ended === 'complete') subscriber.complete()
      else if (ended !== null) subscriber.error(ended.error)
    } else {
      this.requestTask()
    }
  }

  private fail(error: unknown): void {
    this.cancel()
    this.subscriber.error(error)
  }
}

/** A deadline function's result: a number of ms (Infinity: none), or an error naming the value. */
function deadlineOf(value: unknown, of: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value === -Infinity)
    throw new TypeError(
      `${FN}: deadline must be a number of milliseconds for value ${describeValue(of)}, got ${describeValue(value)}`,
    )
  return value
}
