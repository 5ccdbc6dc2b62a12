/**
 * Silence detection with ffmpeg `silencedetect`'s semantics.
 * @module
 */
import { describeValue } from '../errors'
import { snapshotBoolean, snapshotInteger } from '../learn/snapshotFields'
import { checkSnapshot, SnapshotError, type SnapshotHeader } from '../snapshot'
import { checkBoolean, checkInteger, checkNumber } from '../validate'

/** A silence began (`durationMs` after its start, when it had lasted long enough to count). */
export interface SilenceStart {
  /** Always `'start'`. */
  readonly type: 'start'
  /** When the silence began, ms from the stream's start. */
  readonly startMs: number
  /** With `perChannel`: the channel (0-based). */
  readonly channel?: number
}

/** A silence ended: at the first loud sample, or at the end of the stream. */
export interface SilenceEnd {
  /** Always `'end'`. */
  readonly type: 'end'
  /** When the silence began, ms. */
  readonly startMs: number
  /** When it ended, ms (the loud sample's time, or the end of the stream). */
  readonly endMs: number
  /** endMs - startMs. */
  readonly durationMs: number
  /** With `perChannel`: the channel (0-based). */
  readonly channel?: number
  /** True when the stream ended during the silence. */
  readonly atEnd: boolean
}

/** A silence start or end. */
export type SilenceEvent = SilenceStart | SilenceEnd

/** Options of `SilenceDetector`. */
export interface SilenceDetectorOptions {
  /** Samples per second per channel, an integer >= 1. */
  readonly sampleRate: number
  /** Interleaved channels, 1..64. */
  readonly channels: number
  /** A sample is silent when |x| < 10^(noiseDb / 20). Default -60 (ffmpeg's 0.001). */
  readonly noiseDb?: number
  /** Shortest silence reported, ms (rounded to whole samples, as ffmpeg does). Default 2000. */
  readonly durationMs?: number
  /** Each channel on its own (ffmpeg's `mono=1`). Default false: a loud sample in any channel ends the silence. */
  readonly perChannel?: boolean
}

/** `SilenceDetector.snapshot()`: the options and, per counter, the silent run and the open silence's start. */
export interface SilenceDetectorSnapshot extends SnapshotHeader {
  /** Always `'SilenceDetector'`. */
  readonly kind: 'SilenceDetector'
  /** The layout's version (1). */
  readonly version: number
  /** Samples per second per channel. */
  readonly sampleRate: number
  /** Interleaved channels. */
  readonly channels: number
  /** Noise floor, dBFS. */
  readonly noiseDb: number
  /** Shortest silence reported, ms. */
  readonly durationMs: number
  /** Whether each channel has its own silences. */
  readonly perChannel: boolean
  /** Silent samples in a row, per counter (one, or one per channel with `perChannel`). */
  readonly run: readonly number[]
  /** Start of the open silence (ms), or null, per counter. */
  readonly open: ReadonlyArray<number | null>
  /** Time just after the last sample seen (ms), for the end of the stream. */
  readonly endMs: number
}

/**
 * Finds silences in interleaved PCM as ffmpeg's `silencedetect` does: a sample is silent when its
 * magnitude is strictly below the noise amplitude 10^(noiseDb/20); a silence is a run of at least
 * `durationMs` (in samples: round(durationMs * sampleRate / 1000)) silent samples. Without
 * `perChannel`, the interleaved samples of all channels form one run (any loud sample ends it, and
 * the run must last `duration * channels` samples); with `perChannel` each channel has its own.
 * The start event comes when the run reaches the duration, dated at the run's first sample
 * (`ptsMs` of the block + (i + 1 - duration) / sampleRate); the end at the first loud sample, dated
 * at that sample, or at `finish()` (end of stream), dated just after the last sample. Times are
 * ms from the stream's start, from each block's `ptsMs`.
 *
 * ```ts
 * const detector = new SilenceDetector({ sampleRate: 16000, channels: 1, noiseDb: -50, durationMs: 500 })
 * const events: SilenceEvent[] = []
 * detector.push(frame.samples, frame.ptsMs, events) // appends starts and ends
 * detector.finish(events) // at the end of the stream: ends an open silence
 * ```
 *
 * References: ffmpeg 5.1, libavfilter/af_silencedetect.c (`update`, `uninit`).
 */
export class SilenceDetector {
  /** Samples per second per channel. */
  readonly sampleRate: number
  /** Interleaved channels. */
  readonly channels: number
  /** Noise floor, dBFS. */
  readonly noiseDb: number
  /** Shortest silence reported, ms. */
  readonly durationMs: number
  /** Whether each channel has its own silences. */
  readonly perChannel: boolean
  private readonly noise: number
  /** Silent samples needed per counter. */
  private readonly needed: number
  private readonly run: Float64Array
  private readonly open: Float64Array
  private endMs = 0

  constructor(options: SilenceDetectorOptions) {
    const fn = 'SilenceDetector'
    if (options === null || typeof options !== 'object')
      throw new TypeError(`${fn}: options must be an object, got ${describeValue(options)}`)
    this.sampleRate = checkInteger(fn, 'sampleRate', options.sampleRate, { min: 1 })
    this.channels = checkInteger(fn, 'channels', options.channels, { min: 1, max: 64 })
    this.noiseDb = checkNumber(fn, 'noiseDb', options.noiseDb ?? -60, { max: 0 })
    this.durationMs = checkNumber(fn, 'durationMs', options.durationMs ?? 2000, { min: 0 })
    this.perChannel = checkBoolean(fn, 'perChannel', options.perChannel ?? false)
    this.noise = 10 ** (this.noiseDb / 20)
    const samples = Math.round((this.durationMs * this.sampleRate) / 1000)
    this.needed = this.perChannel ? samples : samples * this.channels
    const counters = this.perChannel ? this.channels : 1
    this.run = new Float64Array(counters)
    this.open = new Float64Array(counters).fill(Number.NaN)
  }

  /**
   * Takes a block of interleaved samples whose first sample is at `ptsMs` and appends the silences
   * that start or end in it to `out`, in sample order.
   */
  push(samples: ArrayLike<number>, ptsMs: number, out: SilenceEvent[]): void {
    const { noise, needed, run, open, channels, perChannel, sampleRate } = this
    const counters = run.length
    const msPerSample = 1000 / sampleRate
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i]
      const c = counters === 1 ? 0 : i % counters
      if (x < noise && x > -noise) {
        if (Number.isNaN(open[c]) && ++run[c] >= needed) {
          const frame = Math.floor(i / channels)
          open[c] = ptsMs + (frame + 1 - (needed * counters) / channels) * msPerSample
          out.push(perChannel ? { type: 'start', startMs: open[c], channel: c } : { type: 'start', startMs: open[c] })
        }
      } else {
        if (!Number.isNaN(open[c])) this.close(c, ptsMs + Math.floor(i / channels) * msPerSample, false, out)
        run[c] = 0
      }
    }
    this.endMs = ptsMs + Math.floor(samples.length / channels) * msPerSample
  }

  /** The end of the stream: ends every open silence there (just after the last sample), appending to `out`. */
  finish(out: SilenceEvent[]): void {
    for (let c = 0; c < this.run.length; c++) {
      if (!Number.isNaN(this.open[c])) this.close(c, this.endMs, true, out)
      this.run[c] = 0
    }
  }

  private close(c: number, endMs: number, atEnd: boolean, out: SilenceEvent[]): void {
    const startMs = this.open[c]
    const base = { type: 'end' as const, startMs, endMs, durationMs: endMs - startMs }
    out.push(this.perChannel ? { ...base, channel: c, atEnd } : { ...base, atEnd })
    this.open[c] = Number.NaN
  }

  /**
   * The detector's state as a JSON-safe object; `SilenceDetector.fromSnapshot` rebuilds it and the
   * rebuilt detector continues exactly as this one would.
   *
   * ```ts
   * const again = SilenceDetector.fromSnapshot(JSON.parse(JSON.stringify(detector.snapshot())))
   * ```
   */
  snapshot(): SilenceDetectorSnapshot {
    return {
      kind: 'SilenceDetector',
      version: SNAPSHOT_VERSION,
      sampleRate: this.sampleRate,
      channels: this.channels,
      noiseDb: this.noiseDb,
      durationMs: this.durationMs,
      perChannel: this.perChannel,
      run: Array.from(this.run),
      open: Array.from(this.open, v => (Number.isNaN(v) ? null : v)),
      endMs: this.endMs,
    }
  }

  /**
   * A detector in the state `snapshot` describes; another kind or version, or a damaged field, is a
   * `SnapshotError` naming it.
   *
   * ```ts
   * const detector = SilenceDetector.fromSnapshot(JSON.parse(saved))
   * ```
   */
  static fromSnapshot(snapshot: SilenceDetectorSnapshot): SilenceDetector {
    const fn = 'SilenceDetector.fromSnapshot'
    const s = checkSnapshot<SilenceDetectorSnapshot>(fn, snapshot, 'SilenceDetector', SNAPSHOT_VERSION)
    let detector: SilenceDetector
    try {
      const { sampleRate, channels, noiseDb, durationMs } = s
      detector = new SilenceDetector({ sampleRate, channels, noiseDb, durationMs, perChannel: s.perChannel })
    } catch (error) {
      throw new SnapshotError(`${fn}: ${(error as Error).message}`)
    }
    snapshotBoolean(fn, 'perChannel', s.perChannel)
    const counters = detector.run.length
    if (!Array.isArray(s.run) || s.run.length !== counters || !Array.isArray(s.open) || s.open.length !== counters)
      throw new SnapshotError(`${fn}: run and open must be arrays of ${counters} values`)
    s.run.forEach((n, c) => {
      detector.run[c] = snapshotInteger(fn, `run[${c}]`, n, 0, Number.MAX_SAFE_INTEGER)
    })
    s.open.forEach((v, c) => {
      if (v !== null && typeof v !== 'number')
        throw new SnapshotError(`${fn}: open[${c}] must be a number or null, got ${describeValue(v)}`)
      detector.open[c] = v ?? Number.NaN
    })
    if (typeof s.endMs !== 'number' || !Number.isFinite(s.endMs))
      throw new SnapshotError(`${fn}: endMs must be a finite number, got ${describeValue(s.endMs)}`)
    detector.endMs = s.endMs
    return detector
  }
}

const SNAPSHOT_VERSION = 1
