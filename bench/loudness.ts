/**
 * EBU R 128 loudness over a 60 s, 48 kHz stereo file (pink noise with loud and quiet parts, float
 * WAV written by ffmpeg into a temporary directory): midstream's `LoudnessMeter` (the kernel, over
 * the decoded samples) and the `loudness()` operator (over 20 ms `AudioFrame`s through RxJS) beside
 * ffmpeg's `ebur128` filter on the same file, all timed in this run (median of 5 after a warm-up).
 * Figures are CPU time (user + system: ffmpeg's own `-benchmark` for its runs, `process.cpuUsage`
 * for ours), which a loaded machine disturbs less than wall time (printed too). ffmpeg's runs
 * include reading the WAV and converting it (ebur128 takes 48 kHz doubles), so an `-af anull` run
 * is timed too and the filter's share (the difference) is the baseline; our times exclude decoding
 * (the samples are decoded once before timing, as `mediaSource` would hand them over). The integrated
 * loudness of both is printed as a check that they measured the same thing.
 *
 * Run: npx tsx bench/loudness.ts
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { from, last } from 'rxjs'
import { type AudioFrame, LoudnessMeter, type LoudnessReading, loudness } from '../index'
import { fmt, machineLine, median, printTable, ratio } from './lib/report'

const SECONDS = 60
const RATE = 48000
const REPEATS = 5

function ffmpeg(args: string[]): string {
  return execFileSync('ffmpeg', ['-hide_banner', '-nostdin', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 30,
  })
}

/** Median CPU time (user + system, ms, from ffmpeg's `-benchmark`) and wall time of an ffmpeg run, and its stderr. */
function timeProcess(args: string[]): { cpuMs: number; wallMs: number; stderr: string } {
  const cpu: number[] = []
  const wall: number[] = []
  let stderr = ''
  for (let r = 0; r <= REPEATS; r++) {
    const t0 = performance.now()
    const run = spawnSync('ffmpeg', ['-hide_banner', '-nostdin', '-benchmark', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    })
    const t1 = performance.now()
    if (run.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${run.stderr.slice(-400)}`)
    const m = /utime=([\d.]+)s stime=([\d.]+)s/.exec(run.stderr)
    if (m === null) throw new Error('ffmpeg -benchmark printed no utime')
    if (r === 0) continue // the first run warms the page cache
    cpu.push((Number(m[1]) + Number(m[2])) * 1000)
    wall.push(t1 - t0)
    stderr = run.stderr
  }
  return { cpuMs: median(cpu), wallMs: median(wall), stderr }
}

/** Median CPU time (user + system, ms) and wall time of `fn` in this process, after a warm-up, and its result. */
function timeHere<T>(fn: () => T): { cpuMs: number; wallMs: number; result: T } {
  let result = fn()
  const cpu: number[] = []
  const wall: number[] = []
  for (let r = 0; r < REPEATS; r++) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    result = fn()
    wall.push(performance.now() - t0)
    const c = process.cpuUsage(c0)
    cpu.push((c.user + c.system) / 1000)
  }
  return { cpuMs: median(cpu), wallMs: median(wall), result }
}

function main(): void {
  console.log(machineLine())
  const dir = mkdtempSync(join(tmpdir(), 'midstream-bench-loudness-'))
  try {
    const file = join(dir, 'pink.wav')
    const graph = `anoisesrc=c=pink:a=0.3:seed=1:r=${RATE},volume='if(lt(mod(t,10),6),1,0.05)':eval=frame,aformat=channel_layouts=stereo`
    ffmpeg(['-f', 'lavfi', '-i', graph, '-t', String(SECONDS), '-c:a', 'pcm_f32le', '-y', file])
    const raw = execFileSync('ffmpeg', ['-hide_banner', '-nostdin', '-i', file, '-f', 'f32le', 'pipe:1'], {
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    const samples = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength))
    const frameLength = 2 * (RATE / 50)
    const frames: AudioFrame[] = []
    for (let at = 0, k = 0; at < samples.length; at += frameLength, k++)
      frames.push({
        kind: 'audio',
        index: k,
        ptsMs: k * 20,
        sampleRate: RATE,
        channels: 2,
        samples: samples.subarray(at, at + frameLength),
      })

    const kernel = timeHere(() => {
      const meter = new LoudnessMeter({ sampleRate: RATE, channels: 2 })
      let at = 0
      while (at < samples.length) at = meter.process(samples, at)
      return meter.integrated
    })
    const operator = timeHere(() => {
      let final: LoudnessReading | undefined
      from(frames)
        .pipe(loudness(), last())
        .subscribe(r => (final = r))
      return final?.integrated
    })
    const theirs = timeProcess(['-i', file, '-af', 'ebur128', '-f', 'null', '-'])
    const decodeOnly = timeProcess(['-i', file, '-af', 'anull', '-f', 'null', '-'])
    const filterMs = theirs.cpuMs - decodeOnly.cpuMs
    const ffmpegI = /I:\s+(-?[\d.]+) LUFS/.exec(theirs.stderr.split('Summary:')[1] ?? '')?.[1]

    const realtime = (ms: number): string => `${fmt((SECONDS * 1000) / ms)}x`
    const row = (name: string, t: { cpuMs: number; wallMs: number }, lufs: string): string[] => [
      name,
      fmt(t.cpuMs),
      fmt(t.wallMs),
      realtime(t.cpuMs),
      ratio(filterMs / t.cpuMs),
      lufs,
    ]
    printTable(
      ['60 s, 48 kHz stereo', 'CPU ms', 'wall ms', 'realtime (CPU)', 'vs ebur128 filter (CPU)', 'integrated LUFS'],
      [
        row('LoudnessMeter (kernel)', kernel, fmt(kernel.result as number, 5)),
        row('loudness() operator, 20 ms frames', operator, fmt(operator.result as number, 5)),
        row('ffmpeg -af ebur128 (process)', theirs, ffmpegI ?? '?'),
        row('ffmpeg -af anull (process: read, convert)', decodeOnly, ''),
        [
          'ebur128 filter alone (difference)',
          fmt(filterMs),
          fmt(theirs.wallMs - decodeOnly.wallMs),
          realtime(filterMs),
          '1x',
          '',
        ],
      ],
    )
    console.log("vs ebur128 filter: its CPU time over this row's; above 1x, this row is faster")
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

main()
