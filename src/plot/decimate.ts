import { checkFiniteSeries } from '../compare/pointwise'
import { checkInteger } from '../validate'

/** What `decimateMinMax` keeps of a series: sample indices in increasing order and their values. */
export interface Decimated {
  /** Indices into the series of the samples kept, strictly increasing. */
  readonly index: Uint32Array
  /** `series[index[k]]` for each k. */
  readonly value: Float64Array
  /** Samples kept (`index.length`). */
  readonly length: number
}

/**
 * Decimates a series for a line chart `columns` pixels wide, so that no extreme is lost: the
 * series is cut into `columns` runs of consecutive samples (column c holds samples
 * floor(c n / columns) to floor((c + 1) n / columns) - 1), and of each run the first, the
 * smallest, the largest and the last sample are kept, in their order (M4 aggregation). A line
 * through the kept samples draws in each column the same vertical extent as the full series, so a
 * one-sample spike always shows; at most 4 samples per column are kept, and a series of no more
 * than 4 * columns samples is kept whole. The first of equal minima (maxima) is the one kept.
 * O(n), one pass, no allocation beyond the result.
 *
 * Parameters:
 * - `series`: finite numbers (an array or typed array); empty is a `RangeError`, a NaN a `TypeError`.
 * - `columns`: pixel columns, an integer >= 1.
 *
 * ```ts
 * const { index, value } = decimateMinMax([0, 0, 9, 0, 0, 0, -3, 0, 1, 1], 2)
 * // index [0, 2, 4, 5, 6, 8, 9], value [0, 9, 0, 0, -3, 1, 1]
 * ```
 *
 * References: U. Jugel, Z. Jerzak, G. Hackenbroich, V. Markl, "M4: A Visualization-Oriented Time
 * Series Data Aggregation", PVLDB 7(10) (2014) 797-808.
 */
export function decimateMinMax(series: ArrayLike<number>, columns: number): Decimated {
  checkFiniteSeries('decimateMinMax', 'series', series)
  checkInteger('decimateMinMax', 'columns', columns, { min: 1 })
  const n = series.length
  if (n === 0) throw new RangeError('decimateMinMax: series must not be empty')
  if (n <= 4 * columns) {
    const index = new Uint32Array(n)
    const value = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      index[i] = i
      value[i] = series[i]
    }
    return { index, value, length: n }
  }
  const index = new Uint32Array(4 * columns)
  let kept = 0
  for (let c = 0; c < columns; c++) {
    const from = Math.floor((c * n) / columns)
    const to = Math.floor(((c + 1) * n) / columns) // exclusive; > from since n > columns
    let lo = from
    let hi = from
    for (let i = from + 1; i < to; i++) {
      const v = series[i]
      if (v < series[lo]) lo = i
      if (v > series[hi]) hi = i
    }
    const last = to - 1
    // first <= min(lo, hi) <= max(lo, hi) <= last: append in order, skipping repeats
    index[kept++] = from
    const a = lo < hi ? lo : hi
    const b = lo < hi ? hi : lo
    if (a !== from) index[kept++] = a
    if (b !== a) index[kept++] = b
    if (last !== b) index[kept++] = last
  }
  const trimmed = index.slice(0, kept)
  const value = new Float64Array(kept)
  for (let k = 0; k < kept; k++) value[k] = series[trimmed[k]]
  return { index: trimmed, value, length: kept }
}
