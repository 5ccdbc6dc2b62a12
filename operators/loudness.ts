import { Observable, type OperatorFunction } from 'rxjs'
import { describeValue } from '../src/errors'
import type { AudioFrame, MediaFrame } from '../src/media/frames'
import { LoudnessMeter, type LoudnessMeterSnapshot } from '../src/media/loudness'
import { checkSnapshot, SnapshotError, type SnapshotHeader } from '../src/snapshot'
import { checkNumber, checkOptions } from '../src/validate'
import { attachState, checkStateOption } from './internal/attachState'
import { invalidAudioFrame } from './internal/audioFrames'
import { subscribeLinked } from './internal/subscribeLinked'
import type { OperatorState } from './state'

/** The readings at the end of one 100 ms step. */
export interface LoudnessReading {
  /** Step number from the start of the stream: 0, 1, 2, ... */
  readonly step: number
  /** End of the step, ms from the stream's start (the frame's `ptsMs` plus the samples into it). */
  readonly timeMs: number
  /** Momentary loudness, LUFS: the last 400 ms. `null` before 400 ms; `-Infinity` for silence. */
  readonly momentary: number | null
  /** Short-term loudness, LUFS: the last 3 s. `null` before 3 s. */
  readonly shortTerm: number | null
  /** Integrated loudness so far, LUFS (gated). `null` while nothing has passed the -70 LUFS gate. */
  readonly integrated: number | null
  /** Loudness range so far, LU (EBU Tech 3342). `null` while no short-term value has passed the gate. */
  readonly range: number | null
}

/** Options of `loudness`; an unknown name is a `TypeError` at call time. */
export interface LoudnessOptions {
  /** Weight per channel (BS.1770's G). Default: mono 1; stereo 1, 1; 5.0 and 5.1 with 1.41 for the surrounds and 0 for the LFE. */
  readonly weights?: readonly number[]
  /** A handle from `operatorState()` to start from a snapshot and hand out the current one. */
  readonly state?: OperatorState<LoudnessSnapshot>
}

/** `loudness`'s snapshot: the meter (`null` before the first audio frame). */
export interface LoudnessSnapshot extends SnapshotHeader {
  /** Always `'loudness'`. */
  readonly kind: 'loudness'
  /** The layout's version (1). */
  readonly version: number
  /** The meter's state, or `null` when no audio frame had arrived. */
  readonly meter: LoudnessMeterSnapshot | null
}

/**
 * EBU R 128 loudness of an audio stream (ITU-R BS.1770-4 K-weighting and gating, our own
 * implementation in `LoudnessMeter`, checked against ffmpeg's `ebur128`): every 100 ms of audio,
 * like `ebur128`'s log, the momentary (400 ms), short-term (3 s) and integrated loudness in LUFS
 * and the loudness range (LRA) in LU.
 *
 * Emits one `LoudnessReading` per 100 ms step of audio (several per frame for long frames, none for a
 * frame that ends no step), in order; steps run on from frame to frame whatever the frame size, and a
 * trailing partial step is not reported (as in ffmpeg). The last reading's `integrated` and `range`
 * are those of the whole stream. Video frames are ignored. Completes and errors with the source.
 * The sample rate and channel count are taken from the first audio frame. Bad input: a broken
 * frame, a non-finite sample, or a frame whose rate or channel count differs from the first errors
 * the stream with a `TypeError` naming the frame; channel counts without default weights (4, 7, ...)
 * need `weights` (else a `RangeError` on the first frame).
 *
 * Checkpoints: with `state: operatorState<LoudnessSnapshot>(saved)` a subscription starts from the
 * snapshot and `state.snapshot()` hands out the current one between frames; restoring then
 * continuing gives the readings of one uninterrupted run.
 *
 * ```ts
 * import { loudness } from 'midstream'
 * frames$.pipe(loudness()).subscribe(r => console.log(`${r.timeMs} ms: M ${r.momentary} S ${r.shortTerm} I ${r.integrated}`))
 * ```
 * @see LoudnessMeter, the kernel; audioLevel for plain RMS and peak.
 */
export function loudness(options?: LoudnessOptions): OperatorFunction<MediaFrame, LoudnessReading> {
  const o = checkOptions(FN, options, ['weights', 'state'])
  const state = checkStateOption<LoudnessSnapshot>(FN, o.state)
  const weights = o.weights
  if (weights !== undefined) {
    if (!Array.isArray(weights) || weights.length === 0)
      throw new TypeError(`${FN}: weights must be a non-empty array of numbers, got ${describeValue(weights)}`)
    weights.forEach((w, c) => checkNumber(FN, `weights[${c}]`, w, { min: 0 }))
  }
  return source =>
    new Observable<LoudnessReading>(subscriber => {
      let meter: LoudnessMeter | null = null
      const capture = (): LoudnessSnapshot => ({ kind: FN, version: 1, meter: meter?.snapshot() ?? null })
      const restore = (snapshot: LoudnessSnapshot): void => {
        const s = checkSnapshot<LoudnessSnapshot>(FN, snapshot, FN, 1)
        if (s.meter === null) return
        const restored = LoudnessMeter.fromSnapshot(s.meter)
        if (weights !== undefined && restored.weights.some((w, c) => !Object.is(w, weights[c])))
          throw new SnapshotError(
            `${FN}: the snapshot was taken with weights ${JSON.stringify(restored.weights)}, this operator has ${JSON.stringify(weights)}`,
          )
        meter = restored
      }
      if (!attachState(FN, state, subscriber, restore, capture)) return
      return subscribeLinked(subscriber, source, {
        next(frame) {
          const problem = invalidAudioFrame(frame, meter)
          if (problem !== null) return subscriber.error(new TypeError(`${FN}: ${problem}`))
          if (frame.kind !== 'audio') return
          if (meter === null) {
            try {
              meter = new LoudnessMeter({ sampleRate: frame.sampleRate, channels: frame.channels, weights })
            } catch (error) {
              return subscriber.error(new RangeError(`${FN}: ${(error as Error).message}`))
            }
          }
          // the meter takes the whole frame before anything is emitted, so that a snapshot taken
          // downstream during the emissions is the state after the frame
          for (const reading of measure(meter, frame)) if (!subscriber.closed) subscriber.next(reading)
        },
        error: error => subscriber.error(error),
        complete: () => subscriber.complete(),
      })
    })
}

const FN = 'loudness'

/** Feeds one frame to the meter; the readings at the step boundaries in it. */
function measure(meter: LoudnessMeter, frame: AudioFrame): LoudnessReading[] {
  const { samples, channels, sampleRate, ptsMs } = frame
  const readings: LoudnessReading[] = []
  let at = 0
  while (at < samples.length) {
    at = meter.process(samples, at)
    if (!meter.stepped) continue
    readings.push({
      step: meter.steps - 1,
      timeMs: ptsMs + ((at / channels) * 1000) / sampleRate,
      momentary: meter.momentary,
      shortTerm: meter.shortTerm,
      integrated: meter.integrated,
      range: meter.range,
    })
  }
  return readings
}
