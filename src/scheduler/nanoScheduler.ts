import { type SchedulerAction, type SchedulerLike, Subscription } from 'rxjs'
import { describeValue } from '../errors'
import { type Clock, createPlatformClock } from './clock'
import {
  type CoreTask,
  checkMs,
  type Runnable,
  SchedulerCore,
  type SchedulerCoreOptions,
  type SchedulerStats,
  type TaskOptions,
} from './core'
import { PRIORITIES, priorityLevel } from './policy'
import { createHybridTimer, type HybridTimerOptions, type Timer } from './timer'
import { VirtualTime } from './virtualTime'

/** Options that place work on the ready queue: what a lane fixes for every task it schedules. */
export type LaneOptions = Pick<TaskOptions, 'priority' | 'deadline' | 'cost'>

/** `scheduleTask`'s argument: the work and its placement, times in ms from now. */
export interface TaskSpec extends TaskOptions {
  run: () => void
}

/** A lane's options, checked once: what every task scheduled through it carries. */
interface Lane {
  readonly options: LaneOptions
  readonly level: number
  readonly relativeDeadline: number
  readonly cost: number
}

function resolveLane(options: LaneOptions): Lane {
  const level = options.priority === undefined ? PRIORITIES.normal : priorityLevel(options.priority)
  const relativeDeadline = options.deadline === undefined ? Infinity : checkMs(options.deadline, 'deadline', true)
  const cost = options.cost === undefined ? 0 : checkMs(options.cost, 'cost', false)
  return { options, level, relativeDeadline, cost }
}

/**
 * A nanosecond-precision scheduler that is a real RxJS `SchedulerLike`: pass it wherever RxJS
 * takes a scheduler (`observeOn`, `subscribeOn`, `timer`, `interval`, `delay`, `bufferTime`,
 * `debounceTime`, ...). Delays are fractional milliseconds and honoured to microseconds with
 * `precision: 'fine'`. Work scheduled with no delay runs soon after (like `asapScheduler`),
 * ordered by the scheduler's policy.
 */
export class NanoScheduler implements SchedulerLike {
  private readonly lane: Lane

  constructor(
    /** The RxJS-free core: timeline, ready queue, statistics. */
    readonly core: SchedulerCore,
    lane: LaneOptions = {},
  ) {
    this.lane = resolveLane(lane)
  }

  /** Milliseconds (float, epoch scale) from the scheduler's clock. */
  now(): number {
    return this.core.clock.now()
  }

  /** Nanoseconds from the scheduler's clock. */
  nowNs(): bigint {
    return this.core.clock.nowNs()
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    if (typeof work !== 'function') throw new TypeError(`schedule needs a function, got ${describeValue(work)}`)
    return new NanoAction(this.core, work, this.lane).schedule(state, delay)
  }

  /**
   * Schedules `run` with a priority, relative deadline, period and cost (all ms from now);
   * unsubscribing cancels it (and stops a periodic task).
   *
   * ```ts
   * const sub = scheduler.scheduleTask({ run: poll, period: 10, deadline: 2, priority: 'high' })
   * ```
   */
  scheduleTask(spec: TaskSpec): Subscription {
    if (spec === null || typeof spec !== 'object' || typeof spec.run !== 'function') {
      throw new TypeError(`scheduleTask needs { run: function }, got ${describeValue(spec)}`)
    }
    const core = this.core
    const task = core.schedule(spec, spec)
    return new Subscription(() => void core.cancel(task))
  }

  /**
   * A view of this scheduler whose every task carries `options` (priority, deadline, cost): a
   * `SchedulerLike` to hand to RxJS operators, e.g. `observeOn(scheduler.withLane({ priority: 'high' }))`.
   */
  withLane(options: LaneOptions): NanoScheduler {
    return new NanoScheduler(this.core, { ...this.lane.options, ...options })
  }

  stats(): SchedulerStats {
    return this.core.stats()
  }

  resetStats(): void {
    this.core.resetStats()
  }
}

/**
 * An RxJS action: a Subscription whose `schedule` (re)queues the same work, as AsyncAction does.
 * It is its own `Runnable`, and an action that reschedules itself from its work reuses its task.
 */
class NanoAction<T> extends Subscription implements SchedulerAction<T>, Runnable {
  private task: CoreTask | null = null
  private state: T | undefined

  constructor(
    private readonly core: SchedulerCore,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
    private readonly lane: Lane,
  ) {
    super()
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this
    if (typeof delay !== 'number' || delay !== delay || delay === Infinity || delay === -Infinity)
      checkMs(delay, 'delay', false)
    this.state = state
    const core = this.core
    const now = core.clock.now()
    const task = this.task
    if (task !== null) {
      if (core.requeue(task, now, delay)) return this
      core.cancel(task)
    }
    const lane = this.lane
    this.task = core.enqueue(this, now, delay, lane.level, lane.relativeDeadline, 0, lane.cost)
    return this
  }

  /** Called by the core. */
  run(): void {
    if (this.closed) return
    try {
      this.work(this.state)
    } catch (error) {
      this.unsubscribe()
      throw error
    }
  }

  override unsubscribe(): void {
    if (this.closed) return
    if (this.task !== null) this.core.cancel(this.task)
    this.task = null
    super.unsubscribe()
  }
}

export interface NanoSchedulerOptions extends SchedulerCoreOptions, HybridTimerOptions {
  /** The time source; default the platform's high-resolution clock. */
  clock?: Clock
  /** The platform timer; default the hybrid timer with `precision`. */
  timer?: Timer
}

/**
 * Creates a `NanoScheduler` on the platform clock and the hybrid timer (or an injected `clock`
 * and `timer`, e.g. `rxjsTimeSource(testScheduler)` inside `TestScheduler.run`).
 *
 * ```ts
 * const scheduler = createNanoScheduler({ policy: 'edf' })
 * timer(0.25, scheduler).subscribe(() => console.log('250 us later'))
 * scheduler.stats().latenessNs.p99
 * ```
 */
export function createNanoScheduler(options: NanoSchedulerOptions = {}): NanoScheduler {
  const clock = options.clock ?? createPlatformClock()
  const timer = options.timer ?? createHybridTimer(clock, options)
  return new NanoScheduler(new SchedulerCore(clock, timer, options))
}

/** A `NanoScheduler` on virtual time, with the controls of `VirtualTime`. */
export class VirtualNanoScheduler extends NanoScheduler {
  constructor(
    readonly time: VirtualTime,
    options: SchedulerCoreOptions = {},
  ) {
    super(new SchedulerCore(time, time, options))
  }

  /** Runs everything due within the next `ms` milliseconds (0 runs what is ready now). */
  advanceBy(ms: number): void {
    this.time.advanceBy(ms)
  }

  /** Runs everything due up to `time` and sets the clock there; event-time replays call this per record. */
  advanceTo(time: number): void {
    this.time.advanceTo(time)
  }

  /** Runs until nothing is scheduled, moving the clock to each due time. */
  flush(maxTimers?: number): void {
    this.time.flush(maxTimers)
  }
}

/**
 * Creates a deterministic scheduler on virtual time starting at `startTime` (ms, default 0),
 * for tests and for replaying recorded streams in event time.
 *
 * ```ts
 * const scheduler = createVirtualNanoScheduler()
 * timer(5, scheduler).subscribe(() => console.log(scheduler.now())) // 5
 * scheduler.flush()
 * ```
 */
export function createVirtualNanoScheduler(
  options: SchedulerCoreOptions & { startTime?: number } = {},
): VirtualNanoScheduler {
  return new VirtualNanoScheduler(new VirtualTime(options.startTime ?? 0), options)
}

/**
 * A Clock and Timer taken from any RxJS scheduler, so that a `NanoScheduler` runs on RxJS's
 * virtual time inside `TestScheduler.run()` (marble tests).
 *
 * ```ts
 * testScheduler.run(() => {
 *   const nano = createNanoScheduler({ ...rxjsTimeSource(testScheduler) })
 *   // marble assertions on pipelines using `nano`
 * })
 * ```
 */
export function rxjsTimeSource(scheduler: SchedulerLike): { clock: Clock; timer: Timer } {
  return {
    clock: {
      now: () => scheduler.now(),
      nowNs: () => BigInt(Math.round(scheduler.now() * 1e6)),
    },
    timer: {
      setTimer: (fn, delayMs) => scheduler.schedule(fn, Math.max(0, delayMs)),
      clearTimer: handle => (handle as Subscription).unsubscribe(),
    },
  }
}
