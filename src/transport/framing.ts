import { describeValue } from '../errors'

/**
 * Length-prefixed frames for the transports (WebTransport streams and WebSocket messages share
 * them): a 4-byte big-endian length of what follows, then a 1-byte kind, a 4-byte channel id, an
 * 8-byte sequence number (two big-endian 32-bit halves, up to 2^53 - 1) and the payload.
 *
 *   | length u32 | kind u8 | channel u32 | seq hi u32 | seq lo u32 | payload (length - 13 bytes) |
 */
export const FRAME_HEADER_BYTES = 13
/** The largest frame by default, header included: 1 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 1 << 20
/** Bytes of the length prefix in front of each frame. */
export const FRAME_PREFIX_BYTES = 4
const PREFIX_BYTES = FRAME_PREFIX_BYTES

/** The kinds of frame: what a frame's kind byte says it carries. */
export const FrameKind = {
  /** A message on a channel. */
  Data: 0,
  /** The receiver has every message numbered below `seq` on the channel (acknowledgement, resume point and credit). */
  Ack: 1,
  /** The stream is being reset; the payload is a UTF-8 reason. */
  Error: 2,
  /** The sender will send nothing more on the channel; `seq` is the number of messages sent. */
  End: 3,
  /** The first frame of a lane: the payload is JSON `{ name, reliability }`; `seq` is the first message number that follows. */
  Open: 4,
  /** An unreliable message (a WebTransport datagram or a droppable WebSocket message); the payload starts with the channel name. */
  Datagram: 5,
  /** WebSocket only (a WebTransport stream has its own end): the sender writes nothing more on this lane. */
  Close: 6,
} as const
const MAX_KIND = 6
/** One of `FrameKind`'s values. */
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind]

/** A decoded frame: kind, channel id, sequence number and payload. */
export interface Frame {
  readonly kind: FrameKind
  readonly channel: number
  readonly seq: number
  readonly payload: Uint8Array
}

/** Why a byte stream could not be read as frames; the stream carrying it should be reset. */
export class FrameError extends Error {
  /** Always `'FrameError'`. */
  override readonly name = 'FrameError'
  constructor(
    /**
     * `'too-large'`: a frame above `maxFrameBytes`; `'malformed'`: bytes that are not a frame, or a
     * payload `jsonCodec` cannot read; `'truncated'`: the stream ended inside a frame. The same
     * codes as `TransportError`'s, which a session reports them as.
     */
    readonly code: 'too-large' | 'malformed' | 'truncated',
    message: string,
  ) {
    super(message)
  }
}

const EMPTY = new Uint8Array(0)

/**
 * Encodes one frame. A RangeError for a kind, channel or sequence number out of range, or a frame
 * larger than `maxFrameBytes` (the receiver would refuse it).
 *
 * ```ts
 * const bytes = encodeFrame({ kind: FrameKind.Data, channel: 1, seq: 0, payload: new TextEncoder().encode('{"v":1}') })
 * ```
 */
export function encodeFrame(frame: Frame, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Uint8Array {
  const { kind, channel, seq, payload } = frame
  if (!Number.isInteger(kind) || kind < 0 || kind > MAX_KIND)
    throw new RangeError(`encodeFrame: frame kind must be 0-${MAX_KIND}, got ${describeValue(kind)}`)
  if (!Number.isInteger(channel) || channel < 0 || channel > 0xffffffff)
    throw new RangeError(`encodeFrame: frame channel must be an integer in [0, 2^32), got ${describeValue(channel)}`)
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw new RangeError(`encodeFrame: frame seq must be a safe integer >= 0, got ${describeValue(seq)}`)
  if (!(payload instanceof Uint8Array))
    throw new TypeError(`encodeFrame: frame payload must be a Uint8Array, got ${describeValue(payload)}`)
  const length = FRAME_HEADER_BYTES + payload.length
  if (length > maxFrameBytes)
    throw new RangeError(`encodeFrame: frame of ${length} bytes exceeds maxFrameBytes (${maxFrameBytes})`)
  const out = new Uint8Array(PREFIX_BYTES + length)
  const view = new DataView(out.buffer)
  view.setUint32(0, length)
  view.setUint8(4, kind)
  view.setUint32(5, channel)
  view.setUint32(9, Math.floor(seq / 0x100000000))
  view.setUint32(13, seq >>> 0)
  out.set(payload, PREFIX_BYTES + FRAME_HEADER_BYTES)
  return out
}

/**
 * Reads frames from a byte stream that arrives in arbitrary chunks. The length prefix is checked
 * against `maxFrameBytes` before any of the body is buffered, so a hostile length costs nothing;
 * after an error the decoder stays failed (the stream must be reset), and `finish()` reports bytes
 * left over as a truncated frame.
 *
 * ```ts
 * const decoder = new FrameDecoder()
 * for (const chunk of chunks) for (const frame of decoder.push(chunk)) handle(frame)
 * decoder.finish() // throws FrameError('truncated') if the stream ended inside a frame
 * ```
 */
export class FrameDecoder {
  private buffer = new Uint8Array(0)
  private length = 0
  private failed: FrameError | null = null

  constructor(readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < FRAME_HEADER_BYTES)
      throw new RangeError(
        `FrameDecoder: maxFrameBytes must be an integer >= ${FRAME_HEADER_BYTES}, got ${describeValue(maxFrameBytes)}`,
      )
  }

  /** Bytes received but not yet part of a whole frame. */
  get pending(): number {
    return this.length
  }

  /** The frames completed by `chunk`, in order; throws a FrameError for a bad frame (and then for every later call). */
  push(chunk: Uint8Array): Frame[] {
    const { frames, error } = this.decode(chunk)
    if (error !== null) throw error
    return frames
  }

  /**
   * Like `push`, without throwing: the frames that were whole before a bad one, and the error (the
   * decoder then stays failed). A link uses it to learn which lane a bad frame belongs to (its Open
   * may come in the same chunk) and to tell that lane why it is reset.
   */
  decode(chunk: Uint8Array): { frames: Frame[]; error: FrameError | null } {
    if (this.failed !== null) return { frames: [], error: this.failed }
    if (!(chunk instanceof Uint8Array))
      throw new TypeError(`FrameDecoder.push: chunk must be a Uint8Array, got ${describeValue(chunk)}`)
    this.append(chunk)
    const frames: Frame[] = []
    let offset = 0
    const view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.length)
    while (this.length - offset >= PREFIX_BYTES) {
      const size = view.getUint32(offset)
      if (size > this.maxFrameBytes)
        return {
          frames,
          error: this.fail(
            new FrameError('too-large', `frame of ${size} bytes exceeds maxFrameBytes (${this.maxFrameBytes})`),
          ),
        }
      if (size < FRAME_HEADER_BYTES)
        return {
          frames,
          error: this.fail(
            new FrameError('malformed', `frame length ${size} is shorter than the ${FRAME_HEADER_BYTES}-byte header`),
          ),
        }
      if (this.length - offset - PREFIX_BYTES < size) break
      const at = offset + PREFIX_BYTES
      const kind = view.getUint8(at)
      if (kind > MAX_KIND)
        return { frames, error: this.fail(new FrameError('malformed', `unknown frame kind ${kind}`)) }
      const high = view.getUint32(at + 5)
      if (high > 0x1fffff)
        return { frames, error: this.fail(new FrameError('malformed', 'frame seq exceeds 2^53 - 1')) }
      const payloadBytes = size - FRAME_HEADER_BYTES
      frames.push({
        kind: kind as FrameKind,
        channel: view.getUint32(at + 1),
        seq: high * 0x100000000 + view.getUint32(at + 9),
        // a copy: the buffer is reused for the bytes that follow
        payload: payloadBytes === 0 ? EMPTY : this.buffer.slice(at + FRAME_HEADER_BYTES, at + size),
      })
      offset = at + size
    }
    this.consume(offset)
    return { frames, error: null }
  }

  /** Declares the end of the stream: a FrameError('truncated') if it ended inside a frame. */
  finish(): void {
    if (this.failed !== null) throw this.failed
    if (this.length > 0)
      throw this.fail(new FrameError('truncated', `the stream ended inside a frame (${this.length} bytes left over)`))
  }

  private fail(error: FrameError): FrameError {
    this.failed = error
    this.buffer = new Uint8Array(0)
    this.length = 0
    return error
  }

  private append(chunk: Uint8Array): void {
    const needed = this.length + chunk.length
    if (needed > this.buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.buffer.length * 2, 256))
      grown.set(this.buffer.subarray(0, this.length))
      this.buffer = grown
    }
    this.buffer.set(chunk, this.length)
    this.length = needed
  }

  private consume(bytes: number): void {
    if (bytes === 0) return
    this.buffer.copyWithin(0, bytes, this.length)
    this.length -= bytes
  }
}

/** How message values become payload bytes and back. */
export interface PayloadCodec<T> {
  /**
   * A value as payload bytes, on the sending side; may throw for a value it cannot encode, which
   * fails the send with that error.
   */
  encode(value: T): Uint8Array
  /**
   * Payload bytes as a value, on the receiving side; may throw for bytes it cannot read, which
   * fails the channel with a TransportError('malformed') and refuses the sender's lane (a datagram
   * is dropped and counted in `datagramsDropped` instead).
   */
  decode(bytes: Uint8Array): T
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** JSON in UTF-8 (the default codec). Decoding invalid UTF-8 or JSON throws a FrameError('malformed'). */
export const jsonCodec: PayloadCodec<unknown> = {
  encode: value => {
    const text = JSON.stringify(value)
    if (text === undefined) throw new TypeError(`jsonCodec.encode: cannot encode ${describeValue(value)}`)
    return encoder.encode(text)
  },
  decode: bytes => {
    try {
      return JSON.parse(decoder.decode(bytes)) as unknown
    } catch (error) {
      throw new FrameError('malformed', `payload is not UTF-8 JSON: ${(error as Error).message}`)
    }
  },
}

/** Raw bytes, unchanged. */
export const bytesCodec: PayloadCodec<Uint8Array> = {
  encode: value => {
    if (!(value instanceof Uint8Array))
      throw new TypeError(`bytesCodec.encode: value must be a Uint8Array, got ${describeValue(value)}`)
    return value
  },
  decode: bytes => bytes,
}

/** The chunks joined into one array (one write instead of many). */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0
  for (const chunk of chunks) total += chunk.length
  const out = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}
