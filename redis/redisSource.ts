/**
 * `redisSource`: a Redis Streams consumer group as an Observable, with acknowledgements, the
 * consumer's own pending entries read again first, and entries left pending by dead consumers
 * taken over (XAUTOCLAIM).
 * @module
 */
import { Observable, type Subscriber } from 'rxjs'
import { describeValue, errorMessage } from '../src/errors'
import { checkFunction, checkInteger, checkOneOf, checkOptions, checkString } from '../src/validate'
import {
  checkRedisConnection,
  isErrorReply,
  openRedis,
  type RedisConnection,
  type RedisLink,
  readStreamReply,
  type StreamEntries,
} from './connection'

/** One entry read from the stream. */
export interface RedisEntry<T> {
  /** The entry id (`<ms>-<seq>`). */
  readonly id: string
  /** The entry's value: `JSON.parse` of its `value` field, or what `parse` returned. */
  readonly value: T
  /**
   * Acknowledges the entry (XACK): the group will not deliver it again. Until then it stays pending
   * for this consumer (read again when the same consumer starts again, or claimed by another one
   * after `claimIdleMs`). Works after unsubscription too (a short-lived connection is opened for it).
   * Rejects with `RedisSourceError('ack')` when Redis cannot be reached; calling it again retries.
   */
  ack(): Promise<void>
}

/** An entry `redisSource` did not emit (`onInvalid: 'skip'`, or deleted while pending), as handed to `onSkip`. */
export interface RedisSkippedEntry {
  /** The entry id. */
  readonly id: string
  /** Why: `parse`'s error message (e.g. `no "value" field`, `not JSON: ...`) or `deleted from the stream`. */
  readonly reason: string
  /** The entry's fields, when it still had them. */
  readonly fields?: Readonly<Record<string, string>>
}

/** Options of `redisSource`; each is checked at the call. */
export interface RedisSourceOptions<T> {
  /** Where Redis is: a URL, `{ url }` / `{ rootNodes }` options, or a node-redis client (duplicated, never closed). */
  redis: RedisConnection
  /** The stream to read. */
  stream: string
  /** The consumer group; created (with the stream, MKSTREAM) when missing. */
  group: string
  /** This consumer's name in the group; give each process its own, and the same one across its restarts. */
  consumer: string
  /** Where a group created here starts: `'$'` (default: entries added from now on), `'0'` (the whole stream) or an id. */
  start?: string
  /** Entries per read (XREADGROUP / XAUTOCLAIM COUNT); default 100. */
  batchSize?: number
  /** How long one blocking read waits for new entries, in ms (BLOCK); default 2000. Unsubscribing does not wait for it. */
  blockMs?: number
  /**
   * Entries pending (read, not acknowledged) for longer than this, in ms, under any consumer, are claimed
   * by this one and emitted (XAUTOCLAIM, run every `claimIdleMs / 2`); default 60 000; `Infinity` never
   * claims. Keep it above the longest time your pipeline takes to acknowledge an entry.
   */
  claimIdleMs?: number
  /** Turns an entry's fields into the value (default: `JSON.parse(fields.value)`); throwing makes the entry invalid. */
  parse?: (fields: Readonly<Record<string, string>>, id: string) => T
  /**
   * What an invalid entry (no `value` field, not JSON, `parse` threw) does: `'error'` (default) errors the
   * stream with `RedisSourceError('invalid-entry')` and leaves the entry pending; `'skip'` acknowledges it,
   * appends it to `deadLetter` when given, reports it to `onSkip`, and goes on.
   */
  onInvalid?: 'error' | 'skip'
  /**
   * With `onInvalid: 'skip'`: a stream each invalid entry is appended to (fields `id`, `reason`, `fields`
   * as JSON, and `value` when the entry had one) before it is acknowledged.
   */
  deadLetter?: string
  /** Called with every entry not emitted (invalid and skipped, or deleted while pending): count them here. */
  onSkip?: (skipped: RedisSkippedEntry) => void
}

/** Why `redisSource` failed (`RedisSourceError.code`). */
export type RedisSourceErrorCode = 'connect' | 'command' | 'connection' | 'invalid-entry' | 'callback' | 'ack'

/** A failure of `redisSource`: which stream, which entry (when one), and Redis' or the callback's error as `cause`. */
export class RedisSourceError extends Error {
  /** Always `'RedisSourceError'`. */
  override readonly name = 'RedisSourceError'
  constructor(
    /**
     * `'connect'`: the first connection failed; `'command'`: Redis refused a command (e.g. WRONGTYPE);
     * `'connection'`: the connection was lost and the client gave up reconnecting; `'invalid-entry'`:
     * see `onInvalid`; `'callback'`: `onSkip` threw; `'ack'`: an acknowledgement failed.
     */
    readonly code: RedisSourceErrorCode,
    message: string,
    /** The stream read. */
    readonly stream: string,
    /** The entry concerned, if any. */
    readonly id?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

const FN = 'redisSource'
const OPTIONS = [
  'redis',
  'stream',
  'group',
  'consumer',
  'start',
  'batchSize',
  'blockMs',
  'claimIdleMs',
  'parse',
  'onInvalid',
  'deadLetter',
  'onSkip',
]
const ID = /^\d+(-\d+)?$/
const MAX_RETRY_DELAY_MS = 2000

interface Settings<T> {
  readonly redis: RedisConnection
  readonly stream: string
  readonly group: string
  readonly consumer: string
  readonly start: string
  readonly batchSize: number
  readonly blockMs: number
  readonly claimIdleMs: number
  readonly parse: (fields: Readonly<Record<string, string>>, id: string) => T
  readonly onInvalid: 'error' | 'skip'
  readonly deadLetter?: string
  readonly onSkip?: (skipped: RedisSkippedEntry) => void
}

/**
 * Reads a Redis stream through a consumer group: emits `{ id, value, ack }` for each entry.
 *
 * On subscription it creates the group if missing (XGROUP CREATE ... MKSTREAM at `start`), emits this
 * consumer's own pending entries first (read before and not acknowledged, e.g. by an earlier run that
 * crashed), then new entries in stream order (XREADGROUP `>` with BLOCK on a connection of its own,
 * without a client-side timeout), and every `claimIdleMs / 2` the entries other consumers left pending
 * longer than `claimIdleMs` (XAUTOCLAIM), which come out when claimed, not in stream order. An entry this
 * subscription emitted and that is not yet acknowledged is never emitted again by it. Delivery is
 * at-least-once: acknowledge with `entry.ack()` once an entry is fully processed.
 *
 * Backpressure: the next batch is read only after every entry of the current one was emitted.
 * Never completes by itself. Unsubscribing (also from a synchronous `take(n)` downstream) stops at
 * once: the blocking read is aborted and its connection destroyed, the command connection closed once
 * pending acknowledgements settled; entries read but not yet emitted stay pending for this consumer.
 *
 * Connections: node-redis reconnects by itself (its `reconnectStrategy`, set through
 * `redis: { clientOptions: { socket: { reconnectStrategy } } }`; by default it retries for ever), and
 * `redisSource` retries a read or claim that failed with a lost connection (backoff up to 2 s) for as
 * long as the client is reconnecting; it errors with `RedisSourceError('connection')` once the client
 * gave up, `'connect'` when the first connection fails, `'command'` when Redis refuses a command.
 * Invalid entries: see `onInvalid`. Bad options throw at call time (`TypeError` / `RangeError` naming
 * the value).
 *
 * ```ts
 * redisSource<{ cpu: number }>({ redis: 'redis://127.0.0.1:6379', stream: 'telemetry', group: 'alerts', consumer: 'worker-1' })
 *   .pipe(concatMap(async (entry) => { await handle(entry.value); await entry.ack() }))
 *   .subscribe()
 * ```
 */
export function redisSource<T = unknown>(options: RedisSourceOptions<T>): Observable<RedisEntry<T>> {
  const settings = checkSourceOptions<T>(options)
  return new Observable<RedisEntry<T>>(subscriber => {
    const reader = new GroupReader(settings, subscriber)
    void reader.run()
    return () => reader.stop()
  })
}

function checkSourceOptions<T>(options: RedisSourceOptions<T>): Settings<T> {
  checkOptions(FN, options, OPTIONS, true)
  const redis = checkRedisConnection(FN, options.redis)
  const start = checkString(FN, 'start', options.start ?? '$')
  if (start !== '$' && !ID.test(start))
    throw new RangeError(
      `${FN}: start must be '$', '0' or a stream id like '1700000000000-0', got ${describeValue(start)}`,
    )
  const claimIdleMs = options.claimIdleMs ?? 60_000
  if (claimIdleMs !== Infinity) checkInteger(FN, 'claimIdleMs', claimIdleMs, { min: 1 })
  const onInvalid = checkOneOf(FN, 'onInvalid', options.onInvalid ?? 'error', ['error', 'skip'])
  if (options.deadLetter !== undefined) {
    checkString(FN, 'deadLetter', options.deadLetter)
    if (onInvalid !== 'skip')
      throw new RangeError(`${FN}: deadLetter needs onInvalid: 'skip' (invalid entries error the stream otherwise)`)
  }
  return {
    redis,
    stream: checkString(FN, 'stream', options.stream),
    group: checkString(FN, 'group', options.group),
    consumer: checkString(FN, 'consumer', options.consumer),
    start,
    batchSize: checkInteger(FN, 'batchSize', options.batchSize ?? 100, { min: 1, max: 100_000 }),
    blockMs: checkInteger(FN, 'blockMs', options.blockMs ?? 2000, { min: 1, max: 2 ** 31 - 1 }),
    claimIdleMs,
    parse: checkFunction(FN, 'parse', options.parse) ?? (parseValueField as (f: Record<string, string>) => T),
    onInvalid,
    deadLetter: options.deadLetter,
    onSkip: checkFunction(FN, 'onSkip', options.onSkip),
  }
}

/** The default `parse`: JSON in the `value` field. */
function parseValueField(fields: Readonly<Record<string, string>>): unknown {
  const text = fields.value
  if (text === undefined) throw new Error('no "value" field')
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new Error(`not JSON: ${(error as Error).message}`)
  }
}

/** Whether `error` is Redis' own error reply (node-redis' `ErrorReply`), not a connection failure. */

function isOpen(link: RedisLink): boolean {
  return (link.client as { isOpen?: boolean }).isOpen === true
}

/** Closes a link at once, dropping a blocked read (a graceful close would wait for its reply). */
function destroy(link: RedisLink): void {
  try {
    ;(link.client as { destroy?: () => void }).destroy?.()
  } catch {
    // already closed
  }
  link.close().catch(() => {})
}

/**
 * The connection for commands and acknowledgements, shared by the read loop and every `ack()`: opened
 * on first use, closed once retired and no command is under way; a use after that opens it again.
 */
class SharedLink {
  #link: Promise<RedisLink> | undefined
  #users = 0
  #retired = false

  constructor(readonly redis: RedisConnection) {}

  async use<R>(command: (link: RedisLink) => Promise<R>): Promise<R> {
    this.#users++
    try {
      this.#link ??= openRedis(FN, this.redis).catch((error: unknown) => {
        this.#link = undefined
        throw error
      })
      return await command(await this.#link)
    } finally {
      this.#users--
      if (this.#retired && this.#users === 0) this.#shut()
    }
  }

  /** The open link, when there is one and it is connected or reconnecting. */
  async isOpen(): Promise<boolean> {
    const link = await this.#link?.catch(() => undefined)
    return link !== undefined && isOpen(link)
  }

  retire(): void {
    this.#retired = true
    if (this.#users === 0) this.#shut()
  }

  #shut(): void {
    const link = this.#link
    this.#link = undefined
    link?.then(
      open => open.close().catch(() => {}),
      () => {},
    )
  }
}

type Fields = Readonly<Record<string, string>>

function toRecord(fields: readonly string[]): Fields {
  const record: Record<string, string> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]] = fields[i + 1]
  return record
}

/** One subscription of `redisSource`: its read loop, its connections and the entries it has out. */
class GroupReader<T> {
  #stopped = false
  readonly #abort = new AbortController()
  readonly #commands: SharedLink
  #reader: RedisLink | undefined
  /** Entries emitted by this subscription and not acknowledged yet: a claim never emits them twice. */
  readonly #outstanding = new Set<string>()

  constructor(
    readonly settings: Settings<T>,
    readonly subscriber: Subscriber<RedisEntry<T>>,
  ) {
    this.#commands = new SharedLink(settings.redis)
  }

  async run(): Promise<void> {
    try {
      await this.#connect()
      await this.#loop()
    } catch (error) {
      if (!this.#stopped) this.subscriber.error(error)
    } finally {
      this.stop()
    }
  }

  stop(): void {
    if (this.#stopped) return
    this.#stopped = true
    this.#abort.abort()
    if (this.#reader !== undefined) destroy(this.#reader)
    this.#commands.retire()
  }

  async #connect(): Promise<void> {
    const { stream, group, start } = this.settings
    try {
      await this.#commands.use(async link => {
        try {
          await link.send(stream, ['XGROUP', 'CREATE', stream, group, start, 'MKSTREAM'])
        } catch (error) {
          if (!errorMessage(error).startsWith('BUSYGROUP')) throw error
        }
      })
      const reader = await openRedis(FN, this.settings.redis)
      if (this.#stopped) destroy(reader)
      else this.#reader = reader
    } catch (error) {
      const code = isErrorReply(error) ? 'command' : 'connect'
      throw new RedisSourceError(
        code,
        `${FN}: cannot ${code === 'command' ? 'create group' : 'connect for'} ${describeValue(group)} on stream ${describeValue(stream)}: ${errorMessage(error)}`,
        stream,
        undefined,
        { cause: error },
      )
    }
  }

  async #loop(): Promise<void> {
    const { batchSize, blockMs, claimIdleMs } = this.settings
    const claimEveryMs = Math.max(claimIdleMs / 2, 1)
    let pendingAfter: string | undefined = '0'
    let cursor = '0-0'
    let nextClaimAt = 0
    while (!this.#stopped) {
      if (pendingAfter !== undefined) {
        const entries = await this.#read(pendingAfter, 0)
        pendingAfter = entries.length < batchSize ? undefined : entries[entries.length - 1][0]
        await this.#deliver(entries, false)
      } else if (claimIdleMs !== Infinity && Date.now() >= nextClaimAt) {
        const [next, entries, deleted] = await this.#claim(cursor)
        cursor = next
        if (cursor === '0-0') nextClaimAt = Date.now() + claimEveryMs
        for (const id of deleted) await this.#skipped({ id, reason: 'deleted from the stream' })
        await this.#deliver(entries, true)
      } else {
        const wait = claimIdleMs === Infinity ? blockMs : Math.min(blockMs, Math.max(1, nextClaimAt - Date.now()))
        await this.#deliver(await this.#read('>', Math.ceil(wait)), false)
      }
    }
  }

  /** XREADGROUP: `after` = `'>'` for new entries (blocking `blockMs`), or an id for this consumer's pending ones. */
  async #read(after: string, blockMs: number): Promise<StreamEntries> {
    const { stream, group, consumer, batchSize } = this.settings
    const args = ['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(batchSize)]
    if (blockMs > 0) args.push('BLOCK', String(blockMs))
    args.push('STREAMS', stream, after)
    const reader = this.#reader as RedisLink
    const reply = await this.#retrying(
      'read',
      () => reader.send(stream, args, { timeout: 0, signal: this.#abort.signal }),
      async () => isOpen(reader),
    )
    return readStreamReply(reply).find(([name]) => name === stream)?.[1] ?? []
  }

  /** XAUTOCLAIM from `cursor`: the next cursor, the entries claimed, and the ids found deleted. */
  async #claim(cursor: string): Promise<[string, StreamEntries, string[]]> {
    const { stream, group, consumer, claimIdleMs, batchSize } = this.settings
    const args = ['XAUTOCLAIM', stream, group, consumer, String(claimIdleMs), cursor, 'COUNT', String(batchSize)]
    const reply = await this.#retrying(
      'claim',
      () => this.#commands.use(link => link.send<[string, unknown[], unknown[]?]>(stream, args)),
      () => this.#commands.isOpen(),
    )
    const entries = readStreamReply([[stream, reply[1]]])[0][1]
    return [String(reply[0]), entries, (reply[2] ?? []).map(String)]
  }

  /** Runs `command`, again after a backoff while it fails with a lost connection and the client reconnects. */
  async #retrying<R>(what: string, command: () => Promise<R>, reconnecting: () => Promise<boolean>): Promise<R> {
    const { stream } = this.settings
    for (let attempt = 0; ; attempt++) {
      try {
        return await command()
      } catch (error) {
        if (this.#stopped) throw error
        if (isErrorReply(error))
          throw new RedisSourceError(
            'command',
            `${FN}: ${what} on stream ${describeValue(stream)} refused: ${errorMessage(error)}`,
            stream,
            undefined,
            {
              cause: error,
            },
          )
        if (!(await reconnecting()))
          throw new RedisSourceError(
            'connection',
            `${FN}: connection lost while reading stream ${describeValue(stream)}: ${errorMessage(error)}`,
            stream,
            undefined,
            {
              cause: error,
            },
          )
        await new Promise(resolve => setTimeout(resolve, Math.min(50 * 2 ** attempt, MAX_RETRY_DELAY_MS)))
      }
    }
  }

  async #deliver(entries: StreamEntries, claimed: boolean): Promise<void> {
    for (const [id, raw] of entries) {
      if (this.#stopped) return
      if (claimed && this.#outstanding.has(id)) continue
      if (raw.length === 0) {
        await this.#skipped({ id, reason: 'deleted from the stream' }, true)
        continue
      }
      const fields = toRecord(raw)
      let value: T
      try {
        value = this.settings.parse(fields, id)
      } catch (error) {
        await this.#invalid({ id, reason: errorMessage(error), fields })
        continue
      }
      this.#outstanding.add(id)
      this.subscriber.next({ id, value, ack: () => this.#ack(id) })
    }
  }

  async #invalid(entry: Required<RedisSkippedEntry>): Promise<void> {
    const { stream, deadLetter } = this.settings
    if (this.settings.onInvalid === 'error')
      throw new RedisSourceError(
        'invalid-entry',
        `${FN}: entry ${entry.id} of stream ${describeValue(stream)} is invalid: ${entry.reason}`,
        stream,
        entry.id,
      )
    if (deadLetter !== undefined) {
      const args = [
        'XADD',
        deadLetter,
        '*',
        'id',
        entry.id,
        'reason',
        entry.reason,
        'fields',
        JSON.stringify(entry.fields),
      ]
      if (entry.fields.value !== undefined) args.push('value', entry.fields.value)
      await this.#retrying(
        'dead-letter',
        () => this.#commands.use(link => link.send(deadLetter, args)),
        () => this.#commands.isOpen(),
      )
    }
    await this.#skipped(entry, true)
  }

  /** Acknowledges (when `ack`) and reports an entry not emitted. */
  async #skipped(entry: RedisSkippedEntry, ack = false): Promise<void> {
    const { stream, group } = this.settings
    if (ack)
      await this.#retrying(
        'ack',
        () => this.#commands.use(link => link.send(stream, ['XACK', stream, group, entry.id])),
        () => this.#commands.isOpen(),
      )
    try {
      this.settings.onSkip?.(entry)
    } catch (error) {
      throw new RedisSourceError(
        'callback',
        `${FN}: onSkip threw for entry ${entry.id}: ${errorMessage(error)}`,
        stream,
        entry.id,
        {
          cause: error,
        },
      )
    }
  }

  async #ack(id: string): Promise<void> {
    const { stream, group } = this.settings
    try {
      await this.#commands.use(link => link.send(stream, ['XACK', stream, group, id]))
      this.#outstanding.delete(id)
    } catch (error) {
      throw new RedisSourceError(
        'ack',
        `${FN}: cannot acknowledge entry ${id} of stream ${describeValue(stream)}: ${errorMessage(error)}`,
        stream,
        id,
        {
          cause: error,
        },
      )
    }
  }
}
