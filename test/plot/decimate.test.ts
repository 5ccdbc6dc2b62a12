import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { decimateMinMax } from '../../src/plot/decimate'

/** Brute force: the samples of each column, by the definition (column c: floor(c n / k) to floor((c + 1) n / k) - 1). */
function columnsOf(n: number, k: number): number[][] {
  const cols: number[][] = Array.from({ length: k }, () => [])
  for (let c = 0; c < k; c++)
    for (let i = Math.floor((c * n) / k); i < Math.floor(((c + 1) * n) / k); i++) cols[c].push(i)
  return cols
}

const series = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 400 })

describe('decimateMinMax', () => {
  test.prop([series, fc.integer({ min: 1, max: 60 })])(
    'keeps, in order, the first, last, smallest and largest sample of every column, at most 4 a column',
    (xs, k) => {
      const { index, value, length } = decimateMinMax(xs, k)
      expect(length).toBe(index.length)
      for (let j = 0; j < length; j++) {
        expect(value[j]).toBe(xs[index[j]])
        if (j > 0) expect(index[j]).toBeGreaterThan(index[j - 1])
      }
      const kept = new Set(index)
      if (xs.length <= 4 * k) {
        expect(length).toBe(xs.length)
        return
      }
      for (const col of columnsOf(xs.length, k)) {
        const inCol = col.filter(i => kept.has(i))
        expect(inCol.length).toBeLessThanOrEqual(4)
        expect(kept.has(col[0])).toBe(true)
        expect(kept.has(col[col.length - 1])).toBe(true)
        const values = col.map(i => xs[i])
        const keptValues = inCol.map(i => xs[i])
        expect(Math.min(...keptValues)).toBe(Math.min(...values))
        expect(Math.max(...keptValues)).toBe(Math.max(...values))
      }
    },
  )

  it('keeps a one-sample spike of a 4 000-point sine in 550 columns', () => {
    const xs = Float64Array.from({ length: 4000 }, (_, i) => 0.1 * Math.sin(i / 20))
    xs[1234] = 5
    const { index, value } = decimateMinMax(xs, 550)
    expect(index.length).toBeLessThanOrEqual(4 * 550)
    expect(Math.max(...value)).toBe(5)
    expect([...index]).toContain(1234)
  })

  it('keeps the documented example', () => {
    const { index, value } = decimateMinMax([0, 0, 9, 0, 0, 0, -3, 0, 1, 1], 2)
    expect([...index]).toEqual([0, 2, 4, 5, 6, 8, 9])
    expect([...value]).toEqual([0, 9, 0, 0, -3, 1, 1])
  })

  it('names itself and the value on bad input', () => {
    expect(() => decimateMinMax([], 3)).toThrow(new RangeError('decimateMinMax: series must not be empty'))
    expect(() => decimateMinMax([1, Number.NaN], 3)).toThrow(
      /^decimateMinMax: series\[1\] must be a finite number, got NaN/,
    )
    expect(() => decimateMinMax([1, 2], 0)).toThrow(/^decimateMinMax: columns must be an integer/)
    expect(() => decimateMinMax([1, 2], 1.5)).toThrow(/decimateMinMax: columns/)
  })
})
