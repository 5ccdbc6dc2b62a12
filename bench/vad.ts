/**
 * Voice activity detection, side by side in one run: midstream's `VoiceActivityDetector` (energy
 * over an adaptive floor, spectral flatness, hangover, onset look-back) against the WebRTC VAD
 * (libfvad) compiled to WebAssembly, `@echogarden/fvad-wasm` 0.2.0, in its four modes.
 *
 * Fixtures: six espeak-ng sentences at 16 kHz (edges trimmed by ffmpeg's silenceremove) with 600 to
 * 1 500 ms of planted silence between them (test/support/speech.ts), clean and backed by white noise
 * at 30, 20 and 10 dB SNR. Both detectors see the same 20 ms frames (fvad takes 10, 20 or 30 ms
 * frames of 16-bit PCM). fvad decides per frame only; for its onsets and offsets the same hangover
 * as ours (250 ms after the last speech frame) is applied here, without a look-back.
 *
 * Per fixture and detector: onsets found / planted, false onsets (an onset not within 200 ms of a
 * planted one), the mean and largest |onset error| over the planted onsets found, and the frame
 * accuracy of the per-frame speech flag (hangover included) against the planted segments.
 * Speed: ns per 20 ms frame on the 10 dB track and the realtime factor (audio seconds per second of CPU).
 *
 * Run: npx tsx bench/vad.ts
 */
// @ts-expect-error the package ships no type declarations (its interface is `Fvad` below)
import fvadModule from '@echogarden/fvad-wasm'
import { VoiceActivityDetector } from '../index'
import { framesOf, SENTENCES, type SpeechFixture, speechFixture } from '../test/support/speech'
import { fmt, machineLine, printTable, time } from './lib/report'

const RATE = 16000
const FRAME_MS = 20
const HANGOVER_MS = 250
const GAPS = [700, 900, 1200, 600, 1500, 800, 1000]

interface Fvad {
  _fvad_new(): number
  _fvad_set_sample_rate(inst: number, rate: number): number
  _fvad_set_mode(inst: number, mode: number): number
  _fvad_process(inst: number, ptr: number, n: number): number
  _fvad_free(inst: number): void
  _malloc(n: number): number
  _free(ptr: number): void
  HEAP16: Int16Array
}

interface Run {
  /** Per frame: speech (hangover included). */
  flags: boolean[]
  onsets: number[]
}

function ours(frames: Float32Array[]): Run {
  const vad = new VoiceActivityDetector({ sampleRate: RATE, hangoverMs: HANGOVER_MS })
  const flags: boolean[] = []
  const onsets: number[] = []
  for (const f of frames) {
    if (vad.push(f) === 'onset') onsets.push((vad.onsetSample * 1000) / RATE)
    flags.push(vad.speech)
  }
  return { flags, onsets }
}

function webrtc(m: Fvad, mode: number, frames: Float32Array[]): Run {
  const inst = m._fvad_new()
  m._fvad_set_sample_rate(inst, RATE)
  m._fvad_set_mode(inst, mode)
  const n = (RATE * FRAME_MS) / 1000
  const ptr = m._malloc(n * 2)
  const flags: boolean[] = []
  const onsets: number[] = []
  let speech = false
  let sinceSpeech = Number.POSITIVE_INFINITY
  try {
    frames.forEach((f, k) => {
      if (f.length !== n) return // the last, shorter frame
      const heap = m.HEAP16
      for (let i = 0; i < n; i++) heap[(ptr >> 1) + i] = Math.max(-32768, Math.min(32767, Math.round(f[i] * 32767)))
      const voiced = m._fvad_process(inst, ptr, n) === 1
      sinceSpeech = voiced ? 0 : sinceSpeech + FRAME_MS
      if (voiced && !speech) onsets.push(k * FRAME_MS)
      speech = sinceSpeech < HANGOVER_MS
      flags.push(speech)
    })
  } finally {
    m._free(ptr)
    m._fvad_free(inst)
  }
  return { flags, onsets }
}

function score(fx: SpeechFixture, run: Run): string[] {
  const planted = fx.segments.map(s => s.startMs)
  const errors: number[] = []
  for (const p of planted) {
    const near = run.onsets.filter(t => Math.abs(t - p) <= 200)
    if (near.length > 0) errors.push(Math.min(...near.map(t => Math.abs(t - p))))
  }
  const falseOnsets = run.onsets.filter(t => !planted.some(p => Math.abs(t - p) <= 200)).length
  let right = 0
  run.flags.forEach((flag, k) => {
    const ms = k * FRAME_MS + FRAME_MS / 2
    if (flag === fx.segments.some(s => ms >= s.startMs && ms < s.endMs)) right++
  })
  const mean = errors.length === 0 ? Number.NaN : errors.reduce((a, b) => a + b, 0) / errors.length
  return [
    `${errors.length}/${planted.length}`,
    String(falseOnsets),
    errors.length === 0 ? 'n/a' : fmt(mean, 2),
    errors.length === 0 ? 'n/a' : fmt(Math.max(...errors), 2),
    `${fmt((100 * right) / run.flags.length, 3)} %`,
  ]
}

console.log(machineLine())
const m = (await fvadModule()) as Fvad
const fixtures: Array<[string, SpeechFixture]> = [
  ['clean', await speechFixture(SENTENCES, GAPS)],
  ['30 dB', await speechFixture(SENTENCES, GAPS, { snrDb: 30, seed: 7 })],
  ['20 dB', await speechFixture(SENTENCES, GAPS, { snrDb: 20, seed: 7 })],
  ['10 dB', await speechFixture(SENTENCES, GAPS, { snrDb: 10, seed: 7 })],
]
const detectors: Array<[string, (frames: Float32Array[]) => Run]> = [
  ['midstream VoiceActivityDetector', ours],
  ...[0, 1, 2, 3].map((mode): [string, (frames: Float32Array[]) => Run] => [
    `fvad-wasm mode ${mode}`,
    f => webrtc(m, mode, f),
  ]),
]
const rows: string[][] = []
for (const [name, fx] of fixtures) {
  const frames = framesOf(fx.samples, RATE, FRAME_MS)
  for (const [detector, run] of detectors) rows.push([name, detector, ...score(fx, run(frames))])
}
console.log(`\naccuracy, ${FRAME_MS} ms frames, ${SENTENCES.length} sentences per track`)
printTable(
  ['track', 'detector', 'onsets found', 'false onsets', 'mean onset error ms', 'max onset error ms', 'frames right'],
  rows,
  ['l', 'l', 'r', 'r', 'r', 'r', 'r'],
)

const frames = framesOf(fixtures[3][1].samples, RATE, FRAME_MS)
const seconds = fixtures[3][1].samples.length / RATE
const speed: string[][] = []
for (const [detector, run] of [detectors[0], detectors[3]]) {
  const { ms } = time(() => run(frames), 15)
  speed.push([detector, fmt((ms * 1e6) / frames.length, 4), `${fmt(seconds / (ms / 1000), 4)}x`])
}
console.log(`\nspeed, ${frames.length} frames of ${FRAME_MS} ms (${fmt(seconds, 3)} s of audio), median of 15`)
printTable(['detector', 'ns per frame', 'realtime factor'], speed)
