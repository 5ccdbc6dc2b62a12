import { describeValue } from '../../src/errors'
import type { AudioFrame } from '../../src/media/frames'

/**
 * Why `frame` is not an audio frame the media analyses can read (a phrase naming the frame), or null
 * when it is: a `kind` of `'audio'` or `'video'`, integer `sampleRate` and `channels`, a `Float32Array`
 * (or `Float64Array`) of whole frames of finite samples, a finite `ptsMs`. With `expected`, the sample
 * rate and channel count must be those (the stream's first frame's). Video frames return null.
 * @internal
 */
export function invalidAudioFrame(
  frame: unknown,
  expected: { readonly sampleRate: number; readonly channels: number } | null,
): string | null {
  if (frame === null || typeof frame !== 'object') return `is not a media frame: ${describeValue(frame)}`
  const f = frame as { [K in keyof AudioFrame]?: unknown }
  if (f.kind === 'video') return null
  if (f.kind !== 'audio') return `has kind ${describeValue(f.kind)}, not 'audio' or 'video'`
  const at = `audio frame ${describeValue(f.index)}`
  if (!Number.isInteger(f.sampleRate) || (f.sampleRate as number) < 1)
    return `${at} has sampleRate ${describeValue(f.sampleRate)}, not an integer >= 1`
  if (!Number.isInteger(f.channels) || (f.channels as number) < 1)
    return `${at} has channels ${describeValue(f.channels)}, not an integer >= 1`
  if (!(f.samples instanceof Float32Array || f.samples instanceof Float64Array))
    return `${at} has samples ${describeValue(f.samples)}, not a Float32Array`
  const samples = f.samples
  if (samples.length % (f.channels as number) !== 0)
    return `${at} has ${samples.length} samples, not a whole number of ${f.channels}-channel frames`
  if (typeof f.ptsMs !== 'number' || !Number.isFinite(f.ptsMs)) return `${at} has ptsMs ${describeValue(f.ptsMs)}`
  if (expected !== null && (f.sampleRate !== expected.sampleRate || f.channels !== expected.channels))
    return `${at} has ${f.sampleRate} Hz x ${f.channels} channels, the stream started with ${expected.sampleRate} Hz x ${expected.channels}`
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i]
    if (x - x !== 0) return `${at} has sample ${i} = ${x}, not a finite number`
  }
  return null
}
