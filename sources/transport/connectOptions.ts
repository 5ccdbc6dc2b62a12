import { describeValue } from '../../src/errors'
import { resolveLimits, type TransportLimits } from '../../src/transport/session'
import {
  checkFunction,
  checkInteger,
  checkMilliseconds,
  checkOneOf,
  checkOptions,
  checkString,
} from '../../src/validate'

/** A SHA-256 certificate hash: 32 bytes, or 64 hex digits (colons allowed, as `openssl` prints them). */
export type CertificateHashValue = Uint8Array | ArrayBuffer | ArrayBufferView | string

/**
 * A certificate hash to pin: the bytes or hex alone, or the W3C `serverCertificateHashes` entry
 * browsers take (`{ algorithm: 'sha-256', value: BufferSource }`).
 */
export type CertificateHash =
  | CertificateHashValue
  | {
      /** The hash function; only `'sha-256'` is accepted (the only one WebTransport supports). */
      readonly algorithm: 'sha-256'
      /** The certificate's SHA-256 hash: 32 bytes or 64 hex digits, like a bare `CertificateHashValue`. */
      readonly value: CertificateHashValue
    }

/** How a client reconnects after a lost connection. */
export interface ReconnectOptions {
  /** Attempts after a lost connection before giving up (consecutive failures; default 5). */
  retries?: number
  /** Delay before attempt n (from 1): capped exponential by default, 100 ms doubling up to 5 s. */
  backoff?:
    | {
        /** Delay before the first attempt, in ms (doubled for each further one); default 100. */
        initialMs?: number
        /** Cap on the delay, in ms; default 5000. */
        maxMs?: number
      }
    | ((attempt: number) => number)
}

/** Options of `connect` and of the sources and sinks that dial a URL; each is checked at the call. */
export interface ConnectOptions {
  /** 'auto' (default): WebTransport for https: URLs where available, else WebSocket at `fallback`; 'webtransport' or 'websocket' to insist. */
  transport?: 'auto' | 'webtransport' | 'websocket'
  /** The wss: URL to fall back to when WebTransport is missing or cannot connect. */
  fallback?: string
  /**
   * SHA-256 hashes of the server certificate to pin (WebTransport `serverCertificateHashes`; ECDSA,
   * valid < 14 days): bytes, hex, or the browser's `{ algorithm: 'sha-256', value }` entries.
   */
  certificateHashes?: ReadonlyArray<CertificateHash>
  /** A PEM certificate (or CA) to trust for WebSocket on Node, such as a development certificate. */
  ca?: string
  /** Sent to `authenticate`: `token` as the URL's `token` query parameter (browsers cannot set headers), `headers` on Node's WebSocket only. */
  auth?: {
    /** Added to the URL as its `token` query parameter, where `authenticate` reads it from `request.url`; works in browsers. */
    token?: string
    /** HTTP headers for the WebSocket handshake, sent only by Node's WebSocket (not by browsers, nor over WebTransport). */
    headers?: Record<string, string>
  }
  /** Reconnect after a lost connection and resume every channel without loss or repeats. Off by default. */
  reconnect?: ReconnectOptions | boolean
  /** Limits this client holds the server to (frame size, streams, rates): see `TransportLimits`. */
  limits?: TransportLimits
}

/** The option names `connect` knows. */
export const CONNECT_OPTION_NAMES: readonly (keyof ConnectOptions)[] = [
  'transport',
  'fallback',
  'certificateHashes',
  'ca',
  'auth',
  'reconnect',
  'limits',
]

/** Bytes in a SHA-256 hash. */
const SHA256_BYTES = 32
/** Reconnection attempts when `reconnect: true`. */
export const DEFAULT_RETRIES = 5
/** First reconnection delay of the default backoff. */
export const DEFAULT_BACKOFF_INITIAL_MS = 100
/** Longest reconnection delay of the default backoff. */
export const DEFAULT_BACKOFF_MAX_MS = 5000

/**
 * `ConnectOptions` as checked: hashes as 32-byte arrays. Plumbing between `checkConnectOptions`
 * and `ClientSession`; callers hand `connect` plain `ConnectOptions`.
 * @internal
 */
export interface CheckedConnectOptions extends Omit<ConnectOptions, 'certificateHashes'> {
  readonly certificateHashes?: readonly Uint8Array[]
}

/**
 * Checks `url` and every connection option of `options` when `fn` (the public name called:
 * `connect`, `quicSource`, `quicSink`, ...) is called, so that a bad option is a TypeError or
 * RangeError naming it, never a network error minutes later. `extra` names the caller's own options
 * (checked by the caller), which are let through. Returns the options with the hashes as bytes.
 */
export function checkConnectOptions(
  fn: string,
  url: unknown,
  options: unknown,
  extra: readonly string[] = [],
): CheckedConnectOptions {
  if (typeof url !== 'string' || !/^(https|wss):\/\/./.test(url))
    throw new TypeError(
      `${fn}: url must be an https: (WebTransport) or wss: (WebSocket) URL, got ${describeValue(url)}`,
    )
  checkUrl(fn, 'url', url)
  const checked = checkOptions<ConnectOptions>(fn, options as ConnectOptions, [...CONNECT_OPTION_NAMES, ...extra])
  if (checked.transport !== undefined)
    checkOneOf(fn, 'transport', checked.transport, ['auto', 'webtransport', 'websocket'] as const)
  if (checked.fallback !== undefined) {
    checkString(fn, 'fallback', checked.fallback)
    if (!/^wss:\/\/./.test(checked.fallback))
      throw new TypeError(`${fn}: fallback must be a wss: URL, got ${describeValue(checked.fallback)}`)
    checkUrl(fn, 'fallback', checked.fallback)
  }
  if (checked.ca !== undefined) checkString(fn, 'ca', checked.ca)
  if (checked.auth !== undefined) checkAuth(fn, checked.auth)
  if (checked.reconnect !== undefined) checkReconnect(fn, checked.reconnect)
  if (checked.limits !== undefined) resolveLimits(checked.limits, fn)
  if (checked.certificateHashes === undefined) return checked as CheckedConnectOptions
  return { ...checked, certificateHashes: checkCertificateHashes(fn, checked.certificateHashes) }
}

/** Reconnection attempts `options.reconnect` allows (0: none). */
export function retriesOf(options: Pick<ConnectOptions, 'reconnect'>): number {
  const reconnect = options.reconnect
  if (reconnect === undefined || reconnect === false) return 0
  if (reconnect === true) return DEFAULT_RETRIES
  return reconnect.retries ?? DEFAULT_RETRIES
}

/** The delay before reconnection attempt `attempt` (from 1). */
export function backoffOf(options: Pick<ConnectOptions, 'reconnect'>, attempt: number): number {
  const backoff = typeof options.reconnect === 'object' ? options.reconnect.backoff : undefined
  if (typeof backoff === 'function') {
    const delay = backoff(attempt)
    return typeof delay === 'number' && delay > 0 ? Math.min(delay, MAX_TIMER_MS) : 0
  }
  const initial = backoff?.initialMs ?? DEFAULT_BACKOFF_INITIAL_MS
  const max = backoff?.maxMs ?? DEFAULT_BACKOFF_MAX_MS
  return Math.min(max, initial * 2 ** (attempt - 1), MAX_TIMER_MS)
}

/** The longest delay `setTimeout` keeps (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1

function checkUrl(fn: string, name: string, url: string): void {
  try {
    new URL(url)
  } catch {
    throw new TypeError(`${fn}: ${name} is not a valid URL, got ${describeValue(url)}`)
  }
}

function checkAuth(fn: string, auth: unknown): void {
  const checked = checkOptions<{ token?: unknown; headers?: unknown }>(
    `${fn}`,
    auth as object,
    ['token', 'headers'],
    true,
  )
  if (checked.token !== undefined) checkString(fn, 'auth.token', checked.token)
  if (checked.headers === undefined) return
  if (checked.headers === null || typeof checked.headers !== 'object' || Array.isArray(checked.headers))
    throw new TypeError(`${fn}: auth.headers must be an object of strings, got ${describeValue(checked.headers)}`)
  for (const [name, value] of Object.entries(checked.headers))
    checkString(fn, `auth.headers[${JSON.stringify(name)}]`, value, true)
}

function checkReconnect(fn: string, reconnect: unknown): void {
  if (typeof reconnect === 'boolean') return
  if (reconnect === null || typeof reconnect !== 'object')
    throw new TypeError(`${fn}: reconnect must be a boolean or { retries, backoff }, got ${describeValue(reconnect)}`)
  const checked = checkOptions<ReconnectOptions>(fn, reconnect as ReconnectOptions, ['retries', 'backoff'])
  if (checked.retries !== undefined) checkInteger(fn, 'reconnect.retries', checked.retries, { min: 0 })
  const backoff = checked.backoff
  if (backoff === undefined || typeof backoff === 'function') return
  if (backoff === null || typeof backoff !== 'object') checkFunction(fn, 'reconnect.backoff', backoff, false) // throws the TypeError naming it
  const { initialMs, maxMs } = checkOptions<{ initialMs?: number; maxMs?: number }>(fn, backoff, ['initialMs', 'maxMs'])
  if (initialMs !== undefined) checkMilliseconds(fn, 'reconnect.backoff.initialMs', initialMs)
  if (maxMs !== undefined) checkMilliseconds(fn, 'reconnect.backoff.maxMs', maxMs)
}

function checkCertificateHashes(fn: string, hashes: unknown): Uint8Array[] {
  if (!Array.isArray(hashes))
    throw new TypeError(`${fn}: certificateHashes must be an array, got ${describeValue(hashes)}`)
  return hashes.map((hash: unknown, index) => {
    const name = `certificateHashes[${index}]`
    if (hash !== null && typeof hash === 'object' && 'algorithm' in hash) {
      const entry = checkOptions<{ algorithm: unknown; value: unknown }>(fn, hash as never, ['algorithm', 'value'])
      checkOneOf(fn, `${name}.algorithm`, entry.algorithm, ['sha-256'] as const)
      return hashBytes(fn, `${name}.value`, entry.value)
    }
    return hashBytes(fn, name, hash)
  })
}

function hashBytes(fn: string, name: string, value: unknown): Uint8Array {
  let bytes: Uint8Array
  if (typeof value === 'string') {
    const hex = value.replace(/:/g, '')
    if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length !== 2 * SHA256_BYTES)
      throw new RangeError(`${fn}: ${name} must be 64 hex digits (a SHA-256 hash), got ${describeValue(value)}`)
    return Uint8Array.from(hex.match(/../g) as string[], byte => Number.parseInt(byte, 16))
  }
  if (value instanceof ArrayBuffer) bytes = new Uint8Array(value)
  else if (ArrayBuffer.isView(value)) bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  else
    throw new TypeError(
      `${fn}: ${name} must be a SHA-256 hash (32 bytes as a BufferSource, or 64 hex digits), got ${describeValue(value)}`,
    )
  if (bytes.byteLength !== SHA256_BYTES)
    throw new RangeError(`${fn}: ${name} must be ${SHA256_BYTES} bytes (a SHA-256 hash), got ${bytes.byteLength}`)
  return Uint8Array.from(bytes)
}
