import { fc, test } from '@fast-check/vitest'
import { from, type Observable, Subject, take } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { type DtwMatchEvent, type DtwMatchOptions, dtwMatch } from '../../operators/dtwMatch'
import { Spring } from '../../src/compare/spring'
import { runTimed, timedStream } from '../../testing'
import { rng } from '../support/rng'

/** Subscribes synchronously and collects what comes out, and how it ended. */
function collect<T>(source: Observable<T>): { values: T[]; end: string; error?: unknown } {
  const values: T[] = []
  const result: { values: T[]; end: string; error?: unknown } = { values, end: 'none' }
  source.subscribe({
    next: v => values.push(v),
    complete: () => (result.end = 'complete'),
    error: e => ((result.end = 'error'), (result.error = e)),
  })
  return result
}

function run<T>(input: T[], patterns: Parameters<typeof dtwMatch>[0], options: DtwMatchOptions<T>) {
  return collect(from(input).pipe(dtwMatch(patterns, options)))
}

/** The offline oracle: each pattern's Spring over the array, merged by the element that finalised the match, then by pattern order. */
function offline(
  series: number[],
  patterns: Record<string, number[]>,
  threshold: number,
  withFlush = true,
): DtwMatchEvent[] {
  const springs = Object.entries(patterns).map(([name, q]) => [name, new Spring(q, { threshold })] as const)
  const out: DtwMatchEvent[] = []
  for (const x of series) {
    for (const [name, s] of springs) {
      const m = s.push(x)
      if (m) out.push({ pattern: name, ...m })
    }
  }
  if (withFlush) {
    for (const [name, s] of springs) {
      const m = s.flush()
      if (m) out.push({ pattern: name, ...m })
    }
  }
  return out
}

const value = fc.integer({ min: -6, max: 6 })
const query = fc.array(value, { minLength: 1, maxLength: 6 })

describe('dtwMatch', () => {
  test.prop([fc.array(value, { maxLength: 80 }), query, fc.integer({ min: 1, max: 30 })])(
    'equals an offline Spring run over the same array',
    (x, q, threshold) => {
      const out = run(x, q, { threshold })
      expect(out.end).toBe('complete')
      expect(out.values).toEqual(offline(x, { query: q }, threshold))
    },
  )

  test.prop([fc.array(value, { maxLength: 80 }), query, query, fc.integer({ min: 1, max: 30 })])(
    'a record of patterns gives each pattern its own matches, tagged with its name, in the order they became final',
    (x, up, down, threshold) => {
      const out = run(x, { up, down }, { threshold })
      expect(out.values).toEqual(offline(x, { up, down }, threshold))
    },
  )

  test.prop([timedStream(value, { maxLength: 60 }), query, fc.integer({ min: 1, max: 30 })])(
    'on virtual time: emits each match when the element that makes it final arrives, flushes on completion only, passes errors through',
    (stream, q, threshold) => {
      const out = runTimed(stream, source => source.pipe(dtwMatch(q, { threshold })))
      const xs = stream.events.map(e => e.value)
      const expected = offline(xs, { query: q }, threshold, stream.end.kind === 'complete')
      expect(out.values.map(e => e.value)).toEqual(expected)
      // the time of emission: the arrival of the element that finalised it, or the completion
      const spring = new Spring(q, { threshold })
      const times: number[] = []
      stream.events.forEach(e => spring.push(e.value) && times.push(e.time))
      if (stream.end.kind === 'complete' && spring.flush()) times.push(stream.end.time)
      expect(out.values.map(e => e.time)).toEqual(times)
      expect(out.end).toEqual(stream.end)
      expect(out.leftover).toBe(0)
    },
  )

  test.prop([
    fc.array(fc.record({ v: value, ts: fc.integer({ min: 0, max: 1000 }) }), { maxLength: 60 }),
    query,
    fc.integer({ min: 1, max: 30 }),
  ])('select and time: matches carry the times of their first and last elements', (events, q, threshold) => {
    const out = run(events, q, { threshold, select: e => e.v, time: e => e.ts })
    const expected = offline(
      events.map(e => e.v),
      { query: q },
      threshold,
    )
    expect(out.values.map(({ startTime, endTime, ...rest }) => rest)).toEqual(expected)
    for (const m of out.values) {
      expect(m.startTime).toBe(events[m.start].ts)
      expect(m.endTime).toBe(events[m.end].ts)
    }
  })

  test.prop([
    fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    fc.array(fc.double({ min: 1, max: 2, noNaN: true }), { minLength: 1, maxLength: 4 }),
  ])(
    'raw mode finds planted, time-stretched copies of a pattern in low noise, at their true positions, and nothing else',
    (seed, stretches) => {
      const random = rng(seed)
      const pattern = Array.from(
        { length: 20 },
        (_, i) => 8 * Math.sin((Math.PI * i) / 19) + 3 * Math.sin((3 * Math.PI * i) / 19),
      )
      const noise = () => (random() - 0.5) * 0.5
      const series: number[] = []
      const planted: Array<[number, number]> = []
      for (const f of stretches) {
        const gap = 60 + Math.floor(random() * 60)
        for (let k = 0; k < gap; k++) series.push(noise())
        const len = Math.round(pattern.length * f)
        planted.push([series.length, series.length + len - 1])
        for (let j = 0; j < len; j++) series.push(pattern[Math.min(pattern.length - 1, Math.floor(j / f))] + noise())
      }
      for (let k = 0; k < 60; k++) series.push(noise())
      const out = run(series, { bump: pattern }, { threshold: 25 })
      expect(out.values).toHaveLength(planted.length)
      out.values.forEach((m, k) => {
        expect(m.pattern).toBe('bump')
        expect(Math.abs(m.start - planted[k][0])).toBeLessThanOrEqual(2)
        expect(Math.abs(m.end - planted[k][1])).toBeLessThanOrEqual(2)
      })
    },
  )

  test.prop([
    fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    fc.array(
      fc.record({
        gamma: fc.double({ min: 0.85, max: 1.2, noNaN: true }),
        scale: fc.double({ min: 0.5, max: 4, noNaN: true }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  ])(
    'normalized mode finds planted copies, warped inside the pattern length, scaled and shifted, on a random walk; anything else it reports is a true match',
    (seed, copies) => {
      // windows have the pattern's length in this mode, so a copy is warped in time (t -> t^gamma)
      // without getting longer; z-normalisation must see through its scale and level
      const random = rng(seed)
      const m = 48
      const shape = (u: number) => Math.sin(6 * Math.PI * u) * (1 - 0.5 * u) // three waves, decaying
      const pattern = Array.from({ length: m }, (_, i) => shape(i / (m - 1)))
      const series: number[] = []
      let level = 0
      const walk = () => (level += (random() - 0.5) * 0.1)
      const planted: number[] = []
      for (const { gamma, scale } of copies) {
        const gap = 100 + Math.floor(random() * 60)
        for (let k = 0; k < gap; k++) series.push(walk())
        planted.push(series.length)
        const base = level
        for (let j = 0; j < m; j++)
          series.push(base + scale * shape((j / (m - 1)) ** gamma) + (random() - 0.5) * 0.02 * scale)
      }
      for (let k = 0; k < 100; k++) series.push(walk())
      const out = run(series, { waves: pattern }, { threshold: 2, normalize: true, band: 0.25 })
      // every planted copy is found where it was planted
      for (const at of planted) expect(out.values.some(v => Math.abs(v.start - at) <= 3)).toBe(true)
      // anything else reported is a real match: the walk happened to take the pattern's shape there
      const zq = znorm(pattern)
      out.values.forEach(v => {
        expect(v.end - v.start).toBe(m - 1)
        expect(v.distance).toBeLessThanOrEqual(2)
        if (!planted.some(at => Math.abs(v.start - at) <= 3)) {
          expect(bandedDtw(znorm(series.slice(v.start, v.end + 1)), zq, Math.floor(0.25 * m))).toBeCloseTo(
            v.distance,
            6,
          )
        }
      })
    },
  )

  test.prop([
    fc.array(
      fc.integer({ min: -200, max: 200 }).map(v => v / 4),
      { maxLength: 70 },
    ),
    fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 2, maxLength: 8 }),
    fc.double({ min: 0.5, max: 20, noNaN: true }),
    fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
  ])(
    'normalized mode equals a brute force over z-normalised windows: the best of each overlapping run, disjoint, under the threshold',
    (x, q, threshold, band) => {
      const events = x.map((v, i) => ({ v, ts: 10 * i + 0.5 }))
      const out = run(events, q, { threshold, normalize: true, band, select: e => e.v, time: e => e.ts })
      const m = q.length
      // oracle: exact stats and dtw per window, written plainly
      const zq = znorm(q)
      const d = x
        .slice(0, Math.max(0, x.length - m + 1))
        .map((_, s) => bandedDtw(znorm(x.slice(s, s + m)), zq, band ?? m))
      // the greedy of the spec: a pending best is replaced by a strictly better overlapping window,
      // emitted once a window starts past its end
      const expected: Array<{ start: number; distance: number }> = []
      let pending: { start: number; distance: number } | null = null
      d.forEach((dist, s) => {
        if (pending && s > pending.start + m - 1) {
          expected.push(pending)
          pending = null
        }
        if (dist <= threshold && (pending === null || dist < pending.distance)) pending = { start: s, distance: dist }
      })
      if (pending) expected.push(pending)
      // borderline windows (within rounding of the threshold or of a tie) may fall either way
      const fragile =
        d.some(v => Math.abs(v - threshold) < 1e-6) ||
        d.some((v, i) => v <= threshold && d.some((w, j) => i !== j && Math.abs(i - j) < m && Math.abs(v - w) < 1e-6))
      fc.pre(!fragile)
      expect(out.values.map(v => v.start)).toEqual(expected.map(e => e.start))
      out.values.forEach((v, k) => {
        expect(v.end).toBe(v.start + m - 1)
        expect([v.startTime, v.endTime]).toEqual([events[v.start].ts, events[v.end].ts])
        expect(Math.abs(v.distance - expected[k].distance)).toBeLessThanOrEqual(
          1e-6 * Math.max(1, expected[k].distance),
        )
      })
    },
  )

  it('errors on a non-finite value naming its index, or skips it with onInvalid: skip and reports it to onSkip', () => {
    const bad = run([1, 2, Number.NaN, 3], [1, 2], { threshold: 1 })
    expect(bad.end).toBe('error')
    expect(String(bad.error)).toMatch(/element #2 must be a finite number, got NaN/)
    expect(bad.values).toEqual([])
    const inf = run([{ v: 1 }, { v: 'x' }], [1], { threshold: 1, select: e => e.v as number })
    expect(String(inf.error)).toMatch(/element #1 must be a finite number, got "x"/)
    const skipped: Array<[number, unknown]> = []
    const ok = run([1, 2, Number.NaN, Infinity, 3, 9], [1, 2, 3], {
      threshold: 0.5,
      onInvalid: 'skip',
      onSkip: (i, v) => skipped.push([i, v]),
    })
    expect(skipped).toEqual([
      [2, Number.NaN],
      [3, Infinity],
    ])
    expect(ok.end).toBe('complete')
    // indices count the kept elements: 1, 2, 3 are elements 0..2 of the matcher's series
    expect(ok.values).toEqual([{ pattern: 'query', start: 0, end: 2, distance: 0 }])
    const vec = run(
      [
        [0, 0],
        [0, 1, 2],
      ],
      [[0, 0]],
      { threshold: 1 },
    )
    expect(String(vec.error)).toMatch(/element #1 must be a vector of dimension 2/)
    const time = run([1, 2], [1], { threshold: 1, time: x => (x === 2 ? Number.NaN : x) })
    expect(String(time.error)).toMatch(/element #1 has time NaN/)
  })

  it('a throwing select, time or onSkip errors the stream with that error', () => {
    const boom = new Error('user bug')
    expect(
      run([1, 2, 3], [1], {
        threshold: 1,
        select: x => {
          if (x === 2) throw boom
          return x
        },
      }).error,
    ).toBe(boom)
    expect(
      run([1, 2, 3], [1], {
        threshold: 1,
        time: x => {
          if (x === 3) throw boom
          return x
        },
      }).error,
    ).toBe(boom)
    expect(
      run([1, Number.NaN], [1], {
        threshold: 1,
        onInvalid: 'skip',
        onSkip: () => {
          throw boom
        },
      }).error,
    ).toBe(boom)
  })

  it('unsubscribing stops everything: no value after, the source is released', () => {
    const source = new Subject<number>()
    const got: DtwMatchEvent[] = []
    const sub = source.pipe(dtwMatch([0, 5], { threshold: 1 })).subscribe(m => got.push(m))
    for (const x of [0, 5, 9]) source.next(x)
    expect(got).toHaveLength(1)
    sub.unsubscribe()
    expect(source.observed).toBe(false)
    for (const x of [0, 5, 9]) source.next(x)
    source.complete()
    expect(got).toHaveLength(1)
    // take(1) unsubscribes from inside an emission, with two patterns finalising on one element
    const s2 = new Subject<number>()
    const got2: DtwMatchEvent[] = []
    s2.pipe(dtwMatch({ a: [0, 5], b: [0, 5] }, { threshold: 1 }), take(1)).subscribe(m => got2.push(m))
    for (const x of [0, 5, 9]) s2.next(x)
    expect(got2.map(m => m.pattern)).toEqual(['a'])
    expect(s2.observed).toBe(false)
  })

  it('matches vectors', () => {
    const out = run(
      [
        [9, 9],
        [0, 0],
        [1, 1],
        [1, 1],
        [2, 2],
        [9, 9],
      ],
      [
        [0, 0],
        [1, 1],
        [2, 2],
      ],
      { threshold: 0.5 },
    )
    expect(out.values).toEqual([{ pattern: 'query', start: 1, end: 4, distance: 0 }])
  })

  it('rejects bad patterns and options at call time, naming the value', () => {
    expect(() => dtwMatch([1, 2], {} as DtwMatchOptions<number>)).toThrow(/threshold .* got undefined/)
    expect(() => dtwMatch([1, 2], { threshold: 0 })).toThrow(RangeError)
    expect(() => dtwMatch([1, 2], { threshold: Number.NaN })).toThrow(/got NaN/)
    expect(() => dtwMatch([], { threshold: 1 })).toThrow(/empty/)
    expect(() => dtwMatch({}, { threshold: 1 })).toThrow(/empty/)
    expect(() => dtwMatch({ a: 5 as never }, { threshold: 1 })).toThrow(/pattern "a" must be an array/)
    expect(() => dtwMatch({ a: [1], b: [[1, 2]] }, { threshold: 1 })).toThrow(/pattern "b" has dimension 2/)
    expect(() => dtwMatch([1, Number.NaN], { threshold: 1 })).toThrow(/query\[1\]/)
    expect(() => dtwMatch([1, 2], { threshold: 1, band: -1 })).toThrow(/band .* got -1/)
    expect(() => dtwMatch([1, 2], { threshold: 1, onInvalid: 'ignore' as 'skip' })).toThrow(/"ignore"/)
    expect(() => dtwMatch([1, 2], { threshold: 1, select: 3 as never })).toThrow(/select must be a function/)
    expect(() => dtwMatch([1, 2], { threshold: 1, cost: 'cosine' as 'squared' })).toThrow(/"cosine"/)
    expect(() => dtwMatch([1], { threshold: 1, normalize: true })).toThrow(/at least 2 values/)
    expect(() => dtwMatch([[1], [2]], { threshold: 1, normalize: true })).toThrow(/must hold numbers/)
  })
})

function znorm(x: number[]): number[] {
  const mean = x.reduce((s, v) => s + v, 0) / x.length
  const std = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length)
  return std > 1e-8 * Math.max(1, Math.abs(mean)) ? x.map(v => (v - mean) / std) : x.map(() => 0)
}

function bandedDtw(a: number[], b: number[], w: number): number {
  const D: number[][] = Array.from({ length: a.length + 1 }, () => Array(b.length + 1).fill(Infinity))
  D[0][0] = 0
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++)
      if (Math.abs(i - j) <= w)
        D[i][j] = (a[i - 1] - b[j - 1]) ** 2 + Math.min(D[i - 1][j], D[i][j - 1], D[i - 1][j - 1])
  }
  return D[a.length][b.length]
}
