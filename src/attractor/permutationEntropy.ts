import { checkFiniteSeries } from '../compare/pointwise'
import { describeValue } from '../errors'
import { checkInteger } from '../validate'

const MIN_ORDER = 2
const MAX_ORDER = 8
const FACTORIALS = [1, 1, 2, 6, 24, 120, 720, 5040, 40320]

/**
 * The Lehmer code, in [0, order!), of the ordinal pattern of x[start], x[start + delay], ...,
 * x[start + (order - 1) delay]: digit k counts the later values strictly smaller than value k,
 * so of two equal values the earlier one ranks lower. 0 is increasing, order! - 1 strictly
 * decreasing.
 */
function patternCode(x: ArrayLike<number>, start: number, order: number, delay: number): number {
  let code = 0
  for (let k = 0, i = start; k < order; k++, i += delay) {
    const v = x[i]
    let smaller = 0
    for (let l = i + delay, r = k + 1; r < order; l += delay, r++) if (x[l] < v) smaller++
    code = code * (order - k) + smaller
  }
  return code
}

function checkOrderDelay(fn: string, order: unknown, delay: unknown): void {
  checkInteger(fn, 'order', order, { min: MIN_ORDER, max: MAX_ORDER })
  checkInteger(fn, 'delay', delay, { min: 1 })
}

/**
 * How often each ordinal pattern of `order` values spaced `delay` apart occurs in the series,
 * indexed by the pattern's Lehmer code: entry k counts windows whose digit d_j (number of later
 * values strictly below value j) satisfy k = sum_j d_j (order - 1 - j)!. Code 0 is a strictly
 * increasing window (or one with ties, which rank by time), code order! - 1 strictly decreasing.
 *
 * ```ts
 * ordinalPatternCounts([1, 2, 3, 2, 1], 3, 1) // Int32Array [1, 1, 0, 0, 0, 1]: rising (0), 2 3 2 (1), falling (5)
 * ```
 *
 * References: Bandt and Pompe (2002).
 * @see permutationEntropy
 */
export function ordinalPatternCounts(series: ArrayLike<number>, order = 3, delay = 1): Int32Array {
  return countPatterns('ordinalPatternCounts', series, order, delay)
}

function countPatterns(fn: string, series: ArrayLike<number>, order: number, delay: number): Int32Array {
  checkFiniteSeries(fn, 'series', series)
  checkOrderDelay(fn, order, delay)
  const span = (order - 1) * delay
  if (series.length <= span) {
    throw new RangeError(
      `${fn}: order ${order} with delay ${delay} needs at least ${span + 1} values for one pattern, got ${series.length}`,
    )
  }
  const counts = new Int32Array(FACTORIALS[order])
  for (let start = 0, end = series.length - span; start < end; start++)
    counts[patternCode(series, start, order, delay)]++
  return counts
}

/**
 * Permutation entropy (Bandt and Pompe 2002): the Shannon entropy of the distribution of ordinal
 * patterns of `order` values spaced `delay` apart, divided by ln(order!) so it lies in [0, 1]. 0
 * for a monotone series, near 1 for white noise; deterministic chaos sits between because some
 * patterns never occur (the logistic map at r = 4 never decreases three times in a row). Equal
 * values are ranked by time, the earlier one counting as smaller, so a constant series reads as
 * increasing and gives 0.
 *
 * `order` is an integer in [2, 8], `delay` an integer >= 1; the series must hold at least one
 * pattern, (order - 1) delay + 1 values (`RangeError`s naming the values otherwise).
 *
 * ```ts
 * permutationEntropy([1, 2, 3, 4, 5])        // 0: one pattern only
 * permutationEntropy([4, 7, 9, 10, 6, 11, 3]) // 0.5888 (Bandt and Pompe's example, order 3)
 * ```
 *
 * References: C. Bandt, B. Pompe, "Permutation entropy: a natural complexity measure for time
 * series", Phys. Rev. Lett. 88 (2002) 174102.
 * @see ordinalPatternCounts, SlidingPermutationEntropy, classifyDynamics
 */
export function permutationEntropy(series: ArrayLike<number>, order = 3, delay = 1): number {
  const counts = countPatterns('permutationEntropy', series, order, delay)
  const total = series.length - (order - 1) * delay
  let h = 0
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k]
    if (c > 0) {
      const p = c / total
      h -= p * Math.log(p)
    }
  }
  return h / Math.log(FACTORIALS[order])
}

/**
 * Permutation entropy over a sliding window, updated in O(order^2) per value with no allocation,
 * for a stream operator: it keeps the pattern counts and the running sum of c ln c over them, so
 * H = ln T - (sum c ln c) / T for T patterns. After each `push`, `value()` is
 * `permutationEntropy` of the last `window` values (all values while fewer were pushed), ties
 * ranked by time as there.
 *
 * ```ts
 * const pe = new SlidingPermutationEntropy(3, 1, 100)
 * for (const x of stream) {
 *   pe.push(x)
 *   if (pe.patternCount > 0) report(pe.value())
 * }
 * ```
 *
 * References: Bandt and Pompe (2002).
 * @see permutationEntropy, attractorWindow
 */
export class SlidingPermutationEntropy {
  /** Values per ordinal pattern. */
  readonly order: number
  /** Samples between the values of a pattern. */
  readonly delay: number
  /** Values the entropy is taken over (the last `window` pushed). */
  readonly window: number
  /** Occurrences of each ordinal pattern (by Lehmer code) inside the window. */
  readonly counts: Int32Array
  /** The last (order - 1) delay + 1 values, in a ring. */
  private readonly recent: Float64Array
  /** Codes of the patterns inside the window, oldest first, in a ring. */
  private readonly codes: Int32Array
  private readonly lnFactorial: number
  private pushed = 0
  private sumCLogC = 0
  private total = 0
  private sinceResync = 0
  private readonly resyncEvery: number

  constructor(order: number, delay: number, window: number) {
    checkOrderDelay('SlidingPermutationEntropy', order, delay)
    const span = (order - 1) * delay
    // one pattern of order `order`, delay `delay`, needs span + 1 values
    checkInteger('SlidingPermutationEntropy', 'window', window, { min: span + 1 })
    this.order = order
    this.delay = delay
    this.window = window
    this.counts = new Int32Array(FACTORIALS[order])
    this.recent = new Float64Array(span + 1)
    this.codes = new Int32Array(window - span)
    this.lnFactorial = Math.log(FACTORIALS[order])
    // the running sum drifts by rounding; recounting it from scratch this often costs O(1) amortised
    this.resyncEvery = Math.max(window, FACTORIALS[order])
  }

  /** Patterns inside the window now. */
  get patternCount(): number {
    return this.total
  }

  /** Appends one value; a `TypeError` naming it (and its position in the stream) if it is not finite. */
  push(x: number): void {
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new TypeError(
        `SlidingPermutationEntropy.push: value ${this.pushed} must be a finite number, got ${describeValue(x)}`,
      )
    const { order, delay, recent, codes, counts } = this
    const ringSize = recent.length
    const slot = this.pushed % ringSize
    recent[slot] = x
    this.pushed++
    if (this.pushed < ringSize) return
    // the newest pattern ends at slot; its first value is the slot after it in the ring
    let code = 0
    for (let k = 0, i = slot + 1 === ringSize ? 0 : slot + 1; k < order; k++) {
      const v = recent[i]
      let smaller = 0
      let l = i
      for (let r = k + 1; r < order; r++) {
        l += delay
        if (l >= ringSize) l -= ringSize
        if (recent[l] < v) smaller++
      }
      code = code * (order - k) + smaller
      i += delay
      if (i >= ringSize) i -= ringSize
    }
    const patternIndex = this.pushed - ringSize
    const codeSlot = patternIndex % codes.length
    if (patternIndex >= codes.length) {
      const old = codes[codeSlot]
      const c = counts[old]
      this.sumCLogC += (c - 1) * Math.log(c - 1 || 1) - c * Math.log(c)
      counts[old] = c - 1
      this.total--
    }
    codes[codeSlot] = code
    const c = counts[code]
    this.sumCLogC += (c + 1) * Math.log(c + 1) - c * Math.log(c || 1)
    counts[code] = c + 1
    this.total++
    if (++this.sinceResync >= this.resyncEvery) this.resync()
  }

  /** Normalised permutation entropy of the patterns inside the window, in [0, 1]; NaN before the first full pattern. */
  value(): number {
    const t = this.total
    if (t === 0) return NaN
    const h = (Math.log(t) - this.sumCLogC / t) / this.lnFactorial
    // rounding may leave a hair outside [0, 1] (a single pattern gives ln T - T ln T / T)
    return h < 1e-14 ? 0 : h > 1 ? 1 : h
  }

  /** Forgets every value, as if new. */
  reset(): void {
    this.counts.fill(0)
    this.pushed = 0
    this.sumCLogC = 0
    this.total = 0
    this.sinceResync = 0
  }

  private resync(): void {
    let s = 0
    const counts = this.counts
    for (let k = 0; k < counts.length; k++) {
      const c = counts[k]
      if (c > 1) s += c * Math.log(c)
    }
    this.sumCLogC = s
    this.sinceResync = 0
  }
}
