/**
 * webrtcSource behind a WHIP endpoint (RFC 9725: the sender POSTs its SDP offer as application/sdp
 * and gets the answer back in a 201). A browser would send its microphone with the PAGE below; so
 * that this example runs anywhere, a werift peer stands in for the browser and sends what ffmpeg's
 * libopus encodes from a test signal: 1.6 s with a 1 kHz tone from 0.3 s to 1.3 s.
 */
import { spawn } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { webrtcSource } from 'midstream/media'
import { map, toArray } from 'rxjs'
import { MediaStreamTrack, useOPUS as opusCodec, RTCPeerConnection, RtpPacket } from 'werift'

// what a browser page does (served at / for a real browser to open)
const PAGE = `<script type="module">
const microphone = await navigator.mediaDevices.getUserMedia({ audio: true })
const pc = new RTCPeerConnection()
pc.addTransceiver(microphone.getAudioTracks()[0], { direction: 'sendonly' })
await pc.setLocalDescription(await pc.createOffer())
await new Promise(done => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && done()))
const answer = await fetch('/whip', { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: pc.localDescription.sdp })
await pc.setRemoteDescription({ type: 'answer', sdp: await answer.text() })
</script>`

const server = createServer(async (request, response) => {
  if (request.method === 'GET') return void response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE)
  let offer = ''
  for await (const chunk of request) offer += chunk
  webrtcSource({
    offer,
    answer: sdp => response.writeHead(201, { 'content-type': 'application/sdp', location: '/whip/1' }).end(sdp),
    audio: { sampleRate: 16000, channels: 1, frameMs: 100 },
    idleMs: 1500, // the stand-in closes without telling (a browser's pc.close() is seen at once)
  })
    .pipe(
      map(frame => {
        let sum = 0
        for (const x of frame.samples) sum += x * x
        return { atMs: frame.ptsMs, rms: Math.sqrt(sum / frame.samples.length), ms: frame.samples.length / 16 }
      }),
      toArray(),
    )
    .subscribe(levels => {
      const loud = levels.filter(level => level.rms > 0.2)
      const seconds = (ms: number) => (ms / 1000).toFixed(1)
      console.log(
        `received ${seconds(levels.reduce((sum, level) => sum + level.ms, 0))} s of audio in ${levels.length} frames`,
      )
      console.log(
        `tone from ${seconds(loud[0].atMs)} s to ${seconds(loud[loud.length - 1].atMs + 100)} s, RMS ${loud[3].rms.toFixed(2)}`,
      )
      server.close()
    })
})
await new Promise<void>(listening => server.listen(0, '127.0.0.1', listening))
const whip = `http://127.0.0.1:${(server.address() as AddressInfo).port}/whip`

// the stand-in browser: a werift peer whose track carries ffmpeg's Opus RTP
const pc = new RTCPeerConnection({ codecs: { audio: [opusCodec()] } })
const track = new MediaStreamTrack({ kind: 'audio' })
pc.addTransceiver(track, { direction: 'sendonly' })
await pc.setLocalDescription(await pc.createOffer())
const answer = await fetch(whip, {
  method: 'POST',
  headers: { 'content-type': 'application/sdp' },
  body: pc.localDescription?.sdp,
})
await pc.setRemoteDescription({ type: 'answer', sdp: await answer.text() })
await new Promise<void>(connected => pc.connectionStateChange.subscribe(state => state === 'connected' && connected()))

const rtp = createSocket('udp4').on('message', packet => track.writeRtp(RtpPacket.deSerialize(packet)))
await new Promise<void>(bound => rtp.bind(0, '127.0.0.1', bound))
const signal = 'aevalsrc=0.5*sin(2*PI*1000*t)*between(t\\,0.3\\,1.3):s=48000:d=1.6'
const ffmpeg = spawn(
  'ffmpeg',
  ['-loglevel', 'error', '-re', '-f', 'lavfi', '-i', signal, '-c:a', 'libopus'].concat([
    '-frame_duration',
    '20',
    '-f',
    'rtp',
    `rtp://127.0.0.1:${rtp.address().port}`,
  ]),
  { stdio: 'ignore' },
)
await new Promise(exited => ffmpeg.on('close', exited))
rtp.close()
await pc.close()
