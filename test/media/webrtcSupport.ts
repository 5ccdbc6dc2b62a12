// Helpers of the webrtcSource tests: the tone detector (the oracle) and the leak checks.
import { execFileSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { createRequire } from 'node:module'
import { runFfmpeg } from '../support/ffmpeg'

/**
 * The amplitude of the `frequency` component of `samples` (Goertzel 1958): exact, for a sine whose
 * frequency falls on a bin (frequency * samples.length / sampleRate an integer), as 1 kHz does in
 * frames of 20 ms.
 */
export function goertzelAmplitude(samples: Float32Array, frequency: number, sampleRate: number): number {
  const n = samples.length
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate)
  let s1 = 0
  let s2 = 0
  for (let i = 0; i < n; i++) {
    const s0 = samples[i] + coefficient * s1 - s2
    s2 = s1
    s1 = s0
  }
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
  return (2 * Math.sqrt(Math.max(0, power))) / n
}

/** The live child processes of this process whose command line contains `text`, as "pid args" lines. */
export function childProcesses(text: string): string[] {
  let out = ''
  try {
    out = execFileSync('ps', ['-o', 'pid=,stat=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
  } catch {
    return [] // ps exits 1 when there is none
  }
  return out
    .split('\n')
    .map(line => line.trim())
    .filter(line => line.includes(text) && !/^\d+\s+Z/.test(line))
}

/** UDP sockets open in this process. */
export function udpHandles(): number {
  return process.getActiveResourcesInfo().filter(name => name === 'UDPWrap').length
}

/** A WebRTC peer that sends Opus made by ffmpeg from a lavfi graph, through werift, optionally losing packets. */
export interface WeriftSender {
  /** For `webrtcSource({ signal })`: answers our offer as a sending peer. */
  readonly signal: (offer: string) => Promise<string>
  /** Resolves when ffmpeg has sent all of the signal (it runs in real time, `-re`). */
  readonly sent: Promise<void>
  /** RTP packets received from ffmpeg, and those dropped (`drop`) before werift sent them. */
  readonly counts: { received: number; dropped: number }
  /** Closes the peer connection. */
  close(): Promise<void>
}

/**
 * Starts a werift peer that, once connected, sends `lavfi` encoded by ffmpeg's libopus (20 ms
 * packets) over WebRTC; `drop(n)` says whether the n-th RTP packet (from 0) is lost on the way and
 * `swap(n)` whether it goes after packet n + 1 (reordering).
 */
export function weriftSender(
  lavfi: string,
  options: { drop?: (n: number) => boolean; swap?: (n: number) => boolean } = {},
): WeriftSender {
  const { RTCPeerConnection, MediaStreamTrack, RtpPacket, useOPUS: opusCodec } = requireWerift()
  const pc = new RTCPeerConnection({ codecs: { audio: [opusCodec()] } })
  const track = new MediaStreamTrack({ kind: 'audio' })
  pc.addTransceiver(track, { direction: 'sendonly' })
  const counts = { received: 0, dropped: 0 }
  let held: InstanceType<typeof RtpPacket> | undefined
  const socket = createSocket('udp4')
  socket.on('message', (message: Buffer) => {
    const n = counts.received++
    if (options.drop?.(n) === true) {
      counts.dropped++
      return
    }
    const packet = RtpPacket.deSerialize(message)
    if (held === undefined && options.swap?.(n) === true) {
      held = packet
      return
    }
    track.writeRtp(packet)
    if (held !== undefined) track.writeRtp(held)
    held = undefined
  })
  const connected = new Promise<void>(resolve =>
    pc.connectionStateChange.subscribe(state => {
      if (state === 'connected') resolve()
    }),
  )
  const bound = new Promise<number>(resolve => socket.bind(0, '127.0.0.1', () => resolve(socket.address().port)))
  const sent = Promise.all([connected, bound]).then(([, port]) =>
    runFfmpeg(
      ['-re', '-f', 'lavfi', '-i', lavfi, '-c:a', 'libopus', '-frame_duration', '20', '-application', 'audio'].concat([
        '-payload_type',
        '111',
        '-f',
        'rtp',
        `rtp://127.0.0.1:${port}`,
      ]),
    ).then(() => undefined),
  )
  return {
    signal: async offer => {
      await pc.setRemoteDescription({ type: 'offer', sdp: offer })
      await pc.setLocalDescription(await pc.createAnswer())
      return pc.localDescription?.sdp ?? ''
    },
    sent,
    counts,
    close: async () => {
      socket.close()
      await pc.close()
    },
  }
}

function requireWerift(): typeof import('werift') {
  return createRequire(import.meta.url)('werift')
}
