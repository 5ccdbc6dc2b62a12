import { Observable } from 'rxjs'
import { describeValue } from '../../src/errors'
import { type Link, TransportError } from '../../src/transport/link'
import { type ChannelOptions, resolveLimits, type TransportLimits, TransportSession } from '../../src/transport/session'
import { type WebSocketLike, webSocketLink } from '../../src/transport/wsLink'
import { webTransportLink } from '../../src/transport/wtLink'
import { loadWebTransport } from './webTransportPackage'

const WS_PACKAGE = 'ws'
// The HTTP/2 transport's default 16 KB initial windows stall data once the first window is used
// (README, transport): every window starts at its limit, and stream credit is plenty (the session
// enforces maxStreamsPerSession itself, with an error the peer can read).
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

export interface ReconnectOptions {
  /** Attempts after a lost connection before giving up (consecutive failures; default 5). */
  retries?: number
  /** Delay before attempt n (from 1): capped exponential by default, 100 ms doubling up to 5 s. */
  backoff?: { initialMs?: number; maxMs?: number } | ((attempt: number) => number)
}

export interface ConnectOptions {
  /** 'auto' (default): WebTransport for https: URLs where available, else WebSocket at `fallback`; 'webtransport' or 'websocket' to insist. */
  transport?: 'auto' | 'webtransport' | 'websocket'
  /** The wss: URL to fall back to when WebTransport is missing or cannot connect. */
  fallback?: string
  /** SHA-256 hashes of the server certificate to pin (WebTransport `serverCertificateHashes`; ECDSA, valid < 14 days). */
  certificateHashes?: ReadonlyArray<Uint8Array | string>
  /** A PEM certificate (or CA) to trust for WebSocket on Node, such as a development certificate. */
  ca?: string
  /** Sent to `authenticate`: `token` as the URL's `token` query parameter (browsers cannot set headers), `headers` on Node's WebSocket only. */
  auth?: { token?: string; headers?: Record<string, string> }
  /** Reconnect after a lost connection and resume every channel without loss or repeats. Off by default. */
  reconnect?: ReconnectOptions | boolean
  limits?: TransportLimits
}

/** A client session: usable at once (sends wait for the connection); `ready` settles when the first connection does. */
export class ClientSession extends TransportSession {
  readonly ready: Promise<void>
  private timer: ReturnType<typeof setTimeout> | null = null
  private deliberate = false

  constructor(
    private readonly url: string,
    private readonly options: ConnectOptions,
  ) {
    super(randomHex(16), 'client', resolveLimits(options.limits))
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
      if (attempt > 0) await this.sleep(backoffOf(this.options, attempt))
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
  if (typeof url !== 'string' || !/^(https|wss):\/\//.test(url))
    throw new TypeError(`connect needs an https: (WebTransport) or wss: (WebSocket) URL, got ${describeValue(url)}`)
  if (options.transport !== undefined && !['auto', 'webtransport', 'websocket'].includes(options.transport))
    throw new RangeError(
      `transport must be 'auto', 'webtransport' or 'websocket', got ${describeValue(options.transport)}`,
    )
  retriesOf(options)
  return new ClientSession(url, options)
}

export interface SourceOptions<T> extends ConnectOptions, ChannelOptions<T> {
  /** The channel to receive. */
  channel: string
}

/**
 * The messages a server sends on one channel, as an Observable. Connects on subscribe, closes the
 * session on unsubscribe. Completes when the server's source completes; errors with a
 * TransportError when the session is refused, lost (after the retries) or the lane is reset.
 *
 * ```ts
 * quicSource('https://127.0.0.1:4433/midstream', { channel: 'ticks', certificateHashes: [hash] }).subscribe(console.log)
 * ```
 */
export function quicSource<T = unknown>(url: string, options: SourceOptions<T>): Observable<T> {
  return channelSource(url, { transport: 'webtransport', ...options })
}

/** `quicSource` over the WebSocket fallback (a wss: URL). */
export function wsSource<T = unknown>(url: string, options: SourceOptions<T>): Observable<T> {
  return channelSource(url, { ...options, transport: 'websocket' })
}

function channelSource<T>(url: string, options: SourceOptions<T>): Observable<T> {
  if (options === null || typeof options !== 'object' || typeof options.channel !== 'string')
    throw new TypeError(`options.channel must name a channel, got ${describeValue(options?.channel)}`)
  return new Observable<T>(subscriber => {
    const session = connect(url, options)
    const subscription = session.channel<T>(options.channel, { codec: options.codec }).subscribe(subscriber)
    session.ready.catch((error: unknown) => subscriber.error(error))
    return () => {
      subscription.unsubscribe()
      session.close()
    }
  })
}

async function dial(
  url: string,
  id: string,
  options: ConnectOptions,
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
  options: ConnectOptions,
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
  const hashes = (options.certificateHashes ?? []).map(hash => ({ algorithm: 'sha-256', value: toBytes(hash) }))
  const session = new wt.WebTransport(url.href, {
    ...(hashes.length > 0 ? { serverCertificateHashes: hashes } : {}),
    ...(native || wt.support.http3 ? {} : { forceReliable: true, ...HTTP2_WINDOWS }),
  })
  session.closed.catch(() => undefined)
  try {
    await session.ready
  } catch (error) {
    throw new TransportError(
      first ? 'refused' : 'unreachable',
      `WebTransport session to ${url.origin}${url.pathname} was not opened (refused with 401/503, or unreachable): ${(error as Error)?.message ?? describeValue(error)}`,
    )
  }
  return webTransportLink(
    session,
    native ? 'webtransport' : wt.support.http3 ? 'webtransport-http3' : 'webtransport-http2',
    maxFrameBytes,
    'client',
  )
}

async function dialWebSocket(url: URL, options: ConnectOptions, maxFrameBytes: number): Promise<Link> {
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

function retriesOf(options: ConnectOptions): number {
  const reconnect = options.reconnect
  if (reconnect === undefined || reconnect === false) return 0
  if (reconnect === true) return 5
  const retries = reconnect.retries ?? 5
  if (!Number.isInteger(retries) || retries < 0)
    throw new RangeError(`reconnect.retries must be an integer >= 0, got ${describeValue(retries)}`)
  return retries
}

function backoffOf(options: ConnectOptions, attempt: number): number {
  const backoff = typeof options.reconnect === 'object' ? options.reconnect.backoff : undefined
  if (typeof backoff === 'function') return Math.max(0, backoff(attempt))
  const initial = backoff?.initialMs ?? 100
  const max = backoff?.maxMs ?? 5000
  return Math.min(max, initial * 2 ** (attempt - 1))
}

function toBytes(hash: Uint8Array | string): Uint8Array {
  if (hash instanceof Uint8Array) return hash
  const hex = hash.replace(/:/g, '')
  if (!/^[0-9a-fA-F]{64}$/.test(hex))
    throw new TypeError(`a certificate hash must be 32 bytes or 64 hex digits, got ${describeValue(hash)}`)
  return Uint8Array.from(hex.match(/../g) as string[], byte => parseInt(byte, 16))
}

export function randomHex(bytes: number): string {
  const out = new Uint8Array(bytes)
  crypto.getRandomValues(out)
  return Array.from(out, b => b.toString(16).padStart(2, '0')).join('')
}
