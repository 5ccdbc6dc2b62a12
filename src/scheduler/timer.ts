import type { Clock } from './clock'

/** An opaque handle returned by `Timer.setTimer`. */
export type TimerHandle = { readonly __timerHandle: true } | object

/**
 * A Timer sets and clears platform timers: the only part of a scheduler that touches the host's
 * event loop. Delays are fractional milliseconds; a delay of 0 means "as soon as possible after
 * the current job", never synchronously.
 */
export interface Timer {
  setTimer(fn: () => void, delayMs: number): TimerHandle
  clearTimer(handle: TimerHandle): void
}

export type Precision = 'fine' | 'coarse'

export interface HybridTimerOptions {
  /**
   * `'fine'` (default): sleep with `setTimeout` until `fineWindowMs` before the due time, then
   * poll the clock once per event-loop turn (`setImmediate`, or a `MessageChannel` in browsers),
   * and spin for the last `spinWindowMs`. Starts land within microseconds of the due time, at
   * the cost of keeping one core busy for up to `fineWindowMs` (+ the spin) before each wake-up
   * while other I/O still runs between polls.
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
/** Bound on a spin, in clock readings: a frozen clock must never hang the process. */
const MAX_SPIN_READS = 200_000

class HybridHandle {
  cancelled = false
  timeoutId: unknown = undefined
  immediateId: unknown = undefined
  lastReading = NaN
  stalls = 0
  constructor(
    readonly fn: () => void,
    readonly due: number,
  ) {}
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

  const fire = (h: HybridHandle) => {
    if (h.cancelled) return
    h.cancelled = true
    h.fn()
  }

  const sleep = (h: HybridHandle, ms: number) => {
    h.timeoutId = host.setTimeout(() => {
      h.timeoutId = undefined
      step(h)
    }, ms)
  }

  const poll = (h: HybridHandle) => {
    h.immediateId = nextTurn.set(() => {
      h.immediateId = undefined
      step(h)
    })
  }

  function step(h: HybridHandle): void {
    if (h.cancelled) return
    const now = clock.now()
    const remaining = h.due - now
    if (remaining <= 0) return fire(h)
    if (precision === 'coarse') return sleep(h, Math.ceil(remaining))
    if (remaining > fineWindowMs) return sleep(h, Math.floor(remaining - fineWindowMs))
    if (now === h.lastReading && ++h.stalls >= STALLED_POLLS) {
      h.stalls = 0
      return sleep(h, Math.ceil(remaining))
    }
    h.lastReading = now
    if (remaining > spinWindowMs) return poll(h)
    let reads = 0
    while (clock.now() < h.due) {
      if (++reads > MAX_SPIN_READS) return sleep(h, Math.ceil(h.due - clock.now()))
    }
    fire(h)
  }

  return {
    setTimer(fn, delayMs) {
      const h = new HybridHandle(fn, clock.now() + delayMs)
      if (delayMs <= 0) {
        queueMicrotask(() => fire(h))
      } else {
        step(h)
      }
      return h
    },
    clearTimer(handle) {
      const h = handle as HybridHandle
      h.cancelled = true
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
      set: (fn) => host.setImmediate!(fn),
      clear: (id) => host.clearImmediate!(id),
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
      clear: (id) => void pending.delete(id as () => void),
    }
  }
  return {
    set: (fn) => host.setTimeout(fn, 0),
    clear: (id) => host.clearTimeout(id),
  }
}
