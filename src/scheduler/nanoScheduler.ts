import { type SchedulerAction, type SchedulerLike, Subscription } from 'rxjs'
import { describeValue } from '../errors'
import { checkFunction, checkNumber, checkOptions } from '../validate'
import { type Clock, createPlatformClock } from './clock'
import {
  type CoreTask,
  checkClockObject,
  checkMs,
  checkTimerObject,
  type Runnable,
  resolveCoreOptions,
  resolveTaskOptions,
  SCHEDULER_CORE_OPTION_NAMES,
  SchedulerCore,
  type SchedulerCoreOptions,
  type SchedulerStats,
  TASK_OPTION_NAMES,
  type TaskOptions,
} from './core'
import { PRIORITIES, priorityLevel } from './policy'
import {
  createHybridTimer,
  HYBRID_TIMER_OPTION_NAMES,
  type HybridTimerOptions,
  resolveTimerOptions,
  type Timer,
} from './timer'
import { VirtualTime } from './virtualTime'

/** Options that place work on the ready queue: what a lane fixes for every task it schedules. */
export type LaneOptions = Pick<TaskOptions, 'priority' | 'deadline' | 'cost'>

/** `scheduleTask`'s argument: the work and its placement, times in ms from now. */
export interface TaskSpec extends TaskOptions {
  /** The work; what it throws goes to the scheduler's `onTaskError`. */
  run: () => void
}

/** A lane's options, checked once: what every task scheduled through it carries. */
interface ResolvedLane {
  readonly options: LaneOptions
  readonly level: number
  readonly relativeDeadline: number
  readonly cost: number
}

const LANE_OPTION_NAMES: readonly string[] = ['priority', 'deadline', 'cost']
const TASK_SPEC_NAMES: readonly string[] = [...TASK_OPTION_NAMES, 'run']

function resolveLane(fn: string, options: LaneOptions): ResolvedLane {
  checkOptions(fn, options, LANE_OPTION_NAMES)
  const level = options.priority === undefined ? PRIORITIES.normal : priorityLevel(options.priority, fn)
  const relativeDeadline = checkMs(options.deadline, fn, 'deadline', Infinity, true)
  const cost = checkMs(options.cost, fn, 'cost', 0, false)
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
  private readonly lane: ResolvedLane

  /** Prefer `createNanoScheduler`; this wraps a core from `midstream/scheduler` in a lane. */
  constructor(
    /** The RxJS-free core: timeline, ready queue, statistics. */
    readonly core: SchedulerCore,
    lane: LaneOptions = {},
  ) {
    if (!(core instanceof SchedulerCore))
      throw new TypeError(`NanoScheduler: core must be a SchedulerCore, got ${describeValue(core)}`)
    this.lane = resolveLane('NanoScheduler', lane)
  }

  /** Milliseconds (float, epoch scale) from the scheduler's clock. */
  now(): number {
    return this.core.clock.now()
  }

  /** Nanoseconds from the scheduler's clock. */
  nowNs(): bigint {
    return this.core.clock.nowNs()
  }

  /**
   * RxJS's `SchedulerLike.schedule`: runs `work` after `delay` ms (fractions allowed; negative
   * behaves as 0), ordered among ready work by this lane's priority and deadline.
   */
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    if (typeof work !== 'function') checkFunction('NanoScheduler.schedule', 'work', work, false)
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
    const fn = 'NanoScheduler.scheduleTask'
    if (spec === null || typeof spec !== 'object')
      throw new TypeError(`${fn}: spec must be an object { run, ... }, got ${describeValue(spec)}`)
    checkFunction(fn, 'run', spec.run, false)
    const t = resolveTaskOptions(fn, spec, TASK_SPEC_NAMES)
    const core = this.core
    const task = core.enqueue(spec, t.delay, t.level, t.relativeDeadline, t.period, t.cost)
    return new Subscription(() => void core.cancel(task))
  }

  /**
   * A view of this scheduler whose every task carries `options` (priority, deadline, cost): a
   * `SchedulerLike` to hand to RxJS operators, e.g. `observeOn(scheduler.withLane({ priority: 'high' }))`.
   */
  withLane(options: LaneOptions): NanoScheduler {
    resolveLane('NanoScheduler.withLane', options)
    return new NanoScheduler(this.core, { ...this.lane.options, ...options })
  }

  /** Counts, queue sizes and lateness/run-time percentiles since creation or `resetStats()`. */
  stats(): SchedulerStats {
    return this.core.stats()
  }

  /** Zeroes the counters and histograms of `stats()` (the queues are left as they are). */
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
    private readonly lane: ResolvedLane,
  ) {
    super()
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this
    // one comparison on the hot path; the shared check only to word the error
    if (typeof delay !== 'number' || delay !== delay || delay === Infinity || delay === -Infinity)
      checkNumber('NanoScheduler.schedule', 'delay', delay)
    this.state = state
    const core = this.core
    const task = this.task
    if (task !== null) {
      if (core.requeue(task, delay)) return this
      core.cancel(task)
    }
    const lane = this.lane
    this.task = core.enqueue(this, delay, lane.level, lane.relativeDeadline, 0, lane.cost)
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

/** `createNanoScheduler`'s options: the core's (policy, queue bound, errors) and the timer's (precision). */
export interface NanoSchedulerOptions extends SchedulerCoreOptions, HybridTimerOptions {
  /** The time source; default the platform's high-resolution clock. */
  clock?: Clock
  /** The platform timer; default the hybrid timer with `precision`. */
  timer?: Timer
}

const NANO_SCHEDULER_OPTION_NAMES: readonly string[] = [
  ...SCHEDULER_CORE_OPTION_NAMES,
  ...HYBRID_TIMER_OPTION_NAMES,
  'clock',
  'timer',
]

/**
 * Creates a `NanoScheduler` on the platform clock and the hybrid timer (or an injected `clock`
 * and `timer`, e.g. `rxjsTimeSource(testScheduler)` inside `TestScheduler.run`). Bad options
 * throw a `TypeError`/`RangeError` starting `createNanoScheduler: `.
 *
 * ```ts
 * const scheduler = createNanoScheduler({ policy: 'edf' })
 * timer(0.25, scheduler).subscribe(() => console.log('250 us later'))
 * scheduler.stats().latenessNs.p99
 * ```
 * @see createVirtualNanoScheduler for deterministic virtual time
 */
export function createNanoScheduler(options: NanoSchedulerOptions = {}): NanoScheduler {
  const fn = 'createNanoScheduler'
  checkOptions(fn, options, NANO_SCHEDULER_OPTION_NAMES)
  resolveCoreOptions(fn, options)
  const timerOptions = resolveTimerOptions(fn, options)
  const clock = options.clock === undefined ? createPlatformClock() : checkClockObject(fn, 'clock', options.clock)
  const timer =
    options.timer === undefined ? createHybridTimer(clock, timerOptions) : checkTimerObject(fn, 'timer', options.timer)
  return new NanoScheduler(new SchedulerCore(clock, timer, pickCoreOptions(options)))
}

function pickCoreOptions(options: SchedulerCoreOptions): SchedulerCoreOptions {
  const { policy, maxQueueSize, onTaskError, yieldAfterMs, sampleTimingEvery } = options
  return { policy, maxQueueSize, onTaskError, yieldAfterMs, sampleTimingEvery }
}

/** A `NanoScheduler` on virtual time, with the controls of `VirtualTime`. */
export class VirtualNanoScheduler extends NanoScheduler {
  /** Prefer `createVirtualNanoScheduler`. */
  constructor(
    /** The virtual clock and timer the scheduler runs on. */
    readonly time: VirtualTime,
    options: SchedulerCoreOptions = {},
  ) {
    if (!(time instanceof VirtualTime))
      throw new TypeError(`VirtualNanoScheduler: time must be a VirtualTime, got ${describeValue(time)}`)
    super(new SchedulerCore(time, time, options))
  }

  /** Runs everything due within the next `ms` milliseconds (0 runs what is ready now). */
  advanceBy(ms: number): void {
    this.time.advanceBy(ms, 'VirtualNanoScheduler.advanceBy')
  }

  /** Runs everything due up to `time` and sets the clock there; event-time replays call this per record. */
  advanceTo(time: number): void {
    this.time.advanceTo(time, 'VirtualNanoScheduler.advanceTo')
  }

  /** Runs until nothing is scheduled, moving the clock to each due time; throws after `maxTimers` firings. */
  flush(maxTimers?: number): void {
    this.time.flush(maxTimers, 'VirtualNanoScheduler.flush')
  }
}

/** `createVirtualNanoScheduler`'s options: the core's, and where the clock starts. */
export interface VirtualNanoSchedulerOptions extends SchedulerCoreOptions {
  /** The clock's first reading, ms. Default 0. */
  startTime?: number
}

/**
 * Creates a deterministic scheduler on virtual time starting at `startTime` (ms, default 0),
 * for tests and for replaying recorded streams in event time. Bad options throw a
 * `TypeError`/`RangeError` starting `createVirtualNanoScheduler: `.
 *
 * ```ts
 * const scheduler = createVirtualNanoScheduler()
 * timer(5, scheduler).subscribe(() => console.log(scheduler.now())) // 5
 * scheduler.flush()
 * ```
 * @see createNanoScheduler for real time
 */
export function createVirtualNanoScheduler(options: VirtualNanoSchedulerOptions = {}): VirtualNanoScheduler {
  const fn = 'createVirtualNanoScheduler'
  checkOptions(fn, options, [...SCHEDULER_CORE_OPTION_NAMES, 'startTime'])
  resolveCoreOptions(fn, options)
  const startTime = options.startTime === undefined ? 0 : checkNumber(fn, 'startTime', options.startTime)
  return new VirtualNanoScheduler(new VirtualTime(startTime), pickCoreOptions(options))
}

/** Nanoseconds in a millisecond. */
const NS_PER_MS = 1e6

/** What `rxjsTimeSource` returns: spread it into `createNanoScheduler`'s options. */
export interface RxjsTimeSource {
  /** The RxJS scheduler's `now()`, as a Clock. */
  clock: Clock
  /** The RxJS scheduler's `schedule()`, as a Timer. */
  timer: Timer
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
export function rxjsTimeSource(scheduler: SchedulerLike): RxjsTimeSource {
  if (
    scheduler === null ||
    typeof scheduler !== 'object' ||
    typeof scheduler.now !== 'function' ||
    typeof scheduler.schedule !== 'function'
  )
    throw new TypeError(`rxjsTimeSource: scheduler must be an RxJS SchedulerLike, got ${describeValue(scheduler)}`)
  return {
    clock: {
      now: () => scheduler.now(),
      nowNs: () => BigInt(Math.round(scheduler.now() * NS_PER_MS)),
    },
    timer: {
      setTimer: (fn, delayMs) => scheduler.schedule(fn, Math.max(0, delayMs)),
      clearTimer: handle => (handle as Subscription).unsubscribe(),
    },
  }
}
