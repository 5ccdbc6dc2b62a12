import { type ChildProcess, spawn } from 'node:child_process'
import { createReadStream, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, normalize } from 'node:path'
import { filter, firstValueFrom, type Observable, take, toArray } from 'rxjs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type AudioFrame,
  isAudioFrame,
  isVideoFrame,
  type MediaFrame,
  type MediaReconnect,
  MediaSourceError,
  mediaSource,
} from '../../media/index'
import { decodePcm, runFfmpeg } from '../support/ffmpeg'
import { type RtmpServer, startRtmpServer } from '../support/nginxRtmp'
import { freePort } from '../support/redisServer'
import { childProcesses, collectAll, concat, waitGone } from './support'

let server: RtmpServer
let dir: string
const publishers: ChildProcess[] = []

beforeAll(async () => {
  server = await startRtmpServer()
  dir = mkdtempSync(join(tmpdir(), 'midstream-media-live-'))
})
afterAll(async () => {
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
})
afterEach(async () => {
  for (const p of publishers.splice(0)) await stopPublisher(p)
  for (let i = 0; i < 100 && childProcesses().length > 1; i++) await new Promise(r => setTimeout(r, 20))
  // nginx (the RTMP server of the whole file) is the only child left
  expect(childProcesses().filter(line => !line.endsWith(' nginx'))).toEqual([])
})

/** An ffmpeg publishing a 440 Hz sine (16 kHz) and testsrc at 25 fps, live-paced, to `url`; keyframe every second. */
function publish(url: string): ChildProcess {
  const child = spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-re'],
      ...['-f', 'lavfi', '-i', 'sine=f=440:r=16000', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25'],
      ...['-c:a', 'aac', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25'],
      ...['-f', 'flv', url],
    ],
    { stdio: 'ignore' },
  )
  publishers.push(child)
  return child
}

async function stopPublisher(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

/** Sign changes per second of mono samples: 2 f for a sine of f Hz (the closed form the AAC round trip must keep). */
function crossingsPerSecond(samples: Float32Array, sampleRate: number): number {
  let crossings = 0
  for (let i = 1; i < samples.length; i++) if (samples[i - 1] < 0 !== samples[i] < 0) crossings++
  return (crossings * sampleRate) / samples.length
}

/** Player options that start faster than ffmpeg's default probing (5 s) on a live FLV stream. */
const LIVE = ['-analyzeduration', '1000000', '-probesize', '500000']

describe('mediaSource: RTMP from nginx-rtmp', () => {
  it('audio frames and video summaries of a published stream: sizes, times, the 440 Hz tone', async () => {
    const url = `${server.url}/tone`
    publish(url)
    const source = mediaSource(url, { video: { fps: 10, width: 32, height: 24 }, inputOptions: LIVE })
    const frames = await firstValueFrom(source.pipe(take(70), toArray()))
    const audio = frames.filter(isAudioFrame)
    const video = frames.filter(isVideoFrame)
    expect(audio.length).toBeGreaterThan(30)
    audio.forEach((f, i) => expect([f.index, f.ptsMs, f.samples.length]).toEqual([i, i * 20, 320]))
    video.forEach((f, i) => expect([f.index, f.ptsMs]).toEqual([i, i * 100]))
    // skip the first 100 ms (the AAC priming ramp): 880 sign changes a second for 440 Hz
    expect(crossingsPerSecond(concat(audio.slice(5).map(f => f.samples)), 16000)).toBeCloseTo(880, -1)
  })

  it('nothing listening: code "input" and ffmpeg\'s "Connection refused"', async () => {
    const port = await freePort()
    const { error } = await collectAll(mediaSource(`rtmp://127.0.0.1:${port}/live/none`))
    expect(error).toBeInstanceOf(MediaSourceError)
    expect((error as MediaSourceError).code).toBe('input')
    expect((error as MediaSourceError).ffmpegMessage).toMatch(/Connection refused/)
  })

  it('reconnect gives up after maxAttempts failed attempts with the last error; a throwing onReconnect ends the stream', async () => {
    const url = `rtmp://127.0.0.1:${await freePort()}/live/none`
    const seen: MediaReconnect[] = []
    const pids: number[] = []
    const { values, error } = await collectAll(
      mediaSource(url, {
        reconnect: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 15, onReconnect: info => seen.push(info) },
        onSpawn: pid => pids.push(pid),
      }),
    )
    expect(values).toEqual([])
    expect(seen.map(r => [r.attempt, r.delayMs])).toEqual([
      [1, 10],
      [2, 15],
    ])
    expect(pids.length).toBe(3)
    expect((error as MediaSourceError).code).toBe('input')
    expect((error as MediaSourceError).ffmpegMessage).toMatch(/Connection refused/)
    const boom = new Error('boom')
    const thrown = await collectAll(
      mediaSource(url, {
        reconnect: {
          onReconnect: () => {
            throw boom
          },
        },
      }),
    )
    expect(thrown.error).toBe(boom)
  })

  it('reconnect: the server is killed and started again; frames resume, index and ptsMs go on', async () => {
    const url = `${server.url}/again`
    publish(url)
    const reconnects: MediaReconnect[] = []
    const pids: number[] = []
    const source = mediaSource(url, {
      inputOptions: LIVE,
      reconnect: { initialDelayMs: 100, maxDelayMs: 400, onReconnect: info => reconnects.push(info) },
      onSpawn: pid => pids.push(pid),
    })
    const audio: AudioFrame[] = []
    let restarted = false
    await new Promise<void>((resolve, reject) => {
      const sub = source.pipe(filter(isAudioFrame)).subscribe({
        next: frame => {
          audio.push(frame)
          if (audio.length === 25) void breakServer().then(() => (restarted = true), reject)
          if (restarted && audio.length >= 60) {
            sub.unsubscribe()
            resolve()
          }
        },
        error: reject,
      })
    })
    async function breakServer(): Promise<void> {
      await server.kill()
      for (const p of publishers.splice(0)) await stopPublisher(p)
      while (reconnects.length < 2) await new Promise(r => setTimeout(r, 20))
      await server.start()
      publish(url)
    }
    audio.forEach((f, i) => expect([f.index, f.ptsMs]).toEqual([i, i * 20]))
    expect(reconnects[0]).toMatchObject({ attempt: 1, delayMs: 100 })
    // while nginx is down every attempt is refused, and the wait doubles
    expect(reconnects[1].attempt).toBe(2)
    expect(reconnects[1].delayMs).toBe(200)
    expect(reconnects[1].error?.ffmpegMessage).toMatch(/Connection refused/)
    expect(pids.length).toBe(reconnects.length + 1)
    for (const pid of pids) await waitGone(pid)
  })

  it('reconnect on a stall: the publisher goes away, stallTimeoutMs re-opens the input, frames resume', async () => {
    const url = `${server.url}/stall`
    let publisher = publish(url)
    const reconnects: MediaReconnect[] = []
    const source = mediaSource(url, {
      inputOptions: LIVE,
      stallTimeoutMs: 2500,
      reconnect: { initialDelayMs: 100, onReconnect: info => reconnects.push(info) },
    })
    const audio: AudioFrame[] = []
    // under load the first attempt may stall while ffmpeg still probes (code 'input'); the break is the 'stream' one
    const broken = () => reconnects.find(r => r.error?.code === 'stream')
    await new Promise<void>((resolve, reject) => {
      const sub = source.pipe(filter(isAudioFrame)).subscribe({
        next: frame => {
          audio.push(frame)
          if (audio.length === 20) void stopPublisher(publisher)
          if (broken() !== undefined && audio.length >= 30) {
            sub.unsubscribe()
            resolve()
          }
        },
        error: reject,
      })
      const poll = setInterval(() => {
        if (broken() !== undefined) {
          clearInterval(poll)
          publisher = publish(url)
        }
      }, 20)
    })
    expect(broken()?.attempt).toBe(1)
    expect(broken()?.error?.message).toMatch(/no output for 2500 ms: the input stalled/)
    audio.forEach((f, i) => expect([f.index, f.ptsMs]).toEqual([i, i * 20]))
  })

  it('without reconnect, a stall is an error', async () => {
    const port = await freePort()
    // a TCP server that accepts and never answers: ffmpeg's RTMP handshake waits
    const silent = (await import('node:net')).createServer(() => {})
    await new Promise<void>(resolve => silent.listen(port, '127.0.0.1', resolve))
    try {
      const { error } = await collectAll(mediaSource(`rtmp://127.0.0.1:${port}/live/x`, { stallTimeoutMs: 300 }))
      expect((error as MediaSourceError).code).toBe('input')
      expect((error as Error).message).toMatch(/no output for 300 ms/)
    } finally {
      silent.close()
    }
  })
})

describe('mediaSource: RTSP', () => {
  it('mediaSource listens (-rtsp_flags listen) and an ffmpeg publishes to it over TCP: the 440 Hz tone', async () => {
    const url = `rtsp://127.0.0.1:${await freePort()}/live`
    const pids: number[] = []
    const source = mediaSource(url, { inputOptions: ['-rtsp_flags', 'listen'], onSpawn: pid => pids.push(pid) })
    const frames = firstValueFrom(source.pipe(filter(isAudioFrame), take(60), toArray()))
    // ffmpeg's RTSP listener binds once it runs: the publisher retries until it is accepted
    let audio: AudioFrame[] | undefined
    void frames.then(got => (audio = got))
    while (audio === undefined) {
      const publisher = spawn(
        'ffmpeg',
        [
          ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', 'sine=f=440:r=16000'],
          ...['-c:a', 'aac', '-f', 'rtsp', '-rtsp_transport', 'tcp', url],
        ],
        { stdio: 'ignore' },
      )
      publishers.push(publisher)
      await Promise.race([new Promise(resolve => publisher.once('exit', resolve)), frames])
      if (audio === undefined) await new Promise(resolve => setTimeout(resolve, 100))
    }
    const got = audio as AudioFrame[]
    got.forEach((f, i) => expect([f.index, f.ptsMs, f.samples.length]).toEqual([i, i * 20, 320]))
    expect(crossingsPerSecond(concat(got.slice(5).map(f => f.samples)), 16000)).toBeCloseTo(880, -1)
    await waitGone(pids[0])
  })
})

/** Serves `root` over http on 127.0.0.1 (files only, no listing). */
async function serveDirectory(root: string): Promise<{ server: Server; url: string }> {
  const http = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent((req.url ?? '/').split('?')[0])))
    if (!path.startsWith(root)) return void res.writeHead(403).end()
    const stream = createReadStream(path)
    stream.once('error', () => res.writeHead(404).end())
    stream.once('open', () => {
      res.writeHead(200, { 'content-type': path.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t' })
      stream.pipe(res)
    })
  })
  await new Promise<void>(resolve => http.listen(0, '127.0.0.1', resolve))
  return { server: http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` }
}

describe('mediaSource: HLS over http', () => {
  it('a VOD playlist served by a local http server: audio equals ffmpeg decoding the same URL, video frames by closed form', async () => {
    await runFfmpeg([
      ...['-f', 'lavfi', '-i', 'sine=f=600:d=3', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25:d=3'],
      ...['-c:a', 'aac', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-shortest'],
      ...['-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod', '-hls_segment_filename', join(dir, 'hls%d.ts')],
      join(dir, 'index.m3u8'),
    ])
    const { server: http, url } = await serveDirectory(dir)
    try {
      const playlist = `${url}/index.m3u8`
      const source: Observable<MediaFrame> = mediaSource(playlist, { video: { fps: 5, width: 16, height: 12 } })
      const { values, error } = await collectAll(source)
      expect(error).toBeUndefined()
      const audio = values.filter(isAudioFrame)
      const oracle = await decodePcm(playlist, { sampleRate: 16000 })
      expect(oracle.length).toBeGreaterThan(16000 * 2.9)
      expect(concat(audio.map(f => f.samples))).toEqual(oracle)
      expect(audio.length).toBe(Math.ceil(oracle.length / 320))
      const video = values.filter(isVideoFrame)
      expect(video.length).toBe(15)
      video.forEach((f, i) => expect(f.ptsMs).toBe(i * 200))
    } finally {
      http.close()
    }
  })

  it('a playlist that is not there: code "input" with ffmpeg\'s HTTP error', async () => {
    const { server: http, url } = await serveDirectory(dir)
    try {
      const { error } = await collectAll(mediaSource(`${url}/missing.m3u8`))
      expect((error as MediaSourceError).code).toBe('input')
      expect((error as MediaSourceError).ffmpegMessage).toMatch(/404 Not Found/)
    } finally {
      http.close()
    }
  })
})
