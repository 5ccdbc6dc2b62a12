import { Observable, type OperatorFunction } from 'rxjs'
import { type ConnectOptions, checkChannelOptions, connect } from '../sources/transport/client'
import { CONNECT_OPTION_NAMES, checkConnectOptions } from '../sources/transport/connectOptions'
import { leaseSession, type SessionLease, type SessionMode } from '../sources/transport/sharedSessions'
import { describeValue } from '../src/errors'
import { type SendOptions, type SendProgress, TransportSession } from '../src/transport/session'
import { checkNumber, checkOneOf, checkOptions } from '../src/validate'

/** Options of `quicSink`, `wsSink` and `sendTo`: the connection's (for a URL), the channel and how to send on it. */
export interface SinkOptions<T> extends SendOptions<T>, ConnectOptions {
  /** The channel to send on. */
  channel: string
  /**
   * When the target is a URL: 'shared' (default) sends over one session with the other sources and
   * sinks of the same URL and connection options, 'own' opens a session for this sink alone.
   */
  session?: SessionMode
}

/** The option names a sink adds to `connect`'s. */
const SINK_OPTION_NAMES = ['channel', 'codec', 'priority', 'reliability', 'session'] as const

/**
 * Writes a stream's values to a channel of a WebTransport session (a URL to connect to, or a
 * session you hold: a client's `connect(...)` or a server's session). Returns an operator: the
 * result emits progress as the peer acknowledges and completes once the peer has every message.
 * An AsyncIterable source is pulled only while the channel has credit (backpressure end to end);
 * an Observable source may run `limits.maxQueuedBytes` ahead, then the send fails with 'overflow'.
 * Sinks and sources of one URL and the same connection options share one session (one connection,
 * many streams) unless `session: 'own'`; the last to unsubscribe closes it. Unsubscribing stops the
 * source and resets the stream. Bad options throw a TypeError or RangeError at the call.
 *
 * ```ts
 * readings$.pipe(quicSink('https://127.0.0.1:4433/midstream', { channel: 'readings', certificateHashes: [hash], reconnect: true })).subscribe()
 * ```
 * @see wsSink for the WebSocket fallback, `sendTo` for an AsyncIterable source, `quicSource` for the other direction.
 */
export function quicSink<T>(
  target: string | TransportSession,
  options: SinkOptions<T>,
): OperatorFunction<T, SendProgress> {
  checkSinkOptions('quicSink', target, options)
  const forced = { transport: 'webtransport' as const, ...options }
  return source => startSend(target, forced, source)
}

/**
 * `quicSink` over the WebSocket fallback (a wss: URL).
 *
 * ```ts
 * readings$.pipe(wsSink('wss://127.0.0.1:4434/midstream', { channel: 'readings', ca: dev.cert })).subscribe()
 * ```
 * @see quicSink
 */
export function wsSink<T>(
  target: string | TransportSession,
  options: SinkOptions<T>,
): OperatorFunction<T, SendProgress> {
  checkSinkOptions('wsSink', target, options)
  const forced = { ...options, transport: 'websocket' as const }
  return source => startSend(target, forced, source)
}

/**
 * Sends an Observable or an AsyncIterable (the form with backpressure) to `target`'s channel; the
 * same as `quicSink`, called with the source.
 *
 * ```ts
 * sendTo(session, { channel: 'rows' }, readRows(file)).subscribe(progress => console.log(progress.acknowledged))
 * ```
 * @see quicSink
 */
export function sendTo<T>(
  target: string | TransportSession,
  options: SinkOptions<T>,
  source: Observable<T> | AsyncIterable<T>,
): Observable<SendProgress> {
  checkSinkOptions('sendTo', target, options)
  if (
    !(source instanceof Observable) &&
    (source === null || typeof (source as AsyncIterable<T>)?.[Symbol.asyncIterator] !== 'function')
  )
    throw new TypeError(`sendTo: source must be an Observable or an AsyncIterable, got ${describeValue(source)}`)
  return startSend(target, options, source)
}

function checkSinkOptions<T>(fn: string, target: unknown, options: SinkOptions<T>): void {
  if (!(target instanceof TransportSession) && typeof target !== 'string')
    throw new TypeError(`${fn}: target must be a URL or a session, got ${describeValue(target)}`)
  checkOptions(fn, options, [...CONNECT_OPTION_NAMES, ...SINK_OPTION_NAMES], true)
  checkChannelOptions(fn, options)
  if (options.priority !== undefined) checkNumber(fn, 'priority', options.priority)
  if (options.reliability !== undefined)
    checkOneOf(fn, 'reliability', options.reliability, ['reliable', 'datagram'] as const)
  // a session you hold was connected with its own options: only a URL's are checked (and used)
  if (typeof target === 'string') checkConnectOptions(fn, target, options, SINK_OPTION_NAMES)
}

function startSend<T>(
  target: string | TransportSession,
  options: SinkOptions<T>,
  source: Observable<T> | AsyncIterable<T>,
): Observable<SendProgress> {
  return new Observable<SendProgress>(subscriber => {
    const lease: SessionLease | null =
      typeof target === 'string' ? leaseSession(target, options, options.channel, 'send', connect) : null
    const session = lease?.session ?? (target as TransportSession)
    lease?.session.ready.catch((error: unknown) => subscriber.error(error))
    const subscription = session.send(options.channel, source, options).subscribe({
      next: progress => subscriber.next(progress),
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    })
    return () => {
      subscription.unsubscribe()
      lease?.release()
    }
  })
}
