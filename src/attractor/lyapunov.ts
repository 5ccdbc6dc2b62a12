import { checkFiniteSeries } from '../compare/pointwise'
import { describeValue } from '../errors'
import { standardDeviation } from '../stats/moments'
import { checkInteger, checkOptions, checkPositive } from '../validate'
import { embedUnchecked } from './embedding'
import { estimateDelay } from './estimateDelay'
import { estimateDimension } from './estimateDimension'
import { KdTree } from './kdTree'
import { meanPeriod } from './meanPeriod'

/** Options of `lyapunovRosenstein`; an unknown name is a `TypeError`. */
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

/** The exponent of `lyapunovRosenstein`, with the curve and parameters it came from. */
export interface LyapunovResult {
  /** Largest Lyapunov exponent per unit time (per sample when dt is 1), in nats. */
  readonly exponent: number
  /** Mean log distance of the neighbour pairs after k steps, k = 0..maxSteps (natural log). */
  readonly divergence: Float64Array
  /** The steps fitted by least squares and the fit's coefficient of determination. */
  readonly fit: {
    /** First step fitted. */
    readonly from: number
    /** Last step fitted, inclusive. */
    readonly to: number
    /** Coefficient of determination of the straight-line fit. */
    readonly r2: number
  }
  /** Embedding dimension used (given or estimated). */
  readonly dimension: number
  /** Embedding delay in samples (given or estimated). */
  readonly delay: number
  /** Neighbours were more than this many samples apart. */
  readonly theilerWindow: number
  /** Neighbour pairs averaged (points whose nearest neighbour is a repeat to rounding are left out). */
  readonly pairs: number
  /**
   * True when every state's nearest neighbour repeats it exactly (to rounding): a limit cycle whose
   * period is a whole number of samples. `exponent` is then 0, `pairs` 0, every `divergence` step
   * -Infinity (ln 0) and `fit.r2` 1.
   */
  readonly exactRepeats: boolean
}

/**
 * Distances below this many standard deviations are rounding residue, not geometry: a sine whose
 * period is a fraction of samples repeats its states to a few ulps, and the log of such residues
 * would swamp the curve.
 */
const ROUNDING_FLOOR = 1e-9

/** The plateau is the mean of the curve's last quarter, from this fraction of its length. */
const PLATEAU_FROM = 0.75
/** A later fit start must raise r^2 by this much to be preferred: the earlier one keeps more of the curve. */
const STRAIGHTER_BY = 0.002

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
 * its last three quarters.
 *
 * A series whose every state recurs exactly (to rounding) outside the Theiler window, such as
 * `sin(2 pi i / 50)` or a period-4 logistic cycle, is a limit cycle: neighbours that coincide stay
 * together, so the exponent is 0, reported with `exactRepeats: true`, `pairs: 0` and a divergence
 * curve of ln 0 = -Infinity at every step. A constant series is a `RangeError`: it sits at a fixed
 * point, whose exponent is the (negative) rate at which nearby states are drawn in, and a series
 * already at rest holds no perturbation to measure that rate from; reporting 0 would call it a cycle.
 *
 * Parameters: `series` (finite numbers); `options.dimension` and `options.delay` of the embedding
 * (estimated when omitted, see `estimateDimension` and `embeddingDelay`), `dt` (sampling interval),
 * `theilerWindow` (default the mean period), `maxSteps` and `fitRange` of the divergence curve.
 * Throws a `TypeError` for a value that is not a finite number and a `RangeError` for bad options or
 * a series too short for the embedding and curve; messages start with `lyapunovRosenstein: `.
 *
 * ```ts
 * const x = new Float64Array(1000); x[0] = 0.3
 * for (let i = 1; i < x.length; i++) x[i] = 4 * x[i - 1] * (1 - x[i - 1])
 * lyapunovRosenstein(x, { dimension: 1, delay: 1 }).exponent // ~0.693 = ln 2
 * ```
 *
 * References: M. T. Rosenstein, J. J. Collins, C. J. De Luca, "A practical method for calculating
 * largest Lyapunov exponents from small data sets", Physica D 65 (1993) 117-134.
 * @see classifyDynamics, which combines this exponent with `zeroOneTest` and `permutationEntropy`.
 * @see divergenceCurve for the curve alone.
 */
export function lyapunovRosenstein(series: ArrayLike<number>, options: LyapunovOptions = {}): LyapunovResult {
  checkFiniteSeries(FN, 'series', series)
  const settings = resolveLyapunovOptions(series, checkOptions(FN, options, LYAPUNOV_OPTIONS))
  const { dimension, delay, theilerWindow, maxSteps, dt } = settings
  const { divergence, pairs } = divergenceCurve(series, dimension, delay, theilerWindow, maxSteps)
  const shape = { dimension, delay, theilerWindow }
  if (pairs === 0) {
    if (standardDeviation(series) === 0)
      throw new RangeError(
        `${FN}: the series is constant (a fixed point already reached): there is no motion to measure an exponent from`,
      )
    const [from, to] = settings.fitRange ?? [0, maxSteps]
    // neighbours that coincide stay together: the separation neither grows nor shrinks
    divergence.fill(-Infinity)
    return { exponent: 0, divergence, fit: { from, to, r2: 1 }, ...shape, pairs, exactRepeats: true }
  }
  const [from, to] = settings.fitRange ?? chooseFitRange(divergence)
  const { slope, r2 } = leastSquares(divergence, from, to)
  if (Number.isNaN(slope))
    throw new RangeError(
      `${FN}: every neighbour pair meets exactly within steps ${from}..${to}, so the divergence has no logarithm there`,
    )
  return { exponent: slope / dt, divergence, fit: { from, to, r2 }, ...shape, pairs, exactRepeats: false }
}

const FN = 'lyapunovRosenstein'
const LYAPUNOV_OPTIONS = ['dimension', 'delay', 'dt', 'theilerWindow', 'fitRange', 'maxSteps']
/** Fewest steps in the default divergence curve, and the mean period assumed when the series has none. */
const MIN_DEFAULT_STEPS = 20
const FALLBACK_PERIOD = 2
/** The default curve follows pairs for this many mean periods (at most a quarter of the points). */
const DEFAULT_PERIODS_FOLLOWED = 10
/** Values beyond the embedding, curve and Theiler windows that leave enough pairs to average. */
const SPARE_VALUES = 10

interface LyapunovSettings {
  readonly dimension: number
  readonly delay: number
  readonly dt: number
  readonly theilerWindow: number
  readonly maxSteps: number
  readonly fitRange: readonly [number, number] | undefined
}

/** Options checked and their defaults estimated from the series; a series too short is a RangeError. */
function resolveLyapunovOptions(series: ArrayLike<number>, options: LyapunovOptions): LyapunovSettings {
  const dt = options.dt === undefined ? 1 : checkPositive(FN, 'dt', options.dt)
  if (options.delay !== undefined) checkInteger(FN, 'delay', options.delay, { min: 1 })
  if (options.dimension !== undefined) checkInteger(FN, 'dimension', options.dimension, { min: 1 })
  const delay = options.delay ?? embeddingDelay(series)
  const dimension = options.dimension ?? estimateDimension(series, delay)
  const period = meanPeriod(series)
  const theilerWindow =
    options.theilerWindow === undefined
      ? Number.isFinite(period)
        ? Math.ceil(period)
        : 1
      : checkInteger(FN, 'theilerWindow', options.theilerWindow, { min: 0 })
  const count = series.length - (dimension - 1) * delay
  const followed = DEFAULT_PERIODS_FOLLOWED * (Number.isFinite(period) ? period : FALLBACK_PERIOD)
  const maxSteps =
    options.maxSteps === undefined
      ? Math.max(2, Math.min(Math.floor(count / 4), Math.max(MIN_DEFAULT_STEPS, Math.ceil(followed))))
      : checkInteger(FN, 'maxSteps', options.maxSteps, { min: 2 })
  const fitRange = options.fitRange
  if (fitRange !== undefined) checkFitRange(fitRange, maxSteps)
  const minimumLength = (dimension - 1) * delay + maxSteps + 2 * theilerWindow + SPARE_VALUES
  if (series.length < minimumLength) {
    throw new RangeError(
      `${FN}: needs at least ${minimumLength} values for dimension ${dimension}, delay ${delay}, theilerWindow ${theilerWindow} and maxSteps ${maxSteps}, got ${series.length}`,
    )
  }
  return { dimension, delay, dt, theilerWindow, maxSteps, fitRange }
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
  const tailFrom = Math.floor(PLATEAU_FROM * last)
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
    if (r2 > bestR2 + STRAIGHTER_BY) {
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
      `${FN}: fitRange must be [from, to] with integers 0 <= from < to <= maxSteps (${maxSteps}), got ${describeValue(Array.isArray(fitRange) ? `[${fitRange.join(', ')}]` : fitRange)}`,
    )
}
