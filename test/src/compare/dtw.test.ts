import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { dtw, dtwPath } from '../../../src/compare/dtw'

type Cost = 'squared' | 'absolute'

/** The textbook O(n*m) DTW, written plainly: the oracle. `w` is the band half-width (already widened). */
function referenceDtw(a: number[][], b: number[][], cost: Cost, w: number): number {
  return referenceDtwWith(
    a,
    b,
    (x, y) => x.reduce((s, xi, k) => s + (cost === 'squared' ? (xi - y[k]) ** 2 : Math.abs(xi - y[k])), 0),
    w,
  )
}

function referenceDtwWith<T>(a: T[], b: T[], c: (x: T, y: T) => number, w: number): number {
  const n = a.length
  const m = b.length
  const D: number[][] = Array.from({ length: n + 1 }, () => Array(m + 1).fill(Infinity))
  D[0][0] = 0
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      if (Math.abs(i - j) > w) continue
      D[i][j] = c(a[i - 1], b[j - 1]) + Math.min(D[i - 1][j], D[i][j - 1], D[i - 1][j - 1])
    }
  }
  return D[n][m]
}

const value = fc.integer({ min: -20, max: 20 })
const series = fc.array(value, { minLength: 1, maxLength: 40 })
const cost = fc.constantFrom<Cost>('squared', 'absolute')
const band = fc.option(fc.oneof(fc.integer({ min: 0, max: 45 }), fc.double({ min: 0.01, max: 0.99, noNaN: true })), {
  nil: undefined,
})

/** The half-width dtw uses for `band`, computed independently from the documentation. */
function halfWidth(n: number, m: number, b: number | undefined): number {
  const longer = Math.max(n, m)
  if (b === undefined) return longer
  const r = b > 0 && b < 1 ? Math.floor(b * longer) : b
  return Math.max(r, Math.abs(n - m))
}

const close = (x: number, y: number) => expect(Math.abs(x - y)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(y)))

describe('dtw', () => {
  test.prop([series, series, cost, band])(
    'equals the plain O(n*m) reference on numbers, for each cost and band',
    (a, b, c, bnd) => {
      const expected = referenceDtw(
        a.map(x => [x]),
        b.map(x => [x]),
        c,
        halfWidth(a.length, b.length, bnd),
      )
      close(dtw(a, b, { cost: c, band: bnd }), expected)
      close(dtw(Float64Array.from(a), Float64Array.from(b), { cost: c, band: bnd }), expected)
    },
  )

  test.prop([
    fc
      .integer({ min: 1, max: 4 })
      .chain(d =>
        fc.tuple(
          fc.array(fc.array(value, { minLength: d, maxLength: d }), { minLength: 1, maxLength: 25 }),
          fc.array(fc.array(value, { minLength: d, maxLength: d }), { minLength: 1, maxLength: 25 }),
        ),
      ),
    cost,
    band,
  ])('equals the reference on vectors (multivariate)', ([a, b], c, bnd) => {
    close(dtw(a, b, { cost: c, band: bnd }), referenceDtw(a, b, c, halfWidth(a.length, b.length, bnd)))
  })

  test.prop([
    fc.array(fc.constantFrom<string>('a', 'b', 'c'), { minLength: 1, maxLength: 30 }),
    fc.array(fc.constantFrom<string>('a', 'b', 'c'), { minLength: 1, maxLength: 30 }),
    band,
  ])('with a cost function on any values (tokens, 0/1 cost) equals the reference, arguments in order', (a, b, bnd) => {
    const seen: string[] = []
    // asymmetric on purpose: a swapped call would change the result
    const cost = (x: string, y: string) => (x === y ? 0 : x < y ? 1 : 3)
    const expected = referenceDtwWith(a, b, cost, halfWidth(a.length, b.length, bnd))
    expect(dtw(a, b, { cost: (x, y) => (seen.push(x), cost(x, y)), band: bnd })).toBe(expected)
    expect(seen.every(x => a.includes(x))).toBe(true)
  })

  test.prop([series, series, cost, fc.integer({ min: 0, max: 10 })])(
    'a band never lowers the distance; symmetric',
    (a, b, c, r) => {
      expect(dtw(a, b, { cost: c, band: r })).toBeGreaterThanOrEqual(dtw(a, b, { cost: c }) - 1e-9)
      close(dtw(a, b, { cost: c, band: r }), dtw(b, a, { cost: c, band: r }))
    },
  )

  test.prop([series, series, fc.integer({ min: 0, max: 400 })])(
    'early abandoning gives the exact distance or Infinity, and Infinity only above the bound',
    (a, b, bound) => {
      const exact = dtw(a, b)
      const got = dtw(a, b, { abandonAbove: bound })
      if (got === Infinity) expect(exact).toBeGreaterThan(bound)
      else close(got, exact)
      if (exact <= bound) close(got, exact)
    },
  )

  it('known values', () => {
    expect(dtw([0, 1, 2, 3], [0, 0, 1, 2, 3])).toBe(0)
    expect(dtw([0, 1, 2], [1, 2, 3], { cost: 'absolute' })).toBe(2)
    expect(dtw([1, 2, 3], [1, 2, 3], { band: 0 })).toBe(0)
    expect(dtw([1, 2, 3], [2, 3, 4], { band: 0 })).toBe(3) // the squared Euclidean distance on the diagonal
  })

  it('rejects bad input, naming it', () => {
    expect(() => dtw([], [1])).toThrow(/a is empty/)
    expect(() => dtw([1, Number.NaN], [1])).toThrow(/a\[1\] must be a finite number/)
    expect(() => dtw([[1, 2], [1]], [[1, 2]])).toThrow(/a\[1\] has dimension 1, expected 2/)
    expect(() => dtw([1], [1], { band: -1 })).toThrow(/band/)
    expect(() => dtw([1], [1], { cost: 'cosine' as 'squared' })).toThrow(/cost must be/)
    expect(() => dtw(['a'], ['b'], { cost: () => -1 })).toThrow(
      /cost\(a\[0\], b\[0\]\) must be a finite number >= 0, got -1/,
    )
    expect(() => dtw('abc' as never, [1])).toThrow(TypeError)
  })
})

describe('dtwPath', () => {
  test.prop([series, series, cost, band])(
    'returns the dtw distance and a valid path whose cost is that distance',
    (a, b, c, bnd) => {
      const { distance, path } = dtwPath(a, b, { cost: c, band: bnd })
      close(distance, dtw(a, b, { cost: c, band: bnd }))
      const w = halfWidth(a.length, b.length, bnd)
      expect(path[0]).toEqual([0, 0])
      expect(path[path.length - 1]).toEqual([a.length - 1, b.length - 1])
      let sum = 0
      path.forEach(([i, j], k) => {
        expect(Math.abs(i - j)).toBeLessThanOrEqual(w)
        sum += c === 'squared' ? (a[i] - b[j]) ** 2 : Math.abs(a[i] - b[j])
        if (k > 0) {
          const [pi, pj] = path[k - 1]
          expect([i - pi, j - pj]).toSatisfy(
            ([di, dj]: number[]) => (di === 0 || di === 1) && (dj === 0 || dj === 1) && di + dj > 0,
          )
        }
      })
      close(sum, distance)
    },
  )

  it('a known path', () => {
    expect(dtwPath([0, 1, 2], [0, 1, 1, 2]).path).toEqual([
      [0, 0],
      [1, 1],
      [1, 2],
      [2, 3],
    ])
  })
})
