import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import type { CommitBatch, PartitionLease } from '../../partitioned/broker'
import { compareEntryIds } from '../../partitioned/entryId'
import { MemoryBroker } from '../../partitioned/memoryBroker'
import { partitionOf } from '../../partitioned/partitionOf'

interface Clock {
  now: () => number
  step: (ms: number) => void
}

function clock(start = 1_000_000): Clock {
  let t = start
  return { now: () => t, step: ms => void (t += ms) }
}

function broker(partitions: number, c: Clock = clock(), leaseMs = 1000): MemoryBroker {
  return new MemoryBroker({
    name: 'p',
    input: 'in',
    output: 'out',
    partitions,
    key: v => (v as { k: string }).k,
    leaseMs,
    now: c.now,
  })
}

function batch(
  lease: PartitionLease,
  previousId: string,
  lastId: string,
  extra: Partial<CommitBatch> = {},
): CommitBatch {
  return {
    lease,
    previousId,
    lastId,
    inputIds: [lastId],
    outputs: [{ key: 'a', value: JSON.stringify(lastId), inputId: lastId }],
    deadLetters: [],
    states: new Map([['a', JSON.stringify({ upTo: lastId })]]),
    ...extra,
  }
}

describe('MemoryBroker: ids and routing', () => {
  it('gives strictly increasing <ms>-<seq> ids, even when the clock stands still or goes back', () => {
    const c = clock(500)
    const b = broker(2, c)
    const ids = [b.append({ k: 'a' }), b.append({ k: 'a' })]
    c.step(-100)
    ids.push(b.append({ k: 'a' }))
    c.step(200)
    ids.push(b.append({ k: 'a' }))
    expect(ids).toEqual(['500-0', '500-1', '500-2', '600-0'])
  })

  test.prop([
    fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'ü', '🙂'), { maxLength: 60 }),
    fc.integer({ min: 1, max: 6 }),
  ])(
    'routes every entry to partitionOf(key) under the same id, in order; routing again adds nothing',
    async (keys, partitions) => {
      const b = broker(partitions)
      const ids = keys.map((k, x) => b.append({ k, x }))
      const { router } = await b.balance('w', [])
      expect(router).toBe(true)
      let moved = 0
      for (let round = 0; round < 5; round++) moved += await b.route('w', 7, 0)
      expect(moved).toBe(keys.length)
      for (let p = 0; p < partitions; p++) {
        const expected = keys
          .map((k, x) => ({ id: ids[x], key: k, value: JSON.stringify({ k, x }) }))
          .filter(e => partitionOf(e.key, partitions) === p)
        expect(b.partitionEntries(p)).toEqual(expected)
      }
      expect(await b.route('w', 100, 0)).toBe(0)
      expect(b.pending()).toBe(keys.length)
    },
  )

  it('dead-letters what it cannot route, with the reason, and goes on', async () => {
    const b = new MemoryBroker({
      name: 'p',
      input: 'in',
      output: 'out',
      partitions: 2,
      key: v => {
        const k = (v as { k: unknown }).k
        if (k === 'boom') throw new Error('no key here')
        return k as string
      },
      leaseMs: 1000,
    })
    const good = b.append({ k: 'a' })
    const text = b.appendText('{oops')
    const threw = b.append({ k: 'boom' })
    const object = b.append({ k: { nested: true } })
    const undef = b.append(undefined)
    const last = b.append({ k: 7 })
    await b.balance('w', [])
    expect(await b.route('w', 100, 0)).toBe(6)
    const dead = b.deadLetters()
    expect(dead.map(d => d.id)).toEqual([text, threw, object, undef])
    expect(dead[0].reason).toMatch(/^not JSON: /)
    expect(dead[0].value).toBe('{oops')
    expect(dead[1].reason).toBe('key threw: no key here')
    expect(dead[2].reason).toBe('key must return a string or a finite number, got [object Object]')
    expect(dead[3]).toMatchObject({ value: 'undefined' })
    const routed = [0, 1].flatMap(p => b.partitionEntries(p).map(e => e.id))
    expect(routed.sort(compareEntryIds)).toEqual([good, last])
    expect(b.partitionEntries(partitionOf('7', 2)).some(e => e.key === '7')).toBe(true)
  })

  it('routes only for the router lease holder', async () => {
    const b = broker(2)
    b.append({ k: 'a' })
    await b.balance('w1', [])
    await b.balance('w2', [])
    expect(await b.route('w2', 10, 0)).toBe(0)
    const started = performance.now()
    expect(await b.route('w2', 10, 30)).toBe(0) // a non-holder waits blockMs: no spinning caller
    expect(performance.now() - started).toBeGreaterThanOrEqual(25)
    expect(await b.route('w1', 10, 0)).toBe(1)
  })

  it('a blocked read wakes when entries arrive, and returns [] after blockMs without them', async () => {
    const b = broker(1)
    await b.balance('w', [])
    const started = performance.now()
    expect(await b.read(0, '0-0', 10, 30)).toEqual([])
    expect(performance.now() - started).toBeGreaterThanOrEqual(25)
    const reading = b.read(0, '0-0', 10, 10_000)
    const id = b.append({ k: 'a' })
    await b.route('w', 10, 0)
    const woke = performance.now()
    expect((await reading).map(e => e.id)).toEqual([id])
    expect(performance.now() - woke).toBeLessThan(1000)
    expect(await b.read(0, id, 10, 0)).toEqual([])
  })
})

describe('MemoryBroker: commits', () => {
  it('commits atomically; a retry is "committed" without doubling; a wrong previousId is "stale"', async () => {
    const b = broker(1)
    const { leases } = await b.balance('w', [])
    const [lease] = leases
    expect(await b.commit(batch(lease, '0-0', '5-0'))).toBe('committed')
    expect(await b.commit(batch(lease, '0-0', '5-0'))).toBe('committed') // the reply was lost: retried
    expect(b.outputs(0)).toHaveLength(1)
    expect(await b.commit(batch(lease, '0-0', '6-0'))).toBe('stale') // already past 0-0
    expect(await b.commit(batch(lease, '4-0', '6-0'))).toBe('stale')
    expect(b.outputs(0)).toHaveLength(1)
    const checkpoint = await b.load(0)
    expect(checkpoint.lastId).toBe('5-0')
    expect(checkpoint.states).toEqual(new Map([['a', '{"upTo":"5-0"}']]))
    const deleting = batch(lease, '5-0', '9-0', { states: new Map([['a', null]]), outputs: [] })
    expect(await b.commit(deleting)).toBe('committed')
    expect((await b.load(0)).states.size).toBe(0)
    await expect(b.commit(batch(lease, '9-0', '9-0'))).rejects.toThrow(/lastId "9-0" must follow previousId "9-0"/)
  })

  it('fences a holder once another worker acquired the partition (after expiry), and its balance reports it lost', async () => {
    const c = clock()
    const b = broker(2, c, 1000)
    const a = await b.balance('A', [])
    expect(a.leases.map(l => l.partition)).toEqual([0, 1])
    expect(a.acquired).toEqual([0, 1])
    c.step(999)
    expect((await b.balance('B', [])).acquired).toEqual([]) // A's leases still run; B's share is 1 but nothing is free
    c.step(1) // A's leases (granted at t, lasting 1000 ms) expire now; A itself is no longer live
    const taken = await b.balance('B', [])
    expect(taken.acquired).toEqual([0, 1])
    expect(taken.leases.map(l => l.token)).toEqual([2, 2])
    expect(await b.commit(batch(a.leases[0], '0-0', '1-0'))).toBe('fenced')
    expect(b.outputs()).toEqual([])
    const back = await b.balance('A', a.leases)
    expect(back.lost).toEqual([0, 1])
    expect(back.leases).toEqual([])
    expect(await b.commit(batch(taken.leases[0], '0-0', '1-0'))).toBe('committed')
  })

  it("an expired lease nobody took stays its holder's, under the same token", async () => {
    const c = clock()
    const b = broker(1, c, 100)
    const first = await b.balance('A', [])
    c.step(10_000)
    const again = await b.balance('A', first.leases)
    expect(again).toMatchObject({ leases: first.leases, acquired: [], lost: [] })
    expect(await b.commit(batch(first.leases[0], '0-0', '1-0'))).toBe('committed')
  })

  it('expire(worker) frees its leases at once, and fences what it still commits after another took them', async () => {
    const b = broker(3)
    const a = await b.balance('A', [])
    b.expire('A')
    const taken = await b.balance('B', [])
    expect(taken.acquired).toEqual([0, 1, 2])
    expect(taken.router).toBe(true)
    expect(await b.commit(batch(a.leases[2], '0-0', '1-0'))).toBe('fenced')
    expect((await b.balance('A', a.leases)).lost).toEqual([0, 1, 2])
  })

  it('a restarted worker with the same id gets its partitions under new tokens', async () => {
    const b = broker(2)
    const before = await b.balance('A', [])
    const after = await b.balance('A', [])
    expect(after.acquired).toEqual([0, 1])
    expect(after.leases.map(l => l.token)).toEqual([2, 2])
    expect(await b.commit(batch(before.leases[0], '0-0', '1-0'))).toBe('fenced')
  })

  it('release frees a lease for others at once; a stale release does nothing', async () => {
    const b = broker(1)
    const a = await b.balance('A', [])
    await b.release('B', a.leases[0])
    expect(b.leaseOf(0).owner).toBe('A')
    await b.release('A', a.leases[0])
    expect(b.leaseOf(0).owner).toBeUndefined()
    expect((await b.balance('B', [])).acquired).toEqual([0])
  })

  it('rejects bad options and arguments with typed errors; every call rejects after close', async () => {
    const base = { name: 'p', input: 'in', output: 'out', partitions: 2, key: () => 'k', leaseMs: 100 }
    expect(() => new MemoryBroker({ ...base, partitions: 0 })).toThrow(RangeError)
    expect(() => new MemoryBroker({ ...base, partitions: 0 })).toThrow(/MemoryBroker: partitions must be an integer/)
    expect(() => new MemoryBroker({ ...base, leaseMs: 0 })).toThrow(/leaseMs must be > 0/)
    expect(() => new MemoryBroker({ ...base, key: 'k' as never })).toThrow(
      /MemoryBroker: key must be a function, got "k"/,
    )
    expect(() => new MemoryBroker({ ...base, extra: 1 } as never)).toThrow(/unknown option "extra"/)
    const b = new MemoryBroker(base)
    await expect(b.read(2, '0-0', 1, 0)).rejects.toThrow(
      /MemoryBroker.read: partition must be an integer in \[0, 1\], got 2/,
    )
    await expect(b.read(0, 'nope', 1, 0)).rejects.toThrow(/got "nope"/)
    await b.close()
    await expect(b.load(0)).rejects.toThrow('MemoryBroker: the broker is closed')
    expect(() => b.append(1)).toThrow('MemoryBroker: the broker is closed')
  })
})

describe('MemoryBroker: fair share', () => {
  test.prop([fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 16 }), fc.array(fc.nat(), { maxLength: 40 })])(
    'workers that balance and release their surplus end up with every partition held once, none above ceil(P / W)',
    async (workers, partitions, order) => {
      const b = broker(partitions)
      const held = new Map<string, PartitionLease[]>()
      const ids = Array.from({ length: workers }, (_, i) => `w${i}`)
      const round = async (id: string) => {
        const a = await b.balance(id, held.get(id) ?? [])
        for (const p of a.surplus) await b.release(id, a.leases.find(l => l.partition === p)!)
        held.set(
          id,
          a.leases.filter(l => !a.surplus.includes(l.partition)),
        )
      }
      for (const id of ids) await round(id) // everyone is alive before the shuffled rounds
      for (const i of order) await round(ids[i % workers])
      for (let r = 0; r < 3; r++) for (const id of ids) await round(id)
      const share = Math.ceil(partitions / workers)
      const all = [...held.values()].flat().map(l => l.partition)
      expect(all.sort((x, y) => x - y)).toEqual(Array.from({ length: partitions }, (_, p) => p))
      for (const leases of held.values()) expect(leases.length).toBeLessThanOrEqual(share)
      for (const [id, leases] of held)
        for (const l of leases) expect(b.leaseOf(l.partition)).toMatchObject({ owner: id, token: l.token })
    },
  )
})
