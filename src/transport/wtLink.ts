import { describeValue } from '../errors'
import { encodeFrame, FrameDecoder, FrameError, FrameKind, type Frame } from './framing'
import type { Lane, Link, TransportProtocol } from './link'

/** The part of the W3C WebTransport API a link uses (the browser's own and @fails-components/webtransport's). */
export interface WebTransportLike {
  readonly ready: Promise<unknown>
  readonly closed: Promise<{ closeCode?: number; reason?: string }>
  readonly incomingBidirectionalStreams: ReadableStream<BidirectionalStreamLike>
  readonly datagrams: { readonly readable: ReadableStream<Uint8Array>; readonly writable?: WritableStream<Uint8Array>; createWritable?(): WritableStream<Uint8Array> }
  createBidirectionalStream(options?: { sendOrder?: number; waitUntilAvailable?: boolean }): Promise<BidirectionalStreamLike>
  close(info?: { closeCode?: number; reason?: string }): void
}

export interface BidirectionalStreamLike {
  readonly readable: ReadableStream<Uint8Array>
  readonly writable: WritableStream<Uint8Array>
}

const NORMAL_CLOSE = 0

/**
 * A link over a WebTransport session: each lane is a bidirectional stream whose `sendOrder` is the
 * lane's priority (WebTransport sends higher sendOrder first), frames are decoded per stream, and
 * datagrams go out as WebTransport datagrams, dropped (and reported) when the send queue is full.
 */
export function webTransportLink(session: WebTransportLike, protocol: TransportProtocol, maxFrameBytes: number): Link {
  let closed = false
  const open = new Set<WtLane>()

  class WtLane implements Lane {
    onFrame: ((frame: Frame) => void) | null = null
    onEnd: ((error?: Error) => void) | null = null
    private writer: WritableStreamDefaultWriter<Uint8Array> | null = null
    private reader: ReadableStreamDefaultReader<Uint8Array> | null = null
    private readonly ready: Promise<void>
    private finished = false
    private ended = false

    constructor(stream: Promise<BidirectionalStreamLike>) {
      open.add(this)
      this.ready = stream.then((bidi) => {
        this.writer = bidi.writable.getWriter()
        this.reader = bidi.readable.getReader()
        void this.readLoop(this.reader)
      })
      this.ready.catch((error: unknown) => this.finish(error instanceof Error ? error : new Error(String(error))))
    }

    async write(bytes: Uint8Array): Promise<void> {
      if (this.writer === null) await this.ready
      if (this.ended) throw new Error('lane closed')
      return (this.writer as WritableStreamDefaultWriter<Uint8Array>).write(bytes)
    }

    end(): void {
      if (this.ended) return
      this.ended = true
      void this.ready.then(() => this.writer?.close()).catch(() => undefined)
    }

    reset(reason: string): void {
      this.ended = true
      void this.ready
        .then(() => {
          this.writer?.abort(reason).catch(() => undefined)
          this.reader?.cancel(reason).catch(() => undefined)
        })
        .catch(() => undefined)
      this.finish()
    }

    finish(error?: Error): void {
      if (this.finished) return
      this.finished = true
      open.delete(this)
      this.onEnd?.(error)
    }

    private async readLoop(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
      const decoder = new FrameDecoder(maxFrameBytes)
      try {
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          for (const frame of decoder.push(value)) {
            if (this.finished) return
            this.onFrame?.(frame)
          }
        }
        decoder.finish()
        this.finish()
      } catch (error) {
        if (error instanceof FrameError) reader.cancel(error.message).catch(() => undefined)
        this.finish(error instanceof Error ? error : new Error(String(error)))
      }
    }
  }

  // created on the first datagram; the current API is createWritable(), older ones have `writable`
  let datagramWriter: WritableStreamDefaultWriter<Uint8Array> | null = null
  const datagrams = (): WritableStreamDefaultWriter<Uint8Array> => {
    datagramWriter ??= (session.datagrams.createWritable?.() ?? (session.datagrams.writable as WritableStream<Uint8Array>)).getWriter()
    return datagramWriter
  }

  const link: Link = {
    protocol,
    onLane: null,
    onDatagram: null,
    onClose: null,
    openLane(_channel: number, priority: number): Lane {
      if (!Number.isFinite(priority)) throw new RangeError(`priority must be a finite number, got ${describeValue(priority)}`)
      return new WtLane(session.createBidirectionalStream({ sendOrder: priority, waitUntilAvailable: true }))
    },
    sendDatagram(payload: Uint8Array): boolean {
      const writer = datagrams()
      if (closed || (writer.desiredSize ?? 0) <= 0) return false
      writer.write(encodeFrame({ kind: FrameKind.Datagram, channel: 0, seq: 0, payload }, maxFrameBytes)).catch(() => undefined)
      return true
    },
    close(reason = 'bye'): void {
      if (closed) return
      closed = true
      try {
        session.close({ closeCode: reason === 'bye' ? NORMAL_CLOSE : 4000, reason: reason.slice(0, 120) })
      } catch {
        // already closing
      }
    },
  }

  void (async () => {
    const reader = session.incomingBidirectionalStreams.getReader()
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        const lane = new WtLane(Promise.resolve(value))
        link.onLane?.(lane)
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
        const frames = safeDecode(value, maxFrameBytes)
        for (const frame of frames) if (frame.kind === FrameKind.Datagram) link.onDatagram?.(frame.payload)
      }
    } catch {
      // the session is gone
    }
  })()

  session.closed.then(
    (info) => report(info?.closeCode === NORMAL_CLOSE && info?.reason === 'bye' ? 'bye' : info?.reason || 'closed'),
    (error: unknown) => report(`lost (${(error as Error)?.message ?? describeValue(error)})`),
  )

  function report(reason: string): void {
    closed = true
    const error = new Error(`session closed: ${reason}`)
    for (const lane of [...open]) lane.finish(error)
    link.onClose?.(reason)
  }

  return link
}

function safeDecode(bytes: Uint8Array, maxFrameBytes: number): Frame[] {
  try {
    const decoder = new FrameDecoder(maxFrameBytes)
    const frames = decoder.push(bytes)
    decoder.finish()
    return frames
  } catch {
    return []
  }
}
