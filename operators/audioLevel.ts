import { Observable, type OperatorFunction } from 'rxjs'
import { blockLevels } from '../src/media/audioLevel'
import type { AudioFrame, MediaFrame } from '../src/media/frames'
import { checkOptions } from '../src/validate'
import { invalidAudioFrame } from './internal/audioFrames'
import { subscribeLinked } from './internal/subscribeLinked'

/** The level of one channel of a frame. */
export interface ChannelLevel {
  /** RMS of the channel, dBFS. */
  readonly rmsDb: number
  /** Largest |sample| of the channel, dBFS. */
  readonly peakDb: number
}

/** The level of one audio frame. */
export interface AudioLevel {
  /** The frame's `index`. */
  readonly index: number
  /** The frame's `ptsMs`. */
  readonly ptsMs: number
  /** RMS over all samples of all channels, dBFS (1.0 = 0 dBFS; `-Infinity` for digital silence). */
  readonly rmsDb: number
  /** Largest |sample| over all channels, dBFS (`-Infinity` for digital silence). */
  readonly peakDb: number
  /** Per channel, only when the frame has more than one. */
  readonly perChannel?: ReadonlyArray<ChannelLevel>
}

/** Options of `audioLevel` (none yet; an unknown name is a `TypeError`). */
export type AudioLevelOptions = Record<string, never>

/**
 * The RMS and peak level in dBFS of each audio frame (`AudioFrame`s from `mediaSource`, or any).
 *
 * Convention: 0 dBFS is an amplitude (peak) or an RMS of 1.0, as ffmpeg's `astats` reports, so a
 * sine of peak amplitude A reads peak 20 log10 A and RMS 3.01 dB lower: a sine peaking at -20 dBFS
 * (A = 0.1) reads -23.01 dBFS RMS, and a sine whose RMS is 0.1 reads -20.0 dBFS RMS. Digital silence
 * (all zeros) reads `-Infinity` (astats prints `-inf`). The overall RMS is over every sample of every
 * channel; `perChannel` is there when the frame has more than one channel. See `blockLevels`.
 *
 * Emits one `AudioLevel` per audio frame, in order; video frames are ignored. Completes and errors
 * with the source. Bad input: a frame that is not a media frame, an audio frame with a broken shape
 * or a non-finite sample errors the stream with a `TypeError` naming the frame.
 *
 * ```ts
 * import { audioLevel } from 'midstream'
 * import { mediaSource } from 'midstream/media'
 * mediaSource('rtmp://127.0.0.1/live/show', { audio: { sampleRate: 16000, channels: 1, frameMs: 20 } })
 *   .pipe(audioLevel())
 *   .subscribe(({ ptsMs, rmsDb }) => rmsDb < -50 && console.log(`quiet at ${ptsMs} ms`))
 * ```
 * @see blockLevels, the kernel; loudness for perceived loudness (LUFS); silence for silences.
 */
export function audioLevel(options?: AudioLevelOptions): OperatorFunction<MediaFrame, AudioLevel> {
  checkOptions(FN, options, [])
  return source =>
    new Observable<AudioLevel>(subscriber =>
      subscribeLinked(subscriber, source, {
        next(frame) {
          const problem = invalidAudioFrame(frame, null)
          if (problem !== null) {
            subscriber.error(new TypeError(`${FN}: ${problem}`))
            return
          }
          if (frame.kind !== 'audio') return
          subscriber.next(levelOf(frame))
        },
        error: error => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    )
}

const FN = 'audioLevel'

function levelOf(frame: AudioFrame): AudioLevel {
  const levels = blockLevels(frame.samples, frame.channels)
  const level = { index: frame.index, ptsMs: frame.ptsMs, rmsDb: levels.rmsDb, peakDb: levels.peakDb }
  if (frame.channels === 1) return level
  const perChannel = levels.channelRmsDb.map((rmsDb, c) => ({ rmsDb, peakDb: levels.channelPeakDb[c] }))
  return { ...level, perChannel }
}
