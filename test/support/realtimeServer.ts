/**
 * A local server speaking the OpenAI Realtime API's framing (JSON events both ways over a `ws`
 * WebSocket on 127.0.0.1), recording every client event; and `voiceSession`, the server's side of a
 * voice conversation: responses with an assistant audio item streamed as `response.output_audio.delta`
 * events (GA names; `response.audio.delta` with `names: 'beta'`) at a known rate, `response.cancel`,
 * `conversation.item.truncate` answered with `conversation.item.truncated` or, for an `audio_end_ms`
 * beyond the audio sent or an unknown item, an `error` event as the real server does, and
 * `input_audio_buffer.speech_started` / `speech_stopped` on the test's cue.
 */
import { type WebSocket, WebSocketServer } from 'ws'

/** What the server saw of one connection. */
export interface RealtimeConnectionRecord {
  socket: WebSocket
  at: number
  /** Every client event, parsed, in arrival order. */
  received: Array<Record<string, unknown>>
  headers: Record<string, string | string[] | undefined>
  path: string
}

export interface FakeRealtimeServer {
  url: string
  /** `performance.now()` of every upgrade request, refused or not. */
  attempts: number[]
  connections: RealtimeConnectionRecord[]
  close(): Promise<void>
}

/** A local server speaking the Realtime protocol's framing: JSON events both ways. */
export async function fakeRealtime(
  onConnection: (socket: WebSocket, index: number, record: RealtimeConnectionRecord) => void,
  refuseFirst = 0,
): Promise<FakeRealtimeServer> {
  const attempts: number[] = []
  // the first `refuseFirst` upgrade requests are refused with HTTP 503 (the socket never opens)
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    verifyClient: (_info: unknown, done: (ok: boolean, code?: number) => void) =>
      done(attempts.push(performance.now()) > refuseFirst, 503),
  })
  await new Promise<void>(resolve => server.once('listening', () => resolve()))
  const connections: RealtimeConnectionRecord[] = []
  server.on('connection', (socket, request) => {
    const entry: RealtimeConnectionRecord = {
      socket,
      at: performance.now(),
      received: [],
      headers: request.headers,
      path: request.url ?? '',
    }
    connections.push(entry)
    socket.on('message', data => entry.received.push(JSON.parse(String(data))))
    onConnection(socket, connections.length - 1, entry)
  })
  const { port } = server.address() as { port: number }
  return {
    url: `ws://127.0.0.1:${port}/v1/realtime`,
    attempts,
    connections,
    close: () =>
      new Promise<void>(resolve => {
        for (const client of server.clients) client.terminate()
        server.close(() => resolve())
      }),
  }
}

/** How the server streams one response's audio. */
export interface VoiceScript {
  /** Audio in the response, ms (a whole number of chunks). */
  audioMs: number
  /** Audio per `response.output_audio.delta`, ms (PCM16 mono at 24 kHz: 48 bytes per ms). */
  chunkMs: number
  /** Real time between deltas, ms (the real server sends faster than realtime: intervalMs < chunkMs). */
  intervalMs: number
  /** Stop streaming after this much audio and hold the response open (until cancelled or `release()`). */
  holdAfterMs?: number
}

/** One response the server played. */
export interface VoiceResponse {
  responseId: string
  itemId: string
  /** Audio ms sent so far. */
  sentMs: number
  status: 'in_progress' | 'completed' | 'cancelled'
  /** Release a held response: streaming goes on to its end. */
  release(): void
}

export interface VoiceSession {
  /** Starts a response (as server VAD does after the user's turn, or on `response.create`). */
  respond(script?: VoiceScript): VoiceResponse
  /** Sends `input_audio_buffer.speech_started` (the server's VAD heard the user). */
  speechStarted(audioStartMs: number): void
  /** Sends `input_audio_buffer.speech_stopped`. */
  speechStopped(audioEndMs: number): void
  /** Every response so far, in order. */
  responses: VoiceResponse[]
  /** Every server event sent, in order. */
  sent: Array<Record<string, unknown>>
  /** Stops any streaming timer. */
  close(): void
}

/** Bytes of PCM16 mono 24 kHz audio per ms. */
const BYTES_PER_MS = 48

/** Base64 of `ms` of a 220 Hz sine, PCM16 mono at 24 kHz, starting at sample `from`. */
function sineChunk(ms: number, from: number): string {
  const samples = (ms * BYTES_PER_MS) / 2
  const pcm = Buffer.alloc(samples * 2)
  for (let i = 0; i < samples; i++)
    pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 220 * (from + i)) / 24000)), i * 2)
  return pcm.toString('base64')
}

/** The server side of a voice conversation on `socket`; `names: 'beta'` uses the beta's `response.audio.delta`. */
export function voiceSession(socket: WebSocket, defaults: VoiceScript, names: 'ga' | 'beta' = 'ga'): VoiceSession {
  const sent: Array<Record<string, unknown>> = []
  const responses: VoiceResponse[] = []
  let events = 0
  let current: (VoiceResponse & { stop(): void }) | null = null
  const send = (event: Record<string, unknown>): void => {
    const full = { event_id: `event_${++events}`, ...event }
    sent.push(full)
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(full))
  }
  const error = (code: string, message: string, param: string | null, clientEventId: unknown): void =>
    send({
      type: 'error',
      error: { type: 'invalid_request_error', code, message, param, event_id: clientEventId ?? null },
    })

  const respond = (script: VoiceScript = defaults): VoiceResponse => {
    current?.stop()
    const n = responses.length + 1
    const response = playResponse(send, script, n, names, () => {
      if (current === response) current = null
    })
    responses.push(response)
    current = response
    return response
  }

  socket.on('message', data => {
    const event = JSON.parse(String(data)) as Record<string, unknown>
    if (event.type === 'response.create') respond()
    else if (event.type === 'response.cancel') {
      if (current === null || current.status !== 'in_progress')
        return error(
          'response_cancel_not_active',
          'Cancellation failed: no active response found',
          null,
          event.event_id,
        )
      current.stop()
    } else if (event.type === 'conversation.item.truncate') truncate(event)
  })

  const truncate = (event: Record<string, unknown>): void => {
    const item = responses.find(r => r.itemId === event.item_id)
    if (item === undefined)
      return error('item_not_found', `Item with item_id not found: ${String(event.item_id)}`, 'item_id', event.event_id)
    if (event.content_index !== 0)
      return error('invalid_value', 'Invalid content_index', 'content_index', event.event_id)
    const end = event.audio_end_ms
    if (typeof end !== 'number' || !Number.isInteger(end) || end < 0)
      return error('invalid_value', 'Invalid audio_end_ms', 'audio_end_ms', event.event_id)
    if (end > item.sentMs)
      return error(
        'invalid_value',
        `Audio content of ${item.sentMs}ms is already shorter than ${end}ms`,
        'audio_end_ms',
        event.event_id,
      )
    send({ type: 'conversation.item.truncated', item_id: item.itemId, content_index: 0, audio_end_ms: end })
  }

  return {
    respond,
    speechStarted: audioStartMs =>
      send({ type: 'input_audio_buffer.speech_started', audio_start_ms: audioStartMs, item_id: `item_user_${events}` }),
    speechStopped: audioEndMs =>
      send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: audioEndMs, item_id: `item_user_${events}` }),
    responses,
    sent,
    close: () => current?.stop(),
  }
}

// Streams one response: created, item added, content part, deltas at the script's rate, done.
function playResponse(
  send: (event: Record<string, unknown>) => void,
  script: VoiceScript,
  n: number,
  names: 'ga' | 'beta',
  ended: () => void,
): VoiceResponse & { stop(): void } {
  const responseId = `resp_${n}`
  const itemId = `item_assistant_${n}`
  const ids = { response_id: responseId, item_id: itemId, output_index: 0, content_index: 0 }
  const audio = names === 'ga' ? 'response.output_audio' : 'response.audio'
  let timer: ReturnType<typeof setInterval> | null = null
  let held = false
  const response = {
    responseId,
    itemId,
    sentMs: 0,
    status: 'in_progress' as VoiceResponse['status'],
    release: () => {
      held = false
    },
    stop: () => finish('cancelled'),
  }
  const finish = (status: 'completed' | 'cancelled'): void => {
    if (response.status !== 'in_progress') return
    if (timer !== null) clearInterval(timer)
    response.status = status
    if (status === 'completed') {
      send({ type: `${audio}.done`, ...ids })
      send({ type: 'response.content_part.done', ...ids, part: { type: 'audio', transcript: '' } })
    }
    const item = {
      id: itemId,
      type: 'message',
      role: 'assistant',
      status: status === 'completed' ? 'completed' : 'incomplete',
    }
    send({ type: 'response.output_item.done', response_id: responseId, output_index: 0, item })
    const details = status === 'cancelled' ? { type: 'cancelled', reason: 'client_cancelled' } : null
    send({
      type: 'response.done',
      response: { object: 'realtime.response', id: responseId, status, status_details: details },
    })
    ended()
  }
  send({
    type: 'response.created',
    response: { object: 'realtime.response', id: responseId, status: 'in_progress', output: [] },
  })
  const item = {
    id: itemId,
    object: 'realtime.item',
    type: 'message',
    role: 'assistant',
    status: 'in_progress',
    content: [],
  }
  send({ type: 'response.output_item.added', response_id: responseId, output_index: 0, item })
  send({ type: 'conversation.item.added', previous_item_id: null, item })
  send({ type: 'response.content_part.added', ...ids, part: { type: 'audio', transcript: '' } })
  held = script.holdAfterMs !== undefined
  timer = setInterval(() => {
    if (held && script.holdAfterMs !== undefined && response.sentMs >= script.holdAfterMs) return
    if (response.sentMs >= script.audioMs) return finish('completed')
    const delta = sineChunk(script.chunkMs, (response.sentMs * BYTES_PER_MS) / 2)
    response.sentMs += script.chunkMs
    send({ type: `${audio}.delta`, ...ids, delta })
  }, script.intervalMs)
  return response
}
