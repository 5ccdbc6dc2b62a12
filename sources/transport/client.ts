import { Observable } from 'rxjs'
import { describeValue } from '../../src/errors'
import { type Link, TransportError } from '../../src/transport/link'
import { type ChannelOptions, resolveLimits, TransportSession } from '../../src/transport/session'
import { type WebSocketLike, webSocketLink } from '../../src/transport/wsLink'
import { type WebTransportLike, webTransportLink } from '../../src/transport/wtLink'
import { checkOneOf, checkOptions, checkString } from '../../src/validate'
import {
  backoffOf,
  type CheckedConnectOptions,
  CONNECT_OPTION_NAMES,
  type ConnectOptions,
  checkConnectOptions,
  retriesOf,
} from './connectOptions'
import { leaseSession, type SessionMode } from './sharedSessions'
import { guardHandshakeListeners, loadWebTransport } from './webTransportPackage'

const WS_PACKAGE = 'ws'
// The HTTP/2 transport's default 16 KB initial windows stall data once the first window is used
// (README, transport): every window starts at its limit, and stream credit is plenty (the session
// enforces maxStreamsPerSession itself, with an error the peer can read).
/** Flow-control windows and stream credit of the HTTP/2 WebTransport client and server. */
export const HTTP2_WINDOWS = {
  initialStreamFlowControlWindow: 6 << 20,
  streamFlowControlWindowSizeLimit: 6 << 20,
  initialSessionFlowControlWindow: 15 << 20,
  sessionFlowControlWindowSizeLimit: 15 << 20,
  initialUnidirectionalStreams: 1 << 20,
  initialBidirectionalStreams: 16,
}

/** The query parameter a client sends its session id in, to resume after a dropped connection. */
export const SESSION_PARAMETER = 'midstream-session'

export type { CertificateHash, CertificateHashValue, ConnectOptions, ReconnectOptions } from './connectOptions'
export type { SessionMode } from './sharedSessions'

/** A client session: usable at once (sends wait for the connection); `ready` settles when the first connection does. */
export class ClientSession extends TransportSession {
  /**
   * Resolves when the first connection is up; rejects with the TransportError that ended the
   * session before it was (refused, unreachable after the retries, or closed first). Later
   * reconnections do not touch it. Awaiting it is optional: sends wait for the connection anyway.
   */
  readonly ready: Promise<void>
  private timer: ReturnType<typeof setTimeout> | null = null
  private deliberate = false

  /**
   * Use `connect(url, options)`, which checks the options first.
   * @internal
   */
  constructor(
    private readonly url: string,
    private readonly options: CheckedConnectOptions,
  ) {
    super(randomHex(16), 'client', resolveLimits(options.limits, 'connect'))
    this.ready = this.dialWithRetries(0, true)
    this.ready.catch(() => undefined)
    this.onDetached = reason => {
      if (this.deliberate || this.closed) return
      if (reason === 'bye' || retriesOf(this.options) === 0)
        return this.fail(new TransportError('closed', `the server closed the session (${reason})`))
      this.dialWithRetries(1, false).catch(() => undefined)
    }
  }

  override close(): void {
    this.deliberate = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    super.close()
  }

  private async dialWithRetries(attempt: number, first: boolean): Promise<void> {
    const retries = retriesOf(this.options)
    for (;;) {
      if (attempt > 0) await this.sleep(this.delayBefore(attempt))
      if (this.closed) throw new TransportError('closed', 'the session was closed')
      try {
        const link = await dial(this.url, this.id, this.options, this.limits.maxFrameBytes, first && attempt === 0)
        if (this.closed) {
          link.close('bye')
          throw new TransportError('closed', 'the session was closed')
        }
        this.attach(link)
        return
      } catch (error) {
        const failure =
          error instanceof TransportError
            ? error
            : new TransportError('unreachable', (error as Error)?.message ?? describeValue(error))
        if (this.closed) throw failure
        if (failure.code === 'refused' || (first && retries === 0) || attempt >= retries) {
          this.fail(failure)
          throw failure
        }
        attempt++
      }
    }
  }

  // The user's backoff function may throw: the session then fails with that, rather than hanging detached.
  private delayBefore(attempt: number): number {
    try {
      return backoffOf(this.options, attempt)
    } catch (error) {
      const failure = new TransportError(
        'unreachable',
        `connect: reconnect.backoff threw: ${(error as Error)?.message ?? describeValue(error)}`,
      )
      this.fail(failure)
      throw failure
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise(resolve => {
      this.timer = setTimeout(() => {
        this.timer = null
        resolve()
      }, ms)
    })
  }
}

/**
 * Opens a session to a `quicServer` (https: URL) or `wsServer` (wss: URL) and returns it at once;
 * channels may be subscribed and sends started before the connection is up.
 *
 * ```ts
 * const session = connect('https://127.0.0.1:4433/midstream', { certificateHashes: [hash], fallback: 'wss://127.0.0.1:4434/midstream' })
 * session.send('readings', readings$, { priority: 2 }).subscribe()
 * ```
 */
export function connect(url: string, options: ConnectOptions = {}): ClientSession {
  return new ClientSession(url, checkConnectOptions('connect', url, options))
}

/** Options of `quicSource` / `wsSource`: the connection's, the channel and its codec, and the session mode. */
export interface SourceOptions<T> extends ConnectOptions, ChannelOptions<T> {
  /** The channel to receive. */
  channel: string
  /** 'shared' (default): one session with the other sources and sinks of this URL and options; 'own': a session of its own. */
  session?: SessionMode
}

/** The option names a source or sink adds to `connect`'s. */
const SOURCE_OPTION_NAMES = ['channel', 'codec', 'session'] as const

/**
 * The messages a server sends on one channel, as an Observable. Connects on subscribe; sources and
 * sinks of the same URL and connection options share one session (unless `session: 'own'`), closed
 * when the last of them unsubscribes. Completes when the server's source completes; errors with a
 * TransportError when the session is refused, lost (after the retries) or the lane is reset. Bad
 * options throw a TypeError or RangeError at the call.
 *
 * ```ts
 * quicSource('https://127.0.0.1:4433/midstream', { channel: 'ticks', certificateHashes: [hash] }).subscribe(console.log)
 * ```
 * @see wsSource for the WebSocket fallback, `quicSink` for the other direction.
 */
export function quicSource<T = unknown>(url: string, options: SourceOptions<T>): Observable<T> {
  return channelSource('quicSource', url, options, 'webtransport')
}

/**
 * `quicSource` over the WebSocket fallback (a wss: URL).
 *
 * ```ts
 * wsSource('wss://127.0.0.1:4434/midstream', { channel: 'ticks', ca: dev.cert }).subscribe(console.log)
 * ```
 * @see quicSource
 */
export function wsSource<T = unknown>(url: string, options: SourceOptions<T>): Observable<T> {
  return channelSource('wsSource', url, options, 'websocket')
}

/**
 * Checks what a source or sink adds to the connection options: the channel, the codec and the
 * session mode. `fn` is the public name called.
 */
export function checkChannelOptions(
  fn: string,
  options: { channel?: unknown; codec?: unknown; session?: unknown },
): void {
  checkString(fn, 'channel', options.channel)
  if ((options.channel as string).length > MAX_CHANNEL_NAME)
    throw new RangeError(
      `${fn}: channel must be at most ${MAX_CHANNEL_NAME} characters, got ${(options.channel as string).length}`,
    )
  if (options.session !== undefined) checkOneOf(fn, 'session', options.session, ['shared', 'own'] as const)
  const codec = options.codec as { encode?: unknown; decode?: unknown } | undefined
  if (
    codec !== undefined &&
    (codec === null || typeof codec.encode !== 'function' || typeof codec.decode !== 'function')
  )
    throw new TypeError(`${fn}: codec must be { encode, decode }, got ${describeValue(codec)}`)
}

/** The longest channel name (UTF-16 units). */
const MAX_CHANNEL_NAME = 256

function channelSource<T>(
  fn: string,
  url: string,
  options: SourceOptions<T>,
  transport: 'webtransport' | 'websocket',
): Observable<T> {
  checkOptions(fn, options, [...CONNECT_OPTION_NAMES, ...SOURCE_OPTION_NAMES], true)
  checkChannelOptions(fn, options)
  const forced = fn === 'quicSource' ? { transport, ...options } : { ...options, transport }
  checkConnectOptions(fn, url, forced, SOURCE_OPTION_NAMES)
  return new Observable<T>(subscriber => {
    const lease = leaseSession(url, forced, options.channel, 'receive', connect)
    const subscription = lease.session.channel<T>(options.channel, { codec: options.codec }).subscribe(subscriber)
    lease.session.ready.catch((error: unknown) => subscriber.error(error))
    return () => {
      subscription.unsubscribe()
      lease.release()
    }
  })
}

async function dial(
  url: string,
  id: string,
  options: CheckedConnectOptions,
  maxFrameBytes: number,
  first: boolean,
): Promise<Link> {
  const transport = options.transport ?? 'auto'
  const target = new URL(url)
  target.searchParams.set(SESSION_PARAMETER, id)
  if (options.auth?.token !== undefined) target.searchParams.set('token', options.auth.token)
  if (target.protocol === 'wss:' || transport === 'websocket') return dialWebSocket(target, options, maxFrameBytes)
  try {
    return await dialWebTransport(target, options, maxFrameBytes, first)
  } catch (error) {
    if (transport === 'webtransport' || options.fallback === undefined) throw error
    const fallback = new URL(options.fallback)
    fallback.search = target.search
    return dialWebSocket(fallback, options, maxFrameBytes)
  }
}

// WebTransport reports a refused session (HTTP 401/503) and an unreachable server alike: the first
// attempt calls it 'refused' (no retries), a reconnection 'unreachable' (retried).
async function dialWebTransport(
  url: URL,
  options: CheckedConnectOptions,
  maxFrameBytes: number,
  first: boolean,
): Promise<Link> {
  const wt = await loadWebTransport()
  if (wt === null)
    throw new TransportError(
      'unreachable',
      'WebTransport is not available here (no native WebTransport, no @fails-components/webtransport)',
    )
  const native = wt.support.implementation === 'native'
  const hashes = (options.certificateHashes ?? []).map(value => ({ algorithm: 'sha-256', value }))
  const release = await handshakeSlot()
  try {
    const session = new wt.WebTransport(url.href, {
      ...(hashes.length > 0 ? { serverCertificateHashes: hashes } : {}),
      ...(native || wt.support.http3 ? {} : { forceReliable: true, ...HTTP2_WINDOWS }),
    })
    guardHandshakeListeners(session)
    session.closed.catch(() => undefined)
    try {
      await session.ready
    } catch (error) {
      throw new TransportError(
        first ? 'refused' : 'unreachable',
        `WebTransport session to ${url.origin}${url.pathname} was not opened (refused with 401/503, or unreachable): ${(error as Error)?.message ?? describeValue(error)}`,
      )
    }
    return linkOf(session, native, wt.support.http3, maxFrameBytes)
  } finally {
    release()
  }
}

function linkOf(session: WebTransportLike, native: boolean, http3: boolean, maxFrameBytes: number): Link {
  return webTransportLink(
    session,
    native ? 'webtransport' : http3 ? 'webtransport-http3' : 'webtransport-http2',
    maxFrameBytes,
    'client',
  )
}

async function dialWebSocket(url: URL, options: CheckedConnectOptions, maxFrameBytes: number): Promise<Link> {
  url.protocol = 'wss:'
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string'
  let socket: WebSocketLike
  if (isNode) {
    // a specifier in a variable keeps bundlers from pulling `ws` into browser builds
    const { default: NodeWebSocket } = (await import(/* @vite-ignore */ WS_PACKAGE)) as typeof import('ws')
    socket = new NodeWebSocket(url.href, {
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      headers: options.auth?.headers,
      perMessageDeflate: false,
      maxPayload: 4 * maxFrameBytes + 64,
    }) as unknown as WebSocketLike
  } else {
    socket = new (globalThis as unknown as { WebSocket: new (url: string) => WebSocketLike }).WebSocket(url.href)
  }
  await new Promise<void>((resolve, reject) => {
    const node = socket as unknown as { once?: (event: string, listener: (...args: never[]) => void) => void }
    node.once?.('unexpected-response', (_request: never, response: { statusCode?: number }) => {
      reject(new TransportError('refused', `the server refused the WebSocket session with HTTP ${response.statusCode}`))
      ;(socket as unknown as { terminate(): void }).terminate()
    })
    const events = socket as unknown as {
      addEventListener(type: string, listener: (event: { message?: string }) => void, options?: object): void
    }
    events.addEventListener('open', () => resolve(), { once: true })
    events.addEventListener(
      'error',
      event =>
        reject(
          new TransportError(
            'unreachable',
            `WebSocket to ${url.origin}${url.pathname} failed${event.message ? `: ${event.message}` : ''}`,
          ),
        ),
      { once: true },
    )
  })
  return webSocketLink(socket, 'client', maxFrameBytes)
}

/**
 * WebTransport handshakes this process runs at once. The package's HTTP/2 client gives each
 * handshake 8 s and then abandons it; hundreds started together (a thousand sinks with sessions of
 * their own) keep a server busy past that, so the rest wait their turn here instead.
 */
const MAX_HANDSHAKES_IN_FLIGHT = 16
let handshakesInFlight = 0
const handshakeQueue: (() => void)[] = []

/** Waits for a handshake slot; the function returned gives it back (once). */
async function handshakeSlot(): Promise<() => void> {
  if (handshakesInFlight >= MAX_HANDSHAKES_IN_FLIGHT) await new Promise<void>(resolve => handshakeQueue.push(resolve))
  else handshakesInFlight++
  let released = false
  return () => {
    if (released) return
    released = true
    const next = handshakeQueue.shift()
    if (next !== undefined) next()
    else handshakesInFlight--
  }
}

/**
 * `bytes` random bytes as lowercase hex: session ids and server secrets.
 *
 * ```ts
 * randomHex(16).length // 32
 * ```
 */
export function randomHex(bytes: number): string {
  const out = new Uint8Array(bytes)
  crypto.getRandomValues(out)
  return Array.from(out, b => b.toString(16).padStart(2, '0')).join('')
}
