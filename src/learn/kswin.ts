import { describeValue } from '../errors'
import { checkSnapshot, decodeFloat64, encodeFloat64, SnapshotError, type SnapshotHeader } from '../snapshot'
import { type Mulberry32, mulberry32 } from '../stats/random'
import { checkFunction, checkInteger, checkOptions, checkProbability } from '../validate'
import { checkSameOptions, snapshotBoolean, snapshotFloats, snapshotInteger, snapshotOptions } from './snapshotFields'

/**
 * P(D_{n,n} >= h/n) for the two-sample Kolmogorov-Smirnov distance of two samples of the same
 * size n drawn from one continuous distribution: the share of monotone lattice paths from (0,0)
 * to (n,n) that reach |x - y| >= h. This is the exact two-sided p-value scipy's `ks_2samp` uses
 * when both samples have n elements (`_compute_prob_outside_square`), the reflection sum
 * 2 sum_k (-1)^(k+1) C(2n, n - kh) / C(2n, n) evaluated Horner-wise from the innermost term so
 * that no large binomial and no cancellation appear. Same operations in the same order as scipy,
 * so the same doubles (scipy's `method='auto'` uses this up to n = 10 000 and an asymptotic
 * value beyond; here it is exact for every n).
 *
 * ```ts
 * ksEqualSizePValue(30, 12) // p-value of D = 12/30 between two samples of 30
 * ```
 */
export function ksEqualSizePValue(n: number, h: number): number {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`ksEqualSizePValue: n must be an integer >= 1, got ${describeValue(n)}`)
  if (!Number.isInteger(h) || h < 0 || h > n)
    throw new RangeError(`ksEqualSizePValue: h must be an integer in [0, ${n}], got ${describeValue(h)}`)
  if (h === 0) return 1
  let p = 0
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let a = 1
    for (let j = 0; j < h; j++) a = ((n - k * h - j) * a) / (n + k * h + j + 1)
    p = a * (1 - p)
  }
  p *= 2
  // Rounding can push a p-value of almost 1 a few ulps past 1 (n = 5, h = 1 already). scipy then
  // falls back to its asymptotic kstwo value, also within ulps of 1; clipping to 1 instead changes
  // no decision short of alpha = 1
  return p < 0 ? 0 : p > 1 ? 1 : p
}

/**
 * h = n D for two ascending-sorted samples of the same size n, D their two-sample
 * Kolmogorov-Smirnov distance max_v |F_a(v) - F_b(v)|: the largest gap between how many of each
 * lie at or below a value, taken after all ties at that value (as scipy's searchsorted 'right').
 *
 * ```ts
 * ksEqualSizeDistance(Float64Array.of(1, 2, 3), Float64Array.of(2, 3, 4)) // 1, so D = 1/3
 * ```
 */
export function ksEqualSizeDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length
  if (b.length !== n)
    throw new RangeError(`ksEqualSizeDistance: samples must have the same length, got ${n} and ${b.length}`)
  let i = 0
  let j = 0
  let h = 0
  // once one sample is used up the gap only shrinks, so the loop may stop there
  while (i < n && j < n) {
    const v = a[i] < b[j] ? a[i] : b[j]
    while (i < n && a[i] <= v) i++
    while (j < n && b[j] <= v) j++
    const gap = i > j ? i - j : j - i
    if (gap > h) h = gap
  }
  return h
}

/** Options of {@link KSWIN}; every default is River's (`river.drift.KSWIN`). */
export interface KSWINOptions {
  /** Significance level of the KS test, in [0, 1]. Default 0.005 (River advises below 0.01). */
  readonly alpha?: number
  /** Length n of the sliding window. Default 100. */
  readonly windowSize?: number
  /** Length r of the recent part, and of the reference sample drawn from the older part. Default 30. */
  readonly statSize?: number
  /** Seed of the reference sampling; re-applied at every reset, as River re-seeds. Default 1. */
  readonly seed?: number
  /** Values to start with (the last `windowSize` are kept), so the first test need not wait. */
  readonly window?: ArrayLike<number>
  /**
   * Source of randomness for the reference sample: given the seed, returns `below(m)`, a uniform
   * integer in [0, m). Default `Math.floor(mulberry32(seed)() * m)`. Passing a port of Python's
   * `random.Random(seed)._randbelow` reproduces River's draws exactly. For `snapshot()` to work with
   * such a source, `below` must carry a `state` property (a JSON-safe value, read at a snapshot and
   * set on a restore); see {@link KSWINRandomBelow}.
   */
  readonly randomBelow?: (seed: number) => KSWINRandomBelow
}

/**
 * What a custom `randomBelow(seed)` returns: `below(m)`, a uniform integer in [0, m), optionally with
 * a readable and settable `state` (any JSON-safe value) so that `KSWIN.snapshot()` can save it and a
 * restore can set it; without one, `snapshot()` throws a `TypeError`.
 */
export interface KSWINRandomBelow {
  /** A uniform integer in [0, m). */
  (m: number): number
  /** The source's state, read at a snapshot and set on a restore (optional; any JSON-safe value). */
  state?: unknown
}

/** The option names `KSWIN` accepts. */
const KSWIN_OPTIONS: readonly string[] = ['alpha', 'windowSize', 'statSize', 'seed', 'window', 'randomBelow']
const KSWIN_SNAPSHOT_VERSION = 1

/** The sampler's part of a {@link KSWINSnapshot}: which source, and its state. */
export interface KSWINRandomState {
  /** `'mulberry32'` for the built-in source, `'custom'` for a `randomBelow` option. */
  readonly source: 'mulberry32' | 'custom'
  /** The built-in generator's 32-bit state, or the custom source's `below.state` (any JSON-safe value). */
  readonly state: unknown
}

/** `KSWIN.snapshot()`: the options, the window (sorted, with arrival numbers), the last test and the PRNG state. */
export interface KSWINSnapshot extends SnapshotHeader {
  /** Always `'KSWIN'`. */
  readonly kind: 'KSWIN'
  /** The layout's version (1). */
  readonly version: number
  /** The options the detector was built with (`window` and `randomBelow` aside). */
  readonly options: {
    /** Significance level of the KS test. */
    readonly alpha: number
    /** Length n of the sliding window. */
    readonly windowSize: number
    /** Length r of the recent part and of the reference sample. */
    readonly statSize: number
    /** Seed of the reference sampling. */
    readonly seed: number
  }
  /** The window's values in ascending order, base64 float64. */
  readonly values: string
  /** The arrival number (0, 1, ... since the last reset) of each value in `values`, base64 float64. */
  readonly arrivals: string
  /** Values that entered the window since the last reset (`options.window` included). */
  readonly entered: number
  /** Updates since the last reset (`count`). */
  readonly count: number
  /** p-value and statistic D of the last test, base64 float64. */
  readonly test: string
  /** Whether the last update detected a change (the next update then resets first). */
  readonly driftDetected: boolean
  /** The reference sampler's state: the built-in mulberry32's 32-bit state, or a custom source's `state`. */
  readonly random: KSWINRandomState
}

/**
 * Checks a snapshot's window: finite values in ascending order, and arrival numbers that are the
 * last `values.length` of `entered`, each once.
 */
function checkSortedWindow(fn: string, values: Float64Array, arrivals: Float64Array, entered: number): void {
  const oldest = entered - values.length
  const seen = new Uint8Array(values.length)
  for (let k = 0; k < values.length; k++) {
    if (!Number.isFinite(values[k]) || (k > 0 && !(values[k - 1] <= values[k])))
      throw new SnapshotError(`${fn}: values must be finite and ascending, got ${values[k]} at ${k}`)
    const pos = arrivals[k] - oldest
    if (!Number.isInteger(pos) || pos < 0 || pos >= values.length || seen[pos] === 1)
      throw new SnapshotError(
        `${fn}: arrivals[${k}] is ${arrivals[k]}, not one of the last ${values.length} of ${entered} arrivals, each once`,
      )
    seen[pos] = 1
  }
}

/**
 * KSWIN, Kolmogorov-Smirnov windowing (Raab, Heusinger & Schleif 2020), as River's `drift.KSWIN`:
 * a sliding window of the last n values; once full, every update draws r indices without
 * replacement from the oldest n - r positions (the reference W) and compares them with the newest
 * r (R) by the two-sample KS test; drift when p <= alpha and D > 0.1. On the update after a
 * drift the detector resets: empty window, re-seeded sampler.
 *
 * The p-value is scipy's exact one for equal sizes (`ksEqualSizePValue`). The sampling
 * mirrors Python's `random.sample` (pool or set method, as Python picks) draw for draw, but is fed
 * by mulberry32 unless `randomBelow` says otherwise, so with the default source a seed does not
 * give River's draws, and on some streams the detection index differs from River's by the luck
 * of the sample. (Not on River's docstring stream: 1016, as River prints, with either source,
 * since there the older part is all old regime when the change enters the recent part.) The
 * window is kept sorted by insertion, so an update costs O(n), sorts nothing and allocates nothing.
 *
 * ```ts
 * const kswin = new KSWIN({ alpha: 0.0001, seed: 42 })
 * for (const x of stream) {
 *   kswin.update(x)
 *   if (kswin.driftDetected) console.log('distribution changed', kswin.pValue)
 * }
 * ```
 *
 * References: Raab, Heusinger & Schleif, "Reactive soft prototype computing for concept drift streams",
 * Neurocomputing 2020.
 * @see ADWIN
 * @see PageHinkley
 */
export class KSWIN {
  /** Significance level of the KS test. */
  readonly alpha: number
  /** Length n of the sliding window. */
  readonly windowSize: number
  /** Length r of the recent part and of the reference sample. */
  readonly statSize: number
  /** Seed of the reference sampling, re-applied at every reset. */
  readonly seed: number
  // the user's source, or undefined for the built-in mulberry32 (whose state `random` holds)
  private readonly createBelow: ((seed: number) => KSWINRandomBelow) | undefined
  private readonly random: Mulberry32
  private below: KSWINRandomBelow
  // The window kept sorted by value, each value with its arrival number (0, 1, ... since the
  // reset), so the KS distance is one merge-free pass over it and no sample is ever sorted
  private readonly sortedValue: Float64Array
  private readonly sortedArrival: Float64Array
  private length = 0
  private arrivals = 0
  private readonly pool: Int32Array
  // chosen[pos] = 1 for the older positions drawn into the reference sample, cleared after the test
  private readonly chosen: Uint8Array
  private readonly picked: Int32Array
  // Python's sample uses its pool method while the population is at most this large
  private readonly poolLimit: number
  private n = 0
  private p = 0
  private d = 0
  private detected = false

  /** A detector with an empty window (or `options.window`); bad options throw a `TypeError` or `RangeError` naming them. */
  constructor(options?: KSWINOptions) {
    const {
      alpha = 0.005,
      windowSize = 100,
      statSize = 30,
      seed = 1,
      window,
      randomBelow,
    } = checkOptions('KSWIN', options, KSWIN_OPTIONS)
    checkProbability('KSWIN', 'alpha', alpha)
    checkInteger('KSWIN', 'statSize', statSize, { min: 1 })
    // River only checks windowSize >= statSize, then Python's sample fails at the first full window
    // unless the older part can supply statSize distinct indices
    checkInteger('KSWIN', 'windowSize', windowSize)
    if (windowSize < 2 * statSize)
      throw new RangeError(
        `KSWIN: windowSize must be an integer >= 2 * statSize = ${2 * statSize}, got ${describeValue(windowSize)}`,
      )
    checkInteger('KSWIN', 'seed', seed)
    checkFunction('KSWIN', 'randomBelow', randomBelow, true)
    if (window !== undefined && (window === null || typeof window !== 'object' || typeof window.length !== 'number'))
      throw new TypeError(`KSWIN: window must be an array of numbers, got ${describeValue(window)}`)
    this.alpha = alpha
    this.windowSize = windowSize
    this.statSize = statSize
    this.seed = seed
    this.createBelow = randomBelow
    this.random = mulberry32(seed)
    this.below = randomBelow === undefined ? m => Math.floor(this.random() * m) : randomBelow(seed)
    this.sortedValue = new Float64Array(windowSize)
    this.sortedArrival = new Float64Array(windowSize)
    this.pool = new Int32Array(windowSize - statSize)
    this.chosen = new Uint8Array(windowSize - statSize)
    this.picked = new Int32Array(statSize)
    this.poolLimit = 21 + (statSize > 5 ? 4 ** Math.ceil(Math.log(statSize * 3) / Math.log(4)) : 0)
    if (window !== undefined) {
      for (let i = 0; i < window.length; i++) {
        if (typeof window[i] !== 'number' || !Number.isFinite(window[i]))
          throw new RangeError(`KSWIN: window[${i}] must be a finite number, got ${describeValue(window[i])}`)
      }
      for (let i = Math.max(0, window.length - windowSize); i < window.length; i++) this.push(window[i])
    }
  }

  /** True when the last `update` detected a change; cleared by the next `update` or `reset`. */
  get driftDetected(): boolean {
    return this.detected
  }

  /** p-value of the last KS test (0 before the first test, as River). */
  get pValue(): number {
    return this.p
  }

  /** KS distance D of the last test, in [0, 1]. */
  get statistic(): number {
    return this.d
  }

  /** Values consumed since the last reset. */
  get count(): number {
    return this.n
  }

  /** Consumes one value; throws a RangeError on a non-finite one, leaving the state untouched. */
  update(x: number): void {
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new RangeError(`KSWIN.update: x must be a finite number, got ${describeValue(x)}`)
    if (this.detected) this.reset()
    this.n++
    this.push(x)
    if (this.length < this.windowSize) {
      this.detected = false
      return
    }
    const r = this.statSize
    const older = this.windowSize - r
    if (older <= this.poolLimit) this.samplePool(older, r)
    else this.sampleRejection(older, r)
    // F_W - F_R counted along the sorted window, read off after each run of equal values
    // (scipy's searchsorted 'right'); values in neither sample only repeat the previous gap
    const value = this.sortedValue
    const arrival = this.sortedArrival
    const oldest = this.arrivals - this.windowSize
    const chosen = this.chosen
    let inReference = 0
    let inRecent = 0
    let h = 0
    for (let k = 0; k < this.windowSize; ) {
      const v = value[k]
      do {
        const pos = (arrival[k] - oldest) | 0 // an integer index keeps the typed-array load on its fast path
        if (pos >= older) inRecent++
        else if (chosen[pos] === 1) inReference++
        k++
      } while (k < this.windowSize && value[k] === v)
      const gap = inReference > inRecent ? inReference - inRecent : inRecent - inReference
      if (gap > h) h = gap
    }
    for (let i = 0; i < r; i++) chosen[this.picked[i]] = 0
    this.d = h / r
    this.p = ksEqualSizePValue(r, h)
    // River also replaces the window by its recent part here, but the reset on the next update
    // empties it anyway, so that step changes nothing observable
    this.detected = this.p <= this.alpha && this.d > 0.1
  }

  /** Forgets everything seen and re-seeds the sampler, as a freshly constructed detector (without `window`). */
  reset(): void {
    this.length = 0
    this.arrivals = 0
    this.n = 0
    this.p = 0
    this.d = 0
    this.detected = false
    if (this.createBelow === undefined) this.random.state = this.seed >>> 0
    else this.below = this.createBelow(this.seed)
  }

  /**
   * The detector's state as a JSON-safe object, sampler included: `KSWIN.fromSnapshot` (or `restore` on
   * a detector with the same options and source) rebuilds it, and the rebuilt detector draws the same
   * reference samples and flags the same drifts as this one would. With a custom `randomBelow` whose
   * `below` has no `state` property this throws a `TypeError` saying so (its draws could not be resumed).
   *
   * ```ts
   * const saved = JSON.stringify(kswin.snapshot())
   * const again = KSWIN.fromSnapshot(JSON.parse(saved))
   * ```
   */
  snapshot(): KSWINSnapshot {
    const { alpha, windowSize, statSize, seed } = this
    return {
      kind: 'KSWIN',
      version: KSWIN_SNAPSHOT_VERSION,
      options: { alpha, windowSize, statSize, seed },
      values: encodeFloat64(this.sortedValue.subarray(0, this.length)),
      arrivals: encodeFloat64(this.sortedArrival.subarray(0, this.length)),
      entered: this.arrivals,
      count: this.n,
      test: encodeFloat64([this.p, this.d]),
      driftDetected: this.detected,
      random: this.randomState(),
    }
  }

  /**
   * A detector in the state `snapshot` describes (from `snapshot()`, possibly through JSON). A snapshot
   * taken with a custom `randomBelow` needs the same source again in `options.randomBelow`, else this
   * throws a `TypeError`; another kind or version, or a damaged field, is a `SnapshotError`; bad
   * options throw as the constructor does.
   *
   * ```ts
   * const kswin = KSWIN.fromSnapshot(JSON.parse(saved))
   * const river = KSWIN.fromSnapshot(JSON.parse(savedRiver), { randomBelow: pythonRandomBelow })
   * ```
   */
  static fromSnapshot(
    snapshot: KSWINSnapshot,
    options?: { readonly randomBelow?: (seed: number) => KSWINRandomBelow },
  ): KSWIN {
    const fn = 'KSWIN.fromSnapshot'
    const s = checkSnapshot<KSWINSnapshot>(fn, snapshot, 'KSWIN', KSWIN_SNAPSHOT_VERSION)
    const { randomBelow } = checkOptions(fn, options, ['randomBelow'])
    const custom = s.random !== null && typeof s.random === 'object' && s.random.source === 'custom'
    if (custom && randomBelow === undefined)
      throw new TypeError(
        `${fn}: the snapshot was taken with a custom randomBelow; pass the same source as options.randomBelow`,
      )
    const saved = snapshotOptions(fn, s.options) as KSWINSnapshot['options']
    const detector = new KSWIN({ ...saved, randomBelow })
    detector.load(fn, s)
    return detector
  }

  /**
   * Replaces this detector's state by the one `snapshot` describes, in place (for holders of an
   * instance). The snapshot must come from a detector with the same options and the same kind of
   * source (built-in or custom), else a `SnapshotError` names the difference; a damaged field is a
   * `SnapshotError` too, and leaves this detector untouched.
   *
   * ```ts
   * const kswin = new KSWIN({ alpha: 0.0001, seed: 42 })
   * kswin.restore(JSON.parse(saved)) // saved from a KSWIN with the same options
   * ```
   */
  restore(snapshot: KSWINSnapshot): void {
    const fn = 'KSWIN.restore'
    this.load(fn, checkSnapshot<KSWINSnapshot>(fn, snapshot, 'KSWIN', KSWIN_SNAPSHOT_VERSION))
  }

  /** The sampler's state for a snapshot; a custom source without a `state` is a `TypeError`. */
  private randomState(): KSWINSnapshot['random'] {
    if (this.createBelow === undefined) return { source: 'mulberry32', state: this.random.state }
    let state: unknown
    try {
      state = 'state' in this.below ? this.below.state : undefined
    } catch (error) {
      throw new TypeError(
        `KSWIN.snapshot: reading the state of the custom randomBelow threw: ${describeValue(error)}`,
        {
          cause: error,
        },
      )
    }
    if (state === undefined)
      throw new TypeError(
        'KSWIN.snapshot: the custom randomBelow source has no readable state (its below function carries no `state` property), so its draws cannot be resumed from a snapshot',
      )
    return { source: 'custom', state }
  }

  /** Checks every field of `s` against this detector's options, then takes them all. */
  private load(fn: string, s: KSWINSnapshot): void {
    const { alpha, windowSize, statSize, seed } = this
    checkSameOptions(fn, 'KSWIN', snapshotOptions(fn, s.options), { alpha, windowSize, statSize, seed })
    const random = s.random as Partial<KSWINSnapshot['random']> | null
    if (random === null || typeof random !== 'object' || (random.source !== 'mulberry32' && random.source !== 'custom'))
      throw new SnapshotError(
        `${fn}: random must be { source: "mulberry32" | "custom", state }, got ${describeValue(random)}`,
      )
    const mine = this.createBelow === undefined ? 'mulberry32' : 'custom'
    if (random.source !== mine)
      throw new SnapshotError(`${fn}: the snapshot's random source is ${random.source}, this KSWIN's is ${mine}`)
    const builtInState = mine === 'mulberry32' ? snapshotInteger(fn, 'random.state', random.state, 0, 0xffffffff) : 0
    const values = decodeFloat64(fn, 'values', s.values)
    if (values.length > windowSize)
      throw new SnapshotError(`${fn}: values holds ${values.length} values, more than windowSize = ${windowSize}`)
    const length = values.length
    const arrivals = snapshotFloats(fn, 'arrivals', s.arrivals, length)
    const entered = snapshotInteger(fn, 'entered', s.entered, length, Number.MAX_SAFE_INTEGER)
    if (entered !== length && length !== windowSize)
      throw new SnapshotError(`${fn}: entered is ${entered} but the window holds ${length} of ${windowSize} values`)
    checkSortedWindow(fn, values, arrivals, entered)
    const count = snapshotInteger(fn, 'count', s.count, 0, entered)
    const [p, d] = snapshotFloats(fn, 'test', s.test, 2)
    if (!(p >= 0 && p <= 1 && d >= 0 && d <= 1))
      throw new SnapshotError(`${fn}: test must hold a p-value and a distance in [0, 1], got ${p} and ${d}`)
    const detected = snapshotBoolean(fn, 'driftDetected', s.driftDetected)
    if (mine === 'custom') {
      if (random.state === undefined) throw new SnapshotError(`${fn}: random.state is missing`)
      try {
        this.below.state = random.state
      } catch (error) {
        throw new SnapshotError(`${fn}: setting the state of the custom randomBelow threw: ${describeValue(error)}`, {
          cause: error,
        })
      }
    } else this.random.state = builtInState
    this.sortedValue.set(values)
    this.sortedArrival.set(arrivals)
    this.length = length
    this.arrivals = entered
    this.n = count
    this.p = p
    this.d = d
    this.detected = detected
  }

  // Python's random.sample(range(older), r) has two methods and picks by size; both are mirrored
  // draw for draw so that a Python-compatible randomBelow reproduces River's reference samples

  /** Pool method: pick pool[j], move the last live entry into the hole; the pool starts as the identity. */
  private samplePool(older: number, r: number): void {
    const pool = this.pool
    for (let i = 0; i < older; i++) pool[i] = i
    for (let i = 0; i < r; i++) {
      const live = older - i
      const j = this.draw(live)
      this.picked[i] = pool[j]
      this.chosen[pool[j]] = 1
      pool[j] = pool[live - 1]
    }
  }

  /** Set method: redraw until an index not taken yet comes up. */
  private sampleRejection(older: number, r: number): void {
    const chosen = this.chosen
    for (let i = 0; i < r; i++) {
      let j = this.draw(older)
      while (chosen[j] === 1) j = this.draw(older)
      chosen[j] = 1
      this.picked[i] = j
    }
  }

  private draw(m: number): number {
    const j = this.below(m)
    if (!(j >= 0 && j < m) || j !== Math.floor(j)) {
      // leave no half-drawn sample marked behind the error
      this.chosen.fill(0)
      throw new RangeError(`KSWIN: randomBelow(${m}) returned ${describeValue(j)}, not an integer in [0, ${m})`)
    }
    return j
  }

  /** Adds x to the sorted window, first dropping the oldest value when the window is full. */
  private push(x: number): void {
    const value = this.sortedValue
    const arrival = this.sortedArrival
    let size = this.length
    if (size === this.windowSize) {
      const oldest = this.arrivals - size
      let k = 0
      while (arrival[k] !== oldest) k++
      for (; k < size - 1; k++) {
        value[k] = value[k + 1]
        arrival[k] = arrival[k + 1]
      }
      size--
    }
    let k = size
    while (k > 0 && value[k - 1] > x) {
      value[k] = value[k - 1]
      arrival[k] = arrival[k - 1]
      k--
    }
    value[k] = x
    arrival[k] = this.arrivals
    this.arrivals++
    this.length = size + 1
  }
}
