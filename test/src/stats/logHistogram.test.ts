import { fc, test } from '@fast-check/vitest'
import { LogHistogram } from 'midstream/scheduler'
import { describe, expect } from 'vitest'

/** Nearest-rank percentile of a sorted array: the oracle. */
function nearestRank(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]
}

describe('LogHistogram', () => {
  test.prop([
    fc.array(fc.double({ min: 0, max: 1e12, noNaN: true }), { minLength: 1, maxLength: 300 }),
    fc.double({ min: 0, max: 1, noNaN: true }),
  ])('percentile is within the bucket width (1/64 relative, or 1 below 64) of the exact nearest rank', (values, q) => {
    const h = new LogHistogram()
    for (const v of values) h.record(v)
    const exact = nearestRank(
      [...values].sort((a, b) => a - b),
      q,
    )
    const got = h.percentile(q)
    expect(Math.abs(got - exact)).toBeLessThanOrEqual(Math.max(1, exact / 64))
    expect(h.count).toBe(values.length)
    expect(h.max).toBe(Math.max(...values))
    expect(h.min).toBe(Math.min(...values))
  })

  test.prop([fc.array(fc.integer({ min: 0, max: 63 }), { minLength: 1, maxLength: 100 })])(
    'small integers are exact',
    values => {
      const h = new LogHistogram()
      for (const v of values) h.record(v)
      const sorted = [...values].sort((a, b) => a - b)
      for (const q of [0, 0.25, 0.5, 0.99, 1])
        expect(h.percentile(q)).toBeCloseTo(
          Math.min(sorted.at(-1)!, Math.max(sorted[0], nearestRank(sorted, q) + 0.5)),
          9,
        )
    },
  )

  test.prop([fc.integer({ min: 6, max: 52 }), fc.integer({ min: -3, max: 3 })])(
    'values around powers of two land in a bucket that holds them',
    (exponent, offset) => {
      const v = 2 ** exponent + offset
      const h = new LogHistogram()
      h.record(v)
      h.record(v)
      // with two equal samples the midpoint is clamped to min = max = v, so check the raw bucket sum instead
      expect(h.counts.reduce((a, b) => a + b, 0)).toBe(2)
      const h2 = new LogHistogram()
      h2.record(0)
      h2.record(v * 4)
      h2.record(v)
      expect(Math.abs(h2.percentile(0.5) - v)).toBeLessThanOrEqual(v / 64)
    },
  )

  test('empty, negative and non-finite inputs', () => {
    const h = new LogHistogram()
    expect(h.percentile(0.5)).toBeNaN()
    expect(h.record(Number.NaN)).toBe(false)
    expect(h.record(Infinity)).toBe(false)
    expect(h.count).toBe(0)
    expect(h.record(-5)).toBe(true)
    expect(h.min).toBe(0)
    expect(h.percentile(1)).toBe(0)
    h.reset()
    expect(h.count).toBe(0)
    expect(h.mean).toBeNaN()
  })
})

test.prop([fc.double({ min: 0, max: 2 ** 52, noNaN: true })])(
  'every value falls inside the range of the bucket it is counted in',
  v => {
    const h = new LogHistogram()
    h.record(v)
    const index = h.counts.indexOf(1)
    // rebuild the bucket bounds plainly: [ (64 + sub) * 2^(o-1), (65 + sub) * 2^(o-1) ) for o >= 1
    const o = Math.floor(index / 64)
    const sub = index % 64
    const lower = o === 0 ? sub : (64 + sub) * 2 ** (o - 1)
    const upper = o === 0 ? sub + 1 : (65 + sub) * 2 ** (o - 1)
    expect(v).toBeGreaterThanOrEqual(lower)
    expect(v).toBeLessThan(upper)
  },
)
