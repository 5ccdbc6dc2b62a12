import { Observable, type OperatorFunction } from 'rxjs'
import type { MediaFrame } from '../src/media/frames'
import { SilenceDetector, type SilenceDetectorSnapshot, type SilenceEvent } from '../src/media/silence'
import { checkSnapshot, SnapshotError, type SnapshotHeader } from '../src/snapshot'
import { checkBoolean, checkNumber, checkOptions } from '../src/validate'
import { attachState, checkStateOption } from './internal/attachState'
import { invalidAudioFrame } from './internal/audioFrames'
import { subscribeLinked } from './internal/subscribeLinked'
import type { OperatorState } from './state'

/** Options of `silence`; an unknown name is a `TypeError` at call time. */
export interface SilenceOptions {
  /** Noise floor, dBFS (<= 0): a sample is silent when |x| < 10^(noiseDb/20). Default -60 (ffmpeg's 0.001). */
  readonly noiseDb?: number
  /** Shortest silence reported, ms (>= 0). Default 2000 (ffmpeg's `d=2`). */
  readonly durationMs?: number
  /** Each channel on its own, events carrying `channel` (ffmpeg's `mono=1`). Default false. */
  readonly perChannel?: boolean
  /** A handle from `operatorState()` to start from a snapshot and hand out the current one. */
  readonly state?: OperatorState<SilenceSnapshot>
}

/** `silence`'s snapshot: the detector (`null` before the first audio frame). */
export interface SilenceSnapshot extends SnapshotHeader {
  /** Always `'silence'`. */
  readonly kind: 'silence'
  /** The layout's version (1). */
  readonly version: number
  /** The detector's state, or `null` when no audio frame had arrived. */
  readonly detector: SilenceDetectorSnapshot | null
}

/**
 * Silences in an audio stream, as ffmpeg's `silencedetect` finds them (same semantics, checked
 * against it): a sample is silent when its magnitude is below 10^(noiseDb/20); a silence is at least
 * `durationMs` of silent samples (all channels together, or each on its own with `perChannel`).
 *
 * Emits a `SilenceStart` (`{ type: 'start', startMs }`) once a silence has lasted `durationMs`, dated
 * at its first sample, and a `SilenceEnd` (`{ type: 'end', startMs, endMs, durationMs, atEnd }`) at
 * the first loud sample, dated at it. When the source completes during a silence, an end dated just
 * after the last sample (`atEnd: true`) is emitted, then it completes; a source error passes through
 * (no end emitted). Times are ms from the stream's start, from the frames' `ptsMs`. Video frames
 * are ignored. Bad input: a broken frame, a non-finite sample, or a frame whose rate or channel count
 * differs from the first's errors the stream with a `TypeError` naming the frame; bad options throw
 * at call time.
 *
 * Checkpoints: with `state: operatorState<SilenceSnapshot>(saved)` a subscription starts from the
 * snapshot (an open silence stays open) and `state.snapshot()` hands out the current one.
 *
 * ```ts
 * import { silence } from 'midstream'
 * frames$.pipe(silence({ noiseDb: -50, durationMs: 1000 }))
 *   .subscribe(e => e.type === 'start' ? console.log(`dead air since ${e.startMs} ms`) : console.log(`back after ${e.durationMs} ms`))
 * ```
 * @see SilenceDetector, the kernel; audioLevel for levels per frame.
 */
export function silence(options?: SilenceOptions): OperatorFunction<MediaFrame, SilenceEvent> {
  const o = checkOptions(FN, options, ['noiseDb', 'durationMs', 'perChannel', 'state'])
  const noiseDb = checkNumber(FN, 'noiseDb', o.noiseDb ?? -60, { max: 0 })
  const durationMs = checkNumber(FN, 'durationMs', o.durationMs ?? 2000, { min: 0 })
  const perChannel = checkBoolean(FN, 'perChannel', o.perChannel ?? false)
  const state = checkStateOption<SilenceSnapshot>(FN, o.state)
  return source =>
    new Observable<SilenceEvent>(subscriber => {
      let detector: SilenceDetector | null = null
      const events: SilenceEvent[] = []
      const emit = (): void => {
        for (const event of events.splice(0)) if (!subscriber.closed) subscriber.next(event)
      }
      const capture = (): SilenceSnapshot => ({ kind: FN, version: 1, detector: detector?.snapshot() ?? null })
      const restore = (snapshot: SilenceSnapshot): void => {
        const s = checkSnapshot<SilenceSnapshot>(FN, snapshot, FN, 1)
        if (s.detector === null) return
        const restored = SilenceDetector.fromSnapshot(s.detector)
        const mine = { noiseDb, durationMs, perChannel }
        for (const key of ['noiseDb', 'durationMs', 'perChannel'] as const)
          if (!Object.is(restored[key], mine[key]))
            throw new SnapshotError(
              `${FN}: the snapshot was taken with ${key} ${restored[key]}, this operator has ${mine[key]}`,
            )
        detector = restored
      }
      if (!attachState(FN, state, subscriber, restore, capture)) return
      return subscribeLinked(subscriber, source, {
        next(frame) {
          const problem = invalidAudioFrame(frame, detector)
          if (problem !== null) return subscriber.error(new TypeError(`${FN}: ${problem}`))
          if (frame.kind !== 'audio') return
          const { sampleRate, channels } = frame
          detector ??= new SilenceDetector({ sampleRate, channels, noiseDb, durationMs, perChannel })
          detector.push(frame.samples, frame.ptsMs, events)
          emit()
        },
        error: error => subscriber.error(error),
        complete() {
          detector?.finish(events)
          emit()
          subscriber.complete()
        },
      })
    })
}

const FN = 'silence'
