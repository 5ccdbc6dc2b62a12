/**
 * Barge-in on a Realtime API connection: the user talks over the assistant's answer, and `bargeIn`
 * stops the player, cancels the response and truncates the answer's audio at the position the player
 * actually reached, not at what the server had sent. A backchannel ("mm-hm") shorter than
 * `minSpeechMs` interrupts nothing. The server is a stand-in on 127.0.0.1 that speaks the Realtime
 * events (it sends 600 ms of audio at once, faster than realtime, as the real one does).
 */
import { bargeIn, type SpeechSignal } from 'midstream/media'
import { realtimeSource } from 'midstream/sources'
import { firstValueFrom, Subject } from 'rxjs'
import { WebSocketServer } from 'ws'

// A stand-in for the Realtime API: one answer of 30 deltas of 20 ms PCM16 at 24 kHz (960 bytes each).
const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
await new Promise(resolve => server.once('listening', resolve))
server.on('connection', socket => {
  const send = (event: object) => socket.send(JSON.stringify(event))
  const ids = { response_id: 'resp_1', item_id: 'item_1', output_index: 0, content_index: 0 }
  let sentMs = 0
  socket.on('message', data => {
    const event = JSON.parse(String(data))
    console.log(`server got: ${JSON.stringify(event)}`)
    if (event.type === 'response.create') {
      send({ type: 'response.created', response: { id: 'resp_1', status: 'in_progress' } })
      send({ type: 'response.output_item.added', response_id: 'resp_1', item: { id: 'item_1', role: 'assistant' } })
      for (; sentMs < 600; sentMs += 20)
        send({ type: 'response.output_audio.delta', ...ids, delta: Buffer.alloc(960).toString('base64') })
    } else if (event.type === 'response.cancel') {
      send({ type: 'response.done', response: { id: 'resp_1', status: 'cancelled' } })
    } else if (event.type === 'conversation.item.truncate') {
      // the real server refuses to truncate beyond the audio it sent
      if (event.audio_end_ms > sentMs) send({ type: 'error', error: { message: `only ${sentMs} ms sent` } })
      else send({ type: 'conversation.item.truncated', item_id: event.item_id, audio_end_ms: event.audio_end_ms })
    }
  })
})
const { port } = server.address() as { port: number }

// The player: audio handed to it, and its device's clock (here moved by hand) of what it played.
const player = {
  receivedMs: 0,
  clockMs: 0,
  playedMs: () => Math.min(player.clockMs, player.receivedMs),
  stop: () => console.log(`player stopped at ${player.playedMs()} ms of ${player.receivedMs} ms received`),
}

const realtime = realtimeSource({ url: `ws://127.0.0.1:${port}/v1/realtime`, model: 'gpt-realtime' })
let truncated: (value?: unknown) => void = () => {}
const serverAnswered = new Promise(resolve => (truncated = resolve))
realtime.events.subscribe(event => {
  if (event.type === 'response.output_audio.delta') player.receivedMs += 20
  if (event.type === 'conversation.item.truncated' || event.type === 'response.done')
    console.log(`client got: ${JSON.stringify(event)}`)
  if (event.type === 'conversation.item.truncated') truncated()
})
const speech = new Subject<SpeechSignal>() // onsets and ends from a VAD, such as voiceActivity's
const interruptions = bargeIn(realtime, { player, interrupts: speech, minSpeechMs: 200 })
const first = firstValueFrom(interruptions.events)

realtime.send({ type: 'response.create' })
while (player.receivedMs < 600) await new Promise(resolve => setTimeout(resolve, 5))
player.clockMs = 240
speech.next(true) // "mm-hm" ...
speech.next(false) // ... over before 200 ms: a backchannel
player.clockMs = 340
speech.next(true) // the user talks over the answer, and goes on
const barge = await first
console.log(`barge-in: cancel ${barge.cancel}, truncate ${JSON.stringify(barge.truncate)}`)
await serverAnswered
console.log(`counts: ${JSON.stringify(interruptions.counts)}`)
realtime.close()
server.close()
