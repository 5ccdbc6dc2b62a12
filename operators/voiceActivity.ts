import { Observable, type OperatorFunction } from 'rxjs'
import { describeValue } from '../src/errors'
import type { MediaFrame } from '../src/media/frames'
import {
  VAD_OPTIONS,
  VoiceActivityDetector,
  type VoiceActivityOptions,
  type VoiceActivitySnapshot,
} from '../src/media/voiceActivity'
import { checkSnapshot, SnapshotError, type SnapshotHeader } from '../src/snapshot'
import { checkOptions } from '../src/validate'
import { attachState, checkStateOption } from './internal/attachState'
import { subscribeLinked } from './internal/subscribeLinked'
import type { OperatorState } from './state'

/** Options of `voiceActivity`: the detector's, but for `sampleRate` (taken from the frames), and `state`. */
export interface VoiceActivityOperatorOptions extends Omit<VoiceActivityOptions, 'sampleRate'> {
  /** A handle from `operatorState()` that starts the detector from a snapshot and hands out its current one. */
  readonly state?: OperatorState<VoiceActivityOperatorSnapshot>
}

/** One audio frame's verdict. */
export interface VoiceActivityEvent {
  /** The audio frame's `index`. */
  readonly index: number
  /** The audio frame's `ptsMs`. */
  readonly ptsMs: number
  /** The frame's duration, ms. */
  readonly durationMs: number
  /** Speech is on after this frame (hangover included). */
  readonly speech: boolean
  /** This frame alone is voiced: loud over the noise floor and not flat. */
  readonly voiced: boolean
  /** `'onset'` on the frame that starts speech, `'offset'` on the one that ends it (hangover run out), else null. */
  readonly transition: 'onset' | 'offset' | null
  /** With a transition: where the speech began (onset) or ended (offset), ms in the frames' time; else null. */
  readonly edgeMs: number | null
  /** The frame's energy, dBFS (mean square). */
  readonly energyDb: number
  /** The noise floor after the frame, dBFS. */
  readonly noiseFloorDb: number
  /** The frame's spectral flatness, dB (150 Hz .. 4 kHz). */
  readonly flatnessDb: number
}

/** `voiceActivity`'s snapshot: the detector (null before the first audio frame). */
export interface VoiceActivityOperatorSnapshot extends SnapshotHeader {
  /** Always `'voiceActivity'`. */
  readonly kind: 'voiceActivity'
  /** The layout's version (1). */
  readonly version: number
  /** The detector's state, or null when no audio frame had arrived. */
  readonly detector: VoiceActivitySnapshot | null
}

const FN = 'voiceActivity'
const SNAPSHOT_VERSION = 1
const OPTIONS = [...VAD_OPTIONS.filter(name => name !== 'sampleRate'), 'state']

/**
 * Voice activity per audio frame: speech or not, with onset and offset transitions, from a
 * `VoiceActivityDetector` (short-time energy over an adaptive noise floor, spectral flatness,
 * hangover; see there for the options). The sample rate comes from the first audio frame.
 *
 * Emits: one `VoiceActivityEvent` per `AudioFrame`, in order; video frames are ignored (no event).
 * The onset's `edgeMs` may lie before the frame that reports it (an unvoiced start, at most
 * `lookbackMs` back); the offset is reported `hangoverMs` after the speech's end, with `edgeMs` at
 * that end. Onsets are as precise as the frames are short: 10 or 20 ms frames are the usual choice.
 * Completes when the source completes (speech still on then gets no offset); source errors pass through.
 * Bad input: an element that is not a `MediaFrame`, an audio frame whose samples are not a
 * `Float32Array` of whole multi-channel samples, a non-finite sample, or a sample rate other than
 * the first frame's errors the stream with a `TypeError`/`RangeError` naming the frame's index. Bad
 * options throw at call time.
 *
 * Checkpoints: with `state: operatorState()` the detector starts from the handle's snapshot and
 * `state.snapshot()` hands out its current state; restoring and continuing gives the events of an
 * uninterrupted run.
 *
 * ```ts
 * mediaSource('rtmp://127.0.0.1/live/call', { audio: { sampleRate: 16000, channels: 1, frameMs: 20 }, video: false })
 *   .pipe(voiceActivity({ hangoverMs: 300 }), filter((e) => e.transition !== null))
 *   .subscribe((e) => console.log(e.transition, e.edgeMs))
 * ```
 * @see VoiceActivityDetector, the kernel.
 */
export function voiceActivity(
  options: VoiceActivityOperatorOptions = {},
): OperatorFunction<MediaFrame, VoiceActivityEvent> {
  const o = checkOptions(FN, options, OPTIONS)
  const { state: _state, ...detectorOptions } = o
  const state = checkStateOption<VoiceActivityOperatorSnapshot>(FN, o.state)
  // the options are checked now (with any valid rate: the frames bring the real one), so that bad ones throw at call time
  try {
    new VoiceActivityDetector({ ...detectorOptions, sampleRate: 16000 })
  } catch (error) {
    throw renamed(error)
  }
  return source =>
    new Observable<VoiceActivityEvent>(subscriber => {
      let detector: VoiceActivityDetector | null = null
      const capture = (): VoiceActivityOperatorSnapshot => ({
        kind: FN,
        version: SNAPSHOT_VERSION,
        detector: detector === null ? null : detector.snapshot(),
      })
      const restore = (snapshot: VoiceActivityOperatorSnapshot): void => {
        const s = checkSnapshot<VoiceActivityOperatorSnapshot>(FN, snapshot, FN, SNAPSHOT_VERSION)
        detector = s.detector === null ? null : restoreDetector(s.detector, detectorOptions)
      }
      if (!attachState(FN, state, subscriber, restore, capture)) return
      return subscribeLinked(subscriber, source, {
        next(frame) {
          let event: VoiceActivityEvent
          try {
            if (!isAudio(frame)) return
            detector ??= new VoiceActivityDetector({ ...detectorOptions, sampleRate: frame.sampleRate })
            event = analyse(detector, frame)
          } catch (error) {
            subscriber.error(error)
            return
          }
          subscriber.next(event)
        },
        error: error => subscriber.error(error),
        complete: () => subscriber.complete(),
      })
    })
}

/** The kernel's option error, of the same type, as this operator's. */
function renamed(error: unknown): unknown {
  if (!(error instanceof Error)) return error
  const message = error.message.replace(/^VoiceActivityDetector: /, `${FN}: `)
  return error instanceof RangeError
    ? new RangeError(message)
    : error instanceof TypeError
      ? new TypeError(message)
      : error
}

/** True for an audio frame, false for a video frame; a `TypeError` for anything else. */
function isAudio(frame: unknown): frame is MediaFrame & { kind: 'audio' } {
  const kind = frame !== null && typeof frame === 'object' ? (frame as { kind?: unknown }).kind : undefined
  if (kind === 'video') return false
  if (kind !== 'audio') throw new TypeError(`${FN}: expected a MediaFrame, got ${describeValue(frame)}`)
  return true
}

/** Pushes one audio frame through the detector and describes the result. */
function analyse(detector: VoiceActivityDetector, frame: MediaFrame & { kind: 'audio' }): VoiceActivityEvent {
  const { index, ptsMs, sampleRate, channels, samples } = frame
  if (!(samples instanceof Float32Array))
    throw new TypeError(`${FN}: audio frame #${index} has samples ${describeValue(samples)}, not a Float32Array`)
  if (sampleRate !== detector.sampleRate)
    throw new RangeError(
      `${FN}: audio frame #${index} has sampleRate ${describeValue(sampleRate)}, the stream started at ${detector.sampleRate}`,
    )
  if (typeof ptsMs !== 'number' || !Number.isFinite(ptsMs))
    throw new TypeError(`${FN}: audio frame #${index} has ptsMs ${describeValue(ptsMs)}, not a finite number`)
  const start = detector.samplesSeen
  let transition: 'onset' | 'offset' | null
  try {
    transition = detector.push(samples, channels)
  } catch (error) {
    throw new RangeError(`${FN}: audio frame #${index}: ${(error as Error).message}`, { cause: error })
  }
  const msPerSample = 1000 / sampleRate
  const edge = transition === 'onset' ? detector.onsetSample : transition === 'offset' ? detector.offsetSample : -1
  return {
    index,
    ptsMs,
    durationMs: (detector.samplesSeen - start) * msPerSample,
    speech: detector.speech,
    voiced: detector.voiced,
    transition,
    edgeMs: transition === null ? null : ptsMs + (edge - start) * msPerSample,
    energyDb: detector.energyDb,
    noiseFloorDb: detector.noiseFloorDb,
    flatnessDb: detector.spectralFlatnessDb,
  }
}

/** The detector of a snapshot, checked against this operator's options (sample rate aside). */
function restoreDetector(
  saved: VoiceActivitySnapshot,
  options: Omit<VoiceActivityOptions, 'sampleRate'>,
): VoiceActivityDetector {
  const detector = VoiceActivityDetector.fromSnapshot(saved)
  const mine = new VoiceActivityDetector({ ...options, sampleRate: detector.sampleRate }).snapshot().options
  for (const [key, value] of Object.entries(mine)) {
    const theirs = (saved.options as unknown as Record<string, unknown>)[key]
    if (!Object.is(theirs, value))
      throw new SnapshotError(
        `${FN}: the snapshot was taken with ${key} ${describeValue(theirs)}, this operator has ${describeValue(value)}`,
      )
  }
  return detector
}
