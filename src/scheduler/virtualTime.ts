import type { Clock } from './clock'
import { TaskHeap } from './taskHeap'
import type { Timer, TimerHandle } from './timer'

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

  constructor(startTime = 0) {
    if (!Number.isFinite(startTime)) throw new RangeError(`startTime must be finite, got ${startTime}`)
    this.current = startTime
  }

  now(): number {
    return this.current
  }

  nowNs(): bigint {
    return BigInt(Math.round(this.current * 1e6))
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.size
  }

  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const timer = new VirtualTimer(fn, this.current + Math.max(0, delayMs), this.seq++)
    this.timers.push(timer)
    return timer
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.remove(handle as VirtualTimer)
  }

  /** Fires every timer due at or before `time`, in order, then sets the clock to `time` (never backwards). */
  advanceTo(time: number): void {
    if (Number.isNaN(time)) throw new RangeError('cannot advance virtual time to NaN')
    let next = this.timers.peek()
    while (next !== undefined && next.heapKey <= time) {
      this.timers.pop()
      if (next.heapKey > this.current) this.current = next.heapKey
      next.fn()
      next = this.timers.peek()
    }
    if (time > this.current) this.current = time
  }

  advanceBy(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advanceBy takes a duration >= 0, got ${ms}`)
    this.advanceTo(this.current + ms)
  }

  /**
   * Fires timers until none is left, moving the clock to each one's due time. Throws after
   * `maxTimers` firings, which only an endless periodic source reaches.
   */
  flush(maxTimers = 1_000_000): void {
    let fired = 0
    let next = this.timers.pop()
    while (next !== undefined) {
      if (++fired > maxTimers) {
        this.timers.push(next)
        throw new RangeError(
          `flush fired ${maxTimers} timers and more remain: an endless periodic task? Use advanceTo instead`,
        )
      }
      if (next.heapKey > this.current) this.current = next.heapKey
      next.fn()
      next = this.timers.pop()
    }
  }
}
