import { describeValue } from '../errors'
import { checkBoolean, checkInteger, checkOneOf, checkOptions } from '../validate'
import { bandHalfWidth, type DtwOptions, dtw } from './dtw'
import { type Envelope, envelope } from './lowerBounds'
import { checkFiniteSeries, zNormalize } from './pointwise'

/** A subsequence of the searched series: inclusive `start` and `end` indices and its DTW distance. */
export interface Match {
  /** Index of the window's first value. */
  start: number
  /** Index of its last value, inclusive (start + query length - 1). */
  end: number
  /** DTW distance to the query (between z-normalised sequences with `normalize`). */
  distance: number
}

/** Options of `findMatches` and `searchMatches`; an unknown name is a `TypeError`. */
export interface FindMatchesOptions {
  /** The k best matches (default 1 when no threshold is given). */
  k?: number
  /** All matches with distance <= threshold (with `k`, at most k of them). */
  threshold?: number
  /** Sakoe-Chiba half-width: samples, or a fraction (< 1) of the query length. Default: none. */
  band?: number
  /** Compare shapes: z-normalise the query and every window (online). Default false. */
  normalize?: boolean
  /** Matches closer than this many samples (start to start) to a better one are trivial and dropped. Default: half the query length. */
  exclusionZone?: number
  /** Per-element cost: `'squared'` (default, as `dtw`) or `'absolute'`. */
  cost?: 'squared' | 'absolute'
}

/** What the search did: how many windows each stage of the cascade removed. */
export interface SearchStats {
  /** Windows of the query's length in the series. */
  windows: number
  /** Windows whose LB_Kim exceeded the threshold. */
  prunedByKim: number
  /** Windows whose LB_Keogh against the query's envelope exceeded the threshold. */
  prunedByKeoghEQ: number
  /** Windows whose LB_Keogh against their own envelope exceeded the threshold. */
  prunedByKeoghEC: number
  /** Windows never examined past their first lower bound because better matches settled the answer. */
  neverExamined: number
  /** Windows dropped as trivial matches of a better one (within `exclusionZone`). */
  excluded: number
  /** Full DTW computations started. */
  dtwComputed: number
  /** Of those, abandoned early above the threshold. */
  dtwAbandoned: number
}

/**
 * Exact subsequence search under DTW (the UCR suite's cascade): every window of the query's
 * length is bounded below by LB_Kim and LB_Keogh against the query's envelope; windows are then
 * examined best bound first, refined by LB_Keogh against their own envelope, and only then
 * compared by early-abandoning DTW. Matches are taken greedily in order of distance (then start),
 * dropping those within `exclusionZone` of a match already taken, until `k` are found or the
 * `threshold` is passed. The result is exact: the same as computing DTW for every window.
 *
 * ```ts
 * findMatches(series, query, { k: 3, band: 0.05, normalize: true })
 * // [{ start: 1200, end: 1327, distance: 3.1 }, ...] sorted by distance, then start
 * ```
 *
 * Parameters: `series` and `query` (finite numbers), `options` as in `FindMatchesOptions`. Bad input
 * is a `TypeError` or `RangeError` whose message starts with `findMatches: `.
 *
 * References: T. Rakthanmanon et al., "Searching and mining trillions of time series
 * subsequences under dynamic time warping", KDD 2012 (the UCR suite); Keogh (2002) for LB_Keogh.
 * @see searchMatches for the cascade's counts, dtw, dtwMatch for a live stream.
 */
export function findMatches(
  series: ArrayLike<number>,
  query: ArrayLike<number>,
  options: FindMatchesOptions = {},
): Match[] {
  return searchMatches(series, query, options).matches
}

/**
 * `findMatches` with the cascade's counts (`SearchStats`), for benchmarks and tuning. Same
 * parameters, same matches.
 * @see findMatches
 */
export function searchMatches(
  series: ArrayLike<number>,
  query: ArrayLike<number>,
  options: FindMatchesOptions = {},
): {
  /** What `findMatches` returns. */
  matches: Match[]
  /** How many windows each stage of the cascade removed. */
  stats: SearchStats
} {
  const search = resolveSearch(series, query, options)
  const stats: SearchStats = {
    windows: 0,
    prunedByKim: 0,
    prunedByKeoghEQ: 0,
    prunedByKeoghEC: 0,
    neverExamined: 0,
    excluded: 0,
    dtwComputed: 0,
    dtwAbandoned: 0,
  }
  if (series.length < search.m) return { matches: [], stats }
  stats.windows = series.length - search.m + 1
  const prepared = prepareSearch(series, query, search)
  const bounded = boundWindows(series, search, prepared, stats)
  const matches = examineBestFirst(series, search, prepared, bounded, stats)
  return { matches, stats }
}

const FIND_MATCHES_OPTIONS = ['k', 'threshold', 'band', 'normalize', 'exclusionZone', 'cost']
const COSTS = ['squared', 'absolute'] as const

/** The options of one search, checked. */
interface SearchSettings {
  readonly m: number
  readonly k: number
  readonly threshold: number
  /** Band half-width in samples. */
  readonly w: number
  readonly zone: number
  readonly squared: boolean
  readonly normalize: boolean
}

function resolveSearch(
  series: ArrayLike<number>,
  query: ArrayLike<number>,
  options: FindMatchesOptions,
  fn = 'findMatches',
): SearchSettings {
  checkFiniteSeries(fn, 'series', series)
  checkFiniteSeries(fn, 'query', query)
  checkOptions(fn, options, FIND_MATCHES_OPTIONS)
  const m = query.length
  if (m === 0) throw new RangeError(`${fn}: the query is empty`)
  const threshold = options.threshold === undefined ? Infinity : checkNotNaN(fn, 'threshold', options.threshold)
  const k =
    options.k === undefined
      ? options.threshold === undefined
        ? 1
        : Infinity
      : options.k === Infinity
        ? Infinity
        : checkInteger(fn, 'k', options.k, { min: 1 })
  const w = bandHalfWidth(fn, options.band, m)
  const zone = checkInteger(fn, 'exclusionZone', options.exclusionZone ?? Math.floor(m / 2), { min: 0 })
  const squared = checkOneOf(fn, 'cost', options.cost ?? 'squared', COSTS) === 'squared'
  const normalize = checkBoolean(fn, 'normalize', options.normalize ?? false)
  return { m, k, threshold, w, zone, squared, normalize }
}

/**
 * Checks `findMatches`' input as `findMatches` does, with errors that start with `fn`: for callers
 * that run the search elsewhere (a worker) and must reject bad input at the call.
 * @internal
 */
export function checkFindMatchesInput(
  fn: string,
  series: ArrayLike<number>,
  query: ArrayLike<number>,
  options: FindMatchesOptions,
): void {
  resolveSearch(series, query, options, fn)
}

/** A number that is not NaN (Infinity allowed: no threshold). */
function checkNotNaN(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got ${describeValue(value)}`)
  if (Number.isNaN(value)) throw new RangeError(`${fn}: ${name} must be a number, got NaN`)
  return value
}

/** What both phases read: the (normalised) query, the envelopes, every window's moments. */
interface PreparedSearch {
  readonly q: Float64Array
  readonly qEnv: Envelope
  /** The series' own envelope, once (Lemire): a window's envelope is a slice of it, normalised affinely. */
  readonly sEnv: Envelope
  readonly mean: Float64Array
  readonly invStd: Float64Array
  /** Scratch for one window. */
  readonly window: Float64Array
}

function prepareSearch(series: ArrayLike<number>, query: ArrayLike<number>, search: SearchSettings): PreparedSearch {
  const { m, w, normalize } = search
  const windows = series.length - m + 1
  const q = normalize ? zNormalize(query) : Float64Array.from(query)
  const mean = new Float64Array(windows)
  const invStd = new Float64Array(windows)
  windowMoments(series, m, normalize, mean, invStd)
  return { q, qEnv: envelope(q, w), sEnv: envelope(series, w), mean, invStd, window: new Float64Array(m) }
}

/** Phase 1's result: every surviving window's lower bound, split at the cap. */
interface BoundedWindows {
  readonly bound: Float64Array
  /** Windows bounded below the cap, examined first. */
  readonly alive: number[]
  /** Windows bounded at or above the cap: they join the heap only if the answer is not settled first. */
  readonly overflow: number[]
  readonly cap: number
}

/**
 * Phase 1: LB_Kim and LB_Keogh EQ (the window against the query's envelope) for every window.
 * A partial LB_Keogh sum is still a lower bound, so the sum stops at `cap`: an estimate of the
 * answer from a few sampled windows (or the threshold). Query points far from the mean come
 * first (as in the UCR suite), so the sum passes the cap after few terms.
 */
function boundWindows(
  series: ArrayLike<number>,
  search: SearchSettings,
  prepared: PreparedSearch,
  stats: SearchStats,
): BoundedWindows {
  const { m, k, threshold, w, squared, normalize } = search
  const { q, qEnv, mean, invStd, window } = prepared
  const windows = stats.windows
  const cost = (d: number) => (squared ? d * d : Math.abs(d))
  const cap = Math.min(threshold, sampledCap(series, windows, m, k, normalize, q, w, squared, window))
  const order = Uint32Array.from(q.keys()).sort((a, b) => Math.abs(q[b]) - Math.abs(q[a]))
  const bound = new Float64Array(windows)
  const alive: number[] = []
  const overflow: number[] = []
  const { upper: qU, lower: qL } = qEnv
  for (let s = 0; s < windows; s++) {
    const mu = mean[s]
    const is = invStd[s]
    const first = (series[s] - mu) * is
    const last = (series[s + m - 1] - mu) * is
    let lb = safe(cost(first - q[0]) + (m > 1 ? cost(last - q[m - 1]) : 0))
    if (lb > threshold) {
      stats.prunedByKim++
      continue
    }
    let keogh = 0
    for (let o = 0; o < m && keogh <= cap; o++) {
      const i = order[o]
      const c = (series[s + i] - mu) * is
      const d = c > qU[i] ? c - qU[i] : c < qL[i] ? qL[i] - c : 0
      keogh += squared ? d * d : d
    }
    keogh = safe(keogh)
    if (keogh > threshold) {
      stats.prunedByKeoghEQ++
      continue
    }
    if (keogh > lb) lb = keogh
    bound[s] = lb
    if (lb < cap) alive.push(s)
    else overflow.push(s)
  }
  return { bound, alive, overflow, cap }
}

/**
 * Phase 2: best bound first. A computed distance is final once no unexamined window's bound is
 * below it; matches are then taken in exact global order of (distance, start).
 */
function examineBestFirst(
  series: ArrayLike<number>,
  search: SearchSettings,
  prepared: PreparedSearch,
  bounded: BoundedWindows,
  stats: SearchStats,
): Match[] {
  const { m, k, threshold, w, zone, squared, normalize } = search
  const { q, sEnv, mean, invStd, window } = prepared
  const { bound, cap } = bounded
  const windows = stats.windows
  let overflow = bounded.overflow
  let candidates = new BoundHeap(bounded.alive, bound)
  const results = new BoundHeap([], new Float64Array(windows))
  const refined = new Uint8Array(windows)
  const excluded = new Uint8Array(windows)
  const matches: Match[] = []
  const dtwOptions: DtwOptions<number> = { band: w, cost: squared ? 'squared' : 'absolute', abandonAbove: threshold }
  const take = (s: number, distance: number) => {
    matches.push({ start: s, end: s + m - 1, distance })
    for (let e = Math.max(0, s - zone), to = Math.min(windows - 1, s + zone); e <= to; e++) excluded[e] = 1
  }
  while (matches.length < k) {
    if (candidates.size === 0 && overflow.length > 0) {
      candidates = new BoundHeap(overflow, bound)
      overflow = []
    }
    // every window in the overflow is bounded by at least the cap
    const nextBound = Math.min(
      candidates.size > 0 ? candidates.peekKey() : Infinity,
      overflow.length > 0 ? cap : Infinity,
    )
    if (results.size > 0 && (results.peekKey() < nextBound || nextBound === Infinity)) {
      const s = results.peek()
      const distance = results.peekKey()
      results.pop()
      if (!excluded[s]) take(s, distance)
      continue
    }
    if (candidates.size === 0) break
    const s = candidates.pop()
    if (excluded[s]) {
      stats.excluded++
      continue
    }
    if (!refined[s]) {
      // LB_Keogh EC: the query against the window's envelope (a slice of the series envelope, normalised)
      refined[s] = 1
      const mu = mean[s]
      const is = invStd[s]
      let keogh = 0
      for (let i = 0; i < m; i++) {
        const u = (sEnv.upper[s + i] - mu) * is
        const l = (sEnv.lower[s + i] - mu) * is
        const qi = q[i]
        const d = qi > u ? qi - u : qi < l ? l - qi : 0
        keogh += squared ? d * d : d
      }
      keogh = safe(keogh)
      // (at the window's edges the series envelope also covers neighbours outside it: wider, so
      // the bound is looser there but still a lower bound, as in the UCR suite)
      if (keogh > threshold) {
        stats.prunedByKeoghEC++
        continue
      }
      if (keogh > bound[s]) {
        candidates.push(s, keogh)
        continue
      }
    }
    normalizeWindow(series, s, m, normalize, window)
    stats.dtwComputed++
    const distance = dtw(window, q, dtwOptions)
    if (distance > threshold) {
      stats.dtwAbandoned++
      continue
    }
    results.push(s, distance)
  }
  stats.neverExamined = candidates.size + overflow.length
  return matches
}

/** Windows whose DTW estimates the cap: a few hundred, more for a larger k. */
const CAP_SAMPLES_PER_MATCH = 32
const CAP_SAMPLES_BASE = 256
/** How much `safe` shaves off a bound: relative and absolute rounding of the rolling moments. */
const BOUND_RELATIVE_SHAVE = 1e-9
const BOUND_ABSOLUTE_SHAVE = 1e-12
/** Rolling window sums are recomputed exactly this often, against drift. */
const MOMENTS_RECOMPUTE_EVERY = 4096
/** A window whose standard deviation is below this times max(1, |mean|) is flat (as in `zNormalize`). */
const FLAT_WINDOW = 1e-12

/**
 * The k-th smallest DTW distance among a few hundred evenly spaced windows (a few milliseconds of
 * DTW): the best matches are no worse, so lower-bound sums may stop there. Only a speed heuristic:
 * any value keeps the search exact.
 */
function sampledCap(
  series: ArrayLike<number>,
  windows: number,
  m: number,
  k: number,
  normalize: boolean,
  q: Float64Array,
  w: number,
  squared: boolean,
  scratch: Float64Array,
): number {
  if (k === Infinity) return Infinity
  const samples = Math.min(windows, CAP_SAMPLES_PER_MATCH * k + CAP_SAMPLES_BASE)
  const distances: number[] = []
  for (let t = 0; t < samples; t++) {
    const s = Math.floor((t * (windows - 1)) / Math.max(1, samples - 1))
    normalizeWindow(series, s, m, normalize, scratch)
    distances.push(dtw(scratch, q, { band: w, cost: squared ? 'squared' : 'absolute' }))
  }
  distances.sort((a, b) => a - b)
  return distances.length >= k ? distances[k - 1] : Infinity
}

/**
 * Bounds are computed from rolling window moments, whose rounding can lift a bound a few ulps
 * above a distance it equals in exact arithmetic (with band 0, LB_Keogh is the distance; two
 * windows of the same shape both have distance 0 up to rounding): shave it, relatively and
 * absolutely, so that pruning and ordering never depend on rounding.
 */
function safe(bound: number): number {
  return Math.max(0, bound * (1 - BOUND_RELATIVE_SHAVE) - BOUND_ABSOLUTE_SHAVE)
}

/** Copies window s into `out`, z-normalised exactly (two passes, as `zNormalize`) when asked: the distances reported do not carry the rolling sums' rounding. */
function normalizeWindow(series: ArrayLike<number>, s: number, m: number, normalize: boolean, out: Float64Array): void {
  for (let i = 0; i < m; i++) out[i] = series[s + i]
  if (normalize) out.set(zNormalize(out))
}

/** Mean and 1/std of every window (rolling sums, recomputed exactly every 4096 windows); identity when not normalising. */
function windowMoments(
  series: ArrayLike<number>,
  m: number,
  normalize: boolean,
  mean: Float64Array,
  invStd: Float64Array,
): void {
  const windows = mean.length
  if (!normalize) {
    invStd.fill(1)
    return
  }
  let sum = 0
  let sumSq = 0
  for (let s = 0; s < windows; s++) {
    if (s % MOMENTS_RECOMPUTE_EVERY === 0) {
      sum = 0
      sumSq = 0
      for (let i = s; i < s + m; i++) {
        sum += series[i]
        sumSq += series[i] * series[i]
      }
    } else {
      const out = series[s - 1]
      const inn = series[s + m - 1]
      sum += inn - out
      sumSq += inn * inn - out * out
    }
    const mu = sum / m
    const variance = Math.max(0, sumSq / m - mu * mu)
    const std = Math.sqrt(variance)
    mean[s] = mu
    // a flat window has no shape: it normalises to zeros, as zNormalize does
    invStd[s] = std > FLAT_WINDOW * Math.max(1, Math.abs(mu)) ? 1 / std : 0
  }
}

/** A binary min-heap of window indices keyed by a number, ties broken by the smaller index. */
class BoundHeap {
  private readonly items: number[]
  private readonly keys: number[]
  constructor(indices: number[], key: Float64Array) {
    this.items = indices
    this.keys = indices.map(i => key[i])
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.down(i)
  }
  get size(): number {
    return this.items.length
  }
  peek(): number {
    return this.items[0]
  }
  peekKey(): number {
    return this.keys[0]
  }
  push(item: number, key: number): void {
    this.items.push(item)
    this.keys.push(key)
    let i = this.items.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(i, p)) break
      this.swap(i, p)
      i = p
    }
  }
  pop(): number {
    const top = this.items[0]
    const lastItem = this.items.pop()!
    const lastKey = this.keys.pop()!
    if (this.items.length > 0) {
      this.items[0] = lastItem
      this.keys[0] = lastKey
      this.down(0)
    }
    return top
  }
  private less(a: number, b: number): boolean {
    return this.keys[a] < this.keys[b] || (this.keys[a] === this.keys[b] && this.items[a] < this.items[b])
  }
  private swap(a: number, b: number): void {
    const ti = this.items[a]
    this.items[a] = this.items[b]
    this.items[b] = ti
    const tk = this.keys[a]
    this.keys[a] = this.keys[b]
    this.keys[b] = tk
  }
  private down(i: number): void {
    const n = this.items.length
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) return
      const r = l + 1
      const c = r < n && this.less(r, l) ? r : l
      if (!this.less(c, i)) return
      this.swap(c, i)
      i = c
    }
  }
}
