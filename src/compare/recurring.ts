/**
 * Recurring patterns inside one sequence: exact repeats of tokens (`findRecurring`, by a suffix
 * array) and approximate repeats of a numeric series under dynamic time warping
 * (`findSimilarRecurring`, by pruned all-pairs DTW and connected components).
 */
import { describeValue } from '../errors'
import { checkBoolean, checkFunction, checkInteger, checkOneOf, checkOptions } from '../validate'
import { bandHalfWidth, checkBand, type DtwOptions, dtw } from './dtw'
import { envelope, lbKeoghUnchecked, lbKimUnchecked } from './lowerBounds'
import { checkFiniteSeries } from './pointwise'

// ---------------------------------------------------------------------------------------------
// Exact repeats
// ---------------------------------------------------------------------------------------------

/** Options of `findRecurring`; an unknown name is a `TypeError`. */
export interface RecurringOptions<T> {
  /** Shortest pattern reported, an integer >= 1. */
  minLength: number
  /** Longest pattern reported, an integer >= `minLength`. Bounds the output size (see `findRecurring`). */
  maxLength: number
  /**
   * Token equality; default SameValueZero (`Map` key equality: `NaN` equals `NaN`, `0` equals `-0`),
   * and UTF-16 code units for a string. A custom one must be an equivalence relation (reflexive,
   * symmetric, transitive); it is called O(n * distinct tokens) times to give each token an id.
   */
  equals?: (x: T, y: T) => boolean
}

/** One recurring pattern: its tokens, its length, and every start index where it occurs. */
export interface RecurringPattern<P> {
  /** The tokens of the first occurrence (a string for string input, else a new array). */
  pattern: P
  /** Tokens in the pattern. */
  length: number
  /** All start indices, ascending; overlapping occurrences included. At least two. */
  occurrences: number[]
}

/**
 * Every contiguous run of tokens (substring) of length in [`minLength`, `maxLength`] that occurs
 * at least twice in `tokens`, with all its start indices (overlapping occurrences included).
 * Sorted by length descending, then by first occurrence.
 *
 * Exact: a suffix array (prefix doubling with radix sort, O(n log n)) and its LCP array (Kasai),
 * then a bottom-up walk over the LCP intervals: an interval of suffixes sharing a prefix of `l`
 * tokens whose enclosing interval shares only `p < l` is one repeated pattern for each length in
 * (p, l]. Tokens are compared, never hashed, so there are no collisions to get wrong.
 *
 * Output size: every length is reported on its own, so the result can be large: a run of one
 * repeated token of length n gives, for each length L, one pattern with n - L + 1 occurrences,
 * about n * (maxLength - minLength + 1) numbers in all. Time is O(n log n + output), where
 * output counts every occurrence index returned; `maxLength` is what bounds it.
 *
 * ```ts
 * findRecurring('abcabc', { minLength: 2, maxLength: 3 })
 * // [{ pattern: 'abc', length: 3, occurrences: [0, 3] },
 * //  { pattern: 'ab', length: 2, occurrences: [0, 3] },
 * //  { pattern: 'bc', length: 2, occurrences: [1, 4] }]
 * findRecurring('aaaa', { minLength: 2, maxLength: 2 }) // [{ pattern: 'aa', length: 2, occurrences: [0, 1, 2] }]
 * findRecurring([1, NaN, 1, NaN], { minLength: 2, maxLength: 2 }) // [{ pattern: [1, NaN], length: 2, occurrences: [0, 2] }]
 * ```
 *
 * @throws TypeError when `tokens` is neither a string nor an array-like, or `equals` is not a function.
 * @throws RangeError when `minLength` is not an integer >= 1 or `maxLength` not an integer >= `minLength`.
 */
export function findRecurring(tokens: string, options: RecurringOptions<string>): Array<RecurringPattern<string>>
/** `findRecurring` over an array of tokens: each pattern is reported as an array of them. */
export function findRecurring<T>(tokens: ArrayLike<T>, options: RecurringOptions<T>): Array<RecurringPattern<T[]>>
export function findRecurring<T>(
  tokens: ArrayLike<T> | string,
  options: RecurringOptions<T>,
): Array<RecurringPattern<T[] | string>> {
  checkTokens(tokens)
  const fn = 'findRecurring'
  checkOptions(fn, options, RECURRING_OPTIONS, true)
  const minLength = checkInteger(fn, 'minLength', options.minLength, { min: 1 })
  const maxLength = checkInteger(fn, 'maxLength', options.maxLength, { min: minLength })
  const equals = checkFunction<(a: T, b: T) => boolean>(fn, 'equals', options.equals)

  const n = tokens.length
  if (n < 2 || minLength > n - 1) return []
  const { ids, alphabet } = encodeTokens(tokens, equals)
  const sa = suffixArray(ids, alphabet)
  const lcp = lcpArray(ids, sa)

  const patternOf = (start: number, length: number): T[] | string =>
    typeof tokens === 'string'
      ? tokens.slice(start, start + length)
      : Array.from({ length }, (_, k) => (tokens as ArrayLike<T>)[start + k])
  const out: Array<RecurringPattern<T[] | string>> = []
  /** Reports the interval sa[lb..rb] (>= 2 suffixes) sharing `shared` tokens, inside one sharing `parent`. */
  const report = (lb: number, rb: number, shared: number, parent: number): void => {
    const from = Math.max(parent + 1, minLength)
    const to = Math.min(shared, maxLength)
    if (from > to) return
    const starts = Array.from(sa.subarray(lb, rb + 1)).sort((x, y) => x - y)
    for (let length = from; length <= to; length++) {
      out.push({ pattern: patternOf(starts[0], length), length, occurrences: length === to ? starts : starts.slice() })
    }
  }
  // bottom-up traversal of the lcp-interval tree (Abouelhoda, Kurtz & Ohlebusch 2004)
  const stackLcp: number[] = [0]
  const stackLb: number[] = [0]
  for (let i = 1; i <= n; i++) {
    const current = i < n ? lcp[i] : 0
    let lb = i - 1
    while (current < stackLcp[stackLcp.length - 1]) {
      const shared = stackLcp.pop() as number
      const intervalLb = stackLb.pop() as number
      report(intervalLb, i - 1, shared, Math.max(current, stackLcp[stackLcp.length - 1]))
      lb = intervalLb
    }
    if (current > stackLcp[stackLcp.length - 1]) {
      stackLcp.push(current)
      stackLb.push(lb)
    }
  }
  out.sort((x, y) => y.length - x.length || x.occurrences[0] - y.occurrences[0])
  return out
}

function checkTokens(tokens: unknown): void {
  if (typeof tokens === 'string') return
  if (tokens !== null && typeof tokens === 'object') {
    const length = (tokens as { length?: unknown }).length
    if (typeof length === 'number' && Number.isSafeInteger(length) && length >= 0) return
  }
  throw new TypeError(`findRecurring: tokens must be a string or an array-like, got ${describeValue(tokens)}`)
}

/** Dense integer ids 0..alphabet-1 for the tokens, equal tokens getting equal ids. */
function encodeTokens<T>(
  tokens: ArrayLike<T> | string,
  equals: ((x: T, y: T) => boolean) | undefined,
): { ids: Int32Array; alphabet: number } {
  const n = tokens.length
  const ids = new Int32Array(n)
  if (equals !== undefined) {
    const representatives: T[] = []
    for (let i = 0; i < n; i++) {
      const x = tokens[i] as T
      let id = 0
      while (id < representatives.length && !equals(representatives[id], x)) id++
      if (id === representatives.length) representatives.push(x)
      ids[i] = id
    }
    return { ids, alphabet: representatives.length }
  }
  const seen = new Map<unknown, number>()
  const isString = typeof tokens === 'string'
  for (let i = 0; i < n; i++) {
    const x = isString ? (tokens as string).charCodeAt(i) : tokens[i]
    let id = seen.get(x)
    if (id === undefined) {
      id = seen.size
      seen.set(x, id)
    }
    ids[i] = id
  }
  return { ids, alphabet: seen.size }
}

/**
 * The suffix array of `s` (ids in 0..alphabet-1) by prefix doubling: after round k the suffixes
 * are sorted by their first 2k ids, with a radix sort on (rank of the first k, rank of the next k).
 */
function suffixArray(s: Int32Array, alphabet: number): Int32Array {
  const n = s.length
  const sa = new Int32Array(n)
  if (n === 0) return sa
  let rank = new Int32Array(n)
  let next = new Int32Array(n)
  const bySecond = new Int32Array(n)
  const count = new Int32Array(Math.max(alphabet, n) + 1)
  for (let i = 0; i < n; i++) count[s[i] + 1]++
  for (let c = 1; c <= alphabet; c++) count[c] += count[c - 1]
  for (let i = 0; i < n; i++) sa[count[s[i]]++] = i
  let classes = 1
  rank[sa[0]] = 0
  for (let j = 1; j < n; j++) {
    if (s[sa[j]] !== s[sa[j - 1]]) classes++
    rank[sa[j]] = classes - 1
  }
  for (let k = 1; classes < n; k *= 2) {
    // order by the second key: suffixes shorter than k + 1 have none (smallest), then sa shifted
    let p = 0
    for (let i = Math.max(0, n - k); i < n; i++) bySecond[p++] = i
    for (let j = 0; j < n; j++) if (sa[j] >= k) bySecond[p++] = sa[j] - k
    // stable counting sort by the first key
    count.fill(0, 0, classes + 1)
    for (let i = 0; i < n; i++) count[rank[i] + 1]++
    for (let c = 1; c <= classes; c++) count[c] += count[c - 1]
    for (let q = 0; q < n; q++) {
      const i = bySecond[q]
      sa[count[rank[i]]++] = i
    }
    classes = 1
    next[sa[0]] = 0
    for (let j = 1; j < n; j++) {
      const a = sa[j - 1]
      const b = sa[j]
      const a2 = a + k < n ? rank[a + k] : -1
      const b2 = b + k < n ? rank[b + k] : -1
      if (rank[a] !== rank[b] || a2 !== b2) classes++
      next[b] = classes - 1
    }
    const t = rank
    rank = next
    next = t
  }
  return sa
}

/** lcp[r] = length of the longest common prefix of suffixes sa[r - 1] and sa[r] (lcp[0] = 0), by Kasai's algorithm. */
function lcpArray(s: Int32Array, sa: Int32Array): Int32Array {
  const n = s.length
  const rank = new Int32Array(n)
  for (let r = 0; r < n; r++) rank[sa[r]] = r
  const lcp = new Int32Array(n)
  let h = 0
  for (let i = 0; i < n; i++) {
    const r = rank[i]
    if (r === 0) {
      h = 0
      continue
    }
    const j = sa[r - 1]
    while (i + h < n && j + h < n && s[i + h] === s[j + h]) h++
    lcp[r] = h
    if (h > 0) h--
  }
  return lcp
}

// ---------------------------------------------------------------------------------------------
// Approximate repeats under DTW
// ---------------------------------------------------------------------------------------------

/** Options of `findSimilarRecurring`; an unknown name is a `TypeError`. */
export interface SimilarRecurringOptions {
  /** Window length in samples, an integer >= 1. Every start position 0..n - length is a window. */
  length: number
  /** Two windows are linked when their DTW distance is <= this (a number >= 0, in the units of `cost`). */
  maxDistance: number
  /** Sakoe-Chiba band as in `dtw`: samples, or a fraction in (0, 1) of `length`. Default: no band. */
  band?: number
  /** Per-sample cost as in `dtw`; default `'squared'` (accumulated, no square root). */
  cost?: 'squared' | 'absolute'
  /** Z-normalise each window (as `zNormalize`) before comparing, so shape matters and offset and scale do not. Default false. */
  normalize?: boolean
}

/** A group of mutually reachable similar windows. */
export interface SimilarGroup {
  /** Start indices of the windows, ascending; at least two. */
  members: number[]
  /** The member whose summed DTW distance to the other members is least (the smallest index on ties). */
  medoid: number
}

/**
 * Groups of windows of `length` samples that recur in `series` up to DTW distance `maxDistance`.
 *
 * The groups are the connected components (single linkage) of the graph whose nodes are all
 * windows and whose edges join two windows whose DTW distance is <= `maxDistance`. Trivial
 * matches are skipped: windows starting fewer than `ceil(length / 2)` samples apart (overlapping by
 * more than half) are never linked directly. They can still fall into one group through other
 * windows, so an occurrence of a motif often shows up as a short run of neighbouring starts.
 * Only groups of at least two windows are returned, sorted by size descending, then by first member.
 *
 * Pruning keeps the result exact: a pair already in one component is skipped, then LB_Kim, then
 * LB_Keogh against the candidate's envelope (with early abandoning), then DTW with
 * `abandonAbove: maxDistance`. Worst case O(n^2) pairs of O(length * band) DTW; memory O(n + length).
 * The medoid costs all pairwise DTW distances inside each group, O(size^2) DTW calls.
 *
 * ```ts
 * const bump = [0, 3, 6, 3, 0]
 * const x = [...bump, 9, 9, 9, 9, ...bump, -7, -7, -7]
 * findSimilarRecurring(x, { length: 5, maxDistance: 0 })
 * // [{ members: [0, 9], medoid: 0 }]
 * ```
 *
 * @throws TypeError when `series` is not an array of finite numbers (naming the first bad index).
 * @throws RangeError when `length` is not an integer >= 1, `maxDistance` not a number >= 0, or `band`/`cost` are invalid.
 *
 * References: Sakoe and Chiba (1978) for the band; Keogh (2002) and Rakthanmanon et al. (2012) for
 * the lower bounds that prune pairs.
 * @see findRecurring for exact repeats of tokens, findMatches to search for a given query.
 */
export function findSimilarRecurring(series: ArrayLike<number>, options: SimilarRecurringOptions): SimilarGroup[] {
  const fn = 'findSimilarRecurring'
  checkFiniteSeries(fn, 'series', series)
  checkOptions(fn, options, SIMILAR_RECURRING_OPTIONS, true)
  const length = checkInteger(fn, 'length', options.length, { min: 1 })
  const maxDistance = checkMaxDistance(fn, options.maxDistance)
  const { band } = options
  checkBand(fn, band)
  const cost = checkOneOf(fn, 'cost', options.cost ?? 'squared', COSTS)
  const normalize = checkBoolean(fn, 'normalize', options.normalize ?? false)
  if (series.length - length + 1 < 2) return []
  const windows = new SeriesWindows(series, length, normalize)
  const dtwOptions: DtwOptions<number> = { band, cost }
  const parent = linkSimilarWindows(windows, bandHalfWidth(fn, band, length), maxDistance, dtwOptions)
  return groupsWithMedoids(windows, parent, dtwOptions)
}

const RECURRING_OPTIONS = ['minLength', 'maxLength', 'equals']
/** A number >= 0; Infinity links every pair that is not a trivial match. */
function checkMaxDistance(fn: string, value: unknown): number {
  if (typeof value !== 'number')
    throw new TypeError(`${fn}: maxDistance must be a number >= 0, got ${describeValue(value)}`)
  if (!(value >= 0)) throw new RangeError(`${fn}: maxDistance must be a number >= 0, got ${describeValue(value)}`)
  return value
}

const SIMILAR_RECURRING_OPTIONS = ['length', 'maxDistance', 'band', 'cost', 'normalize']
const COSTS = ['squared', 'absolute'] as const

/** The windows of `length` samples of a series, each read raw or z-normalised (the arithmetic of `zNormalize`). */
class SeriesWindows {
  readonly count: number
  private readonly x: Float64Array
  private readonly mean: Float64Array
  /** The standard deviation, or 0 for a constant window. */
  private readonly scale: Float64Array

  constructor(
    series: ArrayLike<number>,
    readonly length: number,
    private readonly normalize: boolean,
  ) {
    this.count = series.length - length + 1
    this.x = Float64Array.from(series)
    this.mean = new Float64Array(normalize ? this.count : 0)
    this.scale = new Float64Array(normalize ? this.count : 0)
    if (!normalize) return
    const x = this.x
    for (let i = 0; i < this.count; i++) {
      let m = 0
      for (let k = 0; k < length; k++) m += x[i + k]
      m /= length
      let variance = 0
      for (let k = 0; k < length; k++) variance += (x[i + k] - m) ** 2
      const std = Math.sqrt(variance / length)
      this.mean[i] = m
      this.scale[i] = std > 1e-12 * Math.max(1, Math.abs(m)) ? std : 0
    }
  }

  /** Window i, written into `into`. */
  into(i: number, into: Float64Array): Float64Array {
    const { x, length } = this
    if (!this.normalize) {
      for (let k = 0; k < length; k++) into[k] = x[i + k]
    } else if (this.scale[i] === 0) into.fill(0)
    else for (let k = 0; k < length; k++) into[k] = (x[i + k] - this.mean[i]) / this.scale[i]
    return into
  }

  /** Sample k of window i. */
  at(i: number, k: number): number {
    if (!this.normalize) return this.x[i + k]
    return this.scale[i] === 0 ? 0 : (this.x[i + k] - this.mean[i]) / this.scale[i]
  }
}

/**
 * Union-find over the windows: links every pair within `maxDistance` that is not a trivial match,
 * pruned by component, LB_Kim, LB_Keogh and early-abandoning DTW. Returns the parent array.
 */
function linkSimilarWindows(
  windows: SeriesWindows,
  halfWidth: number,
  maxDistance: number,
  dtwOptions: DtwOptions<number>,
): Int32Array {
  const { count, length } = windows
  const cost = dtwOptions.cost === 'absolute' ? 'absolute' : 'squared'
  const exclusion = Math.ceil(length / 2)
  // LB_Keogh sums different terms from DTW, so in floating point it may round a hair above it
  const pruneAbove = maxDistance + 1e-9 * Math.max(1, maxDistance)
  const abandoning = { ...dtwOptions, abandonAbove: maxDistance }
  const ends = length === 1 ? 1 : 2
  const endsI = new Float64Array(ends)
  const endsJ = new Float64Array(ends)
  const parent = new Int32Array(count)
  for (let i = 0; i < count; i++) parent[i] = i
  const candidate = new Float64Array(length)
  const query = new Float64Array(length)
  for (let j = exclusion; j < count; j++) {
    windows.into(j, candidate)
    const env = envelope(candidate, halfWidth)
    endsJ[0] = candidate[0]
    endsJ[ends - 1] = candidate[length - 1]
    for (let i = 0; i + exclusion <= j; i++) {
      const rootI = findRoot(parent, i)
      const rootJ = findRoot(parent, j)
      if (rootI === rootJ) continue
      endsI[0] = windows.at(i, 0)
      endsI[ends - 1] = windows.at(i, length - 1)
      if (lbKimUnchecked(endsI, endsJ, cost) > pruneAbove) continue
      windows.into(i, query)
      if (lbKeoghUnchecked(query, env, cost === 'squared', pruneAbove) > pruneAbove) continue
      if (dtw(query, candidate, abandoning) <= maxDistance) parent[rootI] = rootJ
    }
  }
  return parent
}

/** The root of i's component, halving the path on the way. */
function findRoot(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]]
    i = parent[i]
  }
  return i
}

/** The components of two windows or more, each with its medoid, largest first, then by first member. */
function groupsWithMedoids(windows: SeriesWindows, parent: Int32Array, dtwOptions: DtwOptions<number>): SimilarGroup[] {
  const components = new Map<number, number[]>()
  for (let i = 0; i < windows.count; i++) {
    const root = findRoot(parent, i)
    const members = components.get(root)
    if (members === undefined) components.set(root, [i])
    else members.push(i)
  }
  const groups: SimilarGroup[] = []
  const one = new Float64Array(windows.length)
  const other = new Float64Array(windows.length)
  for (const members of components.values()) {
    if (members.length < 2) continue
    const sums = new Float64Array(members.length)
    for (let a = 0; a < members.length; a++) {
      windows.into(members[a], one)
      for (let b = a + 1; b < members.length; b++) {
        const d = dtw(one, windows.into(members[b], other), dtwOptions)
        sums[a] += d
        sums[b] += d
      }
    }
    let best = 0
    for (let a = 1; a < members.length; a++) if (sums[a] < sums[best]) best = a
    groups.push({ members, medoid: members[best] })
  }
  groups.sort((g, h) => h.members.length - g.members.length || g.members[0] - h.members[0])
  return groups
}
