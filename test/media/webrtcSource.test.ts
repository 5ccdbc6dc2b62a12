// webrtcSource without a browser: a werift peer sends Opus that ffmpeg's libopus encoded from a lavfi
// graph with a planted 1 kHz tone (we offer, through `signal`); the tone is found with its planted
// duration, losses and reordering on the way keep time true (ffmpeg's jitter buffer and
// `aresample=async=1`), the sender's close completes the stream, unsubscribing leaves no ffmpeg and
// no socket, and bad options, a missing ffmpeg and failing callbacks are typed errors.
import { fc, test } from '@fast-check/vitest'
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { type AudioFrame, WebrtcSourceError, webrtcSource } from '../../media/index'
import { checkWebrtcOptions } from '../../media/webrtcSource'
import { describeValue } from '../../src/errors'
import { childProcesses, goertzelAmplitude, udpHandles, weriftSender } from './webrtcSupport'

const SAMPLE_RATE = 16000
const FRAME_MS = 20
const FRAME = (SAMPLE_RATE * FRAME_MS) / 1000
// 1.6 s: silence, 1 kHz at amplitude 0.5 from 0.3 s to 1.3 s, silence
const TONE = 'aevalsrc=0.5*sin(2*PI*1000*t)*between(t\\,0.3\\,1.3):s=48000:d=1.6'
// 0.4 s of the same, for the tests that do not look at the tone
const SHORT = 'aevalsrc=0.5*sin(2*PI*1000*t):s=48000:d=0.4'

function toneRun(frames: readonly AudioFrame[]): { first: number; last: number } {
  const tone = frames.map(
    frame => frame.samples.length === FRAME && goertzelAmplitude(frame.samples, 1000, SAMPLE_RATE) > 0.1,
  )
  return { first: tone.indexOf(true), last: tone.lastIndexOf(true) }
}

/**
 * Receives `lavfi` from a werift sender until the sender, done, closes; returns the frames. werift
 * closes without a DTLS close_notify, so the stream ends 1 s after the last packet (`idleMs`; shorter
 * would risk ending early when a loaded machine stalls the event loop).
 */
async function receive(options: Parameters<typeof weriftSender>[1] = {}) {
  const sender = weriftSender(TONE, options)
  const frames: AudioFrame[] = []
  const completed = new Promise<void>((resolve, reject) =>
    webrtcSource({
      signal: sender.signal,
      audio: { sampleRate: SAMPLE_RATE, frameMs: FRAME_MS },
      idleMs: 300,
    }).subscribe({
      next: frame => frames.push(frame),
      error: reject,
      complete: resolve,
    }),
  )
  await sender.sent
  await sender.close()
  await completed
  return { frames, counts: sender.counts }
}

describe('webrtcSource with a werift peer sending ffmpeg-encoded Opus', () => {
  // werift is large: loaded once before the tests, not within the first one's time
  beforeAll(() => import('werift'), 60_000)

  it('finds the planted tone with its duration, and completes when the sender stops', async () => {
    const udpBefore = udpHandles()
    const { frames } = await receive()
    frames.forEach((frame, i) => {
      expect(frame.index).toBe(i)
      expect(frame.ptsMs).toBeCloseTo(i * FRAME_MS, 6)
    })
    // all of the 1.6 s arrived (ffmpeg starts late: the packets meanwhile are held, not lost)
    const total = frames.reduce((sum, frame) => sum + frame.samples.length, 0) / SAMPLE_RATE
    expect(total).toBeCloseTo(1.6, 1)
    const { first, last } = toneRun(frames)
    // libopus' 6.5 ms look-ahead delays the tone a little; its duration is the planted 1 s within 2 frames
    expect(first * FRAME_MS).toBeGreaterThanOrEqual(280)
    expect(first * FRAME_MS).toBeLessThanOrEqual(360)
    expect(Math.abs((last - first + 1) * FRAME_MS - 1000)).toBeLessThanOrEqual(2 * FRAME_MS)
    expect(goertzelAmplitude(frames[first + 10].samples, 1000, SAMPLE_RATE)).toBeCloseTo(0.5, 1)
    expect(childProcesses('stream.sdp')).toEqual([])
    await vi.waitFor(() => expect(udpHandles()).toBeLessThanOrEqual(udpBefore), { timeout: 5000, interval: 50 })
  }, 60_000)

  it('keeps time through lost and reordered packets (the gaps are filled, the order restored)', async () => {
    // every 9th packet lost, every 13th sent after its successor
    const { frames, counts } = await receive({ drop: n => n % 9 === 4, swap: n => n % 13 === 6 })
    expect(counts.dropped).toBeGreaterThanOrEqual(8)
    // without the gap filling, 1.6 s less 11 % would arrive
    const total = frames.reduce((sum, frame) => sum + frame.samples.length, 0) / SAMPLE_RATE
    expect(total).toBeCloseTo(1.6, 1)
    const { first, last } = toneRun(frames)
    expect(first * FRAME_MS).toBeGreaterThanOrEqual(280)
    expect(first * FRAME_MS).toBeLessThanOrEqual(360)
    expect(Math.abs((last - first + 1) * FRAME_MS - 1000)).toBeLessThanOrEqual(2 * FRAME_MS)
  }, 60_000)

  it('unsubscribing closes the peer connection, the UDP socket and ffmpeg', async () => {
    const udpBefore = udpHandles()
    const sender = weriftSender(SHORT)
    const frames = await lastValueFrom(
      webrtcSource({ signal: sender.signal, audio: { sampleRate: SAMPLE_RATE } }).pipe(take(5), toArray()),
    )
    expect(frames.map(frame => frame.index)).toEqual([0, 1, 2, 3, 4])
    expect(childProcesses('stream.sdp')).toEqual([])
    await sender.sent
    await sender.close()
    await vi.waitFor(() => expect(udpHandles()).toBeLessThanOrEqual(udpBefore), { timeout: 5000, interval: 50 })
  }, 60_000)

  it('a missing ffmpeg is a WebrtcSourceError naming it', { timeout: 60_000 }, async () => {
    const sender = weriftSender(SHORT)
    const error = await firstValueFrom(
      webrtcSource({ signal: sender.signal, ffmpegPath: '/nonexistent/ffmpeg' }),
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WebrtcSourceError)
    expect((error as Error).message).toMatch(/^webrtcSource: cannot run ffmpeg \(\/nonexistent\/ffmpeg\)/)
    await sender.close()
  })
})

describe('webrtcSource signalling and options', () => {
  it('a rejecting signal and a throwing answer are WebrtcSourceErrors', { timeout: 60_000 }, async () => {
    const rejected = await firstValueFrom(webrtcSource({ signal: () => Promise.reject(new Error('no peer')) })).catch(
      (e: unknown) => e,
    )
    expect(rejected).toBeInstanceOf(WebrtcSourceError)
    expect((rejected as Error).message).toBe('webrtcSource: signal failed: no peer')
    const notSdp = await firstValueFrom(webrtcSource({ signal: async () => 'hello' })).catch((e: unknown) => e)
    expect((notSdp as Error).message).toBe(
      'webrtcSource: signal must resolve an SDP answer (starting "v=0"), got "hello"',
    )

    // an offer from a real peer, answered by a callback that throws
    const { RTCPeerConnection, useOPUS: opusCodec } = await import('werift')
    const browser = new RTCPeerConnection({ codecs: { audio: [opusCodec()] } })
    browser.addTransceiver('audio', { direction: 'sendonly' })
    await browser.setLocalDescription(await browser.createOffer())
    const thrown = await firstValueFrom(
      webrtcSource({
        offer: browser.localDescription?.sdp ?? '',
        answer: () => {
          throw new Error('socket gone')
        },
      }),
    ).catch((e: unknown) => e)
    expect((thrown as Error).message).toBe('webrtcSource: answer threw: socket gone')
    await browser.close()
  })

  it('bad options are TypeErrors / RangeErrors at the call, naming the value', () => {
    const signal = async () => 'v=0'
    expect(() => webrtcSource(undefined as never)).toThrow(
      new TypeError('webrtcSource: options must be an object, got undefined'),
    )
    expect(() => webrtcSource({} as never)).toThrow(/options need signal \(we offer\) or offer and answer/)
    expect(() => webrtcSource({ signal, offer: 'v=0' })).toThrow(/either signal .* not both/)
    expect(() => webrtcSource({ offer: 'hello', answer: () => undefined })).toThrow(
      new RangeError('webrtcSource: offer must be an SDP (starting "v=0"), got "hello"'),
    )
    expect(() => webrtcSource({ offer: 'v=0' })).toThrow(
      new TypeError('webrtcSource: answer must be a function, got undefined'),
    )
    expect(() => webrtcSource({ signal, audio: { channels: 3 } })).toThrow(
      new RangeError('webrtcSource: audio.channels must be an integer in [1, 2], got 3'),
    )
    expect(() => webrtcSource({ signal, audio: { frameMs: 0 } })).toThrow(RangeError)
    expect(() => webrtcSource({ signal, sampleRate: 16000 } as never)).toThrow(/unknown option "sampleRate"/)
  })
})

describe('webrtcSource options (property)', () => {
  const signal = async () => 'v=0'
  test.prop([
    fc.integer({ min: 8000, max: 192000 }),
    fc.constantFrom(1, 2),
    fc.double({ min: 0.1, max: 10000, noNaN: true }),
  ])('any valid audio shape is taken as given', (sampleRate, channels, frameMs) => {
    const settings = checkWebrtcOptions({ signal, audio: { sampleRate, channels, frameMs } })
    expect([settings.sampleRate, settings.channels, settings.frameMs]).toEqual([sampleRate, channels, frameMs])
  })
  test.prop([fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 3 }), fc.double({ noInteger: true }))])(
    'any other channel count is a RangeError naming it',
    channels => {
      expect(() => webrtcSource({ signal, audio: { channels } })).toThrow(
        new RangeError(`webrtcSource: audio.channels must be an integer in [1, 2], got ${describeValue(channels)}`),
      )
    },
  )
})
