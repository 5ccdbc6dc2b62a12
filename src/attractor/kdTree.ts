/**
 * A static k-d tree over the points of an embedding, for nearest-neighbour queries that exclude
 * temporal neighbours (a Theiler window). Built once in O(N log N); a query visits O(log N) leaves
 * on low-dimensional attractors, where a brute-force scan is O(N) (nolds builds the N x N matrix).
 *
 * Nodes are implicit: a node covers a range [lo, hi) of the permutation and splits at its middle,
 * so the tree is three typed arrays and no objects.
 */
export class KdTree {
  /** Original point index of each slot, in tree order. */
  readonly order: Int32Array
  private readonly coords: Float64Array
  private readonly splitDimension: Uint8Array
  private readonly splitValue: Float64Array
  private q: Float64Array
  private bestDistance2 = Infinity
  private bestIndex = -1
  private excludeFrom = 0
  private excludeTo = -1
  private candidateLimit = 0

  constructor(
    points: Float64Array,
    readonly count: number,
    readonly dimension: number,
    private readonly leafSize = 8,
  ) {
    this.order = new Int32Array(count)
    for (let i = 0; i < count; i++) this.order[i] = i
    this.splitDimension = new Uint8Array(count)
    this.splitValue = new Float64Array(count)
    this.build(points, 0, count)
    this.coords = new Float64Array(count * dimension)
    for (let s = 0; s < count; s++) {
      const from = this.order[s] * dimension
      for (let k = 0; k < dimension; k++) this.coords[s * dimension + k] = points[from + k]
    }
    this.q = new Float64Array(dimension)
  }

  /**
   * The index of the point nearest (Euclidean) to `points[index]`, among points j with
   * |j - index| > `theilerWindow` and j < `limit`; -1 when there is none. Among equally near points
   * the lowest index wins, so the answer does not depend on the tree's shape. Its squared distance
   * is then in `lastDistance2`.
   */
  nearest(points: Float64Array, index: number, theilerWindow = 0, limit = this.count): number {
    const d = this.dimension
    for (let k = 0; k < d; k++) this.q[k] = points[index * d + k]
    this.excludeFrom = index - theilerWindow
    this.excludeTo = index + theilerWindow
    return this.search(limit)
  }

  /** The nearest point to an arbitrary `query` (length `dimension`), excluding nothing. */
  nearestTo(query: ArrayLike<number>): number {
    for (let k = 0; k < this.dimension; k++) this.q[k] = query[k]
    this.excludeFrom = 0
    this.excludeTo = -1
    return this.search(this.count)
  }

  get lastDistance2(): number {
    return this.bestDistance2
  }

  private search(limit: number): number {
    this.candidateLimit = limit
    this.bestDistance2 = Infinity
    this.bestIndex = -1
    if (this.count > 0) this.visit(0, this.count)
    return this.bestIndex
  }

  private visit(lo: number, hi: number): void {
    const d = this.dimension
    const q = this.q
    if (hi - lo <= this.leafSize) {
      const order = this.order
      const coords = this.coords
      for (let s = lo; s < hi; s++) {
        const j = order[s]
        if (j >= this.candidateLimit || (j >= this.excludeFrom && j <= this.excludeTo)) continue
        let dist2 = 0
        const base = s * d
        for (let k = 0; k < d && dist2 <= this.bestDistance2; k++) {
          const diff = coords[base + k] - q[k]
          dist2 += diff * diff
        }
        if (dist2 < this.bestDistance2 || (dist2 === this.bestDistance2 && j < this.bestIndex)) {
          this.bestDistance2 = dist2
          this.bestIndex = j
        }
      }
      return
    }
    const mid = (lo + hi) >>> 1
    const diff = q[this.splitDimension[mid]] - this.splitValue[mid]
    if (diff < 0) {
      this.visit(lo, mid)
      if (diff * diff <= this.bestDistance2) this.visit(mid, hi)
    } else {
      this.visit(mid, hi)
      if (diff * diff <= this.bestDistance2) this.visit(lo, mid)
    }
  }

  private build(points: Float64Array, lo: number, hi: number): void {
    if (hi - lo <= this.leafSize) return
    const d = this.dimension
    const order = this.order
    let widest = 0
    let widestSpread = -1
    for (let k = 0; k < d; k++) {
      let min = Infinity
      let max = -Infinity
      for (let s = lo; s < hi; s++) {
        const v = points[order[s] * d + k]
        if (v < min) min = v
        if (v > max) max = v
      }
      if (max - min > widestSpread) {
        widestSpread = max - min
        widest = k
      }
    }
    const mid = (lo + hi) >>> 1
    select(order, points, d, widest, lo, hi - 1, mid)
    this.splitDimension[mid] = widest
    this.splitValue[mid] = points[order[mid] * d + widest]
    this.build(points, lo, mid)
    this.build(points, mid, hi)
  }
}

/** Hoare quickselect: afterwards order[lo..k) <= order[k] <= order[k..hi] along axis `k`. */
function select(
  order: Int32Array,
  points: Float64Array,
  d: number,
  axis: number,
  lo: number,
  hi: number,
  k: number,
): void {
  while (hi > lo) {
    const pivot = points[order[(lo + hi) >>> 1] * d + axis]
    let i = lo
    let j = hi
    while (i <= j) {
      while (points[order[i] * d + axis] < pivot) i++
      while (points[order[j] * d + axis] > pivot) j--
      if (i <= j) {
        const t = order[i]
        order[i] = order[j]
        order[j] = t
        i++
        j--
      }
    }
    if (k <= j) hi = j
    else if (k >= i) lo = i
    else return
  }
}
