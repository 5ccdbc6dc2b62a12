import { Observable, type Subscriber } from 'rxjs'
import { describeValue } from '../../src/errors'
import { checkFunction, checkInteger, checkMilliseconds, checkOptions } from '../../src/validate'
import { createParser, type EventSourceParser } from '../peers/sources'

/** One server-sent event. `event` is `'message'` when the server named none. */
export interface SseEvent {
  /** The event's own `id:` field, if it had one (the last one seen is sent back as `Last-Event-ID` on reconnect). */
  id?: string
  /** The `event:` field: the event's type, `'message'` when the block had none. */
  event: string
  /** The block's `data:` lines joined with newlines, as text (`JSON.parse` it for a JSON stream). */
  data: string
  /** The reconnection time in ms the server set in this event's block (`retry:`), if it set one. */
  retry?: number
}

/** How `sseSource` reconnects (with Last-Event-ID) after the stream drops. */
export interface SseReconnectOptions {
  /** Consecutive failed attempts (no 2xx event stream) before giving up with `SseError('retries-exhausted')`; default 5. */
  retries?: number
  /** Cap on the delay before a reconnection in ms, including a server's `retry:`; default 30 000. */
  maxDelayMs?: number
}

/** Options of `sseSource`; each is checked at the call. */
export interface SseSourceOptions {
  /** Reconnect when the stream ends or the connection drops (default false: complete / error instead). */
  reconnect?: boolean | SseReconnectOptions
  /** The fetch to use (default: the global `fetch` at subscription time). */
  fetch?: typeof fetch
  /** Largest event data, in UTF-8 bytes, before the stream errors with `SseError('event-too-large')`; default 1 MiB. */
  maxEventBytes?: number
}

/** What `sseSource` reads: a URL, a Request, or `{ url, init }` for fetch. */
export type SseTarget =
  | string
  | URL
  | Request
  | {
      /** The absolute URL of the event stream. */
      url: string | URL
      /**
       * The fetch options (method, body, headers, signal) used for every request, reconnections
       * included; `accept: text/event-stream` and `cache-control: no-cache` are added unless set, and
       * `init.signal` aborting fails the stream with its reason.
       */
      init?: RequestInit
    }

/** Why an SSE stream failed (`SseError.code`). */
export type SseErrorCode =
  | 'status'
  | 'content-type'
  | 'network'
  | 'event-too-large'
  | 'retries-exhausted'
  | 'fetch-threw'

/** An event stream that could not be opened or read: which URL, and what the server answered. */
export class SseError extends Error {
  /** Always `'SseError'`. */
  override readonly name = 'SseError'
  constructor(
    /** What went wrong (see `SseErrorCode` and `sseSource`); stable, unlike the message. */
    readonly code: SseErrorCode,
    message: string,
    /** The URL requested. */
    readonly url: string,
    /** The HTTP status, when a response arrived. */
    readonly status?: number,
    /** The start (up to 64 KiB) of a rejected response's body, for `'status'` and `'content-type'` errors. */
    readonly body?: string,
    /** The response's content type, when a response arrived. */
    readonly contentType?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

const DEFAULT_MAX_EVENT_BYTES = 1 << 20
const DEFAULT_RETRY_MS = 1000
const DEFAULT_RETRIES = 5
const DEFAULT_MAX_DELAY_MS = 30_000
const ERROR_BODY_BYTES = 64 << 10

/**
 * Server-sent events from a URL, read with `fetch` and parsed by `eventsource-parser`.
 *
 * Emits one `SseEvent` per dispatched event, in order (comments and `id:`/`retry:`-only blocks emit nothing).
 * Completes when the server ends the stream (or answers 204 No Content) and `reconnect` is off.
 * With `reconnect`, a stream that ends or drops is opened again after the server's `retry:` delay
 * (1 s before any; doubled per consecutive failure, capped at `maxDelayMs`), sending the last event
 * id seen as `Last-Event-ID`; it never reconnects after unsubscription.
 * Errors with `SseError`: `'status'` for a non-2xx answer and `'content-type'` for one that is not
 * `text/event-stream` (never retried; both carry `status`, `url` and the start of the body),
 * `'event-too-large'` for an event over `maxEventBytes`, `'network'` for a dropped connection without
 * `reconnect`, `'retries-exhausted'` when reconnection gives up. An abort through the caller's own
 * `init.signal` errors with the signal's reason. Unsubscribing aborts the request (AbortController).
 * Bad arguments throw at call time (`TypeError`/`RangeError` naming the value).
 *
 * @example
 * sseSource('https://example.com/events', { reconnect: { retries: 10 } })
 *   .pipe(filter((e) => e.event === 'price'), map((e) => JSON.parse(e.data)))
 *   .subscribe(console.log)
 */
export function sseSource(target: SseTarget, options: SseSourceOptions = {}): Observable<SseEvent> {
  const request = resolveTarget(target)
  checkOptions('sseSource', options, ['reconnect', 'fetch', 'maxEventBytes'])
  const maxEventBytes = checkInteger('sseSource', 'maxEventBytes', options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES, {
    min: 1,
  })
  checkFunction('sseSource', 'fetch', options.fetch)
  const reconnect = resolveReconnect(options.reconnect)

  return new Observable<SseEvent>(subscriber => {
    const connection = new SseConnection(
      request,
      subscriber,
      options.fetch ?? globalThis.fetch,
      reconnect,
      maxEventBytes,
    )
    void connection.open()
    return () => connection.unsubscribe()
  })
}

/** HTTP 204: the server has no events, and the stream ends. */
const HTTP_NO_CONTENT = 204
/** Characters the parser may buffer beyond `maxEventBytes` (field names, line endings) before it gives up. */
const PARSER_SLACK = 1024
/** Character code of CR. */
const CARRIAGE_RETURN = 13

/** One subscription of `sseSource`: its requests, its reconnections and what it has seen (last id, retry). */
class SseConnection {
  private closed = false
  private controller: AbortController | null = null
  private timer: ReturnType<typeof setTimeout> | null = null
  private lastEventId: string | undefined
  private retryMs: number | undefined
  private failures = 0
  private readonly onUserAbort = (): void => this.fail(this.request.signal?.reason)

  constructor(
    private readonly request: ResolvedTarget,
    private readonly subscriber: Subscriber<SseEvent>,
    private readonly fetchImpl: typeof fetch,
    private readonly reconnect: { retries: number; maxDelayMs: number } | null,
    private readonly maxEventBytes: number,
  ) {
    request.signal?.addEventListener('abort', this.onUserAbort)
  }

  unsubscribe(): void {
    if (this.closed) return
    this.finish()
    this.controller?.abort()
  }

  private finish(): void {
    this.closed = true
    this.request.signal?.removeEventListener('abort', this.onUserAbort)
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  private fail(error: unknown): void {
    if (this.closed) return
    this.finish()
    this.controller?.abort()
    this.subscriber.error(error)
  }

  private complete(): void {
    if (this.closed) return
    this.finish()
    this.subscriber.complete()
  }

  private retryOrFail(cause: unknown, ended: boolean): void {
    if (this.closed) return
    const { request, reconnect } = this
    if (request.signal?.aborted) return this.fail(request.signal.reason)
    if (reconnect === null) {
      if (ended) return this.complete()
      return this.fail(
        new SseError(
          'network',
          `event stream from ${request.url} failed: ${messageOf(cause)}`,
          request.url,
          undefined,
          undefined,
          undefined,
          { cause },
        ),
      )
    }
    this.failures++
    if (this.failures > reconnect.retries) {
      return this.fail(
        new SseError(
          'retries-exhausted',
          `event stream from ${request.url} failed ${this.failures} times in a row (retries: ${reconnect.retries}): ${messageOf(cause)}`,
          request.url,
          undefined,
          undefined,
          undefined,
          { cause },
        ),
      )
    }
    const base = this.retryMs ?? DEFAULT_RETRY_MS
    const delay = Math.min(reconnect.maxDelayMs, base * 2 ** (this.failures - 1))
    this.timer = setTimeout(() => {
      this.timer = null
      void this.open()
    }, delay)
  }

  async open(): Promise<void> {
    if (this.closed) return
    const { request } = this
    const ac = new AbortController()
    this.controller = ac
    if (request.signal?.aborted) return this.fail(request.signal.reason)
    let pending: Promise<Response>
    try {
      pending = this.fetchImpl(request.build(ac.signal, this.lastEventId))
    } catch (error) {
      return this.fail(
        new SseError(
          'fetch-threw',
          `fetch threw for ${request.url}: ${messageOf(error)}`,
          request.url,
          undefined,
          undefined,
          undefined,
          { cause: error },
        ),
      )
    }
    let response: Response
    try {
      response = await pending
    } catch (error) {
      return this.retryOrFail(error, false)
    }
    if (this.closed || ac.signal.aborted) {
      void response.body?.cancel().catch(() => undefined)
      return
    }
    if (response.status === HTTP_NO_CONTENT) {
      void response.body?.cancel().catch(() => undefined)
      return this.complete()
    }
    const contentType = response.headers.get('content-type') ?? ''
    if (!response.ok || !/^text\/event-stream\s*(;|$)/i.test(contentType))
      return this.fail(await this.refusal(response, contentType))
    this.failures = 0
    if (response.body === null) return this.retryOrFail(new Error('response has no body'), true)
    await this.read(response, response.body)
  }

  // The error for a response that is not an event stream: a failed status, or another content type.
  private async refusal(response: Response, contentType: string): Promise<SseError> {
    const { url } = this.request
    const body = await readCapped(response, ERROR_BODY_BYTES).catch(() => undefined)
    return !response.ok
      ? new SseError(
          'status',
          `event stream from ${url} answered ${response.status} ${response.statusText}`.trimEnd(),
          url,
          response.status,
          body,
          contentType,
        )
      : new SseError(
          'content-type',
          `event stream from ${url} has content-type ${describeValue(contentType)}, expected "text/event-stream"`,
          url,
          response.status,
          body,
          contentType,
        )
  }

  private async read(response: Response, body: ReadableStream<Uint8Array>): Promise<void> {
    const parser = this.parser(response.status)
    const reader = body.getReader()
    const decoder = new TextDecoder()
    let endsWithCr = false
    const feed = (text: string): void => {
      if (text === '') return
      endsWithCr = text.charCodeAt(text.length - 1) === CARRIAGE_RETURN
      parser.feed(text)
    }
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (this.closed) break
        if (done) {
          feed(decoder.decode())
          // A CR at the very end is a complete line ending (the parser waits to see whether LF follows).
          if (endsWithCr && !this.closed) parser.feed('\n')
          break
        }
        feed(decoder.decode(value, { stream: true }))
        if (this.closed) break
      }
    } catch (error) {
      void reader.cancel().catch(() => undefined)
      return this.retryOrFail(error, false)
    }
    if (this.closed) {
      void reader.cancel().catch(() => undefined)
      return
    }
    this.retryOrFail(new Error('the server ended the stream'), true)
  }

  private parser(status: number): EventSourceParser {
    const { url } = this.request
    const maxEventBytes = this.maxEventBytes
    let pendingRetry: number | undefined
    return createParser({
      maxBufferSize: maxEventBytes + PARSER_SLACK,
      onRetry: ms => {
        this.retryMs = ms
        pendingRetry = ms
      },
      onEvent: message => {
        if (this.closed) return
        const bytes = utf8Length(message.data)
        if (bytes > maxEventBytes) {
          return this.fail(
            new SseError(
              'event-too-large',
              `an event of ${bytes} bytes from ${url} exceeds maxEventBytes (${maxEventBytes})`,
              url,
              status,
            ),
          )
        }
        if (message.id !== undefined) this.lastEventId = message.id
        const event: SseEvent = { event: message.event ?? 'message', data: message.data }
        if (message.id !== undefined) event.id = message.id
        if (pendingRetry !== undefined) event.retry = pendingRetry
        pendingRetry = undefined
        this.subscriber.next(event)
      },
      onError: error => {
        if (error.type === 'max-buffer-size-exceeded') {
          this.fail(
            new SseError(
              'event-too-large',
              `an event from ${url} exceeds maxEventBytes (${maxEventBytes}): over ${maxEventBytes + PARSER_SLACK} characters buffered before its end`,
              url,
              status,
            ),
          )
        }
        // Unknown fields and invalid retry values are ignored, as the SSE specification says.
      },
    })
  }
}

interface ResolvedTarget {
  url: string
  signal: AbortSignal | undefined
  build(signal: AbortSignal, lastEventId: string | undefined): Request
}

function resolveTarget(target: SseTarget): ResolvedTarget {
  if (typeof Request !== 'undefined' && target instanceof Request) {
    const template = target.clone()
    return {
      url: target.url,
      signal: target.signal,
      build: (signal, lastEventId) =>
        new Request(template.clone(), { signal, headers: withSseHeaders(template.headers, lastEventId) }),
    }
  }
  let url: URL
  let init: RequestInit = {}
  if (typeof target === 'string' || target instanceof URL) url = parseUrl(target)
  else if (target !== null && typeof target === 'object' && 'url' in target) {
    const spec = target as { url: string | URL; init?: RequestInit }
    url = parseUrl(spec.url)
    if (spec.init !== undefined) {
      if (spec.init === null || typeof spec.init !== 'object')
        throw new TypeError(`sseSource: init must be an object, got ${describeValue(spec.init)}`)
      init = spec.init
    }
  } else
    throw new TypeError(`sseSource: target must be a URL, a Request or { url, init }, got ${describeValue(target)}`)
  const href = url.href
  return {
    url: href,
    signal: init.signal ?? undefined,
    build: (signal, lastEventId) =>
      new Request(href, { ...init, signal, headers: withSseHeaders(init.headers, lastEventId) }),
  }
}

function parseUrl(value: unknown): URL {
  if (value instanceof URL) return value
  if (typeof value === 'string') {
    try {
      return new URL(value)
    } catch {
      // fall through to the error below
    }
  }
  throw new TypeError(`sseSource: url must be an absolute URL, got ${describeValue(value)}`)
}

function withSseHeaders(base: HeadersInit | undefined, lastEventId: string | undefined): Headers {
  const headers = new Headers(base)
  if (!headers.has('accept')) headers.set('accept', 'text/event-stream')
  if (!headers.has('cache-control')) headers.set('cache-control', 'no-cache')
  if (lastEventId !== undefined && lastEventId !== '') headers.set('last-event-id', lastEventId)
  return headers
}

function resolveReconnect(reconnect: SseSourceOptions['reconnect']): { retries: number; maxDelayMs: number } | null {
  if (reconnect === undefined || reconnect === false) return null
  if (reconnect === true) return { retries: DEFAULT_RETRIES, maxDelayMs: DEFAULT_MAX_DELAY_MS }
  if (reconnect === null || typeof reconnect !== 'object')
    throw new TypeError(
      `sseSource: reconnect must be a boolean or { retries, maxDelayMs }, got ${describeValue(reconnect)}`,
    )
  checkOptions('sseSource', reconnect, ['retries', 'maxDelayMs'])
  const retries = reconnect.retries ?? DEFAULT_RETRIES
  if (retries !== Infinity && (!Number.isInteger(retries) || retries < 0))
    throw new RangeError(
      `sseSource: reconnect.retries must be an integer >= 0 or Infinity, got ${describeValue(retries)}`,
    )
  const maxDelayMs = checkMilliseconds(
    'sseSource',
    'reconnect.maxDelayMs',
    reconnect.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
  )
  return { retries, maxDelayMs }
}

/** Reads at most `limit` bytes of a body as text, then cancels the rest. */
async function readCapped(response: Response, limit: number): Promise<string> {
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let total = 0
  try {
    while (total < limit) {
      const { done, value } = await reader.read()
      if (done) return text + decoder.decode()
      const part = value.byteLength > limit - total ? value.subarray(0, limit - total) : value
      total += part.byteLength
      text += decoder.decode(part, { stream: true })
    }
    return text + decoder.decode()
  } finally {
    void reader.cancel().catch(() => undefined)
  }
}

/** UTF-8 length of a string without allocating (lone surrogates count as the 3-byte U+FFFD they encode to). */
export function utf8Length(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message
  }
  return describeValue(error)
}
