import { fc, test } from '@fast-check/vitest'
import {
  concat,
  delay,
  filter,
  from,
  lastValueFrom,
  map,
  NEVER,
  type Observable,
  of,
  scan,
  startWith,
  take,
  toArray,
} from 'rxjs'
import { describe, expect, it } from 'vitest'
import { checkpointedScan } from '../../operators/checkpointedScan'
import { compareEntryIds } from '../../partitioned/entryId'
import type { PartitionContext } from '../../partitioned/keyPipeline'
import { MemoryBroker } from '../../partitioned/memoryBroker'
import type { PartitionedOutput } from '../../partitioned/runner'
import { type RunPartitionedOptions, runPartitioned } from '../../partitioned/runPartitioned'
import { metrics } from '../../sinks/metrics'

interface V {
  k: string
  x: number
}
interface Acc {
  n: number
  sum: number
}

/** A value the pipeline refuses: its accumulator throws, so the entry is dead-lettered and the pipeline rebuilt. */
const poison = (x: number) => x % 13 === 0

/** The pipeline under test: a checkpointed running count and sum per key, emitted when the sum is even. */
function pipeline(values$: Observable<V>, ctx: PartitionContext): Observable<Acc & { key: string }> {
  return values$.pipe(
    checkpointedScan(
      (acc: Acc, v: V) => {
        if (poison(v.x)) throw new Error(`poison ${v.x}`)
        return { n: acc.n + 1, sum: acc.sum + v.x }
      },
      { n: 0, sum: 0 },
      { state: ctx.state('sum') },
    ),
    filter(acc => acc.sum % 2 === 0),
    map(acc => ({ ...acc, key: ctx.key })),
  )
}

/** The oracle: each key's values in order through plain RxJS (scan, no checkpoints, no partitions), poison skipped. */
async function oracle(values: readonly V[]): Promise<Map<string, unknown[]>> {
  const byKey = new Map<string, V[]>()
  for (const v of values) byKey.set(v.k, [...(byKey.get(v.k) ?? []), v])
  const expected = new Map<string, unknown[]>()
  for (const [key, vs] of byKey) {
    const outputs = await lastValueFrom(
      from(vs.filter(v => !poison(v.x))).pipe(
        scan((acc: Acc, v) => ({ n: acc.n + 1, sum: acc.sum + v.x }), { n: 0, sum: 0 }),
        filter(acc => acc.sum % 2 === 0),
        map(acc => ({ ...acc, key })),
        toArray(),
      ),
    )
    if (outputs.length > 0) expected.set(key, outputs)
  }
  return expected
}

function byKey<R>(outputs: readonly PartitionedOutput<R>[]): Map<string, R[]> {
  const grouped = new Map<string, R[]>()
  for (const o of outputs) grouped.set(o.key, [...(grouped.get(o.key) ?? []), o.value])
  return grouped
}

const timers = () => process.getActiveResourcesInfo().filter(k => k === 'Timeout' || k === 'Immediate').length

/** Waits until no more timers are active than `baseline`, up to `withinMs`; returns the surplus left. */
async function timersLeft(baseline: number, withinMs: number): Promise<number> {
  const until = performance.now() + withinMs
  while (timers() > baseline && performance.now() < until) await new Promise(r => setTimeout(r, 5))
  return Math.max(0, timers() - baseline)
}

const valueArb = fc.record({
  k: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
  x: fc.integer({ min: -40, max: 40 }),
})

describe('runPartitioned in-process', () => {
  test.prop([fc.array(valueArb, { maxLength: 120 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 25 })], {
    numRuns: 40,
  })(
    'outputs per key equal one sequential run of the pipeline per key: nothing lost, nothing doubled',
    async (values, partitions, batchSize) => {
      const outputs = await lastValueFrom(
        runPartitioned({
          name: 'sums',
          input: values,
          partitions,
          batchSize,
          output: 'out',
          key: v => v.k,
          pipeline,
        }).pipe(toArray()),
      )
      expect(byKey(outputs)).toEqual(await oracle(values))
      for (const key of new Set(outputs.map(o => o.key))) {
        const ids = outputs.filter(o => o.key === key).map(o => o.inputId)
        for (let i = 1; i < ids.length; i++) expect(compareEntryIds(ids[i], ids[i - 1])).toBeGreaterThan(0)
      }
    },
  )

  it('takes any ObservableInput: an Observable, an async iterable', async () => {
    const values: V[] = Array.from({ length: 30 }, (_, i) => ({ k: `k${i % 4}`, x: i }))
    async function* generate() {
      for (const v of values) yield v
    }
    const options = { name: 'n', partitions: 3, output: 'o', key: (v: V) => v.k, pipeline }
    const fromObservable = await lastValueFrom(runPartitioned({ ...options, input: of(...values) }).pipe(toArray()))
    const fromIterable = await lastValueFrom(runPartitioned({ ...options, input: generate() }).pipe(toArray()))
    const expected = await oracle(values)
    expect(byKey(fromObservable)).toEqual(expected)
    expect(byKey(fromIterable)).toEqual(expected)
  })

  it('completes at once on an empty input', async () => {
    const options = { name: 'n', partitions: 2, output: 'o', key: (v: V) => v.k, pipeline, input: [] as V[] }
    expect(await lastValueFrom(runPartitioned(options).pipe(toArray()))).toEqual([])
  })

  it('dead-letters failing values, counts them, rebuilds the key pipeline from its state at the error, and records metrics', async () => {
    const m = metrics()
    const values: V[] = [1, 13, 2, 26, 4, 5, 39, 6].map(x => ({ k: 'a', x }))
    const outputs = await lastValueFrom(
      runPartitioned({
        name: 'dl',
        input: values,
        partitions: 2,
        batchSize: 3,
        output: 'o',
        key: v => v.k,
        pipeline,
        metrics: m,
      }).pipe(toArray()),
    )
    expect(outputs.map(o => o.value)).toEqual((await oracle(values)).get('a'))
    const text = await m.render()
    expect(text).toContain('midstream_dropped_total{pipeline="dl",reason="pipeline error"} 3')
    expect(text).toMatch(/midstream_commit_latency_seconds_count\{pipeline="dl"\} [1-9]/)
    expect(text).toMatch(/midstream_rebalances_total\{pipeline="dl"\} [1-9]/)
    const lags = [...text.matchAll(/midstream_partition_lag_seconds\{pipeline="dl",partition="\d"\} (\S+)/g)]
    expect(lags.length).toBeGreaterThan(0)
    for (const [, lag] of lags) expect(Number(lag)).toBe(0) // caught up
    expect(text).not.toContain('midstream_lease_losses_total{')
  })

  it("counts the router's dead letters (not JSON, a key that throws) in dropped_total, and goes on", async () => {
    const m = metrics()
    const input: unknown[] = [{ k: 'a', x: 2 }, undefined, { k: 'boom', x: 1 }, { k: 'a', x: 4 }, () => 1, { k: null }]
    const outputs = await lastValueFrom(
      runPartitioned<V, unknown>({
        name: 'rd',
        input: input as V[],
        partitions: 2,
        output: 'o',
        key: v => {
          if (v.k === 'boom') throw new Error('no key')
          return v.k
        },
        pipeline,
        metrics: m,
      }).pipe(toArray()),
    )
    expect(outputs.map(o => o.value)).toEqual((await oracle([input[0], input[3]] as V[])).get('a'))
    const text = await m.render()
    expect(text).toContain('midstream_dropped_total{pipeline="rd",reason="not JSON"} 2')
    expect(text).toContain('midstream_dropped_total{pipeline="rd",reason="key threw"} 1')
    expect(text).toContain(
      'midstream_dropped_total{pipeline="rd",reason="key must return a string or a finite number"} 1',
    )
  })

  it('an output that is not JSON dead-letters its entry', async () => {
    const outputs = await lastValueFrom(
      runPartitioned<number, unknown>({
        name: 'nj',
        input: [1, 2, 3],
        partitions: 1,
        output: 'o',
        key: () => 'k',
        pipeline: v$ => v$.pipe(map(x => (x === 2 ? { big: 1n } : x))),
      }).pipe(toArray()),
    )
    expect(outputs.map(o => o.value)).toEqual([1, 3])
  })

  it('errors the run with a TypeError when a pipeline emits asynchronously (a delay)', async () => {
    const run = runPartitioned<number, number>({
      name: 'async',
      input: concat(from([1, 2, 3]), NEVER),
      partitions: 2,
      output: 'o',
      key: x => x,
      pipeline: v$ => v$.pipe(delay(1)),
    })
    await expect(lastValueFrom(run)).rejects.toThrow(TypeError)
    await expect(lastValueFrom(run)).rejects.toThrow(
      /runPartitioned: the pipeline of key "\d" \(partition \d\) emitted outside the processing of an input value .*must be synchronous, deterministic functions of their input/,
    )
  })

  it('errors the run when a pipeline emits while it is being built (startWith)', async () => {
    const run = runPartitioned<number, number>({
      name: 'sw',
      input: [1],
      partitions: 1,
      output: 'o',
      key: () => 'k',
      pipeline: v$ => v$.pipe(startWith(0)),
    })
    await expect(lastValueFrom(run)).rejects.toThrow(/emitted while it was being built/)
  })

  it('a pipeline that completes is rebuilt from its state for the next value of its key', async () => {
    const outputs = await lastValueFrom(
      runPartitioned<number, number>({
        name: 'c',
        input: [1, 2, 3, 4, 5],
        partitions: 1,
        batchSize: 2,
        output: 'o',
        key: () => 'k',
        pipeline: (v$, ctx) =>
          v$.pipe(
            checkpointedScan((sum: number, x: number) => sum + x, 0, { state: ctx.state('s') }),
            take(2),
          ),
      }).pipe(toArray()),
    )
    expect(outputs.map(o => o.value)).toEqual([1, 3, 6, 10, 15])
  })

  it("a pipeline that throws when called dead-letters its key's values and the run goes on", async () => {
    const outputs = await lastValueFrom(
      runPartitioned<V, number>({
        name: 't',
        input: [
          { k: 'bad', x: 1 },
          { k: 'good', x: 2 },
          { k: 'bad', x: 3 },
        ],
        partitions: 1,
        output: 'o',
        key: v => v.k,
        pipeline: (v$, ctx) => {
          if (ctx.key === 'bad') throw new Error('no pipeline for you')
          return v$.pipe(map(v => v.x))
        },
      }).pipe(toArray()),
    )
    expect(outputs.map(o => [o.key, o.value])).toEqual([['good', 2]])
  })

  it('leaves no timer behind: after completion, and after an unsubscription mid-run', async () => {
    const baseline = timers()
    const values: V[] = Array.from({ length: 200 }, (_, i) => ({ k: `k${i % 9}`, x: i }))
    const options = { name: 'leak', partitions: 4, batchSize: 7, output: 'o', key: (v: V) => v.k, pipeline }
    await lastValueFrom(runPartitioned({ ...options, input: values }).pipe(toArray()))
    expect(await timersLeft(baseline, 500)).toBe(0)
    let seen = 0
    const sub = runPartitioned({ ...options, input: concat(from(values), NEVER), leaseMs: 60_000 }).subscribe(
      () => seen++,
    )
    while (seen < 10) await new Promise(r => setTimeout(r, 2))
    sub.unsubscribe()
    expect(await timersLeft(baseline, 500)).toBe(0)
  })
})

describe('runPartitioned options', () => {
  const base: RunPartitionedOptions<V, unknown> = {
    name: 'p',
    input: [],
    partitions: 2,
    output: 'o',
    key: v => v.k,
    pipeline: v$ => v$,
  }
  const cases: [Partial<Record<keyof RunPartitionedOptions<V, unknown> | 'extra', unknown>>, RegExp][] = [
    [{ name: '' }, /^runPartitioned: name must not be empty$/],
    [{ name: 'a{b}' }, /^runPartitioned: name must not contain \{ or \} \(it is a hash tag\), got "a\{b\}"$/],
    [{ partitions: 0 }, /^runPartitioned: partitions must be an integer in \[1, 16384\], got 0$/],
    [{ partitions: 2.5 }, /got 2.5/],
    [{ key: 'k' }, /^runPartitioned: key must be a function, got "k"$/],
    [{ pipeline: undefined }, /^runPartitioned: pipeline must be a function, got undefined$/],
    [{ output: 3 }, /^runPartitioned: output must be a string, got 3$/],
    [{ batchSize: 0 }, /^runPartitioned: batchSize must be an integer in \[1, 100000\], got 0$/],
    [{ leaseMs: -5 }, /^runPartitioned: leaseMs must be a finite number >= 1, got -5$/],
    [{ blockMs: Number.NaN }, /^runPartitioned: blockMs must be a finite number >= 0, got NaN$/],
    [{ workerId: '' }, /^runPartitioned: workerId must not be empty$/],
    [{ metrics: {} }, /^runPartitioned: metrics must come from metrics\(\)/],
    [{ redis: 'redis://localhost' }, /^runPartitioned: input \(the input stream name, with redis\) must be a string/],
    [{ redis: 'http://localhost', input: 'in' }, /^runPartitioned: redis must be a redis:\/\/ or rediss:\/\/ URL/],
    [
      {
        redis: 'redis://localhost',
        input: 'in',
        broker: new MemoryBroker({ name: 'x', input: 'in', output: 'o', partitions: 4, key: String, leaseMs: 1000 }),
      },
      /^runPartitioned: give redis or broker, not both/,
    ],
    [{ input: 'orders' }, /^runPartitioned: input "orders" is a stream name, which needs redis or broker/],
    [{ input: 42 }, /^runPartitioned: input must be the values .*got 42$/],
    [{ broker: { partitions: 2 } }, /^runPartitioned: broker must be a PartitionBroker/],
    [{ extra: 1 }, /^runPartitioned: unknown option "extra"/],
  ]
  it.each(cases)('rejects %o at call time', (patch, message) => {
    expect(() => runPartitioned({ ...base, ...patch } as never)).toThrow(message)
  })

  it('with broker: input must be a stream name and partitions must match the broker', () => {
    const broker = new MemoryBroker({
      name: 'p',
      input: 'in',
      output: 'o',
      partitions: 3,
      key: () => 'k',
      leaseMs: 100,
    })
    expect(() => runPartitioned({ ...base, broker, partitions: 2, input: 'in' })).toThrow(
      /^runPartitioned: partitions is 2 but the broker has 3$/,
    )
    expect(() => runPartitioned({ ...base, broker, partitions: 3, input: [] })).toThrow(TypeError)
    expect(() => runPartitioned({ ...base, partitions: 3, broker, input: 'in' })).not.toThrow()
  })

  it('ctx.state checks its name', async () => {
    const run = runPartitioned<V, unknown>({
      ...base,
      input: [{ k: 'a', x: 1 }],
      pipeline: (v$, ctx) => (ctx.state(''), v$),
    })
    // the factory throws: the value is dead-lettered and the run completes without output
    expect(await lastValueFrom(run.pipe(toArray()))).toEqual([])
  })
})
