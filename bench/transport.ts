/**
 * Transport comparison, side by side in one run, all on 127.0.0.1 over TLS with the same dev
 * certificate:
 *  - midstream WebTransport (over HTTP/2, @fails-components/webtransport) — `quicServer` + `connect`;
 *  - midstream WebSocket — `wsServer` + `connect` (same framing, acknowledgements and windows);
 *  - plain `ws`: a `WebSocketServer` on an `https` server, raw Buffers, the baseline a user would pick.
 *
 * Figures (medians over repetitions):
 *  1. throughput of one stream, 64 KiB messages, client -> server and server -> client (MB/s);
 *     our sources are AsyncIterables (backpressure), plain ws waits for the send callback once
 *     `bufferedAmount` passes 8 MiB (our default window), bytes counted at the receiver;
 *  2. rate of 100-byte messages (messages/s), our source an Observable and an AsyncIterable;
 *  3a. stream open, local: a WebSocket lane is local bookkeeping (nothing to wait for, n/a); a
 *     WebTransport lane waits for the package's `createUnidirectionalStream()` before its first write,
 *     so the WT figure is that call alone, timed on a connected raw @fails-components/webtransport
 *     session (the library's own lane cannot be observed from outside without editing it);
 *  3b. new channel -> first message at the server (one-way, same process): start a `send` on a new
 *     channel until its first message is at the server; plain ws: one message on an already-open
 *     connection until the server's 'message' handler runs; raw package: `createUnidirectionalStream`
 *     + write 30 bytes until the server's reader has them (how much of our WT figure is the package);
 *  4. 1 000 concurrent streams on one session (one message each, until all 1 000 arrived);
 *     plain ws: 1 000 concurrent connections, labelled.
 *
 * Run: npm run bench -- transport   (TRANSPORT_BENCH_MB=64 for a shorter run)
 */
import { once } from 'node:events'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { firstValueFrom, lastValueFrom, Observable, of } from 'rxjs'
import WebSocket, { WebSocketServer } from 'ws'
import {
  bytesCodec,
  type ClientSession,
  connect,
  createDevCertificate,
  quicServer,
  type TransportServer,
  type TransportSession,
  wsServer,
} from '../sources/index'
import { HTTP2_WINDOWS } from '../sources/transport/client'
import { loadWebTransport } from '../sources/transport/webTransportPackage'
import type { WebTransportLike } from '../src/transport/wtLink'
import { fmt, machineLine, median, printTable, ratio, yieldTurn } from './lib/report'

const MB = 1e6
const BIG = 64 * 1024
const TOTAL_MB = Number(process.env.TRANSPORT_BENCH_MB ?? 256)
const BIG_COUNT = Math.round((TOTAL_MB * MB) / BIG)
const SMALL = 100
const SMALL_COUNT = Number(process.env.TRANSPORT_BENCH_SMALL ?? 200_000)
const OPENS = 200
const RAW = 30 // bytes the raw-package one-way figure writes
const SPACING_MS = 1 // pause between one-way samples, so nothing queues
const CONCURRENT = 1000
const REPEATS = Number(process.env.TRANSPORT_BENCH_REPEATS ?? 3)
const TIMEOUT_MS = Number(process.env.TRANSPORT_BENCH_TIMEOUT_MS ?? 20_000)
const WINDOW = 8 << 20 // our default maxUnackedBytes, reused as plain ws's bufferedAmount threshold

const bigPayload = new Uint8Array(BIG).fill(7)
const smallPayload = new Uint8Array(SMALL).fill(3)

// An 'error' event nobody listens for (e.g. a ws socket closing with 1009) would end the process:
// record it, fail the step that is running, and go on with the next.
const failWaiting = new Set<(error: Error) => void>()
process.on('uncaughtException', error => {
  progress(`uncaught ${error.name}: ${error.message}`)
  for (const fail of failWaiting)
    fail(new Error(`uncaught ${error.name}: ${error.message} (${(error as { code?: string }).code ?? ''})`))
})

/** Resolves with `promise`, or rejects after `ms` (or on an uncaught error) with a message naming what failed. */
function withTimeout<T>(promise: Promise<T>, what: string, ms = TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout>
  let fail!: (error: Error) => void
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      fail = error => reject(new Error(`${what}: ${error.message}`))
      failWaiting.add(fail)
      timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms)
    }),
  ]).finally(() => {
    clearTimeout(timer)
    failWaiting.delete(fail)
  })
}

/** Progress on stderr (the table goes to stdout); TRANSPORT_BENCH_QUIET=1 silences it. */
function progress(line: string): void {
  if (process.env.TRANSPORT_BENCH_QUIET !== '1') process.stderr.write(`  [transport] ${line}\n`)
}

async function* repeat(payload: Uint8Array, count: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) yield payload
}

function repeatObservable(payload: Uint8Array, count: number): Observable<Uint8Array> {
  return new Observable<Uint8Array>(subscriber => {
    for (let i = 0; i < count && !subscriber.closed; i++) subscriber.next(payload)
    subscriber.complete()
  })
}

/** Median of `repeats` runs of `run` (after one warm-up), each returning a figure. */
async function measure(what: string, repeats: number, run: () => Promise<number>, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await withTimeout(run(), what)
  const values: number[] = []
  for (let i = 0; i < repeats; i++) {
    values.push(await withTimeout(run(), what))
    await yieldTurn()
  }
  return median(values)
}

// ---------------------------------------------------------------- midstream (both transports)

interface Pair {
  server: TransportServer
  client: ClientSession
  peer: TransportSession
}

let channelCounter = 0
const fresh = (prefix: string): string => `${prefix}-${++channelCounter}`

// The sender coalesces everything queued (up to the whole window) into one lane write, and the
// WebSocket link sends each write as one ws message; ws refuses messages above maxPayload
// (4 MiB + 64) by closing with 1009 and an unhandled 'error' event. With the default 8 MiB window
// that happens on the first bulk transfer, so the WebSocket column runs with a 2 MiB window.
const WS_WINDOW = Number(process.env.TRANSPORT_BENCH_WS_WINDOW ?? 2 << 20)

async function openPair(
  kind: 'webtransport' | 'websocket',
  cert: string,
  key: string,
  hash: Uint8Array,
): Promise<Pair> {
  const limits =
    kind === 'websocket' ? { maxStreamsPerSession: 2048, maxUnackedBytes: WS_WINDOW } : { maxStreamsPerSession: 2048 }
  const server =
    kind === 'webtransport' ? await quicServer({ cert, key, limits }) : await wsServer({ cert, key, limits })
  const peerPromise = firstValueFrom(server.sessions)
  const client = connect(server.address.url, { certificateHashes: [hash], ca: cert, transport: kind, limits })
  await withTimeout(client.ready, `${kind} connect`)
  const peer = await withTimeout(peerPromise, `${kind} server session`)
  return { server, client, peer }
}

async function closePair(pair: Pair): Promise<void> {
  pair.client.close()
  await withTimeout(pair.server.close(), 'server close', 10_000)
}

/** Client -> server: time until the server has `count` messages (and the send is acknowledged); returns seconds. */
async function oursUpload(
  pair: Pair,
  source: () => AsyncIterable<Uint8Array> | Observable<Uint8Array>,
  count: number,
  bytesEach: number,
): Promise<number> {
  const name = fresh('up')
  let received = 0
  let bytes = 0
  const arrived = new Promise<void>((resolve, reject) => {
    pair.peer.channel<Uint8Array>(name, { codec: bytesCodec }).subscribe({
      next: m => {
        bytes += m.length
        if (++received === count) resolve()
      },
      error: reject,
    })
  })
  const t0 = performance.now()
  const sent = lastValueFrom(pair.client.send(name, source(), { codec: bytesCodec }))
  await Promise.all([arrived, sent])
  const seconds = (performance.now() - t0) / 1000
  if (bytes !== count * bytesEach) throw new Error(`upload: ${bytes} bytes arrived, expected ${count * bytesEach}`)
  return seconds
}

/** Server -> client, the same. */
async function oursDownload(pair: Pair, count: number): Promise<number> {
  const name = fresh('down')
  let bytes = 0
  let received = 0
  const arrived = new Promise<void>((resolve, reject) => {
    pair.client.channel<Uint8Array>(name, { codec: bytesCodec }).subscribe({
      next: m => {
        bytes += m.length
        if (++received === count) resolve()
      },
      error: reject,
    })
  })
  const t0 = performance.now()
  const sent = lastValueFrom(pair.peer.send(name, repeat(bigPayload, count), { codec: bytesCodec }))
  await Promise.all([arrived, sent])
  const seconds = (performance.now() - t0) / 1000
  if (bytes !== count * BIG) throw new Error(`download: ${bytes} bytes arrived, expected ${count * BIG}`)
  return seconds
}

/** One new channel: ms from `send` subscribed to the first message at the server (waits for the send to finish after). */
async function oursOpen(pair: Pair): Promise<number> {
  const name = fresh('open')
  let arrivedAt = 0
  const arrived = new Promise<void>((resolve, reject) => {
    pair.peer.channel<Uint8Array>(name, { codec: bytesCodec }).subscribe({
      next: () => {
        arrivedAt = performance.now()
        resolve()
      },
      error: reject,
    })
  })
  const t0 = performance.now()
  const sent = lastValueFrom(pair.client.send(name, of(smallPayload), { codec: bytesCodec }), { defaultValue: null })
  await Promise.all([arrived, sent])
  return arrivedAt - t0
}

/** `n` channels at once, one message each: ms until all arrived at the server (and all sends were acknowledged). */
async function oursConcurrent(pair: Pair, n: number): Promise<{ arrived: number; done: number }> {
  const names = Array.from({ length: n }, () => fresh('many'))
  let count = 0
  let arrivedAt = 0
  const arrived = new Promise<void>((resolve, reject) => {
    for (const name of names) {
      // stay subscribed until the channel completes: unsubscribing early refuses the sender's lane
      pair.peer.channel<Uint8Array>(name, { codec: bytesCodec }).subscribe({
        next: () => {
          if (++count === n) {
            arrivedAt = performance.now()
            resolve()
          }
        },
        error: reject,
      })
    }
  })
  const t0 = performance.now()
  const sends = names.map(name =>
    lastValueFrom(pair.client.send(name, of(smallPayload), { codec: bytesCodec }), { defaultValue: null }),
  )
  await Promise.all([arrived, ...sends])
  return { arrived: arrivedAt - t0, done: performance.now() - t0 }
}

interface Figures {
  up: number // MB/s
  down: number // MB/s
  smallObservable: number // messages/s
  smallIterable: number // messages/s
  open: number // us, median
  openP99: number
  concurrent: number // ms
  concurrentDone: number // ms
  errors: string[]
}

async function benchOurs(
  kind: 'webtransport' | 'websocket',
  cert: string,
  key: string,
  hash: Uint8Array,
): Promise<Figures> {
  const f: Figures = {
    up: NaN,
    down: NaN,
    smallObservable: NaN,
    smallIterable: NaN,
    open: NaN,
    openP99: NaN,
    concurrent: NaN,
    concurrentDone: NaN,
    errors: [],
  }
  const step = async (what: string, run: (pair: Pair) => Promise<void>): Promise<void> => {
    let pair: Pair | null = null
    const t0 = performance.now()
    try {
      pair = await openPair(kind, cert, key, hash)
      await run(pair)
      progress(`${kind} ${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    } catch (error) {
      progress(
        `${kind} ${what}: FAILED after ${((performance.now() - t0) / 1000).toFixed(1)} s: ${(error as Error).message}`,
      )
      f.errors.push(`${kind} ${what}: ${(error as Error).message}`)
    } finally {
      if (pair !== null)
        await closePair(pair).catch((error: Error) => f.errors.push(`${kind} close after ${what}: ${error.message}`))
    }
  }
  // each figure on its own connection, so one cannot slow (or break) the next
  await step('upload', async pair => {
    const s = await measure('upload', REPEATS, () =>
      oursUpload(pair, () => repeat(bigPayload, BIG_COUNT), BIG_COUNT, BIG),
    )
    f.up = (BIG_COUNT * BIG) / MB / s
  })
  await step('download', async pair => {
    const s = await measure('download', REPEATS, () => oursDownload(pair, BIG_COUNT))
    f.down = (BIG_COUNT * BIG) / MB / s
  })
  await step('small (Observable)', async pair => {
    const s = await measure('small observable', REPEATS, () =>
      oursUpload(pair, () => repeatObservable(smallPayload, SMALL_COUNT), SMALL_COUNT, SMALL),
    )
    f.smallObservable = SMALL_COUNT / s
  })
  await step('small (AsyncIterable)', async pair => {
    const s = await measure('small iterable', REPEATS, () =>
      oursUpload(pair, () => repeat(smallPayload, SMALL_COUNT), SMALL_COUNT, SMALL),
    )
    f.smallIterable = SMALL_COUNT / s
  })
  await step('stream open', async pair => {
    for (let i = 0; i < 20; i++) await withTimeout(oursOpen(pair), 'stream open (warm-up)')
    const samples: number[] = []
    for (let i = 0; i < OPENS; i++) {
      samples.push(await withTimeout(oursOpen(pair), `stream open #${i}`))
      await sleep(SPACING_MS)
    }
    samples.sort((a, b) => a - b)
    f.open = median(samples) * 1000
    f.openP99 = samples[Math.ceil(0.99 * samples.length) - 1] * 1000
  })
  // a fresh session per repetition: over WebTransport/HTTP2 a session can open only
  // maxStreamsPerSession streams in its whole life (closed streams give no credit back), so a second
  // and third batch of 1 000 on one session would measure that limit instead
  const runs: { arrived: number; done: number }[] = []
  for (let r = 0; r < REPEATS; r++) {
    await step(`${CONCURRENT} streams, run ${r + 1}`, async pair => {
      runs.push(await withTimeout(oursConcurrent(pair, CONCURRENT), `${CONCURRENT} concurrent streams, run ${r + 1}`))
    })
  }
  if (runs.length === REPEATS) {
    f.concurrent = median(runs.map(r => r.arrived))
    f.concurrentDone = median(runs.map(r => r.done))
  }
  return f
}

// ---------------------------------------------------------------- raw @fails-components/webtransport

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** p50 and p99 (us) of samples in ms. */
function p50p99(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b)
  return { p50: median(sorted) * 1000, p99: sorted[Math.ceil(0.99 * sorted.length) - 1] * 1000 }
}

interface RawFigures {
  create: number // us: createUnidirectionalStream() resolves
  createP99: number
  oneWay: number // us: create + write RAW bytes until the server's reader has them
  oneWayP99: number
  errors: string[]
}

/**
 * The package on its own, set up as `quicServer` / `connect` set it up (HTTP/2, same flow-control
 * windows), with no midstream framing, lanes or acknowledgements on top.
 */
async function benchRaw(cert: string, key: string, hash: Uint8Array): Promise<RawFigures> {
  const f: RawFigures = { create: NaN, createP99: NaN, oneWay: NaN, oneWayP99: NaN, errors: [] }
  const wt = await loadWebTransport()
  if (wt?.Http2Server === undefined) {
    f.errors.push('raw webtransport: @fails-components/webtransport not available')
    return f
  }
  const Server = wt.Http2Server
  const server = new Server({
    host: '127.0.0.1',
    port: 0,
    secret: 'raw-bench-secret-0123',
    cert,
    privKey: key,
    defaultDatagramsReadableMode: 'bytes',
    ...HTTP2_WINDOWS,
  })
  server.setRequestCallback(async () => ({ status: 200, path: '/raw' }))
  server.startServer()
  await server.ready
  const connections = new Set<{ close(): void; destroy(): void; on(event: string, listener: () => void): void }>()
  const inner = (
    server as unknown as {
      transportInt?: {
        serverInt?: {
          on(event: 'session', listener: (c: typeof connections extends Set<infer C> ? C : never) => void): void
        }
      }
    }
  ).transportInt?.serverInt
  inner?.on('session', connection => {
    connections.add(connection)
    connection.on('close', () => connections.delete(connection))
  })
  // each incoming stream: read it to its end, reporting the time its first bytes arrived
  let onFirstBytes: (at: number) => void = () => undefined
  const sessionReader = server.sessionStream('/raw').getReader()
  void (async () => {
    for (;;) {
      const { value: session, done } = await sessionReader
        .read()
        .catch(() => ({ value: undefined, done: true as const }))
      if (done || session === undefined) return
      session.closed.catch(() => undefined)
      void (async () => {
        const streams = session.incomingUnidirectionalStreams.getReader()
        for (;;) {
          const next = await streams.read().catch(() => ({ value: undefined, done: true as const }))
          if (next.done || next.value === undefined) return
          const reader = next.value.getReader()
          void (async () => {
            let first = true
            for (;;) {
              const chunk = await reader.read().catch(() => ({ value: undefined, done: true as const }))
              if (chunk.done) return
              if (first && chunk.value !== undefined && chunk.value.length > 0) {
                first = false
                onFirstBytes(performance.now())
              }
            }
          })()
        }
      })()
    }
  })()
  const address = server.address() ?? { host: '127.0.0.1', port: 0 }
  let client: WebTransportLike | null = null
  try {
    client = new wt.WebTransport(`https://127.0.0.1:${address.port}/raw`, {
      serverCertificateHashes: [{ algorithm: 'sha-256', value: hash }],
      forceReliable: true,
      ...HTTP2_WINDOWS,
    })
    client.closed.catch(() => undefined)
    await withTimeout(client.ready, 'raw webtransport connect')
    const session = client
    const payload = new Uint8Array(RAW).fill(5)
    const create = async (): Promise<number> => {
      const t0 = performance.now()
      const stream = await session.createUnidirectionalStream({ waitUntilAvailable: true })
      const elapsed = performance.now() - t0
      await stream.close()
      return elapsed
    }
    const oneWay = async (): Promise<number> => {
      const arrived = new Promise<number>(resolve => (onFirstBytes = resolve))
      const t0 = performance.now()
      const stream = await session.createUnidirectionalStream({ waitUntilAvailable: true })
      const writer = stream.getWriter()
      void writer.write(payload)
      const at = await arrived
      await writer.close()
      return at - t0
    }
    const sample = async (what: string, run: () => Promise<number>): Promise<{ p50: number; p99: number }> => {
      for (let i = 0; i < 20; i++) await withTimeout(run(), `${what} (warm-up)`)
      const samples: number[] = []
      for (let i = 0; i < OPENS; i++) {
        samples.push(await withTimeout(run(), `${what} #${i}`))
        await sleep(SPACING_MS)
      }
      return p50p99(samples)
    }
    const t0 = performance.now()
    try {
      ;({ p50: f.create, p99: f.createP99 } = await sample('raw createUnidirectionalStream', create))
      ;({ p50: f.oneWay, p99: f.oneWayP99 } = await sample('raw create + write', oneWay))
      progress(`raw webtransport: ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    } catch (error) {
      progress(`raw webtransport: FAILED: ${(error as Error).message}`)
      f.errors.push(`raw webtransport: ${(error as Error).message}`)
    }
  } finally {
    client?.close()
    sessionReader.cancel().catch(() => undefined)
    server.stopServer()
    const settles = (p: Promise<unknown>, ms: number) =>
      Promise.race([
        p.then(
          () => true,
          () => true,
        ),
        sleep(ms).then(() => false),
      ])
    if (!(await settles(server.closed, 1000))) {
      for (const c of connections) {
        c.on('error', () => undefined)
        c.destroy()
      }
      await settles(server.closed, 1000)
    }
  }
  return f
}

// ---------------------------------------------------------------- plain ws

interface PlainServer {
  url: string
  wss: WebSocketServer
  /** Called with each message the server receives. */
  onMessage: (data: Buffer, socket: WebSocket) => void
  close(): Promise<void>
}

async function plainServer(cert: string, key: string): Promise<PlainServer> {
  const https = createHttpsServer({ cert, key })
  const wss = new WebSocketServer({ server: https, perMessageDeflate: false, maxPayload: 4 << 20 })
  const server: PlainServer = {
    url: '',
    wss,
    onMessage: () => undefined,
    async close() {
      for (const client of wss.clients) client.terminate()
      await new Promise<void>(resolve => wss.close(() => resolve()))
      https.closeAllConnections()
      await new Promise<void>(resolve => https.close(() => resolve()))
    },
  }
  wss.on('connection', socket => {
    socket.on('message', (data: Buffer) => server.onMessage(data, socket))
  })
  https.listen(0, '127.0.0.1')
  await once(https, 'listening')
  server.url = `wss://127.0.0.1:${(https.address() as AddressInfo).port}/`
  return server
}

async function plainConnect(url: string, cert: string): Promise<WebSocket> {
  const socket = new WebSocket(url, { ca: cert, perMessageDeflate: false, maxPayload: 4 << 20 })
  await once(socket, 'open')
  return socket
}

/** Sends `count` copies of `payload`, waiting for the last send's callback whenever more than WINDOW bytes are buffered. */
async function plainSend(socket: WebSocket, payload: Buffer, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (socket.bufferedAmount > WINDOW) {
      await new Promise<void>((resolve, reject) => socket.send(payload, error => (error ? reject(error) : resolve())))
    } else socket.send(payload)
  }
}

/** Seconds until the receiver counted `count * payload.length` bytes. */
async function plainTransfer(
  server: PlainServer,
  client: WebSocket,
  serverSocket: WebSocket,
  direction: 'up' | 'down',
  payload: Buffer,
  count: number,
): Promise<number> {
  const expected = count * payload.length
  let bytes = 0
  let done!: () => void
  const arrived = new Promise<void>(resolve => (done = resolve))
  const count1 = (data: Buffer): void => {
    bytes += data.length
    if (bytes === expected) done()
  }
  if (direction === 'up') server.onMessage = count1
  else client.on('message', count1)
  const t0 = performance.now()
  await Promise.all([plainSend(direction === 'up' ? client : serverSocket, payload, count), arrived])
  const seconds = (performance.now() - t0) / 1000
  client.off('message', count1)
  server.onMessage = () => undefined
  return seconds
}

interface PlainFigures {
  up: number
  down: number
  small: number
  oneWay: number // us, one message on an open connection
  oneWayP99: number
  concurrent: number // ms
  errors: string[]
}

async function benchPlain(cert: string, key: string): Promise<PlainFigures> {
  const f: PlainFigures = { up: NaN, down: NaN, small: NaN, oneWay: NaN, oneWayP99: NaN, concurrent: NaN, errors: [] }
  const server = await plainServer(cert, key)
  try {
    const serverSide = once(server.wss, 'connection') as Promise<[WebSocket]>
    const client = await plainConnect(server.url, cert)
    const [serverSocket] = await serverSide
    const big = Buffer.from(bigPayload)
    const small = Buffer.from(smallPayload)
    const guard = async (what: string, run: () => Promise<void>) => {
      const t0 = performance.now()
      try {
        await run()
        progress(`plain ws ${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`)
      } catch (error) {
        progress(`plain ws ${what}: FAILED: ${(error as Error).message}`)
        f.errors.push(`plain ws ${what}: ${(error as Error).message}`)
      }
    }
    await guard('upload', async () => {
      f.up =
        (BIG_COUNT * BIG) /
        MB /
        (await measure('ws upload', REPEATS, () => plainTransfer(server, client, serverSocket, 'up', big, BIG_COUNT)))
    })
    await guard('download', async () => {
      f.down =
        (BIG_COUNT * BIG) /
        MB /
        (await measure('ws download', REPEATS, () =>
          plainTransfer(server, client, serverSocket, 'down', big, BIG_COUNT),
        ))
    })
    await guard('small', async () => {
      f.small =
        SMALL_COUNT /
        (await measure('ws small', REPEATS, () =>
          plainTransfer(server, client, serverSocket, 'up', small, SMALL_COUNT),
        ))
    })
    // one message on the open connection until the server's 'message' handler runs, spaced out
    await guard('one-way latency', async () => {
      const oneWay = async (): Promise<number> => {
        let done!: (at: number) => void
        const arrived = new Promise<number>(resolve => (done = resolve))
        server.onMessage = () => done(performance.now())
        const t0 = performance.now()
        client.send(small)
        return (await arrived) - t0
      }
      for (let i = 0; i < 20; i++) await withTimeout(oneWay(), 'ws one-way (warm-up)')
      const samples: number[] = []
      for (let i = 0; i < OPENS; i++) {
        samples.push(await withTimeout(oneWay(), `ws one-way #${i}`))
        await sleep(SPACING_MS)
      }
      ;({ p50: f.oneWay, p99: f.oneWayP99 } = p50p99(samples))
    })
    client.close()
    await guard('1000 connections', async () => {
      const runs: number[] = []
      for (let r = 0; r < REPEATS; r++) {
        let count = 0
        let done!: () => void
        const arrived = new Promise<void>(resolve => (done = resolve))
        server.onMessage = () => {
          if (++count === CONCURRENT) done()
        }
        const t0 = performance.now()
        const sockets = await withTimeout(
          Promise.all(
            Array.from({ length: CONCURRENT }, async () => {
              const socket = await plainConnect(server.url, cert)
              socket.send(small)
              return socket
            }),
          ),
          'ws 1000 connections',
        )
        await withTimeout(arrived, 'ws 1000 messages')
        runs.push(performance.now() - t0)
        for (const s of sockets) s.terminate()
        await yieldTurn()
      }
      f.concurrent = median(runs)
    })
    server.onMessage = () => undefined
  } finally {
    await server.close()
  }
  return f
}

// ---------------------------------------------------------------- run and print

console.log('## Transport: midstream WebTransport (HTTP/2) and WebSocket vs plain ws')
console.log()
console.log(machineLine())
console.log()

const started = performance.now()
const { cert, key, hash } = await createDevCertificate()
const wt = await benchOurs('webtransport', cert, key, hash)
const ws = await benchOurs('websocket', cert, key, hash)
const plain = await benchPlain(cert, key)
const raw = await benchRaw(cert, key, hash)

const mbs = (x: number) => (Number.isFinite(x) ? `${fmt(x)} MB/s` : 'failed')
const rate = (x: number) => (Number.isFinite(x) ? `${fmt(x / 1000)} k msg/s` : 'failed')
const us = (x: number, p99: number) => (Number.isFinite(x) ? `${fmt(x)} us (p99 ${fmt(p99)})` : 'failed')
const ms = (x: number) => (Number.isFinite(x) ? `${fmt(x)} ms` : 'failed')
// higher is better: ours / plain; lower is better: plain / ours. Both as "WT / WS".
const higher = (a: number, b: number, base: number) => `${ratio(a / base)} / ${ratio(b / base)}`
const lower = (a: number, b: number, base: number) => `${ratio(base / a)} / ${ratio(base / b)}`

const none = '-'
const rows: string[][] = [
  [
    `throughput, 1 stream, 64 KiB msgs, client -> server (${TOTAL_MB} MB)`,
    mbs(wt.up),
    mbs(ws.up),
    mbs(plain.up),
    none,
    higher(wt.up, ws.up, plain.up),
    '>= 100 MB/s, >= 0.5x',
  ],
  [
    `throughput, 1 stream, 64 KiB msgs, server -> client (${TOTAL_MB} MB)`,
    mbs(wt.down),
    mbs(ws.down),
    mbs(plain.down),
    none,
    higher(wt.down, ws.down, plain.down),
    '>= 100 MB/s, >= 0.5x',
  ],
  [
    `100 B messages, client -> server, Observable source (${fmt(SMALL_COUNT)})`,
    rate(wt.smallObservable),
    rate(ws.smallObservable),
    rate(plain.small),
    none,
    higher(wt.smallObservable, ws.smallObservable, plain.small),
    '>= 0.5x',
  ],
  [
    `100 B messages, client -> server, AsyncIterable source (${fmt(SMALL_COUNT)})`,
    rate(wt.smallIterable),
    rate(ws.smallIterable),
    rate(plain.small),
    none,
    higher(wt.smallIterable, ws.smallIterable, plain.small),
    '>= 0.5x',
  ],
  [
    `stream open, local (WT: the package's createUnidirectionalStream(), which our lane awaits)`,
    us(raw.create, raw.createP99),
    'n/a (a lane is local bookkeeping)',
    'n/a (no streams)',
    '(= WT column)',
    none,
    '< 100 us',
  ],
  [
    `new channel -> 1st msg at server, one-way (plain ws: 1 msg on open conn; raw: stream + ${RAW} B)`,
    us(wt.open, wt.openP99),
    us(ws.open, ws.openP99),
    us(plain.oneWay, plain.oneWayP99),
    us(raw.oneWay, raw.oneWayP99),
    lower(wt.open, ws.open, plain.oneWay),
    none,
  ],
  [
    `${CONCURRENT} concurrent streams on 1 session, 1 msg each, all arrived (plain ws: ${CONCURRENT} connections)`,
    ms(wt.concurrent),
    ms(ws.concurrent),
    ms(plain.concurrent),
    none,
    lower(wt.concurrent, ws.concurrent, plain.concurrent),
    `${CONCURRENT} streams`,
  ],
  [
    `  same, until all ${CONCURRENT} sends acknowledged`,
    ms(wt.concurrentDone),
    ms(ws.concurrentDone),
    'n/a',
    none,
    'n/a',
    '',
  ],
]
console.log(
  `TLS on 127.0.0.1, client and server in one process; throughput and ${CONCURRENT}-stream rows: median of ${REPEATS} repetitions after a warm-up; latency rows: median (p99) of ${OPENS} samples ${SPACING_MS} ms apart after 20 warm-up; ratio = midstream WT / midstream WS against plain ws (> 1x is better than plain ws); raw WT package = @fails-components/webtransport alone on a raw session, no midstream on top`,
)
console.log()
printTable(
  ['figure', 'midstream WT/HTTP2', 'midstream WebSocket', 'plain ws', 'raw WT package', 'WT / WS vs ws', 'goal'],
  rows,
)
const errors = [...wt.errors, ...ws.errors, ...plain.errors, ...raw.errors]
if (errors.length > 0) {
  console.log()
  console.log('errors:')
  for (const e of errors) console.log(`- ${e}`)
}
console.log()
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`)

// everything is closed: the process should exit by itself; if not, say what keeps it alive
setTimeout(() => {
  console.error(
    `still running 5 s after the last figure; active resources: ${process.getActiveResourcesInfo().join(', ')}`,
  )
}, 5000).unref()
if (errors.length > 0) process.exitCode = 1
