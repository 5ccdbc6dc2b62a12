import { describeValue, QueueFullError } from '../errors'
import { LogHistogram } from '../stats/logHistogram'
import { checkFunction, checkInteger, checkNumber, checkOneOf, checkOptions, checkPositive } from '../validate'
import type { Clock } from './clock'
import { POLICIES, type Policy, PRIORITIES, type Priority, priorityLevel, readyKey } from './policy'
import { before, TaskHeap } from './taskHeap'
import type { Timer, TimerHandle } from './timer'

/** What `SchedulerCore.schedule` takes; times in milliseconds from now, fractions allowed. */
export interface TaskOptions {
  /** Delay before the task becomes ready. Negative behaves as 0 (as in RxJS). Default 0. */
  delay?: number
  /** A name from `PRIORITIES` or a level in [0, 100]. Default `'normal'`. */
  priority?: Priority
  /** Relative deadline, counted from each release. Completion after it counts as a miss. */
  deadline?: number
  /**
   * Re-release the task every `period` ms (fixed rate, from its previous release) until cancelled;
   * among equal keys it keeps its first place. Releases that pass while it runs late are skipped.
   */
  period?: number
  /** Expected run time, used by the `'llf'` policy. Default 0. */
  cost?: number
}

/** Where a task is in its life. @internal */
enum TaskState {
  Delayed,
  Ready,
  Running,
  Done,
  Cancelled,
}

/** What a task runs: an object with a `run` method (so an RxJS action needs no closure per task). */
export interface Runnable {
  /** Does the work; what it throws goes to the core's `onTaskError`. */
  run(): void
}

/** A scheduled unit of work, as the core holds it. Fields are read-only to callers. */
export class CoreTask {
  /** Position key in whichever heap holds the task (due time on the timeline, policy key when ready). Written by the core. */
  heapKey = 0
  /** Index in that heap, -1 when in none. Written by the core. */
  heapIndex = -1
  /** Where the task is: delayed, ready, running, done or cancelled. Written by the core. @internal */
  state = TaskState.Delayed
  /** Absolute deadline of the current release, ms on the clock; Infinity when none. */
  deadlineAt = Infinity
  /**
   * Whether this release's lateness and run time are measured (see
   * `SchedulerCoreOptions.sampleTimingEvery`). An untimed release has `due` NaN: the clock was
   * not read when it was queued. Written by the core.
   */
  timed = true
  constructor(
    /** What the task runs. */
    readonly target: Runnable,
    /** When the current release becomes ready, ms on the clock; NaN for an untimed immediate release. */
    public due: number,
    /** Scheduling order: among equal keys the smaller runs first (FIFO). */
    public seq: number,
    /** Priority level in [0, 100]. */
    readonly level: number,
    /** Deadline counted from each release, ms; Infinity when none. */
    readonly relativeDeadline: number,
    /** Re-release period, ms; 0 for a one-shot task. */
    readonly period: number,
    /** Expected run time, ms (the `'llf'` policy's input). */
    readonly cost: number,
  ) {}

  /** Whether the task still waits to run (delayed or ready). */
  get pending(): boolean {
    return this.state === TaskState.Delayed || this.state === TaskState.Ready
  }
}

/** The core's options: ready-queue policy, queue bound, error handling, fairness to the host. */
export interface SchedulerCoreOptions {
  /** Ready-queue order. Default `'priority'`. */
  policy?: Policy
  /** The most tasks (ready and delayed) the scheduler holds; beyond it `schedule` throws `QueueFullError`. Default 10 000. */
  maxQueueSize?: number
  /**
   * Called when a task throws. The scheduler goes on with the next task either way.
   * Default: rethrow asynchronously, as RxJS's `reportUnhandledError` does.
   */
  onTaskError?: (error: unknown) => void
  /**
   * A drain (a run of ready tasks) that has lasted this long with work left yields one event-loop
   * turn before it goes on, so that a flood of tasks cannot starve I/O. Default 5 ms.
   */
  yieldAfterMs?: number
  /**
   * Of the tasks queued with no delay, no deadline and no period, one in `sampleTimingEvery` is
   * timed (its lateness and run time go into `stats()`); the others cost no clock reading, which
   * is most of what a zero-delay task costs (a reading takes 30-60 ns, a task ~20 ns without).
   * Delayed, periodic and deadline tasks are always timed, and every count in `stats()` is exact
   * either way. 1 times every task. Default 64.
   */
  sampleTimingEvery?: number
}

/** The delay that asks the timer for "the next event-loop turn" (any positive delay does). */
const NEXT_TURN_MS = 1e-6
/** `maxQueueSize` when none is given. */
const DEFAULT_MAX_QUEUE_SIZE = 10_000
/** `yieldAfterMs` when none is given. */
const DEFAULT_YIELD_AFTER_MS = 5
/** Nanoseconds in a millisecond: latencies are recorded in ns, clocks read in ms. */
const NS_PER_MS = 1e6
/** `sampleTimingEvery` when none is given. */
const DEFAULT_SAMPLE_TIMING_EVERY = 64
/**
 * While runs are short, the drain reads the clock once per several untimed runs (at most
 * `MAX_READ_STRIDE`), sized so that about `READ_INTERVAL_MS` passes between readings: due
 * delayed tasks are promoted, and the yield to the host is decided, at that granularity.
 */
const MAX_READ_STRIDE = 256
/** The time the drain lets pass between clock readings while runs are short (10 us). */
const READ_INTERVAL_MS = 0.01

/** The option names of `SchedulerCoreOptions`, for `checkOptions`. */
export const SCHEDULER_CORE_OPTION_NAMES: readonly string[] = [
  'policy',
  'maxQueueSize',
  'onTaskError',
  'yieldAfterMs',
  'sampleTimingEvery',
]

/** `SchedulerCoreOptions` checked and with their defaults filled in. */
interface ResolvedCoreOptions {
  readonly policy: Policy
  readonly maxQueueSize: number
  readonly onTaskError: (error: unknown) => void
  readonly yieldAfterMs: number
  readonly sampleTimingEvery: number
}

/**
 * Checks the core's options for `fn` (the public name called: `createNanoScheduler`,
 * `SchedulerCore`, ...) without refusing other names: callers whose options extend these check
 * the names themselves.
 * @internal
 */
export function resolveCoreOptions(fn: string, options: SchedulerCoreOptions): ResolvedCoreOptions {
  return {
    policy: checkOneOf(fn, 'policy', options.policy ?? 'priority', POLICIES),
    maxQueueSize: checkInteger(fn, 'maxQueueSize', options.maxQueueSize ?? DEFAULT_MAX_QUEUE_SIZE, { min: 1 }),
    onTaskError: checkFunction<(error: unknown) => void>(fn, 'onTaskError', options.onTaskError) ?? rethrowAsync,
    // Infinity: never yield (a drain runs all ready work at once)
    yieldAfterMs:
      options.yieldAfterMs === Infinity
        ? Infinity
        : checkPositive(fn, 'yieldAfterMs', options.yieldAfterMs ?? DEFAULT_YIELD_AFTER_MS),
    sampleTimingEvery: checkInteger(fn, 'sampleTimingEvery', options.sampleTimingEvery ?? DEFAULT_SAMPLE_TIMING_EVERY, {
      min: 1,
    }),
  }
}

/** Percentiles of a latency distribution in nanoseconds. */
export interface LatencySummary {
  /** Samples recorded. */
  count: number
  /** Median, ns (NaN when empty). */
  p50: number
  /** 99th percentile, ns (NaN when empty). */
  p99: number
  /** Largest sample, ns, exact (NaN when empty). */
  max: number
  /** Mean, ns (NaN when empty). */
  mean: number
}

/** What `stats()` reports: counts since creation (or `resetStats()`), queue sizes now, latency percentiles. */
export interface SchedulerStats {
  /** The ready-queue policy. */
  policy: Policy
  /** Tasks (and releases) queued. */
  scheduled: number
  /** Runs finished, failed ones included. */
  completed: number
  /** Tasks cancelled before they ran (or periodic tasks stopped). */
  cancelled: number
  /** Runs that threw. */
  failed: number
  /** Runs that finished after their absolute deadline. */
  missedDeadlines: number
  /** Releases of periodic tasks skipped because their time had passed (the task overran its period). */
  skippedReleases: number
  /** Tasks ready to run now. */
  ready: number
  /** Tasks waiting for their due time. */
  delayed: number
  /** ready + delayed, the figure `maxQueueSize` bounds. */
  queueSize: number
  /**
   * One zero-delay task (without deadline or period) in this many is timed; the latency summaries
   * cover those and every delayed, periodic and deadline task. 1: every run is timed.
   */
  sampleTimingEvery: number
  /** From due time to actual start, over the timed runs (`count` of them). */
  latenessNs: LatencySummary
  /** From start to the end of the run, over the timed runs. */
  runTimeNs: LatencySummary
}

function summarize(h: LogHistogram): LatencySummary {
  return {
    count: h.count,
    p50: h.percentile(0.5),
    p99: h.percentile(0.99),
    max: h.count === 0 ? NaN : h.max,
    mean: h.mean,
  }
}

function rethrowAsync(error: unknown): void {
  ;(globalThis as unknown as { setTimeout(fn: () => void, ms: number): unknown }).setTimeout(() => {
    throw error
  }, 0)
}

/**
 * The scheduler proper, free of RxJS types: a timeline (delayed tasks, a heap by due time), a
 * ready queue (a heap by policy key and sequence) and one platform timer armed at the earliest
 * due time. Ready work runs in a drain started soon after it is queued (never synchronously
 * inside `schedule`), so everything queued together is ordered by the policy.
 *
 * ```ts
 * const core = new SchedulerCore(createPlatformClock(), timer, { policy: 'edf' })
 * core.schedule({ run: () => console.log('second') }, { deadline: 10 })
 * core.schedule({ run: () => console.log('first') }, { deadline: 2 })
 * ```
 */
export class SchedulerCore {
  /** The ready-queue policy. */
  readonly policy: Policy
  /** The most tasks the core holds. */
  readonly maxQueueSize: number
  /** One zero-delay task without deadline or period in this many is timed (see `SchedulerCoreOptions`). */
  readonly sampleTimingEvery: number
  private readonly onTaskError: (error: unknown) => void
  private readonly yieldAfterMs: number
  private readonly timeline = new TaskHeap<CoreTask>()
  private readonly readyQueue = new TaskHeap<CoreTask>()
  private readonly lateness = new LogHistogram()
  private readonly runTime = new LogHistogram()
  private seq = 0
  private draining = false
  private drainHandle: TimerHandle | undefined
  private wakeHandle: TimerHandle | undefined
  private wakeAt = Infinity
  /** Zero-delay untimed releases left before the next timed one. */
  private untilTimed = 0
  /**
   * 1 when the running task has queued itself again with no delay: it is ready, but held out of
   * the ready queue (state Ready, heapIndex -1), since it usually runs next (a chain) and then
   * costs no heap push and pop. A count rather than a reference: storing a young task into the
   * long-lived core on every run would cost a write barrier each time.
   */
  private held = 0
  /** How many untimed runs the drain lets pass between clock readings (1 to MAX_READ_STRIDE). */
  private readStride = 1
  /** Start of the timed run in progress, and its deadline read before it ran (runTask to recordRun). */
  private runStart = 0
  private runDeadlineAt = Infinity
  private counts = { scheduled: 0, completed: 0, cancelled: 0, failed: 0, missedDeadlines: 0, skippedReleases: 0 }

  constructor(
    /** The clock every due time is read from. */
    readonly clock: Clock,
    private readonly timer: Timer,
    options: SchedulerCoreOptions = {},
  ) {
    checkClockObject('SchedulerCore', 'clock', clock)
    checkTimerObject('SchedulerCore', 'timer', timer)
    const resolved = resolveCoreOptions(
      'SchedulerCore',
      checkOptions('SchedulerCore', options, SCHEDULER_CORE_OPTION_NAMES),
    )
    this.policy = resolved.policy
    this.maxQueueSize = resolved.maxQueueSize
    this.onTaskError = resolved.onTaskError
    this.yieldAfterMs = resolved.yieldAfterMs
    this.sampleTimingEvery = resolved.sampleTimingEvery
  }

  /** Milliseconds from the core's clock. */
  now(): number {
    return this.clock.now()
  }

  /**
   * Queues `target.run()`; throws on bad options (naming the value, the message starting with
   * `fn`, the public name called) or `QueueFullError` when the queue is full.
   */
  schedule(target: Runnable, options: TaskOptions = {}, fn = 'SchedulerCore.schedule'): CoreTask {
    if (target === null || typeof target !== 'object' || typeof target.run !== 'function')
      checkFunction(fn, 'run', (target as Partial<Runnable> | null)?.run, false)
    const task = resolveTaskOptions(fn, options, TASK_OPTION_NAMES)
    return this.enqueue(target, task.delay, task.level, task.relativeDeadline, task.period, task.cost)
  }

  /**
   * `schedule` for callers that have already checked their arguments (`delayMs` a number, not
   * NaN; `level` in [0, 100]; `relativeDeadline` a number or Infinity): no options object, no
   * re-validation. The delay counts from the clock reading taken here.
   */
  enqueue(target: Runnable, delayMs: number, level: number, relativeDeadline: number, period = 0, cost = 0): CoreTask {
    if (this.queueSize() >= this.maxQueueSize) throw new QueueFullError(this.maxQueueSize)
    const timed = this.isTimed(delayMs, relativeDeadline, period)
    const now = timed ? this.clock.now() : NaN
    const task = new CoreTask(
      target,
      delayMs > 0 ? now + delayMs : now,
      this.seq++,
      level,
      relativeDeadline,
      period,
      cost,
    )
    task.timed = timed
    this.counts.scheduled++
    this.release(task, now)
    return task
  }

  /**
   * Queues a task again from inside its own run (a recursive RxJS action), reusing it; returns
   * false when the task is not running, and the caller schedules anew.
   */
  requeue(task: CoreTask, delayMs: number): boolean {
    if (task.state !== TaskState.Running || task.period > 0) return false
    if (this.queueSize() >= this.maxQueueSize) throw new QueueFullError(this.maxQueueSize)
    const timed = this.isTimed(delayMs, task.relativeDeadline, 0)
    const now = timed ? this.clock.now() : NaN
    task.timed = timed
    task.due = delayMs > 0 ? now + delayMs : now
    task.seq = this.seq++
    this.counts.scheduled++
    if (delayMs > 0 || this.held === 1) {
      // delayed, or another task is held already (a drain run from inside a task: virtual time
      // moved by a task): queued as any other
      this.release(task, now)
    } else {
      // ready at once, but kept in hand: the drain runs it next unless queued work comes first.
      // Without a deadline the ready key is the one it ran with (it has no period).
      task.state = TaskState.Ready
      if (task.relativeDeadline !== Infinity) {
        this.setDeadline(task)
        task.heapKey = readyKey(this.policy, task.level, task.deadlineAt, task.cost, task.period)
      }
      this.held = 1
    }
    return true
  }

  /** Removes a pending task (or stops a periodic one); returns whether anything was cancelled. */
  cancel(task: CoreTask): boolean {
    if (task.state === TaskState.Delayed) this.timeline.remove(task)
    else if (isHeld(task)) this.held = 0
    else if (task.state === TaskState.Ready) this.readyQueue.remove(task)
    else if (!(task.state === TaskState.Running && task.period > 0)) return false
    task.state = TaskState.Cancelled
    this.counts.cancelled++
    if (!this.draining) this.arm()
    return true
  }

  /** Counts, queue sizes and latency percentiles (see `SchedulerStats`). */
  stats(): SchedulerStats {
    const ready = this.readyQueue.size + this.held
    const delayed = this.timeline.size
    return {
      policy: this.policy,
      ...this.counts,
      ready,
      delayed,
      queueSize: ready + delayed,
      sampleTimingEvery: this.sampleTimingEvery,
      latenessNs: summarize(this.lateness),
      runTimeNs: summarize(this.runTime),
    }
  }

  /** Zeroes the counters and histograms; queued tasks stay. */
  resetStats(): void {
    this.lateness.reset()
    this.runTime.reset()
    this.counts = { scheduled: 0, completed: 0, cancelled: 0, failed: 0, missedDeadlines: 0, skippedReleases: 0 }
  }

  private queueSize(): number {
    return this.timeline.size + this.readyQueue.size + this.held
  }

  /**
   * Whether a release is timed: always when delayed, periodic, with a deadline or queued from
   * outside a drain (where a clock reading is small beside the event that queued it); a
   * zero-delay task queued by a running task, one in `sampleTimingEvery`.
   */
  private isTimed(delayMs: number, relativeDeadline: number, period: number): boolean {
    if (delayMs > 0 || relativeDeadline !== Infinity || period > 0 || !this.draining) return true
    if (--this.untilTimed > 0) return false
    this.untilTimed = this.sampleTimingEvery
    return true
  }

  private setDeadline(task: CoreTask): void {
    // an untimed release (due NaN) has no deadline: only releases without one go untimed
    task.deadlineAt = task.relativeDeadline === Infinity ? Infinity : task.due + task.relativeDeadline
  }

  /** Queues a release due at `task.due` (NaN: untimed, ready now), `now` the reading it counts from. */
  private release(task: CoreTask, now: number): void {
    this.setDeadline(task)
    if (!(task.due > now)) {
      this.makeReady(task)
      if (!this.draining && this.drainHandle === undefined) {
        this.drainHandle = this.timer.setTimer(this.drain, 0)
      }
    } else {
      task.state = TaskState.Delayed
      task.heapKey = task.due
      this.timeline.push(task)
      if (!this.draining && task.due < this.wakeAt) this.arm()
    }
  }

  private makeReady(task: CoreTask): void {
    task.state = TaskState.Ready
    task.heapKey = readyKey(this.policy, task.level, task.deadlineAt, task.cost, task.period)
    this.readyQueue.push(task)
  }

  private promoteDue(now: number): void {
    const timeline = this.timeline
    let head = timeline.peek()
    while (head !== undefined && head.due <= now) {
      timeline.pop()
      this.makeReady(head)
      head = timeline.peek()
    }
  }

  /**
   * Runs ready tasks until none is left or `yieldAfterMs` has passed. The clock is read after
   * every timed run (the end of one run is the start of the next) and, between untimed runs,
   * once per `readStride` runs: often enough that about `READ_INTERVAL_MS` passes between
   * readings, so delayed tasks that fall due meanwhile are promoted that late at most (plus the
   * run in progress).
   */
  private readonly drain = (): void => {
    if (this.drainHandle !== undefined) this.timer.clearTimer(this.drainHandle)
    this.drainHandle = undefined
    this.draining = true
    const readyQueue = this.readyQueue
    const clock = this.clock
    let t = clock.now()
    let task: CoreTask | undefined
    // whether t was read after the last run; the reading before it, and the runs since
    let fresh = true
    let readAt = t
    let runsSinceRead = 0
    const yieldAt = t + this.yieldAfterMs
    try {
      this.promoteDue(t)
      task = readyQueue.pop()
      while (task !== undefined) {
        const timed = task.timed
        if (timed && !fresh) {
          t = readAt = clock.now()
          runsSinceRead = 0
        }
        runsSinceRead++
        this.runTask(task, timed, t)
        if (timed || runsSinceRead >= this.readStride) {
          t = clock.now()
          if (!timed) this.adaptReadStride((t - readAt) / runsSinceRead)
          if (timed) this.recordRun(t)
          readAt = t
          runsSinceRead = 0
          fresh = true
        } else {
          fresh = false
        }
        if (task.state === TaskState.Running) this.finishRun(task, t)
        const held = isHeld(task)
        if (fresh) {
          this.promoteDue(t)
          if (t >= yieldAt && (readyQueue.size > 0 || held)) {
            this.releaseHeld(task)
            this.drainHandle = this.timer.setTimer(this.drain, NEXT_TURN_MS)
            break
          }
        }
        if (!held) task = readyQueue.pop()
        else {
          const head = readyQueue.peek()
          if (head === undefined || before(task, head)) this.held = 0
          else {
            this.releaseHeld(task)
            task = readyQueue.pop()
          }
        }
      }
    } finally {
      // only when onTaskError threw: the held task (the one that ran) goes back to the queue
      if (task !== undefined) this.releaseHeld(task)
      this.draining = false
      this.arm()
    }
  }

  /** Moves `task` into the ready queue if it is the held task. */
  private releaseHeld(task: CoreTask): void {
    if (!isHeld(task)) return
    this.held = 0
    this.readyQueue.push(task)
  }

  /** Runs one task that starts at `start` (a clock reading when `timed`), counting what it does. */
  private runTask(task: CoreTask, timed: boolean, start: number): void {
    task.state = TaskState.Running
    if (timed) {
      this.lateness.record((start - task.due) * NS_PER_MS)
      // read before the run: a task that requeues itself gets the next release's deadline
      this.runStart = start
      this.runDeadlineAt = task.deadlineAt
    }
    try {
      task.target.run()
    } catch (error) {
      this.counts.failed++
      this.onTaskError(error)
    }
    this.counts.completed++
  }

  /** Records the timed run that ended at `end`: its run time, and whether it missed its deadline. */
  private recordRun(end: number): void {
    this.runTime.record((end - this.runStart) * NS_PER_MS)
    if (end > this.runDeadlineAt) this.counts.missedDeadlines++
  }

  /** After a run: a periodic task's next release, or done. `t` is the latest clock reading. */
  private finishRun(task: CoreTask, t: number): void {
    if (task.period > 0) {
      // Fixed rate, never back to back: releases whose time passed while the task ran or
      // waited are skipped (and counted), so an overrunning task cannot hold the drain forever.
      // It keeps its sequence number: among equal keys it keeps its first place.
      const next = task.due + task.period
      const skipped = next >= t ? 0 : Math.ceil((t - next) / task.period)
      this.counts.skippedReleases += skipped
      task.due = next + skipped * task.period
      this.release(task, t)
    } else {
      task.state = TaskState.Done
    }
  }

  /** Sizes the read stride so that about READ_INTERVAL_MS passes between readings, given the mean untimed run. */
  private adaptReadStride(meanRunMs: number): void {
    const stride = this.readStride
    if (meanRunMs * stride > READ_INTERVAL_MS) this.readStride = stride > 1 ? stride >> 1 : 1
    else if (meanRunMs * stride * 2 <= READ_INTERVAL_MS && stride < MAX_READ_STRIDE) this.readStride = stride * 2
  }

  private readonly wake = (): void => {
    this.wakeHandle = undefined
    this.wakeAt = Infinity
    this.drain()
  }

  /** Keeps exactly one platform timer, at the earliest due time, and none when nothing waits. */
  private arm(): void {
    if (this.readyQueue.size > 0) {
      if (this.drainHandle === undefined) this.drainHandle = this.timer.setTimer(this.drain, 0)
      return
    }
    const head = this.timeline.peek()
    const due = head === undefined ? Infinity : head.due
    if (due === this.wakeAt) return
    if (this.wakeHandle !== undefined) this.timer.clearTimer(this.wakeHandle)
    this.wakeHandle = undefined
    this.wakeAt = due
    if (head !== undefined) this.wakeHandle = this.timer.setTimer(this.wake, due - this.clock.now())
  }
}

/** Whether `task` is the core's held task: ready, but in no heap (see `SchedulerCore.held`). */
function isHeld(task: CoreTask): boolean {
  return task.state === TaskState.Ready && task.heapIndex < 0
}

/** The names of `TaskOptions`, for `checkOptions`. @internal */
export const TASK_OPTION_NAMES: readonly string[] = ['delay', 'priority', 'deadline', 'period', 'cost']

/** `TaskOptions` checked, with their defaults. @internal */
export interface ResolvedTaskOptions {
  readonly delay: number
  readonly level: number
  readonly relativeDeadline: number
  readonly period: number
  readonly cost: number
}

/**
 * Checks `options` for `fn` (the public name called): no name outside `known`, times in ms, a
 * known priority.
 * @internal
 */
export function resolveTaskOptions(fn: string, options: TaskOptions, known: readonly string[]): ResolvedTaskOptions {
  checkOptions(fn, options, known)
  const period = options.period === undefined ? 0 : checkPositive(fn, 'period', options.period)
  return {
    delay: checkMs(options.delay, fn, 'delay', 0, false),
    level: options.priority === undefined ? PRIORITIES.normal : priorityLevel(options.priority, fn),
    relativeDeadline: checkMs(options.deadline, fn, 'deadline', Infinity, true),
    period,
    cost: checkMs(options.cost, fn, 'cost', 0, false),
  }
}

/**
 * A time in milliseconds relative to now, or `fallback` when undefined: any finite number (a
 * negative delay behaves as 0, as in RxJS; a negative relative deadline has already passed), or
 * `Infinity` when `infinityAllowed` (a deadline of Infinity is none).
 * @internal
 */
export function checkMs(value: unknown, fn: string, name: string, fallback: number, infinityAllowed: boolean): number {
  if (value === undefined) return fallback
  if (value === Infinity && infinityAllowed) return value
  return checkNumber(fn, name, value)
}

/** Checks that `value` is a `Clock` (`now()` and `nowNs()`). */
export function checkClockObject(fn: string, name: string, value: unknown): Clock {
  const clock = value as Partial<Clock> | null
  if (
    clock === null ||
    typeof clock !== 'object' ||
    typeof clock.now !== 'function' ||
    typeof clock.nowNs !== 'function'
  )
    throw new TypeError(
      `${fn}: ${name} must be a Clock (an object with now() and nowNs()), got ${describeValue(value)}`,
    )
  return value as Clock
}

/** Checks that `value` is a `Timer` (`setTimer()` and `clearTimer()`). */
export function checkTimerObject(fn: string, name: string, value: unknown): Timer {
  const timer = value as Partial<Timer> | null
  if (
    timer === null ||
    typeof timer !== 'object' ||
    typeof timer.setTimer !== 'function' ||
    typeof timer.clearTimer !== 'function'
  )
    throw new TypeError(
      `${fn}: ${name} must be a Timer (an object with setTimer() and clearTimer()), got ${describeValue(value)}`,
    )
  return value as Timer
}
