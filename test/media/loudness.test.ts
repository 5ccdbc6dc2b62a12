import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fc, test } from '@fast-check/vitest'
import { from, lastValueFrom, Subject, toArray } from 'rxjs'
import { afterAll, describe, expect, it } from 'vitest'
import { type LoudnessReading, type LoudnessSnapshot, loudness, operatorState } from '../../index'
import type { MediaFrame } from '../../src/media/frames'
import { decodePcm, runFfmpeg } from '../support/ffmpeg'
import { cutAt, framesOf } from './frames'

const dir = mkdtempSync(join(tmpdir(), 'midstream-loudness-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** ffmpeg's `ebur128` readings every 100 ms (its `metadata` mode: 3 decimals) of `file`. */
async function ebur128(file: string): Promise<Array<{ M: number; S: number; I: number; LRA: number }>> {
  const { stderr } = await runFfmpeg(['-i', file, '-af', 'ebur128=metadata=1,ametadata=mode=print', '-f', 'null', '-'])
  const steps: Array<Record<string, number>> = []
  for (const line of stderr.split('\n')) {
    if (/\] frame:\d+/.test(line)) steps.push({})
    const m = /lavfi\.r128\.(M|S|I|LRA)=(-?[\d.]+)/.exec(line)
    if (m !== null) steps[steps.length - 1][m[1]] = Number(m[2])
  }
  return steps as Array<{ M: number; S: number; I: number; LRA: number }>
}

/** A lavfi graph rendered to a float WAV (the input both meters read). */
async function fixture(name: string, graph: string, seconds: number): Promise<string> {
  const file = join(dir, `${name}.wav`)
  await runFfmpeg(['-f', 'lavfi', '-i', graph, '-t', String(seconds), '-c:a', 'pcm_f32le', '-y', file])
  return file
}

async function ours(file: string, rate: number, channels: number): Promise<LoudnessReading[]> {
  const samples = await decodePcm(file, { sampleRate: rate, channels })
  return lastValueFrom(from(framesOf(samples, rate, channels, 20)).pipe(loudness(), toArray()))
}

const CASES = [
  // EBU Tech 3341 test 1: stereo 1 kHz at -23 dBFS reads -23.0 LUFS
  {
    name: 'tech3341-1',
    rate: 48000,
    channels: 2,
    seconds: 5,
    graph: 'aevalsrc=0.0707946*sin(2*PI*1000*t)|0.0707946*sin(2*PI*1000*t):s=48000',
  },
  { name: 'pink', rate: 48000, channels: 1, seconds: 6, graph: 'anoisesrc=c=pink:a=0.3:seed=42:r=48000' },
  { name: 'white-16k', rate: 16000, channels: 1, seconds: 6, graph: 'anoisesrc=c=white:a=0.1:seed=7:r=16000' },
  {
    name: 'stereo-44k',
    rate: 44100,
    channels: 2,
    seconds: 6,
    graph: 'aevalsrc=0.2*sin(2*PI*220*t)|0.05*sin(2*PI*3000*t)+0.02*sin(2*PI*60*t):s=44100',
  },
  {
    // 5.1: L R C LFE Ls Rs, the LFE left out and the surrounds weighed 1.41 (ffmpeg's weights too)
    name: '5.1',
    rate: 48000,
    channels: 6,
    seconds: 4,
    graph:
      'aevalsrc=0.1*sin(2*PI*500*t)|0.05*sin(2*PI*700*t)|0.1*sin(2*PI*900*t)|0.5*sin(2*PI*50*t)|0.1*sin(2*PI*1100*t)|0.02*sin(2*PI*1300*t):s=48000:c=5.1',
  },
  {
    name: 'loud-quiet',
    rate: 48000,
    channels: 1,
    seconds: 14,
    graph: 'aevalsrc=if(lt(mod(t\\,4)\\,2)\\,0.4\\,if(lt(mod(t\\,4)\\,3)\\,0.004\\,0.04))*sin(2*PI*500*t):s=48000',
  },
]

describe('loudness against ffmpeg ebur128 (same file, every 100 ms)', () => {
  it.each(CASES)('$name: momentary, short-term, integrated and LRA within 0.1 LU', async c => {
    const file = await fixture(c.name, c.graph, c.seconds)
    const [theirs, mine] = await Promise.all([ebur128(file), ours(file, c.rate, c.channels)])
    expect(mine).toHaveLength(c.seconds * 10)
    expect(theirs.length).toBeGreaterThanOrEqual(mine.length)
    let compared = 0
    for (const [k, r] of mine.entries()) {
      const f = theirs[k]
      expect(r.step).toBe(k)
      expect(r.timeMs).toBeCloseTo((k + 1) * 100, 6)
      if (k < 3) expect(r.momentary).toBeNull()
      else if (f.M > -70) expect(Math.abs((r.momentary as number) - f.M), `M at step ${k}`).toBeLessThan(0.1)
      if (k < 29) expect(r.shortTerm).toBeNull()
      else if (f.S > -70) expect(Math.abs((r.shortTerm as number) - f.S), `S at step ${k}`).toBeLessThan(0.1)
      if (r.integrated !== null) {
        expect(Math.abs(r.integrated - f.I), `I at step ${k}`).toBeLessThan(0.1)
        compared++
      }
      // with fewer than 5 short-term values ffmpeg's 10th percentile is the gate itself (its rank rounds to 0)
      if (k >= 33) expect(Math.abs((r.range as number) - f.LRA), `LRA at step ${k}`).toBeLessThan(0.1)
    }
    expect(compared).toBeGreaterThan(c.seconds * 10 - 5)
    if (c.name === 'tech3341-1') expect(Math.abs((mine.at(-1)?.integrated as number) + 23)).toBeLessThan(0.1)
  })
})

describe('loudness as an operator', () => {
  const samples = new Float32Array(2 * 8000 * 2).map((_, i) => 0.1 * Math.sin(i / 3))
  const frames = framesOf(samples, 8000, 2, 30)

  test.prop([fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 30 })], { numRuns: 20 })(
    'any frame split gives the same readings, and video frames in between change nothing',
    async sizes => {
      const whole = await lastValueFrom(from(frames).pipe(loudness(), toArray()))
      const cut = cutAt(samples, 8000, 2, (k, at) => at + 2 * sizes[k % sizes.length])
      const video: MediaFrame = {
        kind: 'video',
        index: 0,
        ptsMs: 0,
        width: 2,
        height: 2,
        meanLuma: 0,
        motion: 0,
        scene: 0,
      }
      const mixed = cut.flatMap(f => [f, video])
      const split = await lastValueFrom(from(mixed).pipe(loudness(), toArray()))
      expect(split).toEqual(whole)
    },
  )

  test.prop([fc.nat({ max: frames.length })], { numRuns: 10 })(
    'a checkpoint between any two frames, through JSON, resumes to the uninterrupted readings',
    async cut => {
      const whole = await lastValueFrom(from(frames).pipe(loudness(), toArray()))
      const state = operatorState<LoudnessSnapshot>()
      const first = await lastValueFrom(from(frames.slice(0, cut)).pipe(loudness({ state }), toArray()))
      const saved = JSON.parse(JSON.stringify(state.snapshot()))
      const second = await lastValueFrom(
        from(frames.slice(cut)).pipe(loudness({ state: operatorState<LoudnessSnapshot>(saved) }), toArray()),
      )
      expect([...first, ...second]).toEqual(whole)
    },
  )

  it('errors, naming the frame, on a non-finite sample or a change of sample rate; passes errors and stops on unsubscribe', async () => {
    const bad = { ...frames[1], samples: frames[1].samples.slice() }
    bad.samples[5] = Number.NaN
    await expect(lastValueFrom(from([frames[0], bad]).pipe(loudness()))).rejects.toThrow(
      /loudness: audio frame 1 has sample 5 = NaN, not a finite number/,
    )
    const other = { ...frames[1], sampleRate: 16000 }
    await expect(lastValueFrom(from([frames[0], other]).pipe(loudness()))).rejects.toThrow(
      /loudness: audio frame 1 has 16000 Hz x 2 channels, the stream started with 8000 Hz x 2/,
    )
    await expect(
      lastValueFrom(from([{ ...frames[0], channels: 4, samples: new Float32Array(8) }]).pipe(loudness())),
    ).rejects.toThrow(/loudness: LoudnessMeter: no default channel weights for 4/)
    expect(() => loudness({ gain: 2 } as never)).toThrow(/loudness: unknown option "gain"/)
    expect(() => loudness({ weights: [1, -1] })).toThrow(/loudness: weights\[1\] must be a finite number >= 0, got -1/)
    await expect(lastValueFrom(from([frames[0]]).pipe(loudness({ weights: [1, 1, 1] })))).rejects.toThrow(
      /loudness: LoudnessMeter: weights must be an array of 2 numbers/,
    )
    const subject = new Subject<MediaFrame>()
    const seen: LoudnessReading[] = []
    const sub = subject.pipe(loudness()).subscribe(r => seen.push(r))
    for (const f of frames.slice(0, 10)) subject.next(f)
    sub.unsubscribe()
    expect(subject.observed).toBe(false)
    expect(seen.map(r => r.step)).toEqual([0, 1, 2])
  })
})
