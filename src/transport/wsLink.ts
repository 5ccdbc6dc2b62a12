import { describeValue } from '../errors'
import { concat, encodeFrame, type Frame, FrameDecoder, type FrameError, FrameKind } from './framing'
import type { Lane, Link } from './link'

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
const NORMAL_CLOSURE = 1000
const OPEN = 1
/** Largest WebSocket message made by gathering several writes (a single larger write goes alone). */
const BATCH_BYTES = 64 * 1024
const IMMEDIATE_SENDS = 8
const nextTurn: (callback: () => void) => void =
  typeof setImmediate === 'function'
    ? callback => void setImmediate(callback)
    : callback => void setTimeout(callback, 0)

/**
 * A link over one WebSocket: lanes are multiplexed by the frame's channel id (the client opens odd
 * ids, the server even ones), each WebSocket message carries frames of one lane, and writes are
 * scheduled highest priority first while the socket's unsent bytes stay under 1 MiB. A message
 * that is not frames fails the lane it names (or, naming none, is reported through `onUnroutable`); other lanes go on.
 */
export function webSocketLink(socket: WebSocketLike, role: 'client' | 'server', maxFrameBytes: number): Link {
  socket.binaryType = 'arraybuffer'
  const lanes = new Map<number, WsLane>()
  const waiting = new Set<WsLane>()
  let inFlight = 0
  let closed = false
  let pumpScheduled = false
  let sendsThisTurn = 0
  let turnEndScheduled = false
  // Node's `ws` reports when bytes leave; the browser's WebSocket is polled through bufferedAmount.
  const hasSendCallback = typeof (socket as { once?: unknown }).once === 'function'

  class WsLane implements Lane {
    onFrame: ((frame: Frame) => void) | null = null
    onEnd: ((error?: Error) => void) | null = null
    queue: Array<{ bytes: Uint8Array; resolve: () => void; reject: (error: Error) => void }> = []
    finished = false
    localEnded = false

    constructor(
      readonly id: number,
      readonly priority: number,
    ) {}

    write(bytes: Uint8Array): Promise<void> {
      // a lane whose incoming side failed can still carry the Error frame that says why
      if (closed || this.localEnded) return Promise.reject(new Error('lane closed'))
      return new Promise((resolve, reject) => {
        this.queue.push({ bytes, resolve, reject })
        waiting.add(this)
        pump()
      })
    }

    end(): void {
      if (this.localEnded || closed) return
      this.localEnded = true
      void this.writeAfterQueue(encodeFrame({ kind: FrameKind.Close, channel: this.id, seq: 0, payload: EMPTY }))
      if (this.finished) lanes.delete(this.id)
    }

    reset(reason: string): void {
      if (!this.localEnded && !closed) {
        this.localEnded = true
        for (const item of this.queue) item.reject(new Error(reason))
        this.queue = []
        waiting.delete(this)
        send(encodeFrame({ kind: FrameKind.Close, channel: this.id, seq: 1, payload: EMPTY }))
      }
      this.finish()
    }

    finish(error?: Error): void {
      if (this.finished) return
      this.finished = true
      if (this.localEnded) lanes.delete(this.id)
      this.onEnd?.(error)
    }

    private writeAfterQueue(bytes: Uint8Array): Promise<void> {
      return new Promise((resolve, reject) => {
        this.queue.push({ bytes, resolve, reject })
        waiting.add(this)
        pump()
      })
    }
  }

  // The first few writes of a turn go out at once (latency: an Open and its first message, a
  // request and its answer); once a turn has made IMMEDIATE_SENDS messages, writes wait for the turn
  // to end (the next macrotask) and are gathered, highest priority first, into messages of up to 64 KiB.
  function pump(): void {
    if (sendsThisTurn >= IMMEDIATE_SENDS) return scheduleTurnEnd()
    flush()
  }

  function flush(): void {
    while (!closed && waiting.size > 0 && underHighWater()) {
      const parts: Uint8Array[] = []
      const resolves: Array<() => void> = []
      let bytes = 0
      while (waiting.size > 0) {
        let best: WsLane | null = null
        for (const lane of waiting) if (best === null || lane.priority > best.priority) best = lane
        const lane = best as WsLane
        const next = lane.queue[0]
        if (parts.length > 0 && bytes + next.bytes.length > BATCH_BYTES) break
        lane.queue.shift()
        if (lane.queue.length === 0) waiting.delete(lane)
        parts.push(next.bytes)
        resolves.push(next.resolve)
        bytes += next.bytes.length
      }
      send(parts.length === 1 ? parts[0] : concat(parts))
      sendsThisTurn++
      for (const resolve of resolves) resolve()
    }
    scheduleTurnEnd()
    if (!closed && waiting.size > 0 && !hasSendCallback && !pumpScheduled) {
      pumpScheduled = true
      setTimeout(() => {
        pumpScheduled = false
        pump()
      }, 1)
    }
  }

  function scheduleTurnEnd(): void {
    if (turnEndScheduled) return
    turnEndScheduled = true
    nextTurn(() => {
      turnEndScheduled = false
      sendsThisTurn = 0
      if (waiting.size > 0) flush()
    })
  }

  function underHighWater(): boolean {
    return hasSendCallback ? inFlight < HIGH_WATER_BYTES : socket.bufferedAmount < HIGH_WATER_BYTES
  }

  function send(bytes: Uint8Array): void {
    if (socket.readyState !== OPEN) return
    if (!hasSendCallback) return socket.send(bytes)
    inFlight += bytes.length
    socket.send(bytes, () => {
      inFlight -= bytes.length
      if (waiting.size > 0) pump()
    })
  }

  // the channel id sits at bytes 5-8 when the header got that far
  function headerChannel(bytes: Uint8Array): number {
    return bytes.length >= 9 ? new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(5) : -1
  }

  function routeFailure(id: number, error: FrameError): void {
    const lane = lanes.get(id)
    if (lane === undefined) {
      link.onUnroutable?.()
      return
    }
    lane.finish(error)
  }

  function receive(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) {
      link.onUnroutable?.()
      return
    }
    const bytes = new Uint8Array(data)
    const decoder = new FrameDecoder(maxFrameBytes)
    let { frames, error } = decoder.decode(bytes)
    if (error === null) {
      try {
        decoder.finish()
      } catch (finishError) {
        error = finishError as FrameError
      }
    }
    for (const frame of frames) {
      if (frame.kind === FrameKind.Datagram) {
        link.onDatagram?.(frame.payload)
        continue
      }
      let lane = lanes.get(frame.channel)
      if (frame.kind === FrameKind.Open && lane === undefined) {
        if ((frame.channel % 2 === 1) === (role === 'client')) {
          link.onUnroutable?.() // an id only we may open
          continue
        }
        lane = new WsLane(frame.channel, 0)
        lanes.set(frame.channel, lane)
        link.onLane?.(lane)
      }
      // frames already in flight when their lane was reset or ended: nothing left to deliver them to
      if (lane === undefined || lane.finished) continue
      if (frame.kind === FrameKind.Close) {
        if (frame.seq === 1) lane.localEnded = true
        lane.finish()
      } else lane.onFrame?.(frame)
    }
    // a bad frame fails the lane of the frames before it (its Open may be among them), else the one its header names
    if (error !== null)
      routeFailure(frames.length > 0 ? frames[frames.length - 1].channel : headerChannel(bytes), error)
  }

  const link = {
    protocol: 'websocket' as const,
    onLane: null as ((lane: Lane) => void) | null,
    onDatagram: null as ((bytes: Uint8Array) => void) | null,
    onClose: null as ((reason: string) => void) | null,
    onUnroutable: null as (() => void) | null,
    openLane(channel: number, priority: number): Lane {
      if (!Number.isFinite(priority))
        throw new RangeError(`Link.openLane: priority must be a finite number, got ${describeValue(priority)}`)
      if (lanes.has(channel)) throw new RangeError(`Link.openLane: lane ${channel} is already open`)
      const lane = new WsLane(channel, priority)
      lanes.set(lane.id, lane)
      return lane
    },
    sendDatagram(payload: Uint8Array): boolean {
      if (closed || socket.readyState !== OPEN || !underHighWater()) return false
      send(encodeFrame({ kind: FrameKind.Datagram, channel: 0, seq: 0, payload }, maxFrameBytes))
      return true
    },
    close(reason = 'bye'): void {
      if (closed) return
      socket.close(reason === 'bye' ? NORMAL_CLOSURE : 4000, reason.slice(0, 120))
    },
  }

  socket.addEventListener('message', event => receive(event.data))
  // `ws` emits 'error' (an oversized message, a broken socket) before 'close'; without a listener it would throw
  ;(socket as unknown as { addEventListener(type: 'error', listener: () => void): void }).addEventListener(
    'error',
    () => undefined,
  )
  socket.addEventListener('close', event => {
    closed = true
    const error = new Error(`connection closed (${event.code})`)
    for (const lane of lanes.values()) {
      for (const item of lane.queue) item.reject(error)
      lane.queue = []
      lane.finish(error)
    }
    lanes.clear()
    waiting.clear()
    link.onClose?.(event.code === NORMAL_CLOSURE ? 'bye' : event.reason || `lost (${event.code})`)
  })
  return link
}
