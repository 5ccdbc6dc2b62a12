import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { estimateDelay } from '../../../src/attractor/estimateDelay'
import { caoE1E2, estimateDimension, falseNearestNeighbors } from '../../../src/attractor/estimateDimension'
import { gaussianNoise, henon, logistic, lorenz, rossler, sine, uniformNoise } from '../../support/dynamics'
import { rng } from '../../support/rng'

/** The documented rounding floor: distances below 1e-9 standard deviations count as 0. */
const FLOOR = 1e-9

function standardDeviation(x: number[]): number {
  const mean = x.reduce((s, v) => s + v, 0) / x.length
  return Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length)
}

/** Kennel, Brown & Abarbanel's false nearest neighbours written plainly: an O(N^2) scan per point. */
function bruteForceFnn(x: number[], delay: number, m: number, w: number, rtol: number, atol: number): number {
  const ra = standardDeviation(x)
  const count = x.length - m * delay
  let falseNeighbours = 0
  for (let i = 0; i < count; i++) {
    let best = Infinity
    let nearest = -1
    for (let j = 0; j < count; j++) {
      if (Math.abs(i - j) <= w) continue
      let d2 = 0
      for (let k = 0; k < m; k++) d2 += (x[i + k * delay] - x[j + k * delay]) ** 2
      if (d2 < best) {
        best = d2
        nearest = j
      }
    }
    const rm = Math.sqrt(best)
    const extra = Math.abs(x[i + m * delay] - x[nearest + m * delay])
    const tornApart = extra / Math.max(rm, FLOOR * ra) > rtol
    const neverNear = Math.sqrt(best + extra ** 2) / ra > atol
    if (tornApart || neverNear) falseNeighbours++
  }
  return falseNeighbours / count
}

/** Cao's E(d) and E*(d) written plainly: max norm, the nearest neighbour at a nonzero distance. */
function bruteForceCaoE(x: number[], delay: number, d: number, w: number): { e: number; eStar: number } {
  const floor = FLOOR * standardDeviation(x)
  const count = x.length - d * delay
  const maxNorm = (i: number, j: number, dim: number) => {
    let largest = 0
    for (let k = 0; k < dim; k++) largest = Math.max(largest, Math.abs(x[i + k * delay] - x[j + k * delay]))
    return largest
  }
  let sumA = 0
  let sumStar = 0
  let used = 0
  for (let i = 0; i < count; i++) {
    let best = Infinity
    let nearest = -1
    for (let j = 0; j < count; j++) {
      if (Math.abs(i - j) <= w) continue
      const dist = maxNorm(i, j, d)
      if (dist > floor && dist < best) {
        best = dist
        nearest = j
      }
    }
    if (nearest < 0) continue
    sumA += maxNorm(i, nearest, d + 1) / best
    sumStar += Math.abs(x[i + d * delay] - x[nearest + d * delay])
    used++
  }
  return { e: sumA / used, eStar: sumStar / used }
}

/** Real-valued series without ties: a noisy Henon orbit or noisy sine, picked by the seed. */
function realSeries(seed: number, n: number): number[] {
  const random = rng(seed)
  const kind = seed & 1
  const x: number[] = []
  let u = 0.1 * random()
  let v = 0.1 * random()
  const period = 7 + 30 * random()
  for (let i = 0; i < n; i++) {
    if (kind === 0) {
      ;[u, v] = [1 - 1.4 * u * u + v, 0.3 * u]
      x.push(u + 0.05 * random())
    } else x.push(Math.sin((2 * Math.PI * i) / period) + 0.3 * random())
  }
  return x
}

const smallProblem = fc.record({
  seed: fc.integer(),
  n: fc.integer({ min: 40, max: 160 }),
  delay: fc.integer({ min: 1, max: 3 }),
  maxDimension: fc.integer({ min: 1, max: 4 }),
  theilerWindow: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
})

describe('falseNearestNeighbors against a brute-force O(N^2) scan', () => {
  test.prop([smallProblem, fc.constantFrom(15, 10, 3), fc.constantFrom(2, 1, 0.5)])(
    'exact fractions, default and explicit Theiler windows',
    (p, rtol, atol) => {
      const x = realSeries(p.seed, p.n)
      const curve = falseNearestNeighbors(x, p.delay, p.maxDimension, { theilerWindow: p.theilerWindow, rtol, atol })
      const w = p.theilerWindow ?? p.delay
      for (let m = 1; m <= p.maxDimension; m++)
        expect(curve[m - 1], `m = ${m}`).toBe(bruteForceFnn(x, p.delay, m, w, rtol, atol))
    },
  )

  test('a neighbour at distance 0 is false exactly when the added coordinate differs', () => {
    // values 0, 7, 0, 7, 1.5: point 0's neighbour is point 2 and both continue with 7 (true);
    // point 1's neighbour is point 3 but they continue with 0 and 1.5 (false), and vice versa.
    // Point 4 (1.5) sits 1.5 from both zeros, which continue with 7: 3 / 1.5 = 2 < 15, true.
    const curve = falseNearestNeighbors([0, 7, 0, 7, 1.5, 4], 1, 1, { theilerWindow: 0 })
    expect(curve[0]).toBe(2 / 5)
  })

  test('a period-3 integer series: all neighbours are copies continuing the same way', () => {
    const x = Array.from({ length: 60 }, (_, i) => [1, 2, 5][i % 3])
    expect(Array.from(falseNearestNeighbors(x, 1, 3, { theilerWindow: 0 }))).toEqual([0, 0, 0])
  })

  test.prop([
    fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 30, maxLength: 120 }),
    fc.integer({ min: 1, max: 2 }),
    fc.integer({ min: 1, max: 4 }),
  ])('fractions lie in [0, 1], never NaN, even on series full of duplicates', (x, delay, maxDimension) => {
    fc.pre(x.length >= maxDimension * delay + 2 * delay + 2)
    for (const f of falseNearestNeighbors(x, delay, maxDimension)) {
      expect(f).toBeGreaterThanOrEqual(0)
      expect(f).toBeLessThanOrEqual(1)
    }
  })
})

describe('caoE1E2 against a brute-force max-norm scan', () => {
  test.prop([smallProblem])('E1 and E2 for d = 1..maxDimension', p => {
    const x = realSeries(p.seed, p.n)
    const { e1, e2 } = caoE1E2(x, p.delay, p.maxDimension, { theilerWindow: p.theilerWindow })
    const w = p.theilerWindow ?? p.delay
    for (let d = 1; d <= p.maxDimension; d++) {
      const here = bruteForceCaoE(x, p.delay, d, w)
      const next = bruteForceCaoE(x, p.delay, d + 1, w)
      expect(e1[d - 1], `E1(${d})`).toBeCloseTo(next.e / here.e, 10)
      expect(e2[d - 1], `E2(${d})`).toBeCloseTo(next.eStar / here.eStar, 10)
    }
  })
})

describe('estimateDimension against ground truth', () => {
  test('logistic r = 4: 1 (the map is a function of its last value)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const x = logistic(2000, 4, seed)
      expect(estimateDimension(x, 1), `seed ${seed}`).toBe(1)
      expect(estimateDimension(x, 1, { method: 'cao' }), `seed ${seed}`).toBe(1)
    }
  })

  test('Henon x, delay 1, 3000 points: 2, by both methods', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const x = henon(3000, seed)
      expect(estimateDimension(x, 1), `seed ${seed}`).toBe(2)
      expect(estimateDimension(x, 1, { method: 'cao' }), `seed ${seed}`).toBe(2)
      const fnn = falseNearestNeighbors(x, 1, 4)
      expect(fnn[0]).toBeGreaterThan(0.5)
      expect(fnn[1]).toBe(0)
    }
  })

  test('Lorenz x, dt = 0.02, delay from mutual information, 5000 points: FNN gives 3, Cao 3 or 4', () => {
    const cao: number[] = []
    for (const seed of [1, 2, 3, 4, 5]) {
      const x = lorenz(5000, 0.02, seed)
      const delay = estimateDelay(x)
      expect(estimateDimension(x, delay), `seed ${seed}, delay ${delay}`).toBe(3)
      const fnn = falseNearestNeighbors(x, delay, 3)
      expect(fnn[1], `seed ${seed}: FNN(2)`).toBeGreaterThan(0.03)
      expect(fnn[2], `seed ${seed}: FNN(3)`).toBeLessThan(0.01)
      cao.push(estimateDimension(x, delay, { method: 'cao' }))
    }
    // E1(3) sits at 0.89-0.92 with 5000 points, near the 0.85 level, so a seed may read 4
    for (const d of cao) expect([3, 4], `${cao}`).toContain(d)
    expect(cao.filter(d => d === 3).length, `${cao}`).toBeGreaterThanOrEqual(4)
  })

  test('Rossler x, dt = 0.1, delay from mutual information, 5000 points: FNN gives 3', () => {
    for (const seed of [1, 2, 3]) {
      const x = rossler(5000, 0.1, seed)
      expect(estimateDimension(x, estimateDelay(x)), `seed ${seed}`).toBe(3)
    }
  })

  test('sine with delay a quarter period: 2 (a circle); with an integer period the orbit is P points and 1 suffices for FNN', () => {
    // Irrational periods, so no state recurs: 57.3 would be a period of 573 samples, repeating within 2000.
    for (const period of [10 * Math.PI, 30 * Math.SQRT2, 25 * Math.sqrt(5)]) {
      for (const seed of [1, 2, 3]) {
        const x = sine(2000, period, seed)
        const delay = Math.round(period / 4)
        expect(estimateDimension(x, delay), `period ${period}, seed ${seed}`).toBe(2)
        expect(estimateDimension(x, delay, { method: 'cao' }), `period ${period}, seed ${seed}`).toBe(2)
      }
    }
    for (const period of [40, 100]) {
      for (const seed of [1, 2, 3]) {
        // Each state recurs every period to within rounding and its value alone identifies it
        // (the random phase makes the P values distinct), so no neighbour is false in 1-D.
        const x = sine(2000, period, seed)
        expect(estimateDimension(x, period / 4), `period ${period}, seed ${seed}`).toBe(1)
        expect(estimateDimension(x, period / 4, { method: 'cao' }), `period ${period}, seed ${seed}`).toBe(2)
      }
    }
  })

  test('noise: FNN never drops below 10%, so maxDimension; Cao E2 stays near 1 where determinism pulls it down', () => {
    for (const seed of [1, 2, 3]) {
      const x = gaussianNoise(3000, seed)
      expect(estimateDimension(x, 1), `seed ${seed}`).toBe(10)
      expect(Math.min(...falseNearestNeighbors(x, 1, 6))).toBeGreaterThan(0.1)
      const { e2 } = caoE1E2(x, 1, 6)
      for (const v of e2) expect(Math.abs(v - 1), `seed ${seed}: ${e2}`).toBeLessThan(0.1)
      expect(caoE1E2(henon(3000, seed), 1, 1).e2[0]).toBeLessThan(0.1)
    }
  })

  test('a constant series is 1 by definition; its FNN curve is 0 and its Cao curves undefined', () => {
    const x = new Float64Array(100).fill(3)
    expect(estimateDimension(x, 2)).toBe(1)
    expect(estimateDimension(x, 2, { method: 'cao' })).toBe(1)
    expect(Array.from(falseNearestNeighbors(x, 2, 3))).toEqual([0, 0, 0])
    expect(Number.isNaN(caoE1E2(x, 2, 3).e1[0])).toBe(true)
  })
})

describe('estimateDimension properties', () => {
  test.prop([
    fc.integer(),
    fc.integer({ min: 200, max: 600 }),
    fc.integer({ min: 1, max: 3 }),
    fc.double({ min: 1e-2, max: 1e2, noNaN: true }),
    fc.double({ min: -1e2, max: 1e2, noNaN: true }),
  ])('invariant to shifting and positive scaling', (seed, n, delay, a, b) => {
    const x = seed % 3 === 0 ? Array.from(uniformNoise(n, seed)) : realSeries(seed, n)
    const y = x.map(v => a * v + b)
    expect(Array.from(falseNearestNeighbors(y, delay, 4))).toEqual(Array.from(falseNearestNeighbors(x, delay, 4)))
    expect(estimateDimension(y, delay, { maxDimension: 5 })).toBe(estimateDimension(x, delay, { maxDimension: 5 }))
    expect(estimateDimension(y, delay, { method: 'cao', maxDimension: 5 })).toBe(
      estimateDimension(x, delay, { method: 'cao', maxDimension: 5 }),
    )
    const cx = caoE1E2(x, delay, 4)
    const cy = caoE1E2(y, delay, 4)
    // a shift thousands of times the scale costs about 12 digits of each value, so compare relatively
    for (let d = 0; d < 4; d++)
      expect(Math.abs(cy.e1[d] - cx.e1[d])).toBeLessThanOrEqual(1e-5 * Math.abs(cx.e1[d]) + 1e-12)
  })

  test.prop([smallProblem])('the estimate lies in 1..maxDimension', p => {
    const x = realSeries(p.seed, p.n)
    fc.pre(p.n >= (p.maxDimension + 1) * p.delay + 2 * (p.theilerWindow ?? p.delay) + 2)
    for (const method of ['fnn', 'cao'] as const) {
      const d = estimateDimension(x, p.delay, { method, maxDimension: p.maxDimension, theilerWindow: p.theilerWindow })
      expect(d).toBeGreaterThanOrEqual(1)
      expect(d).toBeLessThanOrEqual(p.maxDimension)
    }
  })

  test('bad input is a typed error naming the value', () => {
    const x = henon(200)
    expect(() => estimateDimension(x, 0)).toThrow(/delay must be an integer >= 1, got 0/)
    expect(() => estimateDimension(x, 1.5)).toThrow(/delay must be an integer >= 1, got 1.5/)
    expect(() => estimateDimension(x, 1, { maxDimension: 0 })).toThrow(
      /maxDimension must be an integer in \[1, 255\], got 0/,
    )
    expect(() => estimateDimension(x, 1, { theilerWindow: -1 })).toThrow(
      /theilerWindow must be an integer >= 0, got -1/,
    )
    expect(() => estimateDimension(x, 1, { fnnThreshold: 0 })).toThrow(
      /^estimateDimension: fnnThreshold must be a finite number > 0 and <= 1, got 0/,
    )
    expect(() => estimateDimension(x, 1, { rtol: -1 })).toThrow(/rtol must be a finite number > 0, got -1/)
    expect(() => estimateDimension(x, 1, { method: 'cao', e1Threshold: Number.NaN })).toThrow(
      /^estimateDimension: e1Threshold must be a finite number > 0, got NaN/,
    )
    expect(() => estimateDimension(x, 1, { method: 'pca' as never })).toThrow(
      /method must be 'fnn' or 'cao', got "pca"/,
    )
    // 10 dimensions at delay 20 with a Theiler window of 20 need 10 * 20 + 2 * 20 + 2 values
    expect(() => estimateDimension(x, 20)).toThrow(
      /series needs at least 242 values for maxDimension 10, delay 20 and theilerWindow 20, got 200/,
    )
    // Cao reads E(maxDimension + 1)
    expect(() => caoE1E2(x.subarray(0, 30), 2, 12)).toThrow(/series needs at least 32 values/)
    expect(falseNearestNeighbors(x.subarray(0, 30), 2, 12)).toHaveLength(12)
    expect(() => falseNearestNeighbors([1, 2, NaN, 4, 5, 6, 7, 8], 1, 1)).toThrow(
      /series\[2\] must be a finite number, got NaN/,
    )
  })
})
