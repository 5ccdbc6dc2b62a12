import { lastValueFrom, take, toArray } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import { RealtimeError, realtimeSource } from '../../../sources/llm/realtimeSource'
import { type FakeRealtimeServer, fakeRealtime } from '../../support/realtimeServer'

let servers: FakeRealtimeServer[] = []
afterEach(async () => {
  await Promise.all(servers.map(s => s.close()))
  servers = []
})
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

describe('realtimeSource', () => {
  it('queues client events sent before the socket opens and delivers them in order; emits server events', async () => {
    const server = await fakeRealtime(socket => {
      socket.send(JSON.stringify({ type: 'session.created', session: { id: 's1' } }))
      socket.on('message', data => {
        const event = JSON.parse(String(data)) as { type: string; n?: number }
        if (event.type === 'response.create') socket.send(JSON.stringify({ type: 'response.done', n: event.n }))
      })
    })
    servers.push(server)
    const realtime = realtimeSource({ url: server.url, model: 'test-model', apiKey: 'sk-test' })
    const events = lastValueFrom(realtime.events.pipe(take(4), toArray()))
    for (let n = 0; n < 3; n++) realtime.send({ type: 'response.create', n })
    expect(await events).toEqual([
      { type: 'session.created', session: { id: 's1' } },
      { type: 'response.done', n: 0 },
      { type: 'response.done', n: 1 },
      { type: 'response.done', n: 2 },
    ])
    expect(server.connections[0].received).toEqual([0, 1, 2].map(n => ({ type: 'response.create', n })))
    expect(server.connections[0].headers.authorization).toBe('Bearer sk-test')
    expect(server.connections[0].path).toBe('/v1/realtime?model=test-model')
  })

  it('reconnects after an abnormal close, and never after close()', async () => {
    // the first connection opens then drops without a close frame; the second stays
    let opened = 0
    const server = await fakeRealtime(socket => {
      socket.send(JSON.stringify({ type: 'hello', index: opened++ }))
      if (opened === 1) setTimeout(() => socket.terminate(), 5)
    })
    servers.push(server)
    const realtime = realtimeSource({
      url: server.url,
      model: 'm',
      reconnect: { retries: 10, initialMs: 20, maxMs: 60 },
    })
    const hellos = lastValueFrom(realtime.events.pipe(take(2), toArray()))
    expect((await hellos).map(e => e.index)).toEqual([0, 1])
    realtime.close()
    const count = server.connections.length
    await sleep(300)
    expect(server.connections.length).toBe(count)
    expect(realtime.connections).toBe(2)
  })

  it('the delays between failed attempts double up to the cap', async () => {
    const server = await fakeRealtime(socket => socket.send(JSON.stringify({ type: 'hello' })), 5)
    servers.push(server)
    const realtime = realtimeSource({
      url: server.url,
      model: 'm',
      reconnect: { retries: 10, initialMs: 20, maxMs: 60 },
    })
    await lastValueFrom(realtime.events.pipe(take(1)))
    realtime.close()
    const gaps = server.attempts.slice(1).map((at, i) => at - server.attempts[i])
    // backoff before attempts 2..6: 20, 40, 60 (capped), 60, 60
    expect(gaps).toHaveLength(5)
    expect(gaps[0]).toBeGreaterThanOrEqual(18)
    expect(gaps[1]).toBeGreaterThanOrEqual(38)
    expect(gaps[2]).toBeGreaterThanOrEqual(58)
    expect(gaps[3]).toBeGreaterThanOrEqual(58)
    expect(gaps[4]).toBeGreaterThanOrEqual(58)
    // the cap holds: the fifth delay would be 320 ms uncapped
    expect(gaps[4]).toBeLessThan(300)
  })

  it('a deliberate close completes the events and stops reconnecting; send afterwards is an error', async () => {
    const server = await fakeRealtime(() => undefined)
    servers.push(server)
    const realtime = realtimeSource({ url: server.url, model: 'm' })
    const done = lastValueFrom(realtime.events.pipe(toArray()))
    await sleep(50)
    realtime.close()
    expect(await done).toEqual([])
    await sleep(100)
    expect(server.connections.length).toBe(1)
    expect(() => realtime.send({ type: 'x' })).toThrow(RealtimeError)
  })

  it('gives up with RealtimeError unreachable after the retries', async () => {
    const server = await fakeRealtime(() => undefined, 100)
    servers.push(server)
    const realtime = realtimeSource({ url: server.url, model: 'm', reconnect: { retries: 2, initialMs: 5, maxMs: 10 } })
    await expect(lastValueFrom(realtime.events)).rejects.toMatchObject({ name: 'RealtimeError', code: 'unreachable' })
    expect(server.attempts.length).toBe(3)
    expect(server.connections.length).toBe(0)
  })

  it('a malformed server message errors the stream with a RealtimeError naming it', async () => {
    const server = await fakeRealtime(socket => socket.send('not json {'))
    servers.push(server)
    const realtime = realtimeSource({ url: server.url, model: 'm' })
    await expect(lastValueFrom(realtime.events)).rejects.toMatchObject({
      code: 'malformed',
      message: expect.stringContaining('not json {'),
    })
  })

  it('more queued events than maxQueued fail with queue-full; bad options fail at once', async () => {
    const realtime = realtimeSource({ url: 'ws://127.0.0.1:9/none', model: 'm', maxQueued: 2, reconnect: false })
    const result = lastValueFrom(realtime.events).catch((error: unknown) => error)
    realtime.send({ type: 'a' })
    realtime.send({ type: 'b' })
    realtime.send({ type: 'c' })
    expect(await result).toMatchObject({ code: 'queue-full' })
    expect(() => realtimeSource({ url: 'ws://example.com/x', model: 'm' })).toThrow(/only on loopback/)
    expect(() => realtimeSource({ model: '' })).toThrow(/^realtimeSource: model must not be empty/)
    expect(() => realtimeSource({ model: 'm', reconnect: { retries: -1 } })).toThrow(/retries/)
  })
})
