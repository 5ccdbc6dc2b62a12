import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { fc, test } from '@fast-check/vitest'
import { filter, take } from 'rxjs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type AudioFrame,
  isAudioFrame,
  isVideoFrame,
  MediaSourceError,
  mediaSource,
  type VideoFrame,
} from '../../media/index'
import { decodePcm, runFfmpeg } from '../support/ffmpeg'
import { alive, childProcesses, collectAll, concat, waitGone } from './support'

const LAVFI = ['-f', 'lavfi']
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'midstream-media-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))
afterEach(async () => {
  // every ffmpeg a test started is gone once the test ends (stop is asynchronous: give it its moment)
  for (let i = 0; i < 100 && childProcesses().length > 0; i++) await new Promise(r => setTimeout(r, 20))
  expect(childProcesses()).toEqual([])
})

function audioOf(frames: readonly unknown[]): AudioFrame[] {
  return (frames as AudioFrame[]).filter(f => f.kind === 'audio')
}

/** Frame sizes and times as the closed form says: `total` samples per channel in frames of `n`, the last partial. */
function expectFraming(frames: readonly AudioFrame[], total: number, n: number, sampleRate: number, channels: number) {
  expect(frames.length).toBe(Math.ceil(total / n))
  frames.forEach((f, i) => {
    expect(f.index).toBe(i)
    expect(f.ptsMs).toBe((i * n * 1000) / sampleRate)
    expect(f.samples.length).toBe(channels * Math.min(n, total - i * n))
    expect([f.sampleRate, f.channels]).toEqual([sampleRate, channels])
  })
}

describe('mediaSource: lavfi and files, against decodePcm of the same input', () => {
  it('the defaults (16 kHz mono, 20 ms): a 1 s lavfi sine gives 50 frames, bit-exact', async () => {
    const { values, error } = await collectAll(mediaSource('sine=f=440:d=1', { inputOptions: LAVFI }))
    expect(error).toBeUndefined()
    const frames = audioOf(values)
    const oracle = await decodePcm('sine=f=440:d=1', { sampleRate: 16000, lavfi: true })
    expect(oracle.length).toBe(16000)
    expectFraming(frames, 16000, 320, 16000, 1)
    expect(concat(frames.map(f => f.samples))).toEqual(oracle)
  })

  it('48 kHz stereo 10 ms over 0.505 s: the last frame is shorter, bit-exact', async () => {
    const graph = 'sine=f=1000:r=48000:d=0.505'
    const audio = { sampleRate: 48000, channels: 2, frameMs: 10 }
    const { values, error } = await collectAll(mediaSource(graph, { audio, inputOptions: LAVFI }))
    expect(error).toBeUndefined()
    const oracle = await decodePcm(graph, { sampleRate: 48000, channels: 2, lavfi: true })
    expect(oracle.length).toBe(2 * 24240)
    const frames = audioOf(values)
    expectFraming(frames, 24240, 480, 48000, 2)
    expect(concat(frames.map(f => f.samples))).toEqual(oracle)
  })

  it('a WAV file (44.1 kHz stereo) read as 16 kHz mono equals ffmpeg decoding it', async () => {
    const wav = join(dir, 'tone.wav')
    await runFfmpeg(['-y', '-f', 'lavfi', '-i', 'sine=f=330:r=44100:d=1.3', '-ac', '2', wav])
    const { values, error } = await collectAll(mediaSource(wav))
    expect(error).toBeUndefined()
    const oracle = await decodePcm(wav, { sampleRate: 16000 })
    const frames = audioOf(values)
    expectFraming(frames, oracle.length, 320, 16000, 1)
    expect(concat(frames.map(f => f.samples))).toEqual(oracle)
  })

  it('an MP4 with audio and video: audio bit-exact, one video summary per frame at index / fps', async () => {
    const mp4 = join(dir, 'av.mp4')
    await runFfmpeg([
      '-y',
      ...['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25:d=2'],
      ...['-f', 'lavfi', '-i', 'sine=f=500:d=2'],
      ...['-c:v', 'libx264', '-g', '25', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', mp4],
    ])
    const source = mediaSource(mp4, { video: { fps: 10, width: 40, height: 30 } })
    const { values, error } = await collectAll(source)
    expect(error).toBeUndefined()
    const audio = values.filter(isAudioFrame)
    expect(concat(audio.map(f => f.samples))).toEqual(await decodePcm(mp4, { sampleRate: 16000 }))
    const video = values.filter(isVideoFrame)
    expect(video.length).toBe(20)
    video.forEach((f, i) => {
      expect([f.index, f.ptsMs, f.width, f.height, f.luma]).toEqual([i, i * 100, 40, 30, undefined])
      expect(f.meanLuma).toBeGreaterThan(0)
    })
    expect(video[0].motion).toBe(0)
    expect(video[1].motion).toBeGreaterThan(0) // testsrc's counter and gradient move
  })

  it('video only with luma: the planes are the gray frames ffmpeg writes itself', async () => {
    const graph = 'testsrc=size=64x48:rate=5:d=1'
    const source = mediaSource(graph, {
      audio: false,
      video: { fps: 5, width: 32, height: 24, luma: true },
      inputOptions: LAVFI,
    })
    const { values, error } = await collectAll(source)
    expect(error).toBeUndefined()
    const { stdout } = await runFfmpeg([
      ...LAVFI,
      ...['-i', graph, '-vf', 'fps=5,scale=32:24,format=gray', '-f', 'rawvideo', 'pipe:1'],
    ])
    const frames = values as VideoFrame[]
    expect(frames.length).toBe(5)
    frames.forEach((f, i) => {
      expect(f.luma).toEqual(new Uint8Array(stdout.subarray(i * 768, (i + 1) * 768)))
      expect(f.meanLuma).toBeCloseTo((f.luma as Uint8Array).reduce((s, y) => s + y, 0) / 768, 10)
    })
  })
})

describe('mediaSource: stdin', () => {
  it('raw f32le fed on stdin comes back bit for bit, in frames of 20 ms, whatever the chunking', async () => {
    const samples = Float32Array.from({ length: 16000 + 123 }, (_, i) => Math.sin(i / 5) * (i % 7) * 0.1)
    const bytes = Buffer.from(samples.buffer)
    const chunks = [bytes.subarray(0, 5), bytes.subarray(5, 9999), bytes.subarray(9999)]
    const source = mediaSource('pipe:0', {
      inputOptions: ['-f', 'f32le', '-ar', '16000', '-ac', '1'],
      stdin: Readable.from(chunks),
    })
    const { values, error } = await collectAll(source)
    expect(error).toBeUndefined()
    const frames = audioOf(values)
    expectFraming(frames, samples.length, 320, 16000, 1)
    expect(concat(frames.map(f => f.samples))).toEqual(samples)
  })

  test.prop(
    [
      fc.record({
        sampleRate: fc.constantFrom(8000, 16000, 48000),
        channels: fc.integer({ min: 1, max: 2 }),
        frameMs: fc.constantFrom(5, 10, 20, 32),
      }),
      fc.integer({ min: 1, max: 6000 }),
      fc.array(fc.nat(), { maxLength: 8 }),
    ],
    { numRuns: 4 },
  )('any format, length and chunking: the frames of a brute-force split of the samples fed', async (audio, n, cuts) => {
    const samples = Float32Array.from({ length: n * audio.channels }, (_, i) => Math.sin(i * 0.37) * 0.9)
    const bytes = Buffer.from(samples.buffer)
    const points = [...new Set(cuts.map(c => c % bytes.length))].sort((a, b) => a - b)
    const chunks = [0, ...points].map((from, i, all) => bytes.subarray(from, all[i + 1] ?? bytes.length))
    const source = mediaSource('pipe:0', {
      audio,
      inputOptions: ['-f', 'f32le', '-ar', String(audio.sampleRate), '-ac', String(audio.channels)],
      stdin: Readable.from(chunks),
    })
    const { values, error } = await collectAll(source)
    expect(error).toBeUndefined()
    const frames = audioOf(values)
    const perFrame = Math.round((audio.frameMs * audio.sampleRate) / 1000)
    expectFraming(frames, n, perFrame, audio.sampleRate, audio.channels)
    expect(concat(frames.map(f => f.samples))).toEqual(samples)
  })

  it('stdin with reconnect, or not a stream: errors at the call', () => {
    expect(() => mediaSource('pipe:0', { stdin: Readable.from([]), reconnect: true })).toThrow(RangeError)
    expect(() => mediaSource('pipe:0', { stdin: 'abc' as never })).toThrow(/stdin must be a readable stream/)
  })
})

describe('mediaSource: errors carry ffmpeg own message', () => {
  it('a missing file: code "input", "No such file or directory"', async () => {
    const missing = join(dir, 'missing.wav')
    const { values, error } = await collectAll(mediaSource(missing))
    expect(values).toEqual([])
    expect(error).toBeInstanceOf(MediaSourceError)
    const e = error as MediaSourceError
    expect(e.code).toBe('input')
    expect(e.ffmpegMessage).toBe(`${missing}: No such file or directory`)
    expect(e.message).toContain('No such file or directory')
    expect(e.exitCode).not.toBe(0)
  })

  it('a missing ffmpeg: code "ffmpeg-missing", naming the path', async () => {
    const { error } = await collectAll(mediaSource('sine', { inputOptions: LAVFI, ffmpegPath: join(dir, 'no-ffmpeg') }))
    expect((error as MediaSourceError).code).toBe('ffmpeg-missing')
    expect((error as Error).message).toMatch(/cannot run ffmpeg at ".*no-ffmpeg" \(ENOENT\)/)
  })

  it('an input without audio when audio is asked: code "input" with the line ffmpeg printed', async () => {
    const { error } = await collectAll(mediaSource('testsrc=d=1', { inputOptions: LAVFI }))
    expect((error as MediaSourceError).code).toBe('input')
    expect((error as MediaSourceError).ffmpegMessage).toMatch(/does not contain any stream/)
  })

  it('bad options: TypeError / RangeError at the call, naming the value', () => {
    expect(() => mediaSource('' as string)).toThrow(/mediaSource: input must not be empty/)
    expect(() => mediaSource(1 as never)).toThrow(TypeError)
    expect(() => mediaSource('x', { audio: { sampleRate: 12.5 } })).toThrow(
      /mediaSource: audio.sampleRate must be an integer in \[1000, 768000\], got 12.5/,
    )
    expect(() => mediaSource('x', { audio: false })).toThrow(/audio and video are both off/)
    expect(() => mediaSource('x', { video: { fps: 0, width: 4, height: 4 } })).toThrow(RangeError)
    expect(() => mediaSource('x', { vidoe: {} } as never)).toThrow(/unknown option "vidoe"/)
    expect(() => mediaSource('x', { reconnect: { maxAttempts: 0 } })).toThrow(/reconnect.maxAttempts/)
    expect(() => mediaSource('x', { reconnect: { initialDelayMs: 50, maxDelayMs: 10 } })).toThrow(/maxDelayMs/)
    expect(() => mediaSource('x', { inputOptions: ['-re', 3] as never })).toThrow(
      /inputOptions must be an array of strings/,
    )
    expect(() => mediaSource('x', { reconnect: 'yes' as never })).toThrow(/reconnect must be a boolean/)
  })
})

describe('mediaSource: unsubscription and callbacks', () => {
  it('unsubscribing stops ffmpeg: its PID is gone and reaped (ESRCH)', async () => {
    const pids: number[] = []
    const frames = await collectAll(
      mediaSource('sine=f=440', { inputOptions: LAVFI, onSpawn: pid => pids.push(pid) }).pipe(take(5)),
    )
    expect(frames.values.length).toBe(5)
    expect(pids.length).toBe(1)
    await waitGone(pids[0])
    expect(alive(pids[0])).toBe(false)
  })

  it('unsubscribing a live-paced (-re) video source stops its ffmpeg too', async () => {
    const pids: number[] = []
    const source = mediaSource('testsrc=rate=25', {
      audio: false,
      video: { fps: 25, width: 16, height: 16 },
      inputOptions: ['-re', ...LAVFI],
      onSpawn: pid => pids.push(pid),
    })
    const { values } = await collectAll(source.pipe(filter(isVideoFrame), take(3)))
    expect(values.map(v => v.index)).toEqual([0, 1, 2])
    await waitGone(pids[0])
  })

  it('a throwing onSpawn ends the stream with its error and stops ffmpeg', async () => {
    const boom = new Error('boom')
    let pid = -1
    const { values, error } = await collectAll(
      mediaSource('sine', {
        inputOptions: LAVFI,
        onSpawn: p => {
          pid = p
          throw boom
        },
      }),
    )
    expect(values).toEqual([])
    expect(error).toBe(boom)
    await waitGone(pid)
  })
})
