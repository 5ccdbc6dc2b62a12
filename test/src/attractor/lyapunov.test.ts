import { fc, test } from '@fast-check/vitest'
import { lyapunovRosenstein } from 'midstream'
import { describe, expect } from 'vitest'
import { divergenceCurve } from '../../../src/attractor/lyapunov'
import { damped, henon, logistic, lorenz, sine } from '../../support/dynamics'

/** Rosenstein written plainly: O(N^2) nearest neighbours over arrays of arrays. */
function bruteForceDivergence(x: number[], m: number, tau: number, w: number, K: number): number[] {
  const points: number[][] = []
  for (let i = 0; i + (m - 1) * tau < x.length; i++) points.push(Array.from({ length: m }, (_, c) => x[i + c * tau]))
  // squared distances, so that the nearest neighbour and its ties are decided exactly as the kernel does
  const dist2 = (a: number[], b: number[]) => a.reduce((s, v, c) => s + (v - b[c]) ** 2, 0)
  const limit = points.length - K
  const sums = new Array(K + 1).fill(0)
  const counts = new Array(K + 1).fill(0)
  for (let i = 0; i < limit; i++) {
    let best = -1
    for (let j = 0; j < limit; j++)
      if (Math.abs(i - j) > w && (best < 0 || dist2(points[i], points[j]) < dist2(points[i], points[best]))) best = j
    if (best < 0 || dist2(points[i], points[best]) === 0) continue
    for (let k = 0; k <= K; k++) {
      const d = dist2(points[i + k], points[best + k])
      if (d > 0) {
        sums[k] += Math.log(d) / 2
        counts[k]++
      }
    }
  }
  return sums.map((s, k) => s / counts[k])
}

describe('lyapunovRosenstein against ground truth', () => {
  test('logistic map r = 4: ln 2 within 0.02 from 1 000 points, parameters estimated', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = lyapunovRosenstein(logistic(1000, 4, seed))
      expect(Math.abs(r.exponent - Math.LN2), `seed ${seed}: ${r.exponent}`).toBeLessThanOrEqual(0.02)
    }
  })

  test('Henon map: 0.419 within 0.03 from 3 000 points', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = lyapunovRosenstein(henon(3000, seed))
      expect(
        Math.abs(r.exponent - 0.41922),
        `seed ${seed}: ${r.exponent} (m ${r.dimension}, tau ${r.delay})`,
      ).toBeLessThanOrEqual(0.03)
    }
  })

  test('Lorenz, dt = 0.02, 5 000 points: 0.906 per unit time, median of seeds within 10%', () => {
    // The estimate from 100 time units scatters by about +-10% between initial conditions even on
    // the true (x, y, z) state (see README), so the median of several runs is held to 10% and each to 20%.
    const estimates = [1, 2, 3, 4, 5].map(seed => lyapunovRosenstein(lorenz(5000, 0.02, seed), { dt: 0.02 }).exponent)
    const median = [...estimates].sort((a, b) => a - b)[2]
    expect(Math.abs(median - 0.9056) / 0.9056, `estimates ${estimates.join(', ')}`).toBeLessThanOrEqual(0.1)
    for (const e of estimates) expect(Math.abs(e - 0.9056) / 0.9056).toBeLessThanOrEqual(0.2)
  })

  test('a sine (limit cycle) has an exponent within 0.02 of 0; a damped oscillation contracts', () => {
    // irrational periods: a rational one repeats its states exactly, which has no exponent (below)
    for (const period of [10 * Math.SQRT2, 20 * Math.PI, 10 * Math.E]) {
      const r = lyapunovRosenstein(sine(2000, period, 3))
      expect(Math.abs(r.exponent), `period ${period}: ${r.exponent}`).toBeLessThanOrEqual(0.02)
    }
    const d = lyapunovRosenstein(damped(1000, 25, 0.005), { dimension: 2, delay: 6 })
    expect(d.exponent).toBeLessThan(-0.0035)
    expect(d.exponent).toBeGreaterThan(-0.0065)
  })
})

describe('lyapunovRosenstein on a series that repeats its states exactly (a limit cycle)', () => {
  const exactSine = (n: number, period: number) =>
    Float64Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * i) / period))

  test('sin(2 pi i / 50), 1 000 points, parameters estimated: exponent 0, the repeats reported', () => {
    const r = lyapunovRosenstein(exactSine(1000, 50))
    expect(r.exponent).toBe(0)
    expect(r.exactRepeats).toBe(true)
    expect(r.pairs).toBe(0)
    // every neighbour sits at distance 0 and stays there: ln 0 at every step
    expect(Array.from(r.divergence).every(v => v === -Infinity)).toBe(true)
    expect(r.fit).toEqual({ from: 0, to: r.divergence.length - 1, r2: 1 })
  })

  test('a period-4 logistic cycle and a sine of period 40 with dt: exponent 0 per unit time', () => {
    const cycle = lyapunovRosenstein(logistic(1000, 3.5), { dimension: 1, delay: 1 })
    expect(cycle).toMatchObject({ exponent: 0, exactRepeats: true })
    const r = lyapunovRosenstein(sine(2000, 40), { dimension: 2, delay: 10, dt: 0.01, fitRange: [2, 5] })
    expect(r).toMatchObject({ exponent: 0, exactRepeats: true, fit: { from: 2, to: 5, r2: 1 } })
  })

  test('a series whose states do not repeat exactly says so', () => {
    expect(lyapunovRosenstein(sine(2000, 10 * Math.SQRT2, 3)).exactRepeats).toBe(false)
    expect(lyapunovRosenstein(logistic(1000, 4)).exactRepeats).toBe(false)
  })

  test.prop([
    fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 2, maxLength: 20 }).filter(b => new Set(b).size > 1),
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 3 }),
  ])('any block repeated over 600 values has exponent 0 (its states recur exactly)', (block, m, tau) => {
    const x = Float64Array.from({ length: 600 }, (_, i) => block[i % block.length])
    const r = lyapunovRosenstein(x, { dimension: m, delay: tau, theilerWindow: block.length - 1 })
    expect(r.exponent).toBe(0)
    expect(r.exactRepeats).toBe(true)
  })
})

describe('lyapunovRosenstein properties', () => {
  // thousandths: many equal distances, so the tie rule (lowest index) is exercised
  test.prop([
    fc.array(
      fc.integer({ min: -3000, max: 3000 }).map(v => v / 1000),
      { minLength: 40, maxLength: 90 },
    ),
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 0, max: 4 }),
  ])('the divergence curve equals an O(N^2) Rosenstein written plainly', (x, m, tau, w) => {
    const K = 5
    const r = divergenceCurve(x, m, tau, w, K)
    const oracle = bruteForceDivergence(x, m, tau, w, K)
    for (let k = 0; k <= K; k++) {
      if (Number.isNaN(oracle[k])) expect(r.divergence[k]).toBeNaN()
      else expect(r.divergence[k]).toBeCloseTo(oracle[k], 9)
    }
  })

  test.prop([
    fc.integer({ min: 1, max: 1000 }),
    fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
    fc.double({ min: -1e3, max: 1e3, noNaN: true }),
  ])('the exponent does not change when the series is shifted or scaled', (seed, a, b) => {
    const x = henon(1500, seed)
    const y = x.map(v => a * v + b)
    const options = { dimension: 2, delay: 1 }
    expect(lyapunovRosenstein(y, options).exponent).toBeCloseTo(lyapunovRosenstein(x, options).exponent, 6)
  })

  test('bad input is a typed error naming the value', () => {
    const x = logistic(500, 4)
    expect(() => lyapunovRosenstein([1, 2, NaN])).toThrow(/series\[2\] must be a finite number/)
    expect(() => lyapunovRosenstein(x, { dt: 0 })).toThrow(/dt must be a finite number > 0, got 0/)
    expect(() => lyapunovRosenstein(x, { dimension: 0, delay: 1 })).toThrow(/dimension must be an integer >= 1, got 0/)
    expect(() => lyapunovRosenstein(x, { dimension: 1, delay: 1, theilerWindow: -1 })).toThrow(
      /theilerWindow must be an integer >= 0, got -1/,
    )
    expect(() => lyapunovRosenstein(x, { dimension: 1, delay: 1, maxSteps: 1 })).toThrow(
      /maxSteps must be an integer >= 2, got 1/,
    )
    expect(() => lyapunovRosenstein(x, { dimension: 1, delay: 1, maxSteps: 10, fitRange: [5, 11] })).toThrow(
      /fitRange must be \[from, to\]/,
    )
    expect(() => lyapunovRosenstein(logistic(15, 4), { dimension: 1, delay: 1 })).toThrow(/needs at least \d+ values/)
    expect(() => lyapunovRosenstein(new Float64Array(300).fill(2), { dimension: 2, delay: 1 })).toThrow(
      /^lyapunovRosenstein: the series is constant/,
    )
  })

  test('an explicit fitRange is used as given', () => {
    const r = lyapunovRosenstein(logistic(1000, 4, 7), { dimension: 1, delay: 1, maxSteps: 20, fitRange: [1, 6] })
    expect(r.fit.from).toBe(1)
    expect(r.fit.to).toBe(6)
    let sx = 0,
      sy = 0,
      sxx = 0,
      sxy = 0
    for (let k = 1; k <= 6; k++) (sx += k), (sy += r.divergence[k]), (sxx += k * k), (sxy += k * r.divergence[k])
    expect(r.exponent).toBeCloseTo((6 * sxy - sx * sy) / (6 * sxx - sx * sx), 12)
  })
})
