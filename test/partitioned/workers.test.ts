import { fc, test } from '@fast-check/vitest'
import { filter, from, lastValueFrom, map, type Observable, type Subscription, scan, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { checkpointedScan } from '../../operators/checkpointedScan'
import type {
  Assignment,
  CommitBatch,
  CommitResult,
  PartitionBroker,
  PartitionCheckpoint,
  PartitionEntry,
  PartitionLease,
} from '../../partitioned/broker'
import { compareEntryIds } from '../../partitioned/entryId'
import type { PartitionContext } from '../../partitioned/keyPipeline'
import { MemoryBroker } from '../../partitioned/memoryBroker'
import type { PartitionedOutput } from '../../partitioned/runner'
import { runPartitioned } from '../../partitioned/runPartitioned'
import { metrics } from '../../sinks/metrics'
import { rng } from '../support/rng'

interface V {
  k: string
  x: number
}
interface Acc {
  n: number
  sum: number
}
type Out = Acc & { key: string }

const LEASE_MS = 150

/** Keyed state that matters: a checkpointed running count and sum, emitted when the sum is even. */
function pipeline(values$: Observable<V>, ctx: PartitionContext): Observable<Out> {
  return values$.pipe(
    checkpointedScan(
      (acc: Acc, v: V) => ({ n: acc.n + 1, sum: acc.sum + v.x }),
      { n: 0, sum: 0 },
      {
        state: ctx.state('sum'),
      },
    ),
    filter(acc => acc.sum % 2 === 0),
    map(acc => ({ ...acc, key: ctx.key })),
  )
}

/** The oracle: each key's values in order through plain RxJS, no partitions, no checkpoints. */
async function oracle(values: readonly V[]): Promise<Map<string, Out[]>> {
  const expected = new Map<string, Out[]>()
  for (const key of new Set(values.map(v => v.k))) {
    const outputs = await lastValueFrom(
      from(values.filter(v => v.k === key)).pipe(
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

/** The broker's committed output stream, per key, in order (checking the input ids only grow per key). */
function committedByKey(broker: MemoryBroker): Map<string, Out[]> {
  const grouped = new Map<string, Out[]>()
  const lastId = new Map<string, string>()
  for (const o of broker.outputs()) {
    const previous = lastId.get(o.key)
    if (previous !== undefined) expect(compareEntryIds(o.inputId, previous)).toBeGreaterThanOrEqual(0)
    lastId.set(o.key, o.inputId)
    grouped.set(o.key, [...(grouped.get(o.key) ?? []), JSON.parse(o.value) as Out])
  }
  return grouped
}

const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))

async function until(condition: () => boolean, withinMs: number, what: string): Promise<void> {
  const end = performance.now() + withinMs
  while (!condition()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

const timers = () => process.getActiveResourcesInfo().filter(k => k === 'Timeout' || k === 'Immediate').length

/**
 * A set of workers on one MemoryBroker whose clock runs with real time and which the test steps
 * forward (a stall: every lease expires at once). Time must pass for a departed worker's router lease
 * and liveness to expire, as with a real clock.
 */
class Cluster {
  offset = 1_000_000
  get now(): number {
    return this.offset + Math.floor(performance.now())
  }
  readonly broker: MemoryBroker
  readonly workers = new Map<string, Subscription>()
  readonly emitted: PartitionedOutput<Out>[] = []
  /** Outputs emitted before the broker had them: must stay empty. */
  readonly early: PartitionedOutput<Out>[] = []
  #next = 0

  constructor(
    readonly partitions: number,
    readonly batchSize: number,
  ) {
    this.broker = new MemoryBroker({
      name: 'w',
      input: 'in',
      output: 'out',
      partitions,
      key: v => (v as V).k,
      leaseMs: LEASE_MS,
      now: () => this.now,
    })
  }

  start(broker: PartitionBroker = this.broker, m?: ReturnType<typeof metrics>): string {
    const id = `worker-${this.#next++}`
    const run = runPartitioned<V, Out>({
      broker,
      name: 'w',
      input: 'in',
      output: 'out',
      partitions: this.partitions,
      batchSize: this.batchSize,
      leaseMs: LEASE_MS,
      blockMs: 5,
      workerId: id,
      key: v => v.k,
      pipeline,
      metrics: m,
    })
    this.workers.set(
      id,
      run.subscribe(o => {
        if (!this.broker.outputs(o.partition).some(c => c.inputId === o.inputId)) this.early.push(o)
        this.emitted.push(o)
      }),
    )
    return id
  }

  /** A crash: the broker forgets the worker's leases (as if they expired), and the worker stops at once. */
  crash(id: string): void {
    this.broker.expire(id)
    this.stop(id)
  }

  stop(id: string): void {
    this.workers.get(id)?.unsubscribe()
    this.workers.delete(id)
  }

  stopAll(): void {
    for (const id of [...this.workers.keys()]) this.stop(id)
  }
}

const valueArb = fc.record({
  k: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'),
  x: fc.integer({ min: -20, max: 20 }),
})
const eventArb = fc.record({
  at: fc.integer({ min: 0, max: 100 }),
  victim: fc.nat(),
  kind: fc.constantFrom('crash', 'leave', 'stall'),
  waitMs: fc.integer({ min: 0, max: 40 }),
})

describe('runPartitioned: several workers on one broker', () => {
  test.prop(
    [
      fc.array(valueArb, { minLength: 1, maxLength: 150 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 2, max: 3 }),
      fc.array(eventArb, { maxLength: 3 }),
    ],
    { numRuns: 40 },
  )(
    'crashes, departures and stalls at random points: the committed output per key equals the oracle, nothing doubled',
    async (values, partitions, batchSize, workers, events) => {
      const baseline = timers()
      const cluster = new Cluster(partitions, batchSize)
      try {
        for (let i = 0; i < workers; i++) cluster.start()
        let appended = 0
        for (const event of [...events].sort((a, b) => a.at - b.at)) {
          const upTo = Math.floor((values.length * event.at) / 100)
          for (; appended < upTo; appended++) cluster.broker.append(values[appended])
          await sleep(event.waitMs)
          const ids = [...cluster.workers.keys()]
          const victim = ids[event.victim % ids.length]
          if (event.kind === 'crash') cluster.crash(victim)
          else if (event.kind === 'leave') cluster.stop(victim)
          else cluster.offset += LEASE_MS + 1 // every lease expires: whoever balances first takes what it can
          if (event.kind !== 'stall') cluster.start()
        }
        for (; appended < values.length; appended++) cluster.broker.append(values[appended])
        await until(() => cluster.broker.pending() === 0, 5_000, 'every entry committed')
      } finally {
        cluster.stopAll()
      }
      expect(committedByKey(cluster.broker)).toEqual(await oracle(values))
      expect(cluster.broker.deadLetters()).toEqual([])
      expect(cluster.early).toEqual([])
      // what the workers emitted is committed output, each at most once
      const seen = new Set<string>()
      for (const o of cluster.emitted) {
        const id = `${o.key}|${o.inputId}|${JSON.stringify(o.value)}`
        expect(seen.has(id)).toBe(false)
        seen.add(id)
      }
      await until(() => timers() <= baseline, 1000, 'the timers of the stopped workers to end')
    },
  )

  test.prop(
    [
      fc.array(valueArb, { minLength: 1, maxLength: 80 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer(),
    ],
    { numRuns: 10 },
  )(
    'broker errors (calls refused, replies lost after the broker acted) are retried: the output still equals the oracle, exactly once',
    async (values, partitions, batchSize, seed) => {
      const cluster = new Cluster(partitions, batchSize)
      for (const v of values) cluster.broker.append(v)
      const flaky = [new FlakyBroker(cluster.broker, seed, 0.3), new FlakyBroker(cluster.broker, seed + 1, 0.3)]
      try {
        for (const broker of flaky) cluster.start(broker)
        await until(() => cluster.broker.pending() === 0, 8_000, 'every entry committed despite the errors')
      } finally {
        cluster.stopAll()
      }
      expect(flaky[0].failures + flaky[1].failures).toBeGreaterThan(0)
      expect(committedByKey(cluster.broker)).toEqual(await oracle(values))
      expect(cluster.early).toEqual([])
      expect(new Set(cluster.emitted.map(o => `${o.key}|${o.inputId}|${o.value.n}`)).size).toBe(cluster.emitted.length)
    },
  )

  it('a paused worker that lost its partitions is fenced when it wakes: its commit is refused, its outputs never doubled', async () => {
    const cluster = new Cluster(2, 5)
    const values: V[] = Array.from({ length: 40 }, (_, i) => ({ k: `k${i % 5}`, x: i }))
    for (const v of values) cluster.broker.append(v)
    const gated = new GatedBroker(cluster.broker)
    gated.commitsPaused = true
    const zombieMetrics = metrics()
    const zombie = cluster.start(gated, zombieMetrics)
    await until(() => gated.waiting > 0, 5000, 'the zombie to reach its first commit')
    gated.paused = true // SIGSTOP: nothing of the zombie reaches the broker any more
    cluster.offset += LEASE_MS + 1 // its leases expire
    cluster.start()
    await until(() => cluster.broker.pending() === 0, 5000, 'the second worker to commit everything')
    gated.commitsPaused = false
    gated.paused = false // SIGCONT
    gated.resume()
    await until(() => gated.results.includes('fenced'), 5000, 'the zombie commit to come back')
    await sleep(20)
    expect(cluster.workers.has(zombie)).toBe(true) // a lost lease is not an error: the worker goes on
    expect(await zombieMetrics.render()).toMatch(/midstream_lease_losses_total\{pipeline="w"\} [1-9]/)
    cluster.stopAll()
    expect(gated.results.filter(r => r === 'committed')).toEqual([])
    expect(committedByKey(cluster.broker)).toEqual(await oracle(values))
    expect(cluster.early).toEqual([])
    expect(new Set(cluster.emitted.map(o => `${o.key}|${o.inputId}`)).size).toBe(cluster.emitted.length)
  })
})

/**
 * A broker whose connection fails now and then: a call is refused before it reaches the broker, or
 * its reply is lost after the broker did it (the case a retried commit must survive).
 */
class FlakyBroker implements PartitionBroker {
  failures = 0
  #calls = 0
  readonly #random: () => number

  constructor(
    readonly inner: MemoryBroker,
    seed: number,
    readonly rate: number,
  ) {
    this.#random = rng(seed)
  }

  get partitions(): number {
    return this.inner.partitions
  }

  async #call<V>(op: () => Promise<V>): Promise<V> {
    // the second call always loses its reply and the third is always refused, so that a short input
    // (a handful of calls) still meets both kinds of error; after that the seed decides
    const call = ++this.#calls
    const roll = call === 2 ? this.rate * 0.75 : call === 3 ? 0 : this.#random()
    if (roll < this.rate / 2) {
      this.failures++
      throw new Error('connection lost before the call')
    }
    const value = await op()
    if (roll < this.rate) {
      this.failures++
      throw new Error('connection lost before the reply')
    }
    return value
  }

  balance(workerId: string, held: readonly PartitionLease[]): Promise<Assignment> {
    return this.#call(() => this.inner.balance(workerId, held))
  }
  release(workerId: string, lease: PartitionLease): Promise<void> {
    return this.#call(() => this.inner.release(workerId, lease))
  }
  load(partition: number): Promise<PartitionCheckpoint> {
    return this.#call(() => this.inner.load(partition))
  }
  read(partition: number, afterId: string, count: number, blockMs: number): Promise<PartitionEntry[]> {
    return this.#call(() => this.inner.read(partition, afterId, count, blockMs))
  }
  commit(batch: CommitBatch): Promise<CommitResult> {
    return this.#call(() => this.inner.commit(batch))
  }
  route(workerId: string, count: number, blockMs: number): Promise<number> {
    return this.#call(() => this.inner.route(workerId, count, blockMs))
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}

/** A worker's view of the broker that can be paused (a SIGSTOPped process): calls wait until `resume()`. */
class GatedBroker implements PartitionBroker {
  paused = false
  commitsPaused = false
  readonly results: CommitResult[] = []
  #waiting: (() => void)[] = []

  constructor(readonly inner: MemoryBroker) {}

  get partitions(): number {
    return this.inner.partitions
  }

  get waiting(): number {
    return this.#waiting.length
  }

  resume(): void {
    const waiting = this.#waiting
    this.#waiting = []
    for (const go of waiting) go()
  }

  async #gate(commit = false): Promise<void> {
    if (this.paused || (commit && this.commitsPaused)) await new Promise<void>(go => this.#waiting.push(go))
  }

  async balance(workerId: string, held: readonly PartitionLease[]): Promise<Assignment> {
    await this.#gate()
    return this.inner.balance(workerId, held)
  }
  async release(workerId: string, lease: PartitionLease): Promise<void> {
    await this.#gate()
    return this.inner.release(workerId, lease)
  }
  async load(partition: number): Promise<PartitionCheckpoint> {
    await this.#gate()
    return this.inner.load(partition)
  }
  async read(partition: number, afterId: string, count: number, blockMs: number): Promise<PartitionEntry[]> {
    await this.#gate()
    return this.inner.read(partition, afterId, count, blockMs)
  }
  async commit(batch: CommitBatch): Promise<CommitResult> {
    await this.#gate(true)
    const result = await this.inner.commit(batch)
    this.results.push(result)
    return result
  }
  async route(workerId: string, count: number, blockMs: number): Promise<number> {
    await this.#gate()
    return this.inner.route(workerId, count, blockMs)
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}
