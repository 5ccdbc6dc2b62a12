import { describeValue } from '../errors'
import { checkOptions } from '../validate'

/** A cost between two elements: built-in names for numbers and vectors, or any function. */
export type DtwCost<T> = 'squared' | 'absolute' | ((x: T, y: T) => number)

/** Options of `dtw` and `dtwPath`; an unknown name is a `TypeError`. */
export interface DtwOptions<T> {
  /**
   * Sakoe-Chiba band half-width: an integer number of samples, or, when in (0, 1), a fraction of
   * the longer length (floored). Cells with |i - j| above it are excluded; for sequences of unequal
   * length the band is widened to |n - m| so that a path exists. Default: no band.
   */
  band?: number
  /** Per-pair cost; default `'squared'` (the UCR convention: the distance is the accumulated cost, no square root). */
  cost?: DtwCost<T>
  /**
   * Early abandoning: return `Infinity` as soon as every warping path is certain to cost more than
   * this (a whole row of the matrix is above it). Otherwise the exact distance. Costs must be >= 0.
   */
  abandonAbove?: number
}

/** A warping path from (0, 0) to (n - 1, m - 1), each step moving i, j or both by one. */
export type WarpingPath = Array<[number, number]>

/** The cost of cell (i, j) as a closure over the inputs, picked once per call. */
type CellCost = (i: number, j: number) => number

/**
 * Dynamic time warping distance between `a` and `b`: numbers, vectors of equal dimension
 * (multivariate), or any values with a `cost` function (e.g. tokens with a 0/1 cost). O(n * w)
 * time for band half-width w (O(n * m) without a band) and O(min(n, m)) memory. Empty input is
 * a `RangeError`.
 *
 * ```ts
 * dtw([0, 1, 2, 3], [0, 0, 1, 2, 3])            // 0: the second is the first, stretched
 * dtw([0, 1, 2], [1, 2, 3], { cost: 'absolute' }) // 2
 * dtw(['a', 'b'], ['a', 'c'], { cost: (x, y) => (x === y ? 0 : 1) }) // 1
 * ```
 *
 * References: H. Sakoe, S. Chiba, "Dynamic programming algorithm optimization for spoken word
 * recognition", IEEE Trans. ASSP 26(1) (1978) 43-49 (the band).
 * @see dtwPath for the warping path, findMatches to search a long series, Spring and dtwMatch for streams.
 */
export function dtw<T = number | ArrayLike<number>>(
  a: ArrayLike<T>,
  b: ArrayLike<T>,
  options: DtwOptions<T> = {},
): number {
  const n = a.length
  const m = b.length
  const w = prepare('dtw', a, b, options)
  const abandonAbove = checkAbandon('dtw', options.abandonAbove)
  // rows over the longer sequence, a row as long as the shorter one: O(min(n, m)) memory
  const rowsOverA = n >= m
  const rows = rowsOverA ? n : m
  const cols = rowsOverA ? m : n
  const cellCost = makeCellCost('dtw', a, b, options.cost, !rowsOverA)
  if (typeof a[0] === 'number' && typeof options.cost !== 'function') {
    const x = (rowsOverA ? a : b) as unknown as ArrayLike<number>
    const y = (rowsOverA ? b : a) as unknown as ArrayLike<number>
    return dtwNumbers(x, y, w, options.cost !== 'absolute', abandonAbove)
  }
  let prev = new Float64Array(cols + 1).fill(Infinity)
  let curr = new Float64Array(cols + 1).fill(Infinity)
  prev[0] = 0
  for (let i = 1; i <= rows; i++) {
    const lo = Math.max(1, i - w)
    const hi = Math.min(cols, i + w)
    curr[lo - 1] = Infinity
    let rowMin = Infinity
    for (let j = lo; j <= hi; j++) {
      const d = Math.min(prev[j - 1], prev[j], curr[j - 1]) + cellCost(i - 1, j - 1)
      curr[j] = d
      if (d < rowMin) rowMin = d
    }
    if (hi < cols) curr[hi + 1] = Infinity
    if (rowMin > abandonAbove) return Infinity
    const t = prev
    prev = curr
    curr = t
  }
  return prev[cols]
}

/**
 * The hot path of `dtw` for plain numbers (inputs already checked): the same recurrence as the
 * generic loop with the cost inlined, rows over `x` (the longer), a row as long as `y`.
 */
function dtwNumbers(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  w: number,
  squared: boolean,
  abandonAbove: number,
): number {
  const rows = x.length
  const cols = y.length
  let prev = new Float64Array(cols + 1).fill(Infinity)
  let curr = new Float64Array(cols + 1).fill(Infinity)
  prev[0] = 0
  for (let i = 1; i <= rows; i++) {
    const lo = Math.max(1, i - w)
    const hi = Math.min(cols, i + w)
    const xi = x[i - 1]
    curr[lo - 1] = Infinity
    let rowMin = Infinity
    let left = Infinity
    let diag = prev[lo - 1]
    for (let j = lo; j <= hi; j++) {
      const up = prev[j]
      const diff = xi - y[j - 1]
      // Math.min compiles to branch-free minsd; ternaries mispredict on random data
      const d = Math.min(diag, up, left) + (squared ? diff * diff : Math.abs(diff))
      curr[j] = d
      if (d < rowMin) rowMin = d
      left = d
      diag = up
    }
    if (hi < cols) curr[hi + 1] = Infinity
    if (rowMin > abandonAbove) return Infinity
    const t = prev
    prev = curr
    curr = t
  }
  return prev[cols]
}

/** Cells `dtwPath` may store (2^28, 2 GiB of Float64): beyond it a band must narrow the matrix. */
const MAX_PATH_CELLS = 2 ** 28

/**
 * DTW distance and one optimal warping path (ties broken diagonal first, then by advancing `a`,
 * then `b`). Stores the band of the matrix: O(n * (2w + 1)) memory, O(n * m) without a band.
 *
 * ```ts
 * dtwPath([0, 1, 2], [0, 1, 1, 2]).path // [[0, 0], [1, 1], [1, 2], [2, 3]]
 * ```
 *
 * References: Sakoe and Chiba (1978), as `dtw`.
 * @see dtw for the distance alone, in O(min(n, m)) memory.
 */
export function dtwPath<T = number | ArrayLike<number>>(
  a: ArrayLike<T>,
  b: ArrayLike<T>,
  options: DtwOptions<T> = {},
): {
  /** The DTW distance, as `dtw` gives it. */
  distance: number
  /** An optimal warping path. */
  path: WarpingPath
} {
  const n = a.length
  const m = b.length
  const w = prepare('dtwPath', a, b, options)
  const abandonAbove = checkAbandon('dtwPath', options.abandonAbove)
  const cellCost = makeCellCost('dtwPath', a, b, options.cost, false)
  const width = 2 * w + 1
  if (n * width > MAX_PATH_CELLS)
    throw new RangeError(`dtwPath: would store ${n} x ${width} cells; give a narrower band`)
  // cell (i, j) with |i - j| <= w lives at i * width + (j - i + w)
  const D = new Float64Array(n * width).fill(Infinity)
  const at = (i: number, j: number): number =>
    i < 0 || j < 0 || j - i > w || i - j > w ? Infinity : D[i * width + (j - i + w)]
  for (let i = 0; i < n; i++) {
    let rowMin = Infinity
    for (let j = Math.max(0, i - w), hi = Math.min(m - 1, i + w); j <= hi; j++) {
      let best: number
      if (i === 0 && j === 0) best = 0
      else {
        const diag = at(i - 1, j - 1)
        const up = at(i - 1, j)
        const left = at(i, j - 1)
        best = diag < up ? diag : up
        if (left < best) best = left
      }
      const d = best + cellCost(i, j)
      D[i * width + (j - i + w)] = d
      if (d < rowMin) rowMin = d
    }
    if (rowMin > abandonAbove) return { distance: Infinity, path: [] }
  }
  const path: WarpingPath = []
  let i = n - 1
  let j = m - 1
  path.push([i, j])
  while (i > 0 || j > 0) {
    const diag = at(i - 1, j - 1)
    const up = at(i - 1, j)
    const left = at(i, j - 1)
    if (diag <= up && diag <= left) {
      i--
      j--
    } else if (up <= left) i--
    else j--
    path.push([i, j])
  }
  path.reverse()
  return { distance: at(n - 1, m - 1), path }
}

const DTW_OPTIONS = ['band', 'cost', 'abandonAbove']

/** Resolves the band to a half-width in samples, after checking the inputs for the public function `fn`. */
function prepare<T>(fn: string, a: ArrayLike<T>, b: ArrayLike<T>, options: DtwOptions<T>): number {
  checkOptions(fn, options, DTW_OPTIONS)
  checkSequence(fn, a, 'a')
  checkSequence(fn, b, 'b')
  const n = a.length
  const m = b.length
  const longer = Math.max(n, m)
  return Math.max(bandHalfWidth(fn, options.band, longer), Math.abs(n - m))
}

/**
 * Throws a `RangeError` starting with the public name `fn` unless `band` is undefined, a number of
 * samples >= 0, or a fraction in (0, 1).
 * @internal
 */
export function checkBand(fn: string, band: unknown): void {
  if (band !== undefined && (typeof band !== 'number' || !(band >= 0) || band === Infinity)) {
    throw new RangeError(
      `${fn}: band must be a number of samples >= 0 or a fraction in (0, 1), got ${describeValue(band)}`,
    )
  }
}

/**
 * The Sakoe-Chiba half-width a `band` option means for sequences whose longer one has `length`
 * samples: all of it when undefined, a fraction (< 1) of it floored, or a sample count; never
 * more than `length`. The one reading of `band` shared by every kernel that takes it; `fn` names
 * the public function in the error a bad band throws.
 * @internal
 */
export function bandHalfWidth(fn: string, band: number | undefined, length: number): number {
  checkBand(fn, band)
  if (band === undefined) return length
  return Math.min(length, band > 0 && band < 1 ? Math.floor(band * length) : Math.floor(band))
}

function checkSequence(fn: string, x: unknown, name: string): void {
  if (x === null || typeof x !== 'object' || typeof (x as ArrayLike<unknown>).length !== 'number') {
    throw new TypeError(`${fn}: ${name} must be an array or typed array, got ${describeValue(x)}`)
  }
  if ((x as ArrayLike<unknown>).length === 0)
    throw new RangeError(`${fn}: ${name} is empty; DTW needs at least one element on each side`)
}

function checkAbandon(fn: string, value: unknown): number {
  if (value === undefined) return Infinity
  if (typeof value !== 'number')
    throw new TypeError(`${fn}: abandonAbove must be a number, got ${describeValue(value)}`)
  if (Number.isNaN(value)) throw new RangeError(`${fn}: abandonAbove must be a number, got NaN`)
  return value
}

/**
 * Picks the cell-cost closure once per call (numbers, vectors or a user function), checking the
 * element types up front so the inner loop never has to. `swap`: rows run over `b`.
 */
function makeCellCost<T>(
  fn: string,
  a: ArrayLike<T>,
  b: ArrayLike<T>,
  cost: DtwCost<T> | undefined,
  swap: boolean,
): CellCost {
  if (typeof cost === 'function') {
    return swap ? (i, j) => checkedCost(fn, cost(a[j], b[i]), j, i) : (i, j) => checkedCost(fn, cost(a[i], b[j]), i, j)
  }
  const kind = cost ?? 'squared'
  if (kind !== 'squared' && kind !== 'absolute')
    throw new RangeError(`${fn}: cost must be 'squared', 'absolute' or a function, got ${describeValue(kind)}`)
  const squared = kind === 'squared'
  if (typeof a[0] === 'number') {
    const x = a as unknown as ArrayLike<number>
    const y = b as unknown as ArrayLike<number>
    checkNumbers(fn, x, 'a')
    checkNumbers(fn, y, 'b')
    if (swap) return squared ? (i, j) => (y[i] - x[j]) ** 2 : (i, j) => Math.abs(y[i] - x[j])
    return squared ? (i, j) => (x[i] - y[j]) ** 2 : (i, j) => Math.abs(x[i] - y[j])
  }
  const x = a as unknown as ArrayLike<ArrayLike<number>>
  const y = b as unknown as ArrayLike<ArrayLike<number>>
  const dim = checkVectors(fn, x, 'a', -1)
  checkVectors(fn, y, 'b', dim)
  const vectorCost = (u: ArrayLike<number>, v: ArrayLike<number>): number => {
    let s = 0
    for (let k = 0; k < dim; k++) {
      const d = u[k] - v[k]
      s += squared ? d * d : Math.abs(d)
    }
    return s
  }
  return swap ? (i, j) => vectorCost(y[i], x[j]) : (i, j) => vectorCost(x[i], y[j])
}

function checkedCost(fn: string, c: number, i: number, j: number): number {
  if (!(c >= 0) || c === Infinity)
    throw new RangeError(`${fn}: cost(a[${i}], b[${j}]) must be a finite number >= 0, got ${describeValue(c)}`)
  return c
}

function checkNumbers(fn: string, x: ArrayLike<number>, name: string): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new TypeError(
        `${fn}: ${name}[${i}] must be a finite number (or pass a cost function), got ${describeValue(v)}`,
      )
    }
  }
}

/** Checks every element is a finite vector of one dimension; returns it. */
function checkVectors(fn: string, x: ArrayLike<ArrayLike<number>>, name: string, dim: number): number {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]
    if (v === null || typeof v !== 'object' || typeof v.length !== 'number') {
      throw new TypeError(
        `${fn}: ${name}[${i}] must be a number or a vector (or pass a cost function), got ${describeValue(v)}`,
      )
    }
    if (dim < 0) dim = v.length
    if (v.length !== dim) throw new RangeError(`${fn}: ${name}[${i}] has dimension ${v.length}, expected ${dim}`)
    for (let k = 0; k < dim; k++) {
      if (typeof v[k] !== 'number' || !Number.isFinite(v[k]))
        throw new TypeError(`${fn}: ${name}[${i}][${k}] must be a finite number, got ${describeValue(v[k])}`)
    }
  }
  return dim
}
