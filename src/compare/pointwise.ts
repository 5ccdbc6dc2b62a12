import { describeValue } from '../errors'

/**
 * Throws a TypeError, prefixed with the public name `fn` that was called, naming the first element
 * of `x` that is not a finite number (or saying that `x` is not an array at all).
 * @internal
 */
export function checkFiniteSeries(fn: string, name: string, x: ArrayLike<number>): void {
  if (x === null || typeof x !== 'object' || typeof x.length !== 'number')
    throw new TypeError(`${fn}: ${name} must be an array or typed array of numbers, got ${describeValue(x)}`)
  for (let i = 0; i < x.length; i++) {
    const v = x[i]
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new TypeError(`${fn}: ${name}[${i}] must be a finite number, got ${describeValue(v)}`)
  }
}

/**
 * The Euclidean (L2) distance: the square root of the summed squared differences. Sequences of
 * unequal length are a `RangeError`.
 *
 * ```ts
 * euclidean([0, 0], [3, 4]) // 5
 * ```
 * @see dtw, which also aligns in time.
 */
export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkFiniteSeries('euclidean', 'a', a)
  checkFiniteSeries('euclidean', 'b', b)
  if (a.length !== b.length) throw new RangeError(`euclidean: needs equal lengths, got ${a.length} and ${b.length}`)
  let s = 0
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i]
    s += d * d
  }
  return Math.sqrt(s)
}

/**
 * Z-normalisation: subtract the mean, divide by the (population) standard deviation. A constant
 * series has no shape to compare and becomes all zeros (the UCR suite's convention).
 *
 * ```ts
 * zNormalize([1, 2, 3]) // Float64Array [-1.2247, 0, 1.2247]
 * ```
 * @see findMatches and dtwMatch, whose `normalize` option applies it per window.
 */
export function zNormalize(x: ArrayLike<number>): Float64Array {
  checkFiniteSeries('zNormalize', 'x', x)
  const n = x.length
  const out = new Float64Array(n)
  if (n === 0) return out
  let mean = 0
  for (let i = 0; i < n; i++) mean += x[i]
  mean /= n
  let variance = 0
  for (let i = 0; i < n; i++) variance += (x[i] - mean) ** 2
  const std = Math.sqrt(variance / n)
  if (!(std > 1e-12 * Math.max(1, Math.abs(mean)))) return out
  for (let i = 0; i < n; i++) out[i] = (x[i] - mean) / std
  return out
}
