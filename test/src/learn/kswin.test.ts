import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { KSWIN, ksEqualSizeDistance, ksEqualSizePValue } from '../../../src/learn/kswin'
import { detections, gaussian, PythonRandom, riverExampleStream } from '../../support/pythonRandom'
import { rng } from '../../support/rng'

const pythonRandomBelow = (seed: number) => {
  const r = new PythonRandom(seed)
  return (m: number) => r.randbelow(m)
}

function binomial(n: number, k: number): bigint {
  let c = 1n
  for (let i = 0; i < k; i++) c = (c * BigInt(n - i)) / BigInt(i + 1)
  return c
}

/** P(D_{n,n} >= h/n) by counting lattice paths (0,0) -> (n,n) that stay strictly inside |x - y| < h. */
function latticePValue(n: number, h: number): number {
  if (h === 0) return 1
  let row: bigint[] = Array.from({ length: n + 1 }, (_, y) => (y < h ? 1n : 0n))
  for (let x = 1; x <= n; x++) {
    const next: bigint[] = new Array(n + 1).fill(0n)
    for (let y = 0; y <= n; y++) {
      if (Math.abs(x - y) >= h) continue
      next[y] = row[y] + (y > 0 ? next[y - 1] : 0n)
    }
    row = next
  }
  const total = binomial(2 * n, n)
  return Number(total - row[n]) / Number(total)
}

/** max over every value v of |#(a <= v) - #(b <= v)|, by brute force. */
function bruteDistance(a: readonly number[], b: readonly number[]): number {
  let h = 0
  for (const v of [...a, ...b]) h = Math.max(h, Math.abs(a.filter(u => u <= v).length - b.filter(u => u <= v).length))
  return h
}

/**
 * River's KSWIN.update transcribed with plain arrays: deque of at most windowSize values,
 * random.sample over the older part, ks_2samp by brute force and lattice counting.
 */
function riverKswin(xs: readonly number[], alpha: number, windowSize: number, statSize: number, seed: number) {
  let window: number[] = []
  let random = new PythonRandom(seed)
  let drift = false
  const steps: { drift: boolean; d: number; p: number }[] = []
  for (const x of xs) {
    if (drift) (window = []), (random = new PythonRandom(seed))
    window.push(x)
    if (window.length > windowSize) window.shift()
    let d = 0
    let p = 0
    if (window.length >= windowSize) {
      const reference = random.sample(windowSize - statSize, statSize).map(r => window[r])
      const recent = window.slice(windowSize - statSize)
      const h = bruteDistance(reference, recent)
      d = h / statSize
      p = latticePValue(statSize, h)
      drift = p <= alpha && d > 0.1
    } else {
      drift = false
    }
    steps.push({ drift, d, p })
  }
  return steps
}

describe('KSWIN: River docstring example', () => {
  it('the Python ports agree with python3 3.11', () => {
    const r = new PythonRandom(42)
    expect(r.sample(70, 30)).toEqual([
      14, 3, 35, 31, 28, 17, 13, 43, 47, 57, 34, 5, 37, 27, 2, 1, 58, 63, 69, 32, 38, 54, 67, 12, 45, 41, 59, 26, 51,
      65,
    ])
    expect(r.sample(70, 30).slice(0, 5)).toEqual([35, 0, 20, 54, 43])
    const xs = riverExampleStream()
    expect(xs.reduce((s, v, i) => s + i * v, 0)).toBe(8451760)
  })

  it('with Python\'s random as the sampler: "Change detected at index 1016, input value: 6", and nowhere else', () => {
    const xs = riverExampleStream()
    const found = detections(new KSWIN({ alpha: 0.0001, seed: 42, randomBelow: pythonRandomBelow }), xs)
    expect(found).toEqual([1016])
    expect(xs[1016]).toBe(6)
  })

  // Here the draw cannot matter: when the recent 30 start to hold values from {4..7}, the older 70
  // are all from {0, 1}, so whichever 30 are drawn D is the share of new values in the recent part
  it('with the default mulberry32 sampler, any seed: also [1016] on this stream', () => {
    const xs = riverExampleStream()
    for (const seed of [42, 1, 2, 3, 12345]) expect(detections(new KSWIN({ alpha: 0.0001, seed }), xs)).toEqual([1016])
  })
})

describe("KSWIN: against a plain transcription of River with scipy's test done by brute force", () => {
  it('ksEqualSizePValue equals the lattice-path count for every n <= 40 and h', () => {
    for (let n = 1; n <= 40; n++) {
      for (let h = 0; h <= n; h++) {
        const exact = latticePValue(n, h)
        expect(Math.abs(ksEqualSizePValue(n, h) - exact)).toBeLessThanOrEqual(1e-12 * exact + 1e-300)
      }
    }
  })

  test.prop([
    fc
      .array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 25 })
      .chain(a =>
        fc.tuple(
          fc.constant(a),
          fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: a.length, maxLength: a.length }),
        ),
      ),
  ])('ksEqualSizeDistance equals the brute-force distance, ties included', ([ints, doubles]) => {
    // half the samples from a few integers so that ties across and within samples are common
    const b = doubles.map((v, i) => (i % 2 === 0 ? Math.round(v) : v))
    expect(ksEqualSizeDistance(Float64Array.from(ints).sort(), Float64Array.from(b).sort())).toBe(
      bruteDistance(ints, b),
    )
  })

  test.prop(
    [
      fc.integer({ min: 1, max: 10000 }),
      fc.integer({ min: 2, max: 6 }),
      fc.integer({ min: 0, max: 3 }),
      fc.constantFrom(0.005, 0.05),
    ],
    { numRuns: 25 },
  )(
    'every step (drift flag, D, p-value) matches, for pool- and set-method sample sizes',
    (seed, statSize, extra, alpha) => {
      // statSize * (2 + extra) keeps the older part small (pool method) or, for extra 3 with statSize 6, large (set method)
      const windowSize = statSize * (2 + extra) + (extra === 3 ? 30 : 0)
      const random = rng(seed)
      const xs = Array.from({ length: 400 }, (_, i) => Math.floor(random() * 5) + (i > 200 ? 2 : 0))
      const expected = riverKswin(xs, alpha, windowSize, statSize, seed)
      const kswin = new KSWIN({ alpha, windowSize, statSize, seed, randomBelow: pythonRandomBelow })
      for (let i = 0; i < xs.length; i++) {
        kswin.update(xs[i])
        expect(kswin.driftDetected).toBe(expected[i].drift)
        expect(kswin.statistic).toBe(expected[i].d)
        expect(Math.abs(kswin.pValue - expected[i].p)).toBeLessThanOrEqual(1e-12)
      }
    },
  )

  it('the River docstring run matches the transcription step for step', () => {
    const xs = riverExampleStream()
    const expected = riverKswin(xs, 0.0001, 100, 30, 42)
    const kswin = new KSWIN({ alpha: 0.0001, seed: 42, randomBelow: pythonRandomBelow })
    for (let i = 0; i < xs.length; i++) {
      kswin.update(xs[i])
      expect(kswin.driftDetected).toBe(expected[i].drift)
      expect(kswin.statistic).toBe(expected[i].d)
      expect(Math.abs(kswin.pValue - expected[i].p)).toBeLessThanOrEqual(1e-12)
    }
  })
})

describe('KSWIN: behaviour', () => {
  // Without change, the reference and the recent part are independent samples of one continuous
  // law, so the exact test gives P(p <= alpha) <= alpha at each full-window update: on average at
  // most alpha * 20 000 = 100 alarms per stream (fewer, as each alarm empties the window for 99
  // updates, and the lattice p-value is conservative). Alarms cluster (consecutive tests share 29
  // of 30 recent values), so the bound is that mean, alpha per update, not a tail bound; measured
  // 127 over these 5 x 20 000 updates, 0.0014 per test over 20 seeds.
  it('false alarms on 5 x 20 000 i.i.d. normal values stay within alpha per update', () => {
    let alarms = 0
    for (let seed = 1; seed <= 5; seed++) {
      const noise = gaussian(rng(seed))
      alarms += detections(new KSWIN({ seed }), Float64Array.from({ length: 20000 }, noise)).length
    }
    expect(alarms).toBeLessThanOrEqual(0.005 * 5 * 20000)
  })

  // After a jump of 3 standard deviations, once about half the recent 30 values are new the
  // distance is near 1/2 and p ~ 1e-3 < alpha; by 30 updates all are new and p ~ 1e-17. This
  // needs the older part to hold the old regime: a false alarm in the 100 updates before the jump
  // empties the window, which then refills with mostly new values and may never see the change
  // (River alike), so such runs are set aside.
  test.prop([fc.integer({ min: 1, max: 1000 }), fc.constantFrom(3, -3)], { numRuns: 50 })(
    'a mean shift of 3 sigma is caught within statSize = 30 updates',
    (seed, shift) => {
      const noise = gaussian(rng(seed))
      const xs = Float64Array.from({ length: 1000 }, (_, i) => (i >= 500 ? shift : 0) + noise())
      const all = detections(new KSWIN({ seed }), xs)
      fc.pre(!all.some(i => i >= 400 && i < 500))
      const after = all.filter(i => i >= 500)
      expect(after.length).toBeGreaterThanOrEqual(1)
      expect(after[0]).toBeLessThan(530)
    },
  )

  it('drift is flagged for one update only; the next update empties the window and re-seeds', () => {
    const xs = riverExampleStream()
    const kswin = new KSWIN({ alpha: 0.0001, seed: 42, randomBelow: pythonRandomBelow })
    for (let i = 0; i <= 1016; i++) kswin.update(xs[i])
    expect(kswin.driftDetected).toBe(true)
    kswin.update(xs[1017])
    expect(kswin.driftDetected).toBe(false)
    expect(kswin.count).toBe(1)
    // from here on it behaves as a fresh detector fed from index 1017
    const fresh = new KSWIN({ alpha: 0.0001, seed: 42, randomBelow: pythonRandomBelow })
    fresh.update(xs[1017])
    for (let i = 1018; i < 1400; i++) {
      kswin.update(xs[i])
      fresh.update(xs[i])
      expect(kswin.pValue).toBe(fresh.pValue)
    }
  })

  it('reset() gives the same future as a fresh detector', () => {
    const noise = gaussian(rng(9))
    const xs = Float64Array.from({ length: 600 }, (_, i) => noise() + (i > 300 ? 2 : 0))
    const used = new KSWIN({ seed: 5 })
    for (let i = 0; i < 250; i++) used.update(xs[599 - i])
    used.reset()
    expect(used.count).toBe(0)
    expect(detections(used, xs)).toEqual(detections(new KSWIN({ seed: 5 }), xs))
  })

  it("window pre-fills like River's deque: the last windowSize values, no test until the next update", () => {
    const noise = gaussian(rng(11))
    const xs = Float64Array.from({ length: 500 }, (_, i) => noise() + (i > 250 ? 2 : 0))
    // 99 values fed one by one never fill the window, so no draw is spent: same state as pre-filled
    const fed = new KSWIN({ seed: 3 })
    for (let i = 0; i < 99; i++) fed.update(xs[i])
    const prefilled = new KSWIN({ seed: 3, window: xs.subarray(0, 99) })
    // a longer window keeps only its last 100 values
    const long = new KSWIN({ seed: 3, window: xs.subarray(0, 150) })
    const tail = new KSWIN({ seed: 3, window: xs.subarray(50, 150) })
    for (let i = 99; i < 500; i++) {
      fed.update(xs[i])
      prefilled.update(xs[i])
      expect(prefilled.pValue).toBe(fed.pValue)
      expect(prefilled.driftDetected).toBe(fed.driftDetected)
      if (i >= 150) {
        long.update(xs[i])
        tail.update(xs[i])
        expect(long.pValue).toBe(tail.pValue)
      }
    }
  })
})

describe('KSWIN: bad input', () => {
  it.each([NaN, Infinity, -Infinity])('update(%s) throws a RangeError naming it and keeps the state', x => {
    const kswin = new KSWIN()
    kswin.update(1)
    expect(() => kswin.update(x)).toThrow(RangeError)
    expect(() => kswin.update(x)).toThrow(String(x))
    expect(kswin.count).toBe(1)
  })

  it('bad options throw, naming the value', () => {
    expect(() => new KSWIN({ alpha: 1.5 })).toThrow(/alpha.*1\.5/)
    expect(() => new KSWIN({ alpha: NaN })).toThrow(RangeError)
    expect(() => new KSWIN({ statSize: 0 })).toThrow(/statSize.*0/)
    expect(() => new KSWIN({ windowSize: 50, statSize: 30 })).toThrow(/windowSize.*50/)
    expect(() => new KSWIN({ windowSize: 100.5 })).toThrow(RangeError)
    expect(() => new KSWIN({ seed: 0.5 })).toThrow(/seed.*0\.5/)
    expect(() => new KSWIN({ window: [1, NaN] })).toThrow(/window\[1\].*NaN/)
    expect(() => ksEqualSizePValue(30, 31)).toThrow(/31/)
    expect(() => ksEqualSizeDistance([1], [1, 2])).toThrow(RangeError)
  })

  it('a randomBelow that leaves [0, m) is reported, not trusted', () => {
    const kswin = new KSWIN({ windowSize: 4, statSize: 2, randomBelow: () => m => m })
    for (let i = 0; i < 3; i++) kswin.update(i)
    expect(() => kswin.update(3)).toThrow(/randomBelow\(2\) returned 2/)
  })
})
