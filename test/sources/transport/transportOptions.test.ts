import { lastValueFrom, range, toArray } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { quicSink } from '../../../sinks/index'
import {
  connect,
  createDevCertificate,
  type DevCertificate,
  quicServer,
  type TransportServer,
  wsServer,
} from '../../../sources/index'
import { tcpProxy } from '../../support/tcpProxy'

// Before: the browser's shape reached the dialler unchecked and failed there, retried and reported as
// TransportError 'unreachable' ("hash.replace is not a function"). Now every shape connects.
describe('certificate hashes in every shape a WebTransport user has', () => {
  let certificate: DevCertificate
  let server: TransportServer
  const received: number[][] = []
  beforeAll(async () => {
    certificate = await createDevCertificate()
    server = await quicServer({ cert: certificate.cert, key: certificate.key })
    server.sessions.subscribe(session => {
      const values: number[] = []
      received.push(values)
      session.channel<number>('up').subscribe({ next: v => void values.push(v), error: () => undefined })
    })
  })
  afterAll(async () => {
    await server.close()
  })

  const colonHex = () => Array.from(certificate.hash, b => b.toString(16).padStart(2, '0').toUpperCase()).join(':')
  it.each([
    ['the W3C entry with a Uint8Array', () => ({ algorithm: 'sha-256' as const, value: certificate.hash })],
    [
      'the W3C entry with an ArrayBuffer',
      () => ({ algorithm: 'sha-256' as const, value: certificate.hash.slice().buffer }),
    ],
    [
      'the W3C entry with a DataView',
      () => ({ algorithm: 'sha-256' as const, value: new DataView(certificate.hash.slice().buffer) }),
    ],
    ['bytes', () => certificate.hash],
    ['hex', () => certificate.hashHex],
    ['hex with colons, as openssl prints it', colonHex],
  ])('%s', async (_shape, hash) => {
    const client = connect(server.address.url, { transport: 'webtransport', certificateHashes: [hash()] })
    await client.ready
    expect(client.protocol).toBe('webtransport-http2')
    const progress = await lastValueFrom(client.send('up', range(0, 3)).pipe(toArray()))
    expect(progress.at(-1)?.acknowledged).toBe(3)
    client.close()
  })

  it('a hash of another certificate is refused by the server check, not by the option check', async () => {
    const other = await createDevCertificate()
    const client = connect(server.address.url, {
      transport: 'webtransport',
      certificateHashes: [{ algorithm: 'sha-256', value: other.hash }],
    })
    await expect(client.ready).rejects.toMatchObject({ name: 'TransportError', code: 'refused' })
    client.close()
  })

  it('a sink takes the W3C shape too', async () => {
    const before = received.length
    const progress = await lastValueFrom(
      range(0, 4).pipe(
        quicSink(server.address.url, {
          channel: 'up',
          certificateHashes: [{ algorithm: 'sha-256', value: certificate.hash }],
        }),
      ),
    )
    expect(progress.acknowledged).toBe(4)
    expect(received[before]).toEqual([0, 1, 2, 3])
  })
})

describe('a reconnect.backoff function that throws', () => {
  it('fails the session with a TransportError naming it, instead of leaving it detached', async () => {
    const certificate = await createDevCertificate()
    const server = await wsServer({ cert: certificate.cert, key: certificate.key })
    const proxy = await tcpProxy(server.address.port)
    try {
      const client = connect(`wss://127.0.0.1:${proxy.port}/midstream`, {
        ca: certificate.cert,
        reconnect: {
          retries: 3,
          backoff: () => {
            throw new Error('no delay for you')
          },
        },
      })
      const failed = new Promise<unknown>(resolve => (client.onClosed = error => resolve(error)))
      await client.ready
      expect(proxy.cut()).toBeGreaterThan(0)
      const error = await failed
      expect(error).toMatchObject({ name: 'TransportError', code: 'unreachable' })
      expect((error as Error).message).toMatch(/^connect: reconnect\.backoff threw: no delay for you/)
      expect(client.closed).toBe(true)
    } finally {
      await proxy.close()
      await server.close()
    }
  })
})
