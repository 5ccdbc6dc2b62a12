import { lastValueFrom, range, Subject, toArray } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { quicSink, wsSink } from '../../../sinks/index'
import {
  createDevCertificate,
  type DevCertificate,
  quicServer,
  quicSource,
  type TransportServer,
  type TransportSession,
  wsServer,
  wsSource,
} from '../../../sources/index'
import { sharedSessionCount } from '../../../sources/transport/sharedSessions'
import { waitFor } from '../../support/transport'

let certificate: DevCertificate
beforeAll(async () => {
  certificate = await createDevCertificate()
})

describe.each([
  ['WebSocket', wsServer, wsSink, wsSource],
  ['WebTransport over HTTP/2', quicServer, quicSink, quicSource],
] as const)('%s: sessions shared by sources and sinks of one URL', (_name, makeServer, sink, source) => {
  let server: TransportServer
  const sessions: TransportSession[] = []
  const closed: TransportSession[] = []
  const received = new Map<string, number[]>()
  const CHANNELS = 20
  beforeAll(async () => {
    server = await makeServer({ cert: certificate.cert, key: certificate.key })
    server.sessions.subscribe(session => {
      sessions.push(session)
      session.onClosed = () => closed.push(session)
      for (let k = 0; k < CHANNELS; k++) {
        session.channel<number>(`c${k}`).subscribe({
          next: value => received.set(`c${k}`, [...(received.get(`c${k}`) ?? []), value]),
          error: () => undefined,
        })
      }
      const ticks = new Subject<number>()
      session.send('ticks', ticks).subscribe({ error: () => undefined })
      // the server starts ticking once the client's first channel has arrived
      setTimeout(() => {
        for (let i = 0; i < 3; i++) ticks.next(i)
        ticks.complete()
      }, 200)
    })
  })
  afterAll(async () => {
    await server.close()
  })
  const options = () => ({ certificateHashes: [certificate.hash], ca: certificate.cert })

  it('many sinks started together go over one server session, which the last one to finish closes', async () => {
    const before = sessions.length
    received.clear()
    const sends = Array.from({ length: CHANNELS }, (_, k) =>
      lastValueFrom(range(0, 5).pipe(sink(server.address.url, { channel: `c${k}`, ...options() }))),
    )
    expect(sharedSessionCount()).toBe(1) // every sink subscribed (lastValueFrom) and leased the one session
    const progress = await Promise.all(sends)
    expect(progress.map(p => p.acknowledged)).toEqual(Array(CHANNELS).fill(5))
    expect(sessions.length - before).toBe(1)
    for (let k = 0; k < CHANNELS; k++) expect(received.get(`c${k}`)).toEqual([0, 1, 2, 3, 4])
    expect(sharedSessionCount()).toBe(0)
    await waitFor(() => closed.includes(sessions[before] as TransportSession), 'the server session to close')
  })

  it("'own' gives each sink a session of its own", async () => {
    const before = sessions.length
    await Promise.all(
      Array.from({ length: 3 }, (_, k) =>
        lastValueFrom(range(0, 2).pipe(sink(server.address.url, { channel: `c${k}`, session: 'own', ...options() }))),
      ),
    )
    expect(sessions.length - before).toBe(3)
  })

  it('a source and a sink of one URL share a session; a second source of the same channel gets its own', async () => {
    const before = sessions.length
    const first = lastValueFrom(source<number>(server.address.url, { channel: 'ticks', ...options() }).pipe(toArray()))
    const second = lastValueFrom(source<number>(server.address.url, { channel: 'ticks', ...options() }).pipe(toArray()))
    const sent = lastValueFrom(range(0, 2).pipe(sink(server.address.url, { channel: 'c0', ...options() })))
    expect(await first).toEqual([0, 1, 2])
    expect(await second).toEqual([0, 1, 2])
    await sent
    expect(sessions.length - before).toBe(2)
  })

  it('different connection options do not share', async () => {
    const before = sessions.length
    await Promise.all([
      lastValueFrom(range(0, 2).pipe(sink(server.address.url, { channel: 'c1', ...options() }))),
      lastValueFrom(
        range(0, 2).pipe(sink(server.address.url, { channel: 'c2', limits: { maxFrameBytes: 4096 }, ...options() })),
      ),
    ])
    expect(sessions.length - before).toBe(2)
  })
})
