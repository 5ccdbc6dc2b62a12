import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { dtw } from '../../../src/compare/dtw'
import { envelope, lbKeogh, lbKim } from '../../../src/compare/lowerBounds'
import { euclidean, zNormalize } from '../../../src/compare/pointwise'

const value = fc.double({ min: -100, max: 100, noNaN: true })
const series = fc.array(value, { minLength: 1, maxLength: 60 })
const cost = fc.constantFrom<'squared' | 'absolute'>('squared', 'absolute')

describe('envelope', () => {
  test.prop([series, fc.integer({ min: 0, max: 70 })])(
    'equals the max and min over each window, computed plainly',
    (x, band) => {
      const { upper, lower } = envelope(x, band)
      x.forEach((_, i) => {
        const window = x.slice(Math.max(0, i - band), i + band + 1)
        expect(upper[i]).toBe(Math.max(...window))
        expect(lower[i]).toBe(Math.min(...window))
      })
    },
  )
})

describe('lower bounds never exceed the true DTW distance', () => {
  test.prop([series, series, cost, fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined })])(
    'LB_Kim <= DTW',
    (a, b, c, band) => {
      expect(lbKim(a, b, c)).toBeLessThanOrEqual(dtw(a, b, { cost: c, band }) * (1 + 1e-12) + 1e-9)
    },
  )

  test.prop([
    fc
      .integer({ min: 1, max: 60 })
      .chain(n =>
        fc.tuple(fc.array(value, { minLength: n, maxLength: n }), fc.array(value, { minLength: n, maxLength: n })),
      ),
    fc.integer({ min: 0, max: 12 }),
    cost,
  ])(
    'LB_Keogh(query, envelope(candidate, r)) <= DTW with band r; early abandoning stays a lower bound',
    ([q, c], r, k) => {
      const exact = dtw(q, c, { band: r, cost: k })
      const lb = lbKeogh(q, envelope(c, r), { cost: k })
      expect(lb).toBeLessThanOrEqual(exact * (1 + 1e-12) + 1e-9)
      expect(lbKeogh(q, envelope(c, r), { cost: k, abandonAbove: lb / 2 })).toBeLessThanOrEqual(lb)
    },
  )

  it('LB_Keogh is zero inside the envelope and counts what lies outside', () => {
    expect(lbKeogh([1, 2, 3], envelope([1, 2, 3], 0))).toBe(0)
    expect(lbKeogh([5, 2, 3], envelope([1, 2, 3], 0))).toBe(16)
    expect(() => lbKeogh([1, 2], envelope([1, 2, 3], 1))).toThrow(/equal length/)
  })
})

describe('euclidean and zNormalize', () => {
  test.prop([
    fc
      .integer({ min: 0, max: 40 })
      .chain(n =>
        fc.tuple(fc.array(value, { minLength: n, maxLength: n }), fc.array(value, { minLength: n, maxLength: n })),
      ),
  ])('euclidean is the square root of banded-0 DTW (the diagonal path)', ([a, b]) => {
    if (a.length === 0) expect(euclidean(a, b)).toBe(0)
    else expect(euclidean(a, b)).toBeCloseTo(Math.sqrt(dtw(a, b, { band: 0 })), 9)
  })

  test.prop([
    fc.array(value, { minLength: 2, maxLength: 60 }),
    fc.double({ min: 0.5, max: 20, noNaN: true }),
    fc.double({ min: -50, max: 50, noNaN: true }),
  ])('z-normalised series have mean 0 and std 1, and ignore affine changes', (x, scale, shift) => {
    const z = zNormalize(x)
    const mean = z.reduce((s, v) => s + v, 0) / z.length
    const std = Math.sqrt(z.reduce((s, v) => s + (v - mean) ** 2, 0) / z.length)
    const spread = Math.max(...x) - Math.min(...x)
    if (spread < 1e-6) return true
    expect(mean).toBeCloseTo(0, 9)
    expect(std).toBeCloseTo(1, 9)
    const moved = zNormalize(x.map(v => v * scale + shift))
    moved.forEach((v, i) => expect(v).toBeCloseTo(z[i], 6))
  })

  it('edge cases and bad input', () => {
    expect(euclidean([0, 0], [3, 4])).toBe(5)
    expect(() => euclidean([1], [1, 2])).toThrow(/equal lengths, got 1 and 2/)
    expect(Array.from(zNormalize([4, 4, 4]))).toEqual([0, 0, 0])
    expect(() => zNormalize([1, Number.NaN])).toThrow(/x\[1\] must be a finite number/)
    expect(() => envelope([1, 2], -1)).toThrow(/band/)
    expect(() => lbKim([], [1])).toThrow(/non-empty/)
  })
})
