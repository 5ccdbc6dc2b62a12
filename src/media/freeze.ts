import { describeValue } from '../errors'
import {
  checkSameOptions,
  snapshotBoolean,
  snapshotFloats,
  snapshotInteger,
  snapshotOptions,
} from '../learn/snapshotFields'
import { checkSnapshot, encodeFloat64, SnapshotError, type SnapshotHeader } from '../snapshot'
import { checkNumber, checkOptions } from '../validate'

/** Options of {@link FreezeDetector}, named and defaulted as ffmpeg's `freezedetect`. */
export interface FreezeDetectorOptions {
  /** Largest mean absolute frame difference (0..1 of full scale) that still counts as the same picture. Default 0.001 (-60 dB). */
  noise?: number
  /** A picture must stay this long (ms) to be a freeze. Default 2000. */
  durationMs?: number
}

/** `FreezeDetector.snapshot()`: the options, the reference frame and whether a freeze was reported. */
export interface FreezeDetectorSnapshot extends SnapshotHeader {
  /** Always `'FreezeDetector'`. */
  readonly kind: 'FreezeDetector'
  /** The layout's version (1). */
  readonly version: number
  /** The options, defaults filled in. */
  readonly options: Required<FreezeDetectorOptions>
  /** Time of the reference frame (ms), or null before the first frame. */
  readonly referenceMs: number | null
  /** Whether a freeze has been reported and not yet ended. */
  readonly frozen: boolean
  /** `startMs` and `endMs` of the last freeze reported (null: none). */
  readonly last: readonly [number | null, number | null]
  /** The reference luma plane (`pushLuma` only): width, height, and its bytes zero-padded to a multiple of 8 as base64 float64; else null. */
  readonly reference: FreezeReferenceSnapshot | null
}

/** The reference luma plane in a `FreezeDetectorSnapshot`. */
export interface FreezeReferenceSnapshot {
  /** Picture width. */
  readonly width: number
  /** Picture height. */
  readonly height: number
  /** The `width * height` bytes, zero-padded to a multiple of 8, as base64 float64 (`encodeFloat64`). */
  readonly bytes: string
}

const FREEZE_OPTIONS: readonly string[] = ['noise', 'durationMs']
const FREEZE_SNAPSHOT_VERSION = 1

/**
 * Freeze detection, step for step as ffmpeg's `freezedetect` filter (libavfilter/vf_freezedetect.c):
 * a reference frame is kept; each later frame's mean absolute frame difference (MAFD) from it,
 * as a fraction of full scale (sum of |difference| / pixels / 256 for 8-bit), is compared with
 * `noise`. A frame within `noise` is frozen and leaves the reference alone; any other frame becomes
 * the reference. Once a frame lies `durationMs` or more after the reference, the first such frame
 * reports `freeze_start` (at the reference's time) unless a freeze is already on, and a frame that
 * is not frozen reports `freeze_end` (at its own time) with `freeze_duration` (end - start). A
 * freeze still on when the stream ends gets no end, as in ffmpeg.
 *
 * Two ways in: `pushLuma` gives the luma plane, and the MAFD is measured against the reference
 * exactly as `freezedetect` does on a one-plane (gray) picture; `pushDifference` gives a MAFD
 * measured elsewhere, e.g. a `VideoFrame`'s `motion / 256`, which is the difference from the
 * previous frame rather than from the reference (a slow fade passes it; `freezedetect` sees it
 * accumulate) and on luma only (`freezedetect` averages all planes, chroma included).
 * A time that goes back (a new stream) makes the frame the reference, ending nothing.
 *
 * ```ts
 * const freeze = new FreezeDetector({ noise: 0.001, durationMs: 2000 })
 * for (const f of frames) if (freeze.pushDifference(f.ptsMs, f.motion / 256)) console.log(freeze.started, freeze.ended, freeze.startMs)
 * ```
 *
 * References: ffmpeg, libavfilter/vf_freezedetect.c (5.1) and the `freezedetect` section of the
 * ffmpeg-filters manual.
 */
export class FreezeDetector {
  /** Largest MAFD (0..1) that counts as the same picture. */
  readonly noise: number
  /** How long (ms) a picture must stay to be a freeze. */
  readonly durationMs: number
  /** After a `push` that returned true: whether it started a freeze. */
  started = false
  /** After a `push` that returned true: whether it ended a freeze. */
  ended = false
  /** Start of the current (or just ended) freeze, ms: the reference frame's time. */
  startMs = Number.NaN
  /** End of the freeze just ended, ms. */
  endMs = Number.NaN
  /** The MAFD of the last frame (0 for the first frame). */
  mafd = 0
  /** Whether a freeze is on (reported and not ended). */
  frozen = false

  private referenceMs = Number.NaN
  private reference: Uint8Array | null = null
  private width = 0
  private height = 0

  constructor(options: FreezeDetectorOptions = {}) {
    const fn = 'FreezeDetector'
    const o = checkOptions(fn, options, FREEZE_OPTIONS)
    this.noise = checkNumber(fn, 'noise', o.noise ?? 0.001, { min: 0, max: 1 })
    this.durationMs = checkNumber(fn, 'durationMs', o.durationMs ?? 2000, { min: 0 })
  }

  /**
   * The next frame by its luma plane (`width * height` bytes, row by row); true when it started or
   * ended a freeze (see `started`, `ended`, `startMs`, `endMs`).
   */
  pushLuma(ptsMs: number, luma: Uint8Array, width: number, height: number): boolean {
    const fn = 'FreezeDetector.pushLuma'
    checkTime(fn, ptsMs)
    if (!(luma instanceof Uint8Array))
      throw new TypeError(`${fn}: luma must be a Uint8Array, got ${describeValue(luma)}`)
    if (
      !Number.isInteger(width) ||
      !Number.isInteger(height) ||
      width < 1 ||
      height < 1 ||
      luma.length !== width * height
    )
      throw new RangeError(`${fn}: luma holds ${luma.length} bytes, not width * height = ${width} * ${height}`)
    const reference = this.reference
    let mafd = 0
    if (reference !== null && this.width === width && this.height === height) {
      let sad = 0
      for (let i = 0; i < luma.length; i++) {
        const d = luma[i] - reference[i]
        sad += d < 0 ? -d : d
      }
      mafd = sad / luma.length / 256
    } else if (reference !== null) mafd = 1 // another size: another picture
    const frozen = this.step(ptsMs, mafd)
    if (!frozen) {
      if (reference === null || reference.length !== luma.length) this.reference = luma.slice()
      else reference.set(luma)
      this.width = width
      this.height = height
    }
    return this.started || this.ended
  }

  /** The next frame by its MAFD from the reference (0..1, measured by the caller); true when it started or ended a freeze. */
  pushDifference(ptsMs: number, mafd: number): boolean {
    const fn = 'FreezeDetector.pushDifference'
    checkTime(fn, ptsMs)
    if (typeof mafd !== 'number' || !(mafd >= 0 && mafd <= 1))
      throw new RangeError(`${fn}: mafd must be a number in [0, 1], got ${describeValue(mafd)}`)
    this.step(ptsMs, mafd)
    return this.started || this.ended
  }

  /** freezedetect's `activate` for one frame; returns whether the frame is frozen (the reference stays). */
  private step(ptsMs: number, mafd: number): boolean {
    this.started = false
    this.ended = false
    let frozen = false
    if (Number.isNaN(this.referenceMs) || ptsMs < this.referenceMs) {
      this.mafd = 0
      this.frozen = false
    } else {
      this.mafd = mafd
      const duration = ptsMs - this.referenceMs
      frozen = mafd <= this.noise
      if (duration >= this.durationMs) {
        if (!this.frozen) {
          this.started = true
          this.startMs = this.referenceMs
        }
        if (!frozen) {
          this.ended = true
          this.endMs = ptsMs
        }
        this.frozen = frozen
      }
    }
    if (!frozen) this.referenceMs = ptsMs
    return frozen
  }

  /** The detector's state as a JSON-safe object; `FreezeDetector.fromSnapshot` rebuilds it. */
  snapshot(): FreezeDetectorSnapshot {
    const { noise, durationMs, reference } = this
    let bytes: FreezeReferenceSnapshot | null = null
    if (reference !== null) {
      const padded = new Uint8Array(Math.ceil(reference.length / 8) * 8)
      padded.set(reference)
      bytes = { width: this.width, height: this.height, bytes: encodeFloat64(new Float64Array(padded.buffer)) }
    }
    return {
      kind: 'FreezeDetector',
      version: FREEZE_SNAPSHOT_VERSION,
      options: { noise, durationMs },
      referenceMs: Number.isNaN(this.referenceMs) ? null : this.referenceMs,
      frozen: this.frozen,
      last: [Number.isNaN(this.startMs) ? null : this.startMs, Number.isNaN(this.endMs) ? null : this.endMs],
      reference: bytes,
    }
  }

  /**
   * A detector in the state `snapshot` describes (from `snapshot()`, possibly through JSON); another
   * kind or version, or a damaged field, is a `SnapshotError`.
   */
  static fromSnapshot(snapshot: FreezeDetectorSnapshot): FreezeDetector {
    const fn = 'FreezeDetector.fromSnapshot'
    const s = checkSnapshot<FreezeDetectorSnapshot>(fn, snapshot, 'FreezeDetector', FREEZE_SNAPSHOT_VERSION)
    const detector = new FreezeDetector(snapshotOptions(fn, s.options) as FreezeDetectorOptions)
    checkSameOptions(fn, 'FreezeDetector', snapshotOptions(fn, s.options), {
      noise: detector.noise,
      durationMs: detector.durationMs,
    })
    if (s.referenceMs !== null && (typeof s.referenceMs !== 'number' || !Number.isFinite(s.referenceMs)))
      throw new SnapshotError(`${fn}: referenceMs must be null or a finite number, got ${describeValue(s.referenceMs)}`)
    detector.referenceMs = s.referenceMs ?? Number.NaN
    detector.frozen = snapshotBoolean(fn, 'frozen', s.frozen)
    const last = s.last
    if (!Array.isArray(last) || last.length !== 2 || last.some(t => t !== null && !Number.isFinite(t)))
      throw new SnapshotError(
        `${fn}: last must be [startMs, endMs], finite numbers or null, got ${describeValue(last)}`,
      )
    detector.startMs = last[0] ?? Number.NaN
    detector.endMs = last[1] ?? Number.NaN
    if (s.reference !== null) {
      const r = s.reference
      if (r === undefined || typeof r !== 'object')
        throw new SnapshotError(`${fn}: reference must be null or { width, height, bytes }, got ${describeValue(r)}`)
      const width = snapshotInteger(fn, 'reference.width', r.width, 1, 1 << 16)
      const height = snapshotInteger(fn, 'reference.height', r.height, 1, 1 << 16)
      const padded = Math.ceil((width * height) / 8)
      const values = padded === 0 ? new Float64Array(0) : snapshotFloats(fn, 'reference.bytes', r.bytes, padded)
      detector.reference = new Uint8Array(values.buffer, 0, width * height).slice()
      detector.width = width
      detector.height = height
    }
    return detector
  }
}

function checkTime(fn: string, ptsMs: number): void {
  if (typeof ptsMs !== 'number' || !Number.isFinite(ptsMs))
    throw new TypeError(`${fn}: ptsMs must be a finite number, got ${describeValue(ptsMs)}`)
}
