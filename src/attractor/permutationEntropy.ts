import { checkFiniteSeries } from '../compare/pointwise'
import { describeValue } from '../errors'
import { checkSnapshot, decodeFloat64, encodeFloat64, SnapshotError, type SnapshotHeader } from '../snapshot'
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

const SLIDING_PE_SNAPSHOT_VERSION = 1

/** `SlidingPermutationEntropy.snapshot()`: the options, the values and pattern codes still needed, and the running sum bit for bit. */
export interface SlidingPermutationEntropySnapshot extends SnapshotHeader {
  /** Always `'SlidingPermutationEntropy'`. */
  readonly kind: 'SlidingPermutationEntropy'
  /** The layout's version (1). */
  readonly version: number
  /** The constructor's arguments. */
  readonly options: {
    /** The pattern order (values per ordinal pattern). */
    readonly order: number
    /** The delay between a pattern's values, in samples. */
    readonly delay: number
    /** Patterns per window. */
    readonly window: number
  }
  /** Values pushed since construction or the last `reset`. */
  readonly pushed: number
  /** The last min(pushed, (order - 1) delay + 1) values, oldest first, as base64 float64 bytes. */
  readonly recent: string
  /** The Lehmer codes of the patterns inside the window, oldest first. */
  readonly codes: readonly number[]
  /** The running sum of c ln c over the pattern counts, as base64 float64 bytes (bit-exact: it carries rounding). */
  readonly sumCLogC: string
  /** Pushes since the running sum was last recounted from scratch. */
  readonly sinceResync: number
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

  /**
   * An empty window; `order` (2..8), `delay` (>= 1) and `window` (>= (order - 1) delay + 1, one
   * pattern) are integers, else a `TypeError` or `RangeError` naming the argument.
   */
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

  /**
   * The state as a JSON-safe object; `SlidingPermutationEntropy.fromSnapshot` rebuilds it, and the
   * rebuilt window continues bit for bit as this one would (same `value()` after every push).
   *
   * ```ts
   * const saved = JSON.stringify(pe.snapshot())
   * const again = SlidingPermutationEntropy.fromSnapshot(JSON.parse(saved))
   * ```
   */
  snapshot(): SlidingPermutationEntropySnapshot {
    const { order, delay, window, pushed, recent, codes } = this
    const ringSize = recent.length
    const kept = Math.min(pushed, ringSize)
    const last = new Float64Array(kept)
    for (let i = 0, slot = (pushed - kept) % ringSize; i < kept; i++, slot = slot + 1 === ringSize ? 0 : slot + 1)
      last[i] = recent[slot]
    const codesInWindow = new Array<number>(this.total)
    const patterns = pushed < ringSize ? 0 : pushed - ringSize + 1 // patterns ever formed
    for (let i = 0, p = patterns - this.total; i < this.total; i++, p++) codesInWindow[i] = codes[p % codes.length]
    return {
      kind: 'SlidingPermutationEntropy',
      version: SLIDING_PE_SNAPSHOT_VERSION,
      options: { order, delay, window },
      pushed,
      recent: encodeFloat64(last),
      codes: codesInWindow,
      sumCLogC: encodeFloat64([this.sumCLogC]),
      sinceResync: this.sinceResync,
    }
  }

  /**
   * A window in the state `snapshot` describes (from `snapshot()`, possibly through JSON). A snapshot
   * of another kind or version is a `SnapshotError` naming both; damaged fields (wrong lengths,
   * codes out of range or not matching the values, a running sum that does not match the codes) are
   * `SnapshotError`s naming the field; bad options the constructor's errors.
   *
   * ```ts
   * const pe = SlidingPermutationEntropy.fromSnapshot(JSON.parse(text))
   * pe.push(x)
   * ```
   */
  static fromSnapshot(snapshot: SlidingPermutationEntropySnapshot): SlidingPermutationEntropy {
    const fn = 'SlidingPermutationEntropy.fromSnapshot'
    const s = checkSnapshot<SlidingPermutationEntropySnapshot>(
      fn,
      snapshot,
      'SlidingPermutationEntropy',
      SLIDING_PE_SNAPSHOT_VERSION,
    )
    if (s.options === null || typeof s.options !== 'object')
      throw new SnapshotError(`${fn}: options must be an object, got ${describeValue(s.options)}`)
    const pe = new SlidingPermutationEntropy(s.options.order, s.options.delay, s.options.window)
    const { recent, codes, counts, order } = pe
    const ringSize = recent.length
    const pushed = checkSnapshotCount(fn, 'pushed', s.pushed, Number.MAX_SAFE_INTEGER)
    const last = decodeFloat64(fn, 'recent', s.recent)
    const kept = Math.min(pushed, ringSize)
    if (last.length !== kept)
      throw new SnapshotError(`${fn}: recent holds ${last.length} values, expected ${kept} after ${pushed} pushed`)
    for (let i = 0; i < kept; i++) {
      if (!Number.isFinite(last[i]))
        throw new SnapshotError(`${fn}: recent value ${i} must be finite, got ${describeValue(last[i])}`)
      recent[(pushed - kept + i) % ringSize] = last[i]
    }
    const patterns = pushed < ringSize ? 0 : pushed - ringSize + 1
    const total = Math.min(patterns, codes.length)
    if (!Array.isArray(s.codes) || s.codes.length !== total)
      throw new SnapshotError(
        `${fn}: codes must be an array of the ${total} pattern codes in the window, got ${describeValue(s.codes)}`,
      )
    for (let i = 0, p = patterns - total; i < total; i++, p++) {
      const code = s.codes[i]
      if (!Number.isInteger(code) || code < 0 || code >= counts.length)
        throw new SnapshotError(
          `${fn}: codes[${i}] must be an integer in [0, ${counts.length}), got ${describeValue(code)}`,
        )
      codes[p % codes.length] = code
      counts[code]++
    }
    // the newest pattern is the one the kept values form: a cheap check that values and codes belong together
    if (total > 0 && s.codes[total - 1] !== patternCode(last, 0, order, pe.delay))
      throw new SnapshotError(`${fn}: the newest code ${s.codes[total - 1]} is not the pattern of the recent values`)
    pe.pushed = pushed
    pe.total = total
    const sum = decodeFloat64(fn, 'sumCLogC', s.sumCLogC)
    pe.resync()
    // the running sum differs from a recount only by rounding since the last recount
    if (sum.length !== 1 || !(Math.abs(sum[0] - pe.sumCLogC) <= 1e-6 * Math.max(1, pe.sumCLogC)))
      throw new SnapshotError(`${fn}: sumCLogC does not match the pattern codes (${pe.sumCLogC} recounted)`)
    pe.sumCLogC = sum[0]
    pe.sinceResync = checkSnapshotCount(fn, 'sinceResync', s.sinceResync, pe.resyncEvery - 1)
    return pe
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

/** A snapshot field that counts: an integer in [0, max], else a `SnapshotError` naming `fn` and `field`. */
function checkSnapshotCount(fn: string, field: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max)
    throw new SnapshotError(`${fn}: ${field} must be an integer in [0, ${max}], got ${describeValue(value)}`)
  return value
}
