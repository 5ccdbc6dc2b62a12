import { lastValueFrom, Subject, type Subscription, toArray } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'
import { type BargeInEvent, bargeIn, type SpeechSignal } from '../../media/bargeIn'
import { type RealtimeConnection, realtimeSource } from '../../sources/llm/realtimeSource'
import { createVirtualNanoScheduler } from '../../src/scheduler/nanoScheduler'
import {
  type FakeRealtimeServer,
  fakeRealtime,
  type VoiceScript,
  type VoiceSession,
  voiceSession,
} from '../support/realtimeServer'

/** 20 ms chunks, four times faster than realtime (the real server also sends ahead of playback). */
const CHUNK_MS = 20
const STREAMING: VoiceScript = { audioMs: 2000, chunkMs: CHUNK_MS, intervalMs: 5 }

/**
 * The test's player: audio handed to it (PCM16 mono 24 kHz deltas) plays at realtime from the first
 * delta of each item; stop() freezes it. Its own position is the oracle `audio_end_ms` is checked against.
 */
class SimulatedPlayer {
  readonly received = new Map<string, number>()
  readonly firstAt = new Map<string, number>()
  stoppedAt: number | null = null
  stops = 0
  /** Every answer `playedMs` gave, with its item. */
  readonly answers: Array<[string, number]> = []
  /** The type of every server event the client received. */
  readonly seen: string[] = []
  feed(event: { type: string; [field: string]: unknown }): void {
    this.seen.push(event.type)
    if (event.type !== 'response.output_audio.delta' && event.type !== 'response.audio.delta') return
    if (this.stoppedAt !== null) return
    const item = event.item_id as string
    if (!this.firstAt.has(item)) this.firstAt.set(item, performance.now())
    this.received.set(item, (this.received.get(item) ?? 0) + Buffer.from(event.delta as string, 'base64').length / 48)
  }
  position(item: string, at = this.stoppedAt ?? performance.now()): number {
    const first = this.firstAt.get(item)
    return first === undefined ? 0 : Math.min(this.received.get(item) ?? 0, Math.max(0, at - first))
  }
  playedMs = (item: string): number => {
    const ms = this.position(item)
    this.answers.push([item, ms])
    return ms
  }
  stop = (): void => {
    this.stoppedAt = performance.now()
    this.stops++
  }
  /** A new answer plays: the player runs again. */
  resume(): void {
    this.stoppedAt = null
  }
}

interface Rig {
  server: FakeRealtimeServer
  session: () => VoiceSession
  realtime: RealtimeConnection
  player: SimulatedPlayer
  clientEvents: () => Array<Record<string, unknown>>
}

let cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const step of cleanup.reverse()) await step()
  cleanup = []
})
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

async function rig(script: VoiceScript = STREAMING, names: 'ga' | 'beta' = 'ga'): Promise<Rig> {
  let session: VoiceSession | null = null
  const server = await fakeRealtime(socket => {
    session = voiceSession(socket as WebSocket, script, names)
  })
  const realtime = realtimeSource({ url: server.url, model: 'gpt-realtime', reconnect: false })
  const player = new SimulatedPlayer()
  const feeding = realtime.events.subscribe(event => player.feed(event))
  cleanup.push(
    () => server.close(),
    () => realtime.close(),
    () => feeding.unsubscribe(),
    () => session?.close(),
  )
  await until(() => session !== null, 'the connection')
  return {
    server,
    session: () => session as unknown as VoiceSession,
    realtime,
    player,
    clientEvents: () => server.connections[0].received,
  }
}

function collect(session: ReturnType<typeof bargeIn>): BargeInEvent[] {
  const seen: BargeInEvent[] = []
  const subscription: Subscription = session.events.subscribe({ next: e => seen.push(e) })
  cleanup.push(() => subscription.unsubscribe())
  return seen
}

const bargeInEvents = (events: Array<Record<string, unknown>>) =>
  events.filter(e => e.type === 'response.cancel' || e.type === 'conversation.item.truncate')

describe('bargeIn against the local Realtime server', () => {
  it('local speech over a playing answer: stop, response.cancel, truncate at the played position, once', async () => {
    const { session, realtime, player, clientEvents } = await rig({ ...STREAMING, holdAfterMs: 1500 })
    const interrupts = new Subject<SpeechSignal>()
    const stream = bargeIn(realtime, { player, interrupts, minSpeechMs: 60 })
    const seen = collect(stream)
    realtime.send({ type: 'response.create' })
    await until(() => player.position('item_assistant_1') >= 200, 'playback at 200 ms')
    interrupts.next({ ptsMs: 12_345 }) // an onset from a VAD (its ptsMs is on the mic's clock, not used)
    await until(() => session().sent.some(e => e.type === 'conversation.item.truncated'), 'the truncation')
    const [asked, played] = player.answers.at(-1) as [string, number]
    expect(asked).toBe('item_assistant_1')
    expect(bargeInEvents(clientEvents())).toEqual([
      { type: 'response.cancel', response_id: 'resp_1' },
      {
        type: 'conversation.item.truncate',
        item_id: 'item_assistant_1',
        content_index: 0,
        audio_end_ms: Math.floor(played),
      },
    ])
    // the oracle: where the simulated player stood when it was stopped, within one chunk
    const end = clientEvents().at(-1)?.audio_end_ms as number
    expect(Math.abs(end - player.position('item_assistant_1'))).toBeLessThanOrEqual(CHUNK_MS)
    expect(player.stops).toBe(1)
    // the server had sent more than was heard, and accepted the truncation without an error
    expect(session().responses[0].sentMs).toBeGreaterThan(end)
    expect(session().sent.filter(e => e.type === 'error')).toEqual([])
    await until(() => session().responses[0].status === 'cancelled', 'the cancelled response.done')
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ responseId: 'resp_1', seq: 1, cancel: true, sent: bargeInEvents(clientEvents()) })
    expect(stream.counts.bargeIns).toBe(1)
  })

  it("the server's speech_started after response.done, audio still buffered: truncate only (beta event names)", async () => {
    const { session, realtime, player, clientEvents } = await rig(
      { audioMs: 2000, chunkMs: CHUNK_MS, intervalMs: 2 },
      'beta',
    )
    const seen = collect(bargeIn(realtime, { player, minSpeechMs: 40 }))
    realtime.send({ type: 'response.create' })
    await until(() => session().responses[0]?.status === 'completed', 'the whole answer sent')
    session().speechStarted(500)
    await until(() => session().sent.some(e => e.type === 'conversation.item.truncated'), 'the truncation')
    expect(bargeInEvents(clientEvents()).map(e => e.type)).toEqual(['conversation.item.truncate'])
    const end = clientEvents().at(-1)?.audio_end_ms as number
    expect(end).toBeLessThan(2000)
    expect(Math.abs(end - player.position('item_assistant_1'))).toBeLessThanOrEqual(CHUNK_MS)
    expect(seen.map(e => e.cancel)).toEqual([false])
  })

  it('backchannels shorter than minSpeechMs do not interrupt (virtual time)', async () => {
    const { session, realtime, player, clientEvents } = await rig({ ...STREAMING, holdAfterMs: 1500 })
    const scheduler = createVirtualNanoScheduler()
    const interrupts = new Subject<SpeechSignal>()
    const barge = bargeIn(realtime, { player, interrupts, minSpeechMs: 150, scheduler })
    const seen = collect(barge)
    realtime.send({ type: 'response.create' })
    await until(() => player.position('item_assistant_1') >= 40, 'playback')
    // "mm-hm" heard by the server's VAD and by ours (coalesced), over after 149 ms
    session().speechStarted(100)
    await until(() => player.seen.includes('input_audio_buffer.speech_started'), 'speech_started')
    interrupts.next(true)
    scheduler.advanceBy(149)
    session().speechStopped(249)
    await until(() => player.seen.includes('input_audio_buffer.speech_stopped'), 'speech_stopped')
    scheduler.advanceBy(1000)
    expect(seen).toEqual([])
    expect(barge.counts).toMatchObject({ backchannels: 1, coalesced: 1, bargeIns: 0 })
    // speech lasting exactly minSpeechMs interrupts, at that moment
    interrupts.next(true)
    scheduler.advanceBy(149)
    expect(seen).toEqual([])
    scheduler.advanceBy(1)
    expect(seen.map(e => [e.onsetMs, e.atMs, e.cancel])).toEqual([[1149, 1299, true]])
    await until(() => session().sent.some(e => e.type === 'conversation.item.truncated'), 'the truncation')
    expect(bargeInEvents(clientEvents()).map(e => e.type)).toEqual(['response.cancel', 'conversation.item.truncate'])
    expect(player.stops).toBe(1)
  })

  it('coalesced, latched, stale: exactly one cancel and truncate per barge-in, each with its own item', async () => {
    const { session, realtime, player, clientEvents } = await rig({ ...STREAMING, holdAfterMs: 1500 })
    const interrupts = new Subject<SpeechSignal>()
    const stream = bargeIn(realtime, { player, interrupts, minSpeechMs: 30, coalesceMs: 100 })
    const seen = collect(stream)
    realtime.send({ type: 'response.create' })
    await until(() => player.position('item_assistant_1') >= 100, 'playback of the first answer')
    session().speechStarted(0)
    await until(() => player.seen.includes('input_audio_buffer.speech_started'), 'speech_started')
    interrupts.next(true) // the same speech from the local VAD: coalesced
    await until(() => seen.length === 1, 'the first barge-in')
    interrupts.next(false)
    await sleep(5)
    interrupts.next(true) // new speech, same response: latched
    await sleep(60)
    interrupts.next(false)
    // the next answer; an onset tagged with the first response arrives late: stale
    player.resume()
    session().respond()
    await until(() => stream.seq === 2 && player.position('item_assistant_2') >= 100, 'playback of the second answer')
    interrupts.next({ speech: true, seq: 1 })
    await sleep(60)
    expect(seen).toHaveLength(1)
    interrupts.next(false)
    interrupts.next({ speech: true, seq: 2 })
    await until(() => seen.length === 2, 'the second barge-in')
    await until(() => session().sent.filter(e => e.type === 'conversation.item.truncated').length === 2, 'truncations')
    const sent = bargeInEvents(clientEvents())
    expect(sent.map(e => [e.type, e.response_id ?? e.item_id])).toEqual([
      ['response.cancel', 'resp_1'],
      ['conversation.item.truncate', 'item_assistant_1'],
      ['response.cancel', 'resp_2'],
      ['conversation.item.truncate', 'item_assistant_2'],
    ])
    for (const [k, item] of ['item_assistant_1', 'item_assistant_2'].entries())
      expect(seen[k].truncate).toMatchObject({ itemId: item, audioEndMs: sent[2 * k + 1].audio_end_ms })
    expect(stream.counts).toMatchObject({ bargeIns: 2, coalesced: 1, latched: 1, stale: 1 })
    expect(session().sent.filter(e => e.type === 'error')).toEqual([])
  })

  it('no truncate when nothing is playing', async () => {
    const { session, realtime, player, clientEvents } = await rig({ audioMs: 100, chunkMs: CHUNK_MS, intervalMs: 2 })
    const interrupts = new Subject<SpeechSignal>()
    const stream = bargeIn(realtime, { player, interrupts, minSpeechMs: 0 })
    collect(stream)
    interrupts.next(true) // before any answer
    interrupts.next(false)
    realtime.send({ type: 'response.create' })
    await until(() => session().responses[0]?.status === 'completed', 'the answer sent')
    await until(() => player.position('item_assistant_1') >= 100, 'the answer played to its end')
    await sleep(20)
    interrupts.next(true)
    await sleep(20)
    expect(clientEvents().map(e => e.type)).toEqual(['response.create'])
    expect(stream.counts).toMatchObject({ idle: 2, bargeIns: 0 })
  })

  it('the server, as the real one, rejects audio_end_ms beyond the audio it sent and a cancel with nothing to cancel', async () => {
    const { session, realtime, clientEvents } = await rig({ audioMs: 100, chunkMs: CHUNK_MS, intervalMs: 2 })
    realtime.send({ type: 'response.create' })
    await until(() => session().responses[0]?.status === 'completed', 'the answer sent')
    realtime.send({
      type: 'conversation.item.truncate',
      item_id: 'item_assistant_1',
      content_index: 0,
      audio_end_ms: 101,
    })
    realtime.send({ type: 'response.cancel' })
    realtime.send({
      type: 'conversation.item.truncate',
      item_id: 'item_assistant_1',
      content_index: 0,
      audio_end_ms: 100,
    })
    await until(
      () => clientEvents().length === 4 && session().sent.at(-1)?.type === 'conversation.item.truncated',
      'answers',
    )
    const answers = session().sent.filter(e => e.type === 'error' || e.type === 'conversation.item.truncated')
    expect(answers.map(e => [e.type, (e.error as { code?: string } | undefined)?.code ?? e.audio_end_ms])).toEqual([
      ['error', 'invalid_value'],
      ['error', 'response_cancel_not_active'],
      ['conversation.item.truncated', 100],
    ])
    expect((answers[0].error as { message: string }).message).toBe(
      'Audio content of 100ms is already shorter than 101ms',
    )
  })

  it('completes with the connection; a throwing player errors the stream; unsubscribing leaves no timer', async () => {
    const { session, realtime, player, clientEvents } = await rig({ ...STREAMING, holdAfterMs: 400 })
    const interrupts = new Subject<SpeechSignal>()
    const broken = bargeIn(realtime, {
      player: {
        playedMs: () => {
          throw new Error('audio device gone')
        },
        stop: () => undefined,
      },
      interrupts,
      minSpeechMs: 0,
    })
    const failed = lastValueFrom(broken.events).catch((error: unknown) => error)
    const virtual = createVirtualNanoScheduler()
    const quiet = bargeIn(realtime, { player, interrupts, minSpeechMs: 300, scheduler: virtual }).events.subscribe()
    const completes = lastValueFrom(bargeIn(realtime, { player, minSpeechMs: 100 }).events.pipe(toArray()))
    realtime.send({ type: 'response.create' })
    await until(() => (session().responses[0]?.sentMs ?? 0) >= 100, 'audio')
    interrupts.next(true)
    expect(await failed).toMatchObject({ message: 'audio device gone' })
    quiet.unsubscribe() // its onset was waiting: no cancel may follow
    virtual.advanceBy(10_000)
    await sleep(50) // anything sent would have reached the server
    expect(bargeInEvents(clientEvents())).toEqual([])
    realtime.close()
    expect(await completes).toEqual([])
  })

  it('bad options and signals fail with errors naming them', async () => {
    const { realtime, player } = await rig()
    expect(() => bargeIn(realtime, { player, minSpeechMs: -5 })).toThrow(
      /^BargeIn: minSpeechMs must be a finite number >= 0/,
    )
    expect(() => bargeIn(realtime, { player: { playedMs: 3 } as never })).toThrow(
      /^bargeIn: player.playedMs must be a function, got 3/,
    )
    expect(() => bargeIn(realtime, { player, sampleRate: 0 })).toThrow(
      /^bargeIn: sampleRate must be an integer >= 1, got 0/,
    )
    expect(() => bargeIn(realtime, { player, vad: true } as never)).toThrow(/unknown option "vad"/)
    expect(() => bargeIn(null as never, { player })).toThrow(/^bargeIn: connection must be a RealtimeConnection/)
    const interrupts = new Subject<SpeechSignal>()
    const failed = lastValueFrom(bargeIn(realtime, { player, interrupts }).events).catch((error: unknown) => error)
    interrupts.next('yes' as never)
    expect(await failed).toMatchObject({ name: 'TypeError', message: expect.stringContaining('got "yes"') })
  })
})
