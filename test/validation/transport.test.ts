// Each public factory, constructor and operator of the transport and LLM sources, given bad input:
// the error is a TypeError (wrong kind) or RangeError (right kind, out of range) thrown at the call,
// and its message starts with the public name called. Nothing here dials: a checked call fails first.
import { of } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { quicSink, sendTo, wsSink } from '../../sinks/index'
import {
  connect,
  createDevCertificate,
  llmStream,
  quicServer,
  quicSource,
  realtimeSource,
  sseSource,
  wsServer,
  wsSource,
} from '../../sources/index'
import { encodeFrame, FrameDecoder, FrameKind, jsonCodec } from '../../src/transport/framing'
import { resolveLimits } from '../../src/transport/options'
import { TokenBucket } from '../../src/transport/reliability'
import { type ErrorClass, expectRefused as expectError } from '../support/refused'

async function expectRejection(call: () => Promise<unknown>, kind: ErrorClass, name: string): Promise<void> {
  const error = await call().then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(kind)
  expect((error as Error).message.startsWith(`${name}: `), (error as Error).message).toBe(true)
}

const URL_WT = 'https://127.0.0.1:1/midstream'
const URL_WS = 'wss://127.0.0.1:1/midstream'
const HASH = new Uint8Array(32)

describe('connect', () => {
  it('refuses a bad URL, an unknown option and each bad connection option, naming it', () => {
    expectError(() => connect('http://x/y'), TypeError, 'connect', 'url')
    expectError(() => connect(42 as never), TypeError, 'connect', 'url')
    expectError(() => connect(URL_WT, { certificateHash: [HASH] } as never), TypeError, 'connect', 'certificateHash')
    expectError(() => connect(URL_WT, { transport: 'quic' as never }), RangeError, 'connect', 'transport')
    expectError(() => connect(URL_WT, { fallback: 'https://x/y' }), TypeError, 'connect', 'fallback')
    expectError(() => connect(URL_WT, { ca: 7 as never }), TypeError, 'connect', 'ca')
    expectError(() => connect(URL_WT, { auth: { token: 5 as never } }), TypeError, 'connect', 'auth.token')
    expectError(() => connect(URL_WT, { auth: { tokn: 'x' } as never }), TypeError, 'connect', 'tokn')
    expectError(() => connect(URL_WT, { reconnect: 'yes' as never }), TypeError, 'connect', 'reconnect')
    expectError(() => connect(URL_WT, { reconnect: { retries: -1 } }), RangeError, 'connect', 'reconnect.retries')
    expectError(() => connect(URL_WT, { reconnect: { retries: 1.5 } }), RangeError, 'connect', 'reconnect.retries')
    expectError(
      () => connect(URL_WT, { reconnect: { backoff: { initialMs: -5 } } }),
      RangeError,
      'connect',
      'reconnect.backoff.initialMs',
    )
    expectError(() => connect(URL_WT, { limits: { maxFrameBytes: 8 } }), RangeError, 'connect', 'limits.maxFrameBytes')
    expectError(() => connect(URL_WT, { limits: { maxFrames: 8 } as never }), TypeError, 'connect', 'maxFrames')
  })

  it('checks certificate hashes when called: bytes, hex and the W3C { algorithm, value } shape', () => {
    expectError(() => connect(URL_WT, { certificateHashes: HASH as never }), TypeError, 'connect', 'certificateHashes')
    expectError(
      () => connect(URL_WT, { certificateHashes: [new Uint8Array(31)] }),
      RangeError,
      'connect',
      'certificateHashes[0]',
    )
    expectError(() => connect(URL_WT, { certificateHashes: ['abc'] }), RangeError, 'connect', 'certificateHashes[0]')
    expectError(
      () => connect(URL_WT, { certificateHashes: [42 as never] }),
      TypeError,
      'connect',
      'certificateHashes[0]',
    )
    expectError(
      () => connect(URL_WT, { certificateHashes: [{ algorithm: 'sha-1' as never, value: HASH }] }),
      RangeError,
      'connect',
      'certificateHashes[0].algorithm',
    )
    expectError(
      () => connect(URL_WT, { certificateHashes: [{ algorithm: 'sha-256', value: 'zz' }] }),
      RangeError,
      'connect',
      'certificateHashes[0].value',
    )
  })
})

describe.each([
  ['quicSource', quicSource, URL_WT],
  ['wsSource', wsSource, URL_WS],
] as const)('%s', (name, source, url) => {
  it('refuses bad options at the call', () => {
    expectError(() => source(url, undefined as never), TypeError, name)
    expectError(() => source(url, { channel: 3 as never }), TypeError, name, 'channel')
    expectError(() => source(url, { channel: '' }), RangeError, name, 'channel')
    expectError(() => source(url, { channel: 'x'.repeat(300) }), RangeError, name, 'channel')
    expectError(() => source(url, { channel: 'a', chanel: 'b' } as never), TypeError, name, 'chanel')
    expectError(() => source(url, { channel: 'a', session: 'mine' as never }), RangeError, name, 'session')
    expectError(() => source(url, { channel: 'a', codec: {} as never }), TypeError, name, 'codec')
    expectError(() => source('ftp://x/y', { channel: 'a' }), TypeError, name, 'url')
    expectError(
      () => source(url, { channel: 'a', certificateHashes: [{ algorithm: 'sha-256', value: 1 as never }] }),
      TypeError,
      name,
    )
  })
})

describe.each([
  ['quicSink', (url: string, options: never) => quicSink(url, options), URL_WT],
  ['wsSink', (url: string, options: never) => wsSink(url, options), URL_WS],
  ['sendTo', (url: string, options: never) => sendTo(url, options, of(1)), URL_WT],
] as const)('%s', (name, sink, url) => {
  it('refuses bad options at the call', () => {
    expectError(() => sink(url, { channel: 7 } as never), TypeError, name, 'channel')
    expectError(() => sink(url, { channel: 'a', priorty: 1 } as never), TypeError, name, 'priorty')
    expectError(() => sink(url, { channel: 'a', priority: Number.NaN } as never), RangeError, name, 'priority')
    expectError(() => sink(url, { channel: 'a', reliability: 'lossy' } as never), RangeError, name, 'reliability')
    expectError(() => sink(url, { channel: 'a', reconnect: { retries: -1 } } as never), RangeError, name, 'retries')
    expectError(() => sink(42 as never, { channel: 'a' } as never), TypeError, name, 'target')
  })
})

it('sendTo refuses a source that is neither an Observable nor an AsyncIterable', () => {
  expectError(() => sendTo(URL_WT, { channel: 'a' }, [1, 2] as never), TypeError, 'sendTo', 'source')
})

describe.each([
  ['quicServer', quicServer],
  ['wsServer', wsServer],
] as const)('%s', (name, makeServer) => {
  it('refuses bad options before listening', async () => {
    const { cert, key } = await createDevCertificate()
    await expectRejection(() => makeServer(undefined as never), TypeError, name)
    await expectRejection(() => makeServer({ cert: 'nope', key }), RangeError, name)
    await expectRejection(() => makeServer({ cert, key, port: 70000 }), RangeError, name)
    await expectRejection(() => makeServer({ cert, key, path: 'x' }), RangeError, name)
    await expectRejection(() => makeServer({ cert, key, hots: '::1' } as never), TypeError, name)
    await expectRejection(() => makeServer({ cert, key, authenticate: 'yes' as never }), TypeError, name)
    await expectRejection(() => makeServer({ cert, key, limits: { maxSessions: 0 } }), RangeError, name)
    await expectRejection(() => makeServer({ cert, key, limits: { resumeWindow: 1 } as never }), TypeError, name)
    await expectRejection(() => makeServer({ cert, key, limits: { burst: Number.NaN } }), RangeError, name)
  })
})

describe('LLM sources', () => {
  const base = { baseURL: 'http://127.0.0.1:1/v1', model: 'm', messages: [{ role: 'user', content: 'hi' }] }
  it('llmStream', () => {
    expectError(() => llmStream(undefined as never), TypeError, 'llmStream')
    expectError(() => llmStream({ ...base, baseURL: 'nope' }), TypeError, 'llmStream', 'baseURL')
    expectError(() => llmStream({ ...base, model: 3 as never }), TypeError, 'llmStream', 'model')
    expectError(() => llmStream({ ...base, messages: [] }), TypeError, 'llmStream', 'messages')
    expectError(() => llmStream({ ...base, temperature: -1 }), RangeError, 'llmStream', 'temperature')
    expectError(() => llmStream({ ...base, maxTokens: 0 }), RangeError, 'llmStream', 'maxTokens')
    expectError(() => llmStream({ ...base, fetch: 1 as never }), TypeError, 'llmStream', 'fetch')
    expectError(() => llmStream({ ...base, signal: {} as never }), TypeError, 'llmStream', 'signal')
    expectError(() => llmStream({ ...base, temprature: 1 } as never), TypeError, 'llmStream', 'temprature')
  })
  it('sseSource', () => {
    expectError(() => sseSource(42 as never), TypeError, 'sseSource')
    expectError(() => sseSource('not a url'), TypeError, 'sseSource', 'url')
    expectError(() => sseSource('http://127.0.0.1:1/', { maxEventBytes: 0 }), RangeError, 'sseSource', 'maxEventBytes')
    expectError(() => sseSource('http://127.0.0.1:1/', { fetch: 'x' as never }), TypeError, 'sseSource', 'fetch')
    expectError(() => sseSource('http://127.0.0.1:1/', { retries: 1 } as never), TypeError, 'sseSource', 'retries')
    expectError(() => sseSource('http://127.0.0.1:1/', { reconnect: { retries: -1 } }), RangeError, 'sseSource')
    expectError(() => sseSource('http://127.0.0.1:1/', { reconnect: { maxDelay: 1 } as never }), TypeError, 'sseSource')
  })
  it('realtimeSource', () => {
    expectError(() => realtimeSource(undefined as never), TypeError, 'realtimeSource')
    expectError(() => realtimeSource({ model: '' }), RangeError, 'realtimeSource', 'model')
    expectError(
      () => realtimeSource({ model: 'm', url: 'ws://example.com/x' }),
      TypeError,
      'realtimeSource',
      'loopback',
    )
    expectError(() => realtimeSource({ model: 'm', url: 'https://x/y' }), TypeError, 'realtimeSource', 'url')
    expectError(() => realtimeSource({ model: 'm', maxQueued: -1 }), RangeError, 'realtimeSource', 'maxQueued')
    expectError(() => realtimeSource({ model: 'm', reconnect: { retries: -1 } }), RangeError, 'realtimeSource')
    expectError(() => realtimeSource({ model: 'm', reconnect: { initialMs: 0 } }), RangeError, 'realtimeSource')
    expectError(() => realtimeSource({ model: 'm', modle: 'x' } as never), TypeError, 'realtimeSource', 'modle')
    expectError(() => realtimeSource({ model: 'm', headers: { a: 1 } } as never), TypeError, 'realtimeSource')
  })
})

describe('kernels of the transport', () => {
  it('framing, limits, rate limiting and the development certificate', async () => {
    expectError(
      () => encodeFrame({ kind: 99 as never, channel: 1, seq: 0, payload: new Uint8Array() }),
      RangeError,
      'encodeFrame',
    )
    expectError(
      () => encodeFrame({ kind: FrameKind.Data, channel: 1, seq: 0, payload: 'x' as never }),
      TypeError,
      'encodeFrame',
    )
    expectError(() => new FrameDecoder(3), RangeError, 'FrameDecoder')
    expectError(() => new FrameDecoder().push('x' as never), TypeError, 'FrameDecoder.push')
    expectError(() => jsonCodec.encode(undefined), TypeError, 'jsonCodec.encode')
    expectError(() => resolveLimits({ maxFrameBytes: 1 }, 'connect'), RangeError, 'connect')
    expectError(() => new TokenBucket(0, 1), RangeError, 'TokenBucket')
    await expectRejection(() => createDevCertificate({ days: 30 }), RangeError, 'createDevCertificate')
    await expectRejection(() => createDevCertificate({ hosts: [] }), RangeError, 'createDevCertificate')
  })
})
