/**
 * Speech fixtures for the voice-activity tests and `bench/vad.ts`: sentences spoken by Debian's
 * espeak-ng, resampled to 16 kHz by ffmpeg with espeak's own leading and trailing silence cut by
 * ffmpeg's `silenceremove` (at -60 dBFS), then laid end to end with silences of planted lengths, so
 * that every onset and offset is known by construction. Optionally the whole track is backed by
 * seeded white noise at a stated SNR (speech RMS over noise RMS).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { runFfmpeg } from './ffmpeg'

const run = promisify(execFile)

/** Where speech is in a fixture, ms from its start. */
export interface SpeechSegment {
  readonly startMs: number
  readonly endMs: number
}

/** A mono 16 kHz track with its speech segments. */
export interface SpeechFixture {
  readonly samples: Float32Array
  readonly sampleRate: number
  readonly segments: readonly SpeechSegment[]
  /** SNR of the backing noise in dB, or null for digital silence between the sentences. */
  readonly snrDb: number | null
}

export const SENTENCES = [
  'The quick brown fox jumps over the lazy dog',
  'Please call me back when you get this message',
  'Sorry I did not catch that',
  'Yes',
  'Turn left at the next corner and keep going',
  'Hello',
] as const

const TRIM = 'silenceremove=start_periods=1:start_threshold=-60dB,areverse,'.repeat(2).slice(0, -1)
const cache = new Map<string, Promise<Float32Array>>()

/** One sentence spoken by espeak-ng, trimmed by `silenceremove`, as 16 kHz float PCM (cached per process). */
export function spoken(sentence: string, voice = 'en'): Promise<Float32Array> {
  const key = `${voice}\u0000${sentence}`
  let pending = cache.get(key)
  if (pending === undefined) {
    pending = speak(sentence, voice)
    cache.set(key, pending)
  }
  return pending
}

async function speak(sentence: string, voice: string): Promise<Float32Array> {
  const dir = await mkdtemp(join(tmpdir(), 'midstream-espeak-'))
  try {
    const wav = join(dir, 'out.wav')
    await run('espeak-ng', ['-v', voice, '-w', wav, sentence])
    const { stdout } = await runFfmpeg(['-i', wav, '-af', TRIM, '-ac', '1', '-ar', '16000', '-f', 'f32le', 'pipe:1'])
    const pcm = new Float32Array(stdout.byteLength / 4)
    new Uint8Array(pcm.buffer).set(stdout.subarray(0, pcm.length * 4))
    return pcm
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Seeded standard normal values (mulberry32 and Box-Muller). */
export function gaussian(seed: number): () => number {
  let a = seed >>> 0
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())
}

/**
 * Sentences with silences: `gapsMs[0]` of silence, sentence 0, `gapsMs[1]`, sentence 1, ...,
 * `gapsMs[n]` (one more gap than sentences). With `snrDb` the track is backed by white noise whose
 * RMS is the speech's RMS (over the speech segments) less `snrDb` dB.
 */
export async function speechFixture(
  sentences: readonly string[],
  gapsMs: readonly number[],
  options: { snrDb?: number; seed?: number } = {},
): Promise<SpeechFixture> {
  const sampleRate = 16000
  const clips = await Promise.all(sentences.map(s => spoken(s)))
  const gaps = gapsMs.map(ms => Math.round((ms * sampleRate) / 1000))
  const total = gaps.reduce((a, b) => a + b, 0) + clips.reduce((a, c) => a + c.length, 0)
  const samples = new Float32Array(total)
  const segments: SpeechSegment[] = []
  let at = 0
  let speechSquares = 0
  let speechCount = 0
  for (let k = 0; k < clips.length; k++) {
    at += gaps[k]
    samples.set(clips[k], at)
    for (const x of clips[k]) speechSquares += x * x
    speechCount += clips[k].length
    segments.push({ startMs: (at * 1000) / sampleRate, endMs: ((at + clips[k].length) * 1000) / sampleRate })
    at += clips[k].length
  }
  const snrDb = options.snrDb ?? null
  if (snrDb !== null) {
    const noiseRms = Math.sqrt(speechSquares / speechCount) / 10 ** (snrDb / 20)
    const normal = gaussian(options.seed ?? 1)
    for (let i = 0; i < total; i++) samples[i] += noiseRms * normal()
  }
  return { samples, sampleRate, segments, snrDb }
}

/** The track cut into frames of `frameMs` (the last one shorter when it does not divide). */
export function framesOf(samples: Float32Array, sampleRate: number, frameMs: number): Float32Array[] {
  const n = Math.round((frameMs * sampleRate) / 1000)
  const frames: Float32Array[] = []
  for (let i = 0; i < samples.length; i += n) frames.push(samples.subarray(i, Math.min(i + n, samples.length)))
  return frames
}
