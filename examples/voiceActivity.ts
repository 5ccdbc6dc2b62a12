/**
 * Voice activity and freezes over media frames, on generated signals (no ffmpeg needed): a voiced
 * sound (a 140 Hz harmonic complex) planted in quiet noise at known times, cut into 20 ms audio
 * frames, its onsets then checked with temporal logic (every onset answered within 2 s); and a
 * video summary whose picture stands still for 3 s. In a live pipeline the frames
 * come from `mediaSource` (midstream/media).
 */
import { type AudioFrame, freeze, ltlGuard, type VideoFrame, voiceActivity } from 'midstream'
import { filter, from, lastValueFrom, map, merge, toArray } from 'rxjs'

const RATE = 16000
/** Speech-like bursts, [start, end) in ms. */
const BURSTS = [
  [500, 1700],
  [2600, 2900],
  [4000, 5200],
]

/** Seeded uniform noise in [-1, 1) (a linear congruential generator), so every run prints the same. */
let seed = 42
const noise = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 31 - 1) * 0.003

const samples = new Float32Array(6 * RATE)
for (let i = 0; i < samples.length; i++) {
  const ms = (i * 1000) / RATE
  const on = BURSTS.some(([a, b]) => ms >= a && ms < b)
  let voiced = 0
  for (let h = 1; on && h <= 6; h++) voiced += Math.sin((2 * Math.PI * 140 * h * i) / RATE) / h
  samples[i] = noise() + 0.1 * voiced
}
const frames: AudioFrame[] = []
for (let index = 0; index * 320 < samples.length; index++) {
  const frame = samples.subarray(index * 320, (index + 1) * 320)
  frames.push({ kind: 'audio', index, ptsMs: index * 20, sampleRate: RATE, channels: 1, samples: frame })
}

const transitions = await lastValueFrom(
  from(frames).pipe(
    voiceActivity({ hangoverMs: 200 }),
    filter(e => e.transition !== null),
    toArray(),
  ),
)
for (const e of transitions) console.log(`${e.transition} at ${e.edgeMs} ms (reported with the frame at ${e.ptsMs} ms)`)

// Every onset must be answered within 2 s: the agent's answers (here at fixed times; the third is late)
type Turn = { kind: 'speech' | 'response'; t: number }
const speech$ = from(transitions).pipe(
  filter(e => e.transition === 'onset'),
  map((e): Turn => ({ kind: 'speech', t: e.edgeMs as number })),
)
const responses$ = from([1300, 3400, 6500]).pipe(map((t): Turn => ({ kind: 'response', t })))
const timeline = await lastValueFrom(merge(speech$, responses$).pipe(toArray()))
timeline.sort((a, b) => a.t - b.t)
from(timeline)
  .pipe(
    ltlGuard('G (speech -> F[0,2s] response)', {
      atoms: { speech: (e: Turn) => e.kind === 'speech', response: (e: Turn) => e.kind === 'response' },
      time: (e: Turn) => e.t,
    }),
  )
  .subscribe({
    next: e => console.log(`  ${e.kind} at ${e.t} ms: ok`),
    error: (error: Error) => console.log(`  ${error.message}`),
  })

// 10 frames a second; the picture stands still from 2 s to 5 s (motion 0), else moves a little
const video: VideoFrame[] = Array.from({ length: 80 }, (_, index) => {
  const still = index > 20 && index <= 50
  return {
    kind: 'video',
    index,
    ptsMs: index * 100,
    width: 64,
    height: 36,
    meanLuma: 90,
    motion: still ? 0 : 3,
    scene: 0,
  }
})
const freezes = await lastValueFrom(from(video).pipe(freeze({ noise: 0.001, durationMs: 2000 }), toArray()))
for (const f of freezes)
  console.log(`${f.type}: from ${f.startMs} ms${f.endMs === null ? '' : ` to ${f.endMs} ms (${f.durationMs} ms)`}`)
