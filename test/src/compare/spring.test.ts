import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { Spring, type SpringMatch } from '../../../src/compare/spring'

type Cost = 'squared' | 'absolute'

/** The textbook O(n*m) DTW on numbers, written plainly: the oracle. */
function referenceDtw(a: number[], b: number[], cost: Cost): number {
  const c = (x: number, y: number) => (cost === 'squared' ? (x - y) ** 2 : Math.abs(x - y))
  const D: number[][] = Array.from({ length: a.length + 1 }, () => Array(b.length + 1).fill(Infinity))
  D[0][0] = 0
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++)
      D[i][j] = c(a[i - 1], b[j - 1]) + Math.min(D[i - 1][j], D[i][j - 1], D[i - 1][j - 1])
  }
  return D[a.length][b.length]
}

/** dist[a][b] = DTW(series[a..b], query) for every subsequence, by brute force. */
function allSubsequences(series: number[], query: number[], cost: Cost): number[][] {
  return series.map((_, a) =>
    series.map((__, b) => (b < a ? Infinity : referenceDtw(series.slice(a, b + 1), query, cost))),
  )
}

function runSpring(
  series: ArrayLike<number | number[]>,
  query: number[] | number[][],
  threshold: number,
  cost: Cost = 'squared',
): SpringMatch[] {
  const spring = new Spring(query, { threshold, cost })
  const out: SpringMatch[] = []
  for (let i = 0; i < series.length; i++) {
    const m = spring.push(series[i])
    if (m) out.push(m)
  }
  const last = spring.flush()
  if (last) out.push(last)
  return out
}

const value = fc.integer({ min: -6, max: 6 })
const series = fc.array(value, { minLength: 1, maxLength: 60 })
const query = fc.array(value, { minLength: 1, maxLength: 8 })
const cost = fc.constantFrom<Cost>('squared', 'absolute')

describe('Spring', () => {
  test.prop([series, query, cost, fc.integer({ min: 0, max: 40 })])(
    'matches are under threshold, disjoint, in order, exact DTW distances and locally optimal (brute force over all subsequences)',
    (x, q, c, slack) => {
      const dist = allSubsequences(x, q, c)
      const globalMin = Math.min(...dist.flat())
      const threshold = globalMin + slack
      const spring = new Spring(q, { threshold, cost: c })
      const matches: Array<SpringMatch & { reportedAt: number }> = []
      x.forEach((v, i) => {
        const m = spring.push(v)
        if (m) matches.push({ ...m, reportedAt: i })
      })
      const last = spring.flush()
      if (last) matches.push({ ...last, reportedAt: x.length })
      let prevEnd = -1
      // the paper clears the cells whose path starts inside a match when it reports it; paths
      // through those cells are lost, so the guarantees below cover starts after that moment
      let prevReport = -1
      for (const { start, end, distance, reportedAt } of matches) {
        expect(start).toBeGreaterThan(prevEnd)
        expect(end).toBeGreaterThanOrEqual(start)
        expect(end).toBeLessThan(reportedAt)
        expect(distance).toBeLessThanOrEqual(threshold)
        // always the cost of a real warping path, so never below the subsequence's DTW
        expect(distance).toBeGreaterThanOrEqual(dist[start][end])
        if (start > prevReport) expect(distance).toBe(dist[start][end])
        // local optimality: a subsequence that overlaps it and is better must owe that to a tail
        // that starts after the match and is as good on its own (a separate, later match)
        for (let a = prevReport + 1; a <= end; a++) {
          for (let b = Math.max(a, start); b < x.length; b++) {
            if (dist[a][b] >= distance) continue
            let tail = Infinity
            for (let a2 = end + 1; a2 <= b; a2++) tail = Math.min(tail, dist[a2][b])
            expect(tail, `[${a}, ${b}] (${dist[a][b]}) beats [${start}, ${end}] (${distance})`).toBeLessThanOrEqual(
              dist[a][b],
            )
          }
        }
        prevEnd = end
        prevReport = reportedAt
      }
      // the global best qualifies, so something is reported
      expect(matches.length).toBeGreaterThan(0)
    },
  )

  it("reports a candidate as soon as the only better paths start after it (the paper's finality test)", () => {
    // q = [0], x = [1, 0], threshold 1: [0, 0] (distance 1) is final at index 1 because the better
    // cell there starts at 1, after it; it is reported, and [1, 1] (distance 0) follows
    expect(runSpring([1, 0], [0], 1)).toEqual([
      { start: 0, end: 0, distance: 1 },
      { start: 1, end: 1, distance: 0 },
    ])
  })

  it("follows the paper where its reset loses a path: [1, 1] starts inside the reported match's column", () => {
    // x = [0, 1, -2], q = [0, 0]: [0, 0] (distance 0) is reported at index 1, which clears the
    // cell through which [1, 1] (distance 2) would have finished, so [1, 2] (distance 5) follows
    expect(runSpring([0, 1, -2], [0, 0], 5)).toEqual([
      { start: 0, end: 0, distance: 0 },
      { start: 1, end: 2, distance: 5 },
    ])
  })

  test.prop([series, query, cost, fc.integer({ min: 0, max: 30 })])(
    'reports nothing when no subsequence is within threshold',
    (x, q, c, below) => {
      const globalMin = Math.min(...allSubsequences(x, q, c).flat())
      fc.pre(globalMin > 0)
      expect(runSpring(x, q, Math.max(0, globalMin - 1 - below), c)).toEqual([])
    },
  )

  test.prop([
    fc
      .integer({ min: 1, max: 3 })
      .chain(d =>
        fc.tuple(
          fc.array(fc.array(value, { minLength: d, maxLength: d }), { minLength: 1, maxLength: 30 }),
          fc.array(fc.array(value, { minLength: d, maxLength: d }), { minLength: 1, maxLength: 5 }),
        ),
      ),
    cost,
    fc.integer({ min: 0, max: 30 }),
  ])(
    'on vectors equals the sum of one Spring per dimension when the other dimensions are constant zero',
    ([x, q], c, threshold) => {
      // embed a scalar problem in dimension d: every other coordinate is zero, so costs are equal
      const d = x[0].length
      const xs = x.map(v => v[0])
      const qs = q.map(v => v[0])
      const embed = (v: number) => Array.from({ length: d }, (_, k) => (k === 0 ? v : 0))
      expect(runSpring(xs.map(embed), qs.map(embed), threshold, c)).toEqual(runSpring(xs, qs, threshold, c))
    },
  )

  test.prop([series, query, fc.integer({ min: 0, max: 40 })])(
    'timed: start and end times are the times given with those elements',
    (x, q, threshold) => {
      const spring = new Spring(q, { threshold, timed: true })
      const times = x.map((_, i) => 1000 + 2.5 * i)
      const out: SpringMatch[] = []
      x.forEach((v, i) => {
        const m = spring.push(v, times[i])
        if (m) out.push(m)
      })
      const last = spring.flush()
      if (last) out.push(last)
      expect(out.map(({ start, end, distance }) => ({ start, end, distance }))).toEqual(runSpring(x, q, threshold))
      for (const m of out) {
        expect(m.startTime).toBe(times[m.start])
        expect(m.endTime).toBe(times[m.end])
      }
    },
  )

  it('finds the worked example and holds the match back until it is final', () => {
    const spring = new Spring([1, 2, 3], { threshold: 0.5 })
    const got = [9, 1, 2, 2, 3, 9, 9].map(x => spring.push(x))
    expect(got.slice(0, 5)).toEqual([null, null, null, null, null])
    expect(got[5]).toEqual({ start: 1, end: 4, distance: 0 })
    expect(spring.flush()).toBeNull()
    expect(spring.count).toBe(7)
  })

  it('flush returns the candidate pending at the end, once', () => {
    const spring = new Spring([0, 5], { threshold: 1 })
    for (const x of [3, 0, 5]) expect(spring.push(x)).toBeNull()
    expect(spring.flush()).toEqual({ start: 1, end: 2, distance: 0 })
    expect(spring.flush()).toBeNull()
  })

  it('rejects bad queries, options and elements, naming them, and keeps its state', () => {
    expect(() => new Spring([], { threshold: 1 })).toThrow(/query is empty/)
    expect(() => new Spring([1, Number.NaN], { threshold: 1 })).toThrow(/query\[1\] must be a finite number/)
    expect(() => new Spring([[1, 2], [1]], { threshold: 1 })).toThrow(/query\[1\] must be a vector of dimension 2/)
    expect(() => new Spring([1], { threshold: -1 })).toThrow(/^Spring: threshold .* got -1/)
    expect(() => new Spring([1], { threshold: Number.NaN })).toThrow(/^Spring: threshold/)
    // the option was called epsilon (the paper's name) before it took dtwMatch's name
    expect(() => new Spring([1], { epsilon: 1 } as never)).toThrow(/^Spring: unknown option "epsilon"/)
    expect(() => new Spring([1], { threshold: 1, cost: 'cosine' as Cost })).toThrow(/"cosine"/)
    const spring = new Spring([1, 2], { threshold: 0 })
    spring.push(1)
    expect(() => spring.push(Number.POSITIVE_INFINITY)).toThrow(/element #1 must be a finite number, got Infinity/)
    expect(() => spring.push([1] as never)).toThrow(/element #1/)
    expect(spring.count).toBe(1)
    spring.push(2)
    expect(spring.flush()).toEqual({ start: 0, end: 1, distance: 0 })
    const vec = new Spring([[0, 0]], { threshold: 0 })
    expect(() => vec.push([0, 0, 0])).toThrow(/element #0 must be a vector of dimension 2/)
    expect(() => vec.push([0, Number.NaN])).toThrow(/element #0\[1\] must be a finite number, got NaN/)
  })
})
