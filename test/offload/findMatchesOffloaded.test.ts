import { fc, test } from '@fast-check/vitest'
import { findMatches, findMatchesOffloaded, OffloadError, type OffloadPool } from 'midstream'
import { workerPool } from 'midstream/offload'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The in-thread findMatches is the oracle (itself checked against brute-force DTW of every window
// in test/src/compare/findMatches.test.ts); the search runs in real worker threads.
const pool = workerPool({ workers: 2 })
beforeAll(() => pool.acquire())
afterAll(() => pool.release())

const finite = fc.double({ min: -100, max: 100, noNaN: true })

describe('findMatchesOffloaded', () => {
  test.prop(
    [
      fc.array(finite, { minLength: 1, maxLength: 400 }),
      fc.array(finite, { minLength: 1, maxLength: 20 }),
      fc.record({
        k: fc.integer({ min: 1, max: 5 }),
        band: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        normalize: fc.boolean(),
      }),
      fc.boolean(),
    ],
    { numRuns: 40 },
  )(
    'resolves with exactly the matches of findMatches, and leaves the caller arrays intact',
    async (series, query, options, typed) => {
      const s = typed ? Float64Array.from(series) : series
      const before = Array.from(s)
      const matches = await findMatchesOffloaded(pool, s, query, options)
      expect(matches).toEqual(findMatches(series, query, options))
      expect(Array.from(s)).toEqual(before) // a copy was transferred, not the caller's buffer
    },
    120_000,
  )

  it('throws bad input at the call, named as findMatchesOffloaded', () => {
    expect(() => findMatchesOffloaded(pool, [1, Number.NaN, 3], [1])).toThrow(/^findMatchesOffloaded: /)
    expect(() => findMatchesOffloaded(pool, [1, 2, 3], [])).toThrow(/^findMatchesOffloaded: the query is empty$/)
    expect(() => findMatchesOffloaded(pool, [1, 2, 3], [1], { k: 0 })).toThrow(RangeError)
    expect(() => findMatchesOffloaded(pool, [1, 2, 3], [1], { bogus: 1 } as never)).toThrow(TypeError)
    expect(() => findMatchesOffloaded(undefined as never, [1], [1])).toThrow(/^findMatchesOffloaded: pool is required/)
    expect(() => findMatchesOffloaded({} as never, [1], [1])).toThrow(/^findMatchesOffloaded: offload must be a pool/)
    expect(() => findMatchesOffloaded(pool, [1], [1], {}, 'soon' as never)).toThrow(
      /^findMatchesOffloaded: signal must be an AbortSignal, got "soon"$/,
    )
    expect(pool.stats().users).toBe(1) // none of them acquired the pool
  })

  it('rejects with the abort reason when its signal aborts, and releases the pool', async () => {
    const series = Float64Array.from({ length: 200_000 }, (_, i) => Math.sin(i / 10) + (i % 13) / 50)
    const controller = new AbortController()
    const search = findMatchesOffloaded(pool, series, series.subarray(500, 700), { k: 5 }, controller.signal)
    const reason = new Error('not needed any more')
    controller.abort(reason)
    await expect(search).rejects.toBe(reason)
    expect(pool.stats().users).toBe(1)
    const aborted = AbortSignal.abort(reason)
    await expect(findMatchesOffloaded(pool, [1, 2, 3], [1], {}, aborted)).rejects.toBe(reason)
  })

  it("rejects with an OffloadError carrying the worker's error when the search fails in the worker", async () => {
    const refused: OffloadPool = { ...pool, run: (task, o) => pool.run({ ...task, kind: 'nope' } as never, o) }
    const error = await findMatchesOffloaded(refused, [1, 2, 3], [1]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OffloadError)
    expect((error as Error).message).toMatch(
      /^findMatchesOffloaded: the analysis in a worker failed: TypeError: runOffloadTask: unknown task kind "nope"/,
    )
  })
})

describe('workerPool', () => {
  it('rejects bad options and unbalanced use, naming the value', async () => {
    expect(() => workerPool({ workers: 0 })).toThrow(/^workerPool: workers must be/)
    expect(() => workerPool({ workers: 1.5 })).toThrow(/^workerPool: workers must be/)
    expect(() => workerPool({ threads: 2 } as never)).toThrow(TypeError)
    const idle = workerPool({ workers: 1 })
    expect(() => idle.release()).toThrow(/^workerPool: release\(\) without a matching acquire\(\)$/)
    const values = new Float64Array(3)
    await expect(
      idle.run(
        { kind: 'findMatches', series: values, query: values, options: {} },
        {
          transfer: [],
          signal: new AbortController().signal,
        },
      ),
    ).rejects.toThrow(/^workerPool: run\(\) while no one holds the pool/)
    expect(idle.stats()).toEqual({ users: 0, threads: 0, queued: 0, completed: 0 })
  })
})
