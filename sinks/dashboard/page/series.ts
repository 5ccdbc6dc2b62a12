// One series as a page keeps it: a ring of the last `capacity` points, filled from the event
// stream's deltas (each carries the position of its first point, so repeats are skipped and a gap,
// points the page never got, is counted).
import type { SeriesDelta } from '../webProtocol'

export class SeriesHistory {
  readonly times: Float64Array
  readonly values: Float64Array
  head = 0
  size = 0
  /** Position (among every point ever pushed) of the next point expected. */
  next = 0
  /** Points the page never got (the model dropped them before they were sent). */
  missed = 0
  min = Number.POSITIVE_INFINITY
  max = Number.NEGATIVE_INFINITY

  constructor(capacity: number) {
    this.times = new Float64Array(capacity)
    this.values = new Float64Array(capacity)
  }

  /**
   * Appends the delta's points not held yet; returns how many were new. A `welcome` (the first
   * message after connecting) starts at the oldest point the model keeps: on a first connection
   * the points before it are none of the page's business, on a reconnection they were missed.
   */
  merge(delta: SeriesDelta, welcome = false): number {
    const skip = Math.max(0, this.next - delta.from)
    if (delta.from > this.next && !(welcome && this.next === 0)) this.missed += delta.from - this.next
    const cap = this.times.length
    let added = 0
    for (let i = skip; i < delta.values.length; i++) {
      const v = delta.values[i]
      this.times[this.head] = delta.times[i]
      this.values[this.head] = v
      this.head = this.head + 1 === cap ? 0 : this.head + 1
      if (this.size < cap) this.size++
      if (v < this.min) this.min = v
      if (v > this.max) this.max = v
      added++
    }
    this.next = Math.max(this.next, delta.from + delta.values.length)
    return added
  }

  /** Time of the oldest and newest point held. */
  range(): [number, number] {
    const cap = this.times.length
    const oldest = (this.head - this.size + cap) % cap
    const newest = (this.head - 1 + cap) % cap
    return [this.times[oldest], this.times[newest]]
  }
}
