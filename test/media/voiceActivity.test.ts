import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fc, test } from '@fast-check/vitest'
import {
  type AudioFrame,
  LtlViolationError,
  ltlGuard,
  type MediaFrame,
  operatorState,
  type VideoFrame,
  type VoiceActivityEvent,
  type VoiceActivityOperatorSnapshot,
  voiceActivity,
} from 'midstream'
import { voiceActivity as fromMedia } from 'midstream/media'
import { filter, firstValueFrom, from, map, type Observable, Subject, toArray } from 'rxjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { runFfmpeg } from '../support/ffmpeg'
import { framesOf, SENTENCES, type SpeechFixture, speechFixture } from '../support/speech'

const GAPS = [700, 900, 1200, 600, 1500, 800, 1000]

function audioFrames(samples: Float32Array, sampleRate: number, frameMs: number): AudioFrame[] {
  return framesOf(samples, sampleRate, frameMs).map((s, index) => ({
    kind: 'audio',
    index,
    ptsMs: index * frameMs,
    sampleRate,
    channels: 1,
    samples: s.slice(),
  }))
}

const run = (frames: readonly MediaFrame[], options = {}): Promise<VoiceActivityEvent[]> =>
  firstValueFrom(from(frames).pipe(voiceActivity(options), toArray()))

const edges = (events: readonly VoiceActivityEvent[], kind: 'onset' | 'offset'): number[] =>
  events.filter(e => e.transition === kind).map(e => e.edgeMs as number)

/** silence_start / silence_end of ffmpeg's silencedetect on the same PCM. */
async function silencedetect(samples: Float32Array, noiseDb: number, minMs: number) {
  const dir = await mkdtemp(join(tmpdir(), 'midstream-vad-'))
  try {
    const file = join(dir, 'track.f32')
    await writeFile(file, new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength))
    const { stderr } = await runFfmpeg([
      ...['-f', 'f32le', '-ar', '16000', '-ac', '1', '-i', file],
      ...['-af', `silencedetect=n=${noiseDb}dB:d=${minMs / 1000}`, '-f', 'null', '-'],
    ])
    const starts = [...stderr.matchAll(/silence_start: ([\d.]+)/g)].map(m => Number(m[1]) * 1000)
    const ends = [...stderr.matchAll(/silence_end: ([\d.]+)/g)].map(m => Number(m[1]) * 1000)
    return { starts, ends }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

describe('voiceActivity on espeak-ng sentences with planted silences', () => {
  const fixtures: Record<string, SpeechFixture> = {}
  beforeAll(async () => {
    fixtures.clean = await speechFixture(SENTENCES, GAPS)
    fixtures.snr30 = await speechFixture(SENTENCES, GAPS, { snrDb: 30, seed: 7 })
    fixtures.snr20 = await speechFixture(SENTENCES, GAPS, { snrDb: 20, seed: 7 })
  })

  // at 20 dB SNR a sentence's quiet first and last sounds are under the noise: onsets come later, offsets earlier
  for (const [name, frameMs, tolerance, offsetTolerance] of [
    ['clean', 10, 30, 100],
    ['clean', 20, 30, 100],
    ['snr30', 10, 30, 100],
    ['snr30', 20, 30, 100],
    ['snr20', 10, 60, 150],
  ] as const) {
    it(`${name}, ${frameMs} ms frames: one onset per sentence within ${tolerance} ms of the planted one, offsets within ${offsetTolerance} ms`, async () => {
      const fx = fixtures[name]
      const events = await run(audioFrames(fx.samples, fx.sampleRate, frameMs))
      expect(events.map(e => e.index)).toEqual(events.map((_, i) => i))
      const onsets = edges(events, 'onset')
      const offsets = edges(events, 'offset')
      expect(onsets.length).toBe(fx.segments.length)
      expect(offsets.length).toBe(fx.segments.length)
      fx.segments.forEach((s, k) => {
        expect(Math.abs(onsets[k] - s.startMs)).toBeLessThanOrEqual(tolerance)
        expect(Math.abs(offsets[k] - s.endMs)).toBeLessThanOrEqual(offsetTolerance)
      })
    })
  }

  it('agrees with ffmpeg silencedetect (-50 dB, 300 ms) on the clean track: onsets and offsets within 30 ms', async () => {
    const fx = fixtures.clean
    const oracle = await silencedetect(fx.samples, -50, 300)
    const events = await run(audioFrames(fx.samples, fx.sampleRate, 10))
    // the track opens and closes on silence: silence ends are onsets (but the last, at the end of the
    // file), silence starts after the first (at 0) are offsets
    const durationMs = (fx.samples.length * 1000) / fx.sampleRate
    expect(oracle.ends.at(-1)).toBeCloseTo(durationMs, 0)
    oracle.ends.pop()
    expect(edges(events, 'onset').length).toBe(oracle.ends.length)
    expect(edges(events, 'offset').length).toBe(oracle.starts.length - 1)
    edges(events, 'onset').forEach((t, k) => expect(Math.abs(t - oracle.ends[k])).toBeLessThanOrEqual(30))
    edges(events, 'offset').forEach((t, k) => expect(Math.abs(t - oracle.starts[k + 1])).toBeLessThanOrEqual(30))
  })

  it('composes with ltlGuard: G (speech -> F[0,2s] response) holds while responses follow onsets, fails when one is late', async () => {
    const fx = fixtures.clean
    const onsets = from(audioFrames(fx.samples, fx.sampleRate, 20)).pipe(
      voiceActivity(),
      filter(e => e.transition === 'onset'),
      map(e => ({ kind: 'speech' as const, t: e.ptsMs })),
    )
    const atoms = {
      speech: (e: { kind: string; t: number }) => e.kind === 'speech',
      response: (e: { kind: string; t: number }) => e.kind === 'response',
    }
    const withResponses = async (delayMs: (k: number) => number) => {
      const speech = await firstValueFrom(onsets.pipe(toArray()))
      const responses = speech.map((s, k) => ({ kind: 'response' as const, t: s.t + delayMs(k) }))
      const timeline: Array<{ kind: string; t: number }> = [...speech, ...responses].sort((a, b) => a.t - b.t)
      return firstValueFrom(
        from(timeline).pipe(
          ltlGuard('G (speech -> F[0,2s] response)', { atoms, time: (e: { t: number }) => e.t }),
          toArray(),
        ),
      ).then(
        events => ({ passed: events.length, error: null as unknown }),
        error => ({ passed: -1, error }),
      )
    }
    const onTime = await withResponses(() => 800)
    expect(onTime.error).toBeNull()
    expect(onTime.passed).toBe(2 * fx.segments.length)
    const late = await withResponses(k => (k === 2 ? 2500 : 800))
    expect(late.error).toBeInstanceOf(LtlViolationError)
  })
})

describe('voiceActivity as a stream operator', () => {
  const tone = (index: number, on: boolean): AudioFrame => {
    const samples = new Float32Array(160)
    for (let i = 0; i < 160; i++) {
      const t = index * 160 + i
      samples[i] =
        (on ? 0.3 * Math.sin((2 * Math.PI * 200 * t) / 16000) : 0) + 1e-3 * Math.sin(t * 1.7) * Math.cos(t * 0.31)
    }
    return { kind: 'audio', index, ptsMs: index * 10, sampleRate: 16000, channels: 1, samples }
  }
  const video: VideoFrame = { kind: 'video', index: 0, ptsMs: 5, width: 2, height: 2, meanLuma: 1, motion: 0, scene: 0 }
  const script = (pattern: readonly boolean[]): AudioFrame[] => pattern.map((on, i) => tone(i, on))

  test.prop([fc.array(fc.boolean(), { maxLength: 120 }), fc.nat()], { numRuns: 30 })(
    'a state snapshot taken after any frame, through JSON, continues as the uninterrupted run; video frames are ignored',
    async (pattern, cut) => {
      const frames: MediaFrame[] = [...script([false, false, ...pattern])]
      frames.splice(1, 0, video)
      const whole = await run(frames)
      expect(whole.length).toBe(frames.length - 1)
      const k = cut % (frames.length + 1)
      const state = operatorState<VoiceActivityOperatorSnapshot>()
      const head = await run(frames.slice(0, k), { state })
      const saved = JSON.parse(JSON.stringify(state.snapshot()))
      const tail = await run(frames.slice(k), { state: operatorState(saved) })
      expect([...head, ...tail]).toEqual(whole)
    },
  )

  it('is the same operator from midstream/media', () => expect(fromMedia).toBe(voiceActivity))

  it('errors on a non-frame, a changed sample rate, a bad sample, naming the frame; bad options throw at once', async () => {
    await expect(run([{ kind: 'x' } as never])).rejects.toThrow(/voiceActivity: expected a MediaFrame, got/)
    const other = { ...tone(1, false), sampleRate: 8000 }
    await expect(run([tone(0, false), other])).rejects.toThrow(
      /audio frame #1 has sampleRate 8000, the stream started at 16000/,
    )
    const bad = tone(2, false)
    bad.samples[3] = Number.NaN
    await expect(run([tone(0, false), tone(1, false), bad])).rejects.toThrow(
      /audio frame #2: .*sample 3 of the frame is NaN/,
    )
    await expect(run([{ ...tone(0, false), samples: [0, 1] } as never])).rejects.toThrow(TypeError)
    expect(() => voiceActivity({ hangoverMs: -1 })).toThrow(/^voiceActivity: hangoverMs must be .*got -1$/)
    expect(() => voiceActivity({ sampleRate: 1 } as never)).toThrow(TypeError)
    const state = operatorState({ kind: 'dtwMatch', version: 1 } as never)
    await expect(run([tone(0, false)], { state })).rejects.toThrow(/kind/)
  })

  it('passes errors through, completes with the source, and stops reading when unsubscribed', () => {
    const source = new Subject<MediaFrame>()
    const seen: VoiceActivityEvent[] = []
    let ended = ''
    const sub = source.pipe(voiceActivity()).subscribe({ next: e => seen.push(e), error: () => (ended = 'error') })
    source.next(tone(0, false))
    source.next(tone(1, true))
    expect(seen.length).toBe(2)
    sub.unsubscribe()
    expect(source.observed).toBe(false)
    const again = new Subject<MediaFrame>()
    ;(again as Observable<MediaFrame>)
      .pipe(voiceActivity())
      .subscribe({ error: () => (ended = 'error'), complete: () => (ended = 'complete') })
    again.error(new Error('boom'))
    expect(ended).toBe('error')
  })
})
