import { asyncScheduler, Observable, type SchedulerLike, type Subscription } from 'rxjs'
import { describeValue } from '../src/errors'
import {
  BargeIn,
  type BargeInCounts,
  type BargeInDecision,
  type BargeInInput,
  type BargeInOptions,
} from '../src/media/bargeIn'
import { checkFunction, checkInteger, checkOptions, checkScheduler } from '../src/validate'

/** The player the assistant's audio goes to, as `bargeIn` sees it. */
export interface BargeInPlayer {
  /**
   * Ms of `itemId`'s audio actually played so far: the audio handed to the player minus what it still
   * buffers (an audio device's own clock). This is what `audio_end_ms` is set to.
   */
  playedMs(itemId: string): number
  /** Stops playback now and drops what is buffered. */
  stop(): void
}

/** The user's speech: `true` / `{ speech: true }` (or any object without `speech`, such as `{ ptsMs }`) is an onset, `false` / `{ speech: false }` an end. */
export type SpeechSignal = boolean | SpeechEvent

/** A speech onset or end as an object (a VAD's event). */
export interface SpeechEvent {
  /** False for a speech end; true or absent for an onset. */
  readonly speech?: boolean
  /** When the VAD heard it, on its own clock: not used (`bargeIn` times events by `scheduler`). */
  readonly ptsMs?: number
  /** The response the onset belongs to (`seq` of `bargeIn`'s result when it was heard); older ones are stale. */
  readonly seq?: number
}

/** The part of a `RealtimeConnection` (`realtimeSource`) that `bargeIn` uses. */
export interface RealtimeLink {
  /** The server's events, each with a string `type`. */
  readonly events: Observable<RealtimeEventLike>
  /** Sends a client event. */
  send(event: RealtimeEventLike): void
}

/** A Realtime event of either side: its `type` and fields. */
export interface RealtimeEventLike {
  /** The event's name, such as `'response.cancel'`. */
  readonly type: string
  readonly [field: string]: unknown
}

/** Options of `bargeIn`: the rules of `BargeIn`, the player, and where speech comes from. */
export interface BargeInGlueOptions extends BargeInOptions {
  /** The player to stop and to ask where it stands. */
  player: BargeInPlayer
  /** The user's speech from a local VAD (`voiceActivity`'s onsets, or booleans); merged with the server's. */
  interrupts?: Observable<SpeechSignal>
  /** Also take the server's `input_audio_buffer.speech_started` / `speech_stopped` (default true). */
  serverVad?: boolean
  /** Sample rate of the output audio, Hz (default 24000, the Realtime API's PCM16). */
  sampleRate?: number
  /** Bytes per sample of the output audio (default 2: PCM16; 1 for G.711). */
  bytesPerSample?: number
  /** The clock and timers for `minSpeechMs` (default `asyncScheduler`; a virtual one in tests). */
  scheduler?: SchedulerLike
}

/** A barge-in that `bargeIn` acted on: the decision, the client events it sent, and the counts so far. */
export interface BargeInEvent extends BargeInDecision {
  /** `response.cancel` (when the response still ran) and `conversation.item.truncate` (when audio arrived), in the order sent. */
  readonly sent: readonly RealtimeEventLike[]
  /** The counts right after this barge-in. */
  readonly counts: BargeInCounts
}

/** What `bargeIn` returns: the barge-ins as an Observable, and the counts of its latest subscription. */
export interface BargeInSession {
  /** One `BargeInEvent` per barge-in; subscribing starts following the connection (each subscription on its own). */
  readonly events: Observable<BargeInEvent>
  /** What became of onsets and audio in the latest subscription (all zero before one). */
  readonly counts: BargeInCounts
  /** Sequence number of the current response, to tag local onsets with (`{ speech: true, seq }`). */
  readonly seq: number
}

const OPTION_NAMES = [
  'minSpeechMs',
  'coalesceMs',
  'maxPending',
  'overflow',
  'player',
  'interrupts',
  'serverVad',
  'sampleRate',
  'bytesPerSample',
  'scheduler',
]
const AUDIO_DELTAS = new Set(['response.output_audio.delta', 'response.audio.delta'])

/**
 * Barge-in for a realtime voice agent on a Realtime API connection (`realtimeSource`, or anything with
 * its `events` and `send`): when the user speaks over the answer that is playing, for at least
 * `minSpeechMs`, it stops the player, sends `response.cancel` (if the response still runs) and
 * `conversation.item.truncate` with the item being played and `audio_end_ms` = the position the player
 * reports as actually played, so the server forgets what the user never heard. The rules (latched per
 * response, coalescing, stale onsets, the bounded queue of onsets waiting for confirmation) are the
 * `BargeIn` kernel's.
 *
 * Returns `{ events, counts, seq }`; `events` emits a `BargeInEvent` per barge-in, after the player
 * was stopped and the events sent.
 *
 * Speech comes from the server's `input_audio_buffer.speech_started` / `speech_stopped` (unless
 * `serverVad: false`) and from `interrupts` (a local VAD), merged: the same speech reported by both is
 * coalesced. `events` completes when the connection's events complete; errors with the connection's error, with a thrown
 * `player` callback's error, or with a TypeError / RangeError naming a malformed server event or
 * signal (and `BargeInOverflowError` under `overflow: 'error'`). Unsubscribing cancels its timer and
 * both subscriptions (it does not close the connection). Bad options throw at the call.
 *
 * ```ts
 * const realtime = realtimeSource({ model: 'gpt-realtime', apiKey })
 * bargeIn(realtime, { player, minSpeechMs: 200 }).events.subscribe(b => console.log('barge-in at', b.truncate?.audioEndMs))
 * ```
 */
export function bargeIn(connection: RealtimeLink, options: BargeInGlueOptions): BargeInSession {
  const { player, interrupts, serverVad, rules, bytesPerMs, clock } = checkGlueOptions(connection, options)
  let latest = new BargeIn(rules)
  const events = new Observable<BargeInEvent>(subscriber => {
    const machine = new BargeIn(rules)
    latest = machine
    let lastMs = 0
    let timer: Subscription | null = null
    const played = (itemId: string): number => player.playedMs(itemId)
    const act = (decision: BargeInDecision | null): void => {
      if (decision === null) return
      player.stop()
      const sent: RealtimeEventLike[] = []
      if (decision.cancel) sent.push({ type: 'response.cancel', response_id: decision.responseId })
      if (decision.truncate !== null)
        sent.push({
          type: 'conversation.item.truncate',
          item_id: decision.truncate.itemId,
          content_index: decision.truncate.contentIndex,
          audio_end_ms: decision.truncate.audioEndMs,
        })
      for (const event of sent) connection.send(event)
      subscriber.next({ ...decision, sent, counts: { ...machine.counts } })
    }
    const now = (): number => {
      lastMs = Math.max(lastMs, clock.now())
      return lastMs
    }
    // every input, timer and callback runs through here: a throw ends the stream with it
    const guarded = (work: () => void): void => {
      try {
        work()
        arm()
      } catch (error) {
        subscriber.error(error)
      }
    }
    const arm = (): void => {
      timer?.unsubscribe()
      timer = null
      const due = machine.nextDueMs()
      if (due === Number.POSITIVE_INFINITY || subscriber.closed) return
      timer = clock.schedule(
        () =>
          guarded(() => {
            // a timer may fire a little early on the clock: the machine's time is the due time then
            lastMs = Math.max(now(), due)
            act(machine.advance(lastMs, played))
          }),
        Math.max(0, due - now()),
      )
    }
    // the conversion runs inside too: a malformed event or signal errors the stream, never throws out
    const step = (toInput: () => BargeInInput | null): void =>
      guarded(() => {
        const input = toInput()
        if (input !== null) act(machine.step(input, played))
      })
    const server = connection.events.subscribe({
      next: event => step(() => serverInput(event, now(), bytesPerMs, serverVad !== false)),
      error: error => subscriber.error(error),
      complete: () => subscriber.complete(),
    })
    const local = interrupts?.subscribe({
      next: signal => step(() => speechInput(signal, now())),
      error: error => subscriber.error(error),
    })
    return () => {
      timer?.unsubscribe()
      server.unsubscribe()
      local?.unsubscribe()
    }
  })
  return {
    events,
    get counts() {
      return { ...latest.counts }
    },
    get seq() {
      return latest.seq
    },
  }
}

// Every option checked at the call, each error naming it.
function checkGlueOptions(connection: RealtimeLink, options: BargeInGlueOptions) {
  const fn = 'bargeIn'
  if (connection === null || typeof connection !== 'object' || typeof connection.send !== 'function')
    throw new TypeError(
      `${fn}: connection must be a RealtimeConnection (events and send), got ${describeValue(connection)}`,
    )
  checkOptions(fn, options, OPTION_NAMES, true)
  const player = options.player
  if (player === null || typeof player !== 'object')
    throw new TypeError(`${fn}: player must be an object with playedMs and stop, got ${describeValue(player)}`)
  checkFunction(fn, 'player.playedMs', player.playedMs, false)
  checkFunction(fn, 'player.stop', player.stop, false)
  const { interrupts, serverVad, sampleRate, bytesPerSample, scheduler } = options
  const { minSpeechMs, coalesceMs, maxPending, overflow } = options
  const rules: BargeInOptions = { minSpeechMs, coalesceMs, maxPending, overflow }
  new BargeIn(rules) // the rules checked at the call
  if (interrupts !== undefined && !(interrupts instanceof Observable))
    throw new TypeError(`${fn}: interrupts must be an Observable, got ${describeValue(interrupts)}`)
  if (serverVad !== undefined && typeof serverVad !== 'boolean')
    throw new TypeError(`${fn}: serverVad must be a boolean, got ${describeValue(serverVad)}`)
  const bytesPerMs =
    (checkInteger(fn, 'sampleRate', sampleRate ?? 24000, { min: 1 }) *
      checkInteger(fn, 'bytesPerSample', bytesPerSample ?? 2, { min: 1, max: 4 })) /
    1000
  const clock = checkScheduler(fn, 'scheduler', scheduler) ?? asyncScheduler
  return { player, interrupts, serverVad, rules, bytesPerMs, clock }
}

// A server event as the machine's input, or null for events it does not follow.
function serverInput(
  event: RealtimeEventLike,
  atMs: number,
  bytesPerMs: number,
  serverVad: boolean,
): BargeInInput | null {
  const type = event.type
  if (type === 'response.created' || type === 'response.done') {
    const response = event.response as { id?: unknown } | undefined
    return { type, atMs, responseId: response?.id as string }
  }
  if (AUDIO_DELTAS.has(type)) {
    if (typeof event.delta !== 'string')
      throw new TypeError(`bargeIn: ${type} needs a base64 string delta, got ${describeValue(event.delta)}`)
    return {
      type: 'audio',
      atMs,
      responseId: event.response_id as string,
      itemId: event.item_id as string,
      contentIndex: event.content_index as number,
      ms: base64Bytes(event.delta) / bytesPerMs,
    }
  }
  if (serverVad && type === 'input_audio_buffer.speech_started') return { type: 'speech.started', atMs }
  if (serverVad && type === 'input_audio_buffer.speech_stopped') return { type: 'speech.stopped', atMs }
  return null
}

function speechInput(signal: SpeechSignal, atMs: number): BargeInInput {
  if (typeof signal === 'boolean') return signal ? { type: 'speech.started', atMs } : { type: 'speech.stopped', atMs }
  if (signal === null || typeof signal !== 'object')
    throw new TypeError(
      `bargeIn: an interrupt must be a boolean or { speech?, ptsMs?, seq? }, got ${describeValue(signal)}`,
    )
  if (signal.speech === false) return { type: 'speech.stopped', atMs }
  return signal.seq === undefined ? { type: 'speech.started', atMs } : { type: 'speech.started', atMs, seq: signal.seq }
}

/** Bytes that a base64 string decodes to. */
function base64Bytes(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  return Math.floor((text.length * 3) / 4) - padding
}
