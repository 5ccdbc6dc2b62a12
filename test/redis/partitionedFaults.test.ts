/**
 * Exactly-once under faults, on real Redis: the workload (dtwMatch, ltlGuard and a checkpointedScan per
 * key) through three worker processes while fast-check chooses when to kill -9 a worker, SIGSTOP one past
 * its lease and SIGCONT it later, and kill -9 and restart Redis (AOF, appendfsync always). The output
 * streams must hold, per key and in order, exactly the outputs of one uninterrupted in-process run.
 *
 * This is the quick mode (a few thousand readings); `npm run bench -- partitionedFaults` runs the long
 * one (100 000 readings, more schedules).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { fc } from '@fast-check/vitest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fault, runFaultScenario } from '../support/partitionedHarness'
import { oracleOutputs, workloadReadings } from '../support/partitionedWorkload'
import { type RedisCluster, type RedisServer, startRedis, startRedisCluster } from '../support/redisServer'

const run = promisify(execFile)
const ENTRIES = 3_000
const KEYS = 60
const PARTITIONS = 8
const LEASE_MS = 1_000
// 3 000 readings over ~9 s: long enough for three faults (a pause lasts 1.5 leases) to strike mid-run
const PACE = { chunk: 100, pauseMs: 300 }

const readings = workloadReadings(ENTRIES, KEYS, 14)
const expected = oracleOutputs(readings)
const expectedTotal = [...expected.values()].reduce((sum, outputs) => sum + outputs.length, 0)

const faultArbitrary: fc.Arbitrary<Fault> = fc.record({
  at: fc.double({ min: 0.05, max: 0.85, noNaN: true }),
  kind: fc.constantFrom<Fault['kind']>('kill', 'pause', 'redis'),
  worker: fc.nat(2),
})

describe('runPartitioned on Redis: exactly once under faults', () => {
  let server: RedisServer
  beforeAll(async () => {
    server = await startRedis({ aof: true })
  })
  afterAll(async () => {
    await server.stop()
  })

  it('kill -9, SIGSTOP past the lease and a Redis restart: per key, the uninterrupted run, nothing lost or doubled', {
    timeout: 240_000,
  }, async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(faultArbitrary, { minLength: 2, maxLength: 3 }), async faults => {
        const outcome = await runFaultScenario({
          redis: server.url,
          restartRedis: () => server.restart(),
          name: `faults${run++}`,
          readings,
          expectedTotal,
          partitions: PARTITIONS,
          workers: 3,
          leaseMs: LEASE_MS,
          batchSize: 100,
          faults,
          timeoutMs: 60_000,
          pace: PACE,
        })
        expect(outcome.finished, outcome.log.join('\n')).toBe(true)
        // the faults struck a run in progress (the first one at least; a late one may find it done)
        expect(outcome.appliedAt.length).toBe(faults.length)
        expect(outcome.appliedAt[0]).toBeLessThan(expectedTotal)
        expect(outcome.total, outcome.log.join('\n')).toBe(expectedTotal)
        expect(outcome.perKey).toEqual(expected)
      }),
      { numRuns: 2, endOnFailure: true },
    )
  })
})

describe('runPartitioned on a Redis Cluster of three masters', () => {
  let cluster: RedisCluster
  beforeAll(async () => {
    cluster = await startRedisCluster(3)
  }, 30_000)
  afterAll(async () => {
    await cluster.stop()
  })

  it('spreads the partitions over all three masters and stays exactly once when a worker is killed', {
    timeout: 120_000,
  }, async () => {
    // each partition's keys share the slot of its hash tag {cluster:<p>}: the 8 slots fall on all three masters
    const owners = new Set<number>()
    for (let p = 0; p < PARTITIONS; p++) {
      const { stdout: slot } = await run('redis-cli', [
        '-p',
        String(cluster.nodes[0].port),
        'CLUSTER',
        'KEYSLOT',
        `{cluster:${p}}`,
      ])
      const { stdout: slots } = await run('redis-cli', [
        '-p',
        String(cluster.nodes[0].port),
        '--json',
        'CLUSTER',
        'SLOTS',
      ])
      const ranges = JSON.parse(slots) as [number, number, [string, number]][]
      const range = ranges.find(([from, to]) => Number(slot) >= from && Number(slot) <= to)
      owners.add(range?.[2][1] ?? -1)
    }
    expect([...owners].sort()).toEqual(cluster.nodes.map(node => node.port).sort())
    const outcome = await runFaultScenario({
      redis: { rootNodes: [...cluster.urls] },
      name: 'cluster',
      readings,
      expectedTotal,
      partitions: PARTITIONS,
      workers: 3,
      leaseMs: LEASE_MS,
      batchSize: 100,
      faults: [
        { at: 0.3, kind: 'kill', worker: 1 },
        { at: 0.6, kind: 'pause', worker: 2 },
      ],
      timeoutMs: 60_000,
      pace: PACE,
    })
    expect(outcome.finished, outcome.log.join('\n')).toBe(true)
    expect(outcome.appliedAt[0]).toBeLessThan(expectedTotal)
    expect(outcome.total).toBe(expectedTotal)
    expect(outcome.perKey).toEqual(expected)
  })
})
