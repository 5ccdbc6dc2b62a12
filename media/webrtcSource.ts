/**
 * `webrtcSource`: audio from a browser (or any WebRTC peer) over WebRTC, as the same `AudioFrame`s
 * that `mediaSource` emits. werift (pure TypeScript) terminates ICE, DTLS and SRTP; it has no Opus
 * decoder, so the decrypted RTP goes to ffmpeg over a UDP port on 127.0.0.1, described to ffmpeg by an
 * SDP file, and ffmpeg decodes it to PCM.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createSocket, type Socket } from 'node:dgram'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Observable, type Subscriber } from 'rxjs'
import type * as WeriftPackage from 'werift'
import { requirePeers } from '../sources/peers/require'
import { describeValue, errorMessage } from '../src/errors'
import type { AudioFrame } from '../src/media/frames'
import { type PcmFrameEmit, PcmFramer } from '../src/media/pcmFramer'
import { checkFunction, checkInteger, checkNumber, checkOptions, checkString } from '../src/validate'
import { freeRtpPort, type RtpAudioStream, rtpAudioSdp } from './rtpSdp'

const FN = 'webrtcSource'

/** Options of `webrtcSource`: one of the two signalling flows, and the shape of the frames. */
export interface WebrtcSourceOptions {
  /**
   * The remote peer offers (WHIP, RFC 9725): its SDP offer, e.g. the body of a WHIP `POST`. Goes with
   * `answer`; not with `signal`.
   */
  offer?: string
  /** With `offer`: receives our SDP answer once ICE candidates are gathered (WHIP: the `201` response body). */
  answer?: (sdp: string) => void
  /**
   * We offer: called with our SDP offer (receive-only audio); resolves the remote peer's answer,
   * however the application carries them (a WebSocket, an HTTP exchange, ...). Not with `offer`.
   */
  signal?: (offer: string) => Promise<string>
  /** The frames: `sampleRate` (Hz, default 16000), `channels` (1 or 2, default 1), `frameMs` (default 20). */
  audio?: { sampleRate?: number; channels?: number; frameMs?: number }
  /** The ffmpeg binary. Default `'ffmpeg'` (on the PATH). */
  ffmpegPath?: string
  /** ICE servers (STUN/TURN) for werift, as in `RTCConfiguration.iceServers`. Default none (host candidates). */
  iceServers?: { urls: string; username?: string; credential?: string }[]
  /** Extra local addresses to offer as host candidates, e.g. `['127.0.0.1']` for a peer on the same machine. */
  iceAdditionalHostAddresses?: string[]
  /** RTP packets held while ffmpeg starts (default 1000, about 20 s of Opus); later ones are counted in `onDrop`. */
  maxPendingPackets?: number
  /**
   * End the stream (as a close does) when no RTP packet has arrived for this long, in ms, once one
   * has: for peers that vanish without closing, or that close without telling (werift does not send
   * DTLS close_notify). Default 5000; ffmpeg gives up by itself after 10 s without packets.
   */
  idleMs?: number
  /** Called with the running count of RTP packets dropped because ffmpeg had not started yet (see `maxPendingPackets`). */
  onDrop?: (dropped: number) => void
}

const KNOWN = [
  'offer',
  'answer',
  'signal',
  'audio',
  'ffmpegPath',
  'iceServers',
  'iceAdditionalHostAddresses',
  'maxPendingPackets',
  'idleMs',
  'onDrop',
] as const

/** What ffmpeg or the WebRTC session failed with: the `webrtcSource` stream errors with one of these. */
export class WebrtcSourceError extends Error {
  override readonly name = 'WebrtcSourceError'
  constructor(
    message: string,
    /** ffmpeg's own last error line, when ffmpeg failed. */
    readonly ffmpegMessage?: string,
    options?: { cause?: unknown },
  ) {
    super(`${FN}: ${message}`, options)
  }
}

/** The checked options. @internal */
export interface WebrtcSettings {
  readonly offer?: string
  readonly answer?: (sdp: string) => void
  readonly signal?: (offer: string) => Promise<string>
  readonly sampleRate: number
  readonly channels: number
  readonly frameMs: number
  readonly ffmpegPath: string
  readonly iceServers: { urls: string; username?: string; credential?: string }[]
  readonly iceAdditionalHostAddresses: string[] | undefined
  readonly maxPendingPackets: number
  readonly idleMs: number
  readonly onDrop?: (dropped: number) => void
}

function checkSignalling(options: WebrtcSourceOptions): Pick<WebrtcSettings, 'offer' | 'answer' | 'signal'> {
  const signal = checkFunction<(offer: string) => Promise<string>>(FN, 'signal', options.signal)
  if (signal !== undefined) {
    if (options.offer !== undefined || options.answer !== undefined)
      throw new TypeError(`${FN}: give either signal (we offer) or offer and answer (the peer offers), not both`)
    return { signal }
  }
  if (options.offer === undefined)
    throw new TypeError(`${FN}: options need signal (we offer) or offer and answer (the peer offers, as in WHIP)`)
  const offer = checkString(FN, 'offer', options.offer)
  if (!offer.startsWith('v=0'))
    throw new RangeError(`${FN}: offer must be an SDP (starting "v=0"), got ${describeValue(offer)}`)
  const answer = checkFunction<(sdp: string) => void>(FN, 'answer', options.answer, false)
  return { offer, answer }
}

/** Checks `webrtcSource`'s options; a bad one is a `TypeError` / `RangeError` naming it. @internal */
export function checkWebrtcOptions(options: WebrtcSourceOptions): WebrtcSettings {
  checkOptions(FN, options, KNOWN, true)
  const audio = checkOptions(FN, options.audio, ['sampleRate', 'channels', 'frameMs'])
  const hosts = options.iceAdditionalHostAddresses
  if (hosts !== undefined && (!Array.isArray(hosts) || hosts.some(host => typeof host !== 'string')))
    throw new TypeError(`${FN}: iceAdditionalHostAddresses must be an array of addresses, got ${describeValue(hosts)}`)
  const iceServers = options.iceServers ?? []
  if (!Array.isArray(iceServers) || iceServers.some(server => typeof server?.urls !== 'string'))
    throw new TypeError(`${FN}: iceServers must be an array of { urls }, got ${describeValue(iceServers)}`)
  return {
    ...checkSignalling(options),
    sampleRate: checkInteger(FN, 'audio.sampleRate', audio.sampleRate ?? 16000, { min: 8000, max: 192000 }),
    channels: checkInteger(FN, 'audio.channels', audio.channels ?? 1, { min: 1, max: 2 }),
    frameMs: checkNumber(FN, 'audio.frameMs', audio.frameMs ?? 20, { above: 0, max: 10000 }),
    ffmpegPath: checkString(FN, 'ffmpegPath', options.ffmpegPath ?? 'ffmpeg'),
    iceServers,
    iceAdditionalHostAddresses: hosts,
    maxPendingPackets: checkInteger(FN, 'maxPendingPackets', options.maxPendingPackets ?? 1000, { min: 0 }),
    idleMs: checkNumber(FN, 'idleMs', options.idleMs ?? 5000, { above: 0 }),
    onDrop: checkFunction(FN, 'onDrop', options.onDrop),
  }
}

/**
 * Audio received over WebRTC, as `AudioFrame`s of exactly `audio.frameMs` (the last one may be
 * shorter; cut by the same `PcmFramer` as `mediaSource`'s) at `audio.sampleRate`, `audio.channels` interleaved, `ptsMs` counted from the first
 * sample ffmpeg decoded. Each subscription is one WebRTC session: it negotiates (the peer's `offer`
 * answered through `answer`, or our offer through `signal`), starts ffmpeg on the session's Opus RTP
 * (forwarded to a UDP port on 127.0.0.1, described to ffmpeg by an SDP file) and emits what ffmpeg
 * decodes. Lost RTP packets are concealed as ffmpeg does (`aresample=async=1` fills the gap, so time
 * stays true), reordered ones are put back in order by ffmpeg's RTP jitter buffer.
 *
 * Completes when the peer connection closes (the browser's `pc.close()`, or ICE fails), after ffmpeg
 * has decoded what it received. Errors with a `WebrtcSourceError` when negotiation fails, the peer
 * offers no Opus audio, a signalling callback throws or rejects, or ffmpeg is missing or fails
 * (carrying ffmpeg's own error line). Unsubscribing closes the peer connection, the UDP socket and
 * ffmpeg. Bad options are a `TypeError` / `RangeError` at the call. Needs the optional peer
 * dependency `werift` (`npm install werift`) and ffmpeg on the PATH.
 *
 * @example
 * ```ts
 * // a WHIP endpoint (RFC 9725): the browser POSTs its offer as application/sdp
 * createServer(async (request, response) => {
 *   let offer = ''
 *   for await (const chunk of request) offer += chunk
 *   webrtcSource({
 *     offer,
 *     answer: sdp => response.writeHead(201, { 'content-type': 'application/sdp', location: '/whip/1' }).end(sdp),
 *   })
 *     .pipe(audioLevel())
 *     .subscribe(level => console.log(level.rmsDb))
 * }).listen(8080)
 * ```
 */
export function webrtcSource(options: WebrtcSourceOptions): Observable<AudioFrame> {
  const settings = checkWebrtcOptions(options)
  return new Observable<AudioFrame>(subscriber => {
    const session = new WebrtcSession(settings, subscriber)
    session.start().catch(error => session.fail(error))
    return () => {
      session.close().catch(() => undefined)
    }
  })
}

type Werift = typeof WeriftPackage
let werift: Werift | undefined

function loadWerift(): Werift {
  werift ??= requirePeers<[Werift]>('midstream/media (webrtcSource)', ['werift'])[0]
  return werift
}

const READY_LINE = /setting jitter buffer size/
const ERROR_LINE = /\[(?:error|fatal|panic)\] ?(.*)$/

/** One subscription's WebRTC session, UDP socket and ffmpeg. */
class WebrtcSession {
  private pc: WeriftPackage.RTCPeerConnection | undefined
  private socket: Socket | undefined
  private ffmpeg: ChildProcess | undefined
  private directory: string | undefined
  private port = 0
  private pending: Buffer[] = []
  private ready = false
  private dropped = 0
  private done = false
  private ending = false
  private lastError: string | undefined
  private lastPacketAt = 0
  private idleTimer: ReturnType<typeof setInterval> | undefined
  private readonly framer: PcmFramer
  private readonly emit: PcmFrameEmit

  constructor(
    private readonly settings: WebrtcSettings,
    private readonly subscriber: Subscriber<AudioFrame>,
  ) {
    const { sampleRate, channels, frameMs } = settings
    this.framer = new PcmFramer({ sampleRate, channels, frameMs })
    this.emit = (samples, index, ptsMs) =>
      subscriber.next({ kind: 'audio', index, ptsMs, sampleRate, channels, samples })
  }

  async start(): Promise<void> {
    const { RTCPeerConnection, useOPUS: opusCodec } = loadWerift()
    const pc = new RTCPeerConnection({
      codecs: { audio: [opusCodec()] },
      iceServers: this.settings.iceServers,
      iceAdditionalHostAddresses: this.settings.iceAdditionalHostAddresses,
    })
    this.pc = pc
    pc.onTrack.subscribe(track => {
      track.onReceiveRtp.subscribe(rtp => this.forward(rtp.serialize()))
    })
    pc.connectionStateChange.subscribe(state => {
      if (state === 'closed' || state === 'failed') this.end()
    })
    await this.negotiate(pc)
    if (this.done) return
    // a browser's pc.close() sends a DTLS close_notify alert: werift closes the DTLS transport on
    // it but leaves the peer connection's state as it was, so the transports are watched too
    for (const transport of pc.dtlsTransports)
      transport.onStateChange.subscribe(state => {
        if (state === 'closed' || state === 'failed') this.end()
      })
    await this.startFfmpeg(negotiatedOpus(pc))
  }

  private async negotiate(pc: WeriftPackage.RTCPeerConnection): Promise<void> {
    const { offer, answer, signal } = this.settings
    if (signal !== undefined) {
      pc.addTransceiver('audio', { direction: 'recvonly' })
      await pc.setLocalDescription(await pc.createOffer())
      const remote = await callSignal(signal, pc.localDescription?.sdp ?? '')
      if (this.done) return
      await pc.setRemoteDescription({ type: 'answer', sdp: remote })
      return
    }
    await pc.setRemoteDescription({ type: 'offer', sdp: offer as string })
    for (const transceiver of pc.getTransceivers())
      if (transceiver.kind === 'audio') transceiver.setDirection('recvonly')
    await pc.setLocalDescription(await pc.createAnswer())
    if (this.done) return
    try {
      answer?.(pc.localDescription?.sdp ?? '')
    } catch (error) {
      throw new WebrtcSourceError(`answer threw: ${errorMessage(error)}`, undefined, { cause: error })
    }
  }

  private async startFfmpeg(stream: RtpAudioStream): Promise<void> {
    this.port = await freeRtpPort()
    if (this.done) return
    this.directory = mkdtempSync(join(tmpdir(), 'midstream-webrtc-'))
    const sdpPath = join(this.directory, 'stream.sdp')
    writeFileSync(sdpPath, rtpAudioSdp(stream, this.port))
    this.socket = createSocket('udp4')
    this.socket.on('error', error => this.fail(new WebrtcSourceError(`UDP socket: ${error.message}`)))
    const { sampleRate, channels } = this.settings
    // -loglevel level+debug: the debug line that says ffmpeg has bound its RTP ports (then the
    // packets held meanwhile are sent), and "[error]" before each error line (the one we report)
    const args = ['-hide_banner', '-loglevel', 'level+debug', '-protocol_whitelist', 'file,udp,rtp', '-i', sdpPath]
    // RFC 7587 has Opus always in 2 channels: ffmpeg's decoder gives a mono sender's samples in both,
    // which -ac 1 would sum at +3 dB (its pan law); mono is their mean
    const downmix = channels === 1 ? ',pan=mono|c0=0.5*c0+0.5*c1' : ''
    args.push('-vn', '-af', `aresample=async=1:min_hard_comp=0.01${downmix}`, '-ar', String(sampleRate))
    args.push('-f', 'f32le', 'pipe:1')
    const ffmpeg = spawn(this.settings.ffmpegPath, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    this.ffmpeg = ffmpeg
    ffmpeg.on('error', error =>
      this.fail(
        new WebrtcSourceError(`cannot run ffmpeg (${this.settings.ffmpegPath}): ${error.message}`, undefined, {
          cause: error,
        }),
      ),
    )
    ffmpeg.stdin?.on('error', () => undefined)
    ffmpeg.stdout?.on('data', (chunk: Buffer) => this.framer.push(chunk, this.emit))
    readLines(ffmpeg, line => this.onStderr(line))
    ffmpeg.on('close', code => this.onExit(code))
  }

  private onStderr(line: string): void {
    const error = ERROR_LINE.exec(line)
    if (error !== null) this.lastError = error[1]
    if (!this.ready && READY_LINE.test(line)) {
      this.ready = true
      for (const packet of this.pending) this.send(packet)
      this.pending = []
    }
  }

  private forward(packet: Buffer): void {
    if (this.done || this.ending) return
    this.lastPacketAt = Date.now()
    this.idleTimer ??= setInterval(
      () => {
        if (Date.now() - this.lastPacketAt >= this.settings.idleMs) this.end()
      },
      Math.max(10, this.settings.idleMs / 4),
    )
    if (this.ready) this.send(packet)
    else if (this.pending.length < this.settings.maxPendingPackets) this.pending.push(packet)
    else {
      this.dropped++
      this.callOnDrop()
    }
  }

  private callOnDrop(): void {
    try {
      this.settings.onDrop?.(this.dropped)
    } catch (error) {
      this.fail(new WebrtcSourceError(`onDrop threw: ${errorMessage(error)}`, undefined, { cause: error }))
    }
  }

  private send(packet: Buffer): void {
    this.socket?.send(packet, this.port, '127.0.0.1')
  }

  /** The peer connection closed: let ffmpeg decode what it has, then complete. */
  private end(): void {
    if (this.done || this.ending) return
    this.ending = true
    clearInterval(this.idleTimer)
    const ffmpeg = this.ffmpeg
    if (ffmpeg === undefined || ffmpeg.exitCode !== null) {
      this.finish()
      return
    }
    // the last datagrams are still in ffmpeg's socket buffer: give them a moment, then SIGINT twice
    // (the first asks ffmpeg to stop after the packet it waits for, the second interrupts that wait:
    // its RTP read blocks up to 10 s without packets; ffmpeg then flushes its decoder and exits),
    // and SIGKILL if it does not go
    setTimeout(() => ffmpeg.kill('SIGINT'), 200).unref()
    setTimeout(() => ffmpeg.kill('SIGINT'), 300).unref()
    setTimeout(() => ffmpeg.kill('SIGKILL'), 5000).unref()
  }

  private onExit(code: number | null): void {
    if (this.done) return
    if (this.ending || code === 0) {
      this.framer.flush(this.emit)
      this.finish()
      return
    }
    const detail = this.lastError ?? `exit code ${code}`
    this.fail(new WebrtcSourceError(`ffmpeg failed: ${detail}`, this.lastError))
  }

  private finish(): void {
    if (this.done) return
    // complete once werift has closed its sockets, so that nothing of the session outlives the stream
    this.close()
      .catch(() => undefined)
      .then(() => this.subscriber.complete())
  }

  fail(error: unknown): void {
    if (this.done) return
    this.close().catch(() => undefined)
    this.subscriber.error(error instanceof Error ? error : new WebrtcSourceError(errorMessage(error)))
  }

  /**
   * Closes the peer connection, the UDP socket and ffmpeg; resolves when werift's `close()` has and
   * our socket is closed (Node releases the sockets' handles a moment later).
   */
  async close(): Promise<void> {
    if (this.done) return
    this.done = true
    this.pending = []
    clearInterval(this.idleTimer)
    const socket = this.socket
    const socketClosed = new Promise<void>(resolve => {
      if (socket === undefined) resolve()
      else
        try {
          socket.close(resolve)
        } catch {
          resolve() // already closed
        }
    })
    if (this.ffmpeg !== undefined && this.ffmpeg.exitCode === null) this.ffmpeg.kill('SIGKILL')
    if (this.directory !== undefined) rmSync(this.directory, { recursive: true, force: true })
    await Promise.all([socketClosed, this.pc?.close().catch(() => undefined)])
  }
}

async function callSignal(signal: (offer: string) => Promise<string>, offer: string): Promise<string> {
  let answer: unknown
  try {
    answer = await signal(offer)
  } catch (error) {
    throw new WebrtcSourceError(`signal failed: ${errorMessage(error)}`, undefined, { cause: error })
  }
  if (typeof answer !== 'string' || !answer.startsWith('v=0'))
    throw new WebrtcSourceError(`signal must resolve an SDP answer (starting "v=0"), got ${describeValue(answer)}`)
  return answer
}

function negotiatedOpus(pc: WeriftPackage.RTCPeerConnection): RtpAudioStream {
  for (const transceiver of pc.getTransceivers()) {
    if (transceiver.kind !== 'audio') continue
    const opus = transceiver.codecs.find(codec => codec.mimeType.toLowerCase() === 'audio/opus')
    if (opus !== undefined)
      return {
        payloadType: opus.payloadType,
        clockRate: opus.clockRate,
        channels: opus.channels ?? 2,
        parameters: opus.parameters ?? '',
      }
  }
  throw new WebrtcSourceError('the peer negotiated no Opus audio (webrtcSource receives Opus audio only)')
}

function readLines(child: ChildProcess, onLine: (line: string) => void): void {
  let rest = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    const lines = (rest + chunk).split(/\r?\n|\r/)
    rest = lines.pop() ?? ''
    for (const line of lines) onLine(line)
  })
  child.stderr?.on('end', () => {
    if (rest !== '') onLine(rest)
  })
}
