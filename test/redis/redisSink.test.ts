import { createClient, createCluster } from 'redis'
import { concatMap, from, lastValueFrom, Subject, take, toArray } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { partitionOf } from '../../partitioned/partitionOf'
import { readStreamReply } from '../../redis/connection'
import { partitionStream, RedisSinkError, redisSink } from '../../redis/redisSink'
import { redisSource } from '../../redis/redisSource'
import { freePort, type RedisCluster, type RedisServer, startRedis, startRedisCluster } from '../support/redisServer'

type Client = ReturnType<typeof createClient>

/** Every entry of `stream` as [id, parsed value]. */
async function entries(client: Client, stream: string): Promise<[string, unknown][]> {
  const reply = (await client.sendCommand(['XRANGE', stream, '-', '+'])) as [string, string[]][]
  return readStreamReply([[stream, reply]])[0][1].map(([id, fields]) => [id, JSON.parse(fields[1])])
}

/** Compares two stream ids numerically. */
function idLess(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(BigInt)
  const [bm, bs] = b.split('-').map(BigInt)
  return am < bm || (am === bm && as < bs)
}

describe('redisSink against a real redis-server', () => {
  let server: RedisServer
  let client: Client
  beforeAll(async () => {
    server = await startRedis()
    client = createClient({ url: server.url })
    client.on('error', () => {})
    await client.connect()
  })
  afterAll(async () => {
    await client.close()
    await server.stop()
  })

  it('appends every value in order, emits increasing ids that XRANGE returns with the values, then completes', async () => {
    const values = Array.from({ length: 500 }, (_, i) => ({ i, text: `v${i}`, nested: [i, i / 3, null] }))
    const ids = await lastValueFrom(from(values).pipe(redisSink({ redis: server.url, stream: 'plain' }), toArray()))
    expect(ids).toHaveLength(values.length)
    for (let i = 1; i < ids.length; i++) expect(idLess(ids[i - 1], ids[i])).toBe(true)
    const stored = await entries(client, 'plain')
    expect(stored.map(([id]) => id)).toEqual(ids)
    expect(stored.map(([, value]) => value)).toEqual(values)
  })

  it('keeps values that arrive before the connection is open, and completes only after the last reply', async () => {
    const input = new Subject<number>()
    const seen: string[] = []
    const done = new Promise<void>((resolve, reject) => {
      input
        .pipe(redisSink({ redis: server.url, stream: 'early' }))
        .subscribe({ next: id => seen.push(id), complete: resolve, error: reject })
    })
    for (let i = 0; i < 50; i++) input.next(i) // the link is still connecting
    input.complete()
    await done
    expect(seen).toHaveLength(50)
    expect((await entries(client, 'early')).map(([, v]) => v)).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  it('closes its connection once complete: no socket left behind', async () => {
    const sockets = () => process.getActiveResourcesInfo().filter(r => r === 'TCPSocketWrap').length
    await new Promise(resolve => setTimeout(resolve, 50))
    const before = sockets()
    await lastValueFrom(from([1, 2, 3]).pipe(redisSink({ redis: server.url, stream: 'closing' }), toArray()))
    const deadline = Date.now() + 1000
    while (sockets() > before && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10))
    expect(sockets()).toBe(before)
  })

  it('trims the stream to about maxLen entries and keeps the latest', async () => {
    const values = Array.from({ length: 1000 }, (_, i) => i)
    await lastValueFrom(from(values).pipe(redisSink({ redis: server.url, stream: 'trimmed', maxLen: 100 }), toArray()))
    const stored = (await entries(client, 'trimmed')).map(([, v]) => v)
    // MAXLEN ~ removes whole macro nodes (100 entries each by default): between maxLen and maxLen + 100 remain
    expect(stored.length).toBeGreaterThanOrEqual(100)
    expect(stored.length).toBeLessThanOrEqual(200)
    expect(stored).toEqual(values.slice(values.length - stored.length))
  })

  it('errors with RedisSinkError("value") at a value without JSON text, after writing the ones before it', async () => {
    const error = await lastValueFrom(
      from([1, 2, undefined, 4] as unknown[]).pipe(redisSink({ redis: server.url, stream: 'bad-value' }), toArray()),
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RedisSinkError)
    expect(error).toMatchObject({ code: 'value', index: 2, stream: 'bad-value' })
    expect((error as Error).message).toMatch(/^redisSink: input 2 cannot be written as JSON/)
    await new Promise(resolve => setTimeout(resolve, 50))
    expect((await entries(client, 'bad-value')).map(([, v]) => v)).toEqual([1, 2])
  })

  it('errors with RedisSinkError("overflow") when a value comes with maxInFlight XADDs unanswered, after sending those', async () => {
    // a synchronous burst: every value arrives before the connection is open, so none is answered yet
    const burst = Array.from({ length: 50 }, (_, i) => i)
    const error = await lastValueFrom(
      from(burst).pipe(redisSink({ redis: server.url, stream: 'overflow', maxInFlight: 10 }), toArray()),
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RedisSinkError)
    expect(error).toMatchObject({ code: 'overflow', index: 10, stream: 'overflow' })
    expect((error as Error).message).toMatch(/^redisSink: input 10 came with too many XADDs in flight .*maxInFlight/)
    await new Promise(resolve => setTimeout(resolve, 50))
    expect((await entries(client, 'overflow')).map(([, v]) => v)).toEqual(burst.slice(0, 10))
    // paced by the ids (one XADD at a time), the same source never overflows a bound of 1
    const ids = await lastValueFrom(
      from(burst).pipe(
        concatMap(v => from([v]).pipe(redisSink({ redis: client, stream: 'paced', maxInFlight: 1 }))),
        toArray(),
      ),
    )
    expect(ids).toHaveLength(burst.length)
    expect(() => redisSink({ redis: server.url, stream: 's', maxInFlight: 0 })).toThrow(/redisSink: maxInFlight/)
  })

  it('errors with RedisSinkError("key") when key throws, and ("command") when Redis refuses the XADD', async () => {
    const keyError = await lastValueFrom(
      from([{ k: 'a' }, { k: 'b' }]).pipe(
        redisSink({
          redis: server.url,
          stream: 'keyed',
          partitions: 4,
          key: v => {
            if (v.k === 'b') throw new Error('no key for b')
            return v.k
          },
        }),
      ),
    ).catch((e: unknown) => e)
    expect(keyError).toMatchObject({ name: 'RedisSinkError', code: 'key', index: 1 })
    expect((keyError as Error).message).toMatch(/no key for b/)

    await client.set('a-string', 'x')
    const wrongType = await lastValueFrom(from([1]).pipe(redisSink({ redis: server.url, stream: 'a-string' }))).catch(
      (e: unknown) => e,
    )
    expect(wrongType).toMatchObject({ name: 'RedisSinkError', code: 'command', index: 0, stream: 'a-string' })
    expect((wrongType as Error).message).toMatch(/WRONGTYPE/)
  })

  it('errors with RedisSinkError("connect") when no server answers', async () => {
    const port = await freePort()
    const error = await lastValueFrom(
      from([1]).pipe(
        redisSink({
          redis: { url: `redis://127.0.0.1:${port}`, clientOptions: { socket: { reconnectStrategy: false } } },
          stream: 's',
        }),
      ),
    ).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'RedisSinkError', code: 'connect', stream: 's' })
    expect((error as Error).message).toMatch(/ECONNREFUSED/)
  })

  it.each([
    [{ stream: 's' }, TypeError, /redisSink: redis must be/],
    [{ redis: 'redis://x:1' }, TypeError, /redisSink: stream must be a string/],
    [{ redis: 'redis://x:1', stream: '' }, RangeError, /redisSink: stream must not be empty/],
    [{ redis: 'redis://x:1', stream: 's', maxLen: 0 }, RangeError, /redisSink: maxLen must be an integer >= 1, got 0/],
    [{ redis: 'redis://x:1', stream: 's', partitions: 4 }, TypeError, /partitions and key go together/],
    [{ redis: 'redis://x:1', stream: 's', key: String }, TypeError, /partitions and key go together/],
    [{ redis: 'redis://x:1', stream: 's', partitions: 1.5, key: String }, RangeError, /partitions must be an integer/],
    [{ redis: 'redis://x:1', stream: 's', maxlen: 3 }, TypeError, /redisSink: unknown option "maxlen"/],
  ])('refuses options %j at call time', (options, type, message) => {
    expect(() => redisSink(options as never)).toThrow(type)
    expect(() => redisSink(options as never)).toThrow(message)
  })
})

describe('redisSink with partitions on a real Redis Cluster of three masters', () => {
  let cluster: RedisCluster
  beforeAll(async () => {
    cluster = await startRedisCluster(3)
  }, 30_000)
  afterAll(async () => {
    await cluster.stop()
  })

  it('puts each value in the partition stream partitionOf names, in input order per partition, spread over the masters', async () => {
    const partitions = 8
    const values = Array.from({ length: 400 }, (_, i) => ({ user: `user-${i % 37}`, i }))
    const ids = await lastValueFrom(
      from(values).pipe(
        redisSink({ redis: { rootNodes: cluster.urls }, stream: 'events', partitions, key: v => v.user }),
        toArray(),
      ),
    )
    expect(ids).toHaveLength(values.length)
    const reader = createCluster({ rootNodes: cluster.urls.map(url => ({ url })) })
    reader.on('error', () => {})
    await reader.connect()
    try {
      const owners = new Set<string>()
      for (let p = 0; p < partitions; p++) {
        const stream = `events:${p}`
        const reply = (await reader.sendCommand(stream, true, ['XRANGE', stream, '-', '+'])) as [string, string[]][]
        const stored = readStreamReply([[stream, reply]])[0][1]
        // the oracle: partitionOf over the key, and the input order within the partition
        const expected = values.filter(v => partitionOf(v.user, partitions) === p)
        expect(stored.map(([, fields]) => JSON.parse(fields[1]))).toEqual(expected)
        expect(stored.map(([id]) => id)).toEqual(ids.filter((_, i) => partitionOf(values[i].user, partitions) === p))
        const slot = Number(await reader.sendCommand(stream, true, ['CLUSTER', 'KEYSLOT', stream]))
        owners.add(String(reader.getSlotMaster(slot).port))
      }
      expect(owners.size).toBeGreaterThan(1)
      expect(partitionStream('events', 'user-3', partitions)).toBe(`events:${partitionOf('user-3', partitions)}`)
    } finally {
      await reader.close()
    }
  })

  it('partition streams written on the cluster are read back in order by redisSource, acknowledged', async () => {
    const partitions = 3
    const redis = { rootNodes: cluster.urls }
    const values = Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 11}`, i }))
    await lastValueFrom(
      from(values).pipe(redisSink({ redis, stream: 'orders', partitions, key: v => v.key }), toArray()),
    )
    for (let p = 0; p < partitions; p++) {
      const expected = values.filter(v => partitionOf(v.key, partitions) === p)
      const read = await lastValueFrom(
        redisSource<(typeof values)[number]>({
          redis,
          stream: `orders:${p}`,
          group: 'g',
          consumer: 'c',
          start: '0',
          claimIdleMs: 50,
        }).pipe(
          concatMap(async entry => {
            await entry.ack()
            return entry.value
          }),
          take(expected.length),
          toArray(),
        ),
      )
      expect(read).toEqual(expected)
    }
  })
})
