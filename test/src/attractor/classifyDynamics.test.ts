import { fc, test } from '@fast-check/vitest'
import { classifyDynamics, type Regime } from 'midstream'
import { describe, expect } from 'vitest'
import * as g from '../../support/dynamics'

type Row = [Regime, string, (seed: number) => Float64Array]

/** The regimes, each at lengths a user would analyse, with ground truth from the generator. */
function regimeTable(): Row[] {
  const rows: Row[] = []
  for (const n of [1000, 3000]) {
    rows.push(
      ['chaotic', `logistic r=4, ${n}`, s => g.logistic(n, 4, s)],
      ['chaotic', `logistic r=3.9, ${n}`, s => g.logistic(n, 3.9, s)],
      ['limit-cycle', `logistic r=3.5, ${n}`, s => g.logistic(n, 3.5, s)],
      ['limit-cycle', `logistic r=3.83, ${n}`, s => g.logistic(n, 3.83, s)],
      ['fixed-point', `logistic r=2.8 with its transient, ${n}`, s => g.logistic(n, 2.8, s, 0)],
      ['fixed-point', `logistic r=2.8 settled, ${n}`, s => g.logistic(n, 2.8, s)],
      ['chaotic', `Henon, ${n}`, s => g.henon(n, s)],
      ['limit-cycle', `sine period 17.3, ${n}`, s => g.sine(n, 17.3, s)],
      ['limit-cycle', `sine period 40, ${n}`, s => g.sine(n, 40, s)],
      ['limit-cycle', `sine period 20 pi, ${n}`, s => g.sine(n, 20 * Math.PI, s)],
      ['fixed-point', `damped oscillation, ${n}`, s => g.damped(n, 25, 3 / n, s)],
      ['fixed-point', `slowly damped oscillation, ${n}`, s => g.damped(n, 31.4, 1 / n, s)],
      ['noise', `uniform noise, ${n}`, s => g.uniformNoise(n, s)],
      ['noise', `Gaussian noise, ${n}`, s => g.gaussianNoise(n, s)],
    )
  }
  rows.push(
    ['chaotic', 'Lorenz dt=0.02, 5000', s => g.lorenz(5000, 0.02, s)],
    ['chaotic', 'Lorenz dt=0.02, 2000', s => g.lorenz(2000, 0.02, s)],
    ['chaotic', 'Rossler c=5.7 dt=0.1, 5000', s => g.rossler(5000, 0.1, s)],
    ['chaotic', 'Rossler c=5.7 dt=0.1, 3000', s => g.rossler(3000, 0.1, s)],
  )
  return rows
}

describe('classifyDynamics against ground truth', () => {
  test('an exactly periodic sine, sin(2 pi i / 50), is a limit cycle with exponent 0', () => {
    const x = Float64Array.from({ length: 1000 }, (_, i) => Math.sin((2 * Math.PI * i) / 50))
    const r = classifyDynamics(x)
    expect(r.regime, r.reason).toBe('limit-cycle')
    expect(r.stable).toBe(true)
    // a limit cycle's largest exponent is 0 (lyapunovRosenstein returns it with exactRepeats)
    expect(r.lyapunov).toBe(0)
  })

  test('at least 95% of a table of regimes x seeds is classified right, and noise is never chaos', () => {
    const misses: string[] = []
    let total = 0
    for (const [want, name, generate] of regimeTable()) {
      for (const seed of [1, 2, 3, 4]) {
        total++
        const report = classifyDynamics(generate(seed))
        if (report.regime !== want) misses.push(`${name} seed ${seed}: ${report.regime} (${report.reason})`)
        if (want === 'noise') expect(report.regime, `${name} seed ${seed}`).toBe('noise')
        if (report.regime !== 'unknown') expect(report.confidence).toBeGreaterThan(0)
        expect(report.stable).toBe(report.regime === 'fixed-point' || report.regime === 'limit-cycle')
      }
    }
    expect(misses.length / total, misses.join('\n')).toBeLessThanOrEqual(0.05)
  })

  test('a chaotic report carries the figures it was decided on', () => {
    const r = classifyDynamics(g.lorenz(5000, 0.02, 1), { dt: 0.02 })
    expect(r.regime).toBe('chaotic')
    expect(r.lyapunov).toBeGreaterThan(0.7)
    expect(r.lyapunov).toBeLessThan(1.1)
    expect(r.k01).toBeGreaterThan(0.9)
    expect(r.dimension).toBe(3)
    expect(r.delay).toBeGreaterThanOrEqual(7)
    expect(r.delay).toBeLessThanOrEqual(11)
    expect(r.reason).toMatch(/K = 0\.9\d+/)
  })

  test('too short a series is unknown with a reason, not a guess', () => {
    const r = classifyDynamics(g.logistic(150, 4))
    expect(r.regime).toBe('unknown')
    expect(r.reason).toBe('too short to judge: 150 values, needs at least 200')
    expect(r.confidence).toBe(0)
    expect(classifyDynamics(g.logistic(150, 4), { minLength: 100 }).regime).toBe('chaotic')
  })

  test('a constant series is a fixed point', () => {
    const r = classifyDynamics(new Float64Array(500).fill(-3.5))
    expect(r.regime).toBe('fixed-point')
    expect(r.reason).toBe('constant at -3.5')
    expect(r.stable).toBe(true)
  })

  test('bad input is a typed error naming the value', () => {
    expect(() => classifyDynamics([...g.logistic(300, 4), Number.POSITIVE_INFINITY])).toThrow(
      /series\[300\] must be a finite number, got Infinity/,
    )
    expect(() => classifyDynamics(g.logistic(300, 4), { dt: -1 })).toThrow(/dt must be a finite number > 0, got -1/)
    expect(() => classifyDynamics(g.logistic(300, 4), { order: 9 })).toThrow(
      /order must be an integer in \[2, 8\], got 9/,
    )
    expect(() => classifyDynamics(g.logistic(300, 4), { minLength: 10 })).toThrow(
      /^classifyDynamics: minLength must be an integer >= 50, got 10/,
    )
    expect(() => classifyDynamics(g.logistic(300, 4), { delay: 0 })).toThrow(/delay must be an integer >= 1, got 0/)
    expect(() => classifyDynamics(g.logistic(300, 4), null as never)).toThrow(/options must be an object, got null/)
  })
})

describe('classifyDynamics properties', () => {
  const systems = [
    (s: number) => g.logistic(1000, 3.9, s),
    (s: number) => g.henon(1000, s),
    (s: number) => g.sine(800, 23.7, s),
    (s: number) => g.uniformNoise(600, s),
    (s: number) => g.damped(700, 20, 0.004, s),
  ]
  test.prop(
    [
      fc.integer({ min: 0, max: systems.length - 1 }),
      fc.integer({ min: 1, max: 1000 }),
      fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
      fc.double({ min: -1e3, max: 1e3, noNaN: true }),
    ],
    { numRuns: 40 },
  )('the verdict and its figures do not change when the series is shifted or scaled', (which, seed, a, b) => {
    const x = systems[which](seed)
    const r = classifyDynamics(x)
    const s = classifyDynamics(x.map(v => a * v + b))
    expect(s.regime).toBe(r.regime)
    expect(s.delay).toEqual(r.delay)
    expect(s.dimension).toEqual(r.dimension)
    expect(s.permutationEntropy).toBeCloseTo(r.permutationEntropy, 9)
    if (Number.isFinite(r.k01)) expect(s.k01).toBeCloseTo(r.k01, 3)
    // rounding in a*x+b can swap near-equidistant neighbours on a limit cycle, moving an exponent near 0 by ~1e-3
    if (Number.isFinite(r.lyapunov))
      expect(Math.abs(s.lyapunov - r.lyapunov)).toBeLessThanOrEqual(0.01 * Math.abs(r.lyapunov) + 0.002)
  })
})
