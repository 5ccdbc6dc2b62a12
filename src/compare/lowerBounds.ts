import { describeValue } from '../errors'
import { checkInteger, checkNumber, checkOneOf, checkOptions } from '../validate'
import { checkFiniteSeries } from './pointwise'

/** The running maximum and minimum of a series over a window of +-band samples. */
export interface Envelope {
  /** upper[i]: the maximum of x within +-band of i. */
  upper: Float64Array
  /** lower[i]: the minimum of x within +-band of i. */
  lower: Float64Array
}

/**
 * The Keogh envelope of `x`: upper[i] = max(x[i - band .. i + band]), lower[i] = the min,
 * computed in O(n) with Lemire's monotonic deques whatever the band.
 *
 * ```ts
 * envelope([1, 3, 2, 5], 1) // { upper: [3, 3, 5, 5], lower: [1, 1, 2, 2] }
 * ```
 *
 * References: D. Lemire, "Faster retrieval with a two-pass dynamic-time-warping lower bound",
 * Pattern Recognition 42(9) (2009) 2169-2180 (the streaming max/min).
 * @see lbKeogh, which bounds DTW with this envelope.
 */
export function envelope(x: ArrayLike<number>, band: number): Envelope {
  checkFiniteSeries('envelope', 'x', x)
  checkInteger('envelope', 'band', band, { min: 0 })
  const n = x.length
  const upper = new Float64Array(n)
  const lower = new Float64Array(n)
  // deques of indices, as ring-free arrays with head pointers: each index enters and leaves once
  const maxQ = new Int32Array(n)
  const minQ = new Int32Array(n)
  let maxHead = 0
  let maxTail = 0
  let minHead = 0
  let minTail = 0
  for (let k = 0; k < n + band; k++) {
    if (k < n) {
      const v = x[k]
      while (maxTail > maxHead && x[maxQ[maxTail - 1]] <= v) maxTail--
      maxQ[maxTail++] = k
      while (minTail > minHead && x[minQ[minTail - 1]] >= v) minTail--
      minQ[minTail++] = k
    }
    const i = k - band // the window of i is [i - band, i + band]; its right end k has just entered
    if (i < 0) continue
    while (maxQ[maxHead] < i - band) maxHead++
    while (minQ[minHead] < i - band) minHead++
    upper[i] = x[maxQ[maxHead]]
    lower[i] = x[minQ[minHead]]
  }
  return { upper, lower }
}

/**
 * LB_Kim (first and last points): every warping path contains (0, 0) and (n - 1, m - 1), so the
 * cost of those two cells is a lower bound of DTW under any band. O(1).
 *
 * ```ts
 * lbKim([0, 5, 1], [1, 9, 3]) // (0-1)^2 + (1-3)^2 = 5 <= dtw
 * ```
 *
 * References: S.-W. Kim, S. Park, W. W. Chu, "An index-based approach for similarity search
 * supporting time warping in large sequence databases", ICDE 2001; in the first-last form of the
 * UCR suite (Rakthanmanon et al. 2012).
 * @see lbKeogh, dtw
 */
export function lbKim(a: ArrayLike<number>, b: ArrayLike<number>, cost: 'squared' | 'absolute' = 'squared'): number {
  checkFiniteSeries('lbKim', 'a', a)
  checkFiniteSeries('lbKim', 'b', b)
  if (a.length === 0 || b.length === 0) throw new RangeError('lbKim: needs non-empty sequences')
  return lbKimUnchecked(a, b, checkOneOf('lbKim', 'cost', cost, COSTS))
}

/** `lbKim` on non-empty finite sequences already checked, for kernels that call it per candidate. @internal */
export function lbKimUnchecked(a: ArrayLike<number>, b: ArrayLike<number>, cost: 'squared' | 'absolute'): number {
  const c = cost === 'squared' ? squaredCost : absoluteCost
  const first = c(a[0], b[0])
  if (a.length === 1 && b.length === 1) return first
  return first + c(a[a.length - 1], b[b.length - 1])
}

/**
 * LB_Keogh: the cost of `query` outside the envelope of a candidate (built with the same band), a
 * lower bound of the banded DTW between query and candidate of equal length. With `abandonAbove`
 * it stops early and returns the partial sum once that is exceeded (still a valid lower bound).
 *
 * ```ts
 * const env = envelope(candidate, 5)
 * lbKeogh(query, env) <= dtw(query, candidate, { band: 5 }) // always
 * ```
 *
 * References: E. Keogh, "Exact indexing of dynamic time warping", VLDB 2002.
 * @see envelope, lbKim, dtw
 */
export function lbKeogh(
  query: ArrayLike<number>,
  env: Envelope,
  options: {
    /** Per-element cost: `'squared'` (default, as `dtw`) or `'absolute'`. */
    readonly cost?: 'squared' | 'absolute'
    /** Stop once the partial sum exceeds this and return it (still a lower bound). Default: never. */
    readonly abandonAbove?: number
  } = {},
): number {
  const fn = 'lbKeogh'
  checkFiniteSeries(fn, 'query', query)
  checkOptions(fn, options, LB_KEOGH_OPTIONS)
  if (
    env === null ||
    typeof env !== 'object' ||
    !(env.upper instanceof Float64Array) ||
    !(env.lower instanceof Float64Array)
  )
    throw new TypeError(`${fn}: env must be an Envelope (from envelope()), got ${describeValue(env)}`)
  const n = query.length
  if (env.upper.length !== n || env.lower.length !== n) {
    throw new RangeError(`${fn}: needs a query and an envelope of equal length, got ${n} and ${env.upper.length}`)
  }
  const cost = checkOneOf(fn, 'cost', options.cost ?? 'squared', COSTS)
  const abandonAbove =
    options.abandonAbove === undefined ? Infinity : checkNumber(fn, 'abandonAbove', options.abandonAbove)
  return lbKeoghUnchecked(query, env, cost === 'squared', abandonAbove)
}

/**
 * `lbKeogh` on a query and envelope already checked, for kernels that call it per window.
 * @internal
 */
export function lbKeoghUnchecked(
  query: ArrayLike<number>,
  env: Envelope,
  squared: boolean,
  abandonAbove: number,
): number {
  const n = query.length
  const { upper, lower } = env
  let sum = 0
  for (let i = 0; i < n; i++) {
    const q = query[i]
    const d = q > upper[i] ? q - upper[i] : q < lower[i] ? lower[i] - q : 0
    sum += squared ? d * d : d
    if (sum > abandonAbove) return sum
  }
  return sum
}

const COSTS = ['squared', 'absolute'] as const
const LB_KEOGH_OPTIONS = ['cost', 'abandonAbove']
const squaredCost = (x: number, y: number): number => (x - y) ** 2
const absoluteCost = (x: number, y: number): number => Math.abs(x - y)
