/**
 * Levels, loudness and silence of an audio stream. The frames here are made from a generated signal
 * (what `mediaSource` in `midstream/media` emits from ffmpeg has the same shape): 6 s of 48 kHz
 * stereo, a 1 kHz tone at -23 dBFS (EBU Tech 3341's first test signal, which reads -23.0 LUFS),
 * a second of silence from 2.5 s, and the tone 20 dB quieter from 4 s.
 */
import { type AudioFrame, audioLevel, loudness, silence } from 'midstream'
import { filter, from, lastValueFrom, toArray } from 'rxjs'

const rate = 48000
const samples = new Float32Array(2 * rate * 6)
for (let i = 0; i < rate * 6; i++) {
  const t = i / rate
  const gain = t >= 2.5 && t < 3.5 ? 0 : t >= 4 ? 10 ** (-43 / 20) : 10 ** (-23 / 20)
  samples[2 * i] = samples[2 * i + 1] = gain * Math.sin(2 * Math.PI * 1000 * t)
}
const perFrame = 2 * (rate / 50) // 20 ms frames
const frames: AudioFrame[] = []
for (let k = 0; k * perFrame < samples.length; k++) {
  const part = samples.subarray(k * perFrame, (k + 1) * perFrame)
  frames.push({ kind: 'audio', index: k, ptsMs: k * 20, sampleRate: rate, channels: 2, samples: part })
}

// RMS and peak per frame, in dBFS: a sine peaking at -23 dBFS has an RMS 3.01 dB lower
const levels = await lastValueFrom(from(frames).pipe(audioLevel(), toArray()))
for (const l of [levels[0], levels[150], levels[250]])
  console.log(`frame ${l.index} at ${l.ptsMs} ms: RMS ${l.rmsDb.toFixed(2)} dBFS, peak ${l.peakDb.toFixed(2)} dBFS`)

// EBU R 128 every 100 ms: printed once a second
const readings = await lastValueFrom(
  from(frames).pipe(
    loudness(),
    filter(r => (r.step + 1) % 10 === 0),
    toArray(),
  ),
)
const lu = (v: number | null): string => (v === null ? '  -  ' : v.toFixed(1).padStart(5))
for (const r of readings)
  console.log(
    `${r.timeMs} ms: M ${lu(r.momentary)}  S ${lu(r.shortTerm)}  I ${lu(r.integrated)} LUFS  LRA ${lu(r.range)} LU`,
  )

// silences of at least 500 ms under -60 dBFS, as ffmpeg's silencedetect reports them
for (const e of await lastValueFrom(from(frames).pipe(silence({ durationMs: 500 }), toArray())))
  console.log(
    e.type === 'start'
      ? `silence from ${e.startMs} ms`
      : `silence ended at ${e.endMs.toFixed(1)} ms (${e.durationMs.toFixed(1)} ms)`,
  )
