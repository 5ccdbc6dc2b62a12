import { Observable, Subject } from 'rxjs'
import { describeValue } from '../../src/errors'
import { checkInteger, checkNumber, checkOptions, checkString } from '../../src/validate'

/** A server event of the OpenAI Realtime API (`type` plus the event's fields). */
export interface RealtimeServerEvent {
  /** The event's name, such as `'session.created'` or `'response.output_text.delta'`; a message without a string `type` fails the stream with `'malformed'`. */
  readonly type: string
  readonly [field: string]: unknown
}

/** A client event to send (`type` plus fields), e.g. `{ type: 'response.create' }`. */
export interface RealtimeClientEvent {
  /** The event's name, such as `'response.create'`; `send` throws a TypeError for an event without a string `type`. */
  readonly type: string
  readonly [field: string]: unknown
}

/** Why a Realtime connection failed or refused a send; `code` is stable. */
export class RealtimeError extends Error {
  /** Always `'RealtimeError'`. */
  override readonly name = 'RealtimeError'
  constructor(
    /**
     * `'malformed'`: the server sent a message that is not a JSON event with a string `type`;
     * `'queue-full'`: more than `maxQueued` client events waited for the socket; `'unreachable'`:
     * the socket could not be created (the `ws` package missing, say), or it kept closing
     * abnormally until the reconnection retries ran out;
     * `'closed'`: `send` after the connection ended for good. `'server'` is reserved and not raised
     * at present (the server's own `error` events arrive as events).
     */
    readonly code: 'malformed' | 'queue-full' | 'unreachable' | 'closed' | 'server',
    message: string,
  ) {
    super(message)
  }
}

/** Options of `realtimeSource`; each is checked at the call. */
export interface RealtimeOptions {
  /** Default 'wss://api.openai.com/v1/realtime'; ws: only for loopback hosts (tests, local proxies). */
  url?: string
  /** Sent as the `model` query parameter. */
  model: string
  /** Sent as `Authorization: Bearer ...` (Node; browsers cannot set headers on a WebSocket). */
  apiKey?: string
  /** Extra HTTP headers for the WebSocket handshake, such as `OpenAI-Beta` (Node only); `apiKey` overrides an `authorization` header here. */
  headers?: Record<string, string>
  /** Reconnect after an abnormal close, with capped exponential backoff (default: 5 retries, 250 ms doubling to 8 s). */
  reconnect?:
    | boolean
    | {
        /** Reconnection attempts in a row (reset once a socket opens) before failing with `'unreachable'`; default 5, 0 for none. */
        retries?: number
        /** Delay before the first reconnection, in ms (doubled for each further attempt); default 250. */
        initialMs?: number
        /** Cap on the delay between reconnections, in ms; at least `initialMs`, default 8000. */
        maxMs?: number
      }
  /** Client events kept while the socket is not open (default 1000); one more fails the stream with 'queue-full'. */
  maxQueued?: number
}

/** A Realtime API connection: the server's events, `send` for client events, `close`. */
export interface RealtimeConnection {
  /** Server events, parsed. Subscribing connects; completes after `close()`; errors with a RealtimeError. */
  readonly events: Observable<RealtimeServerEvent>
  /** Sends a client event now, or when the socket opens (queued in order). */
  send(event: RealtimeClientEvent): void
  /** Closes for good: no reconnection after this. */
  close(): void
  /** Connections made so far (the first and each reconnection). */
  readonly connections: number
}

interface SocketLike {
  readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  on(event: 'open' | 'close' | 'error' | 'message', listener: (...args: never[]) => void): void
}

const OPEN = 1
const WS_PACKAGE = 'ws'

/**
 * The OpenAI Realtime API (or any server speaking it) over WebSocket: server events as an
 * Observable, client events through `send`. Events sent before the socket opens are queued and go
 * out in order once it does; an abnormal close reconnects with capped exponential backoff (the
 * queue carries over), a deliberate `close()` never does.
 *
 * ```ts
 * const realtime = realtimeSource({ model: 'gpt-realtime', apiKey })
 * realtime.events.pipe(filter((e) => e.type === 'response.output_text.delta')).subscribe((e) => process.stdout.write(String(e.delta)))
 * realtime.send({ type: 'response.create' })
 * ```
 */
export function realtimeSource(options: RealtimeOptions): RealtimeConnection {
  const { url, maxQueued } = checkRealtimeOptions(options)
  const backoff = reconnectPolicy(options.reconnect)

  const events = new Subject<RealtimeServerEvent>()
  const queue: string[] = []
  let socket: SocketLike | null = null
  let started = false
  let closedForGood = false
  let attempt = 0
  let timer: ReturnType<typeof setTimeout> | null = null
  let connections = 0

  // ends for good: failed with `error`, or completed (the server or the user closed it)
  const end = (error?: RealtimeError): void => {
    if (closedForGood) return
    closedForGood = true
    if (timer !== null) clearTimeout(timer)
    timer = null
    socket?.close(NORMAL_CLOSURE)
    socket = null
    if (error === undefined) events.complete()
    else events.error(error)
  }
  const fail = (error: RealtimeError): void => end(error)
  const close = (): void => end()

  const flush = (): void => {
    while (socket !== null && socket.readyState === OPEN && queue.length > 0) socket.send(queue.shift() as string)
  }

  const dial = async (): Promise<void> => {
    const { default: WebSocket } = (await import(/* @vite-ignore */ WS_PACKAGE)) as typeof import('ws')
    if (closedForGood) return
    const ws = new WebSocket(url.href, { headers: headersOf(options) }) as unknown as SocketLike
    socket = ws
    connections++
    ws.on('open', () => {
      attempt = 0
      flush()
    })
    ws.on('message', (data: never) => {
      const event = parseServerEvent(String(data))
      if (event instanceof RealtimeError) fail(event)
      else events.next(event)
    })
    ws.on('error', () => undefined) // 'close' follows and decides
    ws.on('close', (code: never) => {
      if (socket === ws) socket = null
      if (closedForGood) return
      // the server ending the session normally ends the stream; anything else is retried
      if ((code as number) === NORMAL_CLOSURE) return close()
      if (attempt >= backoff.retries) return fail(gaveUp(code as number, attempt))
      attempt++
      timer = setTimeout(
        () => {
          timer = null
          start(true)
        },
        reconnectDelay(backoff, attempt),
      )
    })
  }

  const start = (again = false): void => {
    if (started && !again) return
    started = true
    dial().catch((error: unknown) => fail(new RealtimeError('unreachable', (error as Error).message)))
  }

  return {
    events: new Observable<RealtimeServerEvent>(subscriber => {
      const subscription = events.subscribe(subscriber)
      start()
      return () => {
        subscription.unsubscribe()
        if (!events.observed) close()
      }
    }),
    send(event: RealtimeClientEvent): void {
      checkClientEvent(event)
      if (closedForGood) throw new RealtimeError('closed', 'the Realtime connection is closed')
      if (queue.length >= maxQueued && !(socket !== null && socket.readyState === OPEN)) {
        fail(new RealtimeError('queue-full', `more than ${maxQueued} client events waiting for the socket to open`))
        return
      }
      queue.push(JSON.stringify(event))
      flush()
    },
    close,
    get connections() {
      return connections
    },
  }
}

function reconnectPolicy(reconnect: RealtimeOptions['reconnect']): {
  retries: number
  initialMs: number
  maxMs: number
} {
  if (reconnect === false) return { retries: 0, initialMs: 0, maxMs: 0 }
  if (reconnect !== true && reconnect !== undefined && (reconnect === null || typeof reconnect !== 'object'))
    throw new TypeError(
      `realtimeSource: reconnect must be a boolean or { retries, initialMs, maxMs }, got ${describeValue(reconnect)}`,
    )
  const given = reconnect === true || reconnect === undefined ? {} : reconnect
  checkOptions('realtimeSource', given, ['retries', 'initialMs', 'maxMs'])
  const retries = given.retries ?? 5
  const initialMs = given.initialMs ?? 250
  const maxMs = given.maxMs ?? 8000
  checkInteger('realtimeSource', 'reconnect.retries', retries, { min: 0 })
  checkNumber('realtimeSource', 'reconnect.initialMs', initialMs, { above: 0 })
  checkNumber('realtimeSource', 'reconnect.maxMs', maxMs, { above: 0 })
  if (!(maxMs >= initialMs))
    throw new RangeError(
      `realtimeSource: reconnect needs initialMs <= maxMs, got ${describeValue(initialMs)} and ${describeValue(maxMs)}`,
    )
  return { retries, initialMs, maxMs }
}

/** The option names `realtimeSource` knows. */
const REALTIME_OPTION_NAMES: readonly (keyof RealtimeOptions)[] = [
  'url',
  'model',
  'apiKey',
  'headers',
  'reconnect',
  'maxQueued',
]
/** Hosts where a plain ws: URL is allowed (tests, local proxies). */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]']
/** Where `realtimeSource` connects by default. */
const DEFAULT_REALTIME_URL = 'wss://api.openai.com/v1/realtime'
/** Client events held while the socket is down, by default. */
const DEFAULT_MAX_QUEUED = 1000

// Every option checked at the call, each error naming it.
function checkRealtimeOptions(options: RealtimeOptions): { url: URL; maxQueued: number } {
  const fn = 'realtimeSource'
  checkOptions(fn, options, REALTIME_OPTION_NAMES, true)
  checkString(fn, 'model', options.model)
  if (options.apiKey !== undefined) checkString(fn, 'apiKey', options.apiKey, true)
  if (options.headers !== undefined) {
    if (options.headers === null || typeof options.headers !== 'object' || Array.isArray(options.headers))
      throw new TypeError(`${fn}: headers must be an object of strings, got ${describeValue(options.headers)}`)
    for (const [name, value] of Object.entries(options.headers))
      checkString(fn, `headers[${JSON.stringify(name)}]`, value, true)
  }
  let url: URL
  try {
    url = new URL(checkString(fn, 'url', options.url ?? DEFAULT_REALTIME_URL))
  } catch (error) {
    if ((error as Error).message.startsWith(fn)) throw error
    throw new TypeError(`${fn}: url must be an absolute ws: or wss: URL, got ${describeValue(options.url)}`)
  }
  if (url.protocol === 'ws:' && !LOOPBACK_HOSTS.includes(url.hostname))
    throw new TypeError(`${fn}: plain ws: is allowed only on loopback, got ${describeValue(url.href)} (use wss:)`)
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    throw new TypeError(`${fn}: url must be a ws: or wss: URL, got ${describeValue(url.href)}`)
  url.searchParams.set('model', options.model)
  const maxQueued = checkInteger(fn, 'maxQueued', options.maxQueued ?? DEFAULT_MAX_QUEUED, { min: 0 })
  return { url, maxQueued }
}

/** WebSocket close code of a deliberate close: the server ended the session, or we did. */
const NORMAL_CLOSURE = 1000
/** Characters of a bad server message quoted in the error. */
const QUOTED_CHARACTERS = 80

// A server message as an event, or the error that says why it is not one.
function parseServerEvent(text: string): RealtimeServerEvent | RealtimeError {
  let event: RealtimeServerEvent
  try {
    event = JSON.parse(text) as RealtimeServerEvent
  } catch {
    return new RealtimeError(
      'malformed',
      `the server sent a message that is not JSON: ${text.slice(0, QUOTED_CHARACTERS)}`,
    )
  }
  if (event === null || typeof event !== 'object' || typeof event.type !== 'string')
    return new RealtimeError('malformed', `a server event needs a string "type": ${text.slice(0, QUOTED_CHARACTERS)}`)
  return event
}

function headersOf(options: RealtimeOptions): Record<string, string> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`
  return headers
}

function reconnectDelay(backoff: { initialMs: number; maxMs: number }, attempt: number): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** (attempt - 1))
}

function checkClientEvent(event: unknown): void {
  if (event === null || typeof event !== 'object' || typeof (event as { type?: unknown }).type !== 'string')
    throw new TypeError(`RealtimeConnection.send: the event needs a string "type", got ${describeValue(event)}`)
}

function gaveUp(code: number, attempts: number): RealtimeError {
  return new RealtimeError(
    'unreachable',
    `the Realtime socket closed (${code}) after ${attempts} reconnection attempts`,
  )
}
