import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { DashboardModel } from '../../sinks/dashboard/model'

// Finite doubles without -0 (a Float64Array sort and toBe tell -0 from 0; the model does not care).
const finite = fc.double({ min: -1e9, max: 1e9, noNaN: true }).map(x => (x === 0 ? 0 : x))

describe('series ring buffer', () => {
  test.prop([
    fc.integer({ min: 1, max: 40 }),
    fc.array(fc.tuple(finite, fc.integer({ min: 0, max: 1e6 })), { maxLength: 200 }),
  ])('holds exactly the last N pushed points, oldest first, after every push', (points, pushes) => {
    const model = new DashboardModel({ points })
    const s = model.series('x')
    for (let i = 0; i < pushes.length; i++) {
      s.push(pushes[i][0], pushes[i][1])
      const snap = model.snapshot().series[0]
      const last = pushes.slice(Math.max(0, i + 1 - points), i + 1)
      expect(snap.values).toEqual(last.map(p => p[0]))
      expect(snap.times).toEqual(last.map(p => p[1]))
      expect(snap.total).toBe(i + 1)
      expect(snap.last).toBe(pushes[i][0])
      expect(snap.min).toBe(Math.min(...last.map(p => p[0])))
      expect(snap.max).toBe(Math.max(...last.map(p => p[0])))
    }
  })

  test('series are independent and keep their creation order', () => {
    const model = new DashboardModel({ points: 2 })
    model.series('a').push(1, 0)
    model.series('b').push(2, 0)
    model.series('a').push(3, 1)
    model.series('a').push(4, 2)
    expect(model.snapshot().series.map(s => [s.name, s.values])).toEqual([
      ['a', [3, 4]],
      ['b', [2]],
    ])
  })
})

describe('rates', () => {
  const event = fc.record({
    t: fc.integer({ min: -3000, max: 6000 }),
    n: fc.integer({ min: 0, max: 5 }),
    ch: fc.constantFrom('a', 'b', 'c'),
  })

  test.prop([
    fc.array(event, { minLength: 1, maxLength: 300 }),
    fc.integer({ min: 0, max: 3000 }),
    fc.integer({ min: 1, max: 3000 }),
    fc.integer({ min: 1, max: 20 }),
  ])(
    'equal a brute-force count over the bucket-aligned window (any arrival order, any window and resolution)',
    (events, extra, windowMs, buckets) => {
      const model = new DashboardModel({ rateWindowMs: windowMs, rateBuckets: buckets })
      for (const e of events) model.count(e.ch, e.n, e.t)
      const latest = Math.max(...events.map(e => e.t))
      const now = latest + extra
      const snap = model.snapshot(now)
      const bucketMs = windowMs / buckets
      const nb = Math.floor(now / bucketMs)
      for (const r of snap.rates) {
        const mine = events.filter(e => e.ch === r.channel)
        const inWindow = mine
          .filter(e => Math.floor(e.t / bucketMs) > nb - buckets && Math.floor(e.t / bucketMs) <= nb)
          .reduce((a, e) => a + e.n, 0)
        expect(r.inWindow).toBe(inWindow)
        expect(r.rate).toBeCloseTo((inWindow * 1000) / windowMs, 9)
        expect(r.total).toBe(mine.reduce((a, e) => a + e.n, 0))
      }
      expect(snap.rates.map(r => r.channel).sort()).toEqual([...new Set(events.map(e => e.ch))].sort())
    },
  )

  test.prop([
    fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 300 }),
    fc.integer({ min: 0, max: 2000 }),
  ])(
    'per second over the last second: between the exact counts over (now-900ms, now] and (now-1000ms, now]',
    (times, extra) => {
      const model = new DashboardModel() // 1000 ms in 10 buckets
      for (const t of times) model.count('ch', 1, t)
      const now = Math.max(...times) + extra
      const rate = model.snapshot(now).rates[0].rate
      const exact = (w: number) => times.filter(t => t > now - w && t <= now).length
      expect(rate).toBeGreaterThanOrEqual(exact(900))
      expect(rate).toBeLessThanOrEqual(exact(1000))
    },
  )

  test('a steady 250 msg/s stream reads 250/s; a quiet channel decays to 0 when asked at a later time', () => {
    const model = new DashboardModel()
    for (let t = 0; t < 5000; t += 4) model.count('fast', 1, t)
    expect(model.snapshot().rates[0].rate).toBe(250)
    expect(model.snapshot(7000).rates[0].rate).toBe(0)
    expect(model.snapshot(1000).timeMs).toBe(4996) // an earlier now is raised to the latest time seen
  })
})

describe('lateness', () => {
  test.prop([fc.integer({ min: 1, max: 64 }), fc.array(finite, { maxLength: 300 })])(
    'p50/p99/max equal a sorted-array oracle over the last `latenessWindow` samples',
    (window, samples) => {
      const model = new DashboardModel({ latenessWindow: window })
      for (const x of samples) model.lateness(x)
      const L = model.snapshot().lateness
      const kept = samples.slice(Math.max(0, samples.length - window)).sort((a, b) => a - b)
      const rank = (p: number) => (kept.length === 0 ? undefined : kept[Math.ceil((p / 100) * kept.length) - 1])
      expect(L.count).toBe(kept.length)
      expect(L.total).toBe(samples.length)
      expect(L.p50).toBe(rank(50))
      expect(L.p99).toBe(rank(99))
      expect(L.max).toBe(kept.length === 0 ? undefined : kept[kept.length - 1])
    },
  )
})

describe('matches and verdicts', () => {
  test.prop([
    fc.integer({ min: 1, max: 10 }),
    fc.array(
      fc.record({
        pattern: fc.constantFrom('spike', 'dip'),
        start: fc.nat(1000),
        len: fc.nat(50),
        distance: fc.double({ min: 0, max: 100, noNaN: true }),
      }),
      { maxLength: 50 },
    ),
  ])('keeps the last K matches in arrival order', (k, ms) => {
    const model = new DashboardModel({ matches: k })
    ms.forEach((m, i) =>
      model.match({ pattern: m.pattern, start: m.start, end: m.start + m.len, distance: m.distance, time: i }),
    )
    expect(model.snapshot().matches).toEqual(
      ms.slice(Math.max(0, ms.length - k)).map((m, j) => ({
        pattern: m.pattern,
        start: m.start,
        end: m.start + m.len,
        distance: m.distance,
        time: ms.length - Math.min(k, ms.length) + j,
      })),
    )
  })

  test.prop([
    fc.array(
      fc.tuple(
        fc.constantFrom('G a', 'F b'),
        fc.constantFrom('true', 'false', 'unknown') as fc.Arbitrary<'true' | 'false' | 'unknown'>,
      ),
      { maxLength: 100 },
    ),
  ])('current verdict and number of changes per formula', updates => {
    const model = new DashboardModel()
    updates.forEach(([f, v], i) => model.verdict(f, v, i))
    for (const v of model.snapshot().verdicts) {
      const mine = updates.map((u, i) => [u[1], i] as const).filter((_, i) => updates[i][0] === v.formula)
      expect(v.verdict).toBe(mine[mine.length - 1][0])
      expect(v.index).toBe(mine[mine.length - 1][1])
      expect(v.updates).toBe(mine.length)
      expect(v.changes).toBe(mine.filter((m, i) => i > 0 && m[0] !== mine[i - 1][0]).length)
    }
  })

  test('a match without time takes endTime, else the latest time seen', () => {
    const model = new DashboardModel()
    model.match({ pattern: 'p', start: 0, end: 1, distance: 0, endTime: 42 })
    model.series('s').push(1, 100)
    model.match({ pattern: 'p', start: 0, end: 1, distance: 0 })
    expect(model.snapshot().matches.map(m => m.time)).toEqual([42, 100])
  })
})

describe('snapshot', () => {
  test('is a frozen plain object that later writes do not change, cached while nothing changes', () => {
    const model = new DashboardModel()
    model.series('s').push(1, 0)
    model.count('c', 1, 0)
    model.verdict('G a', true)
    model.match({ pattern: 'p', start: 0, end: 1, distance: 0.5 })
    const snap = model.snapshot()
    expect(model.snapshot()).toBe(snap)
    for (const o of [
      snap,
      snap.series,
      snap.series[0],
      snap.series[0].values,
      snap.matches,
      snap.matches[0],
      snap.verdicts[0],
      snap.lateness,
      snap.rates[0],
    ])
      expect(Object.isFrozen(o)).toBe(true)
    const json = JSON.stringify(snap)
    model.series('s').push(2, 1)
    model.verdict('G a', 'false')
    expect(JSON.stringify(snap)).toBe(json)
    expect(model.snapshot()).not.toBe(snap)
    expect(model.snapshot().version).toBeGreaterThan(snap.version)
  })
})

describe('bad input', () => {
  test('names the offending value', () => {
    const model = new DashboardModel({ maxNames: 3 })
    expect(() => model.series('cpu').push(NaN, 0)).toThrow(RangeError)
    expect(() => model.series('cpu').push(NaN, 0)).toThrow(/series "cpu" value must be a finite number, got NaN/)
    expect(() => model.series('cpu').push(1, Infinity)).toThrow(/timeMs.*Infinity/)
    expect(() => model.series('cpu').push('1' as unknown as number, 0)).toThrow(TypeError)
    expect(() => model.series('')).toThrow(/^DashboardModel\.series: series name must not be empty$/)
    expect(() => model.count('')).toThrow(RangeError)
    expect(() => model.count('c', 1)).toThrow(/needs timeMs/)
    expect(() => model.count('c', -1, 0)).toThrow(RangeError)
    expect(() => model.count('c', NaN, 0)).toThrow(RangeError)
    expect(() => model.lateness(NaN)).toThrow(/lateness must be a finite number, got NaN/)
    expect(() => model.verdict('', 'true')).toThrow(/^DashboardModel\.verdict: formula must not be empty$/)
    expect(() => model.verdict('G a', 'maybe' as 'true')).toThrow(/'true', 'false' or 'unknown', got "maybe"/)
    expect(() => model.match({ pattern: 'p', start: 0, end: 1, distance: NaN })).toThrow(/match distance/)
    expect(() => new DashboardModel({ points: 0 })).toThrow(/^DashboardModel: points must be an integer >= 1, got 0$/)
    expect(() => new DashboardModel({ rateWindowMs: -5 })).toThrow(RangeError)
    model.series('a')
    model.series('b')
    expect(() => model.series('c')).toThrow(/^DashboardModel\.series: too many series: 3 already/)
    expect(model.version).toBe(0) // nothing bad was recorded
  })
})

describe('regimes, match spans and verdict times (what the web dashboard draws)', () => {
  test.prop([
    fc.integer({ min: 1, max: 10 }),
    fc.array(
      fc.tuple(
        fc.constantFrom('a', 'b'),
        fc.constantFrom('chaotic', 'limit-cycle'),
        fc.integer({ min: 0, max: 1e6 }),
        fc.nat(1000),
      ),
      { maxLength: 40 },
    ),
  ])('keeps the last `regimes` segments, oldest first', (regimes, reports) => {
    const model = new DashboardModel({ regimes })
    for (const [series, regime, start, length] of reports) model.regime(series, regime, start, start + length)
    expect(model.snapshot().regimes).toEqual(
      reports
        .slice(-regimes)
        .map(([series, regime, start, length]) => ({ series, regime, startTime: start, endTime: start + length })),
    )
  })

  test('a verdict records when it was reported and since when it holds; matches keep their start time and series', () => {
    const model = new DashboardModel()
    model.verdict('G a', 'unknown', 0, 10)
    model.verdict('G a', 'unknown', 1, 20)
    model.verdict('G a', 'false', 2, 30)
    model.verdict('G a', 'false', 3, 40)
    expect(model.snapshot().verdicts[0]).toMatchObject({ verdict: 'false', time: 40, since: 30, changes: 1 })
    // without a time: the latest the model has seen (40 above)
    model.verdict('F b', true)
    expect(model.snapshot().verdicts[1]).toMatchObject({ time: 40, since: 40 })
    model.match({ pattern: 'p', start: 3, end: 7, distance: 0.5, startTime: 31, endTime: 35, series: 'cpu' })
    expect(model.snapshot().matches[0]).toEqual({
      pattern: 'p',
      start: 3,
      end: 7,
      distance: 0.5,
      time: 35,
      startTime: 31,
      series: 'cpu',
    })
  })

  test('bad regimes, match spans and verdict times are typed errors naming the value', () => {
    const model = new DashboardModel()
    expect(() => model.regime('cpu', 'chaotic', 10, 5)).toThrow(
      /^DashboardModel\.regime: endMs of "cpu" must be a finite number >= 10, got 5$/,
    )
    expect(() => model.regime('cpu', 'chaotic', Number.NaN, 5)).toThrow(/DashboardModel\.regime: startMs of "cpu"/)
    expect(() => model.regime('', 'chaotic', 0, 5)).toThrow(/^DashboardModel\.regime: series must not be empty$/)
    expect(() => model.match({ pattern: 'p', start: 0, end: 1, distance: 0, startTime: Number.NaN })).toThrow(
      /DashboardModel\.match: match startTime/,
    )
    expect(() => model.match({ pattern: 'p', start: 0, end: 1, distance: 0, series: 3 as never })).toThrow(
      /DashboardModel\.match: match series must be a string, got 3/,
    )
    expect(() => model.verdict('G a', true, 0, Number.POSITIVE_INFINITY)).toThrow(
      /DashboardModel\.verdict: verdict timeMs/,
    )
    expect(() => new DashboardModel({ regimes: 0 })).toThrow(RangeError)
  })
})
