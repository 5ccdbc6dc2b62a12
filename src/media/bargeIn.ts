/**
 * Barge-in for realtime voice agents, as a pure state machine: it follows the assistant's responses and
 * the audio they carry, and the user's speech onsets and ends, and decides when the user has interrupted
 * the answer that is playing, and where the playback stood at that moment.
 * @module
 */
import { describeValue } from '../errors'
import { checkSnapshot, SnapshotError, type SnapshotHeader } from '../snapshot'
import { checkInteger, checkMilliseconds, checkOneOf, checkOptions, checkString } from '../validate'

/** What happens to a speech onset that finds `maxPending` onsets already waiting: counted in `counts.overflowed`. */
export type BargeInOverflow = 'drop-oldest' | 'drop-newest' | 'error'

/** Options of `BargeIn` (and `bargeIn`); each is checked at the call. */
export interface BargeInOptions {
  /** Speech must last this long (ms) before it interrupts; a speech end sooner marks a backchannel. Default 250. */
  minSpeechMs?: number
  /** An onset within this many ms of the previous one (pending or fired) is the same speech, coalesced. Default 300. */
  coalesceMs?: number
  /** Onsets waiting for confirmation, at most; default 8. */
  maxPending?: number
  /** What a further onset does when `maxPending` wait: default `'drop-oldest'`. */
  overflow?: BargeInOverflow
}

/** An event the state machine reads; `atMs` is on one clock for all of them and never decreases. */
export type BargeInInput =
  | BargeInResponseCreated
  | BargeInAudio
  | BargeInResponseDone
  | BargeInSpeechStarted
  | BargeInSpeechStopped

/** The server began a response (`response.created`). */
export interface BargeInResponseCreated {
  /** The input's kind. */
  readonly type: 'response.created'
  /** When it happened, ms. */
  readonly atMs: number
  /** The response's id. */
  readonly responseId: string
}

/** `ms` of the response's audio arrived for `itemId` (`response.output_audio.delta`). */
export interface BargeInAudio {
  /** The input's kind. */
  readonly type: 'audio'
  /** When it arrived, ms. */
  readonly atMs: number
  /** The response it belongs to; audio of another than the current one is counted in `foreignAudio`. */
  readonly responseId: string
  /** The assistant item it belongs to. */
  readonly itemId: string
  /** The item's content part. */
  readonly contentIndex: number
  /** Duration of the audio, ms. */
  readonly ms: number
}

/** The server finished the response, completed or cancelled (`response.done`). */
export interface BargeInResponseDone {
  /** The input's kind. */
  readonly type: 'response.done'
  /** When it happened, ms. */
  readonly atMs: number
  /** The response's id. */
  readonly responseId: string
}

/** The user started speaking. */
export interface BargeInSpeechStarted {
  /** The input's kind. */
  readonly type: 'speech.started'
  /** When speech began, ms. */
  readonly atMs: number
  /** The response the onset belongs to (default: the current one); an older one is stale. */
  readonly seq?: number
}

/** The user stopped speaking. */
export interface BargeInSpeechStopped {
  /** The input's kind. */
  readonly type: 'speech.stopped'
  /** When speech ended, ms. */
  readonly atMs: number
}

/** A barge-in: what to send and where the playback stood. */
export interface BargeInDecision {
  /** Sequence number of the interrupted response (1 for the first `response.created`). */
  readonly seq: number
  /** The interrupted response's id. */
  readonly responseId: string
  /** When the interrupting speech began. */
  readonly onsetMs: number
  /** When it was confirmed: `onsetMs + minSpeechMs`. */
  readonly atMs: number
  /** The response is still in progress on the server: send `response.cancel`. */
  readonly cancel: boolean
  /** The audio item to truncate (`conversation.item.truncate`); null when no audio arrived. */
  readonly truncate: BargeInTruncation | null
}

/** Where to truncate the interrupted answer's audio. */
export interface BargeInTruncation {
  /** The assistant item being played. */
  readonly itemId: string
  /** Its audio content part. */
  readonly contentIndex: number
  /** What the player played of it, whole ms (floored), at most the audio received. */
  readonly audioEndMs: number
}

/** What became of the onsets and audio the machine saw; nothing is dropped without being counted here. */
export interface BargeInCounts {
  /** Barge-ins decided. */
  bargeIns: number
  /** Onsets of an older response than the current one, dropped. */
  stale: number
  /** Onsets merged into the previous one (within `coalesceMs`). */
  coalesced: number
  /** Onsets cancelled by a speech end before `minSpeechMs`. */
  backchannels: number
  /** Confirmed onsets after the response's one barge-in (latched). */
  latched: number
  /** Confirmed onsets while nothing played and no response ran. */
  idle: number
  /** Onsets dropped by the `overflow` policy. */
  overflowed: number
  /** Audio of another response than the current one, ignored. */
  foreignAudio: number
}

/** `BargeIn.snapshot()`: the options and the whole state, JSON-safe. */
export interface BargeInSnapshot extends SnapshotHeader {
  /** Always `'BargeIn'`. */
  readonly kind: 'BargeIn'
  /** The options the machine was made with. */
  readonly options: Required<BargeInOptions>
  /** Time of the last event or advance, null before any. */
  readonly nowMs: number | null
  /** Sequence number of the current response. */
  readonly seq: number
  /** The current response's id, null before the first. */
  readonly responseId: string | null
  /** The current response still runs on the server. */
  readonly inProgress: boolean
  /** The current response's audio item, null before its first audio. */
  readonly itemId: string | null
  /** Its content part. */
  readonly contentIndex: number
  /** Audio of the item received so far, ms. */
  readonly receivedMs: number
  /** The current response had its barge-in. */
  readonly latched: boolean
  /** The last onset that waited or fired (for coalescing), null after a speech end. */
  readonly lastOnsetMs: number | null
  /** Pending onsets, oldest first, as `[onsetMs, seq]`. */
  readonly pending: readonly (readonly [number, number])[]
  /** The counts. */
  readonly counts: BargeInCounts
}

/** The playback position of an item, ms played: the player's clock (audio handed to it minus what it still buffers). */
export type PlayedMs = (itemId: string) => number

const SNAPSHOT_VERSION = 1
const OPTION_NAMES = ['minSpeechMs', 'coalesceMs', 'maxPending', 'overflow']
const OVERFLOW_POLICIES: readonly BargeInOverflow[] = ['drop-oldest', 'drop-newest', 'error']
const COUNT_NAMES: readonly (keyof BargeInCounts)[] = [
  'bargeIns',
  'stale',
  'coalesced',
  'backchannels',
  'latched',
  'idle',
  'overflowed',
  'foreignAudio',
]

/** Thrown by `BargeIn.step` under `overflow: 'error'` when an onset finds `maxPending` onsets waiting. */
export class BargeInOverflowError extends Error {
  /** Always `'BargeInOverflowError'`. */
  override readonly name = 'BargeInOverflowError'
  constructor(
    /** The limit that was reached. */
    readonly maxPending: number,
  ) {
    super(`BargeIn.step: more than ${maxPending} speech onsets waiting for confirmation (overflow: 'error')`)
  }
}

/**
 * Barge-in decisions for a realtime voice agent. Feed it the server's response boundaries and audio,
 * and the user's speech onsets and ends (from a VAD such as `voiceActivity`, or the server's
 * `input_audio_buffer.speech_started` / `speech_stopped`), in time order, and call `advance` when
 * `nextDueMs()` comes. It decides a barge-in when speech that began while an answer played has lasted
 * `minSpeechMs`: then the answer must stop playing, the response be cancelled if it still runs, and its
 * audio item truncated at the position actually played (asked of the player through `played`), since
 * the server sends audio faster than realtime and what was sent is not what was heard.
 *
 * The rules: an onset is confirmed once speech lasted `minSpeechMs` (a speech end earlier cancels
 * every waiting onset: a backchannel such as "mm-hm"); one barge-in per response (latched: later
 * onsets until the next `response.created` are counted, not acted on); an onset within `coalesceMs`
 * of the previous one (waiting or fired; a speech end forgets it) is the same speech; an onset of an
 * older response than the current one (its `seq`, or the response that ran when it began) is stale;
 * at most `maxPending` onsets wait, beyond which the `overflow` policy drops the oldest or the newest
 * or throws `BargeInOverflowError`; a confirmed onset when no response runs and the player has played
 * all it was given interrupts nothing (idle). Each outcome is counted in `counts`.
 *
 * @param options `minSpeechMs` (default 250), `coalesceMs` (300), `maxPending` (8), `overflow` ('drop-oldest').
 *
 * ```ts
 * const machine = new BargeIn({ minSpeechMs: 200 })
 * machine.step({ type: 'response.created', atMs: 0, responseId: 'resp_1' }, played)
 * machine.step({ type: 'audio', atMs: 5, responseId: 'resp_1', itemId: 'item_1', contentIndex: 0, ms: 1000 }, played)
 * machine.step({ type: 'speech.started', atMs: 300 }, played)
 * machine.advance(500, played) // { cancel: true, truncate: { itemId: 'item_1', contentIndex: 0, audioEndMs: played('item_1') }, ... }
 * ```
 *
 * References: OpenAI, Realtime API reference, client events `response.cancel` and
 * `conversation.item.truncate` ("this event is useful when the user interrupts to truncate audio that
 * has already been sent to the client but not yet played"); G. Skantze, "Turn-taking in Conversational
 * Systems and Human-Robot Interaction: A Review", Computer Speech & Language 67 (2021), on
 * backchannels versus interruptions.
 */
export class BargeIn {
  /** Speech must last this long (ms) before it interrupts. */
  readonly minSpeechMs: number
  /** Onsets within this many ms of the previous one are coalesced. */
  readonly coalesceMs: number
  /** Onsets waiting for confirmation, at most. */
  readonly maxPending: number
  /** What an onset beyond `maxPending` does. */
  readonly overflow: BargeInOverflow
  /** What became of onsets and audio so far. */
  readonly counts: BargeInCounts = {
    bargeIns: 0,
    stale: 0,
    coalesced: 0,
    backchannels: 0,
    latched: 0,
    idle: 0,
    overflowed: 0,
    foreignAudio: 0,
  }
  private nowMs: number | null = null
  private _seq = 0
  private responseId: string | null = null
  private inProgress = false
  private itemId: string | null = null
  private contentIndex = 0
  private receivedMs = 0
  private latched = false
  private lastOnsetMs: number | null = null
  // pending onsets: a ring of (onset time, response seq)
  private readonly pendingOnset: Float64Array
  private readonly pendingSeq: Int32Array
  private head = 0
  private size = 0

  constructor(options: BargeInOptions = {}) {
    const fn = 'BargeIn'
    checkOptions(fn, options, OPTION_NAMES)
    this.minSpeechMs = checkMilliseconds(fn, 'minSpeechMs', options.minSpeechMs ?? 250)
    this.coalesceMs = checkMilliseconds(fn, 'coalesceMs', options.coalesceMs ?? 300)
    this.maxPending = checkInteger(fn, 'maxPending', options.maxPending ?? 8, { min: 1, max: 1 << 16 })
    this.overflow = checkOneOf(fn, 'overflow', options.overflow ?? 'drop-oldest', OVERFLOW_POLICIES)
    this.pendingOnset = new Float64Array(this.maxPending)
    this.pendingSeq = new Int32Array(this.maxPending)
  }

  /** Sequence number of the current response (0 before the first): tag onsets with it as `seq`. */
  get seq(): number {
    return this._seq
  }

  /** Onsets waiting for confirmation. */
  get pending(): number {
    return this.size
  }

  /** When the oldest waiting onset is confirmed (`onset + minSpeechMs`), or `Infinity` when none waits. */
  nextDueMs(): number {
    return this.size === 0 ? Number.POSITIVE_INFINITY : this.pendingOnset[this.head] + this.minSpeechMs
  }

  /**
   * Reads one event: first confirms the onsets due by its `atMs`, then applies it (a speech onset with
   * `minSpeechMs` 0 is confirmed at once). Returns the barge-in it decided, or null. An event out of
   * time order, or with a bad field, is a TypeError / RangeError naming it.
   */
  step(input: BargeInInput, played: PlayedMs): BargeInDecision | null {
    const atMs = this.checkTime('BargeIn.step', input)
    const before = this.confirm(atMs, played)
    this.apply(input)
    const after = this.confirm(atMs, played)
    return before ?? after
  }

  /** Confirms the onsets due by `nowMs` (call it at `nextDueMs()`); returns the barge-in decided, or null. */
  advance(nowMs: number, played: PlayedMs): BargeInDecision | null {
    checkMilliseconds('BargeIn.advance', 'nowMs', nowMs)
    if (this.nowMs !== null && nowMs < this.nowMs)
      throw new RangeError(`BargeIn.advance: nowMs ${nowMs} is before the last event's time ${this.nowMs}`)
    this.nowMs = nowMs
    return this.confirm(nowMs, played)
  }

  private checkTime(fn: string, input: BargeInInput): number {
    if (input === null || typeof input !== 'object')
      throw new TypeError(`${fn}: an event must be an object, got ${describeValue(input)}`)
    const atMs = checkMilliseconds(fn, 'atMs', input.atMs)
    if (this.nowMs !== null && atMs < this.nowMs)
      throw new RangeError(
        `${fn}: atMs ${atMs} of ${describeValue(input.type)} is before the last event's ${this.nowMs}`,
      )
    this.nowMs = atMs
    return atMs
  }

  private apply(input: BargeInInput): void {
    const fn = 'BargeIn.step'
    switch (input.type) {
      case 'response.created':
        this._seq++
        this.responseId = checkString(fn, 'responseId', input.responseId)
        this.inProgress = true
        this.itemId = null
        this.contentIndex = 0
        this.receivedMs = 0
        this.latched = false
        return
      case 'audio':
        return this.audio(input)
      case 'response.done':
        if (checkString(fn, 'responseId', input.responseId) === this.responseId) this.inProgress = false
        return
      case 'speech.started':
        return this.onset(input.atMs, input.seq)
      case 'speech.stopped':
        this.counts.backchannels += this.size
        this.size = 0
        this.lastOnsetMs = null
        return
      default:
        throw new TypeError(
          `${fn}: unknown event type ${describeValue((input as { type: unknown }).type)}; known: response.created, audio, response.done, speech.started, speech.stopped`,
        )
    }
  }

  private audio(input: BargeInAudio): void {
    const fn = 'BargeIn.step'
    const itemId = checkString(fn, 'itemId', input.itemId)
    const contentIndex = checkInteger(fn, 'contentIndex', input.contentIndex, { min: 0 })
    const ms = checkMilliseconds(fn, 'ms', input.ms)
    if (checkString(fn, 'responseId', input.responseId) !== this.responseId) {
      this.counts.foreignAudio++
      return
    }
    if (itemId !== this.itemId || contentIndex !== this.contentIndex) {
      this.itemId = itemId
      this.contentIndex = contentIndex
      this.receivedMs = 0
    }
    this.receivedMs += ms
  }

  private onset(atMs: number, seq: number | undefined): void {
    const s = seq === undefined ? this._seq : checkInteger('BargeIn.step', 'seq', seq, { min: 0, max: this._seq })
    if (s < this._seq) {
      this.counts.stale++
      return
    }
    if (this.lastOnsetMs !== null && atMs - this.lastOnsetMs <= this.coalesceMs) {
      this.counts.coalesced++
      return
    }
    if (this.size === this.maxPending) {
      if (this.overflow === 'error') throw new BargeInOverflowError(this.maxPending)
      this.counts.overflowed++
      if (this.overflow === 'drop-newest') return
      this.head = (this.head + 1) % this.maxPending
      this.size--
    }
    const slot = (this.head + this.size) % this.maxPending
    this.pendingOnset[slot] = atMs
    this.pendingSeq[slot] = s
    this.size++
    this.lastOnsetMs = atMs
  }

  // Confirms, oldest first, every onset due by `nowMs`; at most one barge-in results (then latched).
  private confirm(nowMs: number, played: PlayedMs): BargeInDecision | null {
    let decision: BargeInDecision | null = null
    while (this.size > 0 && this.pendingOnset[this.head] + this.minSpeechMs <= nowMs) {
      const onsetMs = this.pendingOnset[this.head]
      const seq = this.pendingSeq[this.head]
      this.head = (this.head + 1) % this.maxPending
      this.size--
      if (seq < this._seq) this.counts.stale++
      else if (this.latched) this.counts.latched++
      else decision = this.decide(onsetMs, played)
    }
    return decision
  }

  private decide(onsetMs: number, played: PlayedMs): BargeInDecision | null {
    let playedMs = 0
    if (this.itemId !== null) {
      playedMs = played(this.itemId)
      if (typeof playedMs !== 'number' || !(playedMs >= 0) || playedMs === Number.POSITIVE_INFINITY)
        throw new RangeError(
          `BargeIn: played(${JSON.stringify(this.itemId)}) must return a finite number of ms >= 0, got ${describeValue(playedMs)}`,
        )
    }
    const playing = this.itemId !== null && playedMs < this.receivedMs
    if (!this.inProgress && !playing) {
      this.counts.idle++
      return null
    }
    this.latched = true
    this.counts.bargeIns++
    const truncate =
      this.itemId === null || this.receivedMs === 0
        ? null
        : {
            itemId: this.itemId,
            contentIndex: this.contentIndex,
            audioEndMs: Math.floor(Math.min(playedMs, this.receivedMs)),
          }
    return {
      seq: this._seq,
      responseId: this.responseId as string,
      onsetMs,
      atMs: onsetMs + this.minSpeechMs,
      cancel: this.inProgress,
      truncate,
    }
  }

  /**
   * The machine's state as a JSON-safe object; `BargeIn.fromSnapshot` rebuilds it and the rebuilt
   * machine decides exactly as this one would.
   *
   * ```ts
   * const again = BargeIn.fromSnapshot(JSON.parse(JSON.stringify(machine.snapshot())))
   * ```
   */
  snapshot(): BargeInSnapshot {
    const pending: [number, number][] = []
    for (let k = 0; k < this.size; k++) {
      const slot = (this.head + k) % this.maxPending
      pending.push([this.pendingOnset[slot], this.pendingSeq[slot]])
    }
    return {
      kind: 'BargeIn',
      version: SNAPSHOT_VERSION,
      options: {
        minSpeechMs: this.minSpeechMs,
        coalesceMs: this.coalesceMs,
        maxPending: this.maxPending,
        overflow: this.overflow,
      },
      nowMs: this.nowMs,
      seq: this._seq,
      responseId: this.responseId,
      inProgress: this.inProgress,
      itemId: this.itemId,
      contentIndex: this.contentIndex,
      receivedMs: this.receivedMs,
      latched: this.latched,
      lastOnsetMs: this.lastOnsetMs,
      pending,
      counts: { ...this.counts },
    }
  }

  /**
   * A machine in the state `snapshot` describes (from `snapshot()`, possibly through JSON). Another
   * kind or version, or a damaged field, is a `SnapshotError` naming it.
   *
   * ```ts
   * const machine = BargeIn.fromSnapshot(JSON.parse(saved))
   * ```
   */
  static fromSnapshot(snapshot: BargeInSnapshot): BargeIn {
    const fn = 'BargeIn.fromSnapshot'
    const s = checkSnapshot<BargeInSnapshot>(fn, snapshot, 'BargeIn', SNAPSHOT_VERSION)
    const machine = new BargeIn(s.options)
    machine.nowMs = snapshotTime(fn, 'nowMs', s.nowMs, true)
    machine._seq = snapshotCount(fn, 'seq', s.seq)
    machine.responseId = snapshotId(fn, 'responseId', s.responseId)
    machine.inProgress = snapshotFlag(fn, 'inProgress', s.inProgress)
    machine.itemId = snapshotId(fn, 'itemId', s.itemId)
    machine.contentIndex = snapshotCount(fn, 'contentIndex', s.contentIndex)
    machine.receivedMs = snapshotTime(fn, 'receivedMs', s.receivedMs, false) as number
    machine.latched = snapshotFlag(fn, 'latched', s.latched)
    machine.lastOnsetMs = snapshotTime(fn, 'lastOnsetMs', s.lastOnsetMs, true)
    if (!Array.isArray(s.pending) || s.pending.length > machine.maxPending)
      throw new SnapshotError(`${fn}: pending must be an array of at most ${machine.maxPending} [onsetMs, seq] pairs`)
    for (const [k, pair] of s.pending.entries()) {
      if (!Array.isArray(pair) || pair.length !== 2)
        throw new SnapshotError(`${fn}: pending[${k}] must be [onsetMs, seq], got ${describeValue(pair)}`)
      machine.pendingOnset[k] = snapshotTime(fn, `pending[${k}][0]`, pair[0], false) as number
      machine.pendingSeq[k] = snapshotCount(fn, `pending[${k}][1]`, pair[1])
    }
    machine.size = s.pending.length
    if (s.counts === null || typeof s.counts !== 'object')
      throw new SnapshotError(`${fn}: counts must be an object, got ${describeValue(s.counts)}`)
    for (const name of COUNT_NAMES) machine.counts[name] = snapshotCount(fn, `counts.${name}`, s.counts[name])
    return machine
  }
}

function snapshotTime(fn: string, field: string, value: unknown, nullable: boolean): number | null {
  if (nullable && value === null) return null
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new SnapshotError(`${fn}: ${field} must be a finite number >= 0, got ${describeValue(value)}`)
  return value
}

function snapshotCount(fn: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new SnapshotError(`${fn}: ${field} must be an integer >= 0, got ${describeValue(value)}`)
  return value
}

function snapshotId(fn: string, field: string, value: unknown): string | null {
  if (value !== null && typeof value !== 'string')
    throw new SnapshotError(`${fn}: ${field} must be a string or null, got ${describeValue(value)}`)
  return value
}

function snapshotFlag(fn: string, field: string, value: unknown): boolean {
  if (typeof value !== 'boolean')
    throw new SnapshotError(`${fn}: ${field} must be a boolean, got ${describeValue(value)}`)
  return value
}
