import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fc, test } from '@fast-check/vitest'
import { from, lastValueFrom, Subject, toArray } from 'rxjs'
import { afterAll, describe, expect, it } from 'vitest'
import { type AudioLevel, audioLevel, blockLevels, dtwMatch, LtlViolationError, ltlGuard } from '../../index'
import type { MediaFrame } from '../../src/media/frames'
import { decodePcm, runFfmpeg } from '../support/ffmpeg'
import { framesOf, sine } from './frames'

const dir = mkdtempSync(join(tmpdir(), 'midstream-level-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const levels = (frames: MediaFrame[]): Promise<AudioLevel[]> =>
  lastValueFrom(from(frames).pipe(audioLevel(), toArray()))

describe('audioLevel: closed forms', () => {
  it('a 440 Hz sine of peak 0.1 (-20 dBFS peak) reads -23.01 dBFS RMS; one of RMS 0.1 reads -20.0', async () => {
    // 440 Hz at 44.1 kHz: 20 ms frames hold 8.8 periods, so the RMS per frame is off the closed form by < 0.05 dB
    const peak = await levels(framesOf(sine(0.1, 440, 44100, 1), 44100, 1, 20))
    for (const l of peak) {
      expect(Math.abs(l.rmsDb - 20 * Math.log10(0.1 / Math.SQRT2))).toBeLessThan(0.1)
      expect(Math.abs(l.rmsDb + 23.01)).toBeLessThan(0.1)
      expect(Math.abs(l.peakDb + 20)).toBeLessThan(0.01)
      expect(l.perChannel).toBeUndefined()
    }
    const rms = await levels(framesOf(sine(0.1 * Math.SQRT2, 440, 44100, 1), 44100, 1, 20))
    for (const l of rms) expect(Math.abs(l.rmsDb + 20)).toBeLessThan(0.1)
    // over whole periods the closed form holds to float precision
    const exact = blockLevels(sine(0.1, 1000, 48000, 0.1), 1)
    expect(exact.rmsDb).toBeCloseTo(-23.0103, 3)
  })

  it('digital silence reads -Infinity (astats prints -inf); stereo gives levels per channel and over both', async () => {
    const [quiet] = await levels(framesOf(new Float32Array(160), 8000, 1, 20))
    expect(quiet).toEqual({ index: 0, ptsMs: 0, rmsDb: Number.NEGATIVE_INFINITY, peakDb: Number.NEGATIVE_INFINITY })
    const stereo = new Float32Array(2 * 480)
    for (let i = 0; i < 480; i++) {
      stereo[2 * i] = 0.5
      stereo[2 * i + 1] = i % 2 === 0 ? 0.25 : -0.25
    }
    const [l] = await levels(framesOf(stereo, 48000, 2, 10))
    expect(l.perChannel?.[0].rmsDb).toBeCloseTo(20 * Math.log10(0.5), 10)
    expect(l.perChannel?.[1].peakDb).toBeCloseTo(20 * Math.log10(0.25), 10)
    expect(l.rmsDb).toBeCloseTo(10 * Math.log10((0.25 + 0.0625) / 2), 10)
    expect(l.peakDb).toBeCloseTo(20 * Math.log10(0.5), 10)
  })

  test.prop([
    fc
      .array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 2, maxLength: 400 })
      .map(a => a.slice(0, a.length & ~1)),
  ])('equals brute force (RMS and peak over the samples) for any stereo block', samples => {
    const block = Float32Array.from(samples)
    const l = blockLevels(block, 2)
    const f = Array.from(block)
    const db = (v: number): number => 20 * Math.log10(v)
    expect(l.peakDb).toBe(db(Math.max(...f.map(Math.abs))))
    const rms = Math.sqrt(f.reduce((a, x) => a + x * x, 0) / f.length)
    if (rms > 0) expect(l.rmsDb).toBeCloseTo(db(rms), 9)
    else expect(l.rmsDb).toBe(Number.NEGATIVE_INFINITY)
  })
})

describe('audioLevel against ffmpeg astats', () => {
  it('pink noise: RMS and peak of each 100 ms frame equal astats per frame (asetnsamples) within 0.01 dB', async () => {
    const file = join(dir, 'pink.wav')
    await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'anoisesrc=c=pink:a=0.3:seed=3:r=16000',
      '-t',
      '2',
      '-c:a',
      'pcm_f32le',
      '-y',
      file,
    ])
    const { stderr } = await runFfmpeg([
      '-i',
      file,
      '-af',
      'asetnsamples=n=1600,astats=metadata=1:reset=1,ametadata=mode=print',
      '-f',
      'null',
      '-',
    ])
    const rms = [...stderr.matchAll(/lavfi\.astats\.Overall\.RMS_level=(-?[\d.]+)/g)].map(m => Number(m[1]))
    const peak = [...stderr.matchAll(/lavfi\.astats\.Overall\.Peak_level=(-?[\d.]+)/g)].map(m => Number(m[1]))
    const mine = await levels(framesOf(await decodePcm(file, { sampleRate: 16000 }), 16000, 1, 100))
    expect(mine).toHaveLength(20)
    expect(rms.length).toBeGreaterThanOrEqual(20)
    for (const [k, l] of mine.entries()) {
      expect(Math.abs(l.rmsDb - rms[k]), `frame ${k}`).toBeLessThan(0.01)
      expect(Math.abs(l.peakDb - peak[k]), `frame ${k}`).toBeLessThan(0.01)
    }
  })
})

describe('audioLevel as a series', () => {
  it('dtwMatch finds a jingle (three rising beeps) in a stream of levels', async () => {
    const rate = 8000
    const jingle = new Float32Array(rate * 0.6)
    for (let i = 0; i < jingle.length; i++) {
      const beep = Math.floor(i / 1600) // 200 ms each: -30, -20, -10 dBFS peak
      jingle[i] = 10 ** ((-30 + 10 * beep) / 20) * Math.sin((2 * Math.PI * 880 * i) / rate)
    }
    const template = (await levels(framesOf(jingle, rate, 1, 20))).map(l => l.rmsDb)
    let seed = 12345
    const stream = new Float32Array(rate * 6)
    for (let i = 0; i < stream.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0
      stream[i] = ((seed / 2 ** 32) * 2 - 1) * 0.01 // noise at about -45 dBFS RMS
    }
    stream.set(
      jingle.map((x, i) => x + stream[2 * rate + i]),
      2 * rate,
    ) // planted at 2 s: frame 100
    const matches = await lastValueFrom(
      from(framesOf(stream, rate, 1, 20)).pipe(
        audioLevel(),
        dtwMatch(template, { threshold: 30, select: l => l.rmsDb, time: l => l.ptsMs }),
        toArray(),
      ),
    )
    expect(matches).toHaveLength(1)
    // DTW may squeeze the flat first beep, so the match starts inside it; it ends with the last beep (frame 129)
    expect(matches[0].start).toBeGreaterThanOrEqual(100)
    expect(matches[0].start).toBeLessThan(110)
    expect(Math.abs(matches[0].end - 129)).toBeLessThanOrEqual(1)
    expect(Math.abs((matches[0].endTime as number) - 2580)).toBeLessThanOrEqual(20)
  })

  it('ltlGuard watches levels: G (loud -> F[0,1s] !loud) holds for a 0.5 s burst, fails for a 2 s one', async () => {
    const rate = 8000
    const burst = (seconds: number): Float32Array => {
      const x = new Float32Array(rate * 4)
      x.set(sine(0.5, 440, rate, seconds), rate) // loud from 1 s on
      return x
    }
    const guard = (seconds: number) =>
      lastValueFrom(
        from(framesOf(burst(seconds), rate, 1, 20)).pipe(
          audioLevel(),
          ltlGuard('G (loud -> F[0,1s] !loud)', { atoms: { loud: l => l.rmsDb > -20 }, time: l => l.ptsMs }),
          toArray(),
        ),
      )
    expect(await guard(0.5)).toHaveLength(200)
    await expect(guard(2)).rejects.toBeInstanceOf(LtlViolationError)
  })

  it('stops its source on unsubscription and errors on a broken frame, naming it', async () => {
    const subject = new Subject<MediaFrame>()
    const sub = subject.pipe(audioLevel()).subscribe()
    sub.unsubscribe()
    expect(subject.observed).toBe(false)
    const bad = { kind: 'audio', index: 7, ptsMs: 0, sampleRate: 8000, channels: 2, samples: new Float32Array(3) }
    await expect(lastValueFrom(from([bad] as MediaFrame[]).pipe(audioLevel()))).rejects.toThrow(
      /audioLevel: audio frame 7 has 3 samples, not a whole number of 2-channel frames/,
    )
    expect(() => audioLevel({ window: 3 } as never)).toThrow(/audioLevel: unknown option "window"/)
  })
})
