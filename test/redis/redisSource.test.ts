import { fc, test } from '@fast-check/vitest'
import { createClient } from 'redis'
import { concatMap, firstValueFrom, from, lastValueFrom, type Observable, take, toArray } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisSink } from '../../redis/redisSink'
import { type RedisEntry, RedisSourceError, redisSource } from '../../redis/redisSource'
import { freePort, type RedisServer, startRedis } from '../support/redisServer'

type Client = ReturnType<typeof createClient>
/** What the helpers below need of a node-redis client. */
interface Commands {
  sendCommand(args: string[]): Promise<unknown>
}

const sockets = (): number => process.getActiveResourcesInfo().filter(r => r === 'TCPSocketWrap').length
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/** Waits until the number of open sockets is back to `count` (or fails after `ms`). */
async function socketsBackTo(count: number, ms: number): Promise<number> {
  const deadline = Date.now() + ms
  while (sockets() > count && Date.now() < deadline) await sleep(10)
  return sockets()
}

/** Collects what `source$` emits during `ms`, then unsubscribes. */
async function collectFor<T>(source$: Observable<T>, ms: number): Promise<T[]> {
  const seen: T[] = []
  let failure: unknown
  const subscription = source$.subscribe({ next: v => seen.push(v), error: e => (failure = e) })
  await sleep(ms)
  subscription.unsubscribe()
  if (failure !== undefined) throw failure
  return seen
}

async function pendingCount(client: Commands, stream: string, group: string): Promise<number> {
  const reply = (await client.sendCommand(['XPENDING', stream, group])) as [number, ...unknown[]]
  return Number(reply[0])
}

async function add(client: Commands, stream: string, values: readonly unknown[]): Promise<string[]> {
  const ids: string[] = []
  for (const value of values)
    ids.push((await client.sendCommand(['XADD', stream, '*', 'value', JSON.stringify(value)])) as string)
  return ids
}

describe('redisSource against a real redis-server', () => {
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

  it('reads in order and acknowledges; another consumer of the group then gets only what came later', async () => {
    const values = Array.from({ length: 30 }, (_, i) => ({ i, name: `n${i}` }))
    const ids = await add(client, 'orders', values)
    const options = { redis: server.url, stream: 'orders', group: 'g', start: '0', blockMs: 50 }
    const read = await lastValueFrom(
      redisSource({ ...options, consumer: 'c1', batchSize: 7 }).pipe(
        take(values.length),
        concatMap(async entry => {
          await entry.ack()
          return entry
        }),
        toArray(),
      ),
    )
    expect(read.map(e => e.id)).toEqual(ids)
    expect(read.map(e => e.value)).toEqual(values)
    expect(await pendingCount(client, 'orders', 'g')).toBe(0)

    const second = redisSource({ ...options, consumer: 'c2' })
    expect(await collectFor(second, 300)).toEqual([])
    const [later] = await add(client, 'orders', ['later'])
    const next = await firstValueFrom(second)
    expect([next.id, next.value]).toEqual([later, 'later'])
  })

  it("emits the consumer's own pending entries first, then new ones", async () => {
    await client.sendCommand(['XGROUP', 'CREATE', 'jobs', 'g', '$', 'MKSTREAM'])
    const old = await add(client, 'jobs', [1, 2, 3])
    // the same consumer read them in an earlier life and never acknowledged them
    await client.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', 'jobs', '>'])
    const fresh = await add(client, 'jobs', [4, 5])
    const read = await lastValueFrom(
      redisSource({ redis: server.url, stream: 'jobs', group: 'g', consumer: 'c1', batchSize: 2 }).pipe(
        take(5),
        toArray(),
      ),
    )
    expect(read.map(e => e.id)).toEqual([...old, ...fresh])
    expect(read.map(e => e.value)).toEqual([1, 2, 3, 4, 5])
  })

  it('claims the entries a vanished consumer left pending after claimIdleMs, and processes each once', async () => {
    const values = Array.from({ length: 12 }, (_, i) => i)
    const ids = await add(client, 'work', values)
    const options = { redis: server.url, stream: 'work', group: 'g', start: '0', blockMs: 50 }
    // a consumer reads a batch, handles three entries without acknowledging them, and vanishes
    const dead = await lastValueFrom(redisSource({ ...options, consumer: 'dead' }).pipe(take(3), toArray()))
    expect(dead.map(e => e.value)).toEqual([0, 1, 2])
    expect(await pendingCount(client, 'work', 'g')).toBe(values.length)

    const vanishedAt = Date.now()
    const seen: RedisEntry<number>[] = []
    let firstAt = 0
    const subscription = redisSource<number>({ ...options, consumer: 'alive', claimIdleMs: 200 }).subscribe(e => {
      firstAt ||= Date.now()
      seen.push(e)
    })
    // no acknowledgement for 700 ms, longer than claimIdleMs: the live consumer must not claim its own entries again
    await sleep(700)
    expect(seen.map(e => e.id)).toEqual(ids)
    // claimed only once idle for claimIdleMs (Redis read them a round trip before vanishedAt)
    expect(firstAt - vanishedAt).toBeGreaterThanOrEqual(150)
    await Promise.all(seen.map(e => e.ack()))
    await add(client, 'work', [99])
    await sleep(300)
    subscription.unsubscribe()
    expect(seen.map(e => e.value)).toEqual([...values, 99])
    await Promise.all(seen.map(e => e.ack()))
    expect(await pendingCount(client, 'work', 'g')).toBe(0)
  })

  it('stops at once after a synchronous take(n) and leaves no socket behind', async () => {
    await sleep(50)
    const before = sockets()
    await add(
      client,
      'many',
      Array.from({ length: 50 }, (_, i) => i),
    )
    const read = await lastValueFrom(
      redisSource({ redis: server.url, stream: 'many', group: 'g', consumer: 'c', start: '0', blockMs: 10_000 }).pipe(
        take(3),
        toArray(),
      ),
    )
    expect(read.map(e => e.value)).toEqual([0, 1, 2])
    expect(await socketsBackTo(before, 1000)).toBe(before)
    // an acknowledgement after unsubscription still works, on a connection of its own that then closes
    await read[0].ack()
    expect(await socketsBackTo(before, 1000)).toBe(before)
    const pending = (await client.sendCommand(['XPENDING', 'many', 'g', '-', '+', '100'])) as [string][]
    expect(pending.map(([id]) => id)).not.toContain(read[0].id)
    expect(pending).toHaveLength(49) // the rest of the batch stays pending for consumer c
  })

  it('aborts a blocking read on unsubscription without waiting for blockMs', async () => {
    await sleep(50)
    const before = sockets()
    const started = Date.now()
    await collectFor(
      redisSource({ redis: server.url, stream: 'quiet', group: 'g', consumer: 'c', blockMs: 20_000 }),
      200,
    )
    expect(await socketsBackTo(before, 2000)).toBe(before)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('errors with RedisSourceError("invalid-entry") by default, leaving the entry pending', async () => {
    await client.sendCommand(['XADD', 'dirty', '*', 'value', '{not json'])
    const error = await firstValueFrom(
      redisSource({ redis: server.url, stream: 'dirty', group: 'g', consumer: 'c', start: '0' }),
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RedisSourceError)
    expect(error).toMatchObject({ code: 'invalid-entry', stream: 'dirty' })
    expect((error as Error).message).toMatch(/^redisSource: entry \d+-\d+ of stream "dirty" is invalid: not JSON/)
    expect(await pendingCount(client, 'dirty', 'g')).toBe(1)
  })

  it("with onInvalid: 'skip', dead-letters, acknowledges and reports invalid entries, and goes on", async () => {
    await client.sendCommand(['XADD', 'mixed', '*', 'value', '1'])
    const [noValue] = [(await client.sendCommand(['XADD', 'mixed', '*', 'other', 'x'])) as string]
    const [notJson] = [(await client.sendCommand(['XADD', 'mixed', '*', 'value', 'nope'])) as string]
    await client.sendCommand(['XADD', 'mixed', '*', 'value', '2'])
    const skipped: { id: string; reason: string }[] = []
    const read = await lastValueFrom(
      redisSource<number>({
        redis: server.url,
        stream: 'mixed',
        group: 'g',
        consumer: 'c',
        start: '0',
        onInvalid: 'skip',
        deadLetter: 'mixed:dead',
        onSkip: ({ id, reason }) => skipped.push({ id, reason }),
      }).pipe(take(2), toArray()),
    )
    expect(read.map(e => e.value)).toEqual([1, 2])
    expect(skipped).toEqual([
      { id: noValue, reason: 'no "value" field' },
      { id: notJson, reason: expect.stringMatching(/^not JSON/) },
    ])
    const dead = (await client.sendCommand(['XRANGE', 'mixed:dead', '-', '+'])) as [string, string[]][]
    const records = dead.map(([, fields]) =>
      Object.fromEntries(fields.flatMap((f, i) => (i % 2 === 0 ? [[f, fields[i + 1]]] : []))),
    )
    expect(records).toEqual([
      { id: noValue, reason: 'no "value" field', fields: '{"other":"x"}' },
      { id: notJson, reason: skipped[1].reason, fields: '{"value":"nope"}', value: 'nope' },
    ])
    expect(await pendingCount(client, 'mixed', 'g')).toBe(2) // the two emitted ones, not acknowledged here
  })

  it('errors with RedisSourceError("command") when the stream key holds another type', async () => {
    await client.set('not-a-stream', 'x')
    const error = await firstValueFrom(
      redisSource({ redis: server.url, stream: 'not-a-stream', group: 'g', consumer: 'c' }),
    ).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'RedisSourceError', code: 'command', stream: 'not-a-stream' })
    expect((error as Error).message).toMatch(/WRONGTYPE/)
  })

  test.prop([fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 1, maxLength: 40 })], { numRuns: 12 })(
    'what redisSink writes, redisSource reads back equal and in order',
    async values => {
      const stream = `roundtrip-${Math.random().toString(36).slice(2)}`
      const ids = await lastValueFrom(from(values).pipe(redisSink({ redis: server.url, stream }), toArray()))
      const read = await lastValueFrom(
        redisSource({ redis: server.url, stream, group: 'g', consumer: 'c', start: '0', batchSize: 16 }).pipe(
          take(values.length),
          toArray(),
        ),
      )
      expect(read.map(e => e.id)).toEqual(ids)
      // the oracle: JSON's own round trip (it turns -0 into 0)
      expect(read.map(e => e.value)).toEqual(values.map(v => JSON.parse(JSON.stringify(v))))
    },
  )

  it.each([
    [{ stream: 's', group: 'g', consumer: 'c' }, TypeError, /redisSource: redis must be/],
    [{ redis: 'redis://x:1', group: 'g', consumer: 'c' }, TypeError, /redisSource: stream must be a string/],
    [{ redis: 'redis://x:1', stream: 's', consumer: 'c' }, TypeError, /redisSource: group must be a string/],
    [{ redis: 'redis://x:1', stream: 's', group: 'g', consumer: '' }, RangeError, /consumer must not be empty/],
    [
      { redis: 'redis://x:1', stream: 's', group: 'g', consumer: 'c', start: 'now' },
      RangeError,
      /start must be '\$', '0' or a stream id/,
    ],
    [
      { redis: 'redis://x:1', stream: 's', group: 'g', consumer: 'c', batchSize: 0 },
      RangeError,
      /batchSize must be an integer in \[1, 100000\], got 0/,
    ],
    [
      { redis: 'redis://x:1', stream: 's', group: 'g', consumer: 'c', blockMs: 0 },
      RangeError,
      /blockMs must be an integer/,
    ],
    [
      { redis: 'redis://x:1', stream: 's', group: 'g', consumer: 'c', claimIdleMs: -1 },
      RangeError,
      /claimIdleMs must be an integer >= 1, got -1/,
    ],
    [
      { redis: 'redis://x:1', stream: 's', group: 'g', consumer: 'c', onInvalid: 'drop' },
      RangeError,
      /onInvalid must be 'error' or 'skip', got "drop"/,
    ],
    [
      { redis: 'redis://x:1', stream: 's', group: 'g', consumer: 'c', deadLetter: 'd' },
      RangeError,
      /deadLetter needs onInvalid: 'skip'/,
    ],
    [
      { redis: 'redis://x:1', stream: 's', group: 'g', consumer: 'c', parse: 'json' },
      TypeError,
      /parse must be a function, got "json"/,
    ],
    [
      { redis: 'redis://x:1', stream: 's', group: 'g', consumer: 'c', block: 5 },
      TypeError,
      /redisSource: unknown option "block"/,
    ],
  ])('refuses options %j at call time', (options, type, message) => {
    expect(() => redisSource(options as never)).toThrow(type)
    expect(() => redisSource(options as never)).toThrow(message)
  })
})

describe('redisSource and lost connections', () => {
  it('errors with RedisSourceError("connect") when no server answers', async () => {
    const port = await freePort()
    const redis = { url: `redis://127.0.0.1:${port}`, clientOptions: { socket: { reconnectStrategy: false } } }
    const error = await firstValueFrom(redisSource({ redis, stream: 's', group: 'g', consumer: 'c' })).catch(
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ name: 'RedisSourceError', code: 'connect', stream: 's' })
  })

  it('goes on after a server restart while node-redis reconnects, and errors ("connection") when the client gives up', async () => {
    const server = await startRedis({ aof: true })
    const client = createClient({ url: server.url })
    client.on('error', () => {})
    try {
      await client.connect()
      const seen: unknown[] = []
      let failure: unknown
      const subscription = redisSource({
        redis: server.url,
        stream: 'log',
        group: 'g',
        consumer: 'c',
        blockMs: 100,
      }).subscribe({
        next: e => seen.push(e.value),
        error: e => (failure = e),
      })
      await sleep(200)
      await add(client, 'log', [1])
      await sleep(200)
      await server.restart() // SIGKILL, then the same port and AOF
      await add(client, 'log', [2]) // the test's client reconnects too
      const deadline = Date.now() + 5000
      while (seen.length < 2 && Date.now() < deadline) await sleep(20)
      subscription.unsubscribe()
      expect(failure).toBeUndefined()
      expect(seen).toEqual([1, 2])

      const giveUp = { url: server.url, clientOptions: { socket: { reconnectStrategy: false } } }
      let reading: () => void = () => {}
      const read = new Promise<void>(resolve => {
        reading = resolve
      })
      const failed = new Promise<unknown>(resolve => {
        redisSource({ redis: giveUp, stream: 'log', group: 'g2', consumer: 'c', start: '0', blockMs: 100 }).subscribe({
          next: reading,
          error: resolve,
        })
      })
      await read // the source is in its read loop (it read the entries written above)
      server.kill('SIGKILL')
      const error = await failed
      expect(error).toMatchObject({ name: 'RedisSourceError', code: 'connection', stream: 'log' })
    } finally {
      await client.close().catch(() => {})
      await server.stop()
    }
  }, 90_000) // a restart with AOF replay, and node-redis' reconnect backoff, under a full suite's load
})
