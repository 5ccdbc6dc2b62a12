/** Test helpers: audio frames cut from a PCM signal, and small generated signals. */
import type { AudioFrame } from '../../src/media/frames'

/** `samples` (interleaved) cut into frames of `frameMs` (the last may be shorter), as mediaSource emits them. */
export function framesOf(samples: Float32Array, sampleRate: number, channels: number, frameMs: number): AudioFrame[] {
  const per = Math.round((frameMs * sampleRate) / 1000) * channels
  return cutAt(samples, sampleRate, channels, (_, at) => at + per)
}

/** `samples` cut at the interleaved offsets `next(k, at)` returns (whole channel frames). */
export function cutAt(
  samples: Float32Array,
  sampleRate: number,
  channels: number,
  next: (k: number, at: number) => number,
): AudioFrame[] {
  const frames: AudioFrame[] = []
  for (let at = 0, k = 0; at < samples.length; k++) {
    const end = Math.min(samples.length, Math.max(at + channels, next(k, at)))
    frames.push({
      kind: 'audio',
      index: k,
      ptsMs: ((at / channels) * 1000) / sampleRate,
      sampleRate,
      channels,
      samples: samples.slice(at, end),
    })
    at = end
  }
  return frames
}

/** A sine of `amplitude` (peak) and `hz`, `seconds` long, mono. */
export function sine(amplitude: number, hz: number, sampleRate: number, seconds: number): Float32Array {
  const n = Math.round(sampleRate * seconds)
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate)
  return out
}
