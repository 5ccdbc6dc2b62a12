import { checkFiniteSeries } from '../compare/pointwise'
import { describeValue } from '../errors'
import { Fft } from '../stats/fft'
import { mulberry32 } from '../stats/random'
import { checkInteger, checkOptions } from '../validate'

/** Fewest samples (after subsampling) `zeroOneTest` accepts; the test itself wants thousands. */
export const ZERO_ONE_MIN_LENGTH = 20

/** Seed of the frequencies c when none is given, so a result is the same on every run. */
export const ZERO_ONE_DEFAULT_SEED = 0x01_2009

/** Options of `zeroOneTest`; an unknown name is a `TypeError`. */
export interface ZeroOneTestOptions {
  /** How many frequencies c, drawn uniformly from (pi/5, 4pi/5), to take the median over. Default 100. */
  cCount?: number
  /** Seed of the PRNG (mulberry32) that draws c. Default `ZERO_ONE_DEFAULT_SEED`. */
  seed?: number
  /**
   * Largest lag n of the mean square displacement M(n), an integer in [2, N/2] for N samples
   * (after subsampling). Default max(10, floor(N/10)): N/10 as Gottwald and Melbourne advise, but
   * never fewer than 10 points for the correlation.
   */
  ncut?: number
  /**
   * Keep every k-th sample first (integer >= 1, default 1). An oversampled flow looks regular to
   * the test on short lags; Gottwald and Melbourne (2009) sample a flow about once per
   * characteristic time (e.g. Lorenz at dt = 0.02 with k of 5 to 10).
   */
  subsample?: number
}

/**
 * The translation variables and modified mean square displacement of the 0-1 test for chaos
 * (Gottwald and Melbourne 2009) for one series phi(1..N), evaluated for any number of
 * frequencies c with buffers allocated once. For a frequency c:
 *
 *   p(n) = sum_{j<=n} phi(j) cos(jc),  q(n) = sum_{j<=n} phi(j) sin(jc)
 *   M(n) = 1/(N-n) sum_{j=1}^{N-n} (p(j+n) - p(j))^2 + (q(j+n) - q(j))^2,  n = 1..ncut
 *   D(n) = M(n) - (mean phi)^2 (1 - cos nc) / (1 - cos c)
 *   K_c  = Pearson correlation of (n, D(n))
 *
 * All ncut values of M come from one autocorrelation of z = p + iq by FFT: with
 * |z(j+n) - z(j)|^2 = |z(j+n)|^2 + |z(j)|^2 - 2 Re(z(j+n) conj z(j)), the first two sums are
 * prefix sums of |z|^2 and the third is the lag-n autocorrelation, so one c costs O(N log N)
 * instead of the O(N ncut) of the definition.
 *
 * ```ts
 * const kernel = new ZeroOneDisplacement(series, 100)
 * const kc = kernel.correlate(1.3) // K_c; kernel.M and kernel.D hold M(n) and D(n) at index n - 1
 * ```
 */
export class ZeroOneDisplacement {
  /** Number of samples N. */
  readonly length: number
  readonly ncut: number
  /** M(n) of the last `correlate`, at index n - 1. */
  readonly M: Float64Array
  /** D(n) = M(n) - V_osc(c, n) of the last `correlate`, at index n - 1. */
  readonly D: Float64Array
  /** Mean of phi, whose square scales the oscillatory term V_osc. */
  readonly mean: number
  private readonly phi: Float64Array
  private readonly fft: Fft
  private readonly re: Float64Array
  private readonly im: Float64Array
  /** prefix[i] = sum_{j<i} |z(j)|^2 over the centred z. */
  private readonly prefix: Float64Array

  constructor(phi: ArrayLike<number>, ncut: number) {
    checkFiniteSeries('ZeroOneDisplacement', 'phi', phi)
    const n = phi.length
    if (n < 3) throw new RangeError(`ZeroOneDisplacement: needs at least 3 samples, got ${n}`)
    checkInteger('ZeroOneDisplacement', 'ncut', ncut, { min: 2, max: n - 1 })
    this.length = n
    this.ncut = ncut
    this.phi = Float64Array.from(phi)
    let sum = 0
    for (let i = 0; i < n; i++) sum += this.phi[i]
    this.mean = sum / n
    // lags up to ncut must not wrap around the circular correlation
    let size = 1
    while (size < n + ncut) size *= 2
    this.fft = new Fft(size)
    this.re = new Float64Array(size)
    this.im = new Float64Array(size)
    this.prefix = new Float64Array(n + 1)
    this.M = new Float64Array(ncut)
    this.D = new Float64Array(ncut)
  }

  /**
   * Fills `M` and `D` for frequency c (0 < c < 2 pi) and returns K_c, the correlation of n with
   * D(n), in [-1, 1]. When D(n) is the same for every n the correlation is undefined; K_c is then 0
   * (no growth).
   */
  correlate(c: number): number {
    if (typeof c !== 'number' || !(c > 0 && c < 2 * Math.PI))
      throw new RangeError(`ZeroOneDisplacement.correlate: c must be a number in (0, 2 pi), got ${describeValue(c)}`)
    const { length: n, ncut, phi, re, im, prefix, M, D } = this
    const stepRe = Math.cos(c)
    const stepIm = Math.sin(c)
    // e^(ijc) by rotation; re-seeded from cos/sin now and then so rounding cannot drift over long series
    let wr = stepRe
    let wi = stepIm
    let p = 0
    let q = 0
    let sumP = 0
    let sumQ = 0
    for (let i = 0; i < n; i++) {
      if ((i & 255) === 0) {
        wr = Math.cos((i + 1) * c)
        wi = Math.sin((i + 1) * c)
      }
      p += phi[i] * wr
      q += phi[i] * wi
      re[i] = p
      im[i] = q
      sumP += p
      sumQ += q
      const t = wr * stepRe - wi * stepIm
      wi = wr * stepIm + wi * stepRe
      wr = t
    }
    // Differences of z do not see a constant offset; removing its mean keeps |z|^2 small, and with
    // it the cancellation in |z(j+n)|^2 + |z(j)|^2 - 2 Re(...)
    const meanP = sumP / n
    const meanQ = sumQ / n
    prefix[0] = 0
    for (let i = 0; i < n; i++) {
      const a = re[i] - meanP
      const b = im[i] - meanQ
      re[i] = a
      im[i] = b
      prefix[i + 1] = prefix[i] + a * a + b * b
    }
    re.fill(0, n)
    im.fill(0, n)
    this.fft.forward(re, im)
    for (let k = 0; k < re.length; k++) {
      re[k] = re[k] * re[k] + im[k] * im[k]
      im[k] = 0
    }
    this.fft.inverse(re, im)
    // re[lag] is now sum_j Re(z(j+lag) conj z(j))
    const total = prefix[n]
    const halfC = Math.sin(c / 2)
    const oscillation = (this.mean * this.mean) / (halfC * halfC)
    const halfStepRe = Math.cos(c / 2)
    const halfStepIm = Math.sin(c / 2)
    // sin(lag c / 2) by rotation, for (1 - cos nc) / (1 - cos c) = sin^2(nc/2) / sin^2(c/2)
    let sr = 1
    let si = 0
    let sumD = 0
    for (let lag = 1; lag <= ncut; lag++) {
      if ((lag & 255) === 1) {
        sr = Math.cos((lag * c) / 2)
        si = Math.sin((lag * c) / 2)
      } else {
        const t = sr * halfStepRe - si * halfStepIm
        si = sr * halfStepIm + si * halfStepRe
        sr = t
      }
      const squares = total - prefix[lag] + prefix[n - lag] - 2 * re[lag]
      const m = squares / (n - lag)
      M[lag - 1] = m
      const d = m - oscillation * si * si
      D[lag - 1] = d
      sumD += d
    }
    return pearsonWithIndex(D, sumD / ncut)
  }
}

/** Pearson correlation of (1, 2, ..., len) with y, given y's mean; 0 when y is constant. */
function pearsonWithIndex(y: Float64Array, meanY: number): number {
  const len = y.length
  // deviations are divided by the largest so that squaring tiny D(n) cannot underflow
  let largest = 0
  for (let i = 0; i < len; i++) {
    const a = Math.abs(y[i] - meanY)
    if (a > largest) largest = a
  }
  if (!(largest > 0)) return 0
  const meanX = (len + 1) / 2
  let sxy = 0
  let syy = 0
  for (let i = 0; i < len; i++) {
    const dy = (y[i] - meanY) / largest
    sxy += (i + 1 - meanX) * dy
    syy += dy * dy
  }
  const sxx = (len * (len * len - 1)) / 12
  const r = sxy / Math.sqrt(sxx * syy)
  return r > 1 ? 1 : r < -1 ? -1 : r
}

const ZERO_ONE_OPTIONS = ['cCount', 'seed', 'subsample', 'ncut']
/** Frequencies c in the median by default (Gottwald and Melbourne 2009 use 100). */
const DEFAULT_C_COUNT = 100

/**
 * The 0-1 test for chaos of Gottwald and Melbourne in its modified form ("On the implementation
 * of the 0-1 test for chaos", SIAM J. Appl. Dyn. Syst. 8, 2009): the median over `cCount`
 * seeded random frequencies c in (pi/5, 4pi/5) of K_c, the correlation of the lag n with the
 * modified mean square displacement D(n) of the translation variables p, q (see
 * `ZeroOneDisplacement`). Near 1 for chaotic data (p, q diffuse), near 0 for periodic and
 * quasi-periodic data (p, q stay bounded). Each c costs O(N log N).
 *
 * The series is scaled by its largest magnitude and centred on its mean before the test. Scaling
 * changes nothing but keeps squares of huge values finite. Centring makes (mean phi)^2 in the
 * oscillatory correction vanish, which the 2009 correction achieves only as N -> infinity: for a
 * finite series the uncentred D(n) keeps a cross term proportional to the mean, which swamps the
 * diffusive growth once the mean is large against the spread (uniform noise shifted by 1000 scores
 * about 0.3 instead of 1). Centred, K is invariant to shift and positive scaling of the series.
 *
 * A constant series (after subsampling) has no growth and gives 0. A `RangeError` when fewer than
 * `ZERO_ONE_MIN_LENGTH` (20) samples remain after subsampling or an option is out of range; a
 * `TypeError` naming the index of a non-finite value.
 *
 * ```ts
 * const x = new Float64Array(1000)
 * x[0] = 0.3
 * for (let i = 1; i < x.length; i++) x[i] = 4 * x[i - 1] * (1 - x[i - 1])
 * zeroOneTest(x)                          // ~0.99: the logistic map at r = 4 is chaotic
 * zeroOneTest(lorenzX, { subsample: 8 })  // an oversampled flow, thinned first
 * ```
 *
 * References: G. A. Gottwald, I. Melbourne, "On the implementation of the 0-1 test for chaos",
 * SIAM J. Appl. Dyn. Syst. 8(1) (2009) 129-145.
 * @see classifyDynamics, lyapunovRosenstein, permutationEntropy
 */
export function zeroOneTest(series: ArrayLike<number>, options: ZeroOneTestOptions = {}): number {
  checkFiniteSeries('zeroOneTest', 'series', series)
  const fn = 'zeroOneTest'
  checkOptions(fn, options, ZERO_ONE_OPTIONS)
  const cCount = checkInteger(fn, 'cCount', options.cCount ?? DEFAULT_C_COUNT, { min: 1 })
  const seed = checkInteger(fn, 'seed', options.seed ?? ZERO_ONE_DEFAULT_SEED)
  const subsample = checkInteger(fn, 'subsample', options.subsample ?? 1, { min: 1 })
  const n = Math.ceil(series.length / subsample)
  if (n < ZERO_ONE_MIN_LENGTH) {
    throw new RangeError(
      `${fn}: needs at least ${ZERO_ONE_MIN_LENGTH} samples after subsampling by ${subsample}, got ${n} (series length ${series.length})`,
    )
  }
  const ncut = options.ncut ?? Math.max(10, Math.floor(n / 10))
  if (!Number.isInteger(ncut) || ncut < 2 || ncut > Math.floor(n / 2)) {
    throw new RangeError(
      `${fn}: ncut must be an integer in [2, ${Math.floor(n / 2)}] for ${n} samples, got ${describeValue(ncut)}`,
    )
  }

  const phi = new Float64Array(n)
  let maxAbs = 0
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < n; i++) {
    const v = series[i * subsample]
    phi[i] = v
    if (v < min) min = v
    if (v > max) max = v
    const a = Math.abs(v)
    if (a > maxAbs) maxAbs = a
  }
  if (min === max) return 0
  let mean = 0
  for (let i = 0; i < n; i++) {
    phi[i] /= maxAbs
    mean += phi[i]
  }
  mean /= n
  for (let i = 0; i < n; i++) phi[i] -= mean

  const kernel = new ZeroOneDisplacement(phi, ncut)
  const random = mulberry32(seed)
  const k = new Float64Array(cCount)
  for (let i = 0; i < cCount; i++) k[i] = kernel.correlate(Math.PI / 5 + ((3 * Math.PI) / 5) * random())
  k.sort()
  const middle = cCount >>> 1
  return cCount % 2 === 1 ? k[middle] : (k[middle - 1] + k[middle]) / 2
}
