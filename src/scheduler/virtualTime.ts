import { checkInteger, checkNumber } from '../validate'
import type { Clock } from './clock'
import { TaskHeap } from './taskHeap'
import type { Timer, TimerHandle } from './timer'

/** `flush`'s bound when none is given: only an endless periodic source reaches it. */
const DEFAULT_MAX_TIMERS = 1_000_000
/** Nanoseconds in a millisecond. */
const NS_PER_MS = 1e6

class VirtualTimer {
  heapKey: number
  heapIndex = -1
  constructor(
    readonly fn: () => void,
    due: number,
    readonly seq: number,
  ) {
    this.heapKey = due
  }
}

/**
 * Virtual time: a Clock and a Timer in one object, where time moves only when told to. Timers
 * fire in (due time, creation order), each with the clock set to its due time, so runs are
 * deterministic. This is the time source of `createVirtualNanoScheduler`, and of event-time
 * replays, which move it to each record's own timestamp.
 *
 * ```ts
 * const time = new VirtualTime(0)
 * time.setTimer(() => console.log(time.now()), 5)
 * time.advanceBy(10) // logs 5; time.now() is now 10
 * ```
 */
export class VirtualTime implements Clock, Timer {
  private current: number
  private seq = 0
  private readonly timers = new TaskHeap<VirtualTimer>()

  /** A clock reading `startTime` ms (default 0) with no timer set. */
  constructor(startTime = 0) {
    this.current = checkNumber('VirtualTime', 'startTime', startTime)
  }

  /** The virtual time, ms. */
  now(): number {
    return this.current
  }

  /** The virtual time in whole nanoseconds. */
  nowNs(): bigint {
    return BigInt(Math.round(this.current * NS_PER_MS))
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.size
  }

  /** Sets a timer `delayMs` from the virtual now (negative counts as 0); it fires only when time is moved. */
  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const timer = new VirtualTimer(fn, this.current + Math.max(0, delayMs), this.seq++)
    this.timers.push(timer)
    return timer
  }

  /** Removes a timer not yet fired. */
  clearTimer(handle: TimerHandle): void {
    this.timers.remove(handle as VirtualTimer)
  }

  /**
   * Fires every timer due at or before `time`, in order, then sets the clock to `time` (never
   * backwards). `fn` is the public name errors start with.
   */
  advanceTo(time: number, fn = 'VirtualTime.advanceTo'): void {
    if (typeof time !== 'number' || Number.isNaN(time) || time === -Infinity) checkNumber(fn, 'time', time)
    let next = this.timers.peek()
    while (next !== undefined && next.heapKey <= time) {
      this.timers.pop()
      if (next.heapKey > this.current) this.current = next.heapKey
      next.fn()
      next = this.timers.peek()
    }
    if (time > this.current) this.current = time
  }

  /** Fires every timer due within the next `ms` milliseconds (>= 0) and moves the clock by `ms`; `fn` as in `advanceTo`. */
  advanceBy(ms: number, fn = 'VirtualTime.advanceBy'): void {
    if (typeof ms !== 'number' || !(ms >= 0)) checkNumber(fn, 'ms', ms, { min: 0 })
    this.advanceTo(this.current + ms, fn)
  }

  /**
   * Fires timers until none is left, moving the clock to each one's due time. Throws after
   * `maxTimers` firings, which only an endless periodic source reaches.
   */
  flush(maxTimers = DEFAULT_MAX_TIMERS, fn = 'VirtualTime.flush'): void {
    checkInteger(fn, 'maxTimers', maxTimers, { min: 1 })
    let fired = 0
    let next = this.timers.pop()
    while (next !== undefined) {
      if (++fired > maxTimers) {
        this.timers.push(next)
        throw new RangeError(
          `${fn}: fired ${maxTimers} timers and more remain: an endless periodic task? Use advanceTo instead`,
        )
      }
      if (next.heapKey > this.current) this.current = next.heapKey
      next.fn()
      next = this.timers.pop()
    }
  }
}
