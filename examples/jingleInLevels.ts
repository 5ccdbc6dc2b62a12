/**
 * Audio levels are a series like any other: `dtwMatch` finds a station jingle (three swelling beeps)
 * in the stream of `audioLevel` readings, stretched or squeezed, without looking at the samples again.
 */
import { type AudioFrame, audioLevel, dtwMatch } from 'midstream'
import { from, lastValueFrom, toArray } from 'rxjs'

const rate = 8000
const framesOf = (samples: Float32Array): AudioFrame[] =>
  Array.from({ length: Math.ceil(samples.length / 160) }, (_, k) => ({
    kind: 'audio' as const,
    index: k,
    ptsMs: k * 20,
    sampleRate: rate,
    channels: 1,
    samples: samples.subarray(160 * k, 160 * (k + 1)),
  }))

// the jingle: three beeps of 200 ms, each swelling by 10 dB, from -40 to -10 dBFS; its levels are the pattern
const dbAt = (i: number): number => -40 + 10 * Math.floor(i / 1600) + (10 * (i % 1600)) / 1600
const jingle = Float32Array.from({ length: 0.6 * rate }, (_, i) => 10 ** (dbAt(i) / 20) * Math.sin(i))
const pattern = (await lastValueFrom(from(framesOf(jingle)).pipe(audioLevel(), toArray()))).map(l => l.rmsDb)

// 6 s of hiss (deterministic) with the jingle at 2 s
let seed = 1
const stream = Float32Array.from({ length: 6 * rate }, () => {
  seed = (seed * 1103515245 + 12345) >>> 0
  return (seed / 2 ** 32 - 0.5) * 0.02
})
jingle.forEach((x, i) => {
  stream[2 * rate + i] += x
})

const found = await lastValueFrom(
  from(framesOf(stream)).pipe(
    audioLevel(),
    dtwMatch(pattern, { threshold: 30, select: l => l.rmsDb, time: l => l.ptsMs }),
    toArray(),
  ),
)
for (const m of found)
  console.log(`jingle from ${m.startTime} ms to ${m.endTime} ms (DTW distance ${m.distance.toFixed(1)})`)
