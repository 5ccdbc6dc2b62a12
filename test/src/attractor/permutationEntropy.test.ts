import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import {
  ordinalPatternCounts,
  permutationEntropy,
  SlidingPermutationEntropy,
} from '../../../src/attractor/permutationEntropy'
import { logistic, uniformNoise } from '../../support/dynamics'

// ---- oracle: Bandt and Pompe's definition, by sorting each window's indices ----

/** The permutation that sorts the window stably (so ties keep time order), as "i0,i1,...". */
function patternKey(x: ArrayLike<number>, start: number, order: number, delay: number): string {
  const idx = Array.from({ length: order }, (_, k) => k)
  idx.sort((a, b) => x[start + a * delay] - x[start + b * delay]) // Array.prototype.sort is stable
  return idx.join(',')
}

function oracleCounts(x: ArrayLike<number>, order: number, delay: number): Map<string, number> {
  const counts = new Map<string, number>()
  for (let s = 0; s + (order - 1) * delay < x.length; s++) {
    const key = patternKey(x, s, order, delay)
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1)
}

function oracleEntropy(x: ArrayLike<number>, order: number, delay: number): number {
  const counts = oracleCounts(x, order, delay)
  let total = 0
  for (const c of counts.values()) total += c
  let h = 0
  for (const c of counts.values()) h -= (c / total) * Math.log(c / total)
  return h / Math.log(factorial(order))
}

// small integers make many ties
const tiedOrNot = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }))
const params = fc.record({ order: fc.integer({ min: 2, max: 8 }), delay: fc.integer({ min: 1, max: 3 }) })

describe('permutationEntropy', () => {
  test.prop([fc.array(tiedOrNot, { minLength: 1, maxLength: 200 }), params])(
    'equals the sorted-index oracle, ties ranked by time',
    (x, { order, delay }) => {
      fc.pre(x.length > (order - 1) * delay)
      expect(permutationEntropy(x, order, delay)).toBeCloseTo(oracleEntropy(x, order, delay), 12)
      // same pattern frequencies: as multisets, and the two monotone patterns by name
      const counts = ordinalPatternCounts(x, order, delay)
      const oracle = oracleCounts(x, order, delay)
      expect(
        Array.from(counts)
          .filter(c => c > 0)
          .sort((a, b) => a - b),
      ).toEqual([...oracle.values()].sort((a, b) => a - b))
      const up = Array.from({ length: order }, (_, k) => k)
      expect(counts[0]).toBe(oracle.get(up.join(',')) ?? 0)
      expect(counts[factorial(order) - 1]).toBe(oracle.get(up.reverse().join(',')) ?? 0)
    },
  )

  test("Bandt and Pompe's worked example: (4, 7, 9, 10, 6, 11, 3) at order 3", () => {
    // windows 4 7 9 and 7 9 10 rise (012), 9 10 6 and 6 11 3 are 201, 10 6 11 is 102: H = 1.522 bits as in the paper
    const x = [4, 7, 9, 10, 6, 11, 3]
    const p = [2 / 5, 2 / 5, 1 / 5]
    expect(permutationEntropy(x, 3)).toBeCloseTo(-p.reduce((s, v) => s + v * Math.log(v), 0) / Math.log(6), 14)
  })

  test('a monotone or constant series has entropy 0', () => {
    const up = Array.from({ length: 50 }, (_, i) => i * 0.3)
    for (const order of [2, 3, 5, 8]) {
      expect(permutationEntropy(up, order)).toBe(0)
      expect(permutationEntropy(up.slice().reverse(), order, 2)).toBe(0)
      expect(permutationEntropy(new Array(50).fill(4), order)).toBe(0)
    }
  })

  test.each([1, 2, 3])('i.i.d. uniform noise of 5000 is above 0.99 at order 4 (seed %i)', seed => {
    expect(permutationEntropy(uniformNoise(5000, seed), 4)).toBeGreaterThan(0.99)
  })

  test.each([1, 2, 3])(
    'logistic r = 4 never decreases three times running, and its entropy is the closed-form value (seed %i)',
    seed => {
      const x = logistic(20000, 4, seed)
      const counts = ordinalPatternCounts(x, 3)
      expect(counts[5]).toBe(0)
      expect(oracleCounts(x, 3, 1).has('2,1,0')).toBe(false)
      // x_k = sin^2(pi 2^k theta) with theta uniform is the map under its invariant measure. Two of
      // x0, x1, x2 are equal only where theta is a multiple of 1/2, 1/3, 1/5 or 1/6, so the pattern is
      // constant on each interval (k/30, (k+1)/30): its probability is (number of such intervals)/30.
      const intervals = new Map<string, number>()
      for (let k = 0; k < 30; k++) {
        const theta = (k + 0.5) / 30
        const key = patternKey(
          [0, 1, 2].map(i => Math.sin(Math.PI * 2 ** i * theta) ** 2),
          0,
          3,
          1,
        )
        intervals.set(key, (intervals.get(key) ?? 0) + 1)
      }
      expect(intervals.has('2,1,0')).toBe(false)
      let exact = 0
      for (const c of intervals.values()) exact -= (c / 30) * Math.log(c / 30)
      exact /= Math.log(6)
      expect(exact).toBeCloseTo(0.83145, 4)
      const pe = permutationEntropy(x, 3)
      expect(pe).toBeLessThan(0.95)
      expect(Math.abs(pe - exact)).toBeLessThan(0.01)
    },
  )

  const integers = fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 10, maxLength: 200 })
  test.prop([
    integers,
    params,
    fc.integer({ min: 1, max: 1000 }),
    fc.integer({ min: -1e6, max: 1e6 }),
    fc.integer({ min: -40, max: 40 }),
  ])('is invariant to shift and positive scaling', (x, { order, delay }, a, b, exponent) => {
    fc.pre(x.length > (order - 1) * delay)
    const h = permutationEntropy(x, order, delay)
    // integer and power-of-two arithmetic here is exact, so no tie is created or broken
    expect(
      permutationEntropy(
        x.map(v => a * v + b),
        order,
        delay,
      ),
    ).toBe(h)
    expect(
      permutationEntropy(
        x.map(v => v * 2 ** exponent),
        order,
        delay,
      ),
    ).toBe(h)
  })

  test('bad input is an error naming the value', () => {
    expect(() => permutationEntropy([1, 2, 3], 1)).toThrow(/order must be an integer in \[2, 8\], got 1/)
    expect(() => permutationEntropy([1, 2, 3], 9)).toThrow(/got 9/)
    expect(() => permutationEntropy([1, 2, 3], 2.5)).toThrow(/got 2.5/)
    expect(() => permutationEntropy([1, 2, 3], 2, 0)).toThrow(/delay must be an integer >= 1, got 0/)
    expect(() => permutationEntropy([1, 2, 3, 4], 3, 2)).toThrow(
      /order 3 with delay 2 needs at least 5 values for one pattern, got 4/,
    )
    expect(() => permutationEntropy([1, NaN, 3], 2)).toThrow(/series\[1\] must be a finite number, got NaN/)
    expect(() => ordinalPatternCounts('abc' as unknown as number[], 2)).toThrow(TypeError)
  })
})

describe('SlidingPermutationEntropy', () => {
  const run = params.chain(({ order, delay }) =>
    fc.record({
      order: fc.constant(order),
      delay: fc.constant(delay),
      window: fc.integer({ min: (order - 1) * delay + 1, max: (order - 1) * delay + 40 }),
      values: fc.array(tiedOrNot, { minLength: 0, maxLength: 150 }),
    }),
  )

  test.prop([run])(
    'after every push equals the batch entropy of the last window values',
    ({ order, delay, window, values }) => {
      const pe = new SlidingPermutationEntropy(order, delay, window)
      const span = (order - 1) * delay
      const check = (upTo: number): void => {
        const held = values.slice(Math.max(0, upTo - window), upTo)
        if (held.length <= span) {
          expect(pe.patternCount).toBe(0)
          expect(pe.value()).toBeNaN()
        } else {
          expect(pe.patternCount).toBe(held.length - span)
          expect(Math.abs(pe.value() - permutationEntropy(held, order, delay))).toBeLessThan(1e-12)
        }
      }
      for (let i = 0; i < values.length; i++) {
        pe.push(values[i])
        check(i + 1)
      }
      // reset forgets everything; the same values give the same answers again
      pe.reset()
      check(0)
      for (let i = 0; i < values.length; i++) {
        pe.push(values[i])
        check(i + 1)
      }
    },
  )

  test('the running sum stays exact over a long stream (resynchronised from the counts)', () => {
    const x = uniformNoise(20000, 7)
    const pe = new SlidingPermutationEntropy(4, 2, 300)
    for (let i = 0; i < x.length; i++) pe.push(x[i])
    expect(pe.value()).toBeCloseTo(oracleEntropy(x.subarray(x.length - 300), 4, 2), 12)
  })

  test('bad parameters and values are errors naming them', () => {
    expect(() => new SlidingPermutationEntropy(3, 2, 4)).toThrow(
      /^SlidingPermutationEntropy: window must be an integer >= 5, got 4/,
    )
    expect(() => new SlidingPermutationEntropy(9, 1, 100)).toThrow(/order must be an integer in \[2, 8\], got 9/)
    expect(() => new SlidingPermutationEntropy(3, -1, 100)).toThrow(/delay must be an integer >= 1, got -1/)
    const pe = new SlidingPermutationEntropy(3, 1, 10)
    pe.push(1)
    pe.push(2)
    expect(() => pe.push(Infinity)).toThrow(/value 2 must be a finite number, got Infinity/)
    expect(() => pe.push('3' as unknown as number)).toThrow(/got "3"/)
  })
})
