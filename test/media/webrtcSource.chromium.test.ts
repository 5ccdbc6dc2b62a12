// WebRTC in from a real browser: headless Debian chromium sends its fake microphone (a WAV made by
// ffmpeg with a 1 kHz tone planted from 1.5 s to 2.5 s in silence) over WebRTC to a WHIP endpoint
// that the test serves on 127.0.0.1; `webrtcSource` answers the offer, ffmpeg decodes the Opus RTP,
// and the test finds the tone in the received frames (Goertzel at 1 kHz, the planted duration within
// 3 frames). Closing the browser's peer connection completes the stream; nothing is left behind.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type AudioFrame, webrtcSource } from '../../media/index'
import { hasChromium, launchChromium } from '../browser/chromium'
import { runFfmpeg } from '../support/ffmpeg'
import { childProcesses, goertzelAmplitude, udpHandles } from './webrtcSupport'

const SAMPLE_RATE = 16000
const FRAME_MS = 20
const TONE_MS = 1000

const PAGE = `<!doctype html><meta charset="utf-8"><title>whip</title><script type="module">
window.connect = async () => {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  })
  const pc = new RTCPeerConnection()
  window.pc = pc
  pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly' })
  await pc.setLocalDescription(await pc.createOffer())
  await new Promise(resolve => {
    if (pc.iceGatheringState === 'complete') resolve()
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve())
  })
  const response = await fetch('/whip', { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: pc.localDescription.sdp })
  if (response.status !== 201) throw new Error('WHIP answered ' + response.status)
  await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() })
  await new Promise(resolve => {
    if (pc.connectionState === 'connected') resolve()
    pc.addEventListener('connectionstatechange', () => pc.connectionState === 'connected' && resolve())
  })
  return response.headers.get('location')
}
</script>`

describe.skipIf(!hasChromium)('webrtcSource receives a browser microphone over WHIP', () => {
  let directory: string
  let browser: Browser
  let page: Page
  let http: Server
  let onOffer: (offer: string, reply: (sdp: string) => void) => void = () => undefined

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'midstream-webrtc-test-'))
    const wav = join(directory, 'tone.wav')
    // 1.5 s of silence, 1 s of 1 kHz at -6 dBFS, 1.5 s of silence: mono 48 kHz s16
    // biome-ignore format: ffmpeg arguments read best in pairs
    await runFfmpeg([
      '-f', 'lavfi', '-i', 'aevalsrc=0.5*sin(2*PI*1000*t)*between(t\\,1.5\\,2.5):s=48000:d=4',
      '-ac', '1', '-c:a', 'pcm_s16le', '-y', wav,
    ])
    http = createServer((request, response) => {
      if (request.method === 'GET' && request.url === '/') {
        response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE)
        return
      }
      if (
        request.method !== 'POST' ||
        request.url !== '/whip' ||
        request.headers['content-type'] !== 'application/sdp'
      ) {
        response.writeHead(415).end()
        return
      }
      let offer = ''
      request.setEncoding('utf8')
      request.on('data', (chunk: string) => {
        offer += chunk
      })
      request.on('end', () =>
        onOffer(offer, sdp =>
          response.writeHead(201, { 'content-type': 'application/sdp', location: '/whip/1' }).end(sdp),
        ),
      )
    })
    await new Promise<void>(resolve => http.listen(0, '127.0.0.1', resolve))
    browser = await launchChromium([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`,
      '--allow-loopback-in-peer-connection',
    ])
    page = await browser.newPage()
    await page.goto(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`)
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await new Promise(resolve => http?.close(resolve))
    rmSync(directory, { recursive: true, force: true })
  })

  it('finds the planted tone, completes when the browser closes, and leaves nothing behind', async () => {
    const udpBefore = udpHandles()
    const frames: AudioFrame[] = []
    // chromium loops the WAV from when the microphone opens, before the connection is up (about
    // 3 s here): the tone looked for is the first whole one (silence before and after it)
    let sawSilence = false
    let toneFrames = 0
    let silentAfterTone = 0
    let completed = false
    const done = new Promise<void>((resolve, reject) => {
      onOffer = (offer, reply) => {
        webrtcSource({
          offer,
          answer: reply,
          audio: { sampleRate: SAMPLE_RATE, channels: 1, frameMs: FRAME_MS },
        }).subscribe({
          next: frame => {
            frames.push(frame)
            const tone = goertzelAmplitude(frame.samples, 1000, SAMPLE_RATE) > 0.1
            if (!tone) sawSilence = true
            if (tone && sawSilence) toneFrames++
            else if (!tone && toneFrames > 0) silentAfterTone++
            // the tone is over: the browser hangs up
            if (silentAfterTone === 10) page.evaluate('window.pc.close()').catch(reject)
          },
          error: reject,
          complete: () => {
            completed = true
            resolve()
          },
        })
      }
    })
    expect(await page.evaluate('window.connect()')).toBe('/whip/1')
    await done
    expect(completed).toBe(true)

    // frames: consecutive, exactly 20 ms at 16 kHz mono (the last may be shorter), times from the samples
    frames.forEach((frame, i) => {
      expect(frame.index).toBe(i)
      expect(frame.ptsMs).toBeCloseTo(i * FRAME_MS, 6)
      expect(frame.sampleRate).toBe(SAMPLE_RATE)
      expect(frame.channels).toBe(1)
      if (i < frames.length - 1) expect(frame.samples.length).toBe((SAMPLE_RATE * FRAME_MS) / 1000)
    })
    // the tone: one run of frames, its duration the planted 1000 ms within 3 frames (2 partial edge frames, Opus' transients)
    const toneAt = frames.map(frame => goertzelAmplitude(frame.samples, 1000, SAMPLE_RATE) > 0.1)
    const first = toneAt.indexOf(true, toneAt.indexOf(false))
    const last = toneAt.indexOf(false, first) - 1
    expect(first).toBeGreaterThan(0)
    expect(toneAt.slice(last + 1).some(Boolean)).toBe(false)
    expect(Math.abs((last - first + 1) * FRAME_MS - TONE_MS)).toBeLessThanOrEqual(3 * FRAME_MS)
    // its level: -6 dBFS peak sine, amplitude 0.5 (Opus keeps a steady tone within 1 dB)
    expect(goertzelAmplitude(frames[first + 10].samples, 1000, SAMPLE_RATE)).toBeCloseTo(0.5, 1)

    // nothing left: no ffmpeg child, no UDP socket of ours
    expect(childProcesses('stream.sdp')).toEqual([])
    // (werift's close() resolves before Node has released its sockets' handles: waited for, up to 5 s)
    await vi.waitFor(() => expect(udpHandles()).toBeLessThanOrEqual(udpBefore), { timeout: 5000, interval: 50 })
  }, 60_000)
})
