import { describeValue } from '../errors'
import {
  checkSameOptions,
  snapshotBoolean,
  snapshotFloats,
  snapshotInteger,
  snapshotOptions,
} from '../learn/snapshotFields'
import { checkSnapshot, encodeFloat64, type SnapshotHeader } from '../snapshot'
import { Fft } from '../stats/fft'
import { checkNumber, checkOptions } from '../validate'

/** Options of {@link VoiceActivityDetector}; an unknown name is a `TypeError`. */
export interface VoiceActivityOptions {
  /** Samples per second per channel of the audio to come (required, 1000..384000). */
  sampleRate: number
  /** A frame is loud when its energy is at least this many dB above the noise floor. Default 9. */
  thresholdDb?: number
  /** A loud frame is voiced when its spectral flatness (dB, <= 0) is at most this. Default -8. */
  flatnessDb?: number
  /** Frames quieter than this (dBFS of mean square) are never speech, whatever the floor. Default -55. */
  minEnergyDb?: number
  /** Speech goes on this long (ms) after the last voiced frame (bridges pauses and unvoiced sounds). Default 250. */
  hangoverMs?: number
  /** How far back (ms) an onset may reach over loud, not yet voiced frames (a leading fricative). Default 150. */
  lookbackMs?: number
  /** How fast (dB per second) the noise floor may rise while frames are voiced; it falls at once. Default 1. */
  floorRiseDbPerSecond?: number
  /** Time constant (ms) with which the floor follows frames that are not voiced. Default 400. */
  floorFollowMs?: number
}

/** `VoiceActivityDetector.snapshot()`: the options and the running state, bit for bit. */
export interface VoiceActivitySnapshot extends SnapshotHeader {
  /** Always `'VoiceActivityDetector'`. */
  readonly kind: 'VoiceActivityDetector'
  /** The layout's version (1). */
  readonly version: number
  /** The options, defaults filled in. */
  readonly options: Required<VoiceActivityOptions>
  /** Noise floor (dB), samples seen, end of the last voiced frame, start of the loud run, end of the last loud frame, last onset and offset (samples; -1: none), base64 float64. */
  readonly state: string
  /** Whether the detector is inside speech (hangover included). */
  readonly speech: boolean
  /** Whether a frame has been seen (the floor is set from the first frame). */
  readonly started: boolean
}

/** The option names of `VoiceActivityDetector` (the operator takes the same, less `sampleRate`). @internal */
export const VAD_OPTIONS: readonly string[] = [
  'sampleRate',
  'thresholdDb',
  'flatnessDb',
  'minEnergyDb',
  'hangoverMs',
  'lookbackMs',
  'floorRiseDbPerSecond',
  'floorFollowMs',
]
const VAD_SNAPSHOT_VERSION = 1
/** The band whose spectral flatness is measured (Hz): where voiced speech has its harmonics and formants. */
const BAND_LOW_HZ = 150
const BAND_HIGH_HZ = 4000
/** Added to mean squares and bin powers before the logarithm (-120 dB, below 16-bit quantisation). */
const EPSILON = 1e-12

/**
 * Voice activity detection over PCM frames: short-time energy against an adaptive noise floor,
 * spectral flatness, and a hangover, in the manner of Moattar & Homayounpour (2009), with an onset
 * look-back.
 *
 * Per frame (any length; channels are averaged to mono): the energy `E` is the mean square in dB
 * (dBFS, 0 for a full-scale square wave); the spectral flatness is the ratio of geometric to
 * arithmetic mean of the Hann-windowed power spectrum between 150 Hz and 4 kHz (Gray & Markel 1974),
 * in dB: about -2.5 dB for white noise, far below for voiced speech, whose power sits in harmonics.
 * A frame is **loud** when `E >= floor + thresholdDb` and `E >= minEnergyDb`, and **voiced** when it
 * is loud and its flatness is at most `flatnessDb`. Speech starts at a voiced frame and lasts until
 * `hangoverMs` have passed since the end of the last frame that was voiced, or loud within speech.
 *
 * The noise floor starts at the first frame's energy, drops at once to any quieter frame, follows
 * frames that are not voiced with time constant `floorFollowMs`, and rises by at most
 * `floorRiseDbPerSecond` while frames are voiced, or loud within speech (a minimum-statistics
 * tracker in the spirit of Martin 2001). It therefore assumes the stream opens on background, not
 * on speech; and a background that jumps by more than `thresholdDb` during speech keeps speech on
 * until the floor has caught up (at `floorRiseDbPerSecond`) or a quieter frame drops it.
 *
 * Edges: an onset is dated back to the start of the run of loud frames just before the voiced frame
 * that started speech, at most `lookbackMs` back (a leading "s" or "f" is loud but flat); an offset
 * (decided when the hangover runs out) is dated at the end of the last loud frame. Times are in
 * samples from the first frame; `onsetSample`/`offsetSample` hold them after a `push` that
 * returned a transition. Nothing is allocated per frame once a frame length has been seen.
 *
 * ```ts
 * const vad = new VoiceActivityDetector({ sampleRate: 16000 })
 * for (const frame of frames) { // Float32Array of 320 samples (20 ms) each
 *   if (vad.push(frame) === 'onset') console.log(`speech from ${vad.onsetSample / 16} ms`)
 * }
 * ```
 *
 * References: M. H. Moattar, M. M. Homayounpour, "A simple but efficient real-time voice activity
 * detection algorithm", EUSIPCO 2009. A. Gray, J. Markel, "A spectral-flatness measure for studying
 * the autocorrelation method of linear prediction of speech analysis", IEEE Trans. ASSP 22(3), 1974.
 * R. Martin, "Noise power spectral density estimation based on optimal smoothing and minimum
 * statistics", IEEE Trans. Speech Audio Process. 9(5), 2001.
 */
export class VoiceActivityDetector {
  /** Samples per second per channel. */
  readonly sampleRate: number
  /** Energy above the noise floor (dB) that makes a frame loud. */
  readonly thresholdDb: number
  /** Spectral flatness (dB) at or below which a loud frame is voiced. */
  readonly flatnessDb: number
  /** Energy (dBFS) below which a frame is never speech. */
  readonly minEnergyDb: number
  /** How long (ms) speech goes on after its last voiced frame. */
  readonly hangoverMs: number
  /** How far back (ms) an onset may reach over loud frames. */
  readonly lookbackMs: number
  /** Largest rise of the noise floor during speech, dB per second. */
  readonly floorRiseDbPerSecond: number
  /** Time constant (ms) with which the floor follows frames that are not speech. */
  readonly floorFollowMs: number

  /** Energy of the last frame, dBFS (mean square). */
  energyDb = Number.NEGATIVE_INFINITY
  /** Spectral flatness of the last frame, dB (<= 0). */
  spectralFlatnessDb = 0
  /** The noise floor after the last frame, dBFS. */
  noiseFloorDb = Number.NEGATIVE_INFINITY
  /** Whether the last frame was loud (energy above the floor by `thresholdDb`). */
  loud = false
  /** Whether the last frame was voiced (loud and not flat). */
  voiced = false
  /** Whether speech is on after the last frame (hangover included). */
  speech = false
  /** After an `'onset'`: the sample where the speech began (see the class comment). */
  onsetSample = -1
  /** After an `'offset'`: the sample where the speech ended (end of its last loud frame). */
  offsetSample = -1
  /** Samples (per channel) pushed so far. */
  samplesSeen = 0

  private started = false
  private lastVoicedEnd = -1
  private loudRunStart = -1
  private lastLoudEnd = -1
  private fft: Fft | null = null
  private re = new Float64Array(0)
  private im = new Float64Array(0)
  private window = new Float64Array(0)

  constructor(options: VoiceActivityOptions) {
    const fn = 'VoiceActivityDetector'
    const o = checkOptions(fn, options, VAD_OPTIONS, true)
    this.sampleRate = checkNumber(fn, 'sampleRate', o.sampleRate, { min: 1000, max: 384000 })
    this.thresholdDb = checkNumber(fn, 'thresholdDb', o.thresholdDb ?? 9, { min: 0 })
    this.flatnessDb = checkNumber(fn, 'flatnessDb', o.flatnessDb ?? -8, { max: 0 })
    this.minEnergyDb = checkNumber(fn, 'minEnergyDb', o.minEnergyDb ?? -55, { max: 0 })
    this.hangoverMs = checkNumber(fn, 'hangoverMs', o.hangoverMs ?? 250, { min: 0 })
    this.lookbackMs = checkNumber(fn, 'lookbackMs', o.lookbackMs ?? 150, { min: 0 })
    this.floorRiseDbPerSecond = checkNumber(fn, 'floorRiseDbPerSecond', o.floorRiseDbPerSecond ?? 1, { min: 0 })
    this.floorFollowMs = checkNumber(fn, 'floorFollowMs', o.floorFollowMs ?? 400, { above: 0 })
  }

  /**
   * Analyses the next frame: `channels` interleaved channels of samples in [-1, 1] (a length that
   * is a multiple of `channels`, at least one sample per channel). Returns `'onset'` when speech
   * starts with this frame, `'offset'` when it ended (hangover run out), else `null`; the figures
   * of the frame are left in `energyDb`, `spectralFlatnessDb`, `noiseFloorDb`, `loud`, `voiced`, `speech`.
   */
  push(samples: ArrayLike<number>, channels = 1): 'onset' | 'offset' | null {
    const n = this.frameLength(samples, channels)
    this.measure(samples, channels, n)
    const start = this.samplesSeen
    const end = start + n
    this.samplesSeen = end
    const e = this.energyDb
    if (!this.started) {
      this.started = true
      this.noiseFloorDb = e
    }
    const floor = this.noiseFloorDb
    this.loud = e >= floor + this.thresholdDb && e >= this.minEnergyDb
    this.voiced = this.loud && this.spectralFlatnessDb <= this.flatnessDb
    this.trackFloor(n)
    if (this.loud) {
      if (this.loudRunStart < 0) this.loudRunStart = start
      this.lastLoudEnd = end
    } else this.loudRunStart = -1
    return this.transition(start, end)
  }

  /** Speech on or off after the frame `[start, end)` whose loudness and voicing are set. */
  private transition(start: number, end: number): 'onset' | 'offset' | null {
    if (this.voiced || (this.speech && this.loud)) {
      this.lastVoicedEnd = end
      if (!this.speech) {
        this.speech = true
        const lookback = Math.round((this.lookbackMs * this.sampleRate) / 1000)
        this.onsetSample = Math.max(this.loudRunStart, start - lookback, 0)
        return 'onset'
      }
      return null
    }
    if (this.speech && end - this.lastVoicedEnd >= Math.round((this.hangoverMs * this.sampleRate) / 1000)) {
      this.speech = false
      this.offsetSample = this.lastLoudEnd
      return 'offset'
    }
    return null
  }

  /** Moves the noise floor after a frame of `n` samples (energy and voicing set). */
  private trackFloor(n: number): void {
    const e = this.energyDb
    const floor = this.noiseFloorDb
    const seconds = n / this.sampleRate
    if (e <= floor) this.noiseFloorDb = e
    else if (this.voiced || (this.speech && this.loud))
      this.noiseFloorDb = Math.min(e, floor + this.floorRiseDbPerSecond * seconds)
    else this.noiseFloorDb = floor + (e - floor) * (1 - Math.exp((-1000 * seconds) / this.floorFollowMs))
  }

  /** The frame's length per channel, after checking the arguments. */
  private frameLength(samples: ArrayLike<number>, channels: number): number {
    const fn = 'VoiceActivityDetector.push'
    if (samples === null || typeof samples !== 'object' || typeof samples.length !== 'number')
      throw new TypeError(`${fn}: samples must be an array of numbers, got ${describeValue(samples)}`)
    if (!Number.isInteger(channels) || channels < 1)
      throw new RangeError(`${fn}: channels must be an integer >= 1, got ${describeValue(channels)}`)
    if (samples.length === 0 || samples.length % channels !== 0)
      throw new RangeError(
        `${fn}: a frame needs a positive multiple of ${channels} samples (channels), got ${samples.length}`,
      )
    return samples.length / channels
  }

  /** Sets `energyDb` and `spectralFlatnessDb` of the frame (mono mix of `n` samples per channel). */
  private measure(samples: ArrayLike<number>, channels: number, n: number): void {
    this.prepare(n)
    const { re, im, window } = this
    let sumSquares = 0
    for (let i = 0; i < n; i++) {
      let x = 0
      for (let c = 0; c < channels; c++) x += samples[i * channels + c]
      x /= channels
      if (!Number.isFinite(x))
        throw new RangeError(`VoiceActivityDetector.push: sample ${i} of the frame is ${describeValue(x)}`)
      sumSquares += x * x
      re[i] = x * window[i]
    }
    re.fill(0, n)
    im.fill(0)
    this.energyDb = 10 * Math.log10(sumSquares / n + EPSILON)
    const fft = this.fft as Fft
    fft.forward(re, im)
    const size = fft.size
    const low = Math.max(1, Math.ceil((BAND_LOW_HZ * size) / this.sampleRate))
    const high = Math.min(size >>> 1, Math.floor((BAND_HIGH_HZ * size) / this.sampleRate))
    let logSum = 0
    let sum = 0
    for (let k = low; k <= high; k++) {
      const p = re[k] * re[k] + im[k] * im[k] + EPSILON
      logSum += Math.log(p)
      sum += p
    }
    const bins = high - low + 1
    this.spectralFlatnessDb = bins < 2 ? 0 : (10 / Math.LN10) * (logSum / bins - Math.log(sum / bins))
  }

  /** Buffers for frames of `n` samples: an FFT of the next power of two (at least 256) and a Hann window. */
  private prepare(n: number): void {
    if (this.window.length === n && this.fft !== null) return
    let size = 256
    while (size < n) size *= 2
    this.fft = new Fft(size)
    this.re = new Float64Array(size)
    this.im = new Float64Array(size)
    this.window = new Float64Array(n)
    for (let i = 0; i < n; i++) this.window[i] = n === 1 ? 1 : 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1))
  }

  /**
   * The detector's state as a JSON-safe object; `VoiceActivityDetector.fromSnapshot` rebuilds it,
   * and the rebuilt detector continues exactly as this one would.
   *
   * ```ts
   * const again = VoiceActivityDetector.fromSnapshot(JSON.parse(JSON.stringify(vad.snapshot())))
   * ```
   */
  snapshot(): VoiceActivitySnapshot {
    return {
      kind: 'VoiceActivityDetector',
      version: VAD_SNAPSHOT_VERSION,
      options: this.options(),
      state: encodeFloat64([
        this.noiseFloorDb,
        this.samplesSeen,
        this.lastVoicedEnd,
        this.loudRunStart,
        this.lastLoudEnd,
        this.onsetSample,
        this.offsetSample,
      ]),
      speech: this.speech,
      started: this.started,
    }
  }

  /**
   * A detector in the state `snapshot` describes (from `snapshot()`, possibly through JSON). Another
   * kind or version, or a damaged field, is a `SnapshotError` naming it.
   *
   * ```ts
   * const vad = VoiceActivityDetector.fromSnapshot(JSON.parse(saved))
   * ```
   */
  static fromSnapshot(snapshot: VoiceActivitySnapshot): VoiceActivityDetector {
    const fn = 'VoiceActivityDetector.fromSnapshot'
    const s = checkSnapshot<VoiceActivitySnapshot>(fn, snapshot, 'VoiceActivityDetector', VAD_SNAPSHOT_VERSION)
    const detector = new VoiceActivityDetector(snapshotOptions(fn, s.options) as unknown as VoiceActivityOptions)
    checkSameOptions(fn, 'VoiceActivityDetector', snapshotOptions(fn, s.options), { ...detector.options() })
    const [floor, seen, lastVoicedEnd, loudRunStart, lastLoudEnd, onset, offset] = snapshotFloats(
      fn,
      'state',
      s.state,
      7,
    )
    detector.samplesSeen = snapshotInteger(fn, 'samplesSeen', seen, 0, Number.MAX_SAFE_INTEGER)
    detector.lastVoicedEnd = snapshotInteger(fn, 'lastVoicedEnd', lastVoicedEnd, -1, seen)
    detector.loudRunStart = snapshotInteger(fn, 'loudRunStart', loudRunStart, -1, seen)
    detector.lastLoudEnd = snapshotInteger(fn, 'lastLoudEnd', lastLoudEnd, -1, seen)
    detector.onsetSample = snapshotInteger(fn, 'onsetSample', onset, -1, seen)
    detector.offsetSample = snapshotInteger(fn, 'offsetSample', offset, -1, seen)
    detector.speech = snapshotBoolean(fn, 'speech', s.speech)
    detector.started = snapshotBoolean(fn, 'started', s.started)
    detector.noiseFloorDb = floor
    return detector
  }

  /** The options with defaults filled in. */
  private options(): Required<VoiceActivityOptions> {
    const { sampleRate, thresholdDb, flatnessDb, minEnergyDb, hangoverMs, lookbackMs } = this
    const { floorRiseDbPerSecond, floorFollowMs } = this
    return {
      sampleRate,
      thresholdDb,
      flatnessDb,
      minEnergyDb,
      hangoverMs,
      lookbackMs,
      floorRiseDbPerSecond,
      floorFollowMs,
    }
  }
}
