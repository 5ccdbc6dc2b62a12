import type { Clock } from './clock'

/** An opaque handle returned by `Timer.setTimer`. */
export type TimerHandle = { readonly __timerHandle: true } | object

/**
 * A Timer sets and clears platform timers: the only part of a scheduler that touches the host's
 * event loop. Delays are fractional milliseconds. A timer never fires inside `setTimer`: a delay
 * of 0 means "as soon as possible after the current job" (a microtask), and a positive delay, however
 * small, lets the host run other work (I/O, other timers) first.
 */
export interface Timer {
  setTimer(fn: () => void, delayMs: number): TimerHandle
  clearTimer(handle: TimerHandle): void
}

export type Precision = 'fine' | 'coarse'

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
  private itersPerUs = 10
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
      const halfUs = (target - now) * 500
      const n = halfUs >= 0.2 ? Math.ceil(halfUs * this.itersPerUs) : 0
      if (n > 0) this.busy(n)
      const after = clock.now()
      if (after > now) {
        if (n > 0) {
          const measured = n / ((after - now) * 1000)
          this.itersPerUs =
            measured < this.itersPerUs
              ? measured
              : Math.min(MAX_ITERS_PER_US, this.itersPerUs + (measured - this.itersPerUs) * 0.5)
        }
        stillUs = 0
        now = after
      } else if ((stillUs += n > 0 ? halfUs : 0.05) > FROZEN_AFTER_US) {
        return after
      }
    }
    return now
  }
}

/**
 * The hybrid timer described in `HybridTimerOptions`. Host timer functions are looked up at
 * call time so that fake timers apply; under a frozen clock (fake timers) the fine phase falls
 * back to `setTimeout`, so `vi.advanceTimersByTime` drives it like any other timer.
 *
 * ```ts
 * const timer = createHybridTimer(createPlatformClock(), { precision: 'fine' })
 * timer.setTimer(() => console.log('250 us later'), 0.25)
 * ```
 */
export function createHybridTimer(clock: Clock, options: HybridTimerOptions = {}): Timer {
  const precision = options.precision ?? 'fine'
  if (precision !== 'fine' && precision !== 'coarse') {
    throw new RangeError(`precision must be 'fine' or 'coarse', got ${JSON.stringify(precision)}`)
  }
  const fineWindowMs = options.fineWindowMs ?? 2
  const spinWindowMs = options.spinWindowMs ?? 0.03
  if (!(fineWindowMs >= 0) || !(spinWindowMs >= 0)) {
    throw new RangeError(`fineWindowMs and spinWindowMs must be >= 0, got ${fineWindowMs} and ${spinWindowMs}`)
  }
  const nextTurn = makeNextTurn()
  const busyWait = new BusyWait()
  /** Handles of this timer in their fine phase: with more than one, each polls every turn. */
  let fineHandles = 0
  const enterFine = (h: HybridHandle) => {
    if (!h.fine) {
      h.fine = true
      fineHandles++
    }
  }
  const leaveFine = (h: HybridHandle) => {
    if (h.fine) {
      h.fine = false
      fineHandles--
    }
  }

  const fire = (h: HybridHandle) => {
    if (h.cancelled) return
    h.cancelled = true
    leaveFine(h)
    h.fn()
  }

  const sleep = (h: HybridHandle, ms: number) => {
    leaveFine(h)
    h.timeoutId = host.setTimeout(
      (h.onWake ??= () => {
        h.timeoutId = undefined
        step(h)
      }),
      ms,
    )
  }

  const poll = (h: HybridHandle) => {
    enterFine(h)
    h.immediateId = nextTurn.set(
      (h.onPoll ??= () => {
        h.immediateId = undefined
        step(h)
      }),
    )
  }

  function step(h: HybridHandle): void {
    if (h.cancelled) return
    let now = clock.now()
    const remaining = h.due - now
    if (remaining <= 0) return fire(h)
    if (precision === 'coarse') return sleep(h, Math.ceil(remaining))
    if (remaining > fineWindowMs) return sleep(h, Math.floor(remaining - fineWindowMs))
    enterFine(h)
    if (now === h.lastReading) {
      // The clock has not moved since the last turn: fake timers, or a very coarse clock.
      if (++h.stalls >= STALLED_POLLS) {
        h.stalls = 0
        return sleep(h, Math.ceil(remaining))
      }
      return poll(h)
    }
    h.stalls = 0
    h.lastReading = now
    // Far from the due time: busy-wait one slice, then yield a turn. Within a slice of the final
    // spin: busy-wait straight to the due time, so no turn (another callback, a GC task) falls
    // in between; the loop is held at most SLICE_MS + spinWindowMs. While other handles are in
    // their fine phase, poll every turn and spin only the last spinWindowMs, so that none of
    // them waits on this one.
    const shared = fineHandles > 1
    if (remaining > spinWindowMs + (shared ? 0 : SLICE_MS)) {
      if (!shared) busyWait.until(clock, now + SLICE_MS, 0.002)
      return poll(h)
    }
    now = busyWait.until(clock, h.due, 0)
    if (now < h.due) return sleep(h, Math.ceil(h.due - now))
    fire(h)
  }

  return {
    setTimer(fn, delayMs) {
      const h = new HybridHandle(fn, clock.now() + delayMs)
      // Never fires inside setTimer: 0 is a microtask, any positive delay at least one
      // event-loop turn (so a tiny delay is how a caller yields to I/O), and no busy wait here.
      if (delayMs <= 0) queueMicrotask(() => fire(h))
      else if (precision === 'coarse') sleep(h, Math.ceil(delayMs))
      else if (delayMs > fineWindowMs) sleep(h, Math.floor(delayMs - fineWindowMs))
      else poll(h)
      return h
    },
    clearTimer(handle) {
      const h = handle as HybridHandle
      h.cancelled = true
      leaveFine(h)
      if (h.timeoutId !== undefined) host.clearTimeout(h.timeoutId)
      if (h.immediateId !== undefined) nextTurn.clear(h.immediateId)
      h.timeoutId = h.immediateId = undefined
    },
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
