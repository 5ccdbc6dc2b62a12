import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { partitionOf } from '../../partitioned/partitionOf'
import { createRedisBroker, redisPartitionKeys } from '../../redis/broker'
import { openRedis, type RedisLink } from '../../redis/connection'
import { brokerContract } from '../support/brokerContract'
import { entriesOf, pipelineName, redisHarness } from '../support/redisBrokerHarness'
import { type RedisCluster, startRedisCluster } from '../support/redisServer'

const run = promisify(execFile)
const PARTITIONS = 6

let cluster: RedisCluster
beforeAll(async () => {
  cluster = await startRedisCluster(3)
}, 30_000)
afterAll(async () => {
  await cluster?.stop()
})

/** The port of the master serving each slot, from CLUSTER NODES as redis-cli prints it. */
async function slotOwners(): Promise<Map<number, number>> {
  const { stdout } = await run('redis-cli', ['-p', String(cluster.nodes[0].port), 'cluster', 'nodes'])
  const owners = new Map<number, number>()
  for (const line of stdout.trim().split('\n')) {
    const [, address, flags, , , , , , ...slots] = line.split(' ')
    if (!flags.includes('master')) continue
    const port = Number(address.split(':')[1].split('@')[0])
    for (const range of slots) {
      const [from, to = from] = range.split('-').map(Number)
      for (let slot = from; slot <= to; slot++) owners.set(slot, port)
    }
  }
  return owners
}

/** The master each partition's hash tag `{<name>:<p>}` lives on, by CLUSTER KEYSLOT. */
async function partitionMasters(link: RedisLink, name: string): Promise<number[]> {
  const owners = await slotOwners()
  const masters: number[] = []
  for (let p = 0; p < PARTITIONS; p++) {
    const slot = await link.send<number>(undefined, ['CLUSTER', 'KEYSLOT', `{${name}:${p}}`])
    masters.push(owners.get(Number(slot)) as number)
  }
  return masters
}

/** A pipeline name whose partitions lie on all three masters (most names do; the check is what matters). */
async function spreadName(link: RedisLink): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const name = pipelineName('cluster')
    if (new Set(await partitionMasters(link, name)).size === 3) return name
  }
  throw new Error('no pipeline name spreads over the three masters')
}

brokerContract('createRedisBroker on a Redis Cluster of three masters', settings =>
  redisHarness({ rootNodes: cluster.urls }, spreadName)(settings),
)

describe('createRedisBroker on a Redis Cluster of three masters', () => {
  it("routes and commits on every partition, each partition's keys on the master that owns its tag's slot", async () => {
    const control = await openRedis('test', { rootNodes: cluster.urls })
    const name = await spreadName(control)
    const config = {
      name,
      input: `in-${name}`,
      output: `out-${name}`,
      partitions: PARTITIONS,
      key: (v: unknown) => (v as { k: string }).k,
      leaseMs: 5_000,
    }
    const broker = await createRedisBroker(await openRedis('test', { rootNodes: cluster.urls }), config)
    try {
      const values = Array.from({ length: 60 }, (_, i) => ({ k: `key-${i % 20}`, i }))
      for (const value of values)
        await control.send(config.input, ['XADD', config.input, '*', 'value', JSON.stringify(value)])
      const a = await broker.balance('w', [])
      expect(a.leases.length).toBe(PARTITIONS)
      let moved = 0
      for (let n = await broker.route('w', 25, 0); n > 0; n = await broker.route('w', 25, 0)) moved += n
      expect(moved).toBe(values.length)
      for (const lease of a.leases) {
        const entries = await broker.read(lease.partition, '0-0', 100, 0)
        expect(entries.map(e => e.key)).toEqual(
          values.filter(v => partitionOf(v.k, PARTITIONS) === lease.partition).map(v => v.k),
        )
        const batch = {
          lease,
          previousId: '0-0',
          lastId: entries[entries.length - 1].id,
          inputIds: entries.map(e => e.id),
          outputs: entries.map(e => ({ key: e.key, value: e.value, inputId: e.id })),
          deadLetters: [],
          states: new Map(entries.map(e => [e.key, e.value])),
        }
        expect(await broker.commit(batch)).toBe('committed')
        expect((await entriesOf(control, redisPartitionKeys(config, lease.partition).output)).length).toBe(
          entries.length,
        )
      }
      // every partition's keys sit on the master CLUSTER NODES names for its slot, and all three masters hold some
      const masters = await partitionMasters(control, name)
      expect(new Set(masters).size).toBe(3)
      for (const node of cluster.nodes) {
        const { stdout } = await run('redis-cli', ['-p', String(node.port), '--scan', '--pattern', `*{${name}:*`])
        const here = stdout.trim().split('\n').filter(Boolean)
        for (let p = 0; p < PARTITIONS; p++) {
          const keys = Object.values(redisPartitionKeys(config, p)).filter(
            k => k !== redisPartitionKeys(config, p).deadLetters,
          )
          for (const key of keys) expect(here.includes(key)).toBe(masters[p] === node.port)
        }
      }
    } finally {
      await broker.close()
      await control.close()
    }
  })
})
