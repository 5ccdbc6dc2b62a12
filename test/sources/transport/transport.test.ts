import { spawnSync } from 'node:child_process'
import { firstValueFrom, lastValueFrom, range, Subject, toArray } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  bytesCodec,
  connect,
  createDevCertificate,
  type DevCertificate,
  quicServer,
  type TransportServer,
  type TransportSession,
  wsServer,
} from '../../../sources/index'

let certificate: DevCertificate
beforeAll(async () => {
  certificate = await createDevCertificate()
})

describe.each([
  ['WebSocket', wsServer],
  ['WebTransport over HTTP/2', quicServer],
] as const)('%s', (_name, makeServer) => {
  let server: TransportServer
  const sessions: TransportSession[] = []
  beforeAll(async () => {
    server = await makeServer({ cert: certificate.cert, key: certificate.key })
    server.sessions.subscribe(session => {
      sessions.push(session)
      // echo: whatever arrives on `echo` goes back on `echoed`
      const echoed = new Subject<unknown>()
      session.channel('echo').subscribe(echoed)
      session.send('echoed', echoed).subscribe({ error: () => undefined })
    })
  })
  afterAll(async () => {
    await server.close()
  })
  const open = () => connect(server.address.url, { certificateHashes: [certificate.hash], ca: certificate.cert })

  it('echoes JSON values in order and completes both ways', async () => {
    const client = open()
    const values = Array.from({ length: 500 }, (_, i) => ({ i, text: `value ${i}`, list: [i, i / 3] }))
    const back = lastValueFrom(client.channel('echoed').pipe(toArray()))
    const progress = await lastValueFrom(client.send('echo', range(0, values.length)).pipe(toArray()))
    expect(progress.at(-1)).toMatchObject({ channel: 'echo', sent: values.length, acknowledged: values.length })
    client.close()
    await back.catch(() => undefined)
  })

  it('echoes bytes and structured values exactly', async () => {
    const client = open()
    const sent = Array.from({ length: 200 }, (_, i) => ({ i, s: 'ü€𝄞'.repeat(i % 5), n: i * 0.1 }))
    const back = firstValueFrom(
      client.channel('echoed').pipe(
        s => s,
        s => s.pipe(toArray()),
      ),
      { defaultValue: [] },
    )
    const done = lastValueFrom(
      client.send(
        'echo',
        (async function* () {
          yield* sent
        })(),
      ),
    )
    await done
    client.close()
    // the echo is torn down with the session; what came back before then is a prefix of what was sent
    const received = (await back.catch(() => [])) as unknown[]
    expect(sent.slice(0, received.length)).toEqual(received)
  })

  it('1000 concurrent channels on one session each deliver their message', async () => {
    const count = Number(process.env.CHANNELS ?? 1000)
    const arrived = new Map<string, unknown>()
    const ready = new Promise<void>(resolve => {
      const subscription = server.sessions.subscribe(session => {
        for (let k = 0; k < count; k++)
          session.channel(`c${k}`).subscribe(value => {
            arrived.set(`c${k}`, value)
            if (arrived.size === count) resolve()
          })
        subscription.unsubscribe()
      })
    })
    const client = open()
    const sends = Array.from({ length: count }, (_, k) => lastValueFrom(client.send(`c${k}`, range(k, 1))))
    await Promise.all([ready, ...sends])
    for (let k = 0; k < count; k++) expect(arrived.get(`c${k}`)).toBe(k)
    client.close()
  })

  it('a slow consumer keeps the sender bounded: an AsyncIterable is pulled only while the window has room', async () => {
    const window = 256 * 1024
    const message = new Uint8Array(16 * 1024)
    let produced = 0
    let consumed = 0
    let maxAhead = 0
    const got = new Promise<void>(resolve => {
      const subscription = server.sessions.subscribe(session => {
        subscription.unsubscribe()
        session.channel<Uint8Array>('bulk', { codec: bytesCodec }).subscribe({
          next: () => {
            consumed++
            // a slow consumer: 2 ms of work per message on the receiving side
            const until = performance.now() + 2
            while (performance.now() < until);
          },
          complete: resolve,
        })
      })
    })
    const client = connect(server.address.url, {
      certificateHashes: [certificate.hash],
      ca: certificate.cert,
      limits: { maxUnackedBytes: window },
    })
    async function* source() {
      for (let i = 0; i < 300; i++) {
        produced++
        maxAhead = Math.max(maxAhead, produced - consumed)
        yield message
      }
    }
    await lastValueFrom(client.send('bulk', source(), { codec: bytesCodec }))
    await got
    expect(consumed).toBe(300)
    // in flight: the window plus one message above it, plus the one being produced
    expect(maxAhead).toBeLessThanOrEqual(Math.ceil(window / (message.length + 17)) + 2)
    client.close()
  })

  it('closing the client closes the session on the server', async () => {
    const arrived = new Promise<TransportSession>(resolve => {
      const subscription = server.sessions.subscribe(session => {
        subscription.unsubscribe()
        resolve(session)
      })
    })
    const client = open()
    await client.ready
    const session = await arrived
    expect(session.closed).toBe(false)
    client.close()
    for (let i = 0; i < 100 && !session.closed; i++) await new Promise(resolve => setTimeout(resolve, 20))
    expect(session.closed).toBe(true)
  })
})

describe.each([
  ['WebSocket', wsServer],
  ['WebTransport over HTTP/2', quicServer],
] as const)('priority over %s', (_name, makeServer) => {
  it('under contention, a high-priority channel started later finishes before the low one', async () => {
    const server = await makeServer({ cert: certificate.cert, key: certificate.key })
    const order: string[] = []
    const done = new Promise<void>(resolve => {
      server.sessions.subscribe(session => {
        for (const name of ['low', 'high'])
          session
            .channel(name, { codec: bytesCodec })
            .subscribe({ complete: () => order.push(name) === 2 && resolve() })
      })
    })
    const client = connect(server.address.url, { certificateHashes: [certificate.hash], ca: certificate.cert })
    await client.ready
    const chunk = new Uint8Array(64 * 1024)
    const chunks = async function* (n: number) {
      for (let i = 0; i < n; i++) yield chunk
    }
    const low = lastValueFrom(client.send('low', chunks(400), { codec: bytesCodec, priority: 0 }))
    await new Promise(resolve => setTimeout(resolve, 5))
    const high = lastValueFrom(client.send('high', chunks(20), { codec: bytesCodec, priority: 10 }))
    await Promise.all([low, high, done])
    expect(order).toEqual(['high', 'low'])
    client.close()
    await server.close()
  })
})

describe('import', () => {
  it('loading the WebTransport package prints nothing and reports the transport through webTransportSupport()', () => {
    const script =
      "import('./sources/index.ts').then(async (m) => { const s = await m.webTransportSupport(); process.stdout.write(JSON.stringify(s)) })"
    const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      encoding: 'utf8',
      cwd: process.cwd(),
      timeout: 30_000,
    })
    expect(result.stderr).toBe('')
    const support = JSON.parse(result.stdout) as { available: boolean; http3: boolean; implementation: string }
    expect(support).toMatchObject({ available: true, http3: false, implementation: '@fails-components/webtransport' })
  })
})

describe('fallback', () => {
  it('connect(https URL, { fallback }) uses the WebSocket server when WebTransport cannot connect', async () => {
    const server = await wsServer({ cert: certificate.cert, key: certificate.key })
    const got = new Promise<unknown[]>(resolve =>
      server.sessions.subscribe(s => s.channel('x').pipe(toArray()).subscribe(resolve)),
    )
    // nothing listens for WebTransport on the ws server's port + 0: the HTTP/2 CONNECT gets no WebTransport answer
    const client = connect(`https://127.0.0.1:${server.address.port}/midstream`, {
      fallback: server.address.url,
      certificateHashes: [certificate.hash],
      ca: certificate.cert,
    })
    await lastValueFrom(client.send('x', range(0, 10)))
    expect(client.protocol).toBe('websocket')
    expect(await got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    client.close()
    await server.close()
  })
})

describe('no open handles', () => {
  it('a process that uses both transports and closes them ends by itself', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'test/sources/fixtures/exitsByItself.ts'], {
      encoding: 'utf8',
      cwd: process.cwd(),
      timeout: 30_000,
    })
    expect(result.signal).toBeNull() // not killed by the timeout
    expect(result.status).toBe(0)
    const results = JSON.parse(result.stdout) as Record<
      string,
      { firstThree: number[]; received: number; closedSessions: number }
    >
    for (const name of ['ws', 'wt']) {
      expect(results[name].firstThree).toEqual([0, 1, 2])
      expect(results[name].received).toBe(100)
      // three clients (the source, the sink, the bare session): each session closed on the server
      expect(results[name].closedSessions).toBe(3)
    }
  }, 40_000)
})
