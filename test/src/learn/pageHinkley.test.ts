import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { PageHinkley } from '../../../src/learn/pageHinkley'
import { detections, gaussian, PythonRandom, riverExampleStream } from '../../support/pythonRandom'
import { rng } from '../../support/rng'

describe('PageHinkley: River docstring example', () => {
  it('the stream generator is CPython random.Random(12345) (values printed by python3)', () => {
    const r = new PythonRandom(12345)
    expect(r.choices([0, 1], 20)).toEqual([0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0])
    expect(r.choices([4, 5, 6, 7], 10)).toEqual([6, 4, 5, 4, 5, 7, 7, 6, 4, 7])
    const xs = riverExampleStream()
    expect(xs.reduce((s, v, i) => s + i * v, 0)).toBe(8451760)
    expect(xs.slice(1000, 1010)).toEqual([4, 6, 7, 4, 6, 7, 5, 4, 6, 7])
    const mt = new PythonRandom(42)
    expect([mt.uint32(), mt.uint32(), mt.uint32()]).toEqual([2746317213, 478163327, 107420369])
  })

  it('"Change detected at index 1006, input value: 5", and nowhere else', () => {
    const xs = riverExampleStream()
    const found = detections(new PageHinkley(), xs)
    expect(found).toEqual([1006])
    expect(xs[1006]).toBe(5)
  })
})

describe('PageHinkley: behaviour', () => {
  it('drift is flagged for one update only, and the next update starts afresh', () => {
    const xs = riverExampleStream()
    const ph = new PageHinkley()
    for (let i = 0; i <= 1006; i++) ph.update(xs[i])
    expect(ph.driftDetected).toBe(true)
    expect(ph.count).toBe(1007)
    ph.update(xs[1007])
    expect(ph.driftDetected).toBe(false)
    expect(ph.count).toBe(1)
    expect(ph.runningMean).toBe(xs[1007])
  })

  it('reset() gives the same future as a fresh detector', () => {
    const xs = riverExampleStream()
    const used = new PageHinkley({ threshold: 20 })
    for (let i = 0; i < 700; i++) used.update(xs[1500 - i])
    used.reset()
    expect(used.driftDetected).toBe(false)
    expect(detections(used, xs)).toEqual(detections(new PageHinkley({ threshold: 20 }), xs))
  })

  // Under no change, U_t - min U is a reflected walk with negative drift -delta whose steps have
  // the noise's spread sigma; over a fading memory of about 1/(1 - alpha) = 10^4 steps its spread
  // is of order sigma * sqrt(10^4 / 2) ~ 70 sigma, so threshold 50 is only a quiet alarm for
  // sigma well below 1. For sigma = 0.2 the threshold sits at 50 / 14 ~ 3.5 spreads: we allow at
  // most one false alarm in 5 x 20 000 updates (measured: none).
  it('few false alarms on long stationary noise (sigma 0.2, 5 seeds x 20 000 updates)', () => {
    let alarms = 0
    for (let seed = 1; seed <= 5; seed++) {
      const noise = gaussian(rng(seed))
      const xs = Float64Array.from({ length: 20000 }, () => 3 + 0.2 * noise())
      alarms += detections(new PageHinkley(), xs).length
    }
    expect(alarms).toBeLessThanOrEqual(1)
  })

  // After a shift of the mean by s the increments x - m_t are about s each (the running mean moves
  // by s/t only), so U - min U passes 50 after about 50 / s steps: 50 for s = 1, plus the warm-up noise.
  test.prop([
    fc.integer({ min: 1, max: 1000 }),
    fc.constantFrom(1, -1),
    fc.constantFrom<'both' | 'up' | 'down'>('both', 'up', 'down'),
  ])(
    'a mean shift of 1 (sigma 0.2) is caught within 80 updates, in the directions the mode watches',
    (seed, sign, mode) => {
      const noise = gaussian(rng(seed))
      const xs = Float64Array.from({ length: 2000 }, (_, i) => (i >= 1000 ? sign : 0) + 0.2 * noise())
      const found = detections(new PageHinkley({ mode }), xs)
      const watched = mode === 'both' || (mode === 'up') === sign > 0
      if (watched) {
        expect(found.length).toBeGreaterThanOrEqual(1)
        expect(found[0]).toBeGreaterThanOrEqual(1000)
        expect(found[0]).toBeLessThan(1080)
      } else {
        expect(found).toEqual([])
      }
    },
  )

  it('minInstances holds back a detection however large the jump', () => {
    const ph = new PageHinkley({ minInstances: 10 })
    const found = detections(ph, [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000])
    expect(found).toEqual([9])
  })
})

describe('PageHinkley: bad input', () => {
  it.each([
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    ['1' as unknown as number, '"1"'],
    [undefined as unknown as number, 'undefined'],
  ])('update(%s) throws a RangeError naming it and keeps the state', (x, shown) => {
    const ph = new PageHinkley()
    ph.update(1)
    expect(() => ph.update(x)).toThrow(RangeError)
    expect(() => ph.update(x)).toThrow(`got ${shown}`)
    expect(ph.count).toBe(1)
    expect(ph.runningMean).toBe(1)
  })

  it('bad options throw, naming the value', () => {
    expect(() => new PageHinkley({ minInstances: 0 })).toThrow(/minInstances.*0/)
    expect(() => new PageHinkley({ minInstances: 2.5 })).toThrow(RangeError)
    expect(() => new PageHinkley({ delta: -1 })).toThrow(/delta.*-1/)
    expect(() => new PageHinkley({ threshold: NaN })).toThrow(/threshold.*NaN/)
    expect(() => new PageHinkley({ alpha: 0 })).toThrow(/alpha.*0/)
    expect(() => new PageHinkley({ alpha: 1.5 })).toThrow(RangeError)
    expect(() => new PageHinkley({ mode: 'sideways' as 'up' })).toThrow(RangeError)
    expect(() => new PageHinkley({ mode: 'sideways' as 'up' })).toThrow('"sideways"')
  })
})
