import { fc, test } from '@fast-check/vitest'
import {
  type AttractorWindowReport,
  type AttractorWindowSnapshot,
  attractorWindow,
  OffloadError,
  type OffloadPool,
  type OperatorState,
  operatorState,
} from 'midstream'
import { workerPool } from 'midstream/offload'
import { concat, from, lastValueFrom, type Observable, Subject, take, throwError, toArray } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as g from '../support/dynamics'

// The offloaded reports against the in-thread operator's (the oracle: the same kernel on the same
// values in this thread), through real worker threads. One pool serves the file: holding it here
// keeps its threads between tests (each subscription acquires and releases it too).
const pool = workerPool({ workers: 2 })
beforeAll(() => pool.acquire())
afterAll(() => pool.release())

type Reading = { x: number; t: number }
const small = { minLength: 50, cCount: 16 }
const all = <T>(source: Observable<T>): Promise<T[]> => lastValueFrom(source.pipe(toArray()), { defaultValue: [] })
const PROPERTY_MS = 240_000 // a few seconds per run on a busy 2-core machine
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/** A stream that changes regime (chaos, a period-4 cycle, noise, a damped oscillation), with times. */
function readings(seed: number, part: number): Reading[] {
  const xs = [
    ...g.logistic(part, 3.9, seed),
    ...g.logistic(part, 3.5, seed),
    ...g.uniformNoise(part, seed),
    ...g.damped(part, 15, 4 / part, seed),
  ]
  return xs.map((x, i) => ({ x, t: 1000 + i * 2.5 + (i % 7) / 3 }))
}

const settings = fc.record({
  window: fc.integer({ min: 50, max: 90 }),
  hopShare: fc.double({ min: 0.1, max: 1, noNaN: true }),
  reestimateEvery: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  timed: fc.boolean(),
})
type Settings = typeof settings extends fc.Arbitrary<infer S> ? S : never

function options(s: Settings, offload?: OffloadPool, state?: OperatorState<AttractorWindowSnapshot>) {
  return {
    ...small,
    window: s.window,
    hop: Math.max(1, Math.round(s.window * s.hopShare)),
    reestimateEvery: s.reestimateEvery,
    select: (r: Reading) => r.x,
    time: s.timed ? (r: Reading) => r.t : undefined,
    offload,
    state,
  }
}

describe('attractorWindow with offload', () => {
  test.prop([settings, fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 40, max: 120 })], { numRuns: 10 })(
    'reports exactly what the in-thread operator reports: same windows, same figures, same order',
    async (s, seed, part) => {
      const xs = readings(seed, part)
      const expected = await all(from(xs).pipe(attractorWindow(options(s))))
      const offloaded = await all(from(xs).pipe(attractorWindow(options(s, pool))))
      expect(offloaded).toEqual(expected)
      expect(expected.length).toBeGreaterThan(0)
    },
    PROPERTY_MS,
  )

  test.prop(
    [settings, fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 40, max: 90 }), fc.nat(), fc.nat({ max: 40 })],
    { numRuns: 8 },
  )(
    'a snapshot taken while windows are in the pool, restored (offloaded or not) and continued = one uninterrupted run',
    async (s, seed, part, cut, waitMs) => {
      const xs = readings(seed, part)
      const k = cut % (xs.length + 1)
      const expected = await all(from(xs).pipe(attractorWindow(options(s))))
      const first = operatorState<AttractorWindowSnapshot>()
      const input = new Subject<Reading>()
      const head: AttractorWindowReport[] = []
      const subscription = input.pipe(attractorWindow(options(s, pool, first))).subscribe(r => head.push(r))
      for (let i = 0; i < k; i++) input.next(xs[i])
      await sleep(waitMs) // some windows reported, others still in the pool
      const saved = JSON.parse(JSON.stringify(first.snapshot())) as AttractorWindowSnapshot
      subscription.unsubscribe()
      for (const offload of [pool, undefined]) {
        const tail = await all(from(xs.slice(k)).pipe(attractorWindow(options(s, offload, operatorState(saved)))))
        expect([...head, ...tail]).toEqual(expected)
      }
    },
    PROPERTY_MS,
  )

  it('carries windows in flight in the snapshot and reports them first after a restore', async () => {
    const xs = readings(3, 100)
    const s: Settings = { window: 60, hopShare: 0.25, reestimateEvery: 1, timed: true }
    const expected = await all(from(xs).pipe(attractorWindow(options(s))))
    const state = operatorState<AttractorWindowSnapshot>()
    const head: AttractorWindowReport[] = []
    const input = new Subject<Reading>()
    const subscription = input.pipe(attractorWindow(options(s, pool, state))).subscribe(r => head.push(r))
    for (let i = 0; i < 200; i++) input.next(xs[i]) // 36 windows due at once, none reported yet
    const saved = state.snapshot() as AttractorWindowSnapshot
    subscription.unsubscribe()
    expect(head).toEqual([])
    expect(saved.pending.map(p => p.start)).toEqual(expected.filter(r => r.end < 200).map(r => r.start))
    const tail = await all(from(xs.slice(200)).pipe(attractorWindow(options(s, pool, operatorState(saved)))))
    expect(tail).toEqual(expected)
  })

  it('ends after the windows due before the end: completion, and a source error, come after their reports', async () => {
    const xs = readings(5, 60).map(r => r.x)
    const opts = { ...small, window: 60, hop: 30 }
    const expected = await all(from(xs).pipe(attractorWindow(opts)))
    const seen: AttractorWindowReport[] = []
    const failure = new Error('source failed')
    const error = await new Promise(resolve =>
      concat(
        from(xs),
        throwError(() => failure),
      )
        .pipe(attractorWindow({ ...opts, offload: pool }))
        .subscribe({ next: r => seen.push(r), error: resolve, complete: () => resolve('completed') }),
    )
    expect(error).toBe(failure)
    expect(seen).toEqual(expected)
  })

  it('a bad element errors the stream after the windows due before it, as in-thread', async () => {
    const xs: number[] = [...g.logistic(300, 3.9, 6), Number.NaN, ...g.logistic(100, 3.5, 6)]
    const opts = { ...small, window: 60, hop: 20 }
    const outcome = (offload?: OffloadPool) =>
      new Promise<{ reports: AttractorWindowReport[]; error: unknown }>(resolve => {
        const reports: AttractorWindowReport[] = []
        from(xs)
          .pipe(attractorWindow({ ...opts, offload }))
          .subscribe({
            next: r => reports.push(r),
            error: error => resolve({ reports, error }),
            complete: () => resolve({ reports, error: null }),
          })
      })
    const inThread = await outcome()
    expect(inThread.reports).toHaveLength(13)
    expect(String(inThread.error)).toBe('TypeError: attractorWindow: element #300 must be a finite number, got NaN')
    expect(await outcome(pool)).toEqual(inThread)
  })

  it("errors the stream with an OffloadError that keeps the worker's error when the worker throws", async () => {
    // a pool that sends the real worker a task it refuses: the worker's runOffloadTask throws a TypeError
    const refused: OffloadPool = {
      acquire: () => pool.acquire(),
      release: () => pool.release(),
      run: (task, o) => pool.run({ ...task, kind: 'no-such-task' } as never, o),
    }
    const seen: AttractorWindowReport[] = []
    const error = await new Promise<unknown>(resolve =>
      from(g.logistic(200, 3.9, 1))
        .pipe(attractorWindow({ ...small, window: 60, offload: refused }))
        .subscribe({ next: r => seen.push(r), error: resolve, complete: () => resolve('completed') }),
    )
    expect(seen).toEqual([])
    expect(error).toBeInstanceOf(OffloadError)
    const e = error as OffloadError
    expect(e.message).toBe(
      `attractorWindow: the analysis in a worker failed: TypeError: runOffloadTask: unknown task kind "no-such-task" (expected 'attractorWindow' or 'findMatches')`,
    )
    expect(e.cause).toBeInstanceOf(Error)
    expect((e.cause as Error).name).toBe('TypeError')
    expect(pool.stats().users).toBe(1) // only this file's hold: the failed subscription released it
  })

  it('unsubscribing cancels the windows queued in the pool, and the last user closes its threads', async () => {
    const own = workerPool({ workers: 1 })
    const xs = g.logistic(3000, 3.9, 2)
    // reestimateEvery 1: independent windows, all 59 sent to the pool at once
    const opts = { ...small, window: 100, hop: 50, reestimateEvery: 1, offload: own }
    const firstTwo = await all(from(xs).pipe(attractorWindow(opts), take(2)))
    const expected = await all(from(xs).pipe(attractorWindow({ ...opts, offload: undefined }), take(2)))
    expect(firstTwo).toEqual(expected)
    const stats = own.stats()
    expect(stats.completed).toBeLessThan(10) // at most those finished before the unsubscription, of 59
    expect(stats).toMatchObject({ users: 0, threads: 0, queued: 0 })
    await sleep(200)
    expect(own.stats().completed).toBe(stats.completed) // nothing ran after
  })

  it('shares one pool among operators: threads stay while any subscription holds it', async () => {
    const own = workerPool({ workers: 2 })
    const xs = g.logistic(400, 3.9, 4)
    const opts = { ...small, window: 100, hop: 50 }
    const a = new Subject<number>()
    const b = new Subject<number>()
    const ra: AttractorWindowReport[] = []
    const rb: AttractorWindowReport[] = []
    const sa = a.pipe(attractorWindow({ ...opts, offload: own })).subscribe(r => ra.push(r))
    const sb = b.pipe(attractorWindow({ ...opts, offload: own })).subscribe(r => rb.push(r))
    expect(own.stats()).toMatchObject({ users: 2, threads: 2 })
    sa.unsubscribe()
    expect(own.stats()).toMatchObject({ users: 1, threads: 2 })
    for (const x of xs) b.next(x)
    b.complete()
    await new Promise<void>(resolve => sb.add(() => resolve()))
    expect(rb).toEqual(await all(from(xs).pipe(attractorWindow(opts))))
    expect(ra).toEqual([])
    expect(own.stats()).toMatchObject({ users: 0, threads: 0 })
  })

  it('rejects an offload option that is not a pool, at call time', () => {
    expect(() => attractorWindow({ window: 200, offload: {} as never })).toThrow(
      /^attractorWindow: offload must be a pool with acquire, release and run \(workerPool\(\) from midstream\/offload\), got \[object Object\]$/,
    )
    expect(() => attractorWindow({ window: 200, offload: true as never })).toThrow(TypeError)
  })
})
