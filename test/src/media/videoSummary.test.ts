import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { VideoSummary } from '../../../src/media/videoSummary'
import { SnapshotError } from '../../../src/snapshot'
import { runFfmpeg } from '../../support/ffmpeg'

interface Summary {
  readonly meanLuma: number
  readonly motion: number
  readonly scene: number
}

/** Brute force from the definitions (signalstats YAVG / YDIF; scdet get_scene_score), frame by frame. */
function bruteForce(frames: readonly Uint8Array[]): Summary[] {
  let prevMafd = 0
  return frames.map((f, i) => {
    const n = f.length
    const meanLuma = f.reduce((s, y) => s + y, 0) / n
    if (i === 0) return { meanLuma, motion: 0, scene: 0 }
    let sad = 0
    for (let j = 0; j < n; j++) sad += Math.abs(f[j] - frames[i - 1][j])
    const mafd = (sad * 100) / n / 256
    const scene = Math.min(100, Math.max(0, Math.min(mafd, Math.abs(mafd - prevMafd))))
    prevMafd = mafd
    return { meanLuma, motion: sad / n, scene }
  })
}

function run(summary: VideoSummary, frames: readonly Uint8Array[]): Summary[] {
  return frames.map(f => {
    summary.push(f)
    return { meanLuma: summary.meanLuma, motion: summary.motion, scene: summary.scene }
  })
}

const size = fc.record({ width: fc.integer({ min: 1, max: 12 }), height: fc.integer({ min: 1, max: 9 }) })
const framesOf = (width: number, height: number) =>
  fc.array(fc.uint8Array({ minLength: width * height, maxLength: width * height }), { minLength: 1, maxLength: 12 })

describe('VideoSummary: against brute force', () => {
  test.prop([size.chain(s => fc.tuple(fc.constant(s), framesOf(s.width, s.height)))])(
    'any frames give the definitions computed directly',
    ([s, frames]) => {
      const got = run(new VideoSummary(s), frames)
      const want = bruteForce(frames)
      got.forEach((g, i) => {
        expect(g.meanLuma).toBeCloseTo(want[i].meanLuma, 12)
        expect(g.motion).toBeCloseTo(want[i].motion, 12)
        expect(g.scene).toBeCloseTo(want[i].scene, 12)
      })
    },
  )

  test.prop([size.chain(s => fc.tuple(fc.constant(s), framesOf(s.width, s.height))), fc.nat()])(
    'a snapshot between any two frames continues exactly as the uninterrupted run',
    ([s, frames], at) => {
      const split = at % (frames.length + 1)
      const whole = run(new VideoSummary(s), frames)
      const first = new VideoSummary(s)
      const head = run(first, frames.slice(0, split))
      const restored = VideoSummary.fromSnapshot(JSON.parse(JSON.stringify(first.snapshot())))
      expect([...head, ...run(restored, frames.slice(split))]).toEqual(whole)
      expect(restored.frames).toBe(frames.length)
    },
  )

  it('a still picture: motion and scene 0; a cut: scene = min(MAFD, |MAFD - MAFD_prev|)', () => {
    const s = new VideoSummary({ width: 4, height: 2 })
    const black = new Uint8Array(8)
    const white = new Uint8Array(8).fill(255)
    expect(run(s, [black, black, white, white])).toEqual([
      { meanLuma: 0, motion: 0, scene: 0 },
      { meanLuma: 0, motion: 0, scene: 0 },
      { meanLuma: 255, motion: 255, scene: (255 * 100) / 256 },
      { meanLuma: 255, motion: 0, scene: 0 },
    ])
  })

  it('bad input: typed errors naming the value; damaged snapshots: SnapshotError', () => {
    expect(() => new VideoSummary({ width: 0, height: 4 })).toThrow(
      /VideoSummary: width must be an integer in \[1, 16384\], got 0/,
    )
    const s = new VideoSummary({ width: 4, height: 4 })
    expect(() => s.push(new Uint8Array(15))).toThrow(/luma must be a Uint8Array of 4x4 = 16 bytes, got .* of 15 bytes/)
    expect(s.frames).toBe(0)
    s.push(new Uint8Array(16))
    const snap = s.snapshot()
    expect(() => VideoSummary.fromSnapshot({ ...snap, previous: null })).toThrow(SnapshotError)
    expect(() => VideoSummary.fromSnapshot({ ...snap, previous: 'AAAA' })).toThrow(
      /previous holds 3 bytes, expected 16/,
    )
    expect(() => VideoSummary.fromSnapshot({ ...snap, previousMafd: -1 })).toThrow(SnapshotError)
    expect(() => VideoSummary.fromSnapshot({ ...snap, version: 2 })).toThrow(SnapshotError)
  })
})

/** Parses `metadata=print:file=-` output into one record per frame. */
function parseMetadata(text: string): Record<string, number>[] {
  const frames: Record<string, number>[] = []
  for (const line of text.split('\n')) {
    if (line.startsWith('frame:')) frames.push({})
    const m = /^lavfi\.(signalstats\.YAVG|signalstats\.YDIF|scd\.score)=(.+)$/.exec(line.trim())
    if (m !== null) frames[frames.length - 1][m[1]] = Number(m[2])
  }
  return frames
}

describe('VideoSummary: against ffmpeg signalstats (YAVG, YDIF) and scdet (lavfi.scd.score)', () => {
  it('on gray frames with motion, cuts and stills', async () => {
    const [width, height, rate] = [96, 64, 10]
    const parts = [
      `testsrc2=size=${width}x${height}:rate=${rate}:d=1`,
      `smptebars=size=${width}x${height}:rate=${rate}:d=0.5`,
      `rgbtestsrc=size=${width}x${height}:rate=${rate}:d=0.6`,
      `color=c=gray:size=${width}x${height}:rate=${rate}:d=0.3`,
      `testsrc=size=${width}x${height}:rate=${rate}:d=0.5`,
    ]
    const chunks: Buffer[] = []
    for (const graph of parts) {
      const { stdout } = await runFfmpeg(['-f', 'lavfi', '-i', graph, '-vf', 'format=gray', '-f', 'rawvideo', 'pipe:1'])
      chunks.push(stdout)
    }
    const raw = Buffer.concat(chunks)
    const n = width * height
    const frames = Array.from({ length: raw.length / n }, (_, i) => new Uint8Array(raw.subarray(i * n, (i + 1) * n)))
    expect(frames.length).toBe(29)
    const dir = mkdtempSync(join(tmpdir(), 'midstream-video-'))
    const file = join(dir, 'frames.gray')
    writeFileSync(file, raw)
    const { stdout } = await runFfmpeg([
      ...['-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${width}x${height}`, '-r', String(rate), '-i', file],
      ...['-vf', 'signalstats,scdet,metadata=print:file=-', '-f', 'null', '-'],
    ]).finally(() => rmSync(dir, { recursive: true, force: true }))
    const oracle = parseMetadata(stdout.toString('utf8'))
    expect(oracle.length).toBe(frames.length)
    const got = run(new VideoSummary({ width, height }), frames)
    // tolerances: the printed precision (YAVG, YDIF: %g, 6 significant digits; score: %.3f)
    got.forEach((g, i) => {
      const o = oracle[i]
      expect(Math.abs(g.meanLuma - o['signalstats.YAVG'])).toBeLessThanOrEqual(
        5e-6 * Math.max(1, o['signalstats.YAVG']) + 1e-9,
      )
      expect(Math.abs(g.motion - o['signalstats.YDIF'])).toBeLessThanOrEqual(
        5e-6 * Math.max(1, o['signalstats.YDIF']) + 1e-9,
      )
      expect(Math.abs(g.scene - o['scd.score'])).toBeLessThanOrEqual(0.0005 + 1e-9)
    })
    // the planted cuts (testsrc2 | smptebars | rgbtestsrc | gray | testsrc) score high, the stills 0
    const cuts = got.map((g, i) => (g.scene > 5 ? i : -1)).filter(i => i >= 0)
    expect(cuts).toEqual([10, 15, 21, 24])
    for (const still of [11, 12, 13, 14, 16, 22, 23]) expect(got[still].scene).toBe(0)
  })
})
