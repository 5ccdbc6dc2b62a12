import { fc, test } from '@fast-check/vitest'
import { delayEmbed } from 'midstream'
import { describe, expect } from 'vitest'
import { KdTree } from '../../../src/attractor/kdTree'

const series = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 80 })

describe('delayEmbed', () => {
  test.prop([series, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 })])(
    'point i component k is x[i + k delay]',
    (x, m, tau) => {
      fc.pre(x.length > (m - 1) * tau)
      const e = delayEmbed(x, m, tau)
      expect(e.count).toBe(x.length - (m - 1) * tau)
      expect(e.data.length).toBe(e.count * m)
      for (let i = 0; i < e.count; i++) for (let k = 0; k < m; k++) expect(e.data[i * m + k]).toBe(x[i + k * tau])
    },
  )

  test('bad parameters and short series are RangeErrors naming the value', () => {
    expect(() => delayEmbed([1, 2, 3], 0, 1)).toThrow(/dimension must be an integer >= 1, got 0/)
    expect(() => delayEmbed([1, 2, 3], 2, 1.5)).toThrow(/delay must be an integer >= 1, got 1.5/)
    expect(() => delayEmbed([1, 2, 3], 3, 2)).toThrow(/at least 5 values/)
    expect(() => delayEmbed([1, NaN], 1, 1)).toThrow(/series\[1\] must be a finite number, got NaN/)
  })
})

describe('KdTree', () => {
  const cloud = fc
    .record({ d: fc.integer({ min: 1, max: 5 }), n: fc.integer({ min: 1, max: 150 }), grid: fc.boolean() })
    .chain(({ d, n, grid }) =>
      fc.record({
        d: fc.constant(d),
        // a coarse grid makes many ties and duplicates
        coords: fc.array(grid ? fc.integer({ min: 0, max: 3 }) : fc.double({ min: -10, max: 10, noNaN: true }), {
          minLength: n * d,
          maxLength: n * d,
        }),
        theiler: fc.integer({ min: 0, max: 10 }),
        limitCut: fc.integer({ min: 0, max: 20 }),
      }),
    )

  test.prop([cloud])(
    'nearest outside the Theiler window matches a brute-force scan',
    ({ d, coords, theiler, limitCut }) => {
      const points = Float64Array.from(coords)
      const n = coords.length / d
      const tree = new KdTree(points, n, d, 4)
      const limit = Math.max(0, n - limitCut)
      for (let i = 0; i < n; i++) {
        let best = Infinity
        for (let j = 0; j < limit; j++) {
          if (Math.abs(j - i) <= theiler) continue
          let s = 0
          for (let k = 0; k < d; k++) s += (points[i * d + k] - points[j * d + k]) ** 2
          best = Math.min(best, s)
        }
        const j = tree.nearest(points, i, theiler, limit)
        if (best === Infinity) expect(j).toBe(-1)
        else {
          expect(Math.abs(j - i)).toBeGreaterThan(theiler)
          expect(j).toBeLessThan(limit)
          expect(tree.lastDistance2).toBe(best)
        }
      }
    },
  )
})
