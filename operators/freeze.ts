import { Observable, type OperatorFunction } from 'rxjs'
import { describeValue } from '../src/errors'
import type { MediaFrame, VideoFrame } from '../src/media/frames'
import { FreezeDetector, type FreezeDetectorOptions, type FreezeDetectorSnapshot } from '../src/media/freeze'
import { checkSnapshot, SnapshotError, type SnapshotHeader } from '../src/snapshot'
import { checkOneOf, checkOptions } from '../src/validate'
import { attachState, checkStateOption } from './internal/attachState'
import { subscribeLinked } from './internal/subscribeLinked'
import type { OperatorState } from './state'

/** Options of `freeze`: those of `FreezeDetector` (ffmpeg `freezedetect`'s `noise` and duration), the measure, and `state`. */
export interface FreezeOptions extends FreezeDetectorOptions {
  /**
   * What is compared with `noise`: `'motion'` (default) the frame's `motion / 256` (mean absolute
   * luma difference from the previous frame); `'luma'` the luma plane's difference from the freeze's
   * first frame, exactly `freezedetect` on a gray picture (frames must carry `luma`).
   */
  readonly measure?: 'motion' | 'luma'
  /** A handle from `operatorState()` that starts the detector from a snapshot and hands out its current one. */
  readonly state?: OperatorState<FreezeSnapshot>
}

/** A freeze starting (`freeze_start`) or ending (`freeze_end`, with `freeze_duration`), as `freezedetect` logs them. */
export interface FreezeEvent {
  /** `'freeze_start'` or `'freeze_end'`. */
  readonly type: 'freeze_start' | 'freeze_end'
  /** When the still picture began: the first frame of the freeze, ms. */
  readonly startMs: number
  /** With `'freeze_end'`: the first frame that differs, ms; else null. */
  readonly endMs: number | null
  /** With `'freeze_end'`: `endMs - startMs`; else null. */
  readonly durationMs: number | null
  /** The index of the video frame that reported it (`freeze_start` is known only `durationMs` after the start). */
  readonly index: number
  /** That frame's time, ms. */
  readonly ptsMs: number
}

/** `freeze`'s snapshot: the detector. */
export interface FreezeSnapshot extends SnapshotHeader {
  /** Always `'freeze'`. */
  readonly kind: 'freeze'
  /** The layout's version (1). */
  readonly version: number
  /** The measure the operator used. */
  readonly measure: 'motion' | 'luma'
  /** The detector's state. */
  readonly detector: FreezeDetectorSnapshot
}

const FN = 'freeze'
const SNAPSHOT_VERSION = 1
const MEASURES = ['motion', 'luma'] as const

/**
 * Still pictures in a video stream: `freeze_start` and `freeze_end` events as ffmpeg's
 * `freezedetect` reports them, from a `FreezeDetector` (see there for the rule).
 *
 * Emits: a `FreezeEvent` on the video frame that decides it: `freeze_start` on the first frame
 * `durationMs` or more after the still picture began (its `startMs` is that beginning),
 * `freeze_end` on the first frame that differs (both on one frame after a gap in the frames).
 * Audio frames are ignored. Completes when the source completes (a freeze still on gets no end,
 * as in ffmpeg); source errors pass through.
 *
 * The measure: `motion` (default) compares the frame's `motion / 256` with `noise`: 256 because
 * `freezedetect` divides 8-bit differences by 2^8. It differs from `freezedetect` in three ways:
 * `motion` is the difference from the previous frame, not from the freeze's first frame (a slow
 * fade of less than `noise` per frame counts as still); it is on luma only (chroma changes are
 * unseen); and it is measured on the source's scaled picture (scaling averages noise away). With
 * `measure: 'luma'` (frames with `luma`, from a source asked for it) the difference is from the
 * freeze's first frame, as `freezedetect` on a gray picture: the same events, frame for frame.
 *
 * Bad input: an element that is not a `MediaFrame`, a video frame whose `motion` is not in
 * [0, 255] or `ptsMs` not finite, or (with `'luma'`) without a `luma` plane of `width * height`
 * bytes errors the stream with a `TypeError`/`RangeError` naming the frame's index. Bad options
 * throw at call time. Checkpoints: with `state: operatorState()` as for the other operators.
 *
 * ```ts
 * mediaSource(url, { video: { fps: 10, width: 64, height: 36 }, audio: false })
 *   .pipe(freeze({ noise: 0.001, durationMs: 2000 }))
 *   .subscribe((e) => console.log(e.type, e.startMs, e.durationMs))
 * ```
 * @see FreezeDetector, the kernel.
 */
export function freeze(options: FreezeOptions = {}): OperatorFunction<MediaFrame, FreezeEvent> {
  const o = checkOptions(FN, options, ['noise', 'durationMs', 'measure', 'state'])
  const detectorOptions: FreezeDetectorOptions = {}
  if (o.noise !== undefined) detectorOptions.noise = o.noise
  if (o.durationMs !== undefined) detectorOptions.durationMs = o.durationMs
  try {
    new FreezeDetector(detectorOptions) // bad options throw now
  } catch (error) {
    const message = (error as Error).message.replace(/^FreezeDetector: /, `${FN}: `)
    throw error instanceof RangeError ? new RangeError(message) : new TypeError(message)
  }
  const measure = checkOneOf(FN, 'measure', o.measure ?? 'motion', MEASURES)
  const state = checkStateOption<FreezeSnapshot>(FN, o.state)
  return source =>
    new Observable<FreezeEvent>(subscriber => {
      let detector = new FreezeDetector(detectorOptions)
      const capture = (): FreezeSnapshot => ({
        kind: FN,
        version: SNAPSHOT_VERSION,
        measure,
        detector: detector.snapshot(),
      })
      const restore = (snapshot: FreezeSnapshot): void => {
        const s = checkSnapshot<FreezeSnapshot>(FN, snapshot, FN, SNAPSHOT_VERSION)
        if (s.measure !== measure)
          throw new SnapshotError(
            `${FN}: the snapshot was taken with measure ${describeValue(s.measure)}, this operator has '${measure}'`,
          )
        const restored = FreezeDetector.fromSnapshot(s.detector)
        if (restored.noise !== detector.noise || restored.durationMs !== detector.durationMs)
          throw new SnapshotError(
            `${FN}: the snapshot was taken with noise ${restored.noise} and durationMs ${restored.durationMs}, this operator has ${detector.noise} and ${detector.durationMs}`,
          )
        detector = restored
      }
      if (!attachState(FN, state, subscriber, restore, capture)) return
      return subscribeLinked(subscriber, source, {
        next(frame) {
          let events: FreezeEvent[]
          try {
            events = step(detector, frame, measure)
          } catch (error) {
            subscriber.error(error)
            return
          }
          for (const event of events) if (!subscriber.closed) subscriber.next(event)
        },
        error: error => subscriber.error(error),
        complete: () => subscriber.complete(),
      })
    })
}

const NONE: FreezeEvent[] = []

/** The events one frame decides (none for an audio frame). */
function step(detector: FreezeDetector, frame: unknown, measure: 'motion' | 'luma'): FreezeEvent[] {
  const kind = frame !== null && typeof frame === 'object' ? (frame as { kind?: unknown }).kind : undefined
  if (kind === 'audio') return NONE
  if (kind !== 'video') throw new TypeError(`${FN}: expected a MediaFrame, got ${describeValue(frame)}`)
  const { index, ptsMs, motion, luma, width, height } = frame as VideoFrame
  if (typeof ptsMs !== 'number' || !Number.isFinite(ptsMs))
    throw new TypeError(`${FN}: video frame #${index} has ptsMs ${describeValue(ptsMs)}, not a finite number`)
  let changed: boolean
  if (measure === 'luma') {
    if (!(luma instanceof Uint8Array) || luma.length !== width * height)
      throw new TypeError(
        `${FN}: video frame #${index} has luma ${describeValue(luma)}, not ${describeValue(width)} x ${describeValue(height)} bytes (measure 'luma' needs frames with luma)`,
      )
    changed = detector.pushLuma(ptsMs, luma, width, height)
  } else {
    if (typeof motion !== 'number' || !(motion >= 0 && motion <= 255))
      throw new RangeError(`${FN}: video frame #${index} has motion ${describeValue(motion)}, not a number in [0, 255]`)
    changed = detector.pushDifference(ptsMs, motion / 256)
  }
  if (!changed) return NONE
  const out: FreezeEvent[] = []
  const startMs = detector.startMs
  if (detector.started) out.push({ type: 'freeze_start', startMs, endMs: null, durationMs: null, index, ptsMs })
  if (detector.ended)
    out.push({ type: 'freeze_end', startMs, endMs: detector.endMs, durationMs: detector.endMs - startMs, index, ptsMs })
  return out
}
