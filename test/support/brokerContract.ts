/**
 * The contract every `PartitionBroker` keeps (partitioned/broker.ts), as vitest cases any broker can
 * be run through: `brokerContract('RedisBroker', makeHarness)`. The oracle is the contract itself:
 * routing by `partitionOf` under the same ids, commits all-or-nothing with 'fenced' / 'stale' /
 * retried 'committed', leases with expiry and fencing tokens, fair shares.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type {
  Assignment,
  BrokerConfig,
  CommitBatch,
  CommittedOutput,
  DeadLetter,
  PartitionBroker,
  PartitionLease,
} from '../../partitioned/broker'
import { partitionOf } from '../../partitioned/partitionOf'

/** One pipeline's store (a server, a cluster, a MemoryBroker) seen through what the contract needs. */
export interface BrokerHarness {
  /** The config every broker of this harness was made with (`partitions`, `leaseMs`, `key` as asked). */
  readonly config: BrokerConfig
  /** A broker for one more worker, with connections of its own. */
  open(): Promise<PartitionBroker>
  /** Appends an input entry whose `value` is `raw` (any text, JSON or not); resolves with its id. */
  append(raw: string): Promise<string>
  /** Appends an input entry without a `value` field, where the broker can hold one; otherwise undefined. */
  appendWithoutValue?(): Promise<string>
  /** The committed outputs of partition `p`, oldest first. */
  outputs(p: number): Promise<CommittedOutput[]>
  /** Every dead letter: the router's and every partition's. */
  deadLetters(): Promise<DeadLetter[]>
  /** Lets `ms` pass for leases and registrations (a sleep on a server, a clock step in memory). */
  elapse(ms: number): Promise<void>
  /** The router's crash after routing but before storing how far it got (its cursor goes back to the start). */
  rewindRouter?(): Promise<void>
  /** Closes the brokers it opened and removes what it made. */
  close(): Promise<void>
}

/** Makes a harness for a new pipeline (its own name) with these settings. */
export type MakeBrokerHarness = (settings: {
  partitions: number
  leaseMs: number
  key: (value: unknown) => string | number
}) => Promise<BrokerHarness>

/** The contract's key: `value.k`, and an error when there is none. */
function keyOf(value: unknown): string | number {
  if (value !== null && typeof value === 'object' && 'k' in value) return (value as { k: string | number }).k
  throw new Error('no k')
}

/** Six partitions: 1, 2 and 3 workers each get exactly partitions / workers. */
const PARTITIONS = 6
const ALL = Array.from({ length: PARTITIONS }, (_, p) => p)

/** Numbers in ascending order (a copy). */
function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b)
}

/** Routes until the router reports nothing left; resolves with how many it moved in all. */
async function routeAll(broker: PartitionBroker, workerId: string, count = 5): Promise<number> {
  let moved = 0
  for (;;) {
    const n = await broker.route(workerId, count, 0)
    if (n === 0) return moved
    moved += n
  }
}

/** Balances each worker in turn, releasing surplus, until an assignment is stable; resolves with the leases. */
async function settle(workers: readonly { id: string; broker: PartitionBroker }[]): Promise<PartitionLease[][]> {
  const held: PartitionLease[][] = workers.map(() => [])
  for (let round = 0; round < 2 * PARTITIONS + 4; round++) {
    let changed = false
    for (const [i, { id, broker }] of workers.entries()) {
      const a = await broker.balance(id, held[i])
      changed ||= a.acquired.length > 0 || a.lost.length > 0 || a.surplus.length > 0
      held[i] = a.leases.filter(lease => !a.surplus.includes(lease.partition))
      for (const lease of a.leases) if (a.surplus.includes(lease.partition)) await broker.release(id, lease)
    }
    if (!changed && round > 0) return held
  }
  throw new Error('settle: the assignment did not settle')
}

/** Runs the contract's cases against brokers from `make`. */
export function brokerContract(label: string, make: MakeBrokerHarness, leaseMs = 1_000): void {
  describe(`${label} keeps the PartitionBroker contract`, () => {
    let h: BrokerHarness
    beforeEach(async () => {
      h = await make({ partitions: PARTITIONS, leaseMs, key: keyOf })
    })
    afterEach(async () => {
      await h.close()
    })

    /** Appends `values` (JSON); `workerId` balances (taking the router) and routes them all. */
    async function appendAndRoute(
      broker: PartitionBroker,
      workerId: string,
      values: readonly unknown[],
    ): Promise<{ ids: string[]; assignment: Assignment }> {
      const ids: string[] = []
      for (const value of values) ids.push(await h.append(JSON.stringify(value)))
      const assignment = await broker.balance(workerId, [])
      expect(assignment.router).toBe(true)
      expect(await routeAll(broker, workerId)).toBe(values.length)
      return { ids, assignment }
    }

    it('routes each entry to partitionOf(key) under its own id, in order, once', async () => {
      const broker = await h.open()
      const values = Array.from({ length: 23 }, (_, i) => ({ k: `key-${i % 7}`, i }))
      const { ids } = await appendAndRoute(broker, 'router', values)
      for (let p = 0; p < PARTITIONS; p++) {
        const expected = values
          .map((value, i) => ({ id: ids[i], key: value.k, value: JSON.stringify(value) }))
          .filter(entry => partitionOf(entry.key, PARTITIONS) === p)
        expect(await broker.read(p, '0-0', 100, 0)).toEqual(expected)
        if (expected.length > 2) {
          expect(await broker.read(p, expected[0].id, 1, 0)).toEqual([expected[1]])
          expect(await broker.read(p, expected[expected.length - 1].id, 10, 0)).toEqual([])
        }
      }
      // a router that crashed before storing its cursor routes again: the partition streams refuse the copies
      if (h.rewindRouter !== undefined) {
        await h.rewindRouter()
        expect(await routeAll(broker, 'router')).toBe(values.length)
        const all = (await Promise.all(ALL.map(p => broker.read(p, '0-0', 100, 0)))).flat()
        expect(all.map(e => e.id).sort()).toEqual([...ids].sort())
      }
      // only the router's holder routes
      await h.append(JSON.stringify({ k: 'late' }))
      expect(await broker.route('not-the-router', 10, 0)).toBe(0)
      expect(await broker.route('router', 10, 0)).toBe(1)
    })

    it('dead-letters the entries it cannot route, with the reason, once, and goes on', async () => {
      const broker = await h.open()
      await broker.balance('router', [])
      const good = await h.append(JSON.stringify({ k: 'a' }))
      const notJson = await h.append('{oops')
      const noKey = await h.append(JSON.stringify({ x: 1 }))
      const badKey = await h.append(JSON.stringify({ k: null }))
      const noValue = h.appendWithoutValue === undefined ? undefined : await h.appendWithoutValue()
      const after = await h.append(JSON.stringify({ k: 'b' }))
      await routeAll(broker, 'router', 2)
      if (h.rewindRouter !== undefined) {
        await h.rewindRouter()
        await routeAll(broker, 'router', 2)
      }
      const dead = await h.deadLetters()
      const reasons = new Map(dead.map(d => [d.id, d.reason]))
      expect(dead.length).toBe(noValue === undefined ? 3 : 4)
      expect(reasons.get(notJson)).toMatch(/^not JSON: /)
      expect(reasons.get(noKey)).toBe('key threw: no k')
      expect(reasons.get(badKey)).toMatch(/^key must return a string or a finite number, got null/)
      if (noValue !== undefined) expect(reasons.get(noValue)).toMatch(/value/)
      expect(dead.find(d => d.id === notJson)?.value).toBe('{oops')
      const routed = (await Promise.all(ALL.map(p => broker.read(p, '0-0', 100, 0)))).flat()
      expect(routed.map(e => e.id).sort()).toEqual([good, after].sort())
    })

    it('commits outputs, dead letters and states together; load gives them back; null deletes a state', async () => {
      const broker = await h.open()
      const values = Array.from({ length: 12 }, (_, i) => ({ k: `k${i % 3}`, i }))
      const { assignment: a } = await appendAndRoute(broker, 'w', values)
      expect(sorted(a.acquired)).toEqual(ALL)
      const p = partitionOf('k0', PARTITIONS)
      const lease = a.leases.find(l => l.partition === p) as PartitionLease
      expect(await broker.load(p)).toEqual({ lastId: '0-0', states: new Map() })
      const entries = await broker.read(p, '0-0', 3, 0)
      const batch = (previousId: string, part: typeof entries, states: Map<string, string | null>): CommitBatch => ({
        lease,
        previousId,
        lastId: part[part.length - 1].id,
        inputIds: part.map(e => e.id),
        outputs: part.map(e => ({ key: e.key, value: `{"seen":${e.value}}`, inputId: e.id })),
        deadLetters: [{ id: part[0].id, key: part[0].key, reason: 'pipeline error: test', value: part[0].value }],
        states,
      })
      const first = batch(
        '0-0',
        entries,
        new Map([
          ['k0', '{"n":3}'],
          ['gone', '{"n":0}'],
        ]),
      )
      expect(await broker.commit(first)).toBe('committed')
      expect(await broker.load(p)).toEqual({
        lastId: first.lastId,
        states: new Map([
          ['k0', '{"n":3}'],
          ['gone', '{"n":0}'],
        ]),
      })
      const rest = await broker.read(p, first.lastId, 100, 0)
      expect(rest.length).toBeGreaterThan(0)
      const second = batch(
        first.lastId,
        rest,
        new Map([
          ['k0', '{"n":4}'],
          ['gone', null],
        ]),
      )
      expect(await broker.commit(second)).toBe('committed')
      expect(await broker.load(p)).toEqual({ lastId: second.lastId, states: new Map([['k0', '{"n":4}']]) })
      expect(await h.outputs(p)).toEqual([...first.outputs, ...second.outputs])
      const dead = await h.deadLetters()
      expect(dead).toEqual(expect.arrayContaining([first.deadLetters[0], second.deadLetters[0]]))
      expect(dead.length).toBe(2)
      expect(await broker.read(p, second.lastId, 100, 0)).toEqual([])
    })

    it("answers 'committed' to a retried commit without writing twice, and 'stale' to an old previousId", async () => {
      const broker = await h.open()
      const values = Array.from({ length: 6 }, () => ({ k: 'same' }))
      const { assignment: a } = await appendAndRoute(broker, 'w', values)
      const p = partitionOf('same', PARTITIONS)
      const lease = a.leases.find(l => l.partition === p) as PartitionLease
      const entries = await broker.read(p, '0-0', 100, 0)
      const make = (previousId: string, from: number, to: number): CommitBatch => ({
        lease,
        previousId,
        lastId: entries[to - 1].id,
        inputIds: entries.slice(from, to).map(e => e.id),
        outputs: entries.slice(from, to).map(e => ({ key: e.key, value: e.value, inputId: e.id })),
        deadLetters: [],
        states: new Map([['same', String(to)]]),
      })
      const one = make('0-0', 0, 3)
      expect(await broker.commit(one)).toBe('committed')
      expect(await broker.commit(one)).toBe('committed') // the reply was lost; the runner retries
      const two = make(one.lastId, 3, 6)
      expect(await broker.commit(two)).toBe('committed')
      expect(await broker.commit(one)).toBe('stale') // already past it
      expect(await broker.commit(make('0-0', 0, 5))).toBe('stale')
      expect(await h.outputs(p)).toEqual([...one.outputs, ...two.outputs])
      expect((await broker.load(p)).states).toEqual(new Map([['same', '6']]))
    })

    it('fences out a worker whose lease expired and was taken: it can never commit again', async () => {
      const w1 = await h.open()
      const w2 = await h.open()
      const { assignment: a1 } = await appendAndRoute(w1, 'w1', [{ k: 'x' }, { k: 'x' }])
      const p = partitionOf('x', PARTITIONS)
      const old = a1.leases.find(l => l.partition === p) as PartitionLease
      await h.elapse(leaseMs + 200)
      const a2 = await w2.balance('w2', [])
      expect(sorted(a2.acquired)).toEqual(ALL) // w1 is no longer alive: w2's share is everything
      const fresh = a2.leases.find(l => l.partition === p) as PartitionLease
      expect(fresh.token).toBeGreaterThan(old.token)
      const entries = await w1.read(p, '0-0', 10, 0)
      const batch = (lease: PartitionLease): CommitBatch => ({
        lease,
        previousId: '0-0',
        lastId: entries[entries.length - 1].id,
        inputIds: entries.map(e => e.id),
        outputs: [{ key: 'x', value: JSON.stringify(lease.token), inputId: entries[0].id }],
        deadLetters: [],
        states: new Map([['x', JSON.stringify(lease.token)]]),
      })
      expect(await w1.commit(batch(old))).toBe('fenced')
      expect(await h.outputs(p)).toEqual([])
      expect(await w1.load(p)).toEqual({ lastId: '0-0', states: new Map() })
      const again = await w1.balance('w1', a1.leases)
      expect(sorted(again.lost)).toEqual(ALL)
      expect(again.leases).toEqual([])
      expect(await w2.commit(batch(fresh))).toBe('committed')
      expect(await w1.commit(batch(old))).toBe('fenced')
      expect(await h.outputs(p)).toEqual(batch(fresh).outputs)
    })

    it('keeps leases renewed within leaseMs, and lets another worker take them after leaseMs without renewal', async () => {
      const w1 = await h.open()
      const w2 = await h.open()
      let held = (await w1.balance('w1', [])).leases
      expect(held.length).toBe(PARTITIONS)
      for (let i = 0; i < 3; i++) {
        await h.elapse(leaseMs / 2)
        held = (await w1.balance('w1', held)).leases
        expect(held.length).toBe(PARTITIONS)
        // w2 counts, so w1 holds more than its share: surplus, but the partitions are not free
        const a2 = await w2.balance('w2', [])
        expect(a2.acquired).toEqual([])
      }
      const surplus = (await w1.balance('w1', held)).surplus
      expect(surplus.length).toBe(PARTITIONS / 2)
      await h.elapse(leaseMs + 200)
      const a2 = await w2.balance('w2', [])
      expect(sorted(a2.acquired)).toEqual(ALL)
      const a1 = await w1.balance('w1', held)
      expect(sorted(a1.lost)).toEqual(ALL)
      expect(a1.acquired).toEqual([])
    })

    it('hands a released partition to another worker at once, with a newer token', async () => {
      const w1 = await h.open()
      const w2 = await h.open()
      const a1 = await w1.balance('w1', [])
      const a2 = await w2.balance('w2', [])
      expect(a2.acquired).toEqual([])
      const given = a1.leases[0]
      await w1.release('w1', given)
      const b2 = await w2.balance('w2', [])
      expect(b2.acquired).toEqual([given.partition])
      expect(b2.leases[0].token).toBeGreaterThan(given.token)
      // releasing a lease one no longer holds changes nothing
      await w1.release('w1', given)
      const c2 = await w2.balance('w2', b2.leases)
      expect(c2.leases).toEqual(b2.leases)
      expect(c2.lost).toEqual([])
    })

    for (const n of [1, 2, 3]) {
      it(`gives ${n} worker(s) fair shares of ceil(partitions / ${n}) covering every partition once`, async () => {
        const workers = await Promise.all(
          Array.from({ length: n }, async (_, i) => ({ id: `worker-${i}`, broker: await h.open() })),
        )
        // every worker registers first, so each sees the others alive
        for (const { id, broker } of workers) {
          const a = await broker.balance(id, [])
          for (const lease of a.leases) await broker.release(id, lease)
        }
        const held = await settle(workers)
        const share = Math.ceil(PARTITIONS / n)
        for (const leases of held) expect(leases.length).toBeLessThanOrEqual(share)
        expect(sorted(held.flat().map(l => l.partition))).toEqual(ALL)
        for (const leases of held) expect(leases.length).toBe(PARTITIONS / n)
      })
    }

    it('gives the router lease to one worker at a time, and to another once it expired', async () => {
      const w1 = await h.open()
      const w2 = await h.open()
      expect((await w1.balance('w1', [])).router).toBe(true)
      expect((await w2.balance('w2', [])).router).toBe(false)
      expect((await w1.balance('w1', [])).router).toBe(true)
      await h.elapse(leaseMs + 200)
      expect((await w2.balance('w2', [])).router).toBe(true)
      expect((await w1.balance('w1', [])).router).toBe(false)
      await h.append(JSON.stringify({ k: 'r' }))
      expect(await w1.route('w1', 10, 0)).toBe(0)
      expect(await w2.route('w2', 10, 0)).toBe(1)
    })

    it('read waits up to blockMs for the first entry, and resolves empty when none comes', async () => {
      const broker = await h.open()
      await broker.balance('router', [])
      const p = partitionOf('wait', PARTITIONS)
      expect(await broker.read(p, '0-0', 10, 100)).toEqual([])
      const waiting = broker.read(p, '0-0', 10, 5_000)
      await new Promise(resolve => setTimeout(resolve, 50))
      const id = await h.append(JSON.stringify({ k: 'wait' }))
      expect(await routeAll(broker, 'router')).toBe(1)
      expect(await waiting).toEqual([{ id, key: 'wait', value: '{"k":"wait"}' }])
    })
  })
}
