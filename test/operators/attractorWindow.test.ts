import { fc, test } from '@fast-check/vitest'
import { from, type Observable, Subject, take } from 'rxjs'
import { describe, expect, it } from 'vitest'
import {
  type AttractorWindowOptions,
  type AttractorWindowReport,
  attractorWindow,
} from '../../operators/attractorWindow'
import { classifyDynamics, type DynamicsReport } from '../../src/attractor/classifyDynamics'
import { runTimed, timedStream } from '../../testing'
import * as g from '../support/dynamics'

function collect<T>(source: Observable<T>): { values: T[]; end: string; error?: unknown } {
  const result: { values: T[]; end: string; error?: unknown } = { values: [], end: 'none' }
  source.subscribe({
    next: v => result.values.push(v),
    complete: () => (result.end = 'complete'),
    error: e => ((result.end = 'error'), (result.error = e)),
  })
  return result
}

/** A stream that changes regime: chaos, then a period-4 cycle, then noise, then a damped fixed point. */
function regimeStream(seed: number, part: number): number[] {
  return [
    ...g.logistic(part, 3.9, seed),
    ...g.logistic(part, 3.5, seed),
    ...g.uniformNoise(part, seed),
    ...g.damped(part, 15, 4 / part, seed),
  ]
}

/** Reports equal to within the rounding of the incrementally kept permutation entropy. */
function expectSameReport(got: DynamicsReport, want: DynamicsReport): void {
  expect(got.regime).toBe(want.regime)
  expect(got.permutationEntropy).toBeCloseTo(want.permutationEntropy, 9)
  for (const key of ['lyapunov', 'k01', 'dimension', 'delay'] as const) expect(got[key]).toEqual(want[key])
  expect(got.confidence).toBeCloseTo(want.confidence, 9)
  expect(got.stable).toBe(want.stable)
  expect(got.reason).toBe(want.reason)
}

describe('attractorWindow', () => {
  const small = { minLength: 50, cCount: 16 }

  test.prop(
    [
      fc.integer({ min: 1, max: 1000 }),
      fc.integer({ min: 40, max: 80 }),
      fc.integer({ min: 50, max: 90 }),
      fc.integer({ min: 1, max: 90 }),
    ],
    { numRuns: 25 },
  )(
    'each report is classifyDynamics of its window, at every hop, in order, then completes',
    (seed, part, window, hopRaw) => {
      const hop = Math.min(hopRaw, window)
      const x = regimeStream(seed, part)
      const out = collect(from(x).pipe(attractorWindow({ ...small, window, hop, reestimateEvery: 1 })))
      expect(out.end).toBe('complete')
      const starts: number[] = []
      for (let start = 0; start + window <= x.length; start += hop) starts.push(start)
      expect(out.values.map(r => r.start)).toEqual(starts)
      for (const r of out.values) {
        expect(r.end).toBe(r.start + window - 1)
        expect(r.skipped).toBe(0)
        expectSameReport(r, classifyDynamics(x.slice(r.start, r.end + 1), small))
      }
    },
  )

  it('an exactly periodic sine, sin(2 pi i / 50), is a limit cycle in every window', () => {
    const x = Array.from({ length: 2000 }, (_, i) => Math.sin((2 * Math.PI * i) / 50))
    const out = collect(from(x).pipe(attractorWindow({ window: 1000, hop: 250 })))
    expect(out.end).toBe('complete')
    expect(out.values).toHaveLength(5)
    for (const r of out.values) expect(r, r.reason).toMatchObject({ regime: 'limit-cycle', lyapunov: 0 })
  })

  it('reusing the embedding across overlapping windows keeps the verdicts of fresh estimation', () => {
    const x = regimeStream(7, 1200)
    const reused = collect(from(x).pipe(attractorWindow({ window: 600, hop: 150 }))).values
    expect(reused.length).toBe(29)
    for (const r of reused) expect(r.regime).toBe(classifyDynamics(x.slice(r.start, r.end + 1)).regime)
    // the windows inside each part get that part's regime
    const inside = (from: number, to: number) => reused.filter(r => r.start >= from && r.end < to).map(r => r.regime)
    expect(new Set(inside(0, 1200))).toEqual(new Set(['chaotic']))
    expect(new Set(inside(1200, 2400))).toEqual(new Set(['limit-cycle']))
    expect(new Set(inside(2400, 3600))).toEqual(new Set(['noise']))
    expect(new Set(inside(3600, 4800))).toEqual(new Set(['fixed-point']))
  })

  it("a change of regime estimates the embedding again instead of carrying a map's one into a flow", () => {
    const x = [...g.logistic(2000, 3.9, 1), ...g.lorenz(6000, 0.02, 1)]
    const reports = collect(from(x).pipe(attractorWindow({ window: 2000, hop: 500, reestimateEvery: 100 }))).values
    const inFlow = reports.filter(r => r.start >= 2000)
    expect(inFlow).toHaveLength(9)
    for (const r of inFlow) {
      expect(r.regime, `window at ${r.start}: ${r.reason}`).toBe('chaotic')
      expect(r.dimension).toBe(3)
    }
    expect(reports[0]).toMatchObject({ regime: 'chaotic', delay: 1, dimension: 1 })
  })

  test.prop(
    [
      timedStream(fc.double({ min: -5, max: 5, noNaN: true }), { maxLength: 160 }),
      fc.integer({ min: 50, max: 70 }),
      fc.integer({ min: 1, max: 40 }),
    ],
    { numRuns: 30 },
  )(
    'on virtual time: a report leaves when the value that completes its window arrives; the end passes through; nothing is left scheduled',
    (stream, window, hop) => {
      const out = runTimed(stream, (source, scheduler) =>
        source.pipe(attractorWindow({ ...small, window, hop, scheduler })),
      )
      const expectedTimes: number[] = []
      for (let k = window - 1; k < stream.events.length; k += hop) expectedTimes.push(stream.events[k].time)
      expect(out.values.map(v => v.time)).toEqual(expectedTimes)
      for (const { value } of out.values) {
        expect(value.startTime).toBe(stream.events[value.start].time)
        expect(value.endTime).toBe(stream.events[value.end].time)
      }
      expect(out.end).toEqual(stream.end)
      expect(out.leftover).toBe(0)
    },
  )

  it('select and time pick the value and the times', () => {
    const x = g.logistic(300, 4)
    const events = Array.from(x, (v, i) => ({ v, ts: 1000 + 10 * i }))
    const out = collect(
      from(events).pipe(attractorWindow({ window: 200, hop: 100, select: e => e.v, time: e => e.ts })),
    )
    expect(out.values.map(r => [r.start, r.end, r.startTime, r.endTime, r.regime])).toEqual([
      [0, 199, 1000, 2990, 'chaotic'],
      [100, 299, 2000, 3990, 'chaotic'],
    ])
  })

  it('a value that is not a finite number errors the stream naming its index, or is skipped and counted', () => {
    const x: unknown[] = Array.from(g.logistic(260, 4))
    x.splice(3, 0, Number.NaN)
    x.splice(10, 0, 'seven')
    const failed = collect(from(x).pipe(attractorWindow<unknown>({ window: 200 })))
    expect(failed.end).toBe('error')
    expect(failed.error).toBeInstanceOf(TypeError)
    expect((failed.error as Error).message).toBe('attractorWindow: element #3 must be a finite number, got NaN')
    const skippedAt: number[] = []
    const skipped = collect(
      from(x).pipe(
        attractorWindow<unknown>({ window: 200, hop: 60, onInvalid: 'skip', onSkip: i => skippedAt.push(i) }),
      ),
    )
    expect(skipped.end).toBe('complete')
    expect(skippedAt).toEqual([3, 10])
    expect(skipped.values.map(r => [r.start, r.skipped])).toEqual([
      [0, 2],
      [60, 2],
    ])
    const badTime = collect(from([1, 2]).pipe(attractorWindow({ window: 200, time: () => Number.NaN })))
    expect((badTime.error as Error).message).toBe('attractorWindow: element #0 has time NaN')
  })

  it('a throwing select, time or onSkip errors the stream', () => {
    const boom = new Error('user bug')
    const x = Array.from(g.logistic(250, 4))
    expect(
      collect(
        from(x).pipe(
          attractorWindow({
            window: 200,
            select: v => {
              if (v === x[5]) throw boom
              return v
            },
          }),
        ),
      ).error,
    ).toBe(boom)
    expect(
      collect(
        from(x).pipe(
          attractorWindow({
            window: 200,
            time: v => {
              if (v === x[7]) throw boom
              return 0
            },
          }),
        ),
      ).error,
    ).toBe(boom)
    expect(
      collect(
        from([1, Number.NaN]).pipe(
          attractorWindow({
            window: 200,
            onInvalid: 'skip',
            onSkip: () => {
              throw boom
            },
          }),
        ),
      ).error,
    ).toBe(boom)
  })

  it('source errors pass through; a trailing partial window is not reported', () => {
    const source = new Subject<number>()
    const out = collect(source.pipe(attractorWindow({ window: 200, hop: 100 })))
    for (const v of g.logistic(350, 4)) source.next(v)
    const oops = new Error('upstream')
    source.error(oops)
    expect(out.values.map(r => r.start)).toEqual([0, 100])
    expect(out.error).toBe(oops)
  })

  it('unsubscribing stops everything: no report after, the source is released', () => {
    const source = new Subject<number>()
    const got: AttractorWindowReport[] = []
    const sub = source.pipe(attractorWindow({ window: 200, hop: 50 })).subscribe(r => got.push(r))
    const x = g.logistic(400, 4)
    for (let i = 0; i < 250; i++) source.next(x[i])
    expect(got).toHaveLength(2)
    sub.unsubscribe()
    expect(source.observed).toBe(false)
    for (let i = 250; i < 400; i++) source.next(x[i])
    expect(got).toHaveLength(2)
    const s2 = new Subject<number>()
    const got2: AttractorWindowReport[] = []
    s2.pipe(attractorWindow({ window: 200, hop: 1 }), take(1)).subscribe(r => got2.push(r))
    for (const v of x) s2.next(v)
    expect(got2).toHaveLength(1)
    expect(s2.observed).toBe(false)
  })

  it('bad options throw at call time, naming the value', () => {
    const bad = (o: unknown) => () => attractorWindow(o as AttractorWindowOptions<number>)
    expect(bad(null)).toThrow(/^attractorWindow: options must be an object, got null/)
    expect(bad({})).toThrow(/^attractorWindow: window is required/)
    // a misspelt or foreign option is refused, not silently ignored
    expect(bad({ window: 1000, hop: 250, workers: 1 })).toThrow(TypeError)
    expect(bad({ window: 1000, hop: 250, workers: 1 })).toThrow(
      /^attractorWindow: unknown option "workers"; known options: /,
    )
    expect(bad({ window: 100 })).toThrow(/^attractorWindow: window must be an integer >= 200, got 100/)
    expect(bad({ window: 300, hop: 0 })).toThrow(/^attractorWindow: hop must be an integer in \[1, 300\], got 0/)
    expect(bad({ window: 300, hop: 301 })).toThrow(/^attractorWindow: hop must be an integer in \[1, 300\], got 301/)
    expect(bad({ window: 300, reestimateEvery: 0 })).toThrow(/reestimateEvery must be an integer >= 1, got 0/)
    expect(bad({ window: 300, onInvalid: 'drop' })).toThrow(/onInvalid must be 'error' or 'skip', got "drop"/)
    expect(bad({ window: 300, select: 3 })).toThrow(/select must be a function, got 3/)
    expect(bad({ window: 300, dt: 0 })).toThrow(/attractorWindow: dt must be a finite number > 0, got 0/)
    expect(bad({ window: 300, scheduler: {} })).toThrow(/scheduler must be a SchedulerLike/)
  })
})
