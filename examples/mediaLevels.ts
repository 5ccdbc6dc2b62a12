/**
 * mediaSource: ffmpeg reads any input (here a lavfi test graph: a 440 Hz tone that stops after 1 s,
 * and a picture that cuts from black to white at 0.7 s) and hands out typed frames: audio as float
 * PCM of exactly `frameMs`, video as per-frame summaries (mean luma, motion, scene score). Plain
 * RxJS does the rest: here the RMS level of each audio frame, and the cuts.
 */
import { isAudioFrame, isVideoFrame, mediaSource } from 'midstream/media'
import { filter, lastValueFrom, map, merge, share, toArray } from 'rxjs'

const graph = [
  'sine=f=440:r=16000:d=1,apad=whole_dur=1.5[out1]',
  'color=c=black:s=64x48:r=10:d=0.7[dark]',
  'color=c=white:s=64x48:r=10:d=0.8[light]',
  '[dark][light]concat=n=2[out0]',
].join(';')

const frames = mediaSource(graph, {
  inputOptions: ['-f', 'lavfi'],
  audio: { sampleRate: 16000, channels: 1, frameMs: 250 },
  video: { fps: 10, width: 64, height: 48 },
}).pipe(share())

const levels = frames.pipe(
  filter(isAudioFrame),
  map(frame => {
    let sum = 0
    for (const x of frame.samples) sum += x * x
    const rms = Math.sqrt(sum / frame.samples.length)
    const level = rms === 0 ? 'silence' : `${(20 * Math.log10(rms)).toFixed(2)} dBFS RMS`
    return `audio ${frame.index} at ${frame.ptsMs} ms: ${level}`
  }),
)
const cuts = frames.pipe(
  filter(isVideoFrame),
  filter(frame => frame.scene > 10),
  map(f => `video ${f.index} at ${f.ptsMs} ms: a cut (scene ${f.scene.toFixed(1)}, mean luma ${f.meanLuma})`),
)

// the two kinds arrive interleaved as ffmpeg writes them (each kind in order): print audio first
const lines = await lastValueFrom(merge(levels, cuts).pipe(toArray()))
for (const line of lines.sort((a, b) => Number(a.startsWith('video')) - Number(b.startsWith('video'))))
  console.log(line)
// ffmpeg's sine has amplitude 1/8: RMS 1/(8 sqrt 2), i.e. -21.07 dBFS
console.log(`closed form: ${(20 * Math.log10(1 / (8 * Math.SQRT2))).toFixed(2)} dBFS RMS`)
