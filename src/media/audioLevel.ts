/**
 * RMS and peak levels of a block of PCM in dBFS.
 * @module
 */
import { describeValue } from '../errors'

/** Levels of one block: over all channels, and per channel. */
export interface BlockLevels {
  /** RMS over every sample of every channel, dBFS (`-Infinity` for all zeros). */
  readonly rmsDb: number
  /** Largest |sample| over every channel, dBFS (`-Infinity` for all zeros). */
  readonly peakDb: number
  /** RMS of each channel, dBFS. */
  readonly channelRmsDb: number[]
  /** Peak of each channel, dBFS. */
  readonly channelPeakDb: number[]
}

/**
 * The RMS and peak level of a block of interleaved PCM in dBFS, overall and per channel.
 *
 * Convention: 0 dBFS is a sample (peak) or an RMS of 1.0, so `rmsDb = 20 log10(sqrt(mean x^2))` and
 * `peakDb = 20 log10(max |x|)`, as ffmpeg's `astats` reports them. A sine of peak amplitude A reads
 * peak 20 log10(A) and RMS 20 log10(A / sqrt 2), 3.01 dB lower: a sine peaking at -20 dBFS
 * (A = 0.1) reads -23.01 dBFS RMS, and a sine reads -20.0 dBFS RMS when its RMS is 0.1 (A = 0.1 sqrt 2).
 * (AES17's "dBFS RMS", which adds 3.01 dB so that a full-scale sine reads 0, is not used.)
 * All zeros (and an empty block) read `-Infinity`, as `astats` prints `-inf`. The overall RMS is over every sample of every
 * channel (astats' "Overall RMS level"); the overall peak is the largest of the channel peaks.
 *
 * @param samples - interleaved samples, full scale at +-1; a length that is a multiple of `channels`.
 * @param channels - interleaved channels, >= 1.
 *
 * ```ts
 * const sine = Float32Array.from({ length: 480 }, (_, i) => 0.1 * Math.sin((2 * Math.PI * 1000 * i) / 48000))
 * blockLevels(sine, 1) // { rmsDb: -23.01, peakDb: -20, ... }
 * ```
 *
 * References: AES17-2020 (dBFS, and its RMS convention); ffmpeg `astats` (libavfilter/af_astats.c).
 */
export function blockLevels(samples: ArrayLike<number>, channels: number): BlockLevels {
  if (!Number.isInteger(channels) || channels < 1)
    throw new RangeError(`blockLevels: channels must be an integer >= 1, got ${describeValue(channels)}`)
  if (samples.length % channels !== 0)
    throw new RangeError(`blockLevels: ${samples.length} samples are not a whole number of ${channels}-channel frames`)
  const frames = samples.length / channels
  const channelRmsDb = new Array<number>(channels)
  const channelPeakDb = new Array<number>(channels)
  let total = 0
  let peak = 0
  for (let c = 0; c < channels; c++) {
    let sum = 0
    let max = 0
    for (let i = c; i < samples.length; i += channels) {
      const x = samples[i]
      sum += x * x
      const a = x < 0 ? -x : x
      if (a > max) max = a
    }
    total += sum
    if (max > peak) peak = max
    channelRmsDb[c] = decibels(frames === 0 ? 0 : Math.sqrt(sum / frames))
    channelPeakDb[c] = decibels(max)
  }
  return {
    rmsDb: decibels(frames === 0 ? 0 : Math.sqrt(total / samples.length)),
    peakDb: decibels(peak),
    channelRmsDb,
    channelPeakDb,
  }
}

/** 20 log10(amplitude): `-Infinity` for 0 (and for an empty block). */
function decibels(amplitude: number): number {
  return 20 * Math.log10(amplitude)
}
