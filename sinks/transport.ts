import { Observable, type OperatorFunction } from 'rxjs'
import { type ConnectOptions, connect } from '../sources/transport/client'
import { describeValue } from '../src/errors'
import { type SendOptions, type SendProgress, TransportSession } from '../src/transport/session'

export interface SinkOptions<T> extends SendOptions<T>, ConnectOptions {
  /** The channel to send on. */
  channel: string
}

/**
 * Writes a stream's values to a channel of a WebTransport session (a URL to connect to, or a
 * session you hold: a client's `connect(...)` or a server's session). Returns an operator: the
 * result emits progress as the peer acknowledges and completes once the peer has every message.
 * An AsyncIterable source is pulled only while the channel has credit (backpressure end to end);
 * an Observable source may run `limits.maxQueuedBytes` ahead, then the send fails with 'overflow'.
 * Unsubscribing stops the source and resets the stream; a session it opened itself is closed.
 *
 * ```ts
 * readings$.pipe(quicSink('https://127.0.0.1:4433/midstream', { channel: 'readings', certificateHashes: [hash], reconnect: true })).subscribe()
 * ```
 */
export function quicSink<T>(
  target: string | TransportSession,
  options: SinkOptions<T>,
): OperatorFunction<T, SendProgress> {
  return channelSink(target, { transport: 'webtransport', ...options })
}

/** `quicSink` over the WebSocket fallback (a wss: URL). */
export function wsSink<T>(
  target: string | TransportSession,
  options: SinkOptions<T>,
): OperatorFunction<T, SendProgress> {
  return channelSink(target, { ...options, transport: 'websocket' })
}

function channelSink<T>(target: string | TransportSession, options: SinkOptions<T>): OperatorFunction<T, SendProgress> {
  if (options === null || typeof options !== 'object' || typeof options.channel !== 'string')
    throw new TypeError(`options.channel must name a channel, got ${describeValue(options?.channel)}`)
  if (!(target instanceof TransportSession) && typeof target !== 'string')
    throw new TypeError(`quicSink needs a URL or a session, got ${describeValue(target)}`)
  return source => sendTo(target, options, source)
}

/** Sends an Observable or an AsyncIterable (the form with backpressure) to `target`'s channel. */
export function sendTo<T>(
  target: string | TransportSession,
  options: SinkOptions<T>,
  source: Observable<T> | AsyncIterable<T>,
): Observable<SendProgress> {
  return new Observable<SendProgress>(subscriber => {
    const owned = typeof target === 'string' ? connect(target, options) : null
    const session = owned ?? (target as TransportSession)
    owned?.ready.catch((error: unknown) => subscriber.error(error))
    const subscription = session.send(options.channel, source, options).subscribe({
      next: progress => subscriber.next(progress),
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    })
    return () => {
      subscription.unsubscribe()
      owned?.close()
    }
  })
}
