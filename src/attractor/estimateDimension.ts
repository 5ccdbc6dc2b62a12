import { checkFiniteSeries } from '../compare/pointwise'
import { standardDeviation } from '../stats/moments'
import { checkInteger, checkNumber, checkOneOf, checkOptions, checkPositive } from '../validate'
import { embedUnchecked } from './embedding'
import { KdTree } from './kdTree'

/** Options of `falseNearestNeighbors` (Kennel et al. 1992); an unknown name is a `TypeError`. */
export interface FalseNearestNeighborOptions {
  /**
   * Kennel's R_tol: a neighbour is false when the added coordinate moves it more than R_tol times
   * its distance. Default 15: Kennel, Brown & Abarbanel (1992) find the false fraction insensitive
   * to R_tol once it is about 10 or more, and 15 is the value used after them (Abarbanel, Analysis
   * of Observed Chaotic Data, 1996); nolitsa defaults to 10.
   */
  rtol?: number
  /**
   * Kennel's A_tol: a neighbour is also false when its distance in dimension m + 1 exceeds A_tol
   * times R_A, the series' standard deviation (it was never near). Default 2 (Kennel et al. 1992).
   */
  atol?: number
  /**
   * Neighbours j of point i must satisfy |i - j| > theilerWindow (samples). Default `delay`. On a
   * finely sampled flow a point's nearest neighbour is otherwise its predecessor or successor on the
   * same trajectory, which stays near in every dimension and hides the false ones; a delay chosen
   * from the mutual information or autocorrelation is of the order of the decorrelation time, so it
   * is a natural scale for the window. On a map embedded with delay 1 it excludes only i - 1 and
   * i + 1.
   */
  theilerWindow?: number
}

/** Options of `caoE1E2` (Cao 1997); an unknown name is a `TypeError`. */
export interface CaoOptions {
  /** Temporal exclusion for neighbours, as for false nearest neighbours. Default `delay`. */
  theilerWindow?: number
}

/** Options of `estimateDimension`; an unknown name is a `TypeError`. */
export interface EstimateDimensionOptions extends FalseNearestNeighborOptions {
  /** Default `'fnn'`. */
  method?: 'fnn' | 'cao'
  /** Largest dimension considered, and the answer when no smaller one qualifies. Default 10. */
  maxDimension?: number
  /** FNN: the answer is the first m whose fraction of false neighbours is below this. Default 0.01. */
  fnnThreshold?: number
  /** Cao: E1(d) counts as saturated from this level. Default 0.85. */
  e1Threshold?: number
  /** Cao: E1 must also change by less than this fraction from d to d + 1. Default 0.2. */
  e1MaxRelativeChange?: number
}

const DEFAULT_MAX_DIMENSION = 10
/** The KdTree stores split axes as bytes. */
const MAX_DIMENSION = 255
const DEFAULT_RTOL = 15
const DEFAULT_ATOL = 2
const DEFAULT_FNN_THRESHOLD = 0.01
const DEFAULT_E1_THRESHOLD = 0.85
const DEFAULT_E1_MAX_RELATIVE_CHANGE = 0.2
/**
 * Distances below this many standard deviations are rounding, not geometry: a series with an
 * integer period computed in floating point repeats its states only to a few ulps, and the ratio of
 * two such residues would make a neighbour false (or Cao's a(i, d) huge) at random.
 */
const ROUNDING_FLOOR = 1e-9

/**
 * Estimates the minimum embedding dimension of a scalar series for a given delay (in samples).
 *
 * - `'fnn'` (default), false nearest neighbours (Kennel, Brown & Abarbanel 1992): the first m in
 *   1..maxDimension whose fraction of false neighbours (see `falseNearestNeighbors`) is below
 *   `fnnThreshold`, default 0.01. On noise-free data the fraction drops to a few per mille or to 0
 *   at the right dimension, while one dimension short it can be as low as 5% (Lorenz at m = 2 with
 *   5000 points), too close to a 0.05 threshold; noise keeps it above 10% at every m.
 * - `'cao'` (Cao 1997): E1(d) = E(d + 1) / E(d) (see `caoE1E2`) stops changing once d reaches the
 *   minimum embedding dimension (Cao's d0 + 1). The answer is the first d with E1(d) >=
 *   `e1Threshold` and |E1(d + 1) - E1(d)| < `e1MaxRelativeChange` E1(d): the form of
 *   nonlinearTseries' `estimateEmbeddingDim` (0.95 and 0.1 there), with 0.85 and 0.2 because with a
 *   few thousand points E1 at the right dimension sits between 0.85 and 0.92 on Lorenz and Rossler
 *   and then still climbs by up to 16%. For noise E1(d) creeps towards 1 without a knee (E(d)
 *   falls roughly like N^(-1/d)), so the rule fires late rather than never: about 7 for 3000
 *   Gaussian samples. E2, near 1 at every d only when there is no determinism, is the test that
 *   tells noise apart.
 *
 * Either way it returns maxDimension when no smaller dimension qualifies, and computes dimensions
 * one at a time, stopping as soon as the answer is known. A constant series returns 1. A
 * `TypeError` for a non-finite value or unknown method; a `RangeError` for a bad parameter or a
 * series too short for maxDimension.
 *
 * ```ts
 * const x: number[] = [] // the x coordinate of the Henon map
 * for (let i = 0, u = 0.1, v = 0.2; i < 3000; i++) { [u, v] = [1 - 1.4 * u * u + v, 0.3 * u]; x.push(u) }
 * estimateDimension(x, 1) // 2
 * estimateDimension(x, 1, { method: 'cao' }) // 2
 * ```
 *
 * References: Kennel, Brown and Abarbanel (1992) for `'fnn'`; Cao (1997) for `'cao'`.
 * @see falseNearestNeighbors, caoE1E2, estimateDelay
 */
export function estimateDimension(
  series: ArrayLike<number>,
  delay: number,
  options: EstimateDimensionOptions = {},
): number {
  const fn = 'estimateDimension'
  checkOptions(fn, options, ESTIMATE_DIMENSION_OPTIONS)
  const method = checkOneOf(fn, 'method', options.method ?? 'fnn', ['fnn', 'cao'] as const)
  const maxDimension = options.maxDimension ?? DEFAULT_MAX_DIMENSION
  if (method === 'fnn') {
    const fnn = new FalseNeighbourCount(fn, series, delay, maxDimension, options)
    const threshold = checkNumber(fn, 'fnnThreshold', options.fnnThreshold ?? DEFAULT_FNN_THRESHOLD, {
      above: 0,
      max: 1,
    })
    if (fnn.constant) return 1
    for (let m = 1; m < maxDimension; m++) if (fnn.fraction(m) < threshold) return m
    return maxDimension
  }
  const threshold = checkPositive(fn, 'e1Threshold', options.e1Threshold ?? DEFAULT_E1_THRESHOLD)
  const change = checkPositive(fn, 'e1MaxRelativeChange', options.e1MaxRelativeChange ?? DEFAULT_E1_MAX_RELATIVE_CHANGE)
  // The rule at d reads E1(d + 1) = E(d + 2) / E(d + 1), so the series must reach E(maxDimension + 1).
  const cao = new CaoAverages(fn, series, delay, maxDimension, options)
  if (cao.constant) return 1
  let eNext = cao.e(2)
  let e1 = eNext / cao.e(1)
  for (let d = 1; d < maxDimension; d++) {
    const eAfter = cao.e(d + 2)
    const e1Next = eAfter / eNext
    if (e1 >= threshold && Math.abs(e1Next - e1) < change * e1) return d
    eNext = eAfter
    e1 = e1Next
  }
  return maxDimension
}

/**
 * The fraction of false nearest neighbours for m = 1..maxDimension (entry m - 1), after Kennel,
 * Brown & Abarbanel (1992). For each point i that also exists in dimension m + 1
 * (i < N - m delay), its Euclidean nearest neighbour j in dimension m, among such points with
 * |i - j| > theilerWindow, is found with a k-d tree; the neighbour is false when
 * |x[i + m delay] - x[j + m delay]| > R_tol R_m (the added coordinate tears them apart) or
 * R_(m+1) > A_tol R_A (R_A the series' standard deviation). Entries lie in [0, 1].
 *
 * Duplicates never give NaN: R_m is taken as at least 1e-9 R_A, so a neighbour at distance 0 is false
 * exactly when the added coordinates differ by more than R_tol 1e-9 R_A, i.e. by more than rounding.
 * An integer-period series computed in floating point repeats its states only to a few ulps; this
 * floor keeps those copies true neighbours (a period-P orbit then needs dimension 1 when its P values
 * are distinct) instead of false ones at random.
 *
 * ```ts
 * const x = Array.from({ length: 500 }, (_, i) => Math.sin(i / 5 + 1))
 * falseNearestNeighbors(x, 8, 3) // about [0.56, 0, 0]: a circle folded onto a line unfolds in 2-D
 * ```
 *
 * References: M. B. Kennel, R. Brown, H. D. I. Abarbanel, "Determining embedding dimension for
 * phase-space reconstruction using a geometrical construction", Phys. Rev. A 45 (1992) 3403.
 * @see estimateDimension, caoE1E2
 */
export function falseNearestNeighbors(
  series: ArrayLike<number>,
  delay: number,
  maxDimension: number,
  options: FalseNearestNeighborOptions = {},
): Float64Array {
  checkOptions('falseNearestNeighbors', options, FNN_OPTIONS)
  const fnn = new FalseNeighbourCount('falseNearestNeighbors', series, delay, maxDimension, options)
  const out = new Float64Array(maxDimension)
  for (let m = 1; m <= maxDimension; m++) out[m - 1] = fnn.fraction(m)
  return out
}

/**
 * Cao's (1997) averaged false neighbour curves E1(d) and E2(d) for d = 1..maxDimension (entry
 * d - 1), in the maximum norm. For each point i < N - d delay, n(i, d) is its nearest neighbour in
 * dimension d among such points at a nonzero distance (above 1e-9 standard deviations, as for false
 * nearest neighbours) with |i - n| > theilerWindow, the earliest one on a tie; a(i, d) is their
 * distance in dimension d + 1 over their distance in d. E(d) is the mean of a(i, d), E*(d) the mean of
 * |x[i + d delay] - x[n + d delay]|, E1(d) = E(d + 1) / E(d) and E2(d) = E*(d + 1) / E*(d).
 * E1 saturates near 1 from the minimum embedding dimension on; E2 stays near 1 at every d only for
 * a series without determinism. An entry is NaN where no point has a neighbour at nonzero distance
 * (a constant series) or E* vanishes.
 *
 * ```ts
 * caoE1E2(x, 1, 4) // x from Henon as in `estimateDimension`:
 * // e1 about [0.00002, 0.96, 0.98, 0.98] (saturated from d = 2), e2 about [0.02, 1.41, 1.40, 1.43]
 * ```
 *
 * References: L. Cao, "Practical method for determining the minimum embedding dimension of a
 * scalar time series", Physica D 110 (1997) 43-50.
 * @see estimateDimension, falseNearestNeighbors
 */
export function caoE1E2(
  series: ArrayLike<number>,
  delay: number,
  maxDimension: number,
  options: CaoOptions = {},
): {
  /** E1(d) for d = 1..maxDimension (entry d - 1). */
  e1: Float64Array
  /** E2(d) likewise. */
  e2: Float64Array
} {
  checkOptions('caoE1E2', options, CAO_OPTIONS)
  const cao = new CaoAverages('caoE1E2', series, delay, maxDimension, options)
  const e = new Float64Array(maxDimension + 1)
  const eStar = new Float64Array(maxDimension + 1)
  for (let d = 1; d <= maxDimension + 1; d++) {
    e[d - 1] = cao.e(d)
    eStar[d - 1] = cao.lastEStar
  }
  const e1 = new Float64Array(maxDimension)
  const e2 = new Float64Array(maxDimension)
  for (let d = 0; d < maxDimension; d++) {
    e1[d] = e[d + 1] / e[d]
    e2[d] = eStar[d + 1] / eStar[d]
  }
  return { e1, e2 }
}

const CAO_OPTIONS = ['theilerWindow']
const FNN_OPTIONS = ['rtol', 'atol', 'theilerWindow']
const ESTIMATE_DIMENSION_OPTIONS = [
  ...FNN_OPTIONS,
  'method',
  'maxDimension',
  'fnnThreshold',
  'e1Threshold',
  'e1MaxRelativeChange',
]

function checkCommon(
  fn: string,
  series: ArrayLike<number>,
  delay: number,
  maxDimension: number,
  theilerWindow: number,
  deepest: number,
): void {
  checkFiniteSeries(fn, 'series', series)
  checkInteger(fn, 'delay', delay, { min: 1 })
  checkInteger(fn, 'maxDimension', maxDimension, { min: 1, max: MAX_DIMENSION })
  checkInteger(fn, 'theilerWindow', theilerWindow, { min: 0 })
  // Every query point needs a candidate outside its window: N - deepest delay >= 2 w + 2.
  const needed = deepest * delay + 2 * theilerWindow + 2
  if (series.length < needed) {
    throw new RangeError(
      `${fn}: series needs at least ${needed} values for maxDimension ${maxDimension}, delay ${delay} and theilerWindow ${theilerWindow}, got ${series.length}`,
    )
  }
}

function isConstant(series: ArrayLike<number>): boolean {
  for (let i = 1; i < series.length; i++) if (series[i] !== series[0]) return false
  return true
}

/** Validated parameters plus the per-dimension false-neighbour count. */
class FalseNeighbourCount {
  readonly constant: boolean
  private readonly delay: number
  private readonly theilerWindow: number
  private readonly rtol2: number
  private readonly atol2ra2: number
  private readonly floor2: number

  private readonly series: Float64Array

  constructor(
    fn: string,
    series: ArrayLike<number>,
    delay: number,
    maxDimension: number,
    options: FalseNearestNeighborOptions,
  ) {
    const theilerWindow = options.theilerWindow ?? delay
    checkCommon(fn, series, delay, maxDimension, theilerWindow, maxDimension)
    this.series = Float64Array.from(series)
    const rtol = checkPositive(fn, 'rtol', options.rtol ?? DEFAULT_RTOL)
    const atol = checkPositive(fn, 'atol', options.atol ?? DEFAULT_ATOL)
    this.delay = delay
    this.theilerWindow = theilerWindow
    this.constant = isConstant(series)
    const variance = standardDeviation(series) ** 2
    this.rtol2 = rtol * rtol
    this.atol2ra2 = atol * atol * variance
    this.floor2 = ROUNDING_FLOOR * ROUNDING_FLOOR * variance
  }

  fraction(m: number): number {
    const series = this.series
    const shift = m * this.delay
    const queries = series.length - shift
    const points = embedUnchecked(series, m, this.delay).data
    const tree = new KdTree(points, queries, m)
    let falseCount = 0
    for (let i = 0; i < queries; i++) {
      const j = tree.nearest(points, i, this.theilerWindow, queries)
      const r2 = tree.lastDistance2
      const dx = series[i + shift] - series[j + shift]
      const dx2 = dx * dx
      // Squared distances against squared tolerances: no square root per point. A distance below
      // the rounding floor (a duplicate, or a copy one period later) only counts as false when the
      // added coordinates differ by more than R_tol floors, so R_m = 0 needs no special case.
      if (dx2 > this.rtol2 * (r2 > this.floor2 ? r2 : this.floor2) || r2 + dx2 > this.atol2ra2) falseCount++
    }
    return falseCount / queries
  }
}

/**
 * Cao's E(d) and E*(d), one dimension per call. Neighbours are found in the maximum norm by
 * scanning outwards from the query in the order of the series' values: the first coordinate alone
 * bounds the max-norm distance from below, so a direction stops as soon as it differs by the best
 * distance found. Exact, allocation-free per point, and fast where neighbours are close; noise in
 * high dimension degrades towards a full scan.
 */
class CaoAverages {
  readonly constant: boolean
  /** E*(d) of the last `e(d)` call. */
  lastEStar = NaN
  private readonly delay: number
  private readonly theilerWindow: number
  private readonly byValue: Int32Array
  private readonly position: Int32Array
  private readonly floor: number

  private readonly series: Float64Array

  constructor(fn: string, series: ArrayLike<number>, delay: number, maxDimension: number, options: CaoOptions) {
    const theilerWindow = options.theilerWindow ?? delay
    checkCommon(fn, series, delay, maxDimension, theilerWindow, maxDimension + 1)
    this.series = Float64Array.from(series)
    this.delay = delay
    this.theilerWindow = theilerWindow
    this.constant = isConstant(series)
    const n = series.length
    this.floor = ROUNDING_FLOOR * standardDeviation(series)
    const values = this.series
    this.byValue = new Int32Array(n)
    for (let i = 0; i < n; i++) this.byValue[i] = i
    this.byValue.sort((a, b) => values[a] - values[b] || a - b)
    this.position = new Int32Array(n)
    for (let p = 0; p < n; p++) this.position[this.byValue[p]] = p
  }

  e(d: number): number {
    const { series, delay, theilerWindow: w, byValue, position } = this
    const n = series.length
    const queries = n - d * delay
    const shift = d * delay
    let sumA = 0
    let sumStar = 0
    let counted = 0
    for (let i = 0; i < queries; i++) {
      const xi = series[i]
      let best = Infinity
      let bestJ = -1
      for (let direction = -1; direction <= 1; direction += 2) {
        for (let p = position[i] + direction; p >= 0 && p < n; p += direction) {
          const j = byValue[p]
          if (Math.abs(series[j] - xi) > best) break
          if (j >= queries || (j >= i - w && j <= i + w)) continue
          let dist = 0
          for (let k = 0; k < shift && dist <= best; k += delay) {
            const diff = Math.abs(series[i + k] - series[j + k])
            if (diff > dist) dist = diff
          }
          // Cao: a neighbour at distance 0 has no ratio; take the nearest one at a nonzero distance
          // (above the rounding floor, for the same reason as in the false-neighbour test). The max
          // norm ties often (points i - s and i + s can share their largest coordinate gap), so a tie
          // goes to the earlier point, whatever order the scan met them in.
          if (dist > this.floor && (dist < best || (dist === best && j < bestJ))) {
            best = dist
            bestJ = j
          }
        }
      }
      if (bestJ < 0) continue
      const extra = Math.abs(series[i + shift] - series[bestJ + shift])
      sumA += (extra > best ? extra : best) / best
      sumStar += extra
      counted++
    }
    this.lastEStar = counted > 0 ? sumStar / counted : NaN
    return counted > 0 ? sumA / counted : NaN
  }
}
