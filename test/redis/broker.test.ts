import { fc } from '@fast-check/vitest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrokerConfig } from '../../partitioned/broker'
import { partitionOf } from '../../partitioned/partitionOf'
import { createRedisBroker, redisPartitionKeys, redisPipelineKeys } from '../../redis/broker'
import { openRedis } from '../../redis/connection'
import { brokerContract } from '../support/brokerContract'
import { entriesOf, pipelineName, redisHarness } from '../support/redisBrokerHarness'
import { type RedisServer, startRedis } from '../support/redisServer'

let server: RedisServer
beforeAll(async () => {
  server = await startRedis()
})
afterAll(async () => {
  await server?.stop()
})

brokerContract('createRedisBroker on one redis-server', settings => redisHarness(server.url)(settings))

function config(overrides: Partial<BrokerConfig> = {}): BrokerConfig {
  const name = pipelineName('redis')
  return {
    name,
    input: `in-${name}`,
    output: `out-${name}`,
    partitions: 2,
    key: v => String((v as { k: string }).k),
    leaseMs: 5_000,
    ...overrides,
  }
}

describe('createRedisBroker on one redis-server', () => {
  it('refuses a bad config with typed errors naming createRedisBroker and the value', async () => {
    const link = await openRedis('test', server.url)
    try {
      const bad: [Partial<BrokerConfig>, ErrorConstructor, RegExp][] = [
        [{ name: '' }, TypeError, /createRedisBroker: name must be a non-empty string, got ""/],
        [{ name: 'a{b}' }, RangeError, /name must not contain '\{' or '\}'.*"a\{b\}"/],
        [{ input: 3 as unknown as string }, TypeError, /input must be a non-empty string, got 3/],
        [{ partitions: 0 }, RangeError, /partitions must be an integer in \[1, 16384\], got 0/],
        [{ partitions: 1.5 }, RangeError, /got 1.5/],
        [{ key: 'k' as unknown as BrokerConfig['key'] }, TypeError, /key must be a function, got "k"/],
        [{ leaseMs: Number.NaN }, RangeError, /leaseMs must be a positive finite number, got NaN/],
      ]
      for (const [overrides, type, message] of bad) {
        const attempt = createRedisBroker(link, config(overrides))
        await expect(attempt).rejects.toThrow(type)
        await expect(attempt).rejects.toThrow(message)
      }
      // the link stays the caller's and still works
      expect(await link.send(undefined, ['PING'])).toBe('PONG')
    } finally {
      await link.close()
    }
  })

  it('refuses another number of partitions for a name already run', async () => {
    const c = config({ partitions: 4 })
    const first = await createRedisBroker(await openRedis('test', server.url), c)
    await first.close()
    const link = await openRedis('test', server.url)
    await expect(createRedisBroker(link, { ...c, partitions: 5 })).rejects.toThrow(
      /createRedisBroker: pipeline ".*" was first run with 4 partitions, not 5/,
    )
    await link.close()
  })

  it('refuses method arguments it cannot use, naming the method and the value', async () => {
    const broker = await createRedisBroker(await openRedis('test', server.url), config())
    try {
      await expect(broker.read(2, '0-0', 1, 0)).rejects.toThrow(/read: partition must be an integer in \[0, 2\), got 2/)
      await expect(broker.read(0, 'x', 1, 0)).rejects.toThrow(/read: afterId must be a stream id '<ms>-<seq>', got "x"/)
      await expect(broker.route('w', 0, 0)).rejects.toThrow(/route: count must be a positive integer, got 0/)
      await expect(broker.balance('', [])).rejects.toThrow(/balance: workerId must be a non-empty string/)
      const lease = { partition: 0, token: 1 }
      const batch = {
        lease,
        previousId: '5-0',
        lastId: '5-0',
        inputIds: [],
        outputs: [],
        deadLetters: [],
        states: new Map(),
      }
      await expect(broker.commit(batch)).rejects.toThrow(/commit: lastId "5-0" must follow previousId "5-0"/)
    } finally {
      await broker.close()
    }
    await expect(broker.load(0)).rejects.toThrow(/load after close/)
  })

  it("refuses 'fenced' once the lease expired, even when nobody took the partition over", async () => {
    const c = config({ leaseMs: 200 })
    const broker = await createRedisBroker(await openRedis('test', server.url), c)
    try {
      const { leases } = await broker.balance('w', [])
      await new Promise(resolve => setTimeout(resolve, 350))
      const batch = {
        lease: leases[0],
        previousId: '0-0',
        lastId: '1-0',
        inputIds: ['1-0'],
        outputs: [],
        deadLetters: [],
        states: new Map(),
      }
      expect(await broker.commit(batch)).toBe('fenced')
      expect((await broker.load(leases[0].partition)).lastId).toBe('0-0')
    } finally {
      await broker.close()
    }
  })

  it('writes nothing when a key of the partition holds the wrong type, and says which', async () => {
    const c = config()
    const link = await openRedis('test', server.url)
    const broker = await createRedisBroker(await openRedis('test', server.url), c)
    try {
      const { leases } = await broker.balance('w', [])
      const keys = redisPartitionKeys(c, leases[0].partition)
      await link.send(keys.deadLetters, ['SET', keys.deadLetters, 'not a stream'])
      const batch = {
        lease: leases[0],
        previousId: '0-0',
        lastId: '1-0',
        inputIds: ['1-0'],
        outputs: [{ key: 'a', value: '1', inputId: '1-0' }],
        deadLetters: [{ id: '1-0', reason: 'r' }],
        states: new Map([['a', '1']]),
      }
      await expect(broker.commit(batch)).rejects.toThrow(/WRONGTYPE commit: key .*dead.* holds a string, not a stream/)
      expect(await broker.load(leases[0].partition)).toEqual({ lastId: '0-0', states: new Map() })
      expect(await entriesOf(link, keys.output)).toEqual([])
      await link.send(keys.deadLetters, ['DEL', keys.deadLetters])
      expect(await broker.commit(batch)).toBe('committed')
    } finally {
      await broker.close()
      await link.close()
    }
  })

  it('trims the partition stream to the last committed entry, and re-sends a script the server forgot', async () => {
    const c = config({ partitions: 1 })
    const link = await openRedis('test', server.url)
    const broker = await createRedisBroker(await openRedis('test', server.url), c)
    try {
      for (let i = 0; i < 5; i++)
        await link.send(c.input, ['XADD', c.input, '*', 'value', JSON.stringify({ k: 'a', i })])
      const { leases } = await broker.balance('w', [])
      expect(await broker.route('w', 100, 0)).toBe(5)
      const entries = await broker.read(0, '0-0', 3, 0)
      await link.send(undefined, ['SCRIPT', 'FLUSH'])
      const batch = {
        lease: leases[0],
        previousId: '0-0',
        lastId: entries[2].id,
        inputIds: entries.map(e => e.id),
        outputs: [],
        deadLetters: [],
        states: new Map(),
      }
      expect(await broker.commit(batch)).toBe('committed')
      const stream = redisPartitionKeys(c, 0).input
      const left = await entriesOf(link, stream)
      expect(left.map(([id]) => id)).toEqual((await broker.read(0, entries[1].id, 10, 0)).map(e => e.id))
      expect(left.length).toBe(3)
    } finally {
      await broker.close()
      await link.close()
    }
  })

  it('close() ends a waiting read (it resolves empty), deregisters its workers and leaves no socket behind', async () => {
    const c = config()
    const sockets = () => process.getActiveResourcesInfo().filter(r => r === 'TCPSocketWrap').length
    await new Promise(resolve => setTimeout(resolve, 50))
    const before = sockets()
    const link = await openRedis('test', server.url)
    const broker = await createRedisBroker(await openRedis('test', server.url), c)
    await broker.balance('w', [])
    const { workers, router } = redisPipelineKeys(c)
    expect(await link.send(workers, ['ZCARD', workers])).toBe(1)
    const waiting = broker.read(0, '0-0', 10, 60_000)
    await new Promise(resolve => setTimeout(resolve, 50))
    const started = Date.now()
    await broker.close()
    expect(await waiting).toEqual([])
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(await link.send(workers, ['ZCARD', workers])).toBe(0)
    expect(await link.send(router, ['EXISTS', router])).toBe(0)
    await link.close()
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(sockets()).toBe(before)
  })

  it('routes exactly once whatever the batch sizes and wherever the router crashes (cursor set back anywhere)', async () => {
    const link = await openRedis('test', server.url)
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), fc.constant('!')), { maxLength: 40 }),
          fc.array(
            fc.record({ count: fc.integer({ min: 1, max: 9 }), rewindTo: fc.option(fc.nat(), { nil: undefined }) }),
            {
              minLength: 1,
              maxLength: 8,
            },
          ),
          async (keys, steps) => {
            const c = config({ partitions: 3, key: v => (v as { k: string }).k })
            const ids: string[] = []
            for (const k of keys)
              ids.push(
                await link.send<string>(c.input, [
                  'XADD',
                  c.input,
                  '*',
                  'value',
                  k === '!' ? '{bad' : JSON.stringify({ k }),
                ]),
              )
            const broker = await createRedisBroker(await openRedis('test', server.url), c)
            try {
              await broker.balance('r', [])
              const { cursor } = redisPipelineKeys(c)
              for (const { count, rewindTo } of steps) {
                await broker.route('r', count, 0)
                // a crash after routing some partitions but before the cursor moved: the cursor is behind
                if (rewindTo !== undefined) {
                  const at = await link.send<string | null>(cursor, ['GET', cursor])
                  const behind = ['0-0', ...ids.slice(0, at === null ? 0 : ids.indexOf(at) + 1)]
                  await link.send(cursor, ['SET', cursor, behind[rewindTo % behind.length]])
                }
              }
              while ((await broker.route('r', 7, 0)) > 0);
              for (let p = 0; p < 3; p++) {
                const oracle = keys
                  .map((k, i) => ({ id: ids[i], k }))
                  .filter(({ k }) => k !== '!' && partitionOf(k, 3) === p)
                  .map(({ id, k }) => ({ id, key: k, value: JSON.stringify({ k }) }))
                expect(await broker.read(p, '0-0', 100, 0)).toEqual(oracle)
              }
              const dead = await entriesOf(link, redisPipelineKeys(c).deadLetters)
              expect(dead.map(([id]) => id)).toEqual(ids.filter((_, i) => keys[i] === '!'))
            } finally {
              await broker.close()
            }
          },
        ),
        { numRuns: 25 },
      )
    } finally {
      await link.close()
    }
  })

  it('route waits up to blockMs for input on a connection of its own, and a non-router waits too before 0', async () => {
    const c = config()
    const link = await openRedis('test', server.url)
    const broker = await createRedisBroker(await openRedis('test', server.url), c)
    try {
      await broker.balance('r', [])
      const waiting = broker.route('r', 10, 5_000)
      await new Promise(resolve => setTimeout(resolve, 50))
      // the broker's own connection still answers while the route waits
      expect(await broker.load(0)).toEqual({ lastId: '0-0', states: new Map() })
      await link.send(c.input, ['XADD', c.input, '*', 'value', JSON.stringify({ k: 'x' })])
      expect(await waiting).toBe(1)
      const started = Date.now()
      expect(await broker.route('not-router', 10, 150)).toBe(0)
      expect(Date.now() - started).toBeGreaterThanOrEqual(140)
      expect(await broker.route('r', 10, 100)).toBe(0)
    } finally {
      await broker.close()
      await link.close()
    }
  })
})
