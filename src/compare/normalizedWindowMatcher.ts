import { describeValue } from '../errors'
import { bandHalfWidth, dtw } from './dtw'
import { type Envelope, envelope, lbKeoghUnchecked } from './lowerBounds'
import { zNormalize } from './pointwise'

/** A window that matched: inclusive stream indices, its distance, and the times of its ends. */
export interface WindowMatch {
  start: number
  end: number
  distance: number
  startTime?: number
  endTime?: number
}

/** The query type `prepareNormalized` accepts (numbers are required; vectors are rejected by name). */
type Query = ArrayLike<number> | ArrayLike<ArrayLike<number>>

/** The z-normalised pattern, its LB_Keogh envelope and the resolved band: built once per operator. */
export interface NormalizedPattern {
  query: Float64Array
  env: Envelope
  band: number
  squared: boolean
  threshold: number
}

/**
 * The z-normalised pattern named `name`, its LB_Keogh envelope and its band, built once when
 * `dtwMatch` is called (a pattern of fewer than 2 numbers is a `RangeError` starting `dtwMatch: `).
 * @internal
 */
export function prepareNormalized(
  name: string,
  query: Query,
  band: number | undefined,
  cost: 'squared' | 'absolute',
  threshold: number,
): NormalizedPattern {
  const m = query.length
  if (m < 2)
    throw new RangeError(`dtwMatch: with normalize, pattern ${JSON.stringify(name)} needs at least 2 values, got ${m}`)
  for (let i = 0; i < m; i++) {
    if (typeof query[i] !== 'number')
      throw new TypeError(
        `dtwMatch: with normalize, pattern ${JSON.stringify(name)} must hold numbers; [${i}] is ${describeValue(query[i])}`,
      )
  }
  const z = zNormalize(query as ArrayLike<number>)
  const r = bandHalfWidth('dtwMatch', band, m)
  return { query: z, env: envelope(z, Math.min(r, m - 1)), band: r, squared: cost === 'squared', threshold }
}

/**
 * Sliding windows of the pattern's length, z-normalised (mean and variance from running sums,
 * recomputed exactly every m values against drift), compared through LB_Kim, LB_Keogh and
 * early-abandoning banded DTW. Keeps the best qualifying window of an overlapping run and returns
 * it once a window starts past its end.
 */
export class NormalizedWindowMatcher {
  private readonly m: number
  private readonly values: Float64Array
  private readonly times: Float64Array
  private readonly window: Float64Array
  private next = 0 // ring slot of the next value; once full, also the oldest
  private count = 0
  private shift = 0 // sums are of (x - shift), to keep the variance accurate far from 0
  private sum = 0
  private sumSq = 0
  private sinceExact = 0
  private pending: WindowMatch | null = null

  constructor(private readonly p: NormalizedPattern) {
    this.m = p.query.length
    this.values = new Float64Array(this.m)
    this.times = new Float64Array(this.m)
    this.window = new Float64Array(this.m)
  }

  push(x: number, time: number): WindowMatch | null {
    const { m, values, p } = this
    const full = this.count >= m
    const old = full ? values[this.next] - this.shift : 0
    values[this.next] = x
    this.times[this.next] = time
    this.next = this.next + 1 === m ? 0 : this.next + 1
    const index = this.count++
    const dx = x - this.shift
    this.sum += dx - old
    this.sumSq += dx * dx - old * old
    if (++this.sinceExact >= m) this.exactSums()
    if (index < m - 1) return null
    const start = index - m + 1
    let out: WindowMatch | null = null
    if (this.pending !== null && start > this.pending.end) {
      out = this.pending
      this.pending = null
    }
    const bound = this.pending === null ? p.threshold : Math.min(p.threshold, this.pending.distance)
    const mean = this.sum / m
    const variance = this.sumSq / m - mean * mean
    const std = variance > 0 ? Math.sqrt(variance) : 0
    // a constant window has no shape: all zeros, as zNormalize does
    const flat = !(std > 1e-8 * Math.max(1, Math.abs(mean + this.shift)))
    const scale = flat ? 0 : 1 / std
    const q = p.query
    const first = (values[this.next] - this.shift - mean) * scale
    const last = (x - this.shift - mean) * scale // (the shift may have just changed)
    if (this.cost(first - q[0]) + this.cost(last - q[m - 1]) > bound) return out // LB_Kim
    const w = this.window
    for (let k = 0, slot = this.next; k < m; k++, slot = slot + 1 === m ? 0 : slot + 1)
      w[k] = (values[slot] - this.shift - mean) * scale
    if (lbKeoghUnchecked(w, p.env, p.squared, bound) > bound) return out
    const distance = dtw(w, q, { band: p.band, cost: p.squared ? 'squared' : 'absolute', abandonAbove: bound })
    if (distance <= p.threshold && (this.pending === null || distance < this.pending.distance)) {
      this.pending = { start, end: index, distance, startTime: this.times[this.next], endTime: time }
    }
    return out
  }

  flush(): WindowMatch | null {
    const out = this.pending
    this.pending = null
    return out
  }

  private cost(d: number): number {
    return this.p.squared ? d * d : Math.abs(d)
  }

  private exactSums(): void {
    const n = Math.min(this.count, this.m)
    let s = 0
    for (let k = 0; k < n; k++) s += this.values[k]
    this.shift = s / n
    let s1 = 0
    let s2 = 0
    for (let k = 0; k < n; k++) {
      const d = this.values[k] - this.shift
      s1 += d
      s2 += d * d
    }
    this.sum = s1
    this.sumSq = s2
    this.sinceExact = 0
  }
}
