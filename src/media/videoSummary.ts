import { describeValue } from '../errors'
import { checkSnapshot, decodeBytes, encodeBytes, SnapshotError, type SnapshotHeader } from '../snapshot'
import { checkInteger, checkOptions } from '../validate'

const FN = 'VideoSummary'
const VERSION = 1
const OPTIONS: readonly string[] = ['width', 'height']

/** Options of {@link VideoSummary}: the size of the 8-bit luma planes it reads. */
export interface VideoSummaryOptions {
  /** Pixels per row (an integer >= 1). */
  readonly width: number
  /** Rows (an integer >= 1). */
  readonly height: number
}

/** `VideoSummary.snapshot()`: the size, the previous frame's luma plane and its MAFD. */
export interface VideoSummarySnapshot extends SnapshotHeader {
  /** Always `'VideoSummary'`. */
  readonly kind: 'VideoSummary'
  /** The layout's version (1). */
  readonly version: number
  /** The plane size. */
  readonly options: VideoSummaryOptions
  /** Frames summarised so far. */
  readonly frames: number
  /** The previous frame's luma plane as base64, `null` before the first frame. */
  readonly previous: string | null
  /** The previous frame's MAFD (scdet's `prev_mafd`), 0 before the second frame. */
  readonly previousMafd: number
}

/**
 * Per-frame summary of a stream of 8-bit luma planes (`width x height` bytes, row by row), as
 * ffmpeg's filters define them:
 * - `meanLuma`: the mean of Y over the frame, 0..255 (`signalstats`' YAVG);
 * - `motion`: the mean absolute difference of Y from the previous frame, 0..255, 0 for the first
 *   frame (`signalstats`' YDIF);
 * - `scene`: the scene-change score of `scdet` (libavfilter/vf_scdet.c, `get_scene_score`): with
 *   SAD the sum of absolute luma differences from the previous frame and
 *   MAFD = SAD x 100 / (width x height) / 2^8, score = clip(min(MAFD, |MAFD - MAFD_prev|), 0, 100),
 *   where MAFD_prev is the previous frame's MAFD (0 before the second frame) and the first frame
 *   scores 0. A cut scores high once (the MAFD jumps), steady motion scores near 0 (the MAFD
 *   stays), a still picture scores 0.
 *
 * `push(luma)` reads one plane in one pass (integer sums, no allocation: the previous plane is
 * kept in one buffer) and sets `meanLuma`, `motion` and `scene`.
 *
 * ```ts
 * const summary = new VideoSummary({ width: 160, height: 90 })
 * summary.push(plane)
 * if (summary.scene > 10) console.log('cut at frame', summary.frames - 1)
 * ```
 *
 * References: FFmpeg 5.1, libavfilter/vf_scdet.c (`get_scene_score`) and libavfilter/vf_signalstats.c
 * (YAVG, YDIF); https://ffmpeg.org/ffmpeg-filters.html#scdet-1.
 */
export class VideoSummary {
  /** Pixels per row. */
  readonly width: number
  /** Rows. */
  readonly height: number
  /** Mean luma of the last frame pushed, 0..255. */
  meanLuma = 0
  /** Mean absolute luma difference of the last frame from the one before, 0..255 (0 for the first). */
  motion = 0
  /** scdet's scene-change score of the last frame, 0..100 (0 for the first). */
  scene = 0
  private readonly previous: Uint8Array
  private previousMafd = 0
  private count = 0

  /** A summary that has seen no frame; bad sizes throw a `TypeError` or `RangeError` naming them. */
  constructor(options: VideoSummaryOptions) {
    const o = checkOptions(FN, options, OPTIONS, true)
    this.width = checkInteger(FN, 'width', o.width, { min: 1, max: 16384 })
    this.height = checkInteger(FN, 'height', o.height, { min: 1, max: 16384 })
    this.previous = new Uint8Array(this.width * this.height)
  }

  /** Frames summarised so far. */
  get frames(): number {
    return this.count
  }

  /** Summarises one luma plane of exactly `width * height` bytes (a `RangeError` otherwise, state untouched). */
  push(luma: Uint8Array): void {
    const n = this.previous.length
    if (!(luma instanceof Uint8Array) || luma.length !== n)
      throw new RangeError(
        `${FN}.push: luma must be a Uint8Array of ${this.width}x${this.height} = ${n} bytes, got ${describeValue(luma)}${luma instanceof Uint8Array ? ` of ${luma.length} bytes` : ''}`,
      )
    const prev = this.previous
    let sum = 0
    let sad = 0
    for (let i = 0; i < n; i++) {
      const y = luma[i]
      const d = y - prev[i]
      sum += y
      sad += d < 0 ? -d : d
    }
    this.meanLuma = sum / n
    if (this.count === 0) {
      this.motion = 0
      this.scene = 0
    } else {
      this.motion = sad / n
      const mafd = (sad * 100) / n / 256
      const diff = Math.abs(mafd - this.previousMafd)
      this.scene = Math.min(100, Math.max(0, Math.min(mafd, diff)))
      this.previousMafd = mafd
    }
    prev.set(luma)
    this.count += 1
  }

  /** The summary's state as a JSON-safe object; `VideoSummary.fromSnapshot` rebuilds it, and the rebuilt one continues exactly as this one would. */
  snapshot(): VideoSummarySnapshot {
    return {
      kind: FN,
      version: VERSION,
      options: { width: this.width, height: this.height },
      frames: this.count,
      previous: this.count === 0 ? null : encodeBytes(this.previous),
      previousMafd: this.previousMafd,
    }
  }

  /** A summary in the state `snapshot` describes; a damaged or foreign snapshot is a `SnapshotError`. */
  static fromSnapshot(snapshot: VideoSummarySnapshot): VideoSummary {
    const s = checkSnapshot<VideoSummarySnapshot>(`${FN}.fromSnapshot`, snapshot, FN, VERSION)
    let summary: VideoSummary
    try {
      summary = new VideoSummary(s.options)
    } catch (error) {
      throw new SnapshotError(`${FN}.fromSnapshot: the snapshot's options are not usable: ${(error as Error).message}`)
    }
    const frames = s.frames
    if (typeof frames !== 'number' || !Number.isSafeInteger(frames) || frames < 0)
      throw new SnapshotError(`${FN}.fromSnapshot: frames must be an integer >= 0, got ${describeValue(frames)}`)
    const mafd = s.previousMafd
    if (typeof mafd !== 'number' || !(mafd >= 0 && mafd <= 100))
      throw new SnapshotError(`${FN}.fromSnapshot: previousMafd must be in [0, 100], got ${describeValue(mafd)}`)
    if ((frames === 0) !== (s.previous === null))
      throw new SnapshotError(`${FN}.fromSnapshot: previous must be null exactly when frames is 0`)
    if (s.previous !== null) {
      const plane = decodeBytes(`${FN}.fromSnapshot`, 'previous', s.previous)
      if (plane.length !== summary.previous.length)
        throw new SnapshotError(
          `${FN}.fromSnapshot: previous holds ${plane.length} bytes, expected ${summary.previous.length}`,
        )
      summary.previous.set(plane)
    }
    summary.count = frames
    summary.previousMafd = mafd
    return summary
  }
}
