import { describeValue } from '../errors'
import { encodeFrame, type Frame, FrameDecoder, FrameError, FrameKind } from './framing'
import type { Lane, Link, TransportProtocol } from './link'

/** The part of the W3C WebTransport API a link uses (the browser's own and @fails-components/webtransport's). */
export interface WebTransportLike {
  readonly ready: Promise<unknown>
  readonly closed: Promise<{ closeCode?: number; reason?: string }>
  readonly incomingUnidirectionalStreams: ReadableStream<ReadableStream<Uint8Array>>
  readonly datagrams: {
    readonly readable: ReadableStream<Uint8Array>
    readonly writable?: WritableStream<Uint8Array>
    createWritable?(): WritableStream<Uint8Array>
  }
  createUnidirectionalStream(options?: {
    sendOrder?: number
    waitUntilAvailable?: boolean
  }): Promise<WritableStream<Uint8Array>>
  close(info?: { closeCode?: number; reason?: string }): void
}

/** WebTransport close code of a deliberate close ('bye'). */
const NORMAL_CLOSE = 0
/** Close code of any other close (the application range starts at 4000 by WebSocket convention). */
const ABNORMAL_CLOSE = 4000
/** Heartbeat periods without a byte from the peer before the link is given up. */
const SILENT_PERIODS = 3
/** A heartbeat tick this many periods late means this process stalled; the silence is not counted. */
const LATE_TICK_PERIODS = 2
/** Longest close reason sent (WebTransport allows 1024 bytes; this stays well inside). */
const MAX_REASON_LENGTH = 120
/** Datagrams on this channel id are the link's heartbeat, not messages. */
const HEARTBEAT_CHANNEL = 1
const EMPTY = new Uint8Array(0)

/**
 * A link over a WebTransport session. A lane is a pair of unidirectional streams, one each way,
 * paired by the opener's channel id: the opener's stream starts with its Open frame, the answering
 * stream with an Open frame of the same id and an empty payload. (Bidirectional streams opened by
 * an HTTP/2 server stall in @fails-components/webtransport 1.6.8 once 16 KB have gone to the
 * client; unidirectional ones flow both ways.) Each stream's `sendOrder` is the lane's priority, so
 * WebTransport sends higher priorities first; frames are decoded per stream; datagrams are
 * WebTransport datagrams, dropped (and reported) when the send queue is full.
 */
export function webTransportLink(
  session: WebTransportLike,
  protocol: TransportProtocol,
  maxFrameBytes: number,
  role: 'client' | 'server',
  heartbeatMs = 1000,
): Link {
  let closed = false
  const lanes = new Map<number, WtLane>()
  let lastHeard = Date.now()
  let reportedClose = false
  let heartbeat: ReturnType<typeof setInterval> | undefined

  class WtLane implements Lane {
    onFrame: ((frame: Frame) => void) | null = null
    onEnd: ((error?: Error) => void) | null = null
    private writer: WritableStreamDefaultWriter<Uint8Array> | null = null
    private opening: Promise<void> | null = null
    private reader: ReadableStreamDefaultReader<Uint8Array> | null = null
    private finished = false
    private ended = false

    constructor(
      readonly id: number,
      readonly priority: number,
      private readonly answering: boolean,
    ) {
      lanes.set(id, this)
    }

    async write(bytes: Uint8Array): Promise<void> {
      if (this.ended || closed) throw new Error('lane closed')
      if (this.writer === null) await this.open()
      return (this.writer as WritableStreamDefaultWriter<Uint8Array>).write(bytes)
    }

    end(): void {
      if (this.ended) return
      this.ended = true
      const writer = this.writer
      if (writer !== null) writer.close().catch(() => undefined)
      else if (this.opening !== null) this.opening.then(() => this.writer?.close()).catch(() => undefined)
      this.release()
    }

    reset(reason: string): void {
      this.ended = true
      this.writer?.abort(reason).catch(() => undefined)
      this.reader?.cancel(reason).catch(() => undefined)
      this.finish()
    }

    finish(error?: Error): void {
      if (this.finished) return
      this.finished = true
      this.release()
      this.onEnd?.(error)
    }

    /** The peer's stream of this lane (for an opener, the answer). */
    read(
      reader: ReadableStreamDefaultReader<Uint8Array>,
      decoder: FrameDecoder,
      first: Frame[],
      failure: FrameError | null,
    ): void {
      this.reader = reader
      void this.readLoop(reader, decoder, first, failure)
    }

    private open(): Promise<void> {
      this.opening ??= session
        .createUnidirectionalStream({ sendOrder: this.priority, waitUntilAvailable: true })
        .then(async stream => {
          this.writer = stream.getWriter()
          // an answering stream names its lane first; an opener's first frame is its own Open
          if (this.answering)
            await this.writer.write(encodeFrame({ kind: FrameKind.Open, channel: this.id, seq: 0, payload: EMPTY }))
        })
      return this.opening
    }

    private release(): void {
      if (this.ended && this.finished && lanes.get(this.id) === this) lanes.delete(this.id)
    }

    private async readLoop(
      reader: ReadableStreamDefaultReader<Uint8Array>,
      decoder: FrameDecoder,
      first: Frame[],
      failure: FrameError | null,
    ): Promise<void> {
      try {
        for (const frame of first) {
          if (this.finished) return
          this.onFrame?.(frame)
        }
        if (failure !== null) throw failure
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          lastHeard = Date.now()
          const { frames, error } = decoder.decode(value)
          for (const frame of frames) {
            if (this.finished) return
            this.onFrame?.(frame)
          }
          if (error !== null) throw error
        }
        decoder.finish()
        this.finish()
      } catch (error) {
        if (error instanceof FrameError) reader.cancel(error.message).catch(() => undefined)
        this.finish(error instanceof Error ? error : new Error(String(error)))
      }
    }
  }

  // Reads the first frame of an incoming stream to learn its lane: a new one the peer opens, or the answer to one of ours.
  async function routeIncoming(stream: ReadableStream<Uint8Array>): Promise<void> {
    const reader = stream.getReader()
    const decoder = new FrameDecoder(maxFrameBytes)
    let frames: Frame[] = []
    let failure: FrameError | null = null
    try {
      while (frames.length === 0 && failure === null) {
        const { value, done } = await reader.read()
        if (done) {
          if (decoder.pending > 0) link.onUnroutable?.()
          return
        }
        ;({ frames, error: failure } = decoder.decode(value))
      }
    } catch {
      return // the session is gone
    }
    if (frames.length === 0) {
      // a stream whose first bytes are not a frame names no lane: drop it (counted by the session as malformed)
      reader.cancel((failure as FrameError).message).catch(() => undefined)
      link.onUnroutable?.()
      return
    }
    const head = frames[0]
    const ours = (head.channel % 2 === 1) === (role === 'client')
    if (ours) {
      const lane = lanes.get(head.channel)
      if (head.kind !== FrameKind.Open || lane === undefined) {
        reader.cancel('unknown lane').catch(() => undefined)
        return
      }
      lane.read(reader, decoder, frames.slice(1), failure)
      return
    }
    if (lanes.has(head.channel)) {
      reader.cancel('lane already open').catch(() => undefined)
      return
    }
    const lane = new WtLane(head.channel, 0, true)
    link.onLane?.(lane)
    lane.read(reader, decoder, frames, failure)
  }

  // created on the first datagram; the current API is createWritable(), older ones have `writable`
  let datagramWriter: WritableStreamDefaultWriter<Uint8Array> | null = null
  const datagrams = (): WritableStreamDefaultWriter<Uint8Array> => {
    datagramWriter ??= (
      session.datagrams.createWritable?.() ?? (session.datagrams.writable as WritableStream<Uint8Array>)
    ).getWriter()
    return datagramWriter
  }

  const link: Link = {
    protocol,
    onLane: null,
    onDatagram: null,
    onClose: null,
    onUnroutable: null,
    openLane(channel: number, priority: number): Lane {
      if (!Number.isFinite(priority))
        throw new RangeError(`Link.openLane: priority must be a finite number, got ${describeValue(priority)}`)
      if (lanes.has(channel)) throw new RangeError(`Link.openLane: lane ${channel} is already open`)
      return new WtLane(channel, priority, false)
    },
    sendDatagram(payload: Uint8Array): boolean {
      if (closed) return false
      const writer = datagrams()
      if ((writer.desiredSize ?? 0) <= 0) return false
      writer
        .write(encodeFrame({ kind: FrameKind.Datagram, channel: 0, seq: 0, payload }, maxFrameBytes))
        .catch(() => undefined)
      return true
    },
    close(reason = 'bye'): void {
      if (closed) return
      closed = true
      clearInterval(heartbeat)
      try {
        session.close({
          closeCode: reason === 'bye' ? NORMAL_CLOSE : ABNORMAL_CLOSE,
          reason: reason.slice(0, MAX_REASON_LENGTH),
        })
      } catch {
        // already closing
      }
    },
  }

  void (async () => {
    const reader = session.incomingUnidirectionalStreams.getReader()
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        lastHeard = Date.now()
        void routeIncoming(value)
      }
    } catch {
      // the session is gone; `closed` reports it
    }
  })()

  void (async () => {
    const reader = session.datagrams.readable.getReader()
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        lastHeard = Date.now()
        // a datagram is whole frames or nothing
        const decoder = new FrameDecoder(maxFrameBytes)
        const { frames, error } = decoder.decode(value)
        if (error !== null || decoder.pending > 0) continue
        for (const frame of frames)
          if (frame.kind === FrameKind.Datagram && frame.channel !== HEARTBEAT_CHANNEL) link.onDatagram?.(frame.payload)
      }
    } catch {
      // the session is gone
    }
  })()

  // A connection cut under the HTTP/2 transport can leave `closed` unsettled: each side sends a
  // heartbeat datagram every heartbeatMs and gives the link up after SILENT_PERIODS silent periods.
  // A tick that comes late means this process was too busy to read (timers run before I/O after a
  // stall): that time was not the peer's silence, so the peer gets a fresh window.
  let lastTick = Date.now()
  heartbeat = setInterval(() => {
    const now = Date.now()
    if (now - lastTick > LATE_TICK_PERIODS * heartbeatMs) lastHeard = now
    lastTick = now
    if (now - lastHeard > SILENT_PERIODS * heartbeatMs) {
      report('lost (no heartbeat)')
      try {
        session.close({ closeCode: ABNORMAL_CLOSE, reason: 'no heartbeat' })
      } catch {
        // already closing
      }
      return
    }
    if (!closed) {
      const writer = datagrams()
      if ((writer.desiredSize ?? 0) > 0)
        writer
          .write(encodeFrame({ kind: FrameKind.Datagram, channel: HEARTBEAT_CHANNEL, seq: 0, payload: EMPTY }))
          .catch(() => undefined)
    }
  }, heartbeatMs)
  ;(heartbeat as { unref?: () => void }).unref?.()

  session.closed.then(
    info => report(info?.closeCode === NORMAL_CLOSE && info?.reason === 'bye' ? 'bye' : info?.reason || 'closed'),
    (error: unknown) => report(`lost (${(error as Error)?.message ?? describeValue(error)})`),
  )

  function report(reason: string): void {
    clearInterval(heartbeat)
    if (reportedClose) return
    reportedClose = true
    closed = true
    const error = new Error(`session closed: ${reason}`)
    for (const lane of [...lanes.values()]) lane.finish(error)
    lanes.clear()
    link.onClose?.(reason)
  }

  return link
}
