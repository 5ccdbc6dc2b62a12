import { describeValue } from '../errors'
import { checkNumber, checkOneOf, checkOptions } from '../validate'
import type { Clock } from './clock'

/** An opaque handle returned by `Timer.setTimer`. */
export type TimerHandle = object

/**
 * A Timer sets and clears platform timers: the only part of a scheduler that touches the host's
 * event loop. Delays are fractional milliseconds. A timer never fires inside `setTimer`: a delay
 * of 0 means "as soon as possible after the current job" (a microtask), and a positive delay, however
 * small, lets the host run other work (I/O, other timers) first.
 */
export interface Timer {
  /** Calls `fn` once, `delayMs` (fractional) milliseconds from now; returns a handle to clear it. */
  setTimer(fn: () => void, delayMs: number): TimerHandle
  /** Cancels a timer not yet fired; a handle already fired or cleared is ignored. */
  clearTimer(handle: TimerHandle): void
}

/** How the hybrid timer waits: see `HybridTimerOptions.precision`. */
export type Precision = 'fine' | 'coarse'

/** `createHybridTimer`'s options (also accepted by `createNanoScheduler`). */
export interface HybridTimerOptions {
  /**
   * `'fine'` (default): sleep with `setTimeout` until `fineWindowMs` before the due time, then
   * busy-wait in slices of at most 0.1 ms, yielding one event-loop turn between slices
   * (`setImmediate`, or a `MessageChannel` in browsers), and spin without yielding for the last
   * `spinWindowMs`. Starts land within microseconds of the due time, at the cost of keeping one
   * core busy for up to `fineWindowMs` (+ the spin) before each wake-up, while other I/O still
   * runs between slices (the loop is never held for more than a slice + `spinWindowMs`).
   * `'coarse'`: plain `setTimeout` rounded up to whole milliseconds; no busy time, about a
   * millisecond of lateness.
   */
  precision?: Precision
  /** How long before the due time polling starts; `setTimeout` wakes up to ~1.3 ms late. Default 2. */
  fineWindowMs?: number
  /** How long before the due time the poll turns into a bounded spin. Default 0.03 (30 us). */
  spinWindowMs?: number
}

interface HostTimers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(id: unknown): void
  setImmediate?: (fn: () => void) => unknown
  clearImmediate?: (id: unknown) => void
}

const host = globalThis as unknown as HostTimers

/** Clock readings that may repeat before we conclude the clock is frozen (fake timers). */
const STALLED_POLLS = 8
/**
 * Longest busy-wait in one event-loop turn of the fine phase, before the final spin. Yielding
 * once per slice instead of once per turn keeps the fine phase nearly allocation-free: every
 * `setImmediate` allocates (~400 bytes in Node 20), and polling every turn (~3 us) allocated
 * ~150 kB per millisecond of waiting, enough for a young-generation GC every ~20 ms whose
 * 0.3-0.5 ms pause was the bulk of the p99 lateness.
 */
const SLICE_MS = 0.1
/** Planned busy time (us) with no movement of the clock after which it counts as frozen. */
const FROZEN_AFTER_US = 200
/** Upper bound of the busy-loop speed estimate, iterations per microsecond. */
const MAX_ITERS_PER_US = 10_000
/** First guess of the busy-loop speed, iterations per microsecond, before any measurement. */
const INITIAL_ITERS_PER_US = 10
/** Microseconds in a millisecond. */
const US_PER_MS = 1000
/** Shortest busy run worth starting (us); below it the loop only reads the clock. */
const MIN_BUSY_US = 0.2
/** How far a faster measurement moves the speed estimate up (a slower one replaces it at once). */
const SPEED_GAIN = 0.5
/** Time (us) a clock reading without busy work is assumed to take, when counting a frozen clock. */
const READING_US = 0.05

class HybridHandle {
  cancelled = false
  timeoutId: unknown = undefined
  immediateId: unknown = undefined
  lastReading = NaN
  stalls = 0
  fine = false
  onWake: (() => void) | undefined = undefined
  onPoll: (() => void) | undefined = undefined
  constructor(
    readonly fn: () => void,
    readonly due: number,
  ) {}
}

/**
 * A calibrated busy loop: waits without reading the clock on every iteration (each
 * `hrtime.bigint()` reading allocates, and a tight spin allocates ~1 kB per microsecond). Each
 * timer owns one, so no state is shared between schedulers.
 */
class BusyWait {
  /** Running estimate of loop iterations per microsecond: lowered at once, raised gradually. */
  private itersPerUs = INITIAL_ITERS_PER_US
  /** Written by the loop so that it is not optimised away. */
  private sink = 0

  private busy(n: number): void {
    let x = this.sink
    for (let i = 0; i < n; i++) x = ((x ^ (x << 5)) + i) | 0
    this.sink = x
  }

  /**
   * Busy-waits until `clock.now() >= target - slackMs`: each round busies for half the time
   * left, so a wait of w us takes about log2(w) + a few clock readings. Returns the last reading,
   * which is below the target only when the clock stood still (fake timers) for
   * `FROZEN_AFTER_US` of planned busy time.
   */
  until(clock: Clock, target: number, slackMs: number): number {
    let now = clock.now()
    let stillUs = 0
    while (target - now > slackMs) {
      const halfUs = ((target - now) * US_PER_MS) / 2
      const n = halfUs >= MIN_BUSY_US ? Math.ceil(halfUs * this.itersPerUs) : 0
      if (n > 0) this.busy(n)
      const after = clock.now()
      if (after > now) {
        if (n > 0) {
          const measured = n / ((after - now) * US_PER_MS)
          this.itersPerUs =
            measured < this.itersPerUs
              ? measured
              : Math.min(MAX_ITERS_PER_US, this.itersPerUs + (measured - this.itersPerUs) * SPEED_GAIN)
        }
        stillUs = 0
        now = after
      } else if ((stillUs += n > 0 ? halfUs : READING_US) > FROZEN_AFTER_US) {
        return after
      }
    }
    return now
  }
}

/** The option names of `HybridTimerOptions`, for `checkOptions`. @internal */
export const HYBRID_TIMER_OPTION_NAMES: readonly string[] = ['precision', 'fineWindowMs', 'spinWindowMs']
const PRECISIONS: readonly Precision[] = ['fine', 'coarse']
/** `fineWindowMs` when none is given: `setTimeout` wakes up to ~1.3 ms late. */
const DEFAULT_FINE_WINDOW_MS = 2
/** `spinWindowMs` when none is given (30 us). */
const DEFAULT_SPIN_WINDOW_MS = 0.03
/**
 * The shortest sleep the fine timer asks `setTimeout` for: Node runs `setTimeout(fn, 0)` after
 * 1 ms, so a sleep of floor(remaining - fineWindowMs) = 0 overslept whenever the fine window was
 * under 1 ms (measured: p50 lateness 619 us at 1 ms with `fineWindowMs: 0.5`); below it the
 * timer polls instead.
 */
const MIN_SLEEP_MS = 1
/** How close to a slice's end (ms) the busy wait of a slice may stop. */
const SLICE_SLACK_MS = 0.002

/** `HybridTimerOptions` checked, with their defaults. @internal */
export interface ResolvedTimerOptions {
  readonly precision: Precision
  readonly fineWindowMs: number
  readonly spinWindowMs: number
}

/**
 * Checks the timer's options for `fn` (the public name called) without refusing other names:
 * callers whose options extend these check the names themselves.
 * @internal
 */
export function resolveTimerOptions(fn: string, options: HybridTimerOptions): ResolvedTimerOptions {
  return {
    precision: checkOneOf(fn, 'precision', options.precision ?? 'fine', PRECISIONS),
    fineWindowMs: checkNumber(fn, 'fineWindowMs', options.fineWindowMs ?? DEFAULT_FINE_WINDOW_MS, { min: 0 }),
    spinWindowMs: checkNumber(fn, 'spinWindowMs', options.spinWindowMs ?? DEFAULT_SPIN_WINDOW_MS, { min: 0 }),
  }
}

/**
 * The hybrid timer described in `HybridTimerOptions`. Host timer functions are looked up at
 * call time so that fake timers apply; under a frozen clock (fake timers) the fine phase falls
 * back to `setTimeout`, so `vi.advanceTimersByTime` drives it like any other timer. Bad options
 * throw a `TypeError`/`RangeError` starting `createHybridTimer: `.
 *
 * ```ts
 * const timer = createHybridTimer(createPlatformClock(), { precision: 'fine' })
 * timer.setTimer(() => console.log('250 us later'), 0.25)
 * ```
 * @see createPlatformClock for the clock it reads
 */
export function createHybridTimer(clock: Clock, options: HybridTimerOptions = {}): Timer {
  const fn = 'createHybridTimer'
  if (clock === null || typeof clock !== 'object' || typeof clock.now !== 'function')
    throw new TypeError(`${fn}: clock must be a Clock (an object with now() and nowNs()), got ${describeValue(clock)}`)
  return new HybridTimer(clock, resolveTimerOptions(fn, checkOptions(fn, options, HYBRID_TIMER_OPTION_NAMES)))
}

/** The timer `createHybridTimer` returns: one per scheduler, sharing nothing with another. */
class HybridTimer implements Timer {
  private readonly precision: Precision
  private readonly fineWindowMs: number
  private readonly spinWindowMs: number
  private readonly nextTurn = makeNextTurn()
  private readonly busyWait = new BusyWait()
  /** Handles of this timer in their fine phase: with more than one, each polls every turn. */
  private fineHandles = 0

  constructor(
    private readonly clock: Clock,
    options: ResolvedTimerOptions,
  ) {
    this.precision = options.precision
    this.fineWindowMs = options.fineWindowMs
    this.spinWindowMs = options.spinWindowMs
  }

  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const h = new HybridHandle(fn, this.clock.now() + delayMs)
    // Never fires inside setTimer: 0 is a microtask, any positive delay at least one
    // event-loop turn (so a tiny delay is how a caller yields to I/O), and no busy wait here.
    if (delayMs <= 0) queueMicrotask(() => this.fire(h))
    else if (this.precision === 'coarse') this.sleep(h, Math.ceil(delayMs))
    else if (delayMs - this.fineWindowMs >= MIN_SLEEP_MS) this.sleep(h, Math.floor(delayMs - this.fineWindowMs))
    else this.poll(h)
    return h
  }

  clearTimer(handle: TimerHandle): void {
    const h = handle as HybridHandle
    h.cancelled = true
    this.leaveFine(h)
    if (h.timeoutId !== undefined) host.clearTimeout(h.timeoutId)
    if (h.immediateId !== undefined) this.nextTurn.clear(h.immediateId)
    h.timeoutId = h.immediateId = undefined
  }

  private enterFine(h: HybridHandle): void {
    if (!h.fine) {
      h.fine = true
      this.fineHandles++
    }
  }

  private leaveFine(h: HybridHandle): void {
    if (h.fine) {
      h.fine = false
      this.fineHandles--
    }
  }

  private fire(h: HybridHandle): void {
    if (h.cancelled) return
    h.cancelled = true
    this.leaveFine(h)
    h.fn()
  }

  private sleep(h: HybridHandle, ms: number): void {
    this.leaveFine(h)
    h.timeoutId = host.setTimeout(
      (h.onWake ??= () => {
        h.timeoutId = undefined
        this.step(h)
      }),
      ms,
    )
  }

  private poll(h: HybridHandle): void {
    this.enterFine(h)
    h.immediateId = this.nextTurn.set(
      (h.onPoll ??= () => {
        h.immediateId = undefined
        this.step(h)
      }),
    )
  }

  private step(h: HybridHandle): void {
    if (h.cancelled) return
    const clock = this.clock
    let now = clock.now()
    const remaining = h.due - now
    if (remaining <= 0) return this.fire(h)
    if (this.precision === 'coarse') return this.sleep(h, Math.ceil(remaining))
    if (remaining - this.fineWindowMs >= MIN_SLEEP_MS) return this.sleep(h, Math.floor(remaining - this.fineWindowMs))
    this.enterFine(h)
    if (now === h.lastReading) {
      // The clock has not moved since the last turn: fake timers, or a very coarse clock.
      if (++h.stalls >= STALLED_POLLS) {
        h.stalls = 0
        return this.sleep(h, Math.ceil(remaining))
      }
      return this.poll(h)
    }
    h.stalls = 0
    h.lastReading = now
    // Far from the due time: busy-wait one slice, then yield a turn. Within a slice of the final
    // spin: busy-wait straight to the due time, so no turn (another callback, a GC task) falls
    // in between; the loop is held at most SLICE_MS + spinWindowMs. While other handles are in
    // their fine phase, poll every turn and spin only the last spinWindowMs, so that none of
    // them waits on this one.
    const shared = this.fineHandles > 1
    if (remaining > this.spinWindowMs + (shared ? 0 : SLICE_MS)) {
      if (!shared) this.busyWait.until(clock, now + SLICE_MS, SLICE_SLACK_MS)
      return this.poll(h)
    }
    now = this.busyWait.until(clock, h.due, 0)
    if (now < h.due) return this.sleep(h, Math.ceil(h.due - now))
    this.fire(h)
  }
}

/** One event-loop turn later: `setImmediate` in Node, a `MessageChannel` message in browsers. */
function makeNextTurn(): { set(fn: () => void): unknown; clear(id: unknown): void } {
  if (typeof host.setImmediate === 'function') {
    return {
      set: fn => host.setImmediate!(fn),
      clear: id => host.clearImmediate!(id),
    }
  }
  if (typeof MessageChannel === 'function') {
    const pending = new Set<() => void>()
    let channel: MessageChannel | undefined
    const onMessage = () => {
      const batch = [...pending]
      pending.clear()
      for (const fn of batch) fn()
      if (pending.size === 0 && channel) {
        channel.port1.close()
        channel = undefined
      }
    }
    return {
      set(fn) {
        if (!channel) {
          channel = new MessageChannel()
          channel.port1.onmessage = onMessage
        }
        const wrapper = () => fn()
        pending.add(wrapper)
        channel.port2.postMessage(0)
        return wrapper
      },
      clear: id => void pending.delete(id as () => void),
    }
  }
  return {
    set: fn => host.setTimeout(fn, 0),
    clear: id => host.clearTimeout(id),
  }
}
