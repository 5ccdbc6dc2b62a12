import { describeValue } from '../errors'
import { concat, encodeFrame, type Frame, FrameKind, type PayloadCodec } from './framing'
import { type LinkStream, parseErrorPayload, TransportError } from './link'
import { DuplicateFilter, ResendBuffer } from './reliability'

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder()
const EMPTY = new Uint8Array(0)

/** The frame that resets a lane with a reason the peer can read (`code message`). */
export function errorFrame(channel: number, error: TransportError, maxFrameBytes: number): Uint8Array {
  const reason = textEncoder.encode(`${error.code} ${error.message}`.slice(0, 1024))
  return encodeFrame({ kind: FrameKind.Error, channel, seq: 0, payload: reason }, maxFrameBytes)
}

/** An Ack frame for `channel`: every message below `next` has arrived. */
export function ackFrame(channel: number, next: number): Uint8Array {
  return encodeFrame({ kind: FrameKind.Ack, channel, seq: next, payload: EMPTY })
}

/**
 * The sending half of a channel. Every message is numbered and kept until the receiver
 * acknowledges it; acknowledgements are also the credit, so at most `maxUnackedBytes` are in
 * flight (`windowFull`), whatever the transport buffers. On a new lane (the first, or after a
 * reconnect) it sends Open, then everything unacknowledged, then End if the source has ended: the
 * receiver drops what it had already delivered.
 */
export class ChannelSender<T> {
  private readonly resend: ResendBuffer
  private nextSeq = 0
  private lane: LinkStream | null = null
  private queue: Uint8Array[] = []
  private writing = false
  // a write on a dead lane may never settle: each lane gets its own pump, and a stale one stops
  private epoch = 0
  private ended = false
  private done = false
  private waiters: Array<() => void> = []
  /** Messages the receiver has confirmed (its next expected number). */
  acknowledged = 0
  onAcknowledged: ((acknowledged: number) => void) | null = null
  onDone: (() => void) | null = null
  onError: ((error: TransportError) => void) | null = null

  constructor(
    readonly channel: number,
    readonly name: string,
    readonly priority: number,
    private readonly codec: PayloadCodec<T>,
    private readonly maxFrameBytes: number,
    maxUnackedBytes: number,
  ) {
    this.resend = new ResendBuffer(maxUnackedBytes)
  }

  get sent(): number {
    return this.nextSeq
  }

  get windowFull(): boolean {
    return this.resend.full
  }

  get unacknowledgedBytes(): number {
    return this.resend.pendingBytes
  }

  /** Resolves when the window has room again (at once if it has). */
  whenWritable(): Promise<void> {
    if (!this.resend.full || this.done) return Promise.resolve()
    return new Promise(resolve => this.waiters.push(resolve))
  }

  /** Numbers, records and (when a lane is up) queues one message. Throws for a value the codec or the frame limit refuses. */
  push(value: T): void {
    if (this.ended) throw new RangeError(`ChannelSender.push: channel ${describeValue(this.name)} has ended`)
    const bytes = encodeFrame(
      { kind: FrameKind.Data, channel: this.channel, seq: this.nextSeq, payload: this.codec.encode(value) },
      this.maxFrameBytes,
    )
    this.resend.record(this.nextSeq++, bytes)
    if (this.lane !== null) this.enqueue(bytes)
  }

  /** The source is complete: End follows the messages, and `onDone` fires once the receiver has them all. */
  end(): void {
    if (this.ended) return
    this.ended = true
    if (this.lane !== null) this.enqueue(this.endFrame())
  }

  attach(lane: LinkStream): void {
    this.lane = lane
    this.queue = []
    this.epoch++
    this.writing = false
    const open = textEncoder.encode(JSON.stringify({ name: this.name }))
    this.enqueue(
      encodeFrame(
        { kind: FrameKind.Open, channel: this.channel, seq: this.acknowledged, payload: open },
        this.maxFrameBytes,
      ),
    )
    for (const [, bytes] of this.resend.unacknowledged()) this.queue.push(bytes)
    if (this.ended) this.queue.push(this.endFrame())
    lane.onFrame = frame => this.receive(frame)
    lane.onEnd = () => {
      if (this.lane === lane) this.lane = null
    }
  }

  /** The link is gone: keep everything unacknowledged for the next lane. */
  detach(): void {
    this.lane = null
    this.queue = []
    this.epoch++
  }

  /** Stops for good; the receiver is told why when `error` is given. */
  abort(error?: TransportError): void {
    this.done = true
    const lane = this.lane
    this.lane = null
    this.queue = []
    if (lane !== null) {
      if (error !== undefined) lane.write(errorFrame(this.channel, error, this.maxFrameBytes)).catch(() => undefined)
      lane.reset(error?.message ?? 'cancelled')
    }
    this.wake()
  }

  private endFrame(): Uint8Array {
    return encodeFrame({ kind: FrameKind.End, channel: this.channel, seq: this.nextSeq, payload: EMPTY })
  }

  private receive(frame: Frame): void {
    if (this.done) return
    if (frame.kind === FrameKind.Ack) {
      if (frame.seq > this.nextSeq)
        return this.fail(
          new TransportError('protocol', `acknowledgement of message ${frame.seq}, but only ${this.nextSeq} were sent`),
        )
      if (frame.seq > this.acknowledged) {
        this.resend.acknowledge(frame.seq - 1)
        this.acknowledged = frame.seq
        this.onAcknowledged?.(frame.seq)
        this.wake()
      }
      if (this.ended && this.acknowledged === this.nextSeq) {
        this.done = true
        this.lane?.end()
        this.onDone?.()
      }
    } else if (frame.kind === FrameKind.Error) {
      this.fail(parseErrorPayload(textDecoder.decode(frame.payload)))
    } else {
      this.fail(
        new TransportError(
          'protocol',
          `unexpected frame kind ${frame.kind} on the sending side of ${describeValue(this.name)}`,
        ),
      )
    }
  }

  private fail(error: TransportError): void {
    this.done = true
    this.lane?.reset(error.message)
    this.lane = null
    this.wake()
    this.onError?.(error)
  }

  private wake(): void {
    if (this.resend.full && !this.done) return
    const waiters = this.waiters
    this.waiters = []
    for (const resolve of waiters) resolve()
  }

  // The pump starts a microtask later, so what is pushed in the same synchronous burst (an Open and
  // the first messages, a burst from an Observable) goes out in one write.
  private enqueue(bytes: Uint8Array): void {
    this.queue.push(bytes)
    if (this.writing) return
    this.writing = true
    const epoch = this.epoch
    queueMicrotask(() => void this.pump(epoch))
  }

  // Whatever queued while the previous write was in flight, as one write of at most maxFrameBytes
  // (a WebSocket message carries one write, and the peer refuses messages far above that).
  private takeBatch(): Uint8Array {
    let count = 1
    let bytes = this.queue[0].length
    while (count < this.queue.length && bytes + this.queue[count].length <= this.maxFrameBytes)
      bytes += this.queue[count++].length
    const batch = count === 1 ? this.queue[0] : concat(this.queue.slice(0, count))
    this.queue = count === this.queue.length ? [] : this.queue.slice(count)
    return batch
  }

  // Coalesces whatever queued while the previous write was in flight into one write.
  private async pump(epoch: number): Promise<void> {
    if (epoch !== this.epoch) return
    try {
      while (this.queue.length > 0 && this.lane !== null && epoch === this.epoch) {
        const lane = this.lane
        const batch = this.takeBatch()
        await lane.write(batch)
      }
    } catch {
      // the lane is gone; onEnd detaches and the session resumes on the next link
    } finally {
      if (epoch === this.epoch) this.writing = false
    }
  }
}

/**
 * The receiving half of a channel: passes each message number once and in order to `deliver`,
 * drops the repeats a resume sends (counted in `duplicates`), and acknowledges what it delivered
 * once per burst of frames (one Ack per microtask, not per message).
 */
export class ChannelReceiver<T> {
  private readonly filter = new DuplicateFilter()
  private lane: LinkStream | null = null
  /** The sender's channel id on the current lane (acknowledgements carry it). */
  private channel = 0
  private ackPending = false
  duplicates = 0
  ended = false
  deliver: ((value: T) => void) | null = null
  onEnd: (() => void) | null = null
  onError: ((error: Error) => void) | null = null

  constructor(
    readonly name: string,
    private readonly codec: PayloadCodec<T>,
    private readonly maxFrameBytes: number,
  ) {}

  /** A payload as a value (datagrams skip the numbering). */
  decode(bytes: Uint8Array): T {
    return this.codec.decode(bytes)
  }

  get delivered(): number {
    return this.filter.lastDelivered + 1
  }

  /** A lane opened by the sender (first or resumed): tell it where to resume. Any older lane is dropped. */
  attach(lane: LinkStream, channel: number): void {
    if (this.lane !== null && this.lane !== lane) this.lane.reset('replaced by a resumed lane')
    this.lane = lane
    this.channel = channel
    lane.write(ackFrame(channel, this.delivered)).catch(() => undefined)
  }

  /** Data, End or Error for this channel, in lane order. Returns an error to reset the lane with, if any. */
  receive(frame: Frame): TransportError | null {
    if (this.ended) return null
    if (frame.kind === FrameKind.Data) {
      const verdict = this.filter.accept(frame.seq)
      if (verdict === 'duplicate') {
        this.duplicates++
        return null
      }
      if (verdict === 'gap')
        return new TransportError(
          'protocol',
          `message ${frame.seq} on ${describeValue(this.name)} arrived before ${this.delivered}`,
        )
      let value: T
      try {
        value = this.codec.decode(frame.payload)
      } catch (error) {
        return new TransportError(
          'malformed',
          `message ${frame.seq} on ${describeValue(this.name)}: ${(error as Error).message}`,
        )
      }
      this.scheduleAck()
      this.deliver?.(value)
      return null
    }
    if (frame.kind === FrameKind.End) {
      if (frame.seq !== this.delivered)
        return new TransportError(
          'protocol',
          `End after ${frame.seq} messages on ${describeValue(this.name)}, but ${this.delivered} arrived`,
        )
      this.ended = true
      // the last acknowledgement, then our half of the lane ends (a stream's credit goes back to the peer)
      this.lane?.write(ackFrame(this.channel, this.delivered)).catch(() => undefined)
      this.lane?.end()
      this.onEnd?.()
      return null
    }
    if (frame.kind === FrameKind.Error) {
      this.ended = true
      this.onError?.(parseErrorPayload(textDecoder.decode(frame.payload)))
      return null
    }
    return new TransportError(
      'protocol',
      `unexpected frame kind ${frame.kind} on the receiving side of ${describeValue(this.name)}`,
    )
  }

  /** Resets the lane after telling the sender why. */
  refuse(error: TransportError): void {
    const lane = this.lane
    this.lane = null
    if (lane !== null) {
      lane.write(errorFrame(this.channel, error, this.maxFrameBytes)).catch(() => undefined)
      lane.end()
    }
  }

  detach(lane: LinkStream): void {
    if (this.lane === lane) this.lane = null
  }

  private scheduleAck(): void {
    if (this.ackPending) return
    this.ackPending = true
    queueMicrotask(() => {
      this.ackPending = false
      this.lane?.write(ackFrame(this.channel, this.delivered)).catch(() => undefined)
    })
  }
}
