import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { Observable } from 'rxjs'
import { describeValue } from '../../src/errors'
import type { TransportSession } from '../../src/transport/session'
import { type WebSocketLike, webSocketLink } from '../../src/transport/wsLink'
import { webTransportLink } from '../../src/transport/wtLink'
import { checkFunction, checkInteger, checkOptions, checkString } from '../../src/validate'
import { WebSocketServer } from '../peers/sources'
import { HTTP2_WINDOWS, randomHex } from './client'
import { type Authenticate, headersOf, type ServerLimits, type ServerStats, SessionHub } from './hub'
import { loadWebTransport } from './webTransportPackage'

/** Options of `quicServer` and `wsServer`; each is checked when the server is asked for. */
export interface TransportServerOptions {
  /** Default '127.0.0.1'. */
  host?: string
  /** Default 0 (any free port). */
  port?: number
  /** PEM certificate and private key (TLS is not optional; `createDevCertificate` makes a pair for development). */
  cert: string
  /** The private key of `cert`, as PEM (a "PRIVATE KEY" block, such as `createDevCertificate`'s `key`). */
  key: string
  /** Default '/midstream'. */
  path?: string
  /** Decides on each connection before any of its data is read; without it every connection is accepted (its `principal` is `true`). */
  authenticate?: Authenticate
  /** Per-session limits (frame size, streams, rates) and the server's own (sessions at once, resume window); see `ServerLimits`. */
  limits?: ServerLimits
}

/** A running `quicServer` or `wsServer`. */
export interface TransportServer {
  /** Where it listens, and the URL clients dial. */
  readonly address: {
    /** The address it listens on, as the server reports it (e.g. `'127.0.0.1'`; an IPv6 address is bracketed in `url` only). */
    readonly host: string
    /** The port bound: the one chosen by the system when `port` was 0. */
    readonly port: number
    /** `https://host:port/path` for `quicServer`, `wss://host:port/path` for `wsServer`: what to pass to `connect` or a source or sink. */
    readonly url: string
  }
  /** 'webtransport-http2', 'webtransport-http3' or 'websocket'. */
  readonly protocol: string
  /** Each new session, once (a resumed session is not new). Subscribe before clients connect: a channel nobody listens on is refused. */
  readonly sessions: Observable<TransportSession>
  /** Live counters of refused connections, reset lanes, open sessions and resumes: one object, updated in place. */
  readonly stats: ServerStats
  /** Closes every session and stops listening. */
  close(): Promise<void>
}

/** The option names `quicServer` and `wsServer` know. */
const SERVER_OPTION_NAMES: readonly (keyof TransportServerOptions)[] = [
  'host',
  'port',
  'cert',
  'key',
  'path',
  'authenticate',
  'limits',
]
/** The highest TCP/UDP port number. */
const MAX_PORT = 65535

// Every option checked when the server is asked for, each error naming it (`fn` is the public name called).
function checkServerOptions(
  fn: string,
  options: TransportServerOptions,
): Required<Pick<TransportServerOptions, 'host' | 'port' | 'path'>> {
  checkOptions(fn, options, SERVER_OPTION_NAMES, true)
  const { host = '127.0.0.1', port = 0, path = '/midstream', cert, key } = options
  checkString(fn, 'cert', cert)
  if (!cert.includes('BEGIN CERTIFICATE'))
    throw new RangeError(`${fn}: cert must be a PEM certificate, got ${describeValue(cert).slice(0, 40)}`)
  checkString(fn, 'key', key)
  if (!key.includes('PRIVATE KEY')) throw new RangeError(`${fn}: key must be a PEM private key`)
  checkString(fn, 'host', host)
  checkInteger(fn, 'port', port, { min: 0, max: MAX_PORT })
  checkString(fn, 'path', path)
  if (!path.startsWith('/')) throw new RangeError(`${fn}: path must start with '/', got ${describeValue(path)}`)
  checkFunction(fn, 'authenticate', options.authenticate)
  return { host, port, path }
}

/**
 * A WebTransport server: HTTP/3 over QUIC when the optional native package is installed, else
 * WebTransport over HTTP/2 (TLS over TCP) in pure JavaScript. Every connection is authenticated
 * before any of its data is read; refused ones get HTTP 401 (or 503 above `limits.maxSessions`).
 *
 * ```ts
 * const { cert, key } = await createDevCertificate()
 * const server = await quicServer({ cert, key, authenticate: ({ url }) => url.searchParams.get('token') === secret })
 * server.sessions.subscribe((session) => session.channel('ticks').subscribe(console.log))
 * ```
 */
export async function quicServer(options: TransportServerOptions): Promise<TransportServer> {
  const { host, port, path } = checkServerOptions('quicServer', options)
  const hub = new SessionHub(options.limits, options.authenticate, 'quicServer')
  const wt = await loadWebTransport()
  if (wt?.Http2Server === undefined)
    throw new Error('quicServer needs @fails-components/webtransport (npm install @fails-components/webtransport)')
  const Server = wt.Http3Server ?? wt.Http2Server
  const protocol = wt.Http3Server !== undefined ? 'webtransport-http3' : 'webtransport-http2'
  const server = new Server({
    host,
    port,
    secret: randomHex(16),
    cert: options.cert,
    privKey: options.key,
    defaultDatagramsReadableMode: 'bytes',
    ...HTTP2_WINDOWS,
  })
  server.setRequestCallback(async ({ header }) => {
    const url = new URL(header[':path'] ?? '/', `https://${host}`)
    if (url.pathname !== path) return { status: 404 }
    const verdict = await hub.admit({ url, headers: header, remoteAddress: undefined })
    return verdict.status === 200
      ? { status: 200, path, userData: { url: url.href, principal: (verdict as { principal: unknown }).principal } }
      : { status: verdict.status }
  })
  server.startServer()
  await server.ready
  // stopServer waits for every HTTP/2 connection to go, and a client may keep its connection after its
  // WebTransport session: track them so close() can end them
  const connections = new Set<Http2Connection>()
  const inner = (
    server as unknown as {
      transportInt?: { serverInt?: { on(event: 'session', listener: (session: Http2Connection) => void): void } }
    }
  ).transportInt?.serverInt
  inner?.on('session', connection => {
    connections.add(connection)
    connection.on('close', () => connections.delete(connection))
  })
  const reader = server.sessionStream(path).getReader()
  void (async () => {
    for (;;) {
      const { value: session, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }))
      if (done || session === undefined) return
      const { url, principal } = (session.userData ?? {}) as { url?: string; principal?: unknown }
      session.ready.then(
        () =>
          hub.attach(
            webTransportLink(session, protocol, hub.limits.maxFrameBytes, 'server'),
            new URL(url ?? path, `https://${host}`),
            principal,
          ),
        () => undefined,
      )
    }
  })()
  const bound = server.address() ?? { host, port }
  return {
    address: { host: bound.host, port: bound.port, url: `https://${formatHost(bound.host)}:${bound.port}${path}` },
    protocol,
    sessions: hub.sessions,
    stats: hub.stats,
    async close() {
      hub.close()
      reader.cancel().catch(() => undefined)
      server.stopServer()
      // a connection a client keeps after its session would hold stopServer open: give it a moment, then end it
      if (!(await settlesWithin(server.closed, 1000))) {
        for (const connection of connections) connection.close()
        if (!(await settlesWithin(server.closed, 1000))) {
          for (const connection of connections) {
            connection.on('error', () => undefined)
            connection.destroy()
          }
          await settlesWithin(server.closed, 1000)
        }
      }
    },
  }
}

/**
 * The WebSocket fallback with the same framing, sessions, limits and authentication, over TLS
 * (`wss:`). For browsers without WebTransport and networks that block UDP.
 *
 * ```ts
 * const server = await wsServer({ cert, key })
 * server.sessions.subscribe((session) => session.send('ticks', interval(100)).subscribe())
 * ```
 */
export async function wsServer(options: TransportServerOptions): Promise<TransportServer> {
  const { host, port, path } = checkServerOptions('wsServer', options)
  const hub = new SessionHub(options.limits, options.authenticate, 'wsServer')
  const https = createHttpsServer({ cert: options.cert, key: options.key })
  // ws closes the whole socket (1009) above maxPayload; frames above maxFrameBytes are refused per lane before that.
  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: 4 * hub.limits.maxFrameBytes + 64,
    perMessageDeflate: false,
  })
  https.on('request', (_request, response) => {
    response.writeHead(426, { 'content-type': 'text/plain' }).end('this endpoint speaks WebSocket\n')
  })
  https.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', `https://${host}`)
    if (url.pathname !== path) return refuseUpgrade(socket, 404)
    socket.on('error', () => undefined)
    hub.admit({ url, headers: headersOf(request.headers), remoteAddress: request.socket.remoteAddress }).then(
      verdict => {
        if (verdict.status !== 200) return refuseUpgrade(socket, verdict.status)
        sockets.handleUpgrade(request, socket, head, ws => {
          hub.attach(
            webSocketLink(ws as unknown as WebSocketLike, 'server', hub.limits.maxFrameBytes),
            url,
            (verdict as { principal: unknown }).principal,
          )
        })
      },
      () => refuseUpgrade(socket, 500),
    )
  })
  await new Promise<void>((resolve, reject) => {
    https.once('error', reject)
    https.listen(port, host, () => {
      https.off('error', reject)
      resolve()
    })
  })
  const bound = https.address() as AddressInfo
  return {
    address: { host: bound.address, port: bound.port, url: `wss://${formatHost(bound.address)}:${bound.port}${path}` },
    protocol: 'websocket',
    sessions: hub.sessions,
    stats: hub.stats,
    async close() {
      hub.close()
      for (const client of sockets.clients) client.terminate()
      sockets.close()
      https.closeAllConnections()
      await new Promise<void>(resolve => https.close(() => resolve()))
    },
  }
}

interface Http2Connection {
  close(): void
  destroy(): void
  on(event: 'close' | 'error', listener: () => void): void
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>(resolve => (timer = setTimeout(() => resolve(false), ms))),
  ])
  clearTimeout(timer)
  return settled
}

function refuseUpgrade(socket: { write(data: string): unknown; destroy(): void }, status: number): void {
  const text =
    status === 401 ? 'Unauthorized' : status === 503 ? 'Service Unavailable' : status === 404 ? 'Not Found' : 'Error'
  socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  socket.destroy()
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}
