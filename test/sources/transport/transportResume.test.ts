import { firstValueFrom, lastValueFrom, range, toArray } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  connect,
  createDevCertificate,
  type DevCertificate,
  quicServer,
  type TransportServer,
  type TransportSession,
  wsServer,
} from '../../../sources/index'
import { rng } from '../../support/rng'
import { tcpProxy } from '../../support/tcpProxy'

let certificate: DevCertificate
beforeAll(async () => {
  certificate = await createDevCertificate()
})

const TOTAL = 100_000

describe.each([
  ['WebSocket', wsServer, 'wss'],
  ['WebTransport over HTTP/2', quicServer, 'https'],
] as const)('resume over %s', (_name, makeServer, scheme) => {
  let server: TransportServer
  afterAll(async () => {
    await server?.close()
  })

  it(`delivers ${TOTAL} messages each way exactly once and in order while the connection is cut at random points`, async () => {
    server = await makeServer({ cert: certificate.cert, key: certificate.key, limits: { resumeWindowMs: 10_000 } })
    const proxy = await tcpProxy(server.address.port)
    const upstream: number[] = []
    let serverSession: TransportSession | null = null
    const upDone = new Promise<void>((resolve, reject) => {
      server.sessions.subscribe(session => {
        serverSession = session
        session.channel<number>('up').subscribe({ next: v => upstream.push(v), error: reject, complete: resolve })
        session.send('down', range(0, TOTAL)).subscribe({ error: reject })
      })
    })
    const url = `${scheme}://127.0.0.1:${proxy.port}/midstream`
    const client = connect(url, {
      certificateHashes: [certificate.hash],
      ca: certificate.cert,
      reconnect: { retries: 100, backoff: { initialMs: 2, maxMs: 20 } },
    })
    const downstream = lastValueFrom(client.channel<number>('down').pipe(toArray()))
    const sent = lastValueFrom(client.send('up', range(0, TOTAL)))

    // the first connection is made whole (a failed first handshake is not retried); then cut at random moments
    await client.ready
    const random = rng(20261127)
    let cuts = 0
    let finished = false
    void Promise.all([upDone, downstream]).finally(() => (finished = true))
    while (!finished && cuts < 25) {
      await new Promise(resolve => setTimeout(resolve, 5 + random() * 60))
      if (!finished && proxy.cut() > 0) cuts++
    }
    const [received] = await Promise.all([downstream, upDone, sent])

    expect(cuts).toBeGreaterThanOrEqual(5)
    expect(upstream.length).toBe(TOTAL)
    for (let i = 0; i < TOTAL; i++) if (upstream[i] !== i) throw new Error(`upstream[${i}] = ${upstream[i]}`)
    expect(received.length).toBe(TOTAL)
    for (let i = 0; i < TOTAL; i++) if (received[i] !== i) throw new Error(`downstream[${i}] = ${received[i]}`)
    expect(server.stats.resumes).toBeGreaterThanOrEqual(1)
    // a cut during a handshake can leave the server with a resume the client never saw
    expect(client.stats.resumes).toBeGreaterThanOrEqual(1)
    expect(client.stats.resumes).toBeLessThanOrEqual(server.stats.resumes)
    expect(serverSession).not.toBeNull()
    client.close()
    await proxy.close()
  }, 120_000)
})

describe('resume refused', () => {
  it('a session that does not come back within resumeWindowMs ends with a TransportError on the server', async () => {
    const server = await wsServer({ cert: certificate.cert, key: certificate.key, limits: { resumeWindowMs: 50 } })
    const proxy = await tcpProxy(server.address.port)
    const ended = new Promise<unknown>(resolve =>
      server.sessions.subscribe(s => s.channel('x').subscribe({ error: resolve, complete: () => resolve('complete') })),
    )
    const client = connect(`wss://127.0.0.1:${proxy.port}/midstream`, { ca: certificate.cert })
    await client.ready
    await new Promise(resolve => setTimeout(resolve, 20))
    proxy.cut()
    const error = await ended
    expect(error).toMatchObject({ name: 'TransportError', code: 'closed' })
    await expect(firstValueFrom(client.channel('y'), { defaultValue: 'none' })).rejects.toMatchObject({
      code: 'closed',
    })
    client.close()
    await proxy.close()
    await server.close()
  })
})
