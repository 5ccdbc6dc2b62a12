import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fc, test } from '@fast-check/vitest'
import { concat, from, lastValueFrom, NEVER, Subject, throwError, toArray } from 'rxjs'
import { afterAll, describe, expect, it } from 'vitest'
import { operatorState, type SilenceEvent, type SilenceSnapshot, silence } from '../../index'
import type { MediaFrame } from '../../src/media/frames'
import { SilenceDetector } from '../../src/media/silence'
import { decodePcm, runFfmpeg } from '../support/ffmpeg'
import { cutAt, framesOf } from './frames'

const dir = mkdtempSync(join(tmpdir(), 'midstream-silence-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Seen {
  type: 'start' | 'end'
  ms: number
  channel?: number
}

/** ffmpeg's `silencedetect` events on `file`, in its log's order, times in ms. */
async function silencedetect(file: string, filter: string): Promise<Seen[]> {
  const { stderr } = await runFfmpeg(['-i', file, '-af', filter, '-f', 'null', '-'])
  const seen: Seen[] = []
  for (const line of stderr.split('\n')) {
    const m = /(?:channel: (\d+) \| )?silence_(start|end): (-?[\d.e+-]+)/.exec(line)
    if (m === null) continue
    const event: Seen = { type: m[2] as 'start' | 'end', ms: Number(m[3]) * 1000 }
    if (m[1] !== undefined) event.channel = Number(m[1])
    seen.push(event)
  }
  return seen
}

function flatten(events: SilenceEvent[]): Seen[] {
  return events.map(e => {
    const seen: Seen = { type: e.type, ms: e.type === 'start' ? e.startMs : e.endMs }
    if (e.channel !== undefined) seen.channel = e.channel
    return seen
  })
}

/** Sorted by time then channel: ffmpeg logs per-channel events in sample order, which ties can reorder. */
const byTime = (a: Seen, b: Seen): number => a.ms - b.ms || (a.channel ?? 0) - (b.channel ?? 0)

async function fixture(name: string, graph: string, seconds: number): Promise<string> {
  const file = join(dir, `${name}.wav`)
  await runFfmpeg(['-f', 'lavfi', '-i', graph, '-t', String(seconds), '-c:a', 'pcm_f32le', '-y', file])
  return file
}

// a 440 Hz tone with gaps: zeros 1.0-2.5 s, a -70 dB murmur 3.0-3.4 s (silent, but too short at 0.5 s),
// zeros 4.0-4.3 s (too short), a -70 dB murmur 5.0-6.2 s, and silence from 7.5 s to the end
const TONE = '0.3*sin(2*PI*440*t)'
const GAPS =
  `if(between(t\\,1\\,2.5)+gte(t\\,7.5)+between(t\\,4\\,4.3)\\,0\\,` +
  `if(between(t\\,3\\,3.4)+between(t\\,5\\,6.2)\\,0.0003*sin(2*PI*300*t)\\,${TONE}))`

describe('silence against ffmpeg silencedetect (same file)', () => {
  it('mono, 16 kHz: the same starts and ends within one 20 ms frame (in fact to the sample), the last at the end of the stream', async () => {
    const file = await fixture('gaps', `aevalsrc=${GAPS}:s=16000`, 9)
    const theirs = await silencedetect(file, 'silencedetect=n=-60dB:d=0.5')
    const samples = await decodePcm(file, { sampleRate: 16000 })
    const events = await lastValueFrom(
      from(framesOf(samples, 16000, 1, 20)).pipe(silence({ noiseDb: -60, durationMs: 500 }), toArray()),
    )
    const mine = flatten(events)
    expect(mine.map(e => e.type)).toEqual(theirs.map(e => e.type))
    expect(theirs).toHaveLength(6) // 1.0-2.5, 5.0-6.2, 7.5-end
    for (const [k, e] of mine.entries()) expect(Math.abs(e.ms - theirs[k].ms), `event ${k}`).toBeLessThan(0.1)
    expect(events.at(-1)).toMatchObject({ type: 'end', atEnd: true, endMs: 9000 })
    expect(events[1]).toMatchObject({ type: 'end', atEnd: false })
    expect(Math.abs((events[1] as { durationMs: number }).durationMs - 1500)).toBeLessThan(0.1)
  })

  it('stereo, channels together (mono=0) and each on its own (mono=1, perChannel)', async () => {
    // left has the gaps; right is silent 2.0-4.0 s and from 6.0 s on
    const right = `if(between(t\\,2\\,4)+gte(t\\,6)\\,0\\,0.2*sin(2*PI*660*t))`
    const file = await fixture('stereo', `aevalsrc=${GAPS}|${right}:s=8000`, 8)
    const samples = await decodePcm(file, { sampleRate: 8000, channels: 2 })
    const frames = framesOf(samples, 8000, 2, 30)
    for (const perChannel of [false, true]) {
      const theirs = await silencedetect(file, `silencedetect=n=-60dB:d=0.3:mono=${perChannel ? 1 : 0}`)
      const events = await lastValueFrom(from(frames).pipe(silence({ durationMs: 300, perChannel }), toArray()))
      const mine = flatten(events)
      expect(theirs.length).toBeGreaterThanOrEqual(perChannel ? 10 : 4)
      expect(mine.map(e => [e.type, e.channel])).toEqual(theirs.map(e => [e.type, e.channel]))
      const a = [...mine].sort(byTime)
      const b = [...theirs].sort(byTime)
      for (const [k, e] of a.entries()) expect(Math.abs(e.ms - b[k].ms), `event ${k}`).toBeLessThan(0.2)
    }
  })
})

describe('silence as an operator', () => {
  const rate = 8000
  const samples = new Float32Array(rate * 3).map((_, i) => ((i >> 9) % 5 < 2 ? 0 : 0.5 * Math.sin(i)))
  const frames = framesOf(samples, rate, 1, 20)
  const opts = { durationMs: 60, noiseDb: -40 }

  test.prop([fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 20 }), fc.nat({ max: 200 })], {
    numRuns: 30,
  })('any frame split gives the same events; a kernel snapshot at any frame continues exactly', async (sizes, at) => {
    const whole = await lastValueFrom(from(frames).pipe(silence(opts), toArray()))
    expect(whole.length).toBeGreaterThan(4)
    const cut = cutAt(samples, rate, 1, (k, from) => from + sizes[k % sizes.length])
    const split = await lastValueFrom(from(cut).pipe(silence(opts), toArray()))
    expect(split).toEqual(whole)
    let detector = new SilenceDetector({ sampleRate: rate, channels: 1, ...opts })
    const out: SilenceEvent[] = []
    for (const [k, f] of cut.entries()) {
      if (k === at % cut.length)
        detector = SilenceDetector.fromSnapshot(JSON.parse(JSON.stringify(detector.snapshot())))
      detector.push(f.samples, f.ptsMs, out)
    }
    detector.finish(out)
    expect(out).toEqual(whole)
  })

  test.prop([fc.nat({ max: 150 })], { numRuns: 10 })(
    'a checkpoint between any two frames resumes to the same events',
    async cut => {
      const whole = await lastValueFrom(from(frames).pipe(silence(opts), toArray()))
      const state = operatorState<SilenceSnapshot>()
      const first: SilenceEvent[] = []
      const sub = concat(from(frames.slice(0, cut)), NEVER)
        .pipe(silence({ ...opts, state }))
        .subscribe(e => first.push(e))
      sub.unsubscribe() // ended by unsubscription, not completion: an open silence stays open
      const saved = JSON.parse(JSON.stringify(state.snapshot()))
      const rest = await lastValueFrom(
        from(frames.slice(cut)).pipe(silence({ ...opts, state: operatorState<SilenceSnapshot>(saved) }), toArray()),
      )
      expect([...first, ...rest]).toEqual(whole)
    },
  )

  it('ends an open silence at completion but not at a source error; ignores video; rejects bad frames and options', async () => {
    const quiet = framesOf(new Float32Array(800), 8000, 1, 20)
    const done = await lastValueFrom(from(quiet).pipe(silence({ durationMs: 50 }), toArray()))
    expect(done).toEqual([
      { type: 'start', startMs: 0 },
      { type: 'end', startMs: 0, endMs: 100, durationMs: 100, atEnd: true },
    ])
    const seen: SilenceEvent[] = []
    const failed = concat(
      from(quiet),
      throwError(() => new Error('boom')),
    )
    await expect(lastValueFrom(failed.pipe(silence({ durationMs: 50 }), toArray()))).rejects.toThrow('boom')
    failed.pipe(silence({ durationMs: 50 })).subscribe({ next: e => seen.push(e), error: () => {} })
    expect(seen).toEqual([{ type: 'start', startMs: 0 }])
    const video: MediaFrame = {
      kind: 'video',
      index: 0,
      ptsMs: 0,
      width: 1,
      height: 1,
      meanLuma: 0,
      motion: 0,
      scene: 0,
    }
    expect(await lastValueFrom(from([video]).pipe(silence(), toArray()))).toEqual([])
    await expect(lastValueFrom(from([{ kind: 'audio', index: 3 }] as never[]).pipe(silence()))).rejects.toThrow(
      /silence: audio frame 3 has sampleRate undefined/,
    )
    expect(() => silence({ noiseDb: 6 })).toThrow(/silence: noiseDb must be a finite number <= 0, got 6/)
    expect(() => silence({ duration: 2 } as never)).toThrow(/silence: unknown option "duration"/)
    const subject = new Subject<MediaFrame>()
    const sub = subject.pipe(silence()).subscribe()
    sub.unsubscribe()
    expect(subject.observed).toBe(false)
  })
})
