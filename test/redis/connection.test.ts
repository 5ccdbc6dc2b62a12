import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkRedisConnection, openRedis, readStreamReply } from '../../redis/connection'
import { freePort, type RedisCluster, type RedisServer, startRedis, startRedisCluster } from '../support/redisServer'

describe('openRedis against a real redis-server', () => {
  let server: RedisServer
  beforeAll(async () => {
    server = await startRedis()
  })
  afterAll(async () => {
    await server.stop()
  })

  it('sends raw commands, and a duplicate blocks on its own connection without holding up the first', async () => {
    const link = await openRedis('test', server.url)
    const reader = await link.duplicate()
    try {
      expect(link.cluster).toBe(false)
      expect(await link.send(undefined, ['PING'])).toBe('PONG')
      const blocked = reader.send<unknown>('s', ['XREAD', 'BLOCK', '2000', 'STREAMS', 's', '$'], { timeout: 0 })
      await new Promise(resolve => setTimeout(resolve, 50))
      // the first link answers while the duplicate waits
      const id = await link.send<string>('s', ['XADD', 's', '*', 'value', '42'])
      expect(readStreamReply(await blocked)).toEqual([['s', [[id, ['value', '42']]]]])
    } finally {
      await reader.close()
      await link.close()
      await link.close() // idempotent
    }
  })

  it("duplicates a caller's own client and leaves it open on close", async () => {
    const own = createClient({ url: server.url })
    own.on('error', () => {})
    await own.connect()
    try {
      const link = await openRedis('test', own)
      await link.send('k', ['SET', 'k', 'v'])
      await link.close()
      expect(own.isOpen).toBe(true)
      expect(await own.get('k')).toBe('v')
    } finally {
      await own.close()
    }
  })

  it('rejects with the connection error for a port nothing listens on, and leaves no socket behind', async () => {
    const port = await freePort()
    const sockets = () => process.getActiveResourcesInfo().filter(r => r === 'TCPSocketWrap').length
    await new Promise(resolve => setTimeout(resolve, 20))
    const before = sockets()
    await expect(
      openRedis('test', { url: `redis://127.0.0.1:${port}`, clientOptions: { socket: { reconnectStrategy: false } } }),
    ).rejects.toThrow(/ECONNREFUSED/)
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(sockets()).toBe(before)
  })
})

describe('openRedis against a real Redis Cluster of three masters', () => {
  let cluster: RedisCluster
  beforeAll(async () => {
    cluster = await startRedisCluster(3)
  }, 30_000)
  afterAll(async () => {
    await cluster.stop()
  })

  it('routes each command by its first key, whichever master holds the slot', async () => {
    const link = await openRedis('test', { rootNodes: cluster.urls })
    try {
      expect(link.cluster).toBe(true)
      // keys in many slots: a single-node client would get MOVED for two thirds of them
      for (let i = 0; i < 30; i++) await link.send(`key${i}`, ['SET', `key${i}`, String(i)])
      for (let i = 0; i < 30; i++) expect(await link.send(`key${i}`, ['GET', `key${i}`])).toBe(String(i))
      const reader = await link.duplicate()
      expect(await reader.send('key7', ['GET', 'key7'])).toBe('7')
      await reader.close()
    } finally {
      await link.close()
    }
  })
})

describe('readStreamReply', () => {
  it('reads RESP2 arrays, RESP3 objects and Maps alike', () => {
    const entries = [['1-0', ['value', '1']]]
    const expected = [['s', [['1-0', ['value', '1']]]]]
    expect(readStreamReply([['s', entries]])).toEqual(expected)
    expect(readStreamReply({ s: entries })).toEqual(expected)
    expect(readStreamReply(new Map([['s', entries]]))).toEqual(expected)
    expect(readStreamReply(null)).toEqual([])
    expect(readStreamReply([['s', [['2-0', null]]]])).toEqual([['s', [['2-0', []]]]])
  })
})

describe('checkRedisConnection', () => {
  it.each([
    [42, /redis must be a URL/],
    [null, /redis must be a URL/],
    ['http://localhost', /redis must be a redis:\/\/ or rediss:\/\/ URL, got "http:\/\/localhost"/],
    [{ url: 'nope' }, /redis\.url must be/],
    [{ rootNodes: [] }, /rootNodes must be a non-empty array/],
    [{ rootNodes: ['redis://a:1', 'x'] }, /rootNodes\[1\] must be/],
    [{ host: 'a' }, /unknown redis option "host"/],
  ])('refuses %j with a TypeError naming the function', (value, message) => {
    expect(() => checkRedisConnection('redisSource', value)).toThrow(TypeError)
    expect(() => checkRedisConnection('redisSource', value)).toThrow(message)
    expect(() => checkRedisConnection('redisSource', value)).toThrow(/^redisSource: /)
  })

  it('accepts URLs, options and clients', () => {
    expect(checkRedisConnection('f', 'rediss://user:pw@host:6380/2')).toBe('rediss://user:pw@host:6380/2')
    expect(checkRedisConnection('f', { rootNodes: ['redis://127.0.0.1:7000'] })).toEqual({
      rootNodes: ['redis://127.0.0.1:7000'],
    })
  })
})
