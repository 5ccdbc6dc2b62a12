import type { IncomingMessage, ServerResponse } from 'node:http'
import { fc, test } from '@fast-check/vitest'
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { SseError, type SseEvent, sseSource, utf8Length } from '../../../sources/llm/sseSource'
import { httpServer, sleep, writeSplit } from '../../support/sseServer'

interface EventSpec {
  comment?: string
  event?: string
  id?: string
  retry?: number
  data: string[]
  spaced: boolean
}

/** Serialises one event block in the wire format, with the given line ending. */
function serialise(spec: EventSpec, eol: string): string {
  const field = (name: string, value: string): string =>
    `${name}${spec.spaced || value.startsWith(' ') ? ': ' : ':'}${value}${eol}`
  let text = ''
  if (spec.comment !== undefined) text += `:${spec.comment}${eol}`
  if (spec.event !== undefined) text += field('event', spec.event)
  if (spec.id !== undefined) text += field('id', spec.id)
  if (spec.retry !== undefined) text += `retry: ${spec.retry}${eol}`
  for (const line of spec.data) text += field('data', line)
  return text + eol
}

/** The event an SSE client must emit for a block: the oracle. */
function expected(spec: EventSpec): SseEvent {
  const event: SseEvent = { event: spec.event || 'message', data: spec.data.join('\n') }
  if (spec.id !== undefined) event.id = spec.id
  if (spec.retry !== undefined) event.retry = spec.retry
  return event
}

const text = fc.string({
  unit: fc.constantFrom('a', 'b', 'z', ' ', ':', 'é', '€', '😀', '\t', 'data', 'id', '{"x":1}', '\u0000'),
  maxLength: 10,
})
const eventSpec: fc.Arbitrary<EventSpec> = fc.record(
  {
    comment: text,
    event: text,
    id: text.filter(id => !id.includes('\u0000')),
    retry: fc.integer({ min: 0, max: 100_000 }),
    data: fc.array(text, { minLength: 1, maxLength: 3 }),
    spaced: fc.boolean(),
  },
  { requiredKeys: ['data', 'spaced'] },
)

type Handler = (req: IncomingMessage, res: ServerResponse) => void
const routes = new Map<string, Handler>()
let server: Awaited<ReturnType<typeof httpServer>>
let nextRoute = 0
const route = (handler: Handler): string => {
  const path = `/r${nextRoute++}`
  routes.set(path, handler)
  return `${server.url}${path}`
}
const streamHeaders = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' }

beforeAll(async () => {
  server = await httpServer((req, res) => {
    const handler = routes.get(new URL(req.url ?? '/', 'http://x').pathname)
    if (handler === undefined) {
      res.writeHead(404).end('no such route')
      return
    }
    handler(req, res)
  })
})
afterAll(async () => {
  await server.close()
})

describe('sseSource parsing', () => {
  test.prop(
    [
      fc.array(eventSpec, { maxLength: 12 }),
      fc.constantFrom('\n', '\r\n', '\r'),
      fc.array(fc.nat(), { maxLength: 24 }),
    ],
    { numRuns: 80 },
  )('emits exactly the events sent, in order, however the bytes are split across writes', async (specs, eol, cuts) => {
    const payload = new TextEncoder().encode(specs.map(spec => serialise(spec, eol)).join(''))
    const url = route((_req, res) => {
      res.writeHead(200, streamHeaders)
      void writeSplit(
        res,
        payload,
        cuts.map(cut => cut % (payload.length + 1)),
      ).then(() => res.end())
    })
    const events = await lastValueFrom(sseSource(url).pipe(toArray()))
    expect(events).toEqual(specs.map(expected))
  })

  test('comments, multi-line data, id and event fields, CRLF (a hand-written stream)', async () => {
    const wire =
      ': hello\r\nevent: price\r\nid: 7\r\ndata: {"a":\r\ndata:  1}\r\n\r\n:keep-alive\r\n\r\ndata\r\n\r\nid: 8\r\ndata: last\r\n\r\ndata: incomplete, never dispatched\r\n'
    const url = route((_req, res) => {
      res.writeHead(200, streamHeaders)
      void writeSplit(res, wire, [1, 2, 17, 18, 40, 41, 42]).then(() => res.end())
    })
    const events = await lastValueFrom(sseSource(url).pipe(toArray()))
    expect(events).toEqual([
      { event: 'price', id: '7', data: '{"a":\n 1}' },
      { event: 'message', data: '' },
      { event: 'message', id: '8', data: 'last' },
    ])
  })

  test('sends Accept and the caller’s headers; takes a Request or { url, init }', async () => {
    const seen: Array<Record<string, unknown>> = []
    const url = route((req, res) => {
      seen.push({ method: req.method, accept: req.headers.accept, token: req.headers['x-token'] })
      res.writeHead(200, streamHeaders).end('data: ok\n\n')
    })
    expect(await lastValueFrom(sseSource({ url, init: { headers: { 'x-token': 'abc' } } }).pipe(toArray()))).toEqual([
      { event: 'message', data: 'ok' },
    ])
    expect(await lastValueFrom(sseSource(new Request(url, { headers: { 'x-token': 'req' } })).pipe(toArray()))).toEqual(
      [{ event: 'message', data: 'ok' }],
    )
    expect(await lastValueFrom(sseSource(new URL(url)).pipe(toArray()))).toHaveLength(1)
    expect(seen).toEqual([
      { method: 'GET', accept: 'text/event-stream', token: 'abc' },
      { method: 'GET', accept: 'text/event-stream', token: 'req' },
      { method: 'GET', accept: 'text/event-stream', token: undefined },
    ])
  })

  test('counts UTF-8 bytes as TextEncoder does', () => {
    for (const s of ['', 'abc', 'é€😀', '\ud800x', 'x\udc00', '😀😀'.repeat(50)])
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length)
  })
})

describe('sseSource errors', () => {
  test('a non-2xx answer errors with SseError naming status and url, and is not retried', async () => {
    let hits = 0
    const url = route((_req, res) => {
      hits++
      res.writeHead(503, { 'content-type': 'text/plain' }).end('overloaded')
    })
    const error = await lastValueFrom(sseSource(url, { reconnect: true })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SseError)
    expect(error).toMatchObject({ code: 'status', status: 503, url, body: 'overloaded' })
    expect((error as Error).message).toContain('503')
    expect(hits).toBe(1)
  })

  test('a response that is not text/event-stream errors with SseError', async () => {
    const url = route((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"no":"stream"}'))
    const error = await lastValueFrom(sseSource(url)).catch((e: unknown) => e)
    expect(error).toMatchObject({
      name: 'SseError',
      code: 'content-type',
      status: 200,
      url,
      contentType: 'application/json',
    })
    expect((error as Error).message).toContain('application/json')
  })

  test('an event larger than maxEventBytes errors naming its size in bytes', async () => {
    const url = route((_req, res) =>
      res.writeHead(200, streamHeaders).end(`data: small\n\ndata: ${'€'.repeat(50)}\n\ndata: after\n\n`),
    )
    const seen: string[] = []
    const error = await new Promise(resolve =>
      sseSource(url, { maxEventBytes: 100 }).subscribe({
        next: e => seen.push(e.data),
        error: resolve,
        complete: () => resolve('completed'),
      }),
    )
    expect(seen).toEqual(['small'])
    expect(error).toMatchObject({ name: 'SseError', code: 'event-too-large' })
    expect((error as Error).message).toContain('150 bytes')
    expect((error as Error).message).toContain('maxEventBytes (100)')
  })

  test('an event that never ends stops at the buffer limit instead of growing without bound', async () => {
    let closed = false
    const url = route((_req, res) => {
      res.on('close', () => (closed = true))
      res.writeHead(200, streamHeaders)
      res.write('data: ')
      const timer = setInterval(() => res.write('x'.repeat(1000)), 2)
      res.on('close', () => clearInterval(timer))
    })
    const error = await lastValueFrom(sseSource(url, { maxEventBytes: 10_000 })).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'SseError', code: 'event-too-large' })
    await expect.poll(() => closed, { timeout: 1000 }).toBe(true)
  })

  test('a dropped connection without reconnect errors with SseError network; a clean end completes', async () => {
    const dropped = route((_req, res) => {
      res.writeHead(200, streamHeaders)
      res.write('data: one\n\n', () => setTimeout(() => res.socket?.destroy(), 20))
    })
    const error = await lastValueFrom(sseSource(dropped)).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'SseError', code: 'network', url: dropped })
  })

  test('bad arguments throw at call time, naming the value', () => {
    expect(() => sseSource('not a url')).toThrow(/"not a url"/)
    expect(() => sseSource('http://x/', { maxEventBytes: 0 })).toThrow(RangeError)
    expect(() => sseSource('http://x/', { reconnect: { retries: -1 } })).toThrow(/-1/)
    expect(() => sseSource(42 as never)).toThrow(TypeError)
  })

  test('a fetch that throws is routed to the subscriber, not thrown', async () => {
    const error = await lastValueFrom(
      sseSource('http://127.0.0.1:1/', {
        fetch: () => {
          throw new Error('boom')
        },
      }),
    ).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'SseError', code: 'fetch-threw' })
    expect((error as Error).message).toContain('boom')
  })
})

describe('sseSource lifetime', () => {
  test('unsubscribing aborts the request: the server sees the connection close', async () => {
    let closedAt = 0
    const url = route((_req, res) => {
      // Three events, then silence: only an aborted request closes the connection before the 5 s end.
      res.writeHead(200, streamHeaders)
      res.write('data: 0\n\ndata: 1\n\ndata: 2\n\n')
      const timer = setTimeout(() => res.end(), 5000)
      res.on('close', () => {
        clearTimeout(timer)
        closedAt = performance.now()
      })
    })
    const events = await lastValueFrom(sseSource(url).pipe(take(3), toArray()))
    const unsubscribedAt = performance.now()
    expect(events.map(e => e.data)).toEqual(['0', '1', '2'])
    await expect.poll(() => closedAt, { timeout: 1000, interval: 5 }).toBeGreaterThan(0)
    expect(closedAt - unsubscribedAt).toBeLessThan(1000)
  })

  test('unsubscribing while a read is pending (no event in flight) aborts the request too', async () => {
    let closedAt = 0
    const url = route((_req, res) => {
      res.writeHead(200, streamHeaders)
      res.write('data: 0\n\n')
      const timer = setTimeout(() => res.end(), 5000)
      res.on('close', () => {
        clearTimeout(timer)
        closedAt = performance.now()
      })
    })
    const seen: string[] = []
    const subscription = sseSource(url).subscribe(e => seen.push(e.data))
    await expect.poll(() => seen, { timeout: 1000, interval: 5 }).toEqual(['0'])
    await sleep(20)
    subscription.unsubscribe()
    const unsubscribedAt = performance.now()
    await expect.poll(() => closedAt, { timeout: 1000, interval: 5 }).toBeGreaterThan(0)
    expect(closedAt - unsubscribedAt).toBeLessThan(1000)
  })

  test('reconnects after the server’s retry delay with Last-Event-ID, resuming without duplicates', async () => {
    const connections: Array<{ lastEventId: string | undefined; at: number }> = []
    let droppedAt = 0
    const all = Array.from({ length: 6 }, (_, i) => ({ id: String(i + 1), data: `event ${i + 1}` }))
    const url = route((req, res) => {
      const lastEventId = req.headers['last-event-id'] as string | undefined
      connections.push({ lastEventId, at: performance.now() })
      res.writeHead(200, streamHeaders)
      const from = lastEventId === undefined ? 0 : all.findIndex(e => e.id === lastEventId) + 1
      if (from === 0) {
        const wire = `retry: 50\n${all
          .slice(0, 3)
          .map(e => `id: ${e.id}\ndata: ${e.data}\n\n`)
          .join('')}`
        res.write(wire, () =>
          setTimeout(() => {
            droppedAt = performance.now()
            res.socket?.destroy()
          }, 20),
        )
      } else {
        res.write(
          all
            .slice(from)
            .map(e => `id: ${e.id}\ndata: ${e.data}\n\n`)
            .join(''),
        )
      }
    })
    const events = await lastValueFrom(sseSource(url, { reconnect: true }).pipe(take(6), toArray()))
    expect(events).toEqual(all.map((e, i) => ({ event: 'message', ...e, ...(i === 0 ? { retry: 50 } : {}) })))
    expect(connections.map(c => c.lastEventId)).toEqual([undefined, '3'])
    const gap = connections[1].at - droppedAt
    expect(gap).toBeGreaterThanOrEqual(45)
    expect(gap).toBeLessThan(1000)
  })

  test('never reconnects after unsubscription (unsubscribed on an open connection)', async () => {
    let connections = 0
    const url = route((_req, res) => {
      connections++
      res.writeHead(200, streamHeaders)
      res.write(`retry: 20\nid: ${connections}\ndata: x\n\n`, () => setTimeout(() => res.socket?.destroy(), 5))
    })
    const events = await lastValueFrom(sseSource(url, { reconnect: { retries: 100 } }).pipe(take(4), toArray()))
    expect(events.map(e => e.id)).toEqual(['1', '2', '3', '4'])
    await sleep(250)
    expect(connections).toBe(4)
  })

  test('never reconnects after unsubscription (unsubscribed while waiting to reconnect)', async () => {
    let connections = 0
    let closed = false
    const url = route((_req, res) => {
      connections++
      res.writeHead(200, streamHeaders)
      res.on('close', () => (closed = true))
      res.write('retry: 150\ndata: x\n\n', () => setTimeout(() => res.socket?.destroy(), 5))
    })
    const subscription = sseSource(url, { reconnect: true }).subscribe()
    await expect.poll(() => closed, { timeout: 1000, interval: 5 }).toBe(true)
    await sleep(30)
    subscription.unsubscribe()
    await sleep(400)
    expect(connections).toBe(1)
  })

  test('completes on 204 No Content (the server says: do not reconnect)', async () => {
    const url = route((_req, res) => res.writeHead(204).end())
    expect(await lastValueFrom(sseSource(url, { reconnect: true }).pipe(toArray()))).toEqual([])
  })

  test('gives up after `retries` consecutive failed attempts', async () => {
    const dead = await httpServer(() => undefined)
    const deadUrl = dead.url
    await dead.close()
    const error = await firstValueFrom(sseSource(deadUrl, { reconnect: { retries: 2, maxDelayMs: 10 } })).catch(
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ name: 'SseError', code: 'retries-exhausted' })
    expect((error as Error).message).toContain('3 times')
  })
})
