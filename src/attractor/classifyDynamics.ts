import { checkFiniteSeries } from '../compare/pointwise'
import { standardDeviation } from '../stats/moments'
import { checkInteger, checkNumber, checkOptions, checkPositive } from '../validate'
import { estimateDimension } from './estimateDimension'
import { embeddingDelay, lyapunovRosenstein } from './lyapunov'
import { meanPeriod } from './meanPeriod'
import { permutationEntropy } from './permutationEntropy'
import { ZERO_ONE_DEFAULT_SEED, zeroOneTest } from './zeroOneTest'

/** The kinds of dynamics `classifyDynamics` tells apart; `'unknown'` when the indicators disagree or the series is too short. */
export type Regime = 'fixed-point' | 'limit-cycle' | 'chaotic' | 'noise' | 'unknown'

/** What `classifyDynamics` found, with the figures it decided on. */
export interface DynamicsReport {
  /** The verdict. */
  readonly regime: Regime
  /** Largest Lyapunov exponent per unit time (Rosenstein); 0 for a series that repeats exactly; NaN where the verdict did not need it or it cannot exist (constant, dying out, noise). */
  readonly lyapunov: number
  /** The 0-1 test's K (median over frequencies); NaN where not computed. */
  readonly k01: number
  /** Normalised permutation entropy of order `order`, delay 1. */
  readonly permutationEntropy: number
  /** Embedding dimension used (NaN where nothing was embedded). */
  readonly dimension: number
  /** Embedding delay in samples (NaN where nothing was embedded). */
  readonly delay: number
  /** True for a fixed point or a limit cycle: nearby states do not separate. */
  readonly stable: boolean
  /** In [0, 1]: how far the deciding indicators sit past their thresholds (1 for direct checks, 0 for `'unknown'`). */
  readonly confidence: number
  /** Why, in words, with the figures that decided it. */
  readonly reason: string
}

/** Options of `classifyDynamics` (and of `attractorWindow`); an unknown name is a `TypeError`. */
export interface ClassifyOptions {
  /** Sampling interval, so `lyapunov` is per unit time. Default 1. */
  readonly dt?: number
  /** Embedding dimension; estimated by false nearest neighbours when omitted. */
  readonly dimension?: number
  /** Embedding delay in samples; estimated when omitted (the smaller of the mutual-information and autocorrelation delays). */
  readonly delay?: number
  /** Largest dimension the estimate may choose. Default 8. */
  readonly maxDimension?: number
  /** Shorter series are `'unknown'`. Default 200, at least 50. */
  readonly minLength?: number
  /** Order of the permutation entropy (its noise guard). Default 4. */
  readonly order?: number
  /** Frequencies c in the 0-1 test's median. Default 40: the median settles well before the 100 of the standalone test, at 40% of its cost. */
  readonly cCount?: number
  /** Seed of the 0-1 test's frequencies. */
  readonly seed?: number
}

/** Options after defaults and checks, so an operator validates once and classifies many windows. */
export interface ClassifySettings {
  /** Sampling interval. */
  readonly dt: number
  /** Embedding dimension, or undefined to estimate it. */
  readonly dimension: number | undefined
  /** Embedding delay, or undefined to estimate it. */
  readonly delay: number | undefined
  /** Largest dimension tried by the estimate. */
  readonly maxDimension: number
  /** Fewest values judged. */
  readonly minLength: number
  /** Permutation-entropy order. */
  readonly order: number
  /** Frequencies of the 0-1 test. */
  readonly cCount: number
  /** Seed of the 0-1 test's frequencies. */
  readonly seed: number
}

/** Permutation entropy at or above this is indistinguishable from i.i.d. noise (which gives ~1). */
export const NOISE_ENTROPY = 0.95
/** K at or above this: the 0-1 test sees unbounded (diffusive) translation, the mark of chaos. */
const CHAOS_K = 0.5
/** Separation growth per mean period (lambda times the mean period, in nats) counted as exponential divergence. */
const EXPANDING = 0.15
/** ... and as contraction. */
const CONTRACTING = -0.05
/** Amplitude in the last eighth below this fraction of the first eighth's: the motion dies out. */
const DECAY_RATIO = 0.1
const ENVELOPE_SEGMENTS = 8
/** Differences below this fraction of the range are rounding: constant values, exact repeats. */
const RELATIVE_TOLERANCE = 1e-9
/** Fewest samples the 0-1 test keeps after subsampling. */
const ZERO_ONE_SAMPLES = 300

/**
 * Classifies the dynamics behind a series: `'fixed-point'`, `'limit-cycle'`, `'chaotic'`, `'noise'`,
 * or `'unknown'` (too short, or indicators that disagree) with a `reason`, never a guess.
 *
 * In order: a constant series, or one whose amplitude dies out (eighths of steadily falling
 * standard deviation, the last under half the first, or under a tenth), is a fixed point. Ordinal patterns that are all about equally likely (permutation entropy
 * >= 0.95: deterministic dynamics forbid some patterns, noise forbids none) are noise, which also
 * gives a positive exponent and K near 1 and so must be caught first. A series that repeats
 * exactly with some period is a limit cycle. Otherwise the series is embedded and two independent
 * indicators decide: the 0-1 test (K >= 0.5 is chaos, sampled once per embedding delay as
 * Gottwald and Melbourne advise for flows, keeping at least 300 samples) and Rosenstein's largest exponent scaled by the mean
 * period (>= 0.15 nats per period is divergence, <= -0.05 contraction). Chaos needs both; a limit
 * cycle needs neither; a fixed point needs contraction without K.
 *
 * Bad values are a `TypeError` naming the index; bad options a `RangeError`.
 *
 * ```ts
 * const x = new Float64Array(1000); x[0] = 0.3
 * for (let i = 1; i < x.length; i++) x[i] = 3.9 * x[i - 1] * (1 - x[i - 1])
 * classifyDynamics(x).regime // 'chaotic'
 * ```
 *
 * References: Rosenstein et al. (1993), Gottwald and Melbourne (2009), Bandt and Pompe (2002).
 * @see lyapunovRosenstein, zeroOneTest, permutationEntropy, attractorWindow
 */
export function classifyDynamics(series: ArrayLike<number>, options: ClassifyOptions = {}): DynamicsReport {
  const settings = resolveClassifyOptions(
    'classifyDynamics',
    checkOptions('classifyDynamics', options, CLASSIFY_OPTIONS),
  )
  checkFiniteSeries('classifyDynamics', 'series', series)
  return classifyWith(series, settings)
}

/** The option names of `classifyDynamics`, which `attractorWindow` accepts too. @internal */
export const CLASSIFY_OPTIONS: readonly string[] = [
  'dt',
  'dimension',
  'delay',
  'maxDimension',
  'minLength',
  'order',
  'cCount',
  'seed',
]
/** Bounds of the classifier's integer options: dimensions, the shortest series judged, orders, 0-1 test frequencies. */
const MAX_CLASSIFY_DIMENSION = 20
const MIN_CLASSIFY_LENGTH = 50
const MIN_ORDER = 2
const MAX_ORDER = 8
const MAX_C_COUNT = 10_000

/**
 * `classifyDynamics`' options checked (for the public function `fn`; unknown names are the
 * caller's to refuse) with their defaults filled in.
 * @internal
 */
export function resolveClassifyOptions(fn: string, options: ClassifyOptions): ClassifySettings {
  const {
    dt = 1,
    dimension,
    delay,
    maxDimension = 8,
    minLength = 200,
    order = 4,
    cCount = 40,
    seed = ZERO_ONE_DEFAULT_SEED,
  } = options
  checkPositive(fn, 'dt', dt)
  if (dimension !== undefined) checkInteger(fn, 'dimension', dimension, { min: 1 })
  if (delay !== undefined) checkInteger(fn, 'delay', delay, { min: 1 })
  checkInteger(fn, 'maxDimension', maxDimension, { min: 1, max: MAX_CLASSIFY_DIMENSION })
  checkInteger(fn, 'minLength', minLength, { min: MIN_CLASSIFY_LENGTH })
  checkInteger(fn, 'order', order, { min: MIN_ORDER, max: MAX_ORDER })
  checkInteger(fn, 'cCount', cCount, { min: 1, max: MAX_C_COUNT })
  checkNumber(fn, 'seed', seed)
  return { dt, dimension, delay, maxDimension, minLength, order, cCount, seed }
}

/** What an operator already knows about a window (carried over from the one before it). */
export interface KnownWindowFacts {
  readonly permutationEntropy?: number
  readonly delay?: number
  readonly dimension?: number
}

/** `classifyDynamics` on a series already checked to be finite. */
export function classifyWith(
  x: ArrayLike<number>,
  settings: ClassifySettings,
  known: KnownWindowFacts = {},
): DynamicsReport {
  const n = x.length
  const nothing = { lyapunov: Number.NaN, k01: Number.NaN, dimension: Number.NaN, delay: Number.NaN }
  if (n < settings.minLength) {
    return {
      regime: 'unknown',
      ...nothing,
      permutationEntropy: Number.NaN,
      stable: false,
      confidence: 0,
      reason: `too short to judge: ${n} values, needs at least ${settings.minLength}`,
    }
  }
  const pe = known.permutationEntropy ?? permutationEntropy(x, settings.order, 1)
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < n; i++) {
    if (x[i] < min) min = x[i]
    if (x[i] > max) max = x[i]
  }
  const settled = settling(x, min, max)
  if (settled !== null)
    return { regime: 'fixed-point', ...nothing, permutationEntropy: pe, stable: true, confidence: 1, reason: settled }
  if (pe >= NOISE_ENTROPY) {
    return {
      regime: 'noise',
      ...nothing,
      permutationEntropy: pe,
      stable: false,
      confidence: clamp01((pe - NOISE_ENTROPY) / (1 - NOISE_ENTROPY)),
      reason: `ordinal patterns of order ${settings.order} are near uniform (permutation entropy ${fmt(pe)} >= ${NOISE_ENTROPY}): no forbidden patterns, no determinism`,
    }
  }
  const period = exactPeriod(x, min, max)
  if (period > 0) {
    return {
      regime: 'limit-cycle',
      ...nothing,
      // exact repeats: neighbours coincide and stay together (lyapunovRosenstein's exactRepeats case)
      lyapunov: 0,
      permutationEntropy: pe,
      stable: true,
      confidence: 1,
      reason: `repeats exactly every ${period} samples`,
    }
  }
  return classifyEmbedded(x, settings, known, pe)
}

/** The verdict of the two indicators on the embedded series: the 0-1 test and Rosenstein's exponent. */
function classifyEmbedded(
  x: ArrayLike<number>,
  settings: ClassifySettings,
  known: KnownWindowFacts,
  pe: number,
): DynamicsReport {
  const n = x.length
  const delay = settings.delay ?? known.delay ?? embeddingDelay(x)
  let dimension: number
  try {
    dimension =
      settings.dimension ?? known.dimension ?? estimateDimension(x, delay, { maxDimension: settings.maxDimension })
  } catch (error) {
    // a short window whose estimated delay leaves too few vectors for the false-neighbour count
    if (!(error instanceof RangeError)) throw error
    return {
      regime: 'unknown',
      lyapunov: Number.NaN,
      k01: Number.NaN,
      permutationEntropy: pe,
      dimension: Number.NaN,
      delay,
      stable: false,
      confidence: 0,
      reason: `no embedding dimension: ${error.message}`,
    }
  }
  const embedded = { dimension, delay, permutationEntropy: pe }
  // once per delay, but keep 300 samples: on fewer the test's few lags make a regular series look diffusive
  const subsample = Math.max(1, Math.min(delay, Math.floor(n / ZERO_ONE_SAMPLES)))
  const k01 = zeroOneTest(x, { subsample, cCount: settings.cCount, seed: settings.seed })
  let perSample: number
  try {
    perSample = lyapunovRosenstein(x, { dimension, delay }).exponent
  } catch (error) {
    if (!(error instanceof RangeError)) throw error
    return {
      regime: 'unknown',
      ...embedded,
      lyapunov: Number.NaN,
      k01,
      stable: false,
      confidence: 0,
      reason: `no Lyapunov exponent: ${error.message}`,
    }
  }
  const lyapunov = perSample / settings.dt
  const cycle = meanPeriod(x)
  const growth = perSample * cycle
  const figures = `K = ${fmt(k01)}, exponent x mean period = ${fmt(growth)} nats (mean period ${fmt(cycle)} samples)`
  const determinism = clamp01((NOISE_ENTROPY - pe) / 0.2)
  const regularity = clamp01(Math.abs(k01 - CHAOS_K) / 0.4)
  const irregular = k01 >= CHAOS_K
  const report = (regime: Regime, evidence: number, reason: string): DynamicsReport => ({
    regime,
    ...embedded,
    lyapunov,
    k01,
    stable: regime === 'fixed-point' || regime === 'limit-cycle',
    confidence: regime === 'unknown' ? 0 : (regularity + evidence + determinism) / 3,
    reason: `${reason}: ${figures}`,
  })
  if (irregular && growth >= EXPANDING)
    return report('chaotic', clamp01((growth - EXPANDING) / 0.3), 'diffusive 0-1 test and exponential divergence')
  if (!irregular && growth <= CONTRACTING)
    return report('fixed-point', clamp01((CONTRACTING - growth) / 0.1), 'bounded 0-1 test and contracting neighbours')
  if (!irregular && growth < EXPANDING)
    return report('limit-cycle', clamp01((EXPANDING - growth) / 0.1), 'bounded 0-1 test and no exponential divergence')
  return report(
    'unknown',
    0,
    irregular
      ? 'the 0-1 test says chaos but neighbours do not diverge'
      : 'neighbours diverge but the 0-1 test stays bounded',
  )
}

/** Why the series is at (or dying into) a fixed point, or null. */
function settling(x: ArrayLike<number>, min: number, max: number): string | null {
  const n = x.length
  const scale = Math.max(Math.abs(min), Math.abs(max))
  if (max - min <= RELATIVE_TOLERANCE * scale) return `constant at ${fmt(x[0])}`
  // a decaying envelope: every eighth quieter than the one before, and the last under half the first
  const segment = Math.floor(n / ENVELOPE_SEGMENTS)
  let previous = standardDeviation(x, 0, segment)
  const first = previous
  let decaying = true
  for (let k = 1; k < ENVELOPE_SEGMENTS && decaying; k++) {
    const current = standardDeviation(x, k * segment, (k + 1) * segment)
    decaying = current <= 0.98 * previous
    previous = current
  }
  if (previous <= DECAY_RATIO * first || (decaying && previous <= 0.5 * first)) {
    return `the motion dies out: standard deviation ${fmt(first)} in the first eighth, ${fmt(previous)} in the last`
  }
  return null
}

/** The smallest p <= n/3 with x[i + p] = x[i] (to rounding) over the last two thirds, or 0. */
function exactPeriod(x: ArrayLike<number>, min: number, max: number): number {
  const n = x.length
  const tolerance = 1e-6 * (max - min)
  const from = Math.floor(n / 3)
  for (let p = 1; p <= from; p++) {
    let i = from
    while (i + p < n && Math.abs(x[i + p] - x[i]) <= tolerance) i++
    if (i + p >= n) return p
  }
  return 0
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v)
const fmt = (v: number): string => (Number.isFinite(v) ? Number(v.toPrecision(3)).toString() : String(v))
