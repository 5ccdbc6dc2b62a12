import { describeValue } from '../errors'
import { checkSnapshot, encodeFloat64, SnapshotError, type SnapshotHeader } from '../snapshot'
import { checkInteger, checkOptions, checkProbability } from '../validate'
import { checkSameOptions, snapshotBoolean, snapshotFloats, snapshotInteger, snapshotOptions } from './snapshotFields'

/** Options of {@link ADWIN}; every default is River's (`river.drift.ADWIN`). */
export interface ADWINOptions {
  /** Confidence δ of the cut test, in (0, 1). Smaller means fewer false alarms and later detection. Default 0.002. */
  delta?: number
  /** The cut test runs on every `clock`-th update only (River's trade of speed for delay). Integer >= 1. Default 32. */
  clock?: number
  /** Buckets of each size kept before the two oldest are merged (the exponential histogram's M). Integer >= 1. Default 5. */
  maxBuckets?: number
  /** Both sub-windows of a cut must hold at least this many elements. Integer >= 1. Default 5. */
  minWindowLength?: number
  /** No cut is tested until the window holds more than this many elements. Integer >= 0. Default 10. */
  gracePeriod?: number
}

// Level i holds buckets of 2^i elements. 64 levels cover a window of more than 2^64 elements, far
// beyond what a double can count exactly, so the arrays are sized once and never grow.
const MAX_LEVELS = 64

/** The option names `ADWIN` accepts. */
const ADWIN_OPTIONS: readonly string[] = ['delta', 'clock', 'maxBuckets', 'minWindowLength', 'gracePeriod']
const ADWIN_SNAPSHOT_VERSION = 1

/** `ADWIN.snapshot()`: the options, the counters and every bucket, bit for bit. */
export interface ADWINSnapshot extends SnapshotHeader {
  /** Always `'ADWIN'`. */
  readonly kind: 'ADWIN'
  /** The layout's version (1). */
  readonly version: number
  /** The options the detector was built with. */
  readonly options: Required<ADWINOptions>
  /** Width, total and sum of squared deviations of the window, as base64 float64 bytes. */
  readonly window: string
  /** Updates since the window was last emptied (the `clock` counter). */
  readonly tick: number
  /** Levels of the histogram in use (at least 1). */
  readonly levels: number
  /** Buckets held at each level, level 0 (single elements) first; as long as the highest level holding any. */
  readonly counts: readonly number[]
  /** The buckets' sums, level 0 first and oldest first within a level, as base64 float64 bytes. */
  readonly totals: string
  /** The buckets' sums of squared deviations, in the order of `totals`, as base64 float64 bytes. */
  readonly variances: string
  /** Whether the last update cut the window (the next update then starts an empty one). */
  readonly driftDetected: boolean
  /** Detections since construction or the last `reset()`. */
  readonly nDetections: number
}

/**
 * ADWIN, adaptive windowing (Bifet & Gavaldà 2007), step for step as River's `drift.ADWIN`
 * (its `adwin_c.pyx` and the Rust port that replaced it), so that the same stream flags drift at
 * the same element, in the same floating-point operation order.
 *
 * The window is an exponential histogram: level i keeps up to `maxBuckets` buckets of 2^i
 * elements (sum and sum of squared deviations each); the (`maxBuckets`+1)-th bucket of a level makes
 * its two oldest merge into one bucket of the next level. Every `clock`-th update, once the window
 * holds more than `gracePeriod` elements, each bucket boundary is tried as a cut W0 (older) | W1
 * (newer), oldest first, and the cut holds when
 * `|mean(W0) - mean(W1)| > sqrt(2 m σ² δ') + (2/3) δ' m`, with `m = 1/(n0-L+1) + 1/(n1-L+1)`,
 * `L = minWindowLength`, `σ²` the window's variance and `δ' = ln(2 ln(width) / delta)`. On a cut the
 * oldest bucket is dropped and the scan restarts, until no cut holds; the update then reports drift.
 *
 * River's own choices are kept, because matching its detections is the point: the cut test reads
 * the whole window's variance, not the two halves', only every `clock`-th update is tested, and the
 * update after a detection starts a fresh, empty window (River's `ADWIN` rebuilds its helper then).
 * `nDetections` survives that restart (River's would read back 0 or 1). Older River releases
 * (`adwin_c.pyx` looping `range(current_idx - 1)`, questioned in river#1539) skipped the newest
 * bucket of every level as a cut point; this follows the current release, which tries them all,
 * as MOA does. Both agree on River's docstring example; they differ on its multi-drift test.
 *
 * ```ts
 * const adwin = new ADWIN()
 * for (const [i, x] of stream.entries()) {
 *   adwin.update(x)
 *   if (adwin.driftDetected) console.log(`drift at ${i}, mean now ${adwin.estimation}`)
 * }
 * ```
 *
 * References: Bifet & Gavaldà, "Learning from time-changing data with adaptive windowing", SDM 2007.
 * @see KSWIN
 * @see PageHinkley
 */
export class ADWIN {
  /** Confidence δ of the cut test. */
  readonly delta: number
  /** The cut test runs every `clock`-th update. */
  readonly clock: number
  /** Buckets of each size kept before the two oldest merge. */
  readonly maxBuckets: number
  /** Least length of either sub-window of a cut. */
  readonly minWindowLength: number
  /** No cut is tested until the window holds more elements than this. */
  readonly gracePeriod: number

  /** Whether the last `update` cut the window. */
  driftDetected = false
  /** Detections since construction or the last `reset()`. */
  nDetections = 0

  private _width = 0
  private _total = 0
  /** Sum of squared deviations from the window mean (River's `variance`, not divided by width). */
  private _variance = 0
  private tick = 0
  private nLevels = 1

  // Level `i` is a ring of `cap` slots at [i*cap, (i+1)*cap): index 0 of the ring is its oldest bucket.
  private readonly cap: number
  private readonly totals: Float64Array
  private readonly variances: Float64Array
  private readonly head: Int32Array
  private readonly count: Int32Array

  /** A detector with an empty window; bad options throw a `TypeError` or `RangeError` naming them. */
  constructor(options?: ADWINOptions) {
    const {
      delta = 0.002,
      clock = 32,
      maxBuckets = 5,
      minWindowLength = 5,
      gracePeriod = 10,
    } = checkOptions('ADWIN', options, ADWIN_OPTIONS)
    this.delta = checkProbability('ADWIN', 'delta', delta, true)
    this.clock = checkInteger('ADWIN', 'clock', clock, { min: 1 })
    this.maxBuckets = checkInteger('ADWIN', 'maxBuckets', maxBuckets, { min: 1 })
    this.minWindowLength = checkInteger('ADWIN', 'minWindowLength', minWindowLength, { min: 1 })
    this.gracePeriod = checkInteger('ADWIN', 'gracePeriod', gracePeriod, { min: 0 })
    this.cap = this.maxBuckets + 1
    this.totals = new Float64Array(MAX_LEVELS * this.cap)
    this.variances = new Float64Array(MAX_LEVELS * this.cap)
    this.head = new Int32Array(MAX_LEVELS)
    this.count = new Int32Array(MAX_LEVELS)
  }

  /** Number of elements in the window. */
  get width(): number {
    return this._width
  }

  /** Sum of the elements in the window. */
  get total(): number {
    return this._total
  }

  /** Mean of the window, 0 when it is empty. */
  get estimation(): number {
    return this._width === 0 ? 0 : this._total / this._width
  }

  /** Sum of squared deviations from the window's mean, as River reports it; divide by `width` for the variance. */
  get variance(): number {
    return this._variance
  }

  /**
   * The detector's state as a JSON-safe object: `ADWIN.fromSnapshot` (or `restore` on a detector with
   * the same options) rebuilds it, and the rebuilt detector continues exactly as this one would.
   *
   * ```ts
   * const saved = JSON.stringify(adwin.snapshot())
   * const again = ADWIN.fromSnapshot(JSON.parse(saved))
   * ```
   */
  snapshot(): ADWINSnapshot {
    const { delta, clock, maxBuckets, minWindowLength, gracePeriod, cap } = this
    // levels above nLevels hold nothing in a consistent window; the counts reach the highest that
    // holds anything anyway, so that the snapshot is the state whatever it is
    let levels = this.nLevels
    for (let level = MAX_LEVELS - 1; level >= levels; level--) if (this.count[level] > 0) levels = level + 1
    const counts = Array.from(this.count.subarray(0, levels))
    let buckets = 0
    for (const c of counts) buckets += c
    const totals = new Float64Array(buckets)
    const variances = new Float64Array(buckets)
    let at = 0
    for (let level = 0; level < levels; level++) {
      for (let k = 0; k < counts[level]; k++, at++) {
        const slot = level * cap + ((this.head[level] + k) % cap)
        totals[at] = this.totals[slot]
        variances[at] = this.variances[slot]
      }
    }
    return {
      kind: 'ADWIN',
      version: ADWIN_SNAPSHOT_VERSION,
      options: { delta, clock, maxBuckets, minWindowLength, gracePeriod },
      window: encodeFloat64([this._width, this._total, this._variance]),
      tick: this.tick,
      levels: this.nLevels,
      counts,
      totals: encodeFloat64(totals),
      variances: encodeFloat64(variances),
      driftDetected: this.driftDetected,
      nDetections: this.nDetections,
    }
  }

  /**
   * A detector in the state `snapshot` describes (from `snapshot()`, possibly through JSON). A snapshot
   * of another kind or version is a `SnapshotError` naming both, as is a damaged field; bad options
   * throw as the constructor does.
   *
   * ```ts
   * const adwin = ADWIN.fromSnapshot(JSON.parse(saved))
   * ```
   */
  static fromSnapshot(snapshot: ADWINSnapshot): ADWIN {
    const fn = 'ADWIN.fromSnapshot'
    const s = checkSnapshot<ADWINSnapshot>(fn, snapshot, 'ADWIN', ADWIN_SNAPSHOT_VERSION)
    const detector = new ADWIN(snapshotOptions(fn, s.options) as ADWINOptions)
    detector.load(fn, s)
    return detector
  }

  /**
   * Replaces this detector's state by the one `snapshot` describes, in place (for holders of an
   * instance, such as `MetaLearner`). The snapshot must have been taken with this detector's options,
   * else a `SnapshotError` names the first that differs; another kind or version, or a damaged
   * field, is a `SnapshotError` too, and leaves this detector untouched.
   *
   * ```ts
   * const adwin = new ADWIN({ delta: 0.01 })
   * adwin.restore(JSON.parse(saved)) // saved from an ADWIN with delta 0.01
   * ```
   */
  restore(snapshot: ADWINSnapshot): void {
    const fn = 'ADWIN.restore'
    this.load(fn, checkSnapshot<ADWINSnapshot>(fn, snapshot, 'ADWIN', ADWIN_SNAPSHOT_VERSION))
  }

  /** Checks every field of `s` against this detector's options, then takes them all. */
  private load(fn: string, s: ADWINSnapshot): void {
    const { delta, clock, maxBuckets, minWindowLength, gracePeriod } = this
    checkSameOptions(fn, 'ADWIN', snapshotOptions(fn, s.options), {
      delta,
      clock,
      maxBuckets,
      minWindowLength,
      gracePeriod,
    })
    const [width, total, variance] = snapshotFloats(fn, 'window', s.window, 3)
    const tick = snapshotInteger(fn, 'tick', s.tick, 0, Number.MAX_SAFE_INTEGER)
    const levels = snapshotInteger(fn, 'levels', s.levels, 1, MAX_LEVELS)
    if (!Array.isArray(s.counts) || s.counts.length < levels || s.counts.length > MAX_LEVELS)
      throw new SnapshotError(
        `${fn}: counts must be an array of ${levels} to ${MAX_LEVELS} integers, got ${describeValue(s.counts)}`,
      )
    const counts = s.counts.map((c, level) => snapshotInteger(fn, `counts[${level}]`, c, 0, maxBuckets))
    let buckets = 0
    let elements = 0
    for (let level = 0; level < counts.length; level++) {
      buckets += counts[level]
      elements += counts[level] * 2 ** level
    }
    if (elements !== width)
      throw new SnapshotError(`${fn}: the buckets hold ${elements} elements, but the window's width is ${width}`)
    const totals = snapshotFloats(fn, 'totals', s.totals, buckets)
    const variances = snapshotFloats(fn, 'variances', s.variances, buckets)
    const driftDetected = snapshotBoolean(fn, 'driftDetected', s.driftDetected)
    const nDetections = snapshotInteger(fn, 'nDetections', s.nDetections, 0, Number.MAX_SAFE_INTEGER)
    this._width = width
    this._total = total
    this._variance = variance
    this.tick = tick
    this.nLevels = levels
    this.head.fill(0)
    this.count.fill(0)
    let at = 0
    for (let level = 0; level < counts.length; level++) {
      this.count[level] = counts[level]
      for (let k = 0; k < counts[level]; k++, at++) {
        this.totals[level * this.cap + k] = totals[at]
        this.variances[level * this.cap + k] = variances[at]
      }
    }
    this.driftDetected = driftDetected
    this.nDetections = nDetections
  }

  /** Empties the window and zeroes every counter, `nDetections` included. */
  reset(): void {
    this.clearWindow()
    this.driftDetected = false
    this.nDetections = 0
  }

  /**
   * Adds `x` to the window and, on every `clock`-th update, runs the cut test; `driftDetected` then
   * says whether the window was cut. `x` must be a finite number.
   */
  update(x: number): void {
    if (typeof x !== 'number') throw new TypeError(`ADWIN: update expects a number, got ${describeValue(x)}`)
    if (!Number.isFinite(x)) throw new RangeError(`ADWIN: update expects a finite number, got ${describeValue(x)}`)
    if (this.driftDetected) this.clearWindow()
    this.insert(x)
    this.driftDetected = this.detectChange()
    if (this.driftDetected) this.nDetections++
  }

  private clearWindow(): void {
    this._width = 0
    this._total = 0
    this._variance = 0
    this.tick = 0
    this.nLevels = 1
    this.head.fill(0)
    this.count.fill(0)
    this.driftDetected = false
  }

  private insert(x: number): void {
    this.push(0, x, 0)
    // Welford-style update in River's exact operation order, so rounding matches it bit for bit.
    this._width += 1
    const w = this._width
    if (w > 1) {
      const d = x - this._total / (w - 1)
      this._variance += ((w - 1) * d * d) / w
    }
    this._total += x
    this.compress()
  }

  private push(level: number, total: number, variance: number): void {
    const base = level * this.cap
    const slot = base + ((this.head[level] + this.count[level]) % this.cap)
    this.totals[slot] = total
    this.variances[slot] = variance
    this.count[level]++
  }

  /** Merges the two oldest buckets of each overfull level into the next, from level 0 up. */
  private compress(): void {
    const cap = this.cap
    for (let level = 0; this.count[level] === cap; level++) {
      if (level + 1 >= MAX_LEVELS) throw new RangeError(`ADWIN: window exceeds 2^${MAX_LEVELS} elements`)
      const base = level * cap
      const a = base + this.head[level]
      const b = base + ((this.head[level] + 1) % cap)
      const n = 2 ** level
      const d = this.totals[a] / n - this.totals[b] / n
      const merged = this.variances[a] + this.variances[b] + (n * n * d * d) / (n + n)
      if (level + 1 === this.nLevels) this.nLevels++
      this.push(level + 1, this.totals[a] + this.totals[b], merged)
      this.head[level] = (this.head[level] + 2) % cap
      this.count[level] -= 2
    }
  }

  /** Drops the oldest bucket (first of the top level) and returns its size. */
  private dropOldest(): number {
    const level = this.nLevels - 1
    const slot = level * this.cap + this.head[level]
    const n = 2 ** level
    const u = this.totals[slot]
    this._width -= n
    this._total -= u
    const d = u / n - this._total / this._width
    this._variance -= this.variances[slot] + (n * this._width * d * d) / (n + this._width)
    this.head[level] = (this.head[level] + 1) % this.cap
    this.count[level]--
    // With maxBuckets 1 a merge empties its level, so levels under the top can be empty: skip them
    // all, or the next drop would take a bucket from an empty level (width going negative)
    while (this.nLevels > 1 && this.count[this.nLevels - 1] === 0) this.nLevels--
    return n
  }

  private detectChange(): boolean {
    this.tick++
    if (this.tick % this.clock !== 0 || !(this._width > this.gracePeriod)) return false
    const cap = this.cap
    const minLen = this.minWindowLength
    let detected = false
    let rescan = true
    while (rescan) {
      rescan = false
      // Width and variance change only when a bucket is dropped, and a drop restarts the scan.
      const deltaPrime = Math.log((2 * Math.log(this._width)) / this.delta)
      const varianceInWindow = this._variance / this._width
      let n0 = 0
      let n1 = this._width
      let u0 = 0
      let u1 = this._total
      scan: for (let level = this.nLevels - 1; level >= 0; level--) {
        const size = 2 ** level
        const base = level * cap
        const head = this.head[level]
        // Every bucket boundary is a cut point except the window's end, where W1 would be empty.
        const last = level === 0 ? this.count[level] - 1 : this.count[level]
        for (let k = 0; k < last; k++) {
          const u = this.totals[base + ((head + k) % cap)]
          n0 += size
          n1 -= size
          u0 += u
          u1 -= u
          if (n1 < minLen || n0 < minLen) continue
          const m = 1 / (n0 - minLen + 1) + 1 / (n1 - minLen + 1)
          const epsilon = Math.sqrt(2 * m * varianceInWindow * deltaPrime) + (2 / 3) * deltaPrime * m
          if (Math.abs(u0 / n0 - u1 / n1) > epsilon) {
            detected = true
            rescan = true
            this.dropOldest()
            break scan
          }
        }
      }
    }
    return detected
  }
}
