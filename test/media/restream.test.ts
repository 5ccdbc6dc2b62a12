import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fc, test } from '@fast-check/vitest'
import { filter, firstValueFrom, type Observable } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MediaSourceError } from '../../media/ffmpeg'
import { type RestreamHealth, restream } from '../../media/restream'
import { ProgressReader, teeFailure } from '../../media/restreamProgress'
import { runFfprobe } from '../support/ffmpeg'
import { type RtmpServer, startRtmpServer } from '../support/nginxRtmp'
import { freePort } from '../support/redisServer'

const LAVFI_AV = 'testsrc=size=320x240:rate=25[out0];sine=frequency=440:sample_rate=48000[out1]'

interface Run {
  values: RestreamHealth[]
  error?: unknown
}

/** Subscribes and resolves when the stream completes or errors. */
function finish(source: Observable<RestreamHealth>): Promise<Run> {
  const run: Run = { values: [] }
  return new Promise(resolve =>
    source.subscribe({
      next: v => run.values.push(v),
      error: (error: unknown) => resolve({ ...run, error }),
      complete: () => resolve(run),
    }),
  )
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Resolves once `pid` no longer exists (reaped, not a zombie); fails after 10 s. */
async function gone(pid: number): Promise<void> {
  const deadline = Date.now() + 10_000
  while (alive(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} still exists`)
    await new Promise(r => setTimeout(r, 50))
  }
}

interface Probe {
  duration: number
  codecs: string[]
}

async function probe(path: string): Promise<Probe> {
  const { stdout } = await runFfprobe([
    '-v',
    'error',
    '-show_entries',
    'format=duration:stream=codec_name',
    '-of',
    'json',
    path,
  ])
  const json = JSON.parse(stdout.toString('utf8')) as {
    format: { duration: string }
    streams: { codec_name: string }[]
  }
  return { duration: Number(json.format.duration), codecs: json.streams.map(s => s.codec_name).sort() }
}

/** An ffmpeg that plays `url` into `file` (copy) and exits 1.5 s after the stream stops. */
function player(url: string, file: string): ChildProcess {
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    '-rw_timeout',
    '1500000',
    '-i',
    url,
    '-c',
    'copy',
    file,
  ]
  return spawn('ffmpeg', args, { stdio: 'ignore' })
}

/** A live publisher: lavfi video + audio encoded to H.264/AAC, paced in real time, to `url`. */
function publisher(url: string, seconds = 30): ChildProcess {
  const args = [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', LAVFI_AV, '-t', String(seconds)],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-c:a', 'aac', '-f', 'flv', url],
  ]
  return spawn('ffmpeg', args, { stdio: 'ignore' })
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise(resolve => child.once('exit', () => resolve()))
}

async function kill(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL')
  await exited(child)
}

let server: RtmpServer
let root: string
beforeAll(async () => {
  server = await startRtmpServer()
  root = mkdtempSync(join(tmpdir(), 'midstream-restream-'))
})
afterAll(async () => {
  await server?.stop()
  rmSync(root, { recursive: true, force: true })
})

describe('restream: one ingest to two RTMP servers, HLS and a file', () => {
  it('delivers the whole input to every output while a closed port fails alone', async () => {
    const dir = join(root, 'fanout')
    mkdirSync(join(dir, 'hls'), { recursive: true })
    const closed = await freePort()
    const players = [player(`${server.url}/a`, join(dir, 'a.flv')), player(`${server.url}/b`, join(dir, 'b.flv'))]
    await new Promise(r => setTimeout(r, 300)) // the players wait for the publish
    const run = await finish(
      restream(
        LAVFI_AV,
        [
          { url: `${server.url}/a` },
          { url: `rtmp://127.0.0.1:${closed}/live/x`, name: 'closed' },
          { url: `${server.url}/b` },
          { dir: join(dir, 'hls') },
          { file: join(dir, 'out.mp4') },
        ],
        { inputOptions: ['-re', '-f', 'lavfi', '-t', '2'] },
      ),
    )
    await Promise.all(players.map(exited))
    expect(run.error).toBeUndefined()
    const last = run.values.at(-1) as RestreamHealth
    expect(last.state).toBe('ended')
    expect(last.outputs.map(o => o.state)).toEqual(['up', 'failed', 'up', 'up', 'up'])
    expect(last.outputs[1]).toMatchObject({
      name: 'closed',
      error: expect.stringMatching(/Slave muxer #1 failed: Connection refused/),
    })
    // 2 s of 25 fps video: 50 frames, output time within one frame of 2 s
    expect(last.frame).toBe(50)
    expect(Math.abs((last.outTimeMs as number) - 2000)).toBeLessThanOrEqual(40)
    const times = run.values.map(v => v.outTimeMs ?? 0)
    expect(times).toEqual([...times].sort((a, b) => a - b))
    expect(
      run.values.filter(v => v.event === 'output').map(v => v.outputs.findIndex(o => o.state === 'failed')),
    ).toEqual([1])
    for (const file of ['a.flv', 'b.flv', 'out.mp4', 'hls/index.m3u8']) {
      const p = await probe(join(dir, file))
      expect(p.codecs, file).toEqual(['aac', 'h264'])
      expect(Math.abs(p.duration - 2), `${file} lasts ${p.duration} s`).toBeLessThanOrEqual(0.1)
    }
    // a keyframe every second: two HLS segments of one second each
    const extinf = [...readFileSync(join(dir, 'hls/index.m3u8'), 'utf8').matchAll(/#EXTINF:([\d.]+)/g)].map(m =>
      Number(m[1]),
    )
    expect(extinf.length).toBe(2)
    for (const d of extinf) expect(Math.abs(d - 1)).toBeLessThanOrEqual(0.05)
    await gone(last.pid as number)
  })
})

describe('restream: a live RTMP input that is lost reconnects', () => {
  it('shows reconnecting, restarts when the publisher is back, writes a new file per run, stops by PID', async () => {
    const dir = join(root, 'reconnect')
    mkdirSync(dir, { recursive: true })
    let live = publisher(`${server.url}/src`)
    const values: RestreamHealth[] = []
    const source = restream(`${server.url}/src`, [{ file: join(dir, 'rec.mkv') }, { url: `${server.url}/copy` }], {
      copy: true,
      inputOptions: ['-rw_timeout', '1000000'],
      reconnect: { initialDelayMs: 200, maxDelayMs: 800, stallMs: 2500, startMs: 12_000 },
    })
    const sub = source.subscribe({ next: v => values.push(v) })
    const until = async (check: (v: RestreamHealth) => boolean) => {
      const deadline = Date.now() + 20_000
      while (!values.some(check)) {
        if (Date.now() > deadline) throw new Error(`no such health; last: ${JSON.stringify(values.at(-1))}`)
        await new Promise(r => setTimeout(r, 50))
      }
      return values.find(check) as RestreamHealth
    }
    try {
      const first = await until(v => v.run === 0 && (v.outTimeMs ?? 0) >= 1000)
      await kill(live)
      const reconnecting = await until(v => v.state === 'reconnecting')
      expect(reconnecting.attempt).toBeGreaterThanOrEqual(1)
      expect(reconnecting.retryInMs).toBeLessThanOrEqual(800)
      expect(reconnecting.pid).toBeUndefined()
      await gone(first.pid as number)
      live = publisher(`${server.url}/src`)
      const back = await until(v => v.run >= 1 && v.state === 'running' && (v.outTimeMs ?? 0) >= 1000)
      expect(back.attempt).toBe(0)
      expect(back.outputs[0].target).toBe(`file:${join(dir, `rec-${back.run}.mkv`)}`)
      sub.unsubscribe()
      await gone(back.pid as number)
      // the first run's file is whole (its ffmpeg ended on the lost input), the copy kept H.264/AAC
      const p = await probe(join(dir, 'rec.mkv'))
      expect(p.codecs).toEqual(['aac', 'h264'])
      expect(p.duration).toBeGreaterThanOrEqual(1)
      expect(existsSync(join(dir, `rec-${back.run}.mkv`))).toBe(true)
    } finally {
      sub.unsubscribe()
      await kill(live)
    }
  }, 60_000)

  it('gives up after maxAttempts restarts without progress, the waits doubling up to the cap', async () => {
    const closed = await freePort()
    const run = await finish(
      restream(`rtmp://127.0.0.1:${closed}/live/none`, [{ file: join(root, 'never.mkv') }], {
        reconnect: { initialDelayMs: 20, maxDelayMs: 50, maxAttempts: 3 },
      }),
    )
    const waits = run.values.filter(v => v.state === 'reconnecting')
    expect(waits.map(v => [v.attempt, v.retryInMs])).toEqual([
      [1, 20],
      [2, 40],
      [3, 50],
    ])
    expect(waits.map(v => v.run)).toEqual([0, 1, 2])
    expect(run.error).toBeInstanceOf(MediaSourceError)
    expect(run.error).toMatchObject({
      code: 'stream',
      message: expect.stringMatching(/gave up after 3 restarts.*Connection refused/),
    })
  })
})

describe('restream: unsubscribing and errors', () => {
  it('unsubscribing stops ffmpeg (no process left) and the file gets its trailer', async () => {
    const file = join(root, 'stop.mp4')
    const h = await firstValueFrom(
      restream(LAVFI_AV, [{ file }], { inputOptions: ['-re', '-f', 'lavfi'] }).pipe(
        filter(v => (v.outTimeMs ?? 0) >= 1000),
      ),
    )
    await gone(h.pid as number)
    const p = await probe(file) // an mp4 without its trailer (moov) does not open
    expect(p.codecs).toEqual(['aac', 'h264'])
    expect(p.duration).toBeGreaterThanOrEqual(1)
  })

  it('a missing ffmpeg, an unreadable input and all outputs failing are MediaSourceErrors with ffmpeg’s line', async () => {
    const outputs = [{ file: join(root, 'e.mkv') }]
    const missing = await finish(restream('x', outputs, { ffmpegPath: join(root, 'no-ffmpeg') }))
    expect(missing.error).toMatchObject({
      name: 'MediaSourceError',
      code: 'ffmpeg-missing',
      message: expect.stringMatching(/ENOENT/),
    })
    const unreadable = await finish(restream(join(root, 'absent.mp4'), outputs))
    expect(unreadable.error).toMatchObject({
      code: 'input',
      exitCode: 1,
      message: expect.stringMatching(/No such file or directory/),
    })
    const port = await freePort()
    const allFail = await finish(
      restream('testsrc=rate=10', [{ url: `rtmp://127.0.0.1:${port}/a` }, { url: `rtmp://127.0.0.1:${port}/b` }], {
        inputOptions: ['-f', 'lavfi', '-t', '1'],
      }),
    )
    expect(allFail.error).toMatchObject({ code: 'input' })
    expect((allFail.error as MediaSourceError).stderr.join('\n')).toMatch(/All tee outputs failed/)
  })

  it('a required output that fails stops the restream', async () => {
    const port = await freePort()
    const run = await finish(
      restream(
        'testsrc=rate=10',
        [{ url: `rtmp://127.0.0.1:${port}/a`, required: true }, { file: join(root, 'r.mkv') }],
        {
          inputOptions: ['-f', 'lavfi', '-t', '1'],
        },
      ),
    )
    expect(run.error).toMatchObject({
      code: 'input',
      ffmpegMessage: expect.stringMatching(/Connection refused|failed/),
    })
  })

  const bad: [string, () => unknown, RegExp][] = [
    ['input not a string', () => restream(3 as never, [{ file: '/x.mp4' }]), /restream: input must be a string, got 3/],
    ['no outputs', () => restream('x', []), /outputs must be a non-empty array/],
    ['unknown option', () => restream('x', [{ file: '/x.mp4' }], { cpoy: true } as never), /unknown option "cpoy"/],
    [
      'inputOptions not strings',
      () => restream('x', [{ file: '/x.mp4' }], { inputOptions: [1] as never }),
      /inputOptions must be an array of strings/,
    ],
    ['keyframeMs 0', () => restream('x', [{ file: '/x.mp4' }], { keyframeMs: 0 }), /keyframeMs must be > 0/],
    [
      'maxDelay < initial',
      () => restream('x', [{ file: '/x.mp4' }], { reconnect: { initialDelayMs: 5, maxDelayMs: 1 } }),
      /maxDelayMs \(1\) must be >= initialDelayMs \(5\)/,
    ],
    ['bad output', () => restream('x', [{ file: '/x.mp4' }, { url: 'ftp://a' }]), /outputs\[1\]\.format is needed/],
  ]
  it.each(bad)('throws at the call: %s', (_, call, message) => {
    expect(call).toThrow(message)
  })
})

describe('ProgressReader and teeFailure', () => {
  const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined })
  test.prop([
    fc.array(
      fc.record({
        frame: maybe(fc.nat()),
        fps: maybe(fc.integer({ min: 0, max: 12000 }).map(n => n / 100)),
        bitrateKbps: maybe(fc.integer({ min: 0, max: 1e7 }).map(n => n / 10)),
        totalSizeBytes: maybe(fc.nat()),
        outTimeUs: maybe(fc.nat()),
        dupFrames: fc.nat(),
        dropFrames: fc.nat(),
        speed: maybe(fc.integer({ min: 1, max: 99999 }).map(n => n / 1000)),
        end: fc.boolean(),
      }),
      { maxLength: 5 },
    ),
  ])('reads back the blocks ffmpeg prints (N/A as undefined)', blocks => {
    const reader = new ProgressReader()
    const na = (v: number | undefined, suffix = '') => (v === undefined ? 'N/A' : `${v}${suffix}`)
    const read = blocks.flatMap(b => {
      const lines = [
        `frame=${na(b.frame)}`,
        `fps=${na(b.fps)}`,
        'stream_0_0_q=20.0',
        `bitrate=${na(b.bitrateKbps, 'kbits/s')}`,
        `total_size=${na(b.totalSizeBytes)}`,
        `out_time_us=${na(b.outTimeUs)}`,
        'out_time=00:00:01.000000',
        `dup_frames=${b.dupFrames}`,
        `drop_frames=${b.dropFrames}`,
        `speed=${b.speed === undefined ? 'N/A' : `${b.speed}x`}`,
        `progress=${b.end ? 'end' : 'continue'}`,
      ]
      return lines.map(l => reader.push(l)).filter(x => x !== undefined)
    })
    expect(read).toEqual(
      blocks.map(b => ({
        frame: b.frame,
        fps: b.fps,
        bitrateKbps: b.bitrateKbps,
        totalSizeBytes: b.totalSizeBytes,
        outTimeMs: b.outTimeUs === undefined ? undefined : b.outTimeUs / 1000,
        dupFrames: b.dupFrames,
        dropFrames: b.dropFrames,
        speed: b.speed,
        progress: b.end ? 'end' : 'continue',
      })),
    )
  })

  it('teeFailure reads the failed slave from ffmpeg’s line and nothing else', () => {
    expect(
      teeFailure('[tee @ 0x5626763b2100] Slave muxer #12 failed: Broken pipe, continuing with 2/3 slaves.'),
    ).toEqual({
      index: 12,
      line: 'Slave muxer #12 failed: Broken pipe, continuing with 2/3 slaves.',
    })
    expect(teeFailure("[tee @ 0x1] Slave '[f=flv]rtmp://x': error opening: Connection refused")).toBeUndefined()
  })
})
