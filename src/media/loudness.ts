/**
 * Loudness after ITU-R BS.1770-4 and EBU R 128: K-weighting, momentary (400 ms), short-term (3 s) and
 * integrated loudness with gating, and the loudness range of EBU Tech 3342.
 * @module
 */
import { describeValue } from '../errors'
import { snapshotFloats, snapshotInteger } from '../learn/snapshotFields'
import { checkSnapshot, encodeFloat64, SnapshotError, type SnapshotHeader } from '../snapshot'
import { checkInteger, checkNumber } from '../validate'

/** The coefficients of one biquad, `a0` normalised to 1: y = b0 x + b1 x[-1] + b2 x[-2] - a1 y[-1] - a2 y[-2]. */
export interface Biquad {
  /** Feed-forward coefficient of x[n]. */
  readonly b0: number
  /** Feed-forward coefficient of x[n-1]. */
  readonly b1: number
  /** Feed-forward coefficient of x[n-2]. */
  readonly b2: number
  /** Feedback coefficient of y[n-1]. */
  readonly a1: number
  /** Feedback coefficient of y[n-2]. */
  readonly a2: number
}

/** The two stages of BS.1770's K-weighting at one sample rate. */
export interface KWeighting {
  /** Stage 1: the high shelf (about +4 dB above 1.5 kHz) modelling the head. */
  readonly shelf: Biquad
  /** Stage 2: the RLB high-pass (about 38 Hz). */
  readonly highPass: Biquad
}

/**
 * The K-weighting filter of ITU-R BS.1770-4 at any sample rate, derived from its analog prototype
 * by the bilinear transform with pre-warping, as libebur128 does (BS.1770 itself tabulates only
 * 48 kHz; at 48 kHz these agree with its table to 1e-8).
 *
 * @param sampleRate - samples per second, an integer >= 8000.
 *
 * ```ts
 * const { shelf, highPass } = kWeighting(48000) // shelf.b0 = 1.53512485958697, highPass.a1 = -1.99004745483398
 * ```
 *
 * References: ITU-R BS.1770-4 (2015), Annex 1, Tables 1 and 2; libebur128 (J. Holzinger), `ebur128_init_filter`.
 */
export function kWeighting(sampleRate: number): KWeighting {
  checkInteger('kWeighting', 'sampleRate', sampleRate, { min: 8000 })
  // the shelf: centre frequency, gain (dB) and Q of the analog prototype
  let f0 = 1681.974450955533
  const gain = 3.999843853973347
  let q = 0.7071752369554196
  let k = Math.tan((Math.PI * f0) / sampleRate)
  const vh = 10 ** (gain / 20)
  const vb = vh ** 0.4996667741545416
  let a0 = 1 + k / q + k * k
  const shelf: Biquad = {
    b0: (vh + (vb * k) / q + k * k) / a0,
    b1: (2 * (k * k - vh)) / a0,
    b2: (vh - (vb * k) / q + k * k) / a0,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / q + k * k) / a0,
  }
  // the RLB high-pass: numerator 1, -2, 1 as in BS.1770's table
  f0 = 38.13547087602444
  q = 0.5003270373238773
  k = Math.tan((Math.PI * f0) / sampleRate)
  a0 = 1 + k / q + k * k
  const highPass: Biquad = { b0: 1, b1: -2, b2: 1, a1: (2 * (k * k - 1)) / a0, a2: (1 - k / q + k * k) / a0 }
  return { shelf, highPass }
}

/**
 * BS.1770's channel weights for `channels` channels in the usual orders: mono `[1]`, stereo `[1, 1]`,
 * 5.0 (L R C Ls Rs) `[1, 1, 1, 1.41, 1.41]`, 5.1 (L R C LFE Ls Rs, ffmpeg's order) `[1, 1, 1, 0, 1.41, 1.41]`;
 * other counts have no default (give `weights`).
 *
 * ```ts
 * loudnessChannelWeights(6) // [1, 1, 1, 0, 1.41, 1.41]: the LFE does not count
 * ```
 */
export function loudnessChannelWeights(channels: number): number[] {
  const weights = DEFAULT_WEIGHTS[channels]
  if (weights === undefined)
    throw new RangeError(
      `loudnessChannelWeights: no default weights for ${describeValue(channels)} channels (1, 2, 3, 5 or 6); give weights`,
    )
  return [...weights]
}

const DEFAULT_WEIGHTS: Record<number, readonly number[]> = {
  1: [1],
  2: [1, 1],
  3: [1, 1, 1],
  5: [1, 1, 1, 1.41, 1.41],
  6: [1, 1, 1, 0, 1.41, 1.41],
}

/** Options of `LoudnessMeter`. */
export interface LoudnessMeterOptions {
  /** Samples per second per channel, an integer >= 8000. */
  readonly sampleRate: number
  /** Interleaved channels, 1..64. */
  readonly channels: number
  /** Weight per channel (>= 0; 0 leaves a channel out). Default: `loudnessChannelWeights(channels)`. */
  readonly weights?: readonly number[]
}

/** `LoudnessMeter.snapshot()`: options, filter states, the step's partial sums, the block ring, both histograms. */
export interface LoudnessMeterSnapshot extends SnapshotHeader {
  /** Always `'LoudnessMeter'`. */
  readonly kind: 'LoudnessMeter'
  /** The layout's version (1). */
  readonly version: number
  /** Samples per second per channel. */
  readonly sampleRate: number
  /** Interleaved channels. */
  readonly channels: number
  /** Weight per channel. */
  readonly weights: readonly number[]
  /** Steps completed (100 ms each). */
  readonly steps: number
  /** Samples (per channel) into the current step. */
  readonly inStep: number
  /** Filter states (4 per channel), then each channel's energy in the current step, base64 float64. */
  readonly filters: string
  /** The last 30 steps' weighted energies, oldest first, base64 float64. */
  readonly ring: string
  /** Non-empty bins of the gating histogram: [bin, count] pairs, and their energy sums (base64). */
  readonly blockBins: readonly number[]
  /** The energy sum of each of those bins, base64 float64. */
  readonly blockEnergies: string
  /** Likewise for the short-term (LRA) histogram. */
  readonly shortBins: readonly number[]
  /** The energy sum of each of those bins, base64 float64. */
  readonly shortEnergies: string
}

/** Loudness histograms: bins of 0.01 LU from -70 to +20 LUFS. */
const HIST_MIN = -70
const HIST_GRAIN = 100
const HIST_SIZE = 90 * HIST_GRAIN + 1
const RING = 30 // steps in the short-term window (3 s)
const MOMENTARY_STEPS = 4 // steps in the momentary window (400 ms)
const SNAPSHOT_VERSION = 1

/** L = -0.691 + 10 log10(z), the BS.1770 loudness of a weighted mean square. */
export function loudnessOf(meanSquare: number): number {
  return -0.691 + 10 * Math.log10(meanSquare)
}

/** Gated blocks binned by loudness, with exact energy sums per bin (only the gate's position is binned). */
class GateHistogram {
  readonly counts = new Float64Array(HIST_SIZE)
  readonly energies = new Float64Array(HIST_SIZE)
  total = 0
  count = 0

  add(energy: number, loudness: number): void {
    const bin = binOf(loudness)
    this.counts[bin]++
    this.energies[bin] += energy
    this.total += energy
    this.count++
  }

  /** The first bin at or above `relative` LU from the mean energy of all blocks. */
  gateBin(relative: number): number {
    return binOf(loudnessOf(this.total / this.count) + relative)
  }

  encode(): { bins: number[]; energies: string } {
    const bins: number[] = []
    const energies: number[] = []
    for (let i = 0; i < HIST_SIZE; i++) {
      if (this.counts[i] === 0) continue
      bins.push(i, this.counts[i])
      energies.push(this.energies[i])
    }
    return { bins, energies: encodeFloat64(energies) }
  }

  decode(fn: string, field: string, bins: unknown, text: unknown): void {
    if (!Array.isArray(bins) || bins.length % 2 !== 0)
      throw new SnapshotError(`${fn}: ${field} must be an array of [bin, count] pairs, got ${describeValue(bins)}`)
    const energies = snapshotFloats(fn, `${field} energies`, text, bins.length / 2)
    for (let k = 0; k < bins.length; k += 2) {
      const bin = snapshotInteger(fn, `${field}[${k}]`, bins[k], 0, HIST_SIZE - 1)
      const count = snapshotInteger(fn, `${field}[${k + 1}]`, bins[k + 1], 1, Number.MAX_SAFE_INTEGER)
      this.counts[bin] = count
      this.energies[bin] = energies[k / 2]
      this.count += count
      this.total += energies[k / 2]
    }
  }
}

function binOf(loudness: number): number {
  const bin = Math.floor((loudness - HIST_MIN) * HIST_GRAIN)
  return bin < 0 ? 0 : bin >= HIST_SIZE ? HIST_SIZE - 1 : bin
}

/**
 * An EBU R 128 loudness meter (ITU-R BS.1770-4, EBU Tech 3341 and 3342) over interleaved PCM, fed in
 * blocks of any length. Every 100 ms of audio (a step: `sampleRate / 10` samples, rounded per step
 * when that is not an integer) it has new readings:
 * - `momentary`: loudness of the last 400 ms (LUFS), `null` before 400 ms have been seen;
 * - `shortTerm`: of the last 3 s, `null` before 3 s;
 * - `integrated`: of everything so far, gated: 400 ms blocks every 100 ms (75 % overlap), those above
 *   -70 LUFS (absolute gate), then those above the relative gate 10 LU under their mean; `null` until a
 *   block passes the absolute gate;
 * - `range`: the loudness range (LRA, EBU Tech 3342): short-term values every 100 ms, gated at -70
 *   LUFS and 20 LU under their mean, 95th minus 10th percentile (nearest rank: the value of rank
 *   round(p n), as ffmpeg's `ebur128` takes it; libebur128 takes rank round(p (n - 1)) + 1, which
 *   differs by one value while the values are few); `null` until one short-term value passes.
 * Silence reads `-Infinity` (BS.1770's logarithm of zero).
 *
 * Cost: the two biquads per channel per sample (transposed direct form II, float64), nothing
 * allocated. Windows are sums of 100 ms step energies (a ring of 30), so momentary and short-term
 * cost O(1) per step. Integrated loudness and LRA keep histograms of block loudness in 0.01 LU bins
 * from -70 to +20 LUFS with the exact energy sum of each bin (as ffmpeg's `ebur128` and
 * libebur128's histogram mode do): memory stays constant however long the stream, which a live
 * meter needs, and only the relative gate's position is quantised (to 0.01 LU); the LRA percentiles
 * are bin centres.
 *
 * @param options - `sampleRate`, `channels`, optional `weights` (see `loudnessChannelWeights`).
 *
 * ```ts
 * const meter = new LoudnessMeter({ sampleRate: 48000, channels: 2 })
 * let at = 0
 * while (at < samples.length) {
 *   at = meter.process(samples, at) // up to the next step boundary
 *   if (meter.stepped) console.log(meter.momentary, meter.shortTerm, meter.integrated, meter.range)
 * }
 * ```
 *
 * References: ITU-R BS.1770-4 (2015); EBU R 128 (2020); EBU Tech 3341 (2016, meters, test signals);
 * EBU Tech 3342 (2016, loudness range).
 */
export class LoudnessMeter {
  /** Samples per second per channel. */
  readonly sampleRate: number
  /** Interleaved channels. */
  readonly channels: number
  /** Weight per channel (BS.1770's G). */
  readonly weights: readonly number[]
  /** True when the last `process` call ended on a step boundary (new readings). */
  stepped = false
  /** Steps completed so far. */
  steps = 0
  private inStep = 0
  private stepLength: number
  /** Per channel: the current step's sum of squared K-weighted samples. */
  private readonly stepEnergy: Float64Array
  private readonly w: Float64Array
  private readonly coef: Float64Array
  /** Per channel: shelf s1, s2, high-pass s1, s2. */
  private readonly state: Float64Array
  private readonly ring = new Float64Array(RING)
  private readonly ringLength = new Float64Array(RING)
  private readonly blocks = new GateHistogram()
  private readonly shorts = new GateHistogram()

  constructor(options: LoudnessMeterOptions) {
    const fn = 'LoudnessMeter'
    if (options === null || typeof options !== 'object')
      throw new TypeError(`${fn}: options must be an object, got ${describeValue(options)}`)
    this.sampleRate = checkInteger(fn, 'sampleRate', options.sampleRate, { min: 8000 })
    this.channels = checkInteger(fn, 'channels', options.channels, { min: 1, max: 64 })
    this.weights = checkWeights(fn, options.weights, this.channels)
    this.w = Float64Array.from(this.weights)
    const { shelf, highPass } = kWeighting(this.sampleRate)
    this.coef = Float64Array.of(shelf.b0, shelf.b1, shelf.b2, shelf.a1, shelf.a2, highPass.a1, highPass.a2)
    this.state = new Float64Array(4 * this.channels)
    this.stepEnergy = new Float64Array(this.channels)
    this.stepLength = this.lengthOfStep(0)
  }

  /** Samples per channel in step `step`: boundaries at round((step + 1) * sampleRate / 10). */
  private lengthOfStep(step: number): number {
    return Math.round(((step + 1) * this.sampleRate) / 10) - Math.round((step * this.sampleRate) / 10)
  }

  /**
   * Takes interleaved samples from index `start` (a multiple of `channels`) up to the end of
   * `samples` or the next step boundary, whichever comes first, and returns the index where it
   * stopped. `stepped` then says whether a step ended there (read the new values).
   */
  process(samples: ArrayLike<number>, start = 0): number {
    const ch = this.channels
    const frames = Math.floor((samples.length - start) / ch)
    const take = Math.min(frames, this.stepLength - this.inStep)
    const [b0, b1, b2, a1, a2, c1, c2] = this.coef
    const { state, w, stepEnergy } = this
    for (let c = 0; c < ch; c++) {
      const weight = w[c]
      if (weight === 0) continue
      const o = 4 * c
      let s1 = state[o]
      let s2 = state[o + 1]
      let t1 = state[o + 2]
      let t2 = state[o + 3]
      let sum = stepEnergy[c]
      for (let i = start + c, n = 0; n < take; n++, i += ch) {
        const x = samples[i]
        const y = b0 * x + s1
        s1 = b1 * x - a1 * y + s2
        s2 = b2 * x - a2 * y
        const z = y + t1
        t1 = -2 * y - c1 * z + t2
        t2 = y - c2 * z
        sum += z * z
      }
      state[o] = s1
      state[o + 1] = s2
      state[o + 2] = t1
      state[o + 3] = t2
      stepEnergy[c] = sum
    }
    this.inStep += take
    this.stepped = this.inStep === this.stepLength
    if (this.stepped) this.endStep()
    return start + take * ch
  }

  /** Feeds a whole block, ignoring step boundaries (for a total only: read `integrated` / `range` after). */
  push(samples: ArrayLike<number>): void {
    let at = 0
    while (at < samples.length - this.channels + 1) at = this.process(samples, at)
  }

  private endStep(): void {
    const slot = this.steps % RING
    let energy = 0
    for (let c = 0; c < this.channels; c++) energy += this.w[c] * this.stepEnergy[c]
    this.ring[slot] = energy
    this.stepEnergy.fill(0)
    this.ringLength[slot] = this.stepLength
    this.steps++
    this.inStep = 0
    this.stepLength = this.lengthOfStep(this.steps)
    const m = this.windowMeanSquare(MOMENTARY_STEPS)
    if (m >= 0) {
      const l = loudnessOf(m)
      if (l > HIST_MIN) this.blocks.add(m, l)
    }
    const s = this.windowMeanSquare(RING)
    if (s >= 0) {
      const l = loudnessOf(s)
      if (l > HIST_MIN) this.shorts.add(s, l)
    }
  }

  /** The weighted mean square of the last `n` steps, or -1 before `n` steps. */
  private windowMeanSquare(n: number): number {
    if (this.steps < n) return -1
    let energy = 0
    let length = 0
    for (let k = 1; k <= n; k++) {
      const slot = (this.steps - k) % RING
      energy += this.ring[slot]
      length += this.ringLength[slot]
    }
    return energy / length
  }

  /** Momentary loudness (LUFS) at the last step: the last 400 ms; `null` before 400 ms. */
  get momentary(): number | null {
    const m = this.windowMeanSquare(MOMENTARY_STEPS)
    return m < 0 ? null : loudnessOf(m)
  }

  /** Short-term loudness (LUFS) at the last step: the last 3 s; `null` before 3 s. */
  get shortTerm(): number | null {
    const s = this.windowMeanSquare(RING)
    return s < 0 ? null : loudnessOf(s)
  }

  /** Integrated (gated) loudness so far (LUFS); `null` while no block has passed the absolute gate. */
  get integrated(): number | null {
    const h = this.blocks
    if (h.count === 0) return null
    let energy = 0
    let count = 0
    for (let i = h.gateBin(-10); i < HIST_SIZE; i++) {
      energy += h.energies[i]
      count += h.counts[i]
    }
    return loudnessOf(energy / count)
  }

  /** Loudness range so far (LU, EBU Tech 3342); `null` while no short-term value has passed the absolute gate. */
  get range(): number | null {
    const h = this.shorts
    if (h.count === 0) return null
    const gate = h.gateBin(-20)
    let n = 0
    for (let i = gate; i < HIST_SIZE; i++) n += h.counts[i]
    // nearest rank round(p n) (1-based, at least 1), as ffmpeg's ebur128 ranks them
    const low = this.percentileBin(gate, Math.max(1, Math.floor(0.1 * n + 0.5)) - 1)
    const high = this.percentileBin(gate, Math.max(1, Math.floor(0.95 * n + 0.5)) - 1)
    return (high - low) / HIST_GRAIN
  }

  /** The bin holding the value of rank `rank` (0-based, ascending) among the short-term values from bin `gate` up. */
  private percentileBin(gate: number, rank: number): number {
    let seen = 0
    for (let i = gate; i < HIST_SIZE; i++) {
      seen += this.shorts.counts[i]
      if (seen > rank) return i
    }
    return HIST_SIZE - 1
  }

  /**
   * The meter's state as a JSON-safe object; `LoudnessMeter.fromSnapshot` rebuilds it and the
   * rebuilt meter continues exactly (bit for bit) as this one would.
   *
   * ```ts
   * const again = LoudnessMeter.fromSnapshot(JSON.parse(JSON.stringify(meter.snapshot())))
   * ```
   */
  snapshot(): LoudnessMeterSnapshot {
    const order = (values: Float64Array): number[] => {
      const out: number[] = []
      for (let k = Math.min(this.steps, RING); k >= 1; k--) out.push(values[(this.steps - k) % RING])
      return out
    }
    const blocks = this.blocks.encode()
    const shorts = this.shorts.encode()
    return {
      kind: 'LoudnessMeter',
      version: SNAPSHOT_VERSION,
      sampleRate: this.sampleRate,
      channels: this.channels,
      weights: [...this.weights],
      steps: this.steps,
      inStep: this.inStep,
      filters: encodeFloat64([...this.state, ...this.stepEnergy]),
      ring: encodeFloat64(order(this.ring)),
      blockBins: blocks.bins,
      blockEnergies: blocks.energies,
      shortBins: shorts.bins,
      shortEnergies: shorts.energies,
    }
  }

  /**
   * A meter in the state `snapshot` describes (from `snapshot()`, possibly through JSON); another
   * kind or version, or a damaged field, is a `SnapshotError` naming it.
   *
   * ```ts
   * const meter = LoudnessMeter.fromSnapshot(JSON.parse(saved))
   * ```
   */
  static fromSnapshot(snapshot: LoudnessMeterSnapshot): LoudnessMeter {
    const fn = 'LoudnessMeter.fromSnapshot'
    const s = checkSnapshot<LoudnessMeterSnapshot>(fn, snapshot, 'LoudnessMeter', SNAPSHOT_VERSION)
    let meter: LoudnessMeter
    try {
      meter = new LoudnessMeter({ sampleRate: s.sampleRate, channels: s.channels, weights: s.weights })
    } catch (error) {
      throw new SnapshotError(`${fn}: ${(error as Error).message}`)
    }
    meter.steps = snapshotInteger(fn, 'steps', s.steps, 0, Number.MAX_SAFE_INTEGER)
    meter.stepLength = meter.lengthOfStep(meter.steps)
    meter.inStep = snapshotInteger(fn, 'inStep', s.inStep, 0, meter.stepLength - 1)
    const filters = snapshotFloats(fn, 'filters', s.filters, 5 * meter.channels)
    meter.state.set(filters.subarray(0, 4 * meter.channels))
    meter.stepEnergy.set(filters.subarray(4 * meter.channels))
    const held = Math.min(meter.steps, RING)
    const ring = snapshotFloats(fn, 'ring', s.ring, held)
    for (let k = held; k >= 1; k--) {
      const step = meter.steps - k
      meter.ring[step % RING] = ring[held - k]
      meter.ringLength[step % RING] = meter.lengthOfStep(step)
    }
    meter.blocks.decode(fn, 'blockBins', s.blockBins, s.blockEnergies)
    meter.shorts.decode(fn, 'shortBins', s.shortBins, s.shortEnergies)
    return meter
  }
}

function checkWeights(fn: string, weights: unknown, channels: number): readonly number[] {
  if (weights === undefined) {
    if (DEFAULT_WEIGHTS[channels] === undefined)
      throw new RangeError(`${fn}: no default channel weights for ${channels} channels (1, 2, 3, 5 or 6); give weights`)
    return [...DEFAULT_WEIGHTS[channels]]
  }
  if (!Array.isArray(weights) || weights.length !== channels)
    throw new TypeError(
      `${fn}: weights must be an array of ${channels} numbers (one per channel), got ${describeValue(weights)}`,
    )
  weights.forEach((w, k) => checkNumber(fn, `weights[${k}]`, w, { min: 0 }))
  return [...weights]
}
