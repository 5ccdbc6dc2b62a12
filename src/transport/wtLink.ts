import { describeValue } from '../errors'
import { encodeFrame, type Frame, FrameDecoder, FrameError, FrameKind } from './framing'
import type { Link, LinkStream, TransportProtocol } from './link'

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
/** Default heartbeat period. */
const DEFAULT_HEARTBEAT_MS = 1000
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

/** What a WebTransport link and its streams share. */
interface WtLinkState {
  readonly session: WebTransportLike
  readonly lanes: Map<number, WtLinkStream>
  readonly maxFrameBytes: number
  readonly role: 'client' | 'server'
  closed: boolean
  /** When a byte last came from the peer (Date.now()). */
  lastHeard: number
  /** Created on the first datagram; the current API is createWritable(), older ones have `writable`. */
  datagramWriter: WritableStreamDefaultWriter<Uint8Array> | null
}

function datagramWriterOf(state: WtLinkState): WritableStreamDefaultWriter<Uint8Array> {
  state.datagramWriter ??= (
    state.session.datagrams.createWritable?.() ?? (state.session.datagrams.writable as WritableStream<Uint8Array>)
  ).getWriter()
  return state.datagramWriter
}

/** One lane of a WebTransport link: our unidirectional stream out, and the peer's back. */
class WtLinkStream implements LinkStream {
  onFrame: ((frame: Frame) => void) | null = null
  onEnd: ((error?: Error) => void) | null = null
  private writer: WritableStreamDefaultWriter<Uint8Array> | null = null
  private opening: Promise<void> | null = null
  private reader: ReadableStreamDefaultReader<Uint8Array> | null = null
  private finished = false
  private ended = false

  constructor(
    private readonly state: WtLinkState,
    readonly id: number,
    readonly priority: number,
    private readonly answering: boolean,
  ) {
    state.lanes.set(id, this)
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.ended || this.state.closed) throw new Error('lane closed')
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
    this.opening ??= this.state.session
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
    if (this.ended && this.finished && this.state.lanes.get(this.id) === this) this.state.lanes.delete(this.id)
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
        this.state.lastHeard = Date.now()
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
async function routeIncoming(state: WtLinkState, link: Link, stream: ReadableStream<Uint8Array>): Promise<void> {
  const reader = stream.getReader()
  const decoder = new FrameDecoder(state.maxFrameBytes)
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
  const ours = (head.channel % 2 === 1) === (state.role === 'client')
  if (ours) {
    const lane = state.lanes.get(head.channel)
    if (head.kind !== FrameKind.Open || lane === undefined) {
      reader.cancel('unknown lane').catch(() => undefined)
      return
    }
    lane.read(reader, decoder, frames.slice(1), failure)
    return
  }
  if (state.lanes.has(head.channel)) {
    reader.cancel('lane already open').catch(() => undefined)
    return
  }
  const lane = new WtLinkStream(state, head.channel, 0, true)
  link.onLane?.(lane)
  lane.read(reader, decoder, frames, failure)
}

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
  heartbeatMs = DEFAULT_HEARTBEAT_MS,
): Link {
  const state: WtLinkState = {
    session,
    lanes: new Map(),
    maxFrameBytes,
    role,
    closed: false,
    lastHeard: Date.now(),
    datagramWriter: null,
  }
  let reportedClose = false
  const link: Link = {
    protocol,
    onLane: null,
    onDatagram: null,
    onClose: null,
    onUnroutable: null,
    openLane(channel: number, priority: number): LinkStream {
      if (!Number.isFinite(priority))
        throw new RangeError(`Link.openLane: priority must be a finite number, got ${describeValue(priority)}`)
      if (state.lanes.has(channel)) throw new RangeError(`Link.openLane: lane ${channel} is already open`)
      return new WtLinkStream(state, channel, priority, false)
    },
    sendDatagram(payload: Uint8Array): boolean {
      if (state.closed) return false
      const writer = datagramWriterOf(state)
      if ((writer.desiredSize ?? 0) <= 0) return false
      writer
        .write(encodeFrame({ kind: FrameKind.Datagram, channel: 0, seq: 0, payload }, maxFrameBytes))
        .catch(() => undefined)
      return true
    },
    close(reason = 'bye'): void {
      if (state.closed) return
      state.closed = true
      clearInterval(heartbeat)
      closeSession(session, reason === 'bye' ? NORMAL_CLOSE : ABNORMAL_CLOSE, reason)
    },
  }
  const report = (reason: string): void => {
    clearInterval(heartbeat)
    if (reportedClose) return
    reportedClose = true
    state.closed = true
    const error = new Error(`session closed: ${reason}`)
    for (const lane of [...state.lanes.values()]) lane.finish(error)
    state.lanes.clear()
    link.onClose?.(reason)
  }
  void readIncomingStreams(state, link)
  void readDatagrams(state, link)
  const heartbeat = startHeartbeat(state, heartbeatMs, report)
  session.closed.then(
    info => report(info?.closeCode === NORMAL_CLOSE && info?.reason === 'bye' ? 'bye' : info?.reason || 'closed'),
    (error: unknown) => report(`lost (${(error as Error)?.message ?? describeValue(error)})`),
  )
  return link
}

function closeSession(session: WebTransportLike, closeCode: number, reason: string): void {
  try {
    session.close({ closeCode, reason: reason.slice(0, MAX_REASON_LENGTH) })
  } catch {
    // already closing
  }
}

async function readIncomingStreams(state: WtLinkState, link: Link): Promise<void> {
  const reader = state.session.incomingUnidirectionalStreams.getReader()
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      state.lastHeard = Date.now()
      void routeIncoming(state, link, value)
    }
  } catch {
    // the session is gone; `closed` reports it
  }
}

async function readDatagrams(state: WtLinkState, link: Link): Promise<void> {
  const reader = state.session.datagrams.readable.getReader()
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      state.lastHeard = Date.now()
      // a datagram is whole frames or nothing
      const decoder = new FrameDecoder(state.maxFrameBytes)
      const { frames, error } = decoder.decode(value)
      if (error !== null || decoder.pending > 0) continue
      for (const frame of frames)
        if (frame.kind === FrameKind.Datagram && frame.channel !== HEARTBEAT_CHANNEL) link.onDatagram?.(frame.payload)
    }
  } catch {
    // the session is gone
  }
}

// A connection cut under the HTTP/2 transport can leave `closed` unsettled: each side sends a
// heartbeat datagram every heartbeatMs and gives the link up after SILENT_PERIODS silent periods.
// A tick that comes late means this process was too busy to read (timers run before I/O after a
// stall): that time was not the peer's silence, so the peer gets a fresh window.
function startHeartbeat(
  state: WtLinkState,
  heartbeatMs: number,
  report: (reason: string) => void,
): ReturnType<typeof setInterval> {
  let lastTick = Date.now()
  const heartbeat = setInterval(() => {
    const now = Date.now()
    if (now - lastTick > LATE_TICK_PERIODS * heartbeatMs) state.lastHeard = now
    lastTick = now
    if (now - state.lastHeard > SILENT_PERIODS * heartbeatMs) {
      report('lost (no heartbeat)')
      closeSession(state.session, ABNORMAL_CLOSE, 'no heartbeat')
      return
    }
    if (state.closed) return
    const writer = datagramWriterOf(state)
    if ((writer.desiredSize ?? 0) > 0)
      writer
        .write(encodeFrame({ kind: FrameKind.Datagram, channel: HEARTBEAT_CHANNEL, seq: 0, payload: EMPTY }))
        .catch(() => undefined)
  }, heartbeatMs)
  ;(heartbeat as { unref?: () => void }).unref?.()
  return heartbeat
}
