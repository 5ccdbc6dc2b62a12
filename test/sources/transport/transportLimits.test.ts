import { fc, test } from '@fast-check/vitest'
import { from, of, range, Subject } from 'rxjs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type ClientSession,
  type ConnectOptions,
  connect,
  createDevCertificate,
  type DevCertificate,
  quicServer,
  TransportError,
  type TransportServer,
  type TransportServerOptions,
  type TransportSession,
  wsServer,
} from '../../../sources/index'
import { encodeFrame, type Frame, FrameKind } from '../../../src/transport/framing'
import {
  dataFrame,
  errorText,
  type Outcome,
  openFrame,
  RawWs,
  RawWt,
  rawHeader,
  record,
  waitFor,
  within,
} from '../../support/transport'

let dev: DevCertificate
beforeAll(async () => {
  dev = await createDevCertificate({ hosts: ['127.0.0.1', 'localhost'] })
})

interface Kind {
  readonly name: 'websocket' | 'webtransport'
  start(options: TransportServerOptions): Promise<TransportServer>
  connect(server: TransportServer, options?: ConnectOptions): ClientSession
  readonly fuzzRuns: number
}

const kinds: Kind[] = [
  {
    name: 'websocket',
    start: wsServer,
    connect: (server, options = {}) => connect(server.address.url, { ca: dev.cert, ...options }),
    fuzzRuns: 30,
  },
  {
    name: 'webtransport',
    start: quicServer,
    connect: (server, options = {}) =>
      connect(server.address.url, { transport: 'webtransport', certificateHashes: [dev.hash], ...options }),
    fuzzRuns: 10,
  },
]

// ---- cleanup: everything a test opens is closed after it, newest first --------------------------

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  while (cleanups.length > 0) {
    const close = cleanups.pop() as () => unknown
    try {
      await close()
    } catch {
      // best effort
    }
  }
})

async function serve(kind: Kind, options: Partial<TransportServerOptions> = {}): Promise<TransportServer> {
  const server = await kind.start({ cert: dev.cert, key: dev.key, ...options })
  cleanups.push(() => server.close())
  return server
}

function client(kind: Kind, server: TransportServer, options?: ConnectOptions): ClientSession {
  const session = kind.connect(server, options)
  cleanups.push(() => session.close())
  return session
}

type Recorded = ReturnType<typeof record<unknown>>

/** Subscribes `names` on every session the server emits; `channel(sessionId, name)` is what arrived. */
function host(server: TransportServer, names: string[]) {
  const sessions: TransportSession[] = []
  const channels = new Map<string, Map<string, Recorded>>()
  const subscription = server.sessions.subscribe(session => {
    sessions.push(session)
    const mine = new Map<string, Recorded>()
    for (const name of names) mine.set(name, record(session.channel(name)))
    channels.set(session.id, mine)
  })
  cleanups.push(() => subscription.unsubscribe())
  return {
    sessions,
    channel: (id: string, name: string): Recorded | undefined => channels.get(id)?.get(name),
  }
}

function transportError(outcome: Outcome | null): TransportError {
  expect(outcome?.kind).toBe('error')
  const error = (outcome as { error: unknown }).error
  expect(error).toBeInstanceOf(TransportError)
  return error as TransportError
}

const delta = (after: Record<string, number>, before: Record<string, number>): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const [code, count] of Object.entries(after))
    if (count !== (before[code] ?? 0)) out[code] = count - (before[code] ?? 0)
  return out
}

// ---- 1. framing fuzz ------------------------------------------------------------------------------

const LANE_CODES = ['too-large', 'malformed', 'truncated', 'protocol', 'unknown-channel']

type Scenario =
  | { type: 'random'; bytes: Uint8Array }
  | { type: 'truncated'; lane: number; text: string; cut: number }
  | { type: 'huge'; lane: number; size: number }
  | { type: 'badKind'; lane: number; kind: number; payload: Uint8Array }
  | { type: 'notJson'; lane: number; payload: Uint8Array }
  | { type: 'protocol'; lane: number; variant: 'ack' | 'gap' | 'end'; seq: number }
  | { type: 'unknown'; lane: number; name: string }

const isJson = (bytes: Uint8Array): boolean => {
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
    return true
  } catch {
    return false
  }
}

const laneArb = fc.integer({ min: 0, max: 0x7ffffffe }).map(n => n * 2 + 1) // odd: a client's lane
const scenarioArb: fc.Arbitrary<Scenario> = fc.oneof(
  fc.record({
    type: fc.constant('random' as const),
    bytes: fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      fc
        .tuple(fc.integer({ min: 0, max: 40 }), fc.uint8Array({ maxLength: 48 }))
        .map(([size, rest]) => new Uint8Array([0, 0, 0, size, ...rest])),
    ),
  }),
  fc.record({
    type: fc.constant('truncated' as const),
    lane: laneArb,
    text: fc.string({ maxLength: 40 }),
    cut: fc.nat(),
  }),
  fc.record({
    type: fc.constant('huge' as const),
    lane: laneArb,
    size: fc.oneof(fc.constant(0xffffffff), fc.integer({ min: (1 << 20) + 1, max: 0xffffffff })),
  }),
  fc.record({
    type: fc.constant('badKind' as const),
    lane: laneArb,
    kind: fc.integer({ min: 7, max: 255 }),
    payload: fc.uint8Array({ maxLength: 32 }),
  }),
  fc.record({
    type: fc.constant('notJson' as const),
    lane: laneArb,
    payload: fc.uint8Array({ maxLength: 32 }).filter(bytes => !isJson(bytes)),
  }),
  fc.record({
    type: fc.constant('protocol' as const),
    lane: laneArb,
    variant: fc.constantFrom('ack' as const, 'gap' as const, 'end' as const),
    seq: fc.integer({ min: 1, max: 1000 }),
  }),
  fc.record({
    type: fc.constant('unknown' as const),
    lane: laneArb,
    name: fc.string({ minLength: 1, maxLength: 30 }).filter(name => name !== 'good' && name !== 'bad'),
  }),
)

/** What the hostile lane writes (each element one WebSocket message; one stream's bytes for WebTransport) and the code it must be refused with. */
function hostile(scenario: Scenario): { chunks: Uint8Array[]; code: string | null; lane: number | null } {
  const enc = new TextEncoder()
  switch (scenario.type) {
    case 'random':
      return { chunks: [scenario.bytes], code: null, lane: null }
    case 'truncated': {
      const whole = dataFrame(scenario.lane, 0, enc.encode(JSON.stringify(scenario.text)))
      // at least 9 bytes so the channel id is there; at least one byte short
      const cut = 9 + (scenario.cut % (whole.length - 9))
      return { chunks: [openFrame(scenario.lane, 'bad'), whole.slice(0, cut)], code: 'truncated', lane: scenario.lane }
    }
    case 'huge':
      return {
        chunks: [openFrame(scenario.lane, 'bad'), rawHeader(scenario.size, FrameKind.Data, scenario.lane)],
        code: 'too-large',
        lane: scenario.lane,
      }
    case 'badKind': {
      const frame = dataFrame(scenario.lane, 0, scenario.payload)
      frame[4] = scenario.kind
      return { chunks: [openFrame(scenario.lane, 'bad'), frame], code: 'malformed', lane: scenario.lane }
    }
    case 'notJson':
      return {
        chunks: [openFrame(scenario.lane, 'bad'), dataFrame(scenario.lane, 0, scenario.payload)],
        code: 'malformed',
        lane: scenario.lane,
      }
    case 'protocol': {
      const { lane, seq } = scenario
      const second =
        scenario.variant === 'ack'
          ? encodeFrame({ kind: FrameKind.Ack, channel: lane, seq: 0, payload: new Uint8Array(0) })
          : scenario.variant === 'gap'
            ? dataFrame(lane, seq, enc.encode('1'))
            : encodeFrame({ kind: FrameKind.End, channel: lane, seq, payload: new Uint8Array(0) })
      return { chunks: [openFrame(lane, 'bad'), second], code: 'protocol', lane }
    }
    case 'unknown':
      return { chunks: [openFrame(scenario.lane, scenario.name)], code: 'unknown-channel', lane: scenario.lane }
  }
}

/** A framing error (as opposed to well-formed frames the session refuses). */
const isFramingFailure = (scenario: Scenario): boolean =>
  scenario.type === 'truncated' || scenario.type === 'huge' || scenario.type === 'badKind'

const errorFrames = (frames: Frame[]): string[] => frames.filter(frame => frame.kind === FrameKind.Error).map(errorText)
const codeOf = (text: string): string => text.slice(0, text.indexOf(' '))

describe.each(kinds)('$name: hostile frames', kind => {
  let server: TransportServer
  let hosted: ReturnType<typeof host>
  const sentinel = 0xffffffff

  beforeAll(async () => {
    server = await kind.start({ cert: dev.cert, key: dev.key })
    const sessions: TransportSession[] = []
    const channels = new Map<string, Map<string, Recorded>>()
    server.sessions.subscribe(session => {
      sessions.push(session)
      channels.set(
        session.id,
        new Map([
          ['good', record(session.channel('good'))],
          ['bad', record(session.channel('bad'))],
        ]),
      )
    })
    hosted = { sessions, channel: (id, name) => channels.get(id)?.get(name) }
  })
  afterAll(async () => {
    await server?.close()
  })

  test.prop([scenarioArb, fc.integer({ min: 1, max: 25 })], { numRuns: kind.fuzzRuns })(
    'a hostile lane is refused and counted; a good channel alongside gets exactly its messages',
    async (scenario, n) => {
      const messages = Array.from({ length: n }, (_, i) => ({ i, text: `message ${i}` }))
      const before = { ...server.stats.refused }
      const { chunks, code, lane } = hostile(scenario)
      const good = kind.connect(server)
      let raw: RawWs | RawWt | null = null
      try {
        const sent = record(good.send('good', from(messages)))
        let seen: { frames: () => Frame[]; ended: () => boolean }
        if (kind.name === 'websocket') {
          const ws = await RawWs.open(server.address.url, dev.cert)
          raw = ws
          for (const chunk of chunks) ws.send(chunk)
          // a lane the server must answer, after the hostile bytes: messages are handled in order
          ws.send(openFrame(sentinel, 'sentinel-nobody-listens'))
          await waitFor(
            () => ws.on(sentinel).some(frame => frame.kind === FrameKind.Close),
            'the sentinel lane to be refused',
          )
          const id = lane
          seen = {
            frames: () => (id === null ? ws.frames : ws.on(id)),
            ended: () => id === null || ws.on(id).some(frame => frame.kind === FrameKind.Close),
          }
        } else {
          const wt = await RawWt.open(server.address.url, dev.hash)
          raw = wt
          const stream = await wt.stream()
          for (const chunk of chunks) await stream.write(chunk).catch(() => undefined)
          await stream.end()
          seen = { frames: () => stream.frames, ended: () => stream.readEnded }
        }
        // the hostile lane is ended by the server
        await waitFor(seen.ended, 'the server to end the hostile lane')
        // the good channel: exactly its messages, in order, then complete; the send completes (all acknowledged)
        expect((await within(sent.ended, 5000, 'good send')).kind).toBe('complete')
        await waitFor(() => hosted.channel(good.id, 'good')?.outcome != null, 'the good channel to end on the server')
        const received = hosted.channel(good.id, 'good') as Recorded
        expect(received.outcome).toEqual({ kind: 'complete' })
        expect(received.values).toEqual(messages)

        const refused = delta(server.stats.refused, before)
        if (kind.name === 'websocket') {
          expect(refused['unknown-channel'] ?? 0).toBeGreaterThanOrEqual(1) // the sentinel
          refused['unknown-channel'] -= 1
          if (refused['unknown-channel'] === 0) delete refused['unknown-channel']
        }
        for (const text of errorFrames(seen.frames())) expect(LANE_CODES).toContain(codeOf(text))
        if (code === null) {
          for (const c of Object.keys(refused)) expect(LANE_CODES).toContain(c)
          if (kind.name === 'webtransport')
            expect(Object.values(refused).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1)
        } else {
          expect(refused).toEqual({ [code]: 1 })
          const texts = errorFrames(seen.frames())
          // ws cannot send an Error frame on a lane it failed for bad framing (see the it.fails test below)
          if (kind.name === 'webtransport' || !isFramingFailure(scenario)) {
            expect(texts).toHaveLength(1)
            expect(texts[0]!.startsWith(`${code} `)).toBe(true)
          }
        }
      } finally {
        good.close()
        await raw?.close()
      }
    },
    120_000,
  )

  it('survives the fuzzing: a fresh client still round-trips', async () => {
    const fresh = kind.connect(server)
    try {
      const sent = record(fresh.send('good', of(1, 2, 3)))
      expect((await within(sent.ended, 5000, 'send')).kind).toBe('complete')
      await waitFor(() => hosted.channel(fresh.id, 'good')?.outcome != null, 'the channel to complete')
      expect(hosted.channel(fresh.id, 'good')?.values).toEqual([1, 2, 3])
    } finally {
      fresh.close()
    }
  })
})

// A lane failed by a framing error is reset with `too-large`, `malformed` or `truncated` and the
// session writes an Error frame naming it (WtLane.write still accepts it; WsLane.write refuses
// once the lane is finished), so the WebSocket peer only ever sees a bare Close.
describe('websocket: a lane failed by bad framing is told why', () => {
  it('the hostile side receives an Error frame starting with too-large', async () => {
    const server = await serve(kinds[0]!)
    host(server, ['bad'])
    const ws = await RawWs.open(server.address.url, dev.cert)
    cleanups.push(() => ws.close())
    ws.send(openFrame(1, 'bad'))
    ws.send(rawHeader(0xffffffff, FrameKind.Data, 1))
    await waitFor(() => ws.on(1).some(frame => frame.kind === FrameKind.Close), 'the lane to be closed')
    expect(server.stats.refused['too-large']).toBe(1)
    expect(errorFrames(ws.on(1)).map(codeOf)).toEqual(['too-large'])
  })
})

// Once a lane is refused, whatever else its peer writes on it is not counted again. Today a lane
// refused for a well-formed reason ('protocol' here) that then carries bad framing is counted a
// second time ('too-large'), and its receiver's onError runs twice (session.ts, acceptLane: onEnd
// does not know the lane was already refused).
describe.each(kinds)('$name: a refused lane', kind => {
  it('is counted once, even when bad framing follows the refusal', async () => {
    const server = await serve(kind)
    const hosted = host(server, ['bad'])
    const ack = encodeFrame({ kind: FrameKind.Ack, channel: 1, seq: 0, payload: new Uint8Array(0) })
    if (kind.name === 'websocket') {
      const ws = await RawWs.open(server.address.url, dev.cert)
      cleanups.push(() => ws.close())
      ws.send(openFrame(1, 'bad'))
      ws.send(ack)
      ws.send(rawHeader(0xffffffff, FrameKind.Data, 1))
      ws.send(openFrame(0xffffffff, 'sentinel-nobody-listens'))
      await waitFor(
        () => ws.on(0xffffffff).some(frame => frame.kind === FrameKind.Close),
        'the sentinel lane to be refused',
      )
      expect(errorFrames(ws.on(1)).map(codeOf)).toEqual(['protocol'])
      expect(server.stats.refused).toEqual({ protocol: 1, 'unknown-channel': 1 })
    } else {
      const wt = await RawWt.open(server.address.url, dev.hash)
      cleanups.push(() => wt.close())
      const stream = await wt.stream()
      await stream.write(openFrame(1, 'bad'))
      await stream.write(ack)
      await stream.write(rawHeader(0xffffffff, FrameKind.Data, 1)).catch(() => undefined)
      await stream.end()
      await waitFor(() => stream.readEnded, 'the server to end the lane')
      await waitFor(
        () => hosted.sessions.length === 1 && hosted.channel(hosted.sessions[0]!.id, 'bad')?.outcome != null,
        'the bad channel to fail',
      )
      expect(errorFrames(stream.frames).map(codeOf)).toEqual(['protocol'])
      // let the rest of the stream be read
      const wtBefore = Date.now()
      await waitFor(() => Date.now() - wtBefore > 200, 'a moment')
      expect(server.stats.refused).toEqual({ protocol: 1 })
    }
    expect(transportError(hosted.channel(hosted.sessions[0]!.id, 'bad')!.outcome).code).toBe('protocol')
  })
})

describe('websocket: a channel re-subscribed after its lane was refused', () => {
  // The second onError of the refused receiver (see above) runs `receivers.delete(name)` and so
  // unregisters the *new* subscription: the next lane for that name is refused 'unknown-channel'
  // although somebody listens.
  it('still receives the next lane', async () => {
    const server = await serve(kinds[0]!)
    const got: unknown[] = []
    let errors = 0
    const subscription = server.sessions.subscribe(session => {
      const listen = (): void => {
        session.channel('bad').subscribe({
          next: value => void got.push(value),
          error: () => {
            if (++errors === 1) listen()
          },
        })
      }
      listen()
    })
    cleanups.push(() => subscription.unsubscribe())
    const ws = await RawWs.open(server.address.url, dev.cert)
    cleanups.push(() => ws.close())
    ws.send(openFrame(1, 'bad'))
    ws.send(encodeFrame({ kind: FrameKind.Ack, channel: 1, seq: 0, payload: new Uint8Array(0) }))
    ws.send(rawHeader(0xffffffff, FrameKind.Data, 1))
    ws.send(openFrame(3, 'bad'))
    ws.send(dataFrame(3, 0, new TextEncoder().encode('"ok"')))
    await waitFor(
      () => got.length > 0 || ws.on(3).some(frame => frame.kind === FrameKind.Error),
      'lane 3 to be delivered or refused',
      3000,
    )
    expect(errorFrames(ws.on(3))).toEqual([])
    expect(got).toEqual(['ok'])
  })
})

// ---- 2-7. limits, per transport -------------------------------------------------------------------

describe.each(kinds)('$name: limits', kind => {
  it('a value above maxFrameBytes fails at the sender with a RangeError naming the limit', async () => {
    const server = await serve(kind, { limits: { maxFrameBytes: 4096 } })
    const hosted = host(server, ['big', 'other'])
    const session = client(kind, server, { limits: { maxFrameBytes: 4096 } })
    await session.ready
    const big = record(session.send('big', of('x'.repeat(10_000))))
    const outcome = await within(big.ended, 5000, 'the big send')
    expect(outcome.kind).toBe('error')
    const error = (outcome as { error: unknown }).error as Error
    expect(error).toBeInstanceOf(RangeError)
    expect(error.message).toMatch(/maxFrameBytes \(4096\)/)
    const other = record(session.send('other', of('a', 'b')))
    expect((await within(other.ended, 5000, 'the other send')).kind).toBe('complete')
    expect(hosted.channel(session.id, 'other')?.values).toEqual(['a', 'b'])
    expect(hosted.channel(session.id, 'big')?.values).toEqual([])
    expect(server.stats.refused['too-large'] ?? 0).toBe(0)
  })

  it('a frame above the server maxFrameBytes: the lane is refused as too-large and counted; other channels go on', async () => {
    const server = await serve(kind, { limits: { maxFrameBytes: 4096 } })
    const hosted = host(server, ['big', 'other'])
    const session = client(kind, server) // its own limit: the default 1 MiB
    await session.ready
    record(session.send('big', of('x'.repeat(10_000))))
    await waitFor(() => server.stats.refused['too-large'] === 1, "the server's too-large count")
    await waitFor(() => hosted.channel(session.id, 'big')?.outcome != null, "the server's big channel to fail")
    expect(transportError(hosted.channel(session.id, 'big')!.outcome).code).toBe('too-large')
    expect(hosted.channel(session.id, 'big')?.values).toEqual([])
    const other = record(session.send('other', of(1, 2, 3)))
    expect((await within(other.ended, 5000, 'the other send')).kind).toBe('complete')
    expect(hosted.channel(session.id, 'other')?.values).toEqual([1, 2, 3])
    expect(server.stats.refused).toEqual({ 'too-large': 1 })
  })

  // On WebSocket the refusal's Error frame is never written (see above): the client sees its lane
  // closed without a reason and the send neither completes nor errors.
  it('a frame above the server maxFrameBytes: the client send errors with too-large', async () => {
    const server = await serve(kind, { limits: { maxFrameBytes: 4096 } })
    host(server, ['big'])
    const session = client(kind, server)
    await session.ready
    const big = record(session.send('big', of('x'.repeat(10_000))))
    const error = transportError(await within(big.ended, 3000, 'the big send to end'))
    expect(error.code).toBe('too-large')
    expect(error.message).toMatch(/4096/)
  })

  it('a channel nobody subscribed: the send errors with unknown-channel, counted', async () => {
    const server = await serve(kind)
    const hosted = host(server, ['known'])
    const session = client(kind, server)
    const sent = record(session.send('nobody', of(1, 2, 3)))
    const error = transportError(await within(sent.ended, 5000, 'the send'))
    expect(error.code).toBe('unknown-channel')
    expect(error.message).toContain('nobody')
    expect(server.stats.refused).toEqual({ 'unknown-channel': 1 })
    expect(hosted.sessions).toHaveLength(1)
    expect(hosted.sessions[0]!.stats.refused).toEqual({ 'unknown-channel': 1 })
    // the session itself goes on
    const known = record(session.send('known', of('k')))
    expect((await within(known.ended, 5000, 'the known send')).kind).toBe('complete')
    expect(hosted.channel(session.id, 'known')?.values).toEqual(['k'])
  })

  describe('authentication', () => {
    const authenticate = ({ url }: { url: URL }) => (url.searchParams.get('token') === 'secret' ? { user: 'a' } : false)

    it('a wrong token: ready rejects with refused, no session, no data, counted', async () => {
      const server = await serve(kind, { authenticate })
      const hosted = host(server, ['data'])
      const session = client(kind, server, { auth: { token: 'wrong' } })
      const sent = record(session.send('data', of(1, 2, 3)))
      const error = await session.ready.then(
        () => null,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(TransportError)
      expect((error as TransportError).code).toBe('refused')
      if (kind.name === 'websocket') expect((error as TransportError).message).toMatch(/HTTP 401/)
      expect(transportError(await within(sent.ended, 5000, 'the send')).code).toBe('refused')
      expect(server.stats.refusedSessions).toEqual({ unauthorized: 1, full: 0 })
      expect(hosted.sessions).toHaveLength(0)
      expect(server.stats.sessions).toBe(0)
      expect(server.stats.refused).toEqual({})
    })

    it('no token at all is refused too', async () => {
      const server = await serve(kind, { authenticate })
      const hosted = host(server, ['data'])
      const session = client(kind, server)
      await expect(session.ready).rejects.toMatchObject({ code: 'refused' })
      expect(server.stats.refusedSessions.unauthorized).toBe(1)
      expect(hosted.sessions).toHaveLength(0)
    })

    it('the right token: the session carries the principal and data flows', async () => {
      const server = await serve(kind, { authenticate })
      const hosted = host(server, ['data'])
      const session = client(kind, server, { auth: { token: 'secret' } })
      await session.ready
      const sent = record(session.send('data', of(1, 2, 3)))
      expect((await within(sent.ended, 5000, 'the send')).kind).toBe('complete')
      expect(hosted.sessions).toHaveLength(1)
      expect(hosted.sessions[0]!.principal).toEqual({ user: 'a' })
      expect(hosted.sessions[0]!.id).toBe(session.id)
      expect(hosted.channel(session.id, 'data')?.values).toEqual([1, 2, 3])
      expect(server.stats.refusedSessions).toEqual({ unauthorized: 0, full: 0 })
    })

    it('an authenticate that throws refuses', async () => {
      const server = await serve(kind, {
        authenticate: () => {
          throw new Error('auth backend down')
        },
      })
      const hosted = host(server, ['data'])
      const session = client(kind, server, { auth: { token: 'secret' } })
      record(session.send('data', of(1)))
      const error = await session.ready.then(
        () => null,
        (e: unknown) => e,
      )
      expect((error as TransportError).code).toBe('refused')
      if (kind.name === 'websocket') expect((error as TransportError).message).toMatch(/HTTP 401/)
      expect(server.stats.refusedSessions.unauthorized).toBe(1)
      expect(hosted.sessions).toHaveLength(0)
    })
  })

  it('maxSessions: a third concurrent client is refused as full (503); after one closes a new one gets in', async () => {
    const server = await serve(kind, { limits: { maxSessions: 2 } })
    const hosted = host(server, ['data'])
    const a = client(kind, server)
    const b = client(kind, server)
    await Promise.all([a.ready, b.ready])
    await waitFor(() => server.stats.sessions === 2, 'two sessions')
    const c = client(kind, server)
    const error = await c.ready.then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(TransportError)
    expect((error as TransportError).code).toBe('refused')
    if (kind.name === 'websocket') expect((error as TransportError).message).toMatch(/HTTP 503/)
    expect(server.stats.refusedSessions).toEqual({ unauthorized: 0, full: 1 })
    expect(hosted.sessions).toHaveLength(2)
    a.close()
    await waitFor(() => server.stats.sessions === 1, 'the closed session to go', 5000)
    const d = client(kind, server)
    await d.ready
    const sent = record(d.send('data', of('d')))
    expect((await within(sent.ended, 5000, 'the send')).kind).toBe('complete')
    expect(hosted.channel(d.id, 'data')?.values).toEqual(['d'])
    expect(server.stats.sessions).toBe(2)
    expect(server.stats.refusedSessions.full).toBe(1)
  })

  // WebTransport: quicServer hands maxStreamsPerSession to the HTTP/2 transport as its stream credit
  // (initialBidirectionalStreams), so the 4th stream is never granted: the client's send waits in
  // createBidirectionalStream forever, nothing is refused, nothing is counted.
  it('maxStreamsPerSession: the 4th concurrent channel is refused with too-many-streams; the first 3 go on', async () => {
    const server = await serve(kind, { limits: { maxStreamsPerSession: 3 } })
    const names = ['c1', 'c2', 'c3', 'c4']
    const hosted = host(server, names)
    const session = client(kind, server)
    await session.ready
    const subjects = names.map(() => new Subject<number>())
    const sends = names.slice(0, 3).map((name, i) => record(session.send(name, subjects[i]!)))
    subjects.slice(0, 3).forEach((subject, i) => subject.next(i * 10))
    await waitFor(
      () => names.slice(0, 3).every(name => (hosted.channel(session.id, name)?.values.length ?? 0) === 1),
      'the first 3 channels to be open',
    )
    const fourth = record(session.send('c4', subjects[3]!))
    subjects[3]!.next(99)
    const error = transportError(await within(fourth.ended, 5000, 'the 4th send to be refused'))
    expect(error.code).toBe('too-many-streams')
    expect(server.stats.refused).toEqual({ 'too-many-streams': 1 })
    expect(hosted.channel(session.id, 'c4')?.values).toEqual([])
    subjects.slice(0, 3).forEach((subject, i) => {
      subject.next(i * 10 + 1)
      subject.complete()
    })
    for (const sent of sends) expect((await within(sent.ended, 5000, 'a send')).kind).toBe('complete')
    names.slice(0, 3).forEach((name, i) => {
      expect(hosted.channel(session.id, name)?.values).toEqual([i * 10, i * 10 + 1])
      expect(hosted.channel(session.id, name)?.outcome).toEqual({ kind: 'complete' })
    })
  })

  it('messagesPerSecond: 1000 messages at once against 100/s with a burst of 10 errors the send with rate-limited, counted', async () => {
    const server = await serve(kind, { limits: { messagesPerSecond: 100, burst: 10 } })
    const hosted = host(server, ['fast'])
    const session = client(kind, server)
    await session.ready
    const sent = record(session.send('fast', range(0, 1000)))
    const error = transportError(await within(sent.ended, 5000, 'the send'))
    expect(error.code).toBe('rate-limited')
    expect(error.message).toMatch(/100 messages per second/)
    expect(server.stats.refused).toEqual({ 'rate-limited': 1 })
    await waitFor(() => hosted.channel(session.id, 'fast')?.outcome != null, 'the server channel to fail')
    const received = hosted.channel(session.id, 'fast')!
    expect(transportError(received.outcome).code).toBe('rate-limited')
    // the burst (plus whatever refilled in the few milliseconds), in order
    expect(received.values.length).toBeGreaterThanOrEqual(10)
    expect(received.values.length).toBeLessThan(30)
    expect(received.values).toEqual(Array.from({ length: received.values.length }, (_, i) => i))
  })
})
