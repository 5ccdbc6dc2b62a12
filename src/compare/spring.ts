import { describeValue } from '../errors'
import { checkSnapshot, decodeFloat64, encodeFloat64, SnapshotError, type SnapshotHeader } from '../snapshot'
import { checkBoolean, checkInteger, checkNumber, checkOneOf, checkOptions } from '../validate'

/** A subsequence of the stream that matches the query: element indices, inclusive, and its DTW distance. */
export interface SpringMatch {
  /** Index of the first matching stream element (0-based, counting every `push`). */
  start: number
  /** Index of the last matching stream element (inclusive). */
  end: number
  /** Accumulated DTW cost between the subsequence and the query (`<= threshold`). */
  distance: number
  /** With `timed: true`: the time given to `push` with the first element. */
  startTime?: number
  /** With `timed: true`: the time given to `push` with the last element. */
  endTime?: number
}

/** Options of `Spring`; an unknown name is a `TypeError` (the former `epsilon` is now `threshold`). */
export interface SpringOptions {
  /**
   * Report subsequences whose DTW distance to the query is at most this (finite, >= 0): the
   * epsilon of Sakurai et al. (2007), named `threshold` as in `dtwMatch` and `findMatches`.
   */
  threshold: number
  /** Per-element cost: `'squared'` (default; the accumulated cost, as `dtw`) or `'absolute'`. */
  cost?: 'squared' | 'absolute'
  /** Carry a time per element (`push(x, time)`) and report `startTime`/`endTime`. Default false. */
  timed?: boolean
}

const SPRING_SNAPSHOT_VERSION = 1

/**
 * `Spring.snapshot()`: the query, the options and the DTW column, bit for bit (float64 values as
 * base64 of their IEEE-754 bytes, `Infinity` sentinels included).
 */
export interface SpringSnapshot extends SnapshotHeader {
  /** Always `'Spring'`. */
  readonly kind: 'Spring'
  /** The layout's version (1). */
  readonly version: number
  /** The query's elements (vector components row by row), as base64 float64 bytes. */
  readonly query: string
  /** The query's length m. */
  readonly length: number
  /** 0 for a query of numbers, else the vectors' dimension. */
  readonly dimension: number
  /** The options the kernel was built with. */
  readonly options: Required<SpringOptions>
  /**
   * Elements pushed, then the pending candidate: its distance (`Infinity` when none), start, end,
   * start time and end time; as base64 float64 bytes.
   */
  readonly state: string
  /** The last DTW column (m + 1 accumulated distances, cell 0 the star padding), base64 float64. */
  readonly distances: string
  /** The start index of each cell's warping path in that column, base64 float64. */
  readonly starts: string
  /** With `timed`: the start time of each cell's path (else empty), base64 float64. */
  readonly times: string
}

/**
 * SPRING (Sakurai, Faloutsos, Yamamuro, ICDE 2007): streaming subsequence matching under DTW.
 * Keeps one star-padded DTW column over the query (distances and start positions in typed
 * arrays), so each `push` is O(m) time for a query of length m and allocates nothing unless it
 * returns a match. It reports the paper's disjoint-query answer: non-overlapping subsequences of
 * distance <= threshold, each the best of its group of overlapping candidates, as soon as no
 * overlapping subsequence can still beat it (the candidate is held back until then; `flush()` at
 * the end of the stream returns it). No Sakoe-Chiba band: subsequence lengths are free.
 * As in the paper, ties go to the current column, then the diagonal, then the previous column
 * (the latest start), a candidate is replaced only by a strictly smaller distance, and reporting
 * a match clears the cells whose path starts inside it: a path that ran through such a cell is
 * lost, so a match starting before that report may come out with a larger distance than its
 * subsequence's DTW (e.g. query [0, 0] over [0, 1, -2], threshold 5: [0, 0] then [1, 2] at 5, not
 * [1, 1] at 2). Matches starting after the previous report carry their exact DTW distance.
 *
 * Elements are numbers (for a query of numbers) or vectors of the query's dimension. A
 * non-finite element, or a vector of the wrong shape, is a `TypeError` naming its index; the
 * state is left unchanged.
 *
 * `snapshot()` hands out the whole state (query, options, column, pending candidate) as a JSON-safe
 * object and `Spring.fromSnapshot` rebuilds a kernel that continues exactly as this one would.
 *
 * ```ts
 * const spring = new Spring([1, 2, 3], { threshold: 0.5 })
 * for (const x of [9, 1, 2, 2, 3, 9, 9]) {
 *   const match = spring.push(x) // at x = 9 (index 6): { start: 1, end: 4, distance: 0 }
 * }
 * spring.flush() // a match still pending at the end, or null
 * ```
 *
 * References: Y. Sakurai, C. Faloutsos, M. Yamamuro, "Stream monitoring under the time warping
 * distance", ICDE 2007 (SPRING; its epsilon is `threshold` here).
 * @see dtwMatch, the operator built on it; findMatches for a series at rest.
 */
export class Spring {
  /** Query length m. */
  readonly length: number
  /** 0 for a query of numbers, else the vector dimension. */
  readonly dimension: number
  /** The largest DTW distance reported (the epsilon of Sakurai et al. 2007). */
  readonly threshold: number
  private readonly query: Float64Array
  private readonly squared: boolean
  private readonly timed: boolean
  // columns t-1 and t; cell 0 is the star padding (distance 0, starting at the current element)
  private dPrev: Float64Array
  private dCurr: Float64Array
  private sPrev: Float64Array
  private sCurr: Float64Array
  private tPrev: Float64Array
  private tCurr: Float64Array
  private t = 0
  // the pending candidate: dMin = Infinity when none
  private dMin = Infinity
  private candStart = 0
  private candEnd = 0
  private candStartTime = 0
  private candEndTime = 0

  constructor(query: ArrayLike<number> | ArrayLike<ArrayLike<number>>, options: SpringOptions) {
    const { flat, length: m, dimension: dim } = flattenQuery('Spring', 'query', query)
    checkOptions('Spring', options, SPRING_OPTIONS, true)
    const threshold = checkNumber('Spring', 'threshold', options.threshold, { min: 0 })
    const cost = checkOneOf('Spring', 'cost', options.cost ?? 'squared', DTW_COSTS)
    const timed = checkBoolean('Spring', 'timed', options.timed ?? false)
    this.length = m
    this.dimension = dim
    this.threshold = threshold
    this.query = flat
    this.squared = cost === 'squared'
    this.timed = timed
    this.dPrev = new Float64Array(m + 1).fill(Infinity)
    this.dCurr = new Float64Array(m + 1).fill(Infinity)
    this.dPrev[0] = 0
    this.sPrev = new Float64Array(m + 1)
    this.sCurr = new Float64Array(m + 1)
    this.tPrev = new Float64Array(timed ? m + 1 : 0)
    this.tCurr = new Float64Array(timed ? m + 1 : 0)
  }

  /** How many elements have been pushed: the index the next one will get. */
  get count(): number {
    return this.t
  }

  /**
   * Feeds the next stream element (and, with `timed`, its time); returns the match that became
   * final with it, or null. O(m).
   */
  push(x: number | ArrayLike<number>, time = 0): SpringMatch | null {
    this.check(x)
    const m = this.length
    const t = this.t
    const { dPrev, sPrev, tPrev } = this
    const d = this.dCurr
    const s = this.sCurr
    const tt = this.tCurr
    d[0] = 0
    s[0] = t
    if (this.dimension === 0 && !this.timed) this.columnScalar(x as number, d, s, dPrev, sPrev)
    else this.columnGeneral(x, time, d, s, tt, dPrev, sPrev, tPrev)
    let match: SpringMatch | null = null
    if (this.dMin <= this.threshold) {
      const dMin = this.dMin
      const end = this.candEnd
      let final = true
      for (let i = 1; i <= m; i++) {
        if (d[i] < dMin && s[i] <= end) {
          final = false
          break
        }
      }
      if (final) match = this.report(d, s)
    }
    if (d[m] <= this.threshold && d[m] < this.dMin) {
      this.dMin = d[m]
      this.candStart = s[m]
      this.candEnd = t
      if (this.timed) {
        this.candStartTime = tt[m]
        this.candEndTime = time
      }
    }
    // the current column becomes the previous one
    this.dPrev = d
    this.dCurr = dPrev
    this.sPrev = s
    this.sCurr = sPrev
    this.tPrev = tt
    this.tCurr = tPrev
    this.t = t + 1
    return match
  }

  /**
   * The kernel's state as a JSON-safe object (query and options included); `Spring.fromSnapshot`
   * rebuilds it, and the rebuilt kernel returns exactly the matches this one would.
   *
   * ```ts
   * const saved = JSON.stringify(spring.snapshot())
   * const again = Spring.fromSnapshot(JSON.parse(saved))
   * ```
   */
  snapshot(): SpringSnapshot {
    return {
      kind: 'Spring',
      version: SPRING_SNAPSHOT_VERSION,
      query: encodeFloat64(this.query),
      length: this.length,
      dimension: this.dimension,
      options: { threshold: this.threshold, cost: this.squared ? 'squared' : 'absolute', timed: this.timed },
      state: encodeFloat64([this.t, this.dMin, this.candStart, this.candEnd, this.candStartTime, this.candEndTime]),
      // after push's swap, the column last written is the "previous" one; the other is scratch
      distances: encodeFloat64(this.dPrev),
      starts: encodeFloat64(this.sPrev),
      times: encodeFloat64(this.tPrev),
    }
  }

  /**
   * A kernel in the state `snapshot` describes (from `snapshot()`, possibly through JSON). A snapshot
   * of another kind or version is a `SnapshotError` naming both; a damaged one (fields of the wrong
   * size or kind) a `SnapshotError` or `TypeError`/`RangeError` naming the field.
   *
   * ```ts
   * const spring = Spring.fromSnapshot(JSON.parse(saved))
   * spring.push(4)
   * ```
   */
  static fromSnapshot(snapshot: SpringSnapshot): Spring {
    const fn = 'Spring.fromSnapshot'
    const s = checkSnapshot<SpringSnapshot>(fn, snapshot, 'Spring', SPRING_SNAPSHOT_VERSION)
    const m = checkInteger(fn, 'length', s.length, { min: 1 })
    const dim = checkInteger(fn, 'dimension', s.dimension, { min: 0 })
    const flat = decodeFloat64(fn, 'query', s.query)
    if (flat.length !== m * Math.max(dim, 1))
      throw new SnapshotError(`${fn}: query holds ${flat.length} values, expected ${m * Math.max(dim, 1)}`)
    const query = dim === 0 ? flat : Array.from({ length: m }, (_, i) => flat.subarray(i * dim, (i + 1) * dim))
    const spring = new Spring(query, s.options)
    const state = decodeColumn(fn, 'state', s.state, 6)
    const [t, dMin, candStart, candEnd, candStartTime, candEndTime] = state
    if (!Number.isSafeInteger(t) || t < 0)
      throw new SnapshotError(`${fn}: the element count ${t} is not an integer >= 0`)
    if (Number.isNaN(dMin)) throw new SnapshotError(`${fn}: the candidate's distance is NaN`)
    if (
      dMin <= spring.threshold &&
      !(Number.isInteger(candStart) && candStart >= 0 && candStart <= candEnd && candEnd < t)
    )
      throw new SnapshotError(`${fn}: the candidate [${candStart}, ${candEnd}] is not inside the ${t} elements seen`)
    const distances = decodeColumn(fn, 'distances', s.distances, m + 1)
    const starts = decodeColumn(fn, 'starts', s.starts, m + 1)
    const times = decodeColumn(fn, 'times', s.times, spring.timed ? m + 1 : 0)
    for (let i = 0; i <= m; i++) {
      if (!(distances[i] >= 0)) throw new SnapshotError(`${fn}: distances[${i}] is ${distances[i]}, not >= 0`)
      if (!Number.isInteger(starts[i]) || starts[i] < 0 || starts[i] > Math.max(t - 1, 0))
        throw new SnapshotError(`${fn}: starts[${i}] is ${starts[i]}, not an element index before ${t}`)
    }
    spring.dPrev = distances
    spring.sPrev = starts
    spring.tPrev = times
    spring.t = t
    spring.dMin = dMin
    spring.candStart = candStart
    spring.candEnd = candEnd
    spring.candStartTime = candStartTime
    spring.candEndTime = candEndTime
    return spring
  }

  /** At the end of the stream: the pending candidate, now final, or null. */
  flush(): SpringMatch | null {
    if (!(this.dMin <= this.threshold)) return null
    // after push's swap, the column last written is the "previous" one
    return this.report(this.dPrev, this.sPrev)
  }

  /** Emits the candidate and clears every cell of column (d, s) whose path starts inside it. */
  private report(d: Float64Array, s: Float64Array): SpringMatch {
    const match: SpringMatch = { start: this.candStart, end: this.candEnd, distance: this.dMin }
    if (this.timed) {
      match.startTime = this.candStartTime
      match.endTime = this.candEndTime
    }
    const end = this.candEnd
    for (let i = 1; i <= this.length; i++) if (s[i] <= end) d[i] = Infinity
    this.dMin = Infinity
    return match
  }

  /** The DTW column for a number, untimed: the hot path, with everything in locals. */
  private columnScalar(x: number, d: Float64Array, s: Float64Array, dPrev: Float64Array, sPrev: Float64Array): void {
    const q = this.query
    const squared = this.squared
    const m = this.length
    let left = 0 // d[0]
    let leftStart = s[0]
    let diag = dPrev[0]
    for (let i = 1; i <= m; i++) {
      const up = dPrev[i]
      // ties go to the current column, then the diagonal, then the previous column (the paper's order)
      let best = left
      let start = leftStart
      if (diag < best) {
        best = diag
        start = sPrev[i - 1]
      }
      if (up < best) {
        best = up
        start = sPrev[i]
      }
      const diff = x - q[i - 1]
      left = best + (squared ? diff * diff : Math.abs(diff))
      leftStart = start
      d[i] = left
      s[i] = start
      diag = up
    }
  }

  /** The DTW column for vectors and/or with times carried along. */
  private columnGeneral(
    x: number | ArrayLike<number>,
    time: number,
    d: Float64Array,
    s: Float64Array,
    tt: Float64Array,
    dPrev: Float64Array,
    sPrev: Float64Array,
    tPrev: Float64Array,
  ): void {
    const scalar = this.dimension === 0
    const timed = this.timed
    if (timed) tt[0] = time
    for (let i = 1; i <= this.length; i++) {
      const left = d[i - 1]
      const diag = dPrev[i - 1]
      const up = dPrev[i]
      // same choice as columnScalar: left unless strictly beaten, then diag unless strictly beaten by up
      const from = left <= diag && left <= up ? 0 : diag <= up ? 1 : 2
      const best = from === 0 ? left : from === 1 ? diag : up
      d[i] = best + (scalar ? this.scalarCost(x as number, i - 1) : this.vectorCost(x as ArrayLike<number>, i - 1))
      s[i] = from === 0 ? s[i - 1] : from === 1 ? sPrev[i - 1] : sPrev[i]
      if (timed) tt[i] = from === 0 ? tt[i - 1] : from === 1 ? tPrev[i - 1] : tPrev[i]
    }
  }

  private scalarCost(x: number, j: number): number {
    const diff = x - this.query[j]
    return this.squared ? diff * diff : Math.abs(diff)
  }

  private vectorCost(x: ArrayLike<number>, j: number): number {
    const dim = this.dimension
    const q = this.query
    let c = 0
    for (let k = 0, o = j * dim; k < dim; k++) {
      const diff = x[k] - q[o + k]
      c += this.squared ? diff * diff : Math.abs(diff)
    }
    return c
  }

  private check(x: unknown): void {
    const dim = this.dimension
    if (dim === 0) {
      if (typeof x !== 'number' || !Number.isFinite(x))
        throw new TypeError(`Spring: element #${this.t} must be a finite number, got ${describeValue(x)}`)
      return
    }
    if (x === null || typeof x !== 'object' || (x as ArrayLike<number>).length !== dim) {
      throw new TypeError(`Spring: element #${this.t} must be a vector of dimension ${dim}, got ${describeValue(x)}`)
    }
    for (let k = 0; k < dim; k++) {
      const v = (x as ArrayLike<number>)[k]
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new TypeError(`Spring: element #${this.t}[${k}] must be a finite number, got ${describeValue(v)}`)
    }
  }
}

/** `field` of a snapshot of `fn`: `size` float64 values, else a `SnapshotError` naming the field. */
function decodeColumn(fn: string, field: string, text: unknown, size: number): Float64Array {
  const values = decodeFloat64(fn, field, text)
  if (values.length !== size) throw new SnapshotError(`${fn}: ${field} holds ${values.length} values, expected ${size}`)
  return values
}

const SPRING_OPTIONS = ['threshold', 'cost', 'timed']
const DTW_COSTS = ['squared', 'absolute'] as const

/** A query of numbers or of vectors, checked and laid out row by row in one typed array. @internal */
export interface FlatQuery {
  /** Element i (component k of vector i) at `flat[i * max(dimension, 1) + k]`. */
  readonly flat: Float64Array
  /** Number of elements. */
  readonly length: number
  /** 0 for numbers, else the vectors' dimension. */
  readonly dimension: number
}

/**
 * Checks a non-empty query of finite numbers, or of finite vectors of one dimension, for the
 * public function `fn` (its argument called `name`), and flattens it. An operator validates its
 * patterns with this at call time instead of building a kernel it throws away.
 * @internal
 */
export function flattenQuery(fn: string, name: string, query: unknown): FlatQuery {
  if (query === null || typeof query !== 'object' || typeof (query as ArrayLike<unknown>).length !== 'number') {
    throw new TypeError(`${fn}: ${name} must be an array of numbers or vectors, got ${describeValue(query)}`)
  }
  const items = query as ArrayLike<unknown>
  const m = items.length
  if (m === 0) throw new RangeError(`${fn}: ${name} is empty`)
  const first = items[0]
  const dim =
    typeof first === 'number'
      ? 0
      : first !== null && typeof first === 'object' && typeof (first as ArrayLike<number>).length === 'number'
        ? (first as ArrayLike<number>).length
        : -1
  if (dim < 0) throw new TypeError(`${fn}: ${name}[0] must be a number or a vector, got ${describeValue(first)}`)
  const flat = new Float64Array(m * Math.max(dim, 1))
  for (let i = 0; i < m; i++) {
    const q = items[i]
    if (dim === 0) {
      if (typeof q !== 'number' || !Number.isFinite(q))
        throw new TypeError(`${fn}: ${name}[${i}] must be a finite number, got ${describeValue(q)}`)
      flat[i] = q
      continue
    }
    if (q === null || typeof q !== 'object' || (q as ArrayLike<number>).length !== dim) {
      throw new RangeError(`${fn}: ${name}[${i}] must be a vector of dimension ${dim}, got ${describeValue(q)}`)
    }
    for (let k = 0; k < dim; k++) {
      const v = (q as ArrayLike<number>)[k]
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new TypeError(`${fn}: ${name}[${i}][${k}] must be a finite number, got ${describeValue(v)}`)
      flat[i * dim + k] = v
    }
  }
  return { flat, length: m, dimension: dim }
}
