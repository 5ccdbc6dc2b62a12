/**
 * The plumbing between werift and ffmpeg for `webrtcSource`: the SDP file that tells ffmpeg's `sdp`
 * demuxer which RTP stream to expect on which loopback port, and a free even port pair for it (RTP
 * on the even port, RTCP on the next, as RFC 3550 section 11 and ffmpeg expect).
 * @internal
 */
import { createSocket } from 'node:dgram'

/** The negotiated Opus stream of a WebRTC session, as ffmpeg needs it. */
export interface RtpAudioStream {
  /** The RTP payload type the peers agreed on for Opus (dynamic, 96..127; Chromium uses 111). */
  readonly payloadType: number
  /** The RTP clock rate (48000 for Opus, RFC 7587). */
  readonly clockRate: number
  /** Channels in the `rtpmap` line (2 for Opus, RFC 7587, whatever the sender encodes). */
  readonly channels: number
  /** The codec's `fmtp` parameters, e.g. `minptime=10;useinbandfec=1`, or empty. */
  readonly parameters: string
}

/**
 * The SDP session description (RFC 8866) of one Opus RTP stream arriving on 127.0.0.1:`port`,
 * for `ffmpeg -protocol_whitelist file,udp,rtp -i stream.sdp`.
 */
export function rtpAudioSdp(stream: RtpAudioStream, port: number): string {
  const lines = [
    'v=0',
    'o=- 0 0 IN IP4 127.0.0.1',
    's=midstream webrtcSource',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP ${stream.payloadType}`,
    `a=rtpmap:${stream.payloadType} opus/${stream.clockRate}/${stream.channels}`,
  ]
  if (stream.parameters !== '') lines.push(`a=fmtp:${stream.payloadType} ${stream.parameters}`)
  return `${lines.join('\n')}\n`
}

function canBind(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = createSocket('udp4')
    socket.once('error', () => {
      socket.close()
      resolve(false)
    })
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)))
  })
}

function anyPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4')
    socket.once('error', reject)
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address()
      socket.close(() => resolve(port))
    })
  })
}

/**
 * An even UDP port on 127.0.0.1 whose successor is free too, for ffmpeg to bind (RTP and RTCP).
 * The ports are free when this resolves; ffmpeg binds them a moment later (another process could
 * take them in between: ffmpeg then fails with its bind error, which the source reports).
 */
export async function freeRtpPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = (await anyPort()) & ~1
    if (port >= 1024 && port < 65534 && (await canBind(port)) && (await canBind(port + 1))) return port
  }
  throw new Error('webrtcSource: found no free UDP port pair on 127.0.0.1 for ffmpeg')
}
