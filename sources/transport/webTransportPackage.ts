import type { WebTransportLike } from '../../src/transport/wtLink'

const PACKAGE = '@fails-components/webtransport'
const HTTP3_PACKAGE = '@fails-components/webtransport-transport-http3-quiche'
// What the package prints on load when its optional HTTP/3 binary is missing (it logs from two modules).
const LOADER_NOISE = [
  'http3 loader:',
  'Problem loading http3-quiche transport',
  'Did you install @fails-components/webtransport-transport-http3-quiche?',
]

/** Which WebTransport this process can use, instead of the package's console messages. */
export interface WebTransportSupport {
  /** A WebTransport implementation is available (the browser's, or the Node package). */
  readonly available: boolean
  /** Where it comes from. */
  readonly implementation: 'native' | typeof PACKAGE | null
  /** HTTP/3 over QUIC can be served and dialled (the native HTTP/3 package loaded); otherwise HTTP/2. */
  readonly http3: boolean
  /** Why not, when something is missing. */
  readonly reason?: string
}

/** What `loadWebTransport` found: the client class and, on Node, the server classes. */
export interface WebTransportPackage {
  readonly support: WebTransportSupport
  readonly WebTransport: new (url: string, options?: object) => WebTransportLike
  readonly Http2Server?: new (options: object) => NodeWebTransportServer
  readonly Http3Server?: new (options: object) => NodeWebTransportServer
}

/** The server class of @fails-components/webtransport (HTTP/2 or HTTP/3), as far as we use it. */
export interface NodeWebTransportServer {
  readonly ready: Promise<void>
  readonly closed: Promise<void>
  startServer(): void
  stopServer(): void
  address(): { port: number; host: string } | null
  setRequestCallback(callback: (request: { header: Record<string, string | undefined> }) => Promise<object>): void
  sessionStream(path: string): ReadableStream<WebTransportLike & { userData?: unknown; peerAddress?: string }>
}

let loading: Promise<WebTransportPackage | null> | null = null

/**
 * Loads WebTransport once: the browser's own when there is one, else @fails-components/webtransport
 * (HTTP/2 in pure JavaScript; HTTP/3 when its optional native package is installed). The package's
 * loader messages about a missing HTTP/3 binary are held back; `support` says the same thing.
 */
export function loadWebTransport(): Promise<WebTransportPackage | null> {
  loading ??= load()
  return loading
}

/** What `loadWebTransport` found (loading it if needed). */
export async function webTransportSupport(): Promise<WebTransportSupport> {
  const loaded = await loadWebTransport()
  return (
    loaded?.support ?? {
      available: false,
      implementation: null,
      http3: false,
      reason: `neither a native WebTransport nor ${PACKAGE} is available`,
    }
  )
}

async function load(): Promise<WebTransportPackage | null> {
  const native = (globalThis as { WebTransport?: WebTransportPackage['WebTransport'] }).WebTransport
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string'
  if (native !== undefined && !isNode)
    return { support: { available: true, implementation: 'native', http3: true }, WebTransport: native }
  const http3 = await import(/* @vite-ignore */ HTTP3_PACKAGE).then(
    () => true,
    () => false,
  )
  const restore = http3 ? () => undefined : muteLoaderNoise()
  try {
    const module = (await import(/* @vite-ignore */ PACKAGE)) as Record<string, unknown> & {
      quicheLoaded?: Promise<unknown>
    }
    await module.quicheLoaded
    return {
      support: {
        available: true,
        implementation: PACKAGE,
        http3,
        ...(http3 ? {} : { reason: `${HTTP3_PACKAGE} is not installed: WebTransport runs over HTTP/2` }),
      },
      WebTransport: module.WebTransport as WebTransportPackage['WebTransport'],
      Http2Server: module.Http2Server as WebTransportPackage['Http2Server'],
      Http3Server: http3 ? (module.Http3Server as WebTransportPackage['Http3Server']) : undefined,
    }
  } catch {
    return null
  } finally {
    restore()
  }
}

// The package logs from promise handlers that run after its import resolves; the filter stays until
// both 'http3 loader:' lines have gone by, and lets everything else through.
function muteLoaderNoise(): () => void {
  const log = console.log
  const error = console.error
  let loaderLines = 0
  const uninstall = (): void => {
    if (console.log === quietLog) console.log = log
    if (console.error === quietError) console.error = error
  }
  const isNoise = (args: unknown[]): boolean =>
    typeof args[0] === 'string' && LOADER_NOISE.some(line => (args[0] as string).startsWith(line))
  const quietLog = (...args: unknown[]): void => {
    if (!isNoise(args)) return log(...args)
    if (++loaderLines === 2) uninstall()
  }
  const quietError = (...args: unknown[]): void => {
    if (!isNoise(args)) error(...args)
  }
  console.log = quietLog
  console.error = quietError
  return () => {
    if (loaderLines >= 2) uninstall()
  }
}

/** An EventEmitter as far as `guardListeners` needs it (a Node socket or HTTP/2 session, or the socket's proxy). */
interface ListenerHost {
  rawListeners(event: string): ((...args: unknown[]) => unknown)[]
  removeListener(event: string, listener: (...args: unknown[]) => unknown): unknown
  on(event: string, listener: (...args: unknown[]) => unknown): unknown
}

/** The internals of @fails-components/webtransport's Node client (1.6) that `guardHandshakeListeners` reaches. */
interface PackageClientInternals {
  sessionint?: {
    parentobj?: { transportInt?: { clientInt?: ListenerHost & { socket?: ListenerHost; destroy(): void } } }
  }
}

/**
 * Makes the package's HTTP/2 client unable to crash the process. @fails-components/webtransport 1.6
 * closes its HTTP/2 connection when its own 8 s handshake timeout fires (a loaded server answers
 * hundreds of TLS handshakes late); Node clears the session's socket at once but lets the TLS
 * handshake finish, and then two of the package's listeners throw into the event loop: the socket's
 * 'secureConnect' ("Can not get http2 TLSSocket") and the session's 'connect' ("Client connected
 * with no pending promise"). Nothing can catch those from outside, and they end the process.
 *
 * Called right after `new WebTransport(...)` (the package adds its listeners synchronously), this
 * wraps each listener of those two one-shot events so that a throw destroys that one connection
 * instead: its `ready` then rejects (or already has), which the dialler reports as usual. Where
 * the internals are not there (the browser's WebTransport, HTTP/3, another version), nothing changes.
 * @returns whether the listeners were found and wrapped.
 */
export function guardHandshakeListeners(transport: object): boolean {
  const client = (transport as PackageClientInternals).sessionint?.parentobj?.transportInt?.clientInt
  const socket = client?.socket
  if (client === undefined || socket === undefined || typeof client.rawListeners !== 'function') return false
  const destroy = (): void => {
    try {
      client.destroy()
    } catch {
      // already gone
    }
  }
  guardListeners(socket, 'secureConnect', destroy)
  guardListeners(client, 'connect', destroy)
  return true
}

// Each event fires once per connection, so re-adding the wrapped listeners in their order keeps their behaviour.
function guardListeners(host: ListenerHost, event: string, onThrow: () => void): void {
  const listeners = host.rawListeners(event)
  for (const listener of listeners) host.removeListener(event, listener)
  for (const listener of listeners) {
    host.on(event, function guarded(this: unknown, ...args: unknown[]) {
      try {
        return listener.apply(this, args)
      } catch {
        onThrow()
      }
    })
  }
}
