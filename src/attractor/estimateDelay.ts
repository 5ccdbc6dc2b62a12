import { checkFiniteSeries } from '../compare/pointwise'
import { checkInteger, checkNumber, checkOneOf, checkOptions } from '../validate'

/** How `estimateDelay` picks the embedding delay. */
export type DelayMethod = 'mutual-information' | 'autocorrelation'

/**
 * How the mutual-information histogram cuts each axis: `'equal-width'` cells over [min, max]
 * (TISEAN `mutual`, nolitsa, nonlinearTseries), or `'equiprobable'` cells decided by rank.
 */
export type MutualInformationBinning = 'equal-width' | 'equiprobable'

/** Options of `mutualInformation`; an unknown name is a `TypeError`. */
export interface MutualInformationOptions {
  /**
   * Grids averaged per axis, offset from each other by 1/shifts of a bin (Scott's averaged shifted
   * histogram). Default 8; 1 is the single fixed grid of TISEAN `mutual`.
   */
  shifts?: number
  /** Default `'equal-width'`. */
  binning?: MutualInformationBinning
}

/** Options of `estimateDelay`; an unknown name is a `TypeError`. */
export interface EstimateDelayOptions extends MutualInformationOptions {
  /** Default `'mutual-information'`. */
  method?: DelayMethod
  /**
   * Largest delay considered, in samples. Default `min(500, floor(N / 4))` (at least 1): a quarter
   * of the series keeps three quarters of the pairs behind every estimate, and the cap bounds the
   * cost of a series whose curve never turns, O(maxDelay N).
   */
  maxDelay?: number
  /** Bins per axis of the mutual-information histogram. Default 16 (TISEAN `mutual`). */
  bins?: number
  /**
   * Level the autocorrelation must drop below. Default 1/e, the decorrelation time. nolds'
   * `lyap_r` uses 1 - 1/e instead (Rosenstein, Collins & De Luca 1993).
   */
  autocorrelationThreshold?: number
}

const DEFAULT_BINS = 16
const DEFAULT_SHIFTS = 8
/** Cap on bins * shifts per axis, so the fine joint histogram stays within 16 MiB. */
const MAX_RESOLUTION = 2048
const DEFAULT_MAX_DELAY_CAP = 500

/**
 * Estimates the embedding delay (in samples) of a scalar series.
 *
 * - `'mutual-information'` (default), Fraser & Swinney (1986): the first local minimum of the
 *   time-delayed mutual information I(tau) between x[i] and x[i + tau] (see `mutualInformation`),
 *   i.e. the first tau in 1..maxDelay with I(tau - 1) > I(tau) <= I(tau + 1) (the test at maxDelay
 *   reads I(maxDelay + 1)). Without a local minimum (a curve that only decays, as for an
 *   autoregressive or random-walk series) it returns the first tau with I(tau) < I(0) / e, and
 *   failing that `maxDelay`. The curve is evaluated lag by lag and the scan stops at the answer.
 *   Meant for flows: on a chaotic map (logistic, Henon) I falls to the estimator's floor within a
 *   few lags and its first dip lands anywhere from 7 to 20, where the autocorrelation rule gives 1.
 * - `'autocorrelation'`: the first lag where the sample autocorrelation
 *   r(tau) = sum (x[i] - m)(x[i + tau] - m) / sum (x[i] - m)^2 drops below 1/e (the decorrelation
 *   time); `maxDelay` when it never does up to there.
 *
 * Both are invariant to shifting and positive scaling of the series: exactly with `binning:
 * 'equiprobable'` (comparisons alone decide a bin), and otherwise up to rounding (a value lying on a
 * grid line to within a few ulps may change cell once the scaled series is rounded; the
 * autocorrelation is compared with 1/e after rounding).
 *
 * A constant series carries no dynamics to unfold and returns 1. A `TypeError` for a non-finite
 * value or an unknown method or binning; a `RangeError` for a bad `maxDelay`, `bins` or `shifts`,
 * or a series shorter than `max(3, maxDelay + 2)`.
 *
 * ```ts
 * const x = Array.from({ length: 2000 }, (_, i) => Math.sin((2 * Math.PI * i) / 40))
 * estimateDelay(x) // 10, a quarter period
 * estimateDelay(x, { method: 'autocorrelation' }) // 8: cos(2 pi tau / 40) < 1/e first at tau = 8
 * ```
 *
 * References: A. M. Fraser, H. L. Swinney, "Independent coordinates for strange attractors from
 * mutual information", Phys. Rev. A 33 (1986) 1134-1140.
 * @see mutualInformation, estimateDimension, delayEmbed
 */
export function estimateDelay(series: ArrayLike<number>, options: EstimateDelayOptions = {}): number {
  const fn = 'estimateDelay'
  checkFiniteSeries(fn, 'series', series)
  checkOptions(fn, options, ESTIMATE_DELAY_OPTIONS)
  const method = checkOneOf(fn, 'method', options.method ?? 'mutual-information', DELAY_METHODS)
  const n = series.length
  if (n < 3) throw new RangeError(`${fn}: needs at least 3 values, got ${n}`)
  const maxDelay = checkInteger(
    fn,
    'maxDelay',
    options.maxDelay ?? Math.max(1, Math.min(DEFAULT_MAX_DELAY_CAP, Math.floor(n / 4))),
    { min: 1 },
  )
  if (n < maxDelay + 2) throw new RangeError(`${fn}: needs at least maxDelay + 2 = ${maxDelay + 2} values, got ${n}`)
  const bins = options.bins ?? DEFAULT_BINS
  const shifts = options.shifts ?? DEFAULT_SHIFTS
  const binning = options.binning ?? 'equal-width'
  checkHistogram(fn, bins, shifts, binning)
  const threshold = checkNumber(fn, 'autocorrelationThreshold', options.autocorrelationThreshold ?? Math.exp(-1), {
    above: -1,
    below: 1,
  })
  if (isConstant(series)) return 1
  return method === 'autocorrelation'
    ? autocorrelationDelay(series, maxDelay, threshold)
    : mutualInformationDelay(new LaggedMutualInformation(series, bins, shifts, binning), maxDelay)
}

/**
 * The time-delayed mutual information I(tau), in nats, between x[i] and x[i + tau] over the
 * N - tau pairs. On one grid it is the plug-in estimate sum p(a, b) ln(p(a, b) / (p(a) p(b))) of a
 * histogram whose marginals are counted over the same pairs (as in TISEAN `mutual`); the result is
 * its mean over `shifts`^2 grids, the grid for (kx, ky) offset by (kx, ky) / shifts of a bin.
 *
 * A value sits at coordinate u in [0, bins) along each axis, and falls in cell floor(u + k / shifts)
 * of a grid with offset k:
 * - `'equal-width'` (default): u = bins (x - min) / (max - min), the maximum just inside the last
 *   bin. This is the estimator behind the published delays: a sine's first minimum sits at a
 *   quarter period, where its delay portrait is a circle crossing the most cells.
 * - `'equiprobable'`: u = bins r / N, r the count of values strictly below x, so equal values share
 *   a cell and the estimate is exactly invariant to any increasing transform. On a pure sine this
 *   curve is nearly flat (in rank coordinates every delay portrait is made of slope +-1 segments of
 *   the same total length), so its minimum says little there.
 *
 * Why average shifted grids: a deterministic curve such as a sine's delay portrait crosses a fixed
 * grid's cells in a pattern that jumps from lag to lag, so one grid's I(tau) zigzags and sprouts
 * spurious early minima (16 bins put a period-100 sine's first minimum at 3); averaging grids
 * offset by fractions of a bin smooths that aliasing (it lands at 24-25). On noisy or chaotic data
 * the mean changes little.
 *
 * I(0) is the entropy of the binned series, at most ln(bins + 1).
 *
 * ```ts
 * mutualInformation([0, 1, 0, 1, 0, 1], 1, 2, { shifts: 1 }) // ln 2 = 0.693...: x[i] determines x[i + 1]
 * mutualInformation([0, 0, 1, 1, 0, 0, 1, 1], 2, 2, { shifts: 1 }) // ln 2 too: x[i + 2] = 1 - x[i]
 * ```
 *
 * References: Fraser and Swinney (1986); D. W. Scott, "Averaged shifted histograms", Ann. Statist.
 * 13(3) (1985) for the shifted grids.
 * @see estimateDelay
 */
export function mutualInformation(
  series: ArrayLike<number>,
  tau: number,
  bins = DEFAULT_BINS,
  options: MutualInformationOptions = {},
): number {
  const fn = 'mutualInformation'
  checkFiniteSeries(fn, 'series', series)
  checkOptions(fn, options, MUTUAL_INFORMATION_OPTIONS)
  const shifts = options.shifts ?? DEFAULT_SHIFTS
  const binning = options.binning ?? 'equal-width'
  checkHistogram(fn, bins, shifts, binning)
  checkInteger(fn, 'tau', tau, { min: 0, max: series.length - 1 })
  return new LaggedMutualInformation(series, bins, shifts, binning).at(tau)
}

const DELAY_METHODS: readonly DelayMethod[] = ['mutual-information', 'autocorrelation']
const BINNINGS: readonly MutualInformationBinning[] = ['equal-width', 'equiprobable']
const MUTUAL_INFORMATION_OPTIONS = ['shifts', 'binning']
const ESTIMATE_DELAY_OPTIONS = [...MUTUAL_INFORMATION_OPTIONS, 'method', 'maxDelay', 'bins', 'autocorrelationThreshold']

function checkHistogram(fn: string, bins: unknown, shifts: unknown, binning: unknown): void {
  checkInteger(fn, 'bins', bins, { min: 2 })
  checkInteger(fn, 'shifts', shifts, { min: 1 })
  if ((bins as number) * (shifts as number) > MAX_RESOLUTION) {
    throw new RangeError(`${fn}: bins * shifts must be at most ${MAX_RESOLUTION}, got ${bins} * ${shifts}`)
  }
  checkOneOf(fn, 'binning', binning, BINNINGS)
}

function isConstant(series: ArrayLike<number>): boolean {
  const first = series[0]
  for (let i = 1; i < series.length; i++) if (series[i] !== first) return false
  return true
}

/**
 * The series cut once into `bins * shifts` fine cells per axis, plus one reused joint histogram of
 * fine cells. Every shifted coarse grid is a union of whole fine cells, so after one O(N) pass and a
 * 2-D prefix sum each of the shifts^2 coarse histograms is read off in O(bins^2): a lag costs
 * O(N + (bins shifts)^2) and allocates nothing.
 */
class LaggedMutualInformation {
  private readonly fine: Int32Array
  private readonly resolution: number
  /** (R + 1)^2 cumulative counts: cell (a + 1, b + 1) holds the pairs with fine labels <= (a, b). */
  private readonly joint: Int32Array
  private readonly rowPrefix: Int32Array
  private readonly columnPrefix: Int32Array

  constructor(
    series: ArrayLike<number>,
    private readonly bins: number,
    private readonly shifts: number,
    binning: MutualInformationBinning,
  ) {
    this.resolution = bins * shifts
    this.fine =
      binning === 'equiprobable' ? rankCells(series, this.resolution) : equalWidthCells(series, this.resolution)
    const side = this.resolution + 1
    this.joint = new Int32Array(side * side)
    this.rowPrefix = new Int32Array(side)
    this.columnPrefix = new Int32Array(side)
  }

  at(tau: number): number {
    const { bins, shifts, resolution: r, fine, joint, rowPrefix, columnPrefix } = this
    const side = r + 1
    const pairs = fine.length - tau
    joint.fill(0)
    rowPrefix.fill(0)
    columnPrefix.fill(0)
    for (let i = 0; i < pairs; i++) {
      const a = fine[i] + 1
      const b = fine[i + tau] + 1
      joint[a * side + b]++
      rowPrefix[a]++
      columnPrefix[b]++
    }
    for (let a = 1; a < side; a++) {
      rowPrefix[a] += rowPrefix[a - 1]
      columnPrefix[a] += columnPrefix[a - 1]
    }
    for (let a = 1; a < side; a++) {
      let rowSum = 0
      for (let b = 1, o = a * side + 1; b < side; b++, o++) {
        rowSum += joint[o]
        joint[o] = joint[o - side] + rowSum
      }
    }
    let total = 0
    for (let kx = 0; kx < shifts; kx++) {
      for (let ky = 0; ky < shifts; ky++) {
        let sum = 0
        // Coarse cell a of a grid shifted by k / shifts of a bin holds fine cells [a s - k, a s - k + s).
        for (let a = 0; a <= bins; a++) {
          const a0 = Math.max(0, a * shifts - kx)
          const a1 = Math.min(r, a * shifts - kx + shifts)
          if (a1 <= a0) continue
          const ra = rowPrefix[a1] - rowPrefix[a0]
          if (ra === 0) continue
          for (let b = 0; b <= bins; b++) {
            const b0 = Math.max(0, b * shifts - ky)
            const b1 = Math.min(r, b * shifts - ky + shifts)
            if (b1 <= b0) continue
            const c = joint[a1 * side + b1] - joint[a0 * side + b1] - joint[a1 * side + b0] + joint[a0 * side + b0]
            if (c > 0) sum += c * Math.log((c * pairs) / (ra * (columnPrefix[b1] - columnPrefix[b0])))
          }
        }
        total += sum / pairs
      }
    }
    return total / (shifts * shifts)
  }
}

/** Fine cell floor(R (x - min) / (max - min)), the maximum in the last cell; all 0 when constant. */
function equalWidthCells(series: ArrayLike<number>, resolution: number): Int32Array {
  const n = series.length
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < n; i++) {
    const v = series[i]
    if (v < min) min = v
    if (v > max) max = v
  }
  const label = new Int32Array(n)
  const range = max - min
  if (range > 0) {
    for (let i = 0; i < n; i++) {
      const c = Math.floor(((series[i] - min) / range) * resolution)
      label[i] = c < resolution ? c : resolution - 1
    }
  }
  return label
}

/** Fine cell floor(rank R / N), where rank counts the values strictly below. */
function rankCells(series: ArrayLike<number>, resolution: number): Int32Array {
  const n = series.length
  const sorted = Float64Array.from(series).sort()
  // Cell c starts at rank ceil(c N / R): a value has at least k values below it iff it exceeds
  // sorted[k - 1], so its cell is the count of these cut values strictly below it. Comparisons alone
  // decide the cell, which is what makes the estimate exactly invariant to increasing transforms.
  const cuts = new Float64Array(resolution - 1)
  for (let c = 1; c < resolution; c++) cuts[c - 1] = sorted[Math.ceil((c * n) / resolution) - 1]
  const label = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const v = series[i]
    let lo = 0
    let hi = resolution - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cuts[mid] < v) lo = mid + 1
      else hi = mid
    }
    label[i] = lo
  }
  return label
}

function mutualInformationDelay(mi: LaggedMutualInformation, maxDelay: number): number {
  const i0 = mi.at(0)
  const floor = i0 / Math.E
  let firstBelow = 0
  let previous = i0
  let current = mi.at(1)
  for (let tau = 1; tau <= maxDelay; tau++) {
    const next = mi.at(tau + 1)
    if (current < previous && current <= next) return tau
    if (firstBelow === 0 && current < floor) firstBelow = tau
    previous = current
    current = next
  }
  return firstBelow > 0 ? firstBelow : maxDelay
}

function autocorrelationDelay(series: ArrayLike<number>, maxDelay: number, threshold: number): number {
  const n = series.length
  let mean = 0
  for (let i = 0; i < n; i++) mean += series[i]
  mean /= n
  const centred = new Float64Array(n)
  let c0 = 0
  for (let i = 0; i < n; i++) {
    centred[i] = series[i] - mean
    c0 += centred[i] * centred[i]
  }
  for (let tau = 1; tau <= maxDelay; tau++) {
    let c = 0
    for (let i = 0, j = tau; j < n; i++, j++) c += centred[i] * centred[j]
    if (c < threshold * c0) return tau
  }
  return maxDelay
}
