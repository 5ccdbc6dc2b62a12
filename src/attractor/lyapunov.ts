import { checkFiniteSeries } from '../compare/pointwise'
import { describeValue } from '../errors'
import { standardDeviation } from '../stats/moments'
import { checkEmbeddingParameters, embedUnchecked } from './embedding'
import { estimateDelay } from './estimateDelay'
import { estimateDimension } from './estimateDimension'
import { KdTree } from './kdTree'
import { meanPeriod } from './meanPeriod'

export interface LyapunovOptions {
  /** Embedding dimension; estimated by false nearest neighbours when omitted. */
  readonly dimension?: number
  /** Embedding delay in samples; estimated from mutual information and autocorrelation when omitted. */
  readonly delay?: number
  /** Sampling interval, so the exponent is per unit time (default 1: per sample). */
  readonly dt?: number
  /** Neighbours must be more than this many samples apart (default: the mean period). */
  readonly theilerWindow?: number
  /** Steps k of the divergence curve to fit, inclusive (default: chosen from the curve). */
  readonly fitRange?: readonly [number, number]
  /** Length of the divergence curve (default: 10 mean periods, at most a quarter of the points). */
  readonly maxSteps?: number
}

export interface LyapunovResult {
  /** Largest Lyapunov exponent per unit time (per sample when dt is 1), in nats. */
  readonly exponent: number
  /** Mean log distance of the neighbour pairs after k steps, k = 0..maxSteps (natural log). */
  readonly divergence: Float64Array
  /** The steps fitted by least squares and the fit's coefficient of determination. */
  readonly fit: { readonly from: number; readonly to: number; readonly r2: number }
  readonly dimension: number
  readonly delay: number
  readonly theilerWindow: number
  /** Neighbour pairs averaged (points whose nearest neighbour is a repeat to rounding are left out). */
  readonly pairs: number
}

/**
 * Distances below this many standard deviations are rounding residue, not geometry: a sine whose
 * period is a fraction of samples repeats its states to a few ulps, and the log of such residues
 * would swamp the curve.
 */
const ROUNDING_FLOOR = 1e-9

/** Nats below the divergence plateau where the automatic fit stops: the curve bends well before it saturates. */
const SATURATION_MARGIN = 1.5

/**
 * The largest Lyapunov exponent by Rosenstein, Collins & De Luca (1993): embed the series, pair each
 * point with its nearest neighbour outside a Theiler window (found with a k-d tree, so the search is
 * O(N log N) where nolds builds the N x N distance matrix), follow each pair for k = 0..maxSteps
 * steps and average ln distance; the slope of that curve's linear part is the exponent.
 *
 * The automatic fit range ends 1.5 nats below the plateau the curve saturates at and starts where
 * the fit is most linear (skipping the transient while the separation turns into the unstable
 * direction). A curve that never rises that far (a limit cycle, a stable point, noise) is fitted over
 * its last three quarters. Throws a `RangeError` for bad options, a series too short for the
 * embedding and curve, or one with no two distinct neighbouring states (constant or exactly periodic).
 *
 * ```ts
 * const x = new Float64Array(1000); x[0] = 0.3
 * for (let i = 1; i < x.length; i++) x[i] = 4 * x[i - 1] * (1 - x[i - 1])
 * lyapunovRosenstein(x, { dimension: 1, delay: 1 }).exponent // ~0.693 = ln 2
 * ```
 */
export function lyapunovRosenstein(series: ArrayLike<number>, options: LyapunovOptions = {}): LyapunovResult {
  checkFiniteSeries(series, 'series')
  const dt = options.dt ?? 1
  if (typeof dt !== 'number' || !(dt > 0) || !Number.isFinite(dt))
    throw new RangeError(`dt must be a finite number > 0, got ${describeValue(dt)}`)
  const delay = options.delay ?? embeddingDelay(series)
  const dimension = options.dimension ?? estimateDimension(series, delay)
  checkEmbeddingParameters(dimension, delay)
  const period = meanPeriod(series)
  const theilerWindow = options.theilerWindow ?? (Number.isFinite(period) ? Math.ceil(period) : 1)
  if (!Number.isInteger(theilerWindow) || theilerWindow < 0)
    throw new RangeError(`theilerWindow must be an integer >= 0, got ${describeValue(theilerWindow)}`)
  const count = series.length - (dimension - 1) * delay
  const maxSteps =
    options.maxSteps ??
    Math.max(2, Math.min(Math.floor(count / 4), Math.max(20, Math.ceil(10 * (Number.isFinite(period) ? period : 2)))))
  if (!Number.isInteger(maxSteps) || maxSteps < 2)
    throw new RangeError(`maxSteps must be an integer >= 2, got ${describeValue(maxSteps)}`)
  const fitRange = options.fitRange
  if (fitRange !== undefined) checkFitRange(fitRange, maxSteps)
  const minimumLength = (dimension - 1) * delay + maxSteps + 2 * theilerWindow + 10
  if (series.length < minimumLength) {
    throw new RangeError(
      `lyapunovRosenstein needs at least ${minimumLength} values for dimension ${dimension}, delay ${delay}, theilerWindow ${theilerWindow} and maxSteps ${maxSteps}, got ${series.length}`,
    )
  }

  const { divergence, pairs } = divergenceCurve(series, dimension, delay, theilerWindow, maxSteps)
  if (pairs === 0)
    throw new RangeError(
      'lyapunovRosenstein found no two distinct neighbouring states: the series is constant or exactly periodic',
    )
  const [from, to] = fitRange ?? chooseFitRange(divergence)
  const { slope, r2 } = leastSquares(divergence, from, to)
  if (Number.isNaN(slope))
    throw new RangeError(
      `lyapunovRosenstein: every neighbour pair meets exactly within steps ${from}..${to}, so the divergence has no logarithm there`,
    )
  return { exponent: slope / dt, divergence, fit: { from, to, r2 }, dimension, delay, theilerWindow, pairs }
}

/**
 * The smaller of the mutual-information and autocorrelation delays. On a map the information
 * curve has no clear first minimum (it lands on 7-20 for the logistic and Henon maps, where 1 is
 * right) while the autocorrelation falls below 1/e at once; on a flow the first minimum of mutual
 * information comes first (Lorenz: 9 samples against 15-17 at dt = 0.02).
 */
export function embeddingDelay(series: ArrayLike<number>): number {
  return Math.min(
    estimateDelay(series, { method: 'autocorrelation' }),
    estimateDelay(series, { method: 'mutual-information' }),
  )
}

/**
 * Rosenstein's mean log divergence curve y(k), k = 0..maxSteps, over pairs that have all maxSteps
 * steps ahead. Pairs (and later steps) closer than 1e-9 standard deviations are rounding residue
 * and left out; a step where every pair has met so is NaN.
 */
export function divergenceCurve(
  series: ArrayLike<number>,
  dimension: number,
  delay: number,
  theilerWindow: number,
  maxSteps: number,
): { divergence: Float64Array; pairs: number } {
  const { data, count } = embedUnchecked(series, dimension, delay)
  const floor2 = (ROUNDING_FLOOR * standardDeviation(series)) ** 2
  const tree = new KdTree(data, count, dimension)
  const limit = count - maxSteps
  const sum = new Float64Array(maxSteps + 1)
  const terms = new Int32Array(maxSteps + 1)
  let pairs = 0
  for (let i = 0; i < limit; i++) {
    const j = tree.nearest(data, i, theilerWindow, limit)
    if (j < 0 || tree.lastDistance2 <= floor2) continue
    pairs++
    for (let k = 0, a = i * dimension, b = j * dimension; k <= maxSteps; k++, a += dimension, b += dimension) {
      let d2 = 0
      for (let c = 0; c < dimension; c++) {
        const diff = data[a + c] - data[b + c]
        d2 += diff * diff
      }
      // a pair that meets exactly (x and 1 - x under the logistic map) has no logarithm: leave the term out
      if (d2 > floor2) {
        sum[k] += 0.5 * Math.log(d2)
        terms[k]++
      }
    }
  }
  for (let k = 0; k <= maxSteps; k++) sum[k] = terms[k] > 0 ? sum[k] / terms[k] : Number.NaN
  return { divergence: sum, pairs }
}

function chooseFitRange(y: Float64Array): [number, number] {
  const last = y.length - 1
  let plateau = 0
  const tailFrom = Math.floor(0.75 * last)
  for (let k = tailFrom; k <= last; k++) plateau += y[k]
  plateau /= last - tailFrom + 1
  if (plateau - y[0] < 2 * SATURATION_MARGIN) return [Math.min(Math.floor(last / 4), last - 2), last]
  let to = 0
  while (to < last && y[to + 1] < plateau - SATURATION_MARGIN) to++
  to = Math.max(to, 2)
  let from = 0
  let bestR2 = -1
  for (let a = 0; a <= Math.floor(to / 2); a++) {
    const { r2 } = leastSquares(y, a, to)
    // prefer the earlier start unless a later one is clearly straighter
    if (r2 > bestR2 + 0.002) {
      bestR2 = r2
      from = a
    }
  }
  return [from, to]
}

function leastSquares(y: Float64Array, from: number, to: number): { slope: number; r2: number } {
  let n = 0,
    sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0,
    syy = 0
  for (let k = from; k <= to; k++) {
    n++
    sx += k
    sy += y[k]
    sxx += k * k
    sxy += k * y[k]
    syy += y[k] * y[k]
  }
  const cov = sxy - (sx * sy) / n
  const vx = sxx - (sx * sx) / n
  const vy = syy - (sy * sy) / n
  return { slope: cov / vx, r2: vy > 1e-300 ? Math.min(1, (cov * cov) / (vx * vy)) : 1 }
}

function checkFitRange(fitRange: readonly [number, number], maxSteps: number): void {
  const ok =
    Array.isArray(fitRange) &&
    fitRange.length === 2 &&
    Number.isInteger(fitRange[0]) &&
    Number.isInteger(fitRange[1]) &&
    fitRange[0] >= 0 &&
    fitRange[1] > fitRange[0] &&
    fitRange[1] <= maxSteps
  if (!ok)
    throw new RangeError(
      `fitRange must be [from, to] with integers 0 <= from < to <= maxSteps (${maxSteps}), got ${describeValue(Array.isArray(fitRange) ? `[${fitRange.join(', ')}]` : fitRange)}`,
    )
}
