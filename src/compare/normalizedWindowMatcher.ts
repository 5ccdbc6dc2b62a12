import { describeValue } from '../errors'
import { checkSnapshot, decodeFloat64, encodeFloat64, SnapshotError, type SnapshotHeader } from '../snapshot'
import { checkInteger, checkNumber, checkOneOf } from '../validate'
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

const SNAPSHOT_VERSION = 1
const COSTS = ['squared', 'absolute'] as const

/**
 * The state of the z-normalised window matcher behind `dtwMatch`'s `normalize: true` (one per pattern),
 * as `DtwMatchSnapshot` carries it: the z-normalised pattern and its settings, the last window's
 * values and times, the running sums and the held-back match, floats as base64 float64 bytes.
 */
export interface NormalizedWindowMatcherSnapshot extends SnapshotHeader {
  /** Always `'NormalizedWindowMatcher'`. */
  readonly kind: 'NormalizedWindowMatcher'
  /** The layout's version (1). */
  readonly version: number
  /** The z-normalised pattern, as base64 float64 bytes. */
  readonly query: string
  /** The pattern's length m (the window length). */
  readonly length: number
  /** The Sakoe-Chiba half-width in samples, the cost and the threshold the matcher was built with. */
  readonly options: {
    /** Half-width of the band in samples (0 to m). */
    readonly band: number
    /** Per-element cost. */
    readonly cost: 'squared' | 'absolute'
    /** Largest distance that counts as a match. */
    readonly threshold: number
  }
  /**
   * Ring position of the next value, values seen, the shift of the running sums, the sums of
   * (x - shift) and of its square, and values since the sums were last recomputed exactly; base64 float64.
   */
  readonly state: string
  /** The ring of the last m values, base64 float64 (in ring order, not window order). */
  readonly values: string
  /** Their times, base64 float64. */
  readonly times: string
  /** The held-back match (start, end, distance, start time, end time), base64 float64, or null. */
  readonly pending: string | null
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

  /** A matcher for the pattern `prepareNormalized` built, that has seen nothing. */
  constructor(private readonly p: NormalizedPattern) {
    this.m = p.query.length
    this.values = new Float64Array(this.m)
    this.times = new Float64Array(this.m)
    this.window = new Float64Array(this.m)
  }

  /** Feeds the next value and its time; returns the match that became final with it, or null. */
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

  /** At the end of the stream: the held-back match, now final, or null. */
  flush(): WindowMatch | null {
    const out = this.pending
    this.pending = null
    return out
  }

  /**
   * The matcher's state as a JSON-safe object (pattern and settings included);
   * `NormalizedWindowMatcher.fromSnapshot` rebuilds a matcher that continues exactly as this one would.
   */
  snapshot(): NormalizedWindowMatcherSnapshot {
    const { p, pending } = this
    return {
      kind: 'NormalizedWindowMatcher',
      version: SNAPSHOT_VERSION,
      query: encodeFloat64(p.query),
      length: this.m,
      options: { band: p.band, cost: p.squared ? 'squared' : 'absolute', threshold: p.threshold },
      state: encodeFloat64([this.next, this.count, this.shift, this.sum, this.sumSq, this.sinceExact]),
      values: encodeFloat64(this.values),
      times: encodeFloat64(this.times),
      pending:
        pending === null
          ? null
          : encodeFloat64([pending.start, pending.end, pending.distance, pending.startTime ?? 0, pending.endTime ?? 0]),
    }
  }

  /**
   * A matcher in the state `snapshot` describes (possibly through JSON). Another kind or version is a
   * `SnapshotError` naming both; a damaged field a `SnapshotError`, `TypeError` or `RangeError` naming it.
   */
  static fromSnapshot(snapshot: NormalizedWindowMatcherSnapshot): NormalizedWindowMatcher {
    const fn = 'NormalizedWindowMatcher.fromSnapshot'
    const s = checkSnapshot<NormalizedWindowMatcherSnapshot>(fn, snapshot, 'NormalizedWindowMatcher', SNAPSHOT_VERSION)
    const m = checkInteger(fn, 'length', s.length, { min: 2 })
    const options = s.options
    if (options === null || typeof options !== 'object')
      throw new TypeError(`${fn}: options must be an object, got ${describeValue(options)}`)
    const band = checkInteger(fn, 'options.band', options.band, { min: 0, max: m })
    const cost = checkOneOf(fn, 'options.cost', options.cost, COSTS)
    const threshold = checkNumber(fn, 'options.threshold', options.threshold, { min: 0 })
    const query = decodeValues(fn, 'query', s.query, m)
    for (let i = 0; i < m; i++)
      if (!Number.isFinite(query[i])) throw new SnapshotError(`${fn}: query[${i}] is ${query[i]}, not finite`)
    const matcher = new NormalizedWindowMatcher({
      query,
      env: envelope(query, Math.min(band, m - 1)),
      band,
      squared: cost === 'squared',
      threshold,
    })
    const [next, count, shift, sum, sumSq, sinceExact] = decodeValues(fn, 'state', s.state, 6)
    if (!Number.isSafeInteger(count) || count < 0)
      throw new SnapshotError(`${fn}: the value count ${count} is not an integer >= 0`)
    if (next !== count % m) throw new SnapshotError(`${fn}: the ring position ${next} does not follow ${count} values`)
    if (!Number.isInteger(sinceExact) || sinceExact < 0 || sinceExact >= m)
      throw new SnapshotError(`${fn}: ${sinceExact} values since the exact sums is not an integer in [0, ${m})`)
    if (!Number.isFinite(shift) || !Number.isFinite(sum) || !Number.isFinite(sumSq))
      throw new SnapshotError(`${fn}: the running sums (${shift}, ${sum}, ${sumSq}) must be finite`)
    matcher.values.set(decodeValues(fn, 'values', s.values, m))
    matcher.times.set(decodeValues(fn, 'times', s.times, m))
    matcher.next = next
    matcher.count = count
    matcher.shift = shift
    matcher.sum = sum
    matcher.sumSq = sumSq
    matcher.sinceExact = sinceExact
    if (s.pending !== null) {
      const [start, end, distance, startTime, endTime] = decodeValues(fn, 'pending', s.pending, 5)
      if (!Number.isInteger(start) || start < 0 || end !== start + m - 1 || end >= count)
        throw new SnapshotError(
          `${fn}: the pending match [${start}, ${end}] is not a window of the ${count} values seen`,
        )
      if (!(distance >= 0 && distance <= threshold))
        throw new SnapshotError(`${fn}: the pending match's distance ${distance} is not in [0, ${threshold}]`)
      matcher.pending = { start, end, distance, startTime, endTime }
    }
    return matcher
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

/** `field` of a snapshot of `fn`: `size` float64 values, else a `SnapshotError` naming the field. */
function decodeValues(fn: string, field: string, text: unknown, size: number): Float64Array {
  const values = decodeFloat64(fn, field, text)
  if (values.length !== size) throw new SnapshotError(`${fn}: ${field} holds ${values.length} values, expected ${size}`)
  return values
}
