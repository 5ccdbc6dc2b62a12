import { isObservable, Observable, type Subscriber } from 'rxjs'
import { describeValue } from '../errors'
import { ackFrame, ChannelReceiver, ChannelSender, errorFrame } from './channel'
import {
  FRAME_HEADER_BYTES,
  FRAME_PREFIX_BYTES,
  type Frame,
  FrameError,
  FrameKind,
  jsonCodec,
  type PayloadCodec,
} from './framing'
import { type Link, type LinkStream, TransportError, type TransportProtocol } from './link'
import type { ChannelOptions, ResolvedLimits, SendOptions, SendProgress, SessionStats } from './options'
import { TokenBucket } from './reliability'

export {
  type ChannelOptions,
  type ResolvedLimits,
  resolveLimits,
  type SendOptions,
  type SendProgress,
  type SessionStats,
  type TransportLimits,
} from './options'

/** What `send` takes: an Observable, or an AsyncIterable pulled only while the channel's window has room. */
type Source<T> = Observable<T> | AsyncIterable<T>

/**
 * A session between two peers that outlives its connections: named channels in both directions,
 * each numbered and acknowledged so that after a dropped connection the next one resumes without
 * loss or repeats. The server's `sessions` and the client's `connect` hand these out.
 */
export class TransportSession {
  private link: Link | null = null
  private readonly receivers = new Map<
    string,
    { receiver: ChannelReceiver<unknown>; subscribers: Set<Subscriber<unknown>> }
  >()
  private readonly senders = new Set<ChannelSender<unknown>>()
  private nextChannel: number
  // lanes the peer has open on the current link (a new link starts a new set; old lanes leave their own)
  private incomingLanes = new Set<LinkStream>()
  private readonly bucket: TokenBucket | null
  private attachedBefore = false
  private isClosed = false
  private failure: TransportError | null = null
  /** Live counters of refused lanes, repeats dropped, datagrams and resumes: one object, updated in place. */
  readonly stats: SessionStats = { refused: {}, duplicates: 0, datagramsReceived: 0, datagramsDropped: 0, resumes: 0 }
  /**
   * Called once when the session ends for good (closed here, by the peer, or not resumed in time).
   * Set by the server and by shared client sessions for their bookkeeping.
   * @internal
   */
  onClosed: ((error?: TransportError) => void) | null = null
  /**
   * Called when the connection under the session goes ('bye' when the peer closed deliberately).
   * Set by the client (to reconnect) and the server (to wait for a resume).
   * @internal
   */
  onDetached: ((reason: string, link: Link) => void) | null = null
  /**
   * Called for each lane refused (the server adds them up).
   * @internal
   */
  onRefused: ((code: string) => void) | null = null

  constructor(
    /** Random, chosen by the client; a reconnecting client presents it to resume. */
    readonly id: string,
    /** Which end of the session this is: `'client'` for `connect` and the sources and sinks that dial, `'server'` for a server's `sessions`. */
    readonly role: 'client' | 'server',
    /** The limits this end enforces on what its peer sends, every default filled in. */
    readonly limits: ResolvedLimits,
    private readonly now: () => number = () => performance.now(),
    /** Whatever `authenticate` returned for the peer (the server side). */
    readonly principal: unknown = undefined,
  ) {
    this.nextChannel = role === 'client' ? 1 : 2
    this.bucket = Number.isFinite(limits.messagesPerSecond)
      ? new TokenBucket(limits.messagesPerSecond, limits.burst)
      : null
  }

  /** The transport under the session now, or null between connections. */
  get protocol(): TransportProtocol | null {
    return this.link?.protocol ?? null
  }

  /**
   * True once the session has ended for good: closed on either side, failed, or not resumed in
   * time. Its channels and sends have then ended, and new ones end at once.
   */
  get closed(): boolean {
    return this.isClosed
  }

  /**
   * Puts the session on a (new) connection: every sender reopens its lane and resends what is unacknowledged.
   * @internal
   */
  attach(link: Link): void {
    if (this.isClosed) {
      link.close('session closed')
      return
    }
    if (this.attachedBefore) this.stats.resumes++
    this.attachedBefore = true
    this.link?.close('replaced')
    this.link = link
    this.incomingLanes = new Set()
    link.onLane = lane => this.acceptLane(lane)
    link.onDatagram = bytes => this.acceptDatagram(bytes)
    link.onUnroutable = () => this.count('malformed')
    link.onClose = reason => {
      if (this.link !== link) return
      this.link = null
      for (const sender of this.senders) sender.detach()
      this.incomingLanes = new Set()
      this.onDetached?.(reason, link)
    }
    for (const sender of this.senders) sender.attach(link.openLane(sender.channel, sender.priority))
  }

  /** The current connection is gone and will not come back: end everything with `error`. */
  fail(error: TransportError): void {
    this.shutdown(error)
  }

  /** Closes the session: lanes and connection; channels complete. */
  close(): void {
    this.shutdown()
  }

  /**
   * Messages the peer sends on channel `name`, in order, each once. Several subscribers share one
   * channel. Completes when the peer's source completes, errors with a TransportError when the peer
   * fails, the lane is refused (a bad frame) or the session ends unresumed. A lane the peer opens for
   * a name nobody subscribed to is refused with 'unknown-channel' (and counted).
   */
  channel<T = unknown>(name: string, options: ChannelOptions<T> = {}): Observable<T> {
    checkChannelName('TransportSession.channel', name)
    return new Observable<T>(subscriber => {
      if (this.isClosed) {
        if (this.failure !== null) subscriber.error(this.failure)
        else subscriber.complete()
        return
      }
      let entry = this.receivers.get(name)
      if (entry === undefined) {
        const receiver = new ChannelReceiver<unknown>(
          name,
          (options.codec ?? jsonCodec) as PayloadCodec<unknown>,
          this.limits.maxFrameBytes,
        )
        const subscribers = new Set<Subscriber<unknown>>()
        receiver.deliver = value => {
          for (const s of subscribers) s.next(value)
        }
        // a subscriber may subscribe again from its complete/error handler: only this receiver's entry goes
        const forget = (): void => {
          if (this.receivers.get(name)?.receiver === receiver) this.receivers.delete(name)
        }
        receiver.onEnd = () => {
          forget()
          this.rememberCompleted(name, receiver.delivered)
          for (const s of [...subscribers]) s.complete()
        }
        receiver.onError = error => {
          forget()
          for (const s of [...subscribers]) s.error(error)
        }
        entry = { receiver, subscribers }
        this.receivers.set(name, entry)
      }
      const { receiver, subscribers } = entry
      subscribers.add(subscriber as Subscriber<unknown>)
      return () => {
        subscribers.delete(subscriber as Subscriber<unknown>)
        if (subscribers.size === 0 && this.receivers.get(name)?.receiver === receiver) {
          this.receivers.delete(name)
          receiver.refuse(new TransportError('unknown-channel', `nobody listens on ${describeValue(name)} any more`))
        }
      }
    })
  }

  /**
   * Sends `source`'s values on channel `name` when subscribed. Emits progress as the peer
   * acknowledges, completes once the peer has every message (after `source` completes), errors when
   * the peer refuses the lane or the session ends. An AsyncIterable source is pulled only while the
   * channel's window has room (backpressure end to end); an Observable cannot be paused, so it may
   * run `limits.maxQueuedBytes` ahead before the send fails with 'overflow'. Unsubscribing resets
   * the lane and stops the source.
   */
  send<T>(
    name: string,
    source: Observable<T> | AsyncIterable<T>,
    options: SendOptions<T> = {},
  ): Observable<SendProgress> {
    checkChannelName('TransportSession.send', name)
    const priority = options.priority ?? 0
    if (typeof priority !== 'number' || !Number.isFinite(priority))
      throw new RangeError(`TransportSession.send: priority must be a finite number, got ${describeValue(priority)}`)
    if (!isObservable(source) && !isAsyncIterable(source))
      throw new TypeError(
        `TransportSession.send: source must be an Observable or an AsyncIterable, got ${describeValue(source)}`,
      )
    const codec = (options.codec ?? jsonCodec) as PayloadCodec<T>
    if (options.reliability === 'datagram') return this.sendDatagrams(name, source, codec)
    return new Observable<SendProgress>(subscriber => {
      if (this.isClosed) {
        subscriber.error(this.failure ?? new TransportError('closed', 'the session is closed'))
        return
      }
      const sender = new ChannelSender<T>(
        this.nextChannel,
        name,
        priority,
        codec,
        this.limits.maxFrameBytes,
        this.limits.maxUnackedBytes,
      )
      this.nextChannel += 2
      const progress = (): SendProgress => ({
        channel: name,
        sent: sender.sent,
        acknowledged: sender.acknowledged,
        dropped: 0,
      })
      let stopped = false
      const stop = (): void => {
        stopped = true
        this.senders.delete(sender as ChannelSender<unknown>)
      }
      sender.onAcknowledged = () => subscriber.next(progress())
      sender.onDone = () => {
        stop()
        subscriber.complete()
      }
      sender.onError = error => {
        stop()
        subscriber.error(error)
      }
      this.senders.add(sender as ChannelSender<unknown>)
      if (this.link !== null) sender.attach(this.link.openLane(sender.channel, priority))
      const fail = (error: unknown): void => {
        if (stopped) return
        stop()
        sender.abort(new TransportError('remote', error instanceof Error ? error.message : describeValue(error)))
        subscriber.error(error)
      }
      const push = (value: T): boolean => {
        try {
          sender.push(value)
          return true
        } catch (error) {
          fail(error)
          return false
        }
      }
      const overflow = (): TransportError | null =>
        sender.unacknowledgedBytes > this.limits.maxQueuedBytes
          ? new TransportError(
              'overflow',
              `channel ${describeValue(name)}: more than ${this.limits.maxQueuedBytes} bytes unacknowledged (an Observable cannot be paused; use an AsyncIterable source for backpressure)`,
            )
          : null
      const teardownSource = feedSender(source, sender, { stopped: () => stopped, push, fail, overflow })
      return () => {
        if (!stopped) {
          stop()
          sender.abort()
        }
        teardownSource()
      }
    })
  }

  private sendDatagrams<T>(name: string, source: Source<T>, codec: PayloadCodec<T>): Observable<SendProgress> {
    const prefix = new TextEncoder().encode(name)
    if (prefix.length > MAX_DATAGRAM_NAME_BYTES)
      throw new RangeError(
        `TransportSession.send: a datagram channel name must be at most ${MAX_DATAGRAM_NAME_BYTES} bytes of UTF-8, got ${prefix.length} for ${describeValue(name)}`,
      )
    return new Observable<SendProgress>(subscriber => {
      let sent = 0
      let dropped = 0
      const sendOne = (value: T): void => {
        const body = codec.encode(value)
        const payload = new Uint8Array(1 + prefix.length + body.length)
        payload[0] = prefix.length
        payload.set(prefix, 1)
        payload.set(body, 1 + prefix.length)
        if (payload.length + FRAME_PREFIX_BYTES + FRAME_HEADER_BYTES > this.limits.maxFrameBytes)
          throw new RangeError(
            `TransportSession.send: datagram of ${payload.length} bytes on ${describeValue(name)} exceeds maxFrameBytes (${this.limits.maxFrameBytes})`,
          )
        sent++
        if (this.link === null || !this.link.sendDatagram(payload)) dropped++
      }
      const report = (): SendProgress => ({ channel: name, sent, acknowledged: 0, dropped })
      const guarded = (value: T): boolean => {
        try {
          sendOne(value)
          return true
        } catch (error) {
          subscriber.error(error)
          return false
        }
      }
      if (isObservable(source)) {
        return source.subscribe({
          next: value => void guarded(value),
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            subscriber.next(report())
            subscriber.complete()
          },
        })
      }
      let stopped = false
      const iterator = source[Symbol.asyncIterator]()
      void (async () => {
        try {
          for (;;) {
            const step = await iterator.next()
            if (stopped) return
            if (step.done === true) {
              subscriber.next(report())
              return subscriber.complete()
            }
            if (!guarded(step.value)) return
          }
        } catch (error) {
          subscriber.error(error)
        }
      })()
      return () => {
        stopped = true
        void iterator.return?.()?.catch(() => undefined)
      }
    })
  }

  private acceptLane(lane: LinkStream): void {
    if (this.incomingLanes.size >= this.limits.maxStreamsPerSession) {
      this.count('too-many-streams')
      lane.onFrame = frame => {
        lane.onFrame = null
        refuseLane(
          lane,
          frame.channel,
          new TransportError(
            'too-many-streams',
            `more than ${this.limits.maxStreamsPerSession} streams on one session`,
          ),
          this.limits.maxFrameBytes,
        )
      }
      return
    }
    const open = this.incomingLanes
    open.add(lane)
    let receiver: ChannelReceiver<unknown> | null = null
    let channel = 0
    let refused = false
    const refuse = (error: TransportError): void => {
      if (refused) return
      refused = true
      this.count(error.code)
      lane.onFrame = null
      if (receiver !== null) {
        receiver.refuse(error)
        receiver.onError?.(error)
      } else refuseLane(lane, channel, error, this.limits.maxFrameBytes)
    }
    lane.onFrame = (frame: Frame) => {
      if (receiver === null) {
        channel = frame.channel
        if (frame.kind !== FrameKind.Open)
          return refuse(
            new TransportError('protocol', `the first frame of a stream must be Open, got kind ${frame.kind}`),
          )
        const name = readOpenName(frame.payload)
        const entry = name === null ? undefined : this.receivers.get(name)
        const completed = name === null ? undefined : this.completed.get(name)
        if (entry === undefined && completed !== undefined) {
          // the channel ended here but the sender lost the last acknowledgement in a cut: confirm it again
          lane.onFrame = null
          lane.write(ackFrame(frame.channel, completed)).catch(() => undefined)
          lane.end()
          return
        }
        if (entry === undefined)
          return refuse(
            new TransportError(
              name === null ? 'malformed' : 'unknown-channel',
              name === null
                ? 'the Open frame does not name a channel'
                : `nobody listens on channel ${describeValue(name)}`,
            ),
          )
        receiver = entry.receiver
        receiver.attach(lane, frame.channel)
        return
      }
      if (frame.kind === FrameKind.Data && this.bucket !== null && !this.bucket.take(this.now())) {
        return refuse(
          new TransportError(
            'rate-limited',
            `more than ${this.limits.messagesPerSecond} messages per second on this session`,
          ),
        )
      }
      const before = receiver.duplicates
      const error = receiver.receive(frame)
      this.stats.duplicates += receiver.duplicates - before
      if (error !== null) refuse(error)
    }
    lane.onEnd = error => {
      open.delete(lane)
      if (error instanceof FrameError) refuse(new TransportError(error.code, error.message))
      receiver?.detach(lane)
    }
  }

  private acceptDatagram(payload: Uint8Array): void {
    const nameLength = payload[0] ?? 0
    const name = payload.length > nameLength ? safeText(payload.subarray(1, 1 + nameLength)) : null
    const entry = name === null ? undefined : this.receivers.get(name)
    if (entry === undefined || (this.bucket !== null && !this.bucket.take(this.now()))) {
      this.stats.datagramsDropped++
      return
    }
    let value: unknown
    try {
      value = entry.receiver.decode(payload.subarray(1 + nameLength))
    } catch {
      this.stats.datagramsDropped++
      return
    }
    this.stats.datagramsReceived++
    for (const s of entry.subscribers) s.next(value)
  }

  // Channels that completed, with their message counts, so a resumed sender that missed the final
  // acknowledgement gets it (bounded: the oldest are forgotten first).
  private readonly completed = new Map<string, number>()

  private rememberCompleted(name: string, delivered: number): void {
    this.completed.delete(name)
    this.completed.set(name, delivered)
    if (this.completed.size > 4096) this.completed.delete(this.completed.keys().next().value as string)
  }

  private count(code: string): void {
    this.stats.refused[code] = (this.stats.refused[code] ?? 0) + 1
    this.onRefused?.(code)
  }

  private shutdown(error?: TransportError): void {
    if (this.isClosed) return
    this.isClosed = true
    this.failure = error ?? null
    for (const sender of [...this.senders]) {
      sender.abort()
      sender.onError?.(error ?? new TransportError('closed', 'the session was closed'))
    }
    this.senders.clear()
    for (const { subscribers } of [...this.receivers.values()]) {
      for (const s of [...subscribers]) error === undefined ? s.complete() : s.error(error)
    }
    this.receivers.clear()
    const link = this.link
    this.link = null
    link?.close(error === undefined ? 'bye' : error.message)
    this.onClosed?.(error)
  }
}

/** The longest channel name, in UTF-16 units. */
const MAX_CHANNEL_NAME = 256
/** A datagram names its channel in a one-byte length prefix. */
const MAX_DATAGRAM_NAME_BYTES = 255

/** What `feedSender` needs from the send it feeds. */
interface SendControl<T> {
  stopped(): boolean
  /** Pushes one value; false when that failed the send. */
  push(value: T): boolean
  fail(error: unknown): void
  /** The error to fail with when an Observable has run too far ahead, else null. */
  overflow(): TransportError | null
}

// Feeds `source` to `sender`: an Observable as it emits (failing with 'overflow' once too far ahead),
// an AsyncIterable only while the channel's window has room. Returns what stops the source.
function feedSender<T>(source: Source<T>, sender: ChannelSender<T>, control: SendControl<T>): () => void {
  if (isObservable(source)) {
    const subscription = source.subscribe({
      next: value => {
        if (control.stopped()) return
        const overflow = control.overflow()
        if (overflow !== null) return control.fail(overflow)
        control.push(value)
      },
      error: control.fail,
      complete: () => {
        if (!control.stopped()) sender.end()
      },
    })
    return () => subscription.unsubscribe()
  }
  const iterator = source[Symbol.asyncIterator]()
  void (async () => {
    try {
      for (;;) {
        if (sender.windowFull) await sender.whenWritable()
        if (control.stopped()) return
        const step = await iterator.next()
        if (control.stopped()) return
        if (step.done === true) return sender.end()
        if (!control.push(step.value)) return
      }
    } catch (error) {
      control.fail(error)
    }
  })()
  return () => void iterator.return?.()?.catch(() => undefined)
}

function checkChannelName(fn: string, name: unknown): void {
  if (typeof name !== 'string') throw new TypeError(`${fn}: channel name must be a string, got ${describeValue(name)}`)
  if (name.length === 0 || name.length > MAX_CHANNEL_NAME)
    throw new RangeError(`${fn}: channel name must have 1-${MAX_CHANNEL_NAME} characters, got ${describeValue(name)}`)
}

function refuseLane(lane: LinkStream, channel: number, error: TransportError, maxFrameBytes: number): void {
  lane.write(errorFrame(channel, error, maxFrameBytes)).catch(() => undefined)
  lane.end()
}

function readOpenName(payload: Uint8Array): string | null {
  try {
    const parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)) as { name?: unknown }
    return typeof parsed?.name === 'string' && parsed.name.length > 0 ? parsed.name : null
  } catch {
    return null
  }
}

function safeText(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return null
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
  )
}
