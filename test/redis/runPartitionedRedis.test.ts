/**
 * `runPartitioned` with the `redis` option, in this process: two workers on a real redis-server share
 * the partitions, one stops and the other takes its partitions over; a server that cannot be reached
 * is a stream error, not a silent wait.
 */
import { firstValueFrom, type Subscription } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openRedis, type RedisLink } from '../../redis/connection'
import { runPartitioned } from '../../redis/index'
import { produce, readOutputs, waitForOutputs } from '../support/partitionedHarness'
import { oracleOutputs, readingKey, workloadPipeline, workloadReadings } from '../support/partitionedWorkload'
import { freePort, type RedisServer, startRedis } from '../support/redisServer'

describe('runPartitioned({ redis })', () => {
  let server: RedisServer
  let link: RedisLink
  beforeAll(async () => {
    server = await startRedis()
    link = await openRedis('test', server.url)
  })
  afterAll(async () => {
    await link.close()
    await server.stop()
  })

  it('two workers in one process; one unsubscribes halfway and the other finishes its partitions: exactly once', {
    timeout: 60_000,
  }, async () => {
    const readings = workloadReadings(2_000, 30, 5)
    const expected = oracleOutputs(readings)
    const total = [...expected.values()].reduce((sum, list) => sum + list.length, 0)
    const options = {
      redis: server.url,
      name: 'inproc',
      input: 'inproc:in',
      output: 'inproc:out',
      partitions: 6,
      key: readingKey,
      pipeline: workloadPipeline,
      leaseMs: 600,
      batchSize: 50,
    }
    const emitted = new Map<string, number>()
    const count = (worker: string) => () => emitted.set(worker, (emitted.get(worker) ?? 0) + 1)
    const a: Subscription = runPartitioned({ ...options, workerId: 'a' }).subscribe({ next: count('a') })
    const b: Subscription = runPartitioned({ ...options, workerId: 'b' }).subscribe({ next: count('b') })
    const target = { output: 'inproc:out', name: 'inproc', partitions: 6 }
    // paced, so that the two rebalance to three partitions each while the first half flows
    await produce(link, 'inproc:in', readings.slice(0, 1_000), { chunk: 50, pauseMs: 50 })
    expect(await waitForOutputs(link, target, Math.floor(total / 3), 20_000)).toBe(true)
    const heldByA = emitted.get('a') ?? 0
    a.unsubscribe()
    await produce(link, 'inproc:in', readings, { from: 1_000 })
    expect(await waitForOutputs(link, target, total, 30_000)).toBe(true)
    b.unsubscribe()
    const { perKey, total: committed } = await readOutputs(link, 'inproc:out', 'inproc', 6)
    expect(committed).toBe(total)
    expect(perKey).toEqual(expected)
    // both worked before the handover; nothing was emitted twice (each emits only what it committed)
    expect(heldByA).toBeGreaterThan(0)
    expect(emitted.get('b')).toBeGreaterThan(0)
    expect((emitted.get('a') ?? 0) + (emitted.get('b') ?? 0)).toBeLessThanOrEqual(total)
  })

  it('errors the run when the server cannot be reached, and leaves no socket behind', { timeout: 30_000 }, async () => {
    const port = await freePort()
    const sockets = () => process.getActiveResourcesInfo().filter(r => r === 'TCPSocketWrap').length
    const before = sockets()
    const run = runPartitioned({
      redis: `redis://127.0.0.1:${port}`,
      name: 'nowhere',
      input: 'in',
      output: 'out',
      partitions: 2,
      key: readingKey,
      pipeline: workloadPipeline,
    })
    await expect(firstValueFrom(run)).rejects.toThrow(/ECONNREFUSED/)
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(sockets()).toBeLessThanOrEqual(before)
  })
})
