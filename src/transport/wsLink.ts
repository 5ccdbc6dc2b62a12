import { describeValue } from '../errors'
import {
  concat,
  encodeFrame,
  FRAME_PREFIX_BYTES,
  type Frame,
  FrameDecoder,
  type FrameError,
  FrameKind,
} from './framing'
import type { Link, LinkStream } from './link'

/** The part of a WebSocket both `ws` (Node) and the browser's own provide. */
export interface WebSocketLike {
  binaryType: string
  readonly bufferedAmount: number
  readonly readyState: number
  send(data: Uint8Array, callback?: (error?: Error) => void): void
  close(code?: number, reason?: string): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void
}

const EMPTY = new Uint8Array(0)
/** Bytes handed to the socket and not yet written out, above which lanes wait (and datagrams are dropped). */
const HIGH_WATER_BYTES = 1 << 20
/** WebSocket close code of a deliberate close. */
const NORMAL_CLOSURE = 1000
/** Close code of any other close (the first of the application range). */
const ABNORMAL_CLOSURE = 4000
/** Longest close reason sent (WebSocket allows 123 bytes). */
const MAX_REASON_LENGTH = 120
/** WebSocket readyState OPEN. */
const OPEN = 1
/** How often a browser WebSocket's bufferedAmount is polled while writes wait. */
const BUFFER_POLL_MS = 1
/** A Close frame's seq: 0 when the sender ended its half, 1 when it reset the lane. */
const CLOSE_ENDED = 0
const CLOSE_RESET = 1
/** Where a frame's channel id sits in a message: after the length prefix and the kind byte. */
const CHANNEL_OFFSET = FRAME_PREFIX_BYTES + 1
const CHANNEL_BYTES = 4
/** Largest WebSocket message made by gathering several writes (a single larger write goes alone). */
const BATCH_BYTES = 64 * 1024
/** Messages a turn sends at once before further writes are gathered until the turn ends. */
const IMMEDIATE_SENDS = 8
const nextTurn: (callback: () => void) => void =
  typeof setImmediate === 'function'
    ? callback => void setImmediate(callback)
    : callback => void setTimeout(callback, 0)

/** One lane of a WebSocket link: frames of one channel id, written through the link's scheduler. */
class WsLinkStream implements LinkStream {
  onFrame: ((frame: Frame) => void) | null = null
  onEnd: ((error?: Error) => void) | null = null
  queue: Array<{ bytes: Uint8Array; resolve: () => void; reject: (error: Error) => void }> = []
  finished = false
  localEnded = false

  constructor(
    private readonly mux: WebSocketMux,
    readonly id: number,
    readonly priority: number,
  ) {}

  write(bytes: Uint8Array): Promise<void> {
    // a lane whose incoming side failed can still carry the Error frame that says why
    if (this.mux.closed || this.localEnded) return Promise.reject(new Error('lane closed'))
    return this.enqueue(bytes)
  }

  end(): void {
    if (this.localEnded || this.mux.closed) return
    this.localEnded = true
    void this.enqueue(encodeFrame({ kind: FrameKind.Close, channel: this.id, seq: CLOSE_ENDED, payload: EMPTY }))
    if (this.finished) this.mux.lanes.delete(this.id)
  }

  reset(reason: string): void {
    if (!this.localEnded && !this.mux.closed) {
      this.localEnded = true
      for (const item of this.queue) item.reject(new Error(reason))
      this.queue = []
      this.mux.waiting.delete(this)
      this.mux.send(encodeFrame({ kind: FrameKind.Close, channel: this.id, seq: CLOSE_RESET, payload: EMPTY }))
    }
    this.finish()
  }

  finish(error?: Error): void {
    if (this.finished) return
    this.finished = true
    if (this.localEnded) this.mux.lanes.delete(this.id)
    this.onEnd?.(error)
  }

  private enqueue(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes, resolve, reject })
      this.mux.waiting.add(this)
      this.mux.pump()
    })
  }
}

/**
 * The lanes of one WebSocket and the scheduler of its writes. The first few writes of a turn go out
 * at once (latency: an Open and its first message, a request and its answer); once a turn has made
 * IMMEDIATE_SENDS messages, writes wait for the turn to end (the next macrotask) and are gathered,
 * highest priority first, into messages of up to BATCH_BYTES.
 */
class WebSocketMux {
  readonly lanes = new Map<number, WsLinkStream>()
  readonly waiting = new Set<WsLinkStream>()
  closed = false
  private inFlight = 0
  private pumpScheduled = false
  private sendsThisTurn = 0
  private turnEndScheduled = false
  // Node's `ws` reports when bytes leave; the browser's WebSocket is polled through bufferedAmount.
  private readonly hasSendCallback: boolean

  constructor(
    private readonly socket: WebSocketLike,
    private readonly role: 'client' | 'server',
    private readonly maxFrameBytes: number,
    private readonly link: Link,
  ) {
    this.hasSendCallback = typeof (socket as { once?: unknown }).once === 'function'
  }

  openLane(channel: number, priority: number): WsLinkStream {
    const lane = new WsLinkStream(this, channel, priority)
    this.lanes.set(channel, lane)
    return lane
  }

  pump(): void {
    if (this.sendsThisTurn >= IMMEDIATE_SENDS) return this.scheduleTurnEnd()
    this.flush()
  }

  underHighWater(): boolean {
    return this.hasSendCallback ? this.inFlight < HIGH_WATER_BYTES : this.socket.bufferedAmount < HIGH_WATER_BYTES
  }

  send(bytes: Uint8Array): void {
    if (this.socket.readyState !== OPEN) return
    if (!this.hasSendCallback) return this.socket.send(bytes)
    this.inFlight += bytes.length
    this.socket.send(bytes, () => {
      this.inFlight -= bytes.length
      if (this.waiting.size > 0) this.pump()
    })
  }

  private flush(): void {
    while (!this.closed && this.waiting.size > 0 && this.underHighWater()) {
      const parts: Uint8Array[] = []
      const resolves: Array<() => void> = []
      let bytes = 0
      while (this.waiting.size > 0) {
        let best: WsLinkStream | null = null
        for (const lane of this.waiting) if (best === null || lane.priority > best.priority) best = lane
        const lane = best as WsLinkStream
        const next = lane.queue[0]
        if (parts.length > 0 && bytes + next.bytes.length > BATCH_BYTES) break
        lane.queue.shift()
        if (lane.queue.length === 0) this.waiting.delete(lane)
        parts.push(next.bytes)
        resolves.push(next.resolve)
        bytes += next.bytes.length
      }
      this.send(parts.length === 1 ? parts[0] : concat(parts))
      this.sendsThisTurn++
      for (const resolve of resolves) resolve()
    }
    this.scheduleTurnEnd()
    if (!this.closed && this.waiting.size > 0 && !this.hasSendCallback && !this.pumpScheduled) {
      this.pumpScheduled = true
      setTimeout(() => {
        this.pumpScheduled = false
        this.pump()
      }, BUFFER_POLL_MS)
    }
  }

  private scheduleTurnEnd(): void {
    if (this.turnEndScheduled) return
    this.turnEndScheduled = true
    nextTurn(() => {
      this.turnEndScheduled = false
      this.sendsThisTurn = 0
      if (this.waiting.size > 0) this.flush()
    })
  }

  receive(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) {
      this.link.onUnroutable?.()
      return
    }
    const bytes = new Uint8Array(data)
    const decoder = new FrameDecoder(this.maxFrameBytes)
    let { frames, error } = decoder.decode(bytes)
    if (error === null) {
      try {
        decoder.finish()
      } catch (finishError) {
        error = finishError as FrameError
      }
    }
    for (const frame of frames) this.deliver(frame)
    // a bad frame fails the lane of the frames before it (its Open may be among them), else the one its header names
    if (error !== null)
      this.routeFailure(frames.length > 0 ? frames[frames.length - 1].channel : headerChannel(bytes), error)
  }

  private deliver(frame: Frame): void {
    if (frame.kind === FrameKind.Datagram) {
      this.link.onDatagram?.(frame.payload)
      return
    }
    let lane = this.lanes.get(frame.channel)
    if (frame.kind === FrameKind.Open && lane === undefined) {
      if ((frame.channel % 2 === 1) === (this.role === 'client')) {
        this.link.onUnroutable?.() // an id only we may open
        return
      }
      lane = this.openLane(frame.channel, 0)
      this.link.onLane?.(lane)
    }
    // frames already in flight when their lane was reset or ended: nothing left to deliver them to
    if (lane === undefined || lane.finished) return
    if (frame.kind === FrameKind.Close) {
      if (frame.seq === CLOSE_RESET) lane.localEnded = true
      lane.finish()
    } else lane.onFrame?.(frame)
  }

  private routeFailure(id: number, error: FrameError): void {
    const lane = this.lanes.get(id)
    if (lane === undefined) this.link.onUnroutable?.()
    else lane.finish(error)
  }

  /** The socket closed: every lane ends with `error`. */
  shutdown(error: Error): void {
    this.closed = true
    for (const lane of this.lanes.values()) {
      for (const item of lane.queue) item.reject(error)
      lane.queue = []
      lane.finish(error)
    }
    this.lanes.clear()
    this.waiting.clear()
  }
}

// the channel id sits after the length prefix and the kind byte, when the header got that far
function headerChannel(bytes: Uint8Array): number {
  return bytes.length >= CHANNEL_OFFSET + CHANNEL_BYTES
    ? new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(CHANNEL_OFFSET)
    : -1
}

/**
 * A link over one WebSocket: lanes are multiplexed by the frame's channel id (the client opens odd
 * ids, the server even ones), each WebSocket message carries frames of one lane, and writes are
 * scheduled highest priority first while the socket's unsent bytes stay under 1 MiB. A message
 * that is not frames fails the lane it names (or, naming none, is reported through `onUnroutable`); other lanes go on.
 */
export function webSocketLink(socket: WebSocketLike, role: 'client' | 'server', maxFrameBytes: number): Link {
  socket.binaryType = 'arraybuffer'
  const link: Link = {
    protocol: 'websocket' as const,
    onLane: null,
    onDatagram: null,
    onClose: null,
    onUnroutable: null,
    openLane(channel: number, priority: number): LinkStream {
      if (!Number.isFinite(priority))
        throw new RangeError(`Link.openLane: priority must be a finite number, got ${describeValue(priority)}`)
      if (mux.lanes.has(channel)) throw new RangeError(`Link.openLane: lane ${channel} is already open`)
      return mux.openLane(channel, priority)
    },
    sendDatagram(payload: Uint8Array): boolean {
      if (mux.closed || socket.readyState !== OPEN || !mux.underHighWater()) return false
      mux.send(encodeFrame({ kind: FrameKind.Datagram, channel: 0, seq: 0, payload }, maxFrameBytes))
      return true
    },
    close(reason = 'bye'): void {
      if (mux.closed) return
      socket.close(reason === 'bye' ? NORMAL_CLOSURE : ABNORMAL_CLOSURE, reason.slice(0, MAX_REASON_LENGTH))
    },
  }
  const mux = new WebSocketMux(socket, role, maxFrameBytes, link)
  socket.addEventListener('message', event => mux.receive(event.data))
  // `ws` emits 'error' (an oversized message, a broken socket) before 'close'; without a listener it would throw
  ;(socket as unknown as { addEventListener(type: 'error', listener: () => void): void }).addEventListener(
    'error',
    () => undefined,
  )
  socket.addEventListener('close', event => {
    mux.shutdown(new Error(`connection closed (${event.code})`))
    link.onClose?.(event.code === NORMAL_CLOSURE ? 'bye' : event.reason || `lost (${event.code})`)
  })
  return link
}
