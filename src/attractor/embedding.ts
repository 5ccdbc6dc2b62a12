import { checkFiniteSeries } from '../compare/pointwise'
import { checkInteger } from '../validate'

/**
 * A delay embedding (Takens): point i is (x[i], x[i + delay], ..., x[i + (dimension - 1) delay]),
 * stored row by row in `data`, so component k of point i is `data[i * dimension + k]`.
 */
export interface Embedding {
  /** The points, row by row: component k of point i at `data[i * dimension + k]`. */
  readonly data: Float64Array
  /** Number of points: series length - (dimension - 1) * delay. */
  readonly count: number
  /** Coordinates per point. */
  readonly dimension: number
  /** Samples between consecutive coordinates. */
  readonly delay: number
}

/**
 * Reconstructs a state space from a scalar series by the method of delays (Takens 1981), the
 * convention of TISEAN and nolds. A `RangeError` when the series is too short for one point.
 *
 * ```ts
 * delayEmbed([1, 2, 3, 4, 5], 2, 2) // { count: 3, dimension: 2, data: [1, 3, 2, 4, 3, 5] }
 * ```
 *
 * References: F. Takens, "Detecting strange attractors in turbulence", Lecture Notes in Math. 898
 * (1981).
 * @see estimateDelay, estimateDimension
 */
export function delayEmbed(series: ArrayLike<number>, dimension: number, delay: number): Embedding {
  checkFiniteSeries('delayEmbed', 'series', series)
  checkEmbeddingParameters('delayEmbed', dimension, delay)
  const count = series.length - (dimension - 1) * delay
  if (count < 1)
    throw new RangeError(
      `delayEmbed: needs at least ${(dimension - 1) * delay + 1} values for dimension ${dimension} and delay ${delay}, got ${series.length}`,
    )
  return embedUnchecked(series, dimension, delay)
}

/** `delayEmbed` without validation, for kernels that validated their input once already. */
export function embedUnchecked(series: ArrayLike<number>, dimension: number, delay: number): Embedding {
  const count = Math.max(0, series.length - (dimension - 1) * delay)
  const data = new Float64Array(count * dimension)
  for (let k = 0; k < dimension; k++) {
    const shift = k * delay
    for (let i = 0, o = k; i < count; i++, o += dimension) data[o] = series[i + shift]
  }
  return { data, count, dimension, delay }
}

/**
 * Checks an embedding's dimension and delay (integers >= 1) for the public function `fn`.
 * @internal
 */
export function checkEmbeddingParameters(fn: string, dimension: unknown, delay: unknown): void {
  checkInteger(fn, 'dimension', dimension, { min: 1 })
  checkInteger(fn, 'delay', delay, { min: 1 })
}
