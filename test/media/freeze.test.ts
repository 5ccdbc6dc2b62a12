import { type FreezeEvent, freeze, type MediaFrame, type VideoFrame } from 'midstream'
import { freeze as fromMedia } from 'midstream/media'
import { firstValueFrom, from, Subject, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { runFfmpeg } from '../support/ffmpeg'

const FPS = 10
const SOURCE = ['-f', 'lavfi', '-i', `testsrc2=size=160x120:rate=${FPS}:duration=12`]
// still pictures planted by freezeframes: frames 20-39 (exactly 2 s: start and end on frame 40),
// 50-79 (3 s), 95-119 (2.5 s, to the end: a start, no end)
const FREEZES = [
  [20, 39],
  [50, 79],
  [95, 119],
]
  .map(([first, last], k) => {
    const input = k === 0 ? '[0]' : `[s${k}]`
    return `${input}split[a${k}][b${k}];[a${k}][b${k}]freezeframes=first=${first}:last=${last}:replace=${first}[s${k + 1}]`
  })
  .join(';')
const LAST = '[s3]'

/** ffmpeg freezedetect's events on the planted video, after `filters` (e.g. format=gray). */
async function freezedetect(filters: string, noise = 0.001, durationS = 2): Promise<Array<[string, number]>> {
  const graph = `${FREEZES};${LAST}${filters}freezedetect=n=${noise}:d=${durationS}`
  const { stderr } = await runFfmpeg([...SOURCE, '-filter_complex', graph, '-f', 'null', '-'])
  return [...stderr.matchAll(/lavfi\.freezedetect\.(freeze_start|freeze_duration|freeze_end): ([\d.]+)/g)].map(m => [
    m[1],
    Number(m[2]) * 1000,
  ])
}

/** The planted video as VideoFrames at width x height, motion from the previous frame as mediaSource computes it. */
async function videoFrames(width: number, height: number): Promise<VideoFrame[]> {
  const graph = `${FREEZES};${LAST}scale=${width}:${height},format=gray`
  const { stdout } = await runFfmpeg([
    ...SOURCE,
    '-filter_complex',
    graph,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'gray',
    'pipe:1',
  ])
  const size = width * height
  const frames: VideoFrame[] = []
  let previous: Uint8Array | null = null
  for (let index = 0; index * size < stdout.length; index++) {
    const luma = new Uint8Array(stdout.subarray(index * size, (index + 1) * size))
    let sum = 0
    let sad = 0
    for (let i = 0; i < size; i++) {
      sum += luma[i]
      if (previous !== null) sad += Math.abs(luma[i] - previous[i])
    }
    const motion = previous === null ? 0 : sad / size
    frames.push({
      kind: 'video',
      index,
      ptsMs: (index * 1000) / FPS,
      width,
      height,
      meanLuma: sum / size,
      motion,
      scene: 0,
      luma,
    })
    previous = luma
  }
  return frames
}

/** Our events in freezedetect's log form. */
function asLog(events: readonly FreezeEvent[]): Array<[string, number]> {
  return events.flatMap(
    (e): Array<[string, number]> =>
      e.type === 'freeze_start'
        ? [['freeze_start', e.startMs]]
        : [
            ['freeze_duration', e.durationMs as number],
            ['freeze_end', e.endMs as number],
          ],
  )
}

const run = (frames: readonly MediaFrame[], options = {}) =>
  firstValueFrom(from(frames).pipe(freeze(options), toArray()))

describe('freeze against ffmpeg freezedetect', () => {
  it('luma measure at full size on gray frames: exactly freezedetect on the gray picture', async () => {
    const [oracle, frames] = await Promise.all([freezedetect('format=gray,'), videoFrames(160, 120)])
    expect(oracle.map(([k]) => k)).toEqual([
      ...['freeze_start', 'freeze_duration', 'freeze_end'],
      ...['freeze_start', 'freeze_duration', 'freeze_end'],
      'freeze_start',
    ])
    const events = await run(frames, { measure: 'luma' })
    expect(asLog(events)).toEqual(oracle)
    // freeze_start is known durationMs after the still picture began
    expect(events[0].ptsMs).toBe(4000)
  })

  it('motion measure on a 40x30 summary: freezedetect on the full yuv420p picture, within one frame', async () => {
    const [oracle, frames] = await Promise.all([freezedetect(''), videoFrames(40, 30)])
    const ours = asLog(await run(frames))
    expect(ours.map(([k]) => k)).toEqual(oracle.map(([k]) => k))
    ours.forEach(([, t], k) => expect(Math.abs(t - oracle[k][1])).toBeLessThanOrEqual(1000 / FPS))
  })

  it('with other noise and duration options, as freezedetect with the same', async () => {
    const [oracle, frames] = await Promise.all([freezedetect('format=gray,', 0.01, 2.5), videoFrames(160, 120)])
    expect(asLog(await run(frames, { measure: 'luma', noise: 0.01, durationMs: 2500 }))).toEqual(oracle)
  })
})

describe('freeze as a stream operator', () => {
  const still = (index: number, motion: number): VideoFrame => ({
    kind: 'video',
    index,
    ptsMs: index * 100,
    width: 1,
    height: 1,
    meanLuma: 0,
    motion,
    scene: 0,
  })

  it('a slow fade below noise per frame counts as still with motion, not with luma (the documented difference)', async () => {
    // luma rises by 1 every second frame: motion 0 or 1 (<= 0.001 * 256 only when 0); use noise 0.005 (1.28 levels)
    const frames = Array.from({ length: 40 }, (_, index) => {
      const luma = new Uint8Array(16).fill(100 + Math.floor(index / 2))
      return { ...still(index, index === 0 ? 0 : index % 2 === 0 ? 1 : 0), width: 4, height: 4, luma }
    })
    expect((await run(frames, { noise: 0.005 })).map(e => e.type)).toEqual(['freeze_start'])
    expect(await run(frames, { noise: 0.005, measure: 'luma' })).toEqual([])
  })

  it('ignores audio frames, errors on bad frames naming them, throws on bad options', async () => {
    const audio = {
      kind: 'audio',
      index: 0,
      ptsMs: 0,
      sampleRate: 8000,
      channels: 1,
      samples: new Float32Array(8),
    } as const
    const frames: MediaFrame[] = [still(0, 0), audio, ...Array.from({ length: 30 }, (_, i) => still(i + 1, 0))]
    expect((await run(frames)).map(e => [e.type, e.startMs, e.ptsMs])).toEqual([['freeze_start', 0, 2000]])
    await expect(run([still(0, 0), still(1, 300)])).rejects.toThrow(/freeze: video frame #1 has motion 300/)
    await expect(run([still(0, 0)], { measure: 'luma' })).rejects.toThrow(/measure 'luma' needs frames with luma/)
    await expect(run([{ kind: 'nope' } as never])).rejects.toThrow(/expected a MediaFrame/)
    await expect(run([{ ...still(0, 0), ptsMs: Number.NaN }])).rejects.toThrow(/ptsMs NaN/)
    expect(() => freeze({ noise: 2 })).toThrow(/^freeze: noise must be a finite number in \[0, 1\], got 2$/)
    expect(() => freeze({ duration: 2 } as never)).toThrow(TypeError)
    expect(() => freeze({ measure: 'chroma' } as never)).toThrow(/measure must be 'motion' or 'luma'/)
    expect(fromMedia).toBe(freeze)
  })

  it('completes with the source, passes errors, and lets go of the source when unsubscribed', () => {
    const source = new Subject<MediaFrame>()
    const seen: FreezeEvent[] = []
    const sub = source.pipe(freeze({ durationMs: 100 })).subscribe(e => seen.push(e))
    for (let i = 0; i < 3; i++) source.next(still(i, 0))
    expect(seen.map(e => e.type)).toEqual(['freeze_start'])
    sub.unsubscribe()
    expect(source.observed).toBe(false)
    let end = ''
    const again = new Subject<MediaFrame>()
    again.pipe(freeze()).subscribe({ complete: () => (end = 'complete'), error: () => (end = 'error') })
    again.error(new Error('x'))
    expect(end).toBe('error')
  })
})
