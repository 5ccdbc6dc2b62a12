/**
 * One window of `attractorWindow`'s analysis as a pure function of its inputs: the window's values
 * in order, the classifier's settings, the window's permutation entropy (kept incrementally by the
 * operator) and the embedding carried from earlier windows. The operator calls it in its own thread,
 * and a worker of `midstream/offload` calls the same function on the same inputs, so an offloaded
 * analysis gives exactly the in-thread report.
 */
import { type ClassifySettings, classifyWith, type DynamicsReport, type Regime } from './classifyDynamics'

/** The embedding reused while the regime holds: estimated on one window, used by `uses` windows so far. */
export interface CarriedEmbedding {
  /** Embedding delay, in samples. */
  readonly delay: number
  /** Embedding dimension. */
  readonly dimension: number
  /** The regime of the window it was estimated on. */
  readonly regime: Regime
  /** Windows that have used it. */
  readonly uses: number
}

/** What one window's analysis needs besides its values. */
export interface WindowAnalysisInput {
  /** The classifier's settings (defaults filled in). */
  readonly classify: ClassifySettings
  /** The window's normalised permutation entropy (order `classify.order`, delay 1). */
  readonly permutationEntropy: number
  /** The embedding carried from earlier windows, or null. */
  readonly carried: CarriedEmbedding | null
  /** Windows that may reuse one embedding estimate. */
  readonly reestimateEvery: number
}

/** A window's report and the embedding to carry to the next window. */
export interface WindowAnalysis {
  /** The window's `classifyDynamics` report. */
  readonly report: DynamicsReport
  /** The embedding the next window carries, or null. */
  readonly carried: CarriedEmbedding | null
}

/**
 * Classifies the dynamics of one window, reusing the carried embedding while it has been used
 * fewer than `reestimateEvery` times and its regime holds, else estimating delay and dimension
 * again; returns the report and the embedding the next window carries (none after an `'unknown'`
 * verdict or a window that embedded nothing).
 *
 * Parameters: `values`, the window's values oldest first (finite, checked by the caller);
 * `input` as in `WindowAnalysisInput`.
 *
 * ```ts
 * const first = analyseWindow(values, { classify, permutationEntropy: pe, carried: null, reestimateEvery: 2 })
 * const next = analyseWindow(nextValues, { classify, permutationEntropy: pe2, carried: first.carried, reestimateEvery: 2 })
 * ```
 *
 * References: as `classifyDynamics`.
 */
export function analyseWindow(values: ArrayLike<number>, input: WindowAnalysisInput): WindowAnalysis {
  const { classify, permutationEntropy, carried, reestimateEvery } = input
  const known = { permutationEntropy }
  let report =
    carried !== null && carried.uses < reestimateEvery
      ? classifyWith(values, classify, { ...known, delay: carried.delay, dimension: carried.dimension })
      : null
  if (report !== null && report.regime !== carried?.regime) report = null
  let next: CarriedEmbedding | null = carried
  if (report === null) {
    report = classifyWith(values, classify, known)
    // an embedding is worth carrying only where it led to a verdict
    next =
      Number.isNaN(report.delay) || report.regime === 'unknown'
        ? null
        : { delay: report.delay, dimension: report.dimension, regime: report.regime, uses: 0 }
  }
  if (next !== null) next = { ...next, uses: next.uses + 1 }
  return { report, carried: next }
}
