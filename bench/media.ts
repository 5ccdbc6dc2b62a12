/**
 * mediaSource, side by side in one run:
 *  - throughput: a 60 s 16 kHz mono WAV (written by ffmpeg before timing) decoded as fast as possible
 *    by `mediaSource` into 20 ms frames, each frame's RMS and peak computed with a plain `map` (the
 *    stand-in for the analyses other parts add: `audioLevel`, `voiceActivity` plug in where the `map`
 *    is), beside the baselines `ffmpeg -i file -f null -` (decoding alone) and ffmpeg writing the same
 *    f32le into a Node pipe that only counts bytes (decoding plus the pipe). Realtime factor = 60 s /
 *    wall time, median of 5 runs; the Node side's CPU time (process.cpuUsage) is printed too, since
 *    ffmpeg runs in its own process;
 *  - latency: raw f32le written to `mediaSource('pipe:0', { stdin })` in 20 ms blocks at real-time pace
 *    for 5 s; each block's write time to the emission of the frame that ends with it (p50 / p99 / max),
 *    from the first frame out on (the blocks written while ffmpeg starts measure its start-up).
 * The goal (>= 50x realtime on one core for mediaSource + audioLevel + voiceActivity) is
 * printed beside the figures as a target, never asserted.
 *
 * Run: npx tsx bench/media.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { ignoreElements, lastValueFrom, map, merge, reduce, share } from 'rxjs'
import { audioLevel, isAudioFrame, mediaSource, spawnFfmpeg, voiceActivity } from '../media/index'
import { runFfmpeg } from '../test/support/ffmpeg'
import { fmt, machineLine, median, printTable, ratio, summary } from './lib/report'

const SECONDS = 60
const RUNS = 5
const LATENCY_BLOCKS = 250

async function timed(run: () => Promise<unknown>): Promise<{ ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage()
  const start = performance.now()
  await run()
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  return { ms, cpuMs: (used.user + used.system) / 1000 }
}

async function ffmpegNull(file: string): Promise<void> {
  await runFfmpeg(['-i', file, '-f', 'null', '-'])
}

async function ffmpegPipe(file: string): Promise<number> {
  const ff = spawnFfmpeg(['-i', file, '-ac', '1', '-ar', '16000', '-f', 'f32le', 'pipe:1'])
  let bytes = 0
  ff.outputs[1]?.on('data', (chunk: Buffer) => {
    bytes += chunk.length
  })
  await ff.closed
  return bytes
}

async function ours(file: string): Promise<number> {
  const levels = mediaSource(file).pipe(
    map(frame => {
      if (!isAudioFrame(frame)) return 0
      const x = frame.samples
      let sum = 0
      let peak = 0
      for (let i = 0; i < x.length; i++) {
        const v = x[i]
        sum += v * v
        const a = v < 0 ? -v : v
        if (a > peak) peak = a
      }
      return Math.sqrt(sum / x.length) + peak
    }),
    reduce(count => count + 1, 0),
  )
  return lastValueFrom(levels)
}

/** The pipeline: mediaSource into audioLevel and voiceActivity (one ffmpeg, both analyses on every frame). */
async function analysed(file: string): Promise<number> {
  const frames = mediaSource(file).pipe(share())
  return lastValueFrom(
    merge(frames.pipe(audioLevel()), frames.pipe(voiceActivity())).pipe(reduce(count => count + 1, 0)),
  )
}

async function throughput(file: string): Promise<void> {
  const rows: string[][] = []
  const cases: [string, () => Promise<unknown>][] = [
    ['ffmpeg -f null - (baseline: decoding alone)', () => ffmpegNull(file)],
    ['ffmpeg f32le into a Node pipe (baseline: + pipe)', () => ffmpegPipe(file)],
    ['mediaSource, 20 ms frames, RMS + peak per frame', () => ours(file)],
    ['mediaSource + audioLevel + voiceActivity (the goal)', () => analysed(file)],
  ]
  const medians: number[] = []
  for (const [name, run] of cases) {
    await run() // warm-up
    const ms: number[] = []
    const cpu: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const t = await timed(run)
      ms.push(t.ms)
      cpu.push(t.cpuMs)
    }
    const wall = median(ms)
    medians.push(wall)
    rows.push([
      name,
      fmt(wall),
      ratio((SECONDS * 1000) / wall),
      fmt(median(cpu)),
      ratio((SECONDS * 1000) / median(cpu)),
    ])
  }
  console.log(`\nthroughput on ${SECONDS} s of 16 kHz mono (median of ${RUNS}; goal: >= 50x realtime)\n`)
  printTable(['what', 'wall ms', 'realtime factor', 'Node CPU ms', 'realtime per Node core'], rows)
  console.log(
    `\nframes: ${await ours(file)} (expected ${(SECONDS * 1000) / 20}); mediaSource / ffmpeg -f null: ${ratio(medians[2] / medians[0])} the wall time`,
  )
}

async function latency(): Promise<void> {
  const stdin = new PassThrough()
  const written: number[] = []
  const delays: number[] = []
  let firstOut: number | undefined
  const frames = mediaSource('pipe:0', { inputOptions: ['-f', 'f32le', '-ar', '16000', '-ac', '1'], stdin }).pipe(
    share(),
  )
  // audioLevel subscribes first, so it has read each frame when voiceActivity's event for it comes out
  const source = merge(frames.pipe(audioLevel(), ignoreElements()), frames.pipe(voiceActivity()))
  const done = new Promise<void>((resolve, reject) =>
    source.subscribe({
      next: frame => {
        const now = performance.now()
        firstOut ??= now
        // blocks written while ffmpeg was still starting measure its start-up, not the path: skipped
        const at = written[frame.index]
        if (at !== undefined && at > firstOut) delays.push(now - at)
      },
      complete: resolve,
      error: reject,
    }),
  )
  const block = Buffer.from(Float32Array.from({ length: 320 }, (_, i) => Math.sin(i / 8) * 0.3).buffer)
  const start = performance.now()
  for (let i = 0; i < LATENCY_BLOCKS; i++) {
    const due = start + i * 20
    await new Promise(resolve => setTimeout(resolve, Math.max(0, due - performance.now())))
    written.push(performance.now())
    stdin.write(block)
  }
  stdin.end()
  await done
  const s = summary(delays)
  console.log(
    `\nlatency: a 20 ms block written to ffmpeg's stdin -> its frame out of mediaSource, audioLevel and voiceActivity (${delays.length} frames)\n`,
  )
  printTable(['p50 ms', 'p99 ms', 'max ms', 'mean ms'], [[fmt(s.p50), fmt(s.p99), fmt(s.max), fmt(s.mean)]])
}

async function main(): Promise<void> {
  console.log(machineLine())
  const dir = mkdtempSync(join(tmpdir(), 'midstream-bench-media-'))
  try {
    const file = join(dir, 'tone.wav')
    // tone bursts (1 s on, 1 s off) over low noise, so the voice detector switches as it would on speech
    const bursts = `aevalsrc=0.3*sin(2*PI*220*t)*lt(mod(t\\,2)\\,1)+0.003*(random(0)-0.5):s=16000:d=${SECONDS}`
    await runFfmpeg(['-f', 'lavfi', '-i', bursts, '-ac', '1', file])
    await throughput(file)
    await latency()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
