import { describeValue } from '../errors'
import { checkSnapshot, decodeBytes, encodeBytes, SnapshotError, type SnapshotHeader } from '../snapshot'
import { checkInteger, checkNumber, checkOptions } from '../validate'

const FN = 'PcmFramer'
const VERSION = 1
const OPTIONS: readonly string[] = ['sampleRate', 'channels', 'frameMs']

/** Options of {@link PcmFramer}; all required. */
export interface PcmFramerOptions {
  /** Samples per second per channel (an integer >= 1). */
  readonly sampleRate: number
  /** Interleaved channels (an integer in [1, 64]). */
  readonly channels: number
  /** Frame duration in ms (> 0); a frame holds `round(frameMs * sampleRate / 1000)` samples per channel (at least 1). */
  readonly frameMs: number
}

/** What {@link PcmFramer} hands to its `emit` callback for each frame. */
export type PcmFrameEmit = (samples: Float32Array, index: number, ptsMs: number) => void

/** `PcmFramer.snapshot()`: the options, the counters and the bytes of the frame being filled. */
export interface PcmFramerSnapshot extends SnapshotHeader {
  /** Always `'PcmFramer'`. */
  readonly kind: 'PcmFramer'
  /** The layout's version (1). */
  readonly version: number
  /** The options the framer was built with. */
  readonly options: PcmFramerOptions
  /** Frames emitted so far (the next frame's index). */
  readonly frames: number
  /** Samples per channel emitted so far (the next frame's first sample). */
  readonly samples: number
  /** Bytes dropped so far (a partial sample at `flush` or `alignToSample`). */
  readonly droppedBytes: number
  /** The bytes received towards the next frame, as base64 (fewer than a frame's bytes). */
  readonly pending: string
}

/**
 * Re-splits a byte stream of interleaved little-endian 32-bit float PCM (ffmpeg's `-f f32le`) into
 * frames of exactly `frameSamples x channels` samples, whatever the chunking: a chunk may end in
 * the middle of a sample (an odd byte split), and the sample's remaining bytes in the next chunk
 * complete it. Bytes are copied straight into the frame being filled (a `Float32Array` viewed as
 * bytes, so the platform must be little-endian, as every platform Node and browsers run on is);
 * no allocation per sample, one `Float32Array` per frame, handed to `emit` and never touched again.
 *
 * Each frame carries its index (0, 1, 2, ...) and its presentation time `ptsMs`: the samples per
 * channel before it / `sampleRate` x 1000, exact for the sample count and independent of chunking.
 * `flush()` emits the last partial frame of a finite input (shorter than `frameSamples`, whole
 * samples of all channels only); bytes of an incomplete sample are dropped and counted in
 * `droppedBytes`, never lost silently.
 *
 * Parameters: `sampleRate`, `channels`, `frameMs` (see {@link PcmFramerOptions}).
 *
 * ```ts
 * const framer = new PcmFramer({ sampleRate: 16000, channels: 1, frameMs: 20 }) // 320 samples a frame
 * ffmpeg.stdout.on('data', chunk => framer.push(chunk, (samples, index, ptsMs) => use(samples, ptsMs)))
 * ffmpeg.stdout.on('end', () => framer.flush((samples, index, ptsMs) => use(samples, ptsMs)))
 * ```
 *
 * References: FFmpeg, "ffmpeg-formats: raw PCM muxers (f32le)", https://ffmpeg.org/ffmpeg-formats.html;
 * IEEE 754-2008 binary32.
 */
export class PcmFramer {
  /** Samples per second per channel. */
  readonly sampleRate: number
  /** Interleaved channels. */
  readonly channels: number
  /** The frame duration asked for, ms. */
  readonly frameMs: number
  /** Samples per channel in a full frame. */
  readonly frameSamples: number
  /** Bytes in a full frame (`frameSamples * channels * 4`). */
  readonly frameBytes: number
  private frame: Float32Array
  private bytes: Uint8Array
  private filled = 0
  private frameCount = 0
  private sampleCount = 0
  private dropped = 0

  /** A framer that has seen nothing; bad options throw a `TypeError` or `RangeError` naming them. */
  constructor(options: PcmFramerOptions) {
    const o = checkOptions(FN, options, OPTIONS, true)
    this.sampleRate = checkInteger(FN, 'sampleRate', o.sampleRate, { min: 1, max: 10_000_000 })
    this.channels = checkInteger(FN, 'channels', o.channels, { min: 1, max: 64 })
    this.frameMs = checkNumber(FN, 'frameMs', o.frameMs, { above: 0, max: 3_600_000 })
    this.frameSamples = Math.max(1, Math.round((this.frameMs * this.sampleRate) / 1000))
    this.frameBytes = this.frameSamples * this.channels * 4
    this.frame = new Float32Array(this.frameSamples * this.channels)
    this.bytes = new Uint8Array(this.frame.buffer)
  }

  /** Frames emitted so far (the next frame's index). */
  get frames(): number {
    return this.frameCount
  }

  /** Samples per channel emitted so far. */
  get samples(): number {
    return this.sampleCount
  }

  /** Bytes received towards the next frame. */
  get pendingBytes(): number {
    return this.filled
  }

  /** Bytes dropped: incomplete samples at `flush` or `alignToSample`. */
  get droppedBytes(): number {
    return this.dropped
  }

  /** Presentation time (ms) of the next frame's first sample. */
  get ptsMs(): number {
    return (this.sampleCount * 1000) / this.sampleRate
  }

  /** Consumes a chunk of bytes (any length, any alignment), calling `emit` for each frame it completes, in order. */
  push(chunk: Uint8Array, emit: PcmFrameEmit): void {
    if (!(chunk instanceof Uint8Array))
      throw new TypeError(`${FN}.push: chunk must be a Uint8Array or Buffer, got ${describeValue(chunk)}`)
    const total = this.frameBytes
    let at = 0
    while (at < chunk.length) {
      const take = Math.min(total - this.filled, chunk.length - at)
      this.bytes.set(chunk.subarray(at, at + take), this.filled)
      this.filled += take
      at += take
      if (this.filled === total) this.emitFrame(this.frame, this.frameSamples, emit)
    }
  }

  /**
   * Ends the input: emits the partial frame (whole samples of every channel, shorter than a full
   * frame) if there is one, and drops (counting) the bytes of an incomplete sample. The framer
   * then continues as if the next input started a new frame; counters go on.
   */
  flush(emit: PcmFrameEmit): void {
    const whole = this.alignToSample()
    if (whole === 0) return
    const samples = whole / this.channels
    const out = this.frame.slice(0, whole)
    this.filled = 0
    this.emitFrame(out, samples, emit)
  }

  /**
   * Drops (counting) the bytes of an incomplete sample at the end of the frame being filled, so
   * that the next input starts on a sample boundary (e.g. when a source reconnects); the whole
   * samples already received stay in the frame. Returns the whole samples (all channels) pending.
   */
  alignToSample(): number {
    const sampleBytes = 4 * this.channels
    const keep = this.filled - (this.filled % sampleBytes)
    this.dropped += this.filled - keep
    this.filled = keep
    return keep / 4
  }

  private emitFrame(samples: Float32Array, perChannel: number, emit: PcmFrameEmit): void {
    const index = this.frameCount
    const ptsMs = this.ptsMs
    this.frameCount += 1
    this.sampleCount += perChannel
    if (samples === this.frame) {
      this.frame = new Float32Array(this.frameSamples * this.channels)
      this.bytes = new Uint8Array(this.frame.buffer)
      this.filled = 0
    }
    emit(samples, index, ptsMs)
  }

  /** The framer's state as a JSON-safe object; `PcmFramer.fromSnapshot` rebuilds it and the rebuilt framer continues exactly as this one would. */
  snapshot(): PcmFramerSnapshot {
    const pending = encodeBytes(this.bytes.subarray(0, this.filled))
    return {
      kind: FN,
      version: VERSION,
      options: { sampleRate: this.sampleRate, channels: this.channels, frameMs: this.frameMs },
      frames: this.frameCount,
      samples: this.sampleCount,
      droppedBytes: this.dropped,
      pending,
    }
  }

  /** A framer in the state `snapshot` describes; a damaged or foreign snapshot is a `SnapshotError` (or `TypeError` when not an object). */
  static fromSnapshot(snapshot: PcmFramerSnapshot): PcmFramer {
    const s = checkSnapshot<PcmFramerSnapshot>(`${FN}.fromSnapshot`, snapshot, FN, VERSION)
    let framer: PcmFramer
    try {
      framer = new PcmFramer(s.options)
    } catch (error) {
      throw new SnapshotError(`${FN}.fromSnapshot: the snapshot's options are not usable: ${(error as Error).message}`)
    }
    framer.frameCount = count('frames', s.frames)
    framer.sampleCount = count('samples', s.samples)
    framer.dropped = count('droppedBytes', s.droppedBytes)
    const pending = decodeBytes(`${FN}.fromSnapshot`, 'pending', s.pending)
    if (pending.length >= framer.frameBytes)
      throw new SnapshotError(
        `${FN}.fromSnapshot: pending holds ${pending.length} bytes, a frame only ${framer.frameBytes}`,
      )
    framer.bytes.set(pending)
    framer.filled = pending.length
    return framer
  }
}

function count(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new SnapshotError(`${FN}.fromSnapshot: ${field} must be an integer >= 0, got ${describeValue(value)}`)
  return value
}
