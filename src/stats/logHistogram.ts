import { checkProbability } from '../validate'

const SUB_BUCKET_BITS = 6
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS
/** Values up to 2^53 fit; 54 octaves of 64 buckets each. */
const OCTAVES = 54

/**
 * A log-linear histogram of non-negative values, in the manner of HdrHistogram: each power of
 * two is split into `SUB_BUCKETS` equal buckets, so a recorded value lands in a bucket whose
 * width is at most 1/SUB_BUCKETS of the value (under 1.6 % relative error at 64). Recording is
 * O(1) and never allocates, so a scheduler can record every task's lateness on its hot path.
 *
 * ```ts
 * const h = new LogHistogram()
 * for (const ns of [120, 80, 4000]) h.record(ns)
 * h.percentile(0.5) // ~120
 * h.max             // 4000 (exact)
 * ```
 */
export class LogHistogram {
  /** Values recorded per bucket. */
  readonly counts = new Float64Array(OCTAVES * SUB_BUCKETS)
  /** Values recorded. */
  count = 0
  /** Smallest value recorded (exact); Infinity when empty. */
  min = Infinity
  /** Largest value recorded (exact); -Infinity when empty. */
  max = -Infinity
  /** Sum of the values recorded. */
  sum = 0

  /** Records one value; negative values are clamped to 0, non-finite ones are ignored and return false. */
  record(value: number): boolean {
    if (!(value < Infinity) || value !== value) return false
    const v = value > 0 ? value : 0
    this.counts[bucketOf(v)]++
    this.count++
    this.sum += v
    if (v < this.min) this.min = v
    if (v > this.max) this.max = v
    return true
  }

  /**
   * The value at quantile `q` in [0, 1] (nearest rank): the representative (midpoint) of the bucket
   * holding the ceil(q * count)-th smallest value, clamped to the exact min and max. NaN when empty.
   */
  percentile(q: number): number {
    checkProbability('LogHistogram.percentile', 'q', q)
    if (this.count === 0) return NaN
    const rank = Math.max(1, Math.ceil(q * this.count))
    let seen = 0
    const counts = this.counts
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i]
      if (seen >= rank) {
        const mid = (lowerBoundOf(i) + lowerBoundOf(i + 1)) / 2
        return Math.min(this.max, Math.max(this.min, mid))
      }
    }
    return this.max
  }

  /** Mean of the values recorded (exact); NaN when empty. */

  get mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count
  }

  /** Forgets every value recorded. */

  reset(): void {
    this.counts.fill(0)
    this.count = 0
    this.min = Infinity
    this.max = -Infinity
    this.sum = 0
  }
}

/** Bucket index: values below SUB_BUCKETS map linearly (width 1); above, by octave and mantissa. */
function bucketOf(v: number): number {
  if (v < SUB_BUCKETS) return Math.floor(v)
  if (v < 4294967296) {
    // the common case (under 4.3 s in nanoseconds): integer bit tricks, no log2 or pow
    const u = v >>> 0
    const octave = 31 - Math.clz32(u) - SUB_BUCKET_BITS + 1
    return octave * SUB_BUCKETS + (u >>> (octave - 1)) - SUB_BUCKETS
  }
  let octave = Math.floor(Math.log2(v)) - SUB_BUCKET_BITS + 1
  // Math.log2 may round across a power of two: step to the octave whose range really holds v.
  if (lowerBoundOf(octave * SUB_BUCKETS) > v) octave--
  else if (lowerBoundOf((octave + 1) * SUB_BUCKETS) <= v) octave++
  const sub = Math.floor(v / 2 ** (octave - 1)) - SUB_BUCKETS
  return Math.min(octave * SUB_BUCKETS + sub, OCTAVES * SUB_BUCKETS - 1)
}

/** The smallest value that falls into bucket `i` (the inverse of `bucketOf`). */
function lowerBoundOf(i: number): number {
  if (i < SUB_BUCKETS) return i
  const o = Math.floor(i / SUB_BUCKETS)
  const sub = i % SUB_BUCKETS
  return (SUB_BUCKETS + sub) * 2 ** (o - 1)
}
