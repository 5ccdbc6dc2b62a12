/**
 * Min/max decimation per pixel column, for drawing a long series in a narrow chart: the time range
 * `[t0, t1]` is cut into `columns` equal columns, and of the points that fall in each column only
 * the smallest and the largest are kept (in their time order; one point if the column has one).
 * Every local extreme therefore survives: a one-sample spike among thousands of points is still
 * drawn at its full height, which taking every k-th point or averaging would lose.
 *
 * The input is a ring buffer (`times`/`values` of equal length, `size` points ending just before
 * `head`), read in place; times need not be sorted (the output is, by column). Points outside
 * `[t0, t1]` are skipped. O(size + columns) time, no allocation: the caller owns `scratch`
 * (4 × `columns`) and the outputs (2 × `columns`).
 *
 * @param times - Point times (ring).
 * @param values - Point values (ring).
 * @param head - Ring position after the newest point.
 * @param size - Points held in the ring.
 * @param t0 - Start of the drawn time range.
 * @param t1 - End of the drawn time range (> t0, or equal for a single instant).
 * @param columns - Pixel columns (≥ 1).
 * @param scratch - Work space of at least 4 × columns.
 * @param outTimes - Receives the kept points' times.
 * @param outValues - Receives the kept points' values.
 * @returns How many points were written to the outputs (at most 2 × columns).
 *
 * @example
 * ```ts
 * const n = minMaxDecimate(times, values, head, size, times[0], times[size - 1], 600, scratch, xs, ys)
 * chart.setData([xs.subarray(0, n), ys.subarray(0, n)])
 * ```
 *
 * References: the M4 aggregation (first, last, min, max per pixel column) of Jugel et al., "M4: A
 * Visualization-Oriented Time Series Data Aggregation", PVLDB 7(10), 2014; min/max per column is its
 * subset that keeps every column's vertical extent.
 */
export function minMaxDecimate(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  head: number,
  size: number,
  t0: number,
  t1: number,
  columns: number,
  scratch: Float64Array,
  outTimes: Float64Array,
  outValues: Float64Array,
): number {
  const capacity = times.length
  // scratch holds, per column: min value, time of min, max value, time of max (NaN: empty column)
  scratch.fill(Number.NaN, 0, 4 * columns)
  const span = t1 - t0
  const scale = span > 0 ? columns / span : 0
  let at = head - size
  if (at < 0) at += capacity
  for (let i = 0; i < size; i++) {
    const t = times[at]
    const v = values[at]
    at = at + 1 === capacity ? 0 : at + 1
    if (!(t >= t0 && t <= t1)) continue
    let column = Math.floor((t - t0) * scale)
    if (column >= columns) column = columns - 1
    const base = 4 * column
    const min = scratch[base]
    if (!(v >= min)) {
      scratch[base] = v
      scratch[base + 1] = t
    }
    if (!(v <= scratch[base + 2])) {
      scratch[base + 2] = v
      scratch[base + 3] = t
    }
  }
  let n = 0
  for (let column = 0; column < columns; column++) {
    const base = 4 * column
    const min = scratch[base]
    if (Number.isNaN(min)) continue
    const minTime = scratch[base + 1]
    const max = scratch[base + 2]
    const maxTime = scratch[base + 3]
    if (minTime === maxTime && min === max) {
      outTimes[n] = minTime
      outValues[n++] = min
    } else if (minTime <= maxTime) {
      outTimes[n] = minTime
      outValues[n++] = min
      outTimes[n] = maxTime
      outValues[n++] = max
    } else {
      outTimes[n] = maxTime
      outValues[n++] = max
      outTimes[n] = minTime
      outValues[n++] = min
    }
  }
  return n
}
