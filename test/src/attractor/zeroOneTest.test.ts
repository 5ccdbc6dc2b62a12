import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { ZERO_ONE_DEFAULT_SEED, ZeroOneDisplacement, zeroOneTest } from '../../../src/attractor/zeroOneTest'
import { Fft, fft, ifft } from '../../../src/stats/fft'
import { mulberry32 } from '../../../src/stats/random'
import { gaussianNoise, henon, logistic, lorenz, sine, uniformNoise } from '../../support/dynamics'

// ---- oracles: the definitions of Gottwald and Melbourne (2009), written out term by term ----

/** Pearson correlation; y is divided by its largest deviation first so that tiny values do not underflow when squared. */
function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length
  let mx = 0,
    my = 0
  for (let i = 0; i < n; i++) {
    mx += x[i]
    my += y[i]
  }
  mx /= n
  my /= n
  let big = 0
  for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(y[i] - my))
  if (big === 0) return 0
  let sxy = 0,
    sxx = 0,
    syy = 0
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * ((y[i] - my) / big)
    sxx += (x[i] - mx) ** 2
    syy += ((y[i] - my) / big) ** 2
  }
  return sxy / Math.sqrt(sxx * syy)
}

/** p, q, M(n), D(n) and K_c by the O(N ncut) double loop, cos and sin evaluated per term. */
function plainDisplacement(phi: ArrayLike<number>, c: number, ncut: number): { M: number[]; D: number[]; K: number } {
  const N = phi.length
  const p: number[] = [],
    q: number[] = []
  let sp = 0,
    sq = 0
  for (let j = 1; j <= N; j++) {
    sp += phi[j - 1] * Math.cos(j * c)
    sq += phi[j - 1] * Math.sin(j * c)
    p.push(sp)
    q.push(sq)
  }
  let mean = 0
  for (let j = 0; j < N; j++) mean += phi[j]
  mean /= N
  const M: number[] = [],
    D: number[] = [],
    lags: number[] = []
  for (let n = 1; n <= ncut; n++) {
    let s = 0
    for (let j = 0; j < N - n; j++) s += (p[j + n] - p[j]) ** 2 + (q[j + n] - q[j]) ** 2
    M.push(s / (N - n))
    D.push(s / (N - n) - (mean ** 2 * (1 - Math.cos(n * c))) / (1 - Math.cos(c)))
    lags.push(n)
  }
  return { M, D, K: pearson(lags, D) }
}

/** The whole test as documented: subsample, centre, draw c with mulberry32, median of K_c. */
function plainZeroOne(x: ArrayLike<number>, cCount: number, seed: number, subsample: number): number {
  const phi: number[] = []
  for (let i = 0; i < x.length; i += subsample) phi.push(x[i])
  const mean = phi.reduce((a, b) => a + b, 0) / phi.length
  const centred = phi.map(v => v - mean)
  const ncut = Math.max(10, Math.floor(phi.length / 10))
  const random = mulberry32(seed)
  const ks: number[] = []
  for (let i = 0; i < cCount; i++)
    ks.push(plainDisplacement(centred, Math.PI / 5 + ((3 * Math.PI) / 5) * random(), ncut).K)
  ks.sort((a, b) => a - b)
  const mid = Math.floor(cCount / 2)
  return cCount % 2 ? ks[mid] : (ks[mid - 1] + ks[mid]) / 2
}

function plainDft(re: number[], im: number[], sign: number): [number[], number[]] {
  const n = re.length
  const outRe: number[] = [],
    outIm: number[] = []
  for (let k = 0; k < n; k++) {
    let sr = 0,
      si = 0
    for (let j = 0; j < n; j++) {
      const a = (sign * 2 * Math.PI * j * k) / n
      sr += re[j] * Math.cos(a) - im[j] * Math.sin(a)
      si += re[j] * Math.sin(a) + im[j] * Math.cos(a)
    }
    outRe.push(sr)
    outIm.push(si)
  }
  return [outRe, outIm]
}

const value = fc.double({ min: -1e3, max: 1e3, noNaN: true })

describe('Fft', () => {
  const signal = fc
    .integer({ min: 0, max: 8 })
    .chain(bits =>
      fc.tuple(
        fc.array(value, { minLength: 1 << bits, maxLength: 1 << bits }),
        fc.array(value, { minLength: 1 << bits, maxLength: 1 << bits }),
      ),
    )

  test.prop([signal])('forward equals the plain DFT and inverse undoes it', ([re, im]) => {
    const n = re.length
    const [wantRe, wantIm] = plainDft(re, im, -1)
    const r = Float64Array.from(re),
      i = Float64Array.from(im)
    const plan = new Fft(n)
    plan.forward(r, i)
    const scale = 1e-12 * (1 + re.concat(im).reduce((a, b) => a + Math.abs(b), 0))
    for (let k = 0; k < n; k++) {
      expect(Math.abs(r[k] - wantRe[k])).toBeLessThanOrEqual(scale)
      expect(Math.abs(i[k] - wantIm[k])).toBeLessThanOrEqual(scale)
    }
    plan.inverse(r, i)
    for (let k = 0; k < n; k++) {
      expect(Math.abs(r[k] - re[k])).toBeLessThanOrEqual(scale)
      expect(Math.abs(i[k] - im[k])).toBeLessThanOrEqual(scale)
    }
  })

  test('one-off helpers and the doc example', () => {
    const re = Float64Array.of(1, 2, 3, 4),
      im = new Float64Array(4)
    fft(re, im)
    expect(Array.from(re)).toEqual([10, -2, -2, -2])
    expect(Array.from(im).map(v => v + 0)).toEqual([0, 2, 0, -2])
    ifft(re, im)
    expect(Array.from(re)).toEqual([1, 2, 3, 4])
  })

  test('sizes that are not powers of two and mismatched arrays are errors', () => {
    expect(() => new Fft(12)).toThrow(RangeError)
    expect(() => new Fft(0)).toThrow(/power of two between 1 and 2\^30, got 0/)
    expect(() => fft(new Float64Array(6), new Float64Array(6))).toThrow(/got 6/)
    expect(() => new Fft(8).forward(new Float64Array(8), new Float64Array(4))).toThrow(/got 8 and 4/)
    expect(() => new Fft(2).forward([1, 2] as unknown as Float64Array, new Float64Array(2))).toThrow(TypeError)
  })
})

describe('mulberry32', () => {
  test.prop([fc.integer()])('is reproducible from its seed and stays in [0, 1)', seed => {
    const a = mulberry32(seed),
      b = mulberry32(seed)
    for (let i = 0; i < 100; i++) {
      const v = a()
      expect(v).toBe(b())
      expect(v >= 0 && v < 1).toBe(true)
    }
  })
})

describe('ZeroOneDisplacement', () => {
  const input = fc
    .record({
      body: fc.array(value, { minLength: 3, maxLength: 300 }),
      offset: fc.double({ min: -50, max: 50, noNaN: true }),
    })
    .chain(({ body, offset }) =>
      fc.record({
        phi: fc.constant(body.map(v => v + offset)),
        ncut: fc.integer({ min: 2, max: body.length - 1 }),
        cs: fc.array(fc.double({ min: 0.1, max: 2 * Math.PI - 0.1, noNaN: true }), { minLength: 1, maxLength: 4 }),
      }),
    )

  test.prop([input], { numRuns: 200 })(
    'M(n), D(n) and K_c by FFT equal the O(N ncut) definition',
    ({ phi, ncut, cs }) => {
      const kernel = new ZeroOneDisplacement(phi, ncut)
      for (const c of cs) {
        const want = plainDisplacement(phi, c, ncut)
        const k = kernel.correlate(c)
        // relative to the largest M: the FFT's rounding is relative to the sum of |z|^2, not to each M(n)
        const scale = Math.max(...want.M, ...want.D.map(Math.abs), 1e-300)
        for (let n = 0; n < ncut; n++) {
          expect(Math.abs(kernel.M[n] - want.M[n])).toBeLessThanOrEqual(1e-9 * scale)
          expect(Math.abs(kernel.D[n] - want.D[n])).toBeLessThanOrEqual(1e-9 * scale)
        }
        // K_c is ill-conditioned only when D is flat to rounding; skip the comparison there
        const spread = Math.max(...want.D) - Math.min(...want.D)
        if (spread > 1e-6 * scale) expect(Math.abs(k - want.K)).toBeLessThanOrEqual(1e-6)
      }
    },
  )

  test('a c outside (0, 2 pi) and a bad ncut are RangeErrors', () => {
    const kernel = new ZeroOneDisplacement([1, 2, 3, 4, 5], 3)
    expect(() => kernel.correlate(0)).toThrow(/c must be a number in \(0, 2 pi\), got 0/)
    expect(() => kernel.correlate(NaN)).toThrow(/got NaN/)
    expect(() => new ZeroOneDisplacement([1, 2, 3, 4, 5], 5)).toThrow(
      /^ZeroOneDisplacement: ncut must be an integer in \[2, 4\], got 5/,
    )
    expect(() => new ZeroOneDisplacement([1, 2], 1)).toThrow(/at least 3 samples, got 2/)
  })
})

describe('zeroOneTest', () => {
  const series = fc.array(value, { minLength: 20, maxLength: 250 })

  test.prop([series, fc.integer({ min: 1, max: 9 }), fc.integer(), fc.integer({ min: 1, max: 3 })], { numRuns: 40 })(
    'equals the plain implementation of the documented steps (subsample, centre, seeded c, median)',
    (x, cCount, seed, subsample) => {
      fc.pre(Math.ceil(x.length / subsample) >= 20 && new Set(x).size > 1)
      expect(
        Math.abs(zeroOneTest(x, { cCount, seed, subsample }) - plainZeroOne(x, cCount, seed, subsample)),
      ).toBeLessThanOrEqual(1e-6)
    },
  )

  // The brief asked for K in [-0.1, 1.1] on arbitrary series. That is false: fast-check found
  // [5e-324, 0 x 20], where K = -0.139. K_c is a correlation, so the only bound that holds for every
  // input is [-1, 1]; the [-0.1, 1.1] band needs input the test is meant for (stationary dynamics),
  // see the two properties after this one and the transient counterexamples below.
  const anySeries = fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 20, maxLength: 200 })
  test.prop([anySeries])('is a number in [-1, 1] for any finite series, huge and subnormal values included', x => {
    const k = zeroOneTest(x, { cCount: 9 })
    expect(Number.isFinite(k)).toBe(true)
    expect(k).toBeGreaterThanOrEqual(-1)
    expect(k).toBeLessThanOrEqual(1)
  })

  const anyValue = fc.double({ min: -1e300, max: 1e300, noNaN: true })
  test.prop([fc.array(anyValue, { minLength: 1, maxLength: 20 }), fc.integer({ min: 2000, max: 4000 })], {
    numRuns: 40,
  })('a periodic series (any block of up to 20 values, repeated) stays within 0.1 of 0', (block, n) => {
    const x = Array.from({ length: n }, (_, i) => block[i % block.length])
    expect(Math.abs(zeroOneTest(x, { cCount: 24 }))).toBeLessThan(0.1)
  })

  test.prop([fc.array(anyValue, { minLength: 2, maxLength: 10 }), fc.integer({ min: 200, max: 2000 }), fc.integer()], {
    numRuns: 40,
  })('i.i.d. draws from any finite support give K in [0.9, 1]', (support, n, seed) => {
    fc.pre(new Set(support).size > 1)
    const random = mulberry32(seed)
    const x = Array.from({ length: n }, () => support[Math.floor(random() * support.length)])
    const k = zeroOneTest(x, { cCount: 24 })
    expect(k).toBeGreaterThan(0.9)
    expect(k).toBeLessThanOrEqual(1)
  })

  test('a spike at the first sample never enters a displacement: K_c is corr(n, sin^2(nc/2)), negative here', () => {
    // p(j+n) - p(j) sums phi(j+1..j+n), so phi(1) drops out; what is left of the centred series is the
    // constant -mean, whose walk is the pure oscillation mean^2 sin^2(nc/2) / sin^2(c/2)
    const x = new Float64Array(20)
    x[0] = 5e-324
    const random = mulberry32(ZERO_ONE_DEFAULT_SEED)
    const ks: number[] = []
    for (let i = 0; i < 9; i++) {
      const c = Math.PI / 5 + ((3 * Math.PI) / 5) * random()
      const lags = Array.from({ length: 10 }, (_, n) => n + 1)
      ks.push(
        pearson(
          lags,
          lags.map(n => Math.sin((n * c) / 2) ** 2),
        ),
      )
    }
    ks.sort((a, b) => a - b)
    const k = zeroOneTest(x, { cCount: 9 })
    expect(k).toBeCloseTo(ks[4], 9)
    expect(k).toBeLessThan(-0.1)
  })

  test('a decaying transient (a stable focus) gives clearly negative K: M(n) shrinks with n', () => {
    // for phi = e^(-g j) cos(w j), sum_j |z(j+n) - z(j)|^2 ~ A (1 + e^(-2 g n)): falling in n
    const x = Float64Array.from({ length: 1000 }, (_, j) => Math.exp(-0.02 * j) * Math.cos((2 * Math.PI * j) / 25))
    expect(zeroOneTest(x)).toBeLessThan(-0.3)
  })

  describe('ground truth', () => {
    const seeds = [1, 2, 3]
    test.each(seeds)('chaotic maps give K > 0.9 (seed %i)', seed => {
      expect(zeroOneTest(logistic(1000, 4, seed))).toBeGreaterThan(0.9)
      expect(zeroOneTest(henon(2000, seed))).toBeGreaterThan(0.9)
    })

    test.each(seeds)('periodic logistic windows give |K| < 0.1 (seed %i)', seed => {
      expect(Math.abs(zeroOneTest(logistic(1000, 3.5, seed)))).toBeLessThan(0.1)
      expect(Math.abs(zeroOneTest(logistic(1000, 3.83, seed)))).toBeLessThan(0.1)
    })

    test.each(seeds)('sines with rational and irrational period give |K| < 0.15 (seed %i)', seed => {
      expect(Math.abs(zeroOneTest(sine(1000, 25, seed)))).toBeLessThan(0.15)
      expect(Math.abs(zeroOneTest(sine(1000, 17.3, seed)))).toBeLessThan(0.15)
    })

    test.each(seeds)('uniform and Gaussian noise give K > 0.9 (seed %i)', seed => {
      expect(zeroOneTest(uniformNoise(1000, seed))).toBeGreaterThan(0.9)
      expect(zeroOneTest(gaussianNoise(1000, seed))).toBeGreaterThan(0.9)
    })

    test.each(seeds)('Lorenz x at dt = 0.02 needs subsampling: K ~ 0 raw, > 0.8 every 8th sample (seed %i)', seed => {
      const x = lorenz(8000, 0.02, seed)
      expect(zeroOneTest(x, { subsample: 8 })).toBeGreaterThan(0.8)
      expect(zeroOneTest(x)).toBeLessThan(0.5)
    })
  })

  test.prop(
    [
      fc.integer({ min: 1, max: 1000 }),
      fc.double({ min: -1e3, max: 1e3, noNaN: true }),
      fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
    ],
    { numRuns: 30 },
  )('is invariant to shift and positive scaling', (seed, shift, scale) => {
    for (const x of [logistic(500, 4, seed), uniformNoise(300, seed), sine(400, 17.3, seed)]) {
      const k = zeroOneTest(x, { cCount: 12 })
      expect(
        Math.abs(
          zeroOneTest(
            x.map(v => scale * v + shift),
            { cCount: 12 },
          ) - k,
        ),
      ).toBeLessThan(1e-9)
    }
  })

  test('a constant series gives 0 (no growth), not NaN', () => {
    expect(zeroOneTest(new Array(100).fill(0.1))).toBe(0)
    expect(zeroOneTest(new Array(100).fill(-7e300))).toBe(0)
    expect(
      zeroOneTest(
        Array.from({ length: 100 }, (_, i) => i % 2),
        { subsample: 2 },
      ),
    ).toBe(0)
  })

  test('bad input is an error naming the value or index', () => {
    const ok = uniformNoise(100)
    expect(() => zeroOneTest([...ok.slice(0, 50), NaN, ...ok.slice(51)])).toThrow(
      /series\[50\] must be a finite number, got NaN/,
    )
    expect(() => zeroOneTest([1, 2, Infinity, ...ok])).toThrow(TypeError)
    expect(() => zeroOneTest(null as unknown as number[])).toThrow(TypeError)
    expect(() => zeroOneTest(ok.slice(0, 19))).toThrow(/at least 20 samples after subsampling by 1, got 19/)
    expect(() => zeroOneTest(ok, { subsample: 6 })).toThrow(
      /at least 20 samples after subsampling by 6, got 17 \(series length 100\)/,
    )
    expect(() => zeroOneTest(ok, { subsample: 0 })).toThrow(/subsample must be an integer >= 1, got 0/)
    expect(() => zeroOneTest(ok, { cCount: 0 })).toThrow(/cCount must be an integer >= 1, got 0/)
    expect(() => zeroOneTest(ok, { cCount: 2.5 })).toThrow(/got 2.5/)
    expect(() => zeroOneTest(ok, { seed: 0.5 })).toThrow(/seed must be an integer, got 0.5/)
    expect(() => zeroOneTest(ok, { ncut: 1 })).toThrow(/ncut must be an integer in \[2, 50\] for 100 samples, got 1/)
    expect(() => zeroOneTest(ok, { ncut: 51 })).toThrow(/got 51/)
    expect(() => zeroOneTest(ok, null as unknown as object)).toThrow(/options must be an object, got null/)
  })
})
