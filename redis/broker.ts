/**
 * `createRedisBroker`: the `PartitionBroker` of `runPartitioned` on Redis Streams, for one server or a
 * Redis Cluster. Every key of partition `p` carries the hash tag `{<name>:<p>}` (one cluster slot), the
 * worker registry and the router's keys carry `{<name>}`; every Lua script touches one tag only.
 * @module
 */
import type {
  Assignment,
  BrokerConfig,
  CommitBatch,
  CommitResult,
  PartitionBroker,
  PartitionCheckpoint,
  PartitionEntry,
  PartitionLease,
} from '../partitioned/broker'
import { fnv1a32, partitionOf } from '../partitioned/partitionOf'
import { describeValue, errorMessage } from '../src/errors'
import {
  ACQUIRE_LEASE,
  ADVANCE_CURSOR,
  APPEND_WITH_IDS,
  COMMIT,
  DEREGISTER_WORKER,
  LOAD,
  REGISTER_WORKER,
  RELEASE_LEASE,
  RENEW_LEASE,
  runScript,
} from './brokerScripts'
import { type RedisLink, readStreamReply } from './connection'

const FN = 'createRedisBroker'
const ID_PATTERN = /^\d+-\d+$/

/** The Redis keys of one partition `p` of a pipeline, all under the hash tag `{<name>:<p>}`. */
export interface RedisPartitionKeys {
  /** The partition's input stream `<input>:{<name>:<p>}`, written by the router (fields `key`, `value`). */
  readonly input: string
  /** The output stream `<output>:{<name>:<p>}` (fields `key`, `value`, `input`: the input entry's id). */
  readonly output: string
  /** The dead letters of the partition's pipelines `<output>:dead:{<name>:<p>}` (fields `id`, `key`?, `reason`, `value`?). */
  readonly deadLetters: string
  /** A hash: per key seen, the JSON text of its state. */
  readonly states: string
  /** A string: the id of the last input entry committed. */
  readonly lastId: string
  /** A hash `{ holder, token }` with the lease's expiry as its TTL. */
  readonly lease: string
  /** A counter: the last fencing token handed out. */
  readonly fence: string
}

/** The Redis keys of a pipeline as a whole, all under the hash tag `{<name>}`. */
export interface RedisPipelineKeys {
  /** A sorted set of the live workers' ids, scored by the expiry of their registration (server ms). */
  readonly workers: string
  /** A string: the router's holder, with the lease's expiry as its TTL. */
  readonly router: string
  /** A string: the id of the last input entry routed. */
  readonly cursor: string
  /** The router's dead letters `<output>:dead:{<name>}`: each under the input entry's own id (fields `reason`, `value`?). */
  readonly deadLetters: string
  /** A string: the number of partitions the pipeline was first run with. */
  readonly partitions: string
}

/**
 * Where partition `p` of a pipeline lives in Redis (for reading its output or dead letters).
 *
 * ```ts
 * const { output } = redisPartitionKeys({ name: 'cpu', input: 'telemetry', output: 'alerts' }, 3)
 * // output === 'alerts:{cpu:3}'
 * ```
 */
export function redisPartitionKeys(
  config: Pick<BrokerConfig, 'name' | 'input' | 'output'>,
  p: number,
): RedisPartitionKeys {
  const tag = `{${config.name}:${p}}`
  return {
    input: `${config.input}:${tag}`,
    output: `${config.output}:${tag}`,
    deadLetters: `${config.output}:dead:${tag}`,
    states: `${config.name}:states:${tag}`,
    lastId: `${config.name}:last:${tag}`,
    lease: `${config.name}:lease:${tag}`,
    fence: `${config.name}:fence:${tag}`,
  }
}

/**
 * Where a pipeline's shared keys live in Redis: worker registry, router lease and cursor, the router's
 * dead letters (entries it could not route: not JSON, no `value` field, `key` threw).
 *
 * ```ts
 * redisPipelineKeys({ name: 'cpu', output: 'alerts' }).deadLetters // 'alerts:dead:{cpu}'
 * ```
 */
export function redisPipelineKeys(config: Pick<BrokerConfig, 'name' | 'output'>): RedisPipelineKeys {
  const tag = `{${config.name}}`
  return {
    workers: `${config.name}:workers:${tag}`,
    router: `${config.name}:router:${tag}`,
    cursor: `${config.name}:cursor:${tag}`,
    deadLetters: `${config.output}:dead:${tag}`,
    partitions: `${config.name}:partitions:${tag}`,
  }
}

/**
 * The `PartitionBroker` of a partitioned pipeline on Redis Streams (one server or a Redis Cluster),
 * following the layout of `partitioned/broker.ts`:
 * - `commit` is one Lua script on the partition's keys: it refuses `'fenced'` unless the partition's
 *   lease is live and holds the batch's token, `'stale'` unless the stored last id is `previousId`
 *   (`'committed'` when it is already `lastId`: a retried commit), then appends outputs and dead
 *   letters, sets and deletes key states, stores the last id and trims the partition stream to it;
 * - `route` copies input entries into partition streams under their own ids with one script per
 *   partition, which skips ids already there, so a router that crashed before moving its cursor
 *   routes again harmlessly; entries it cannot route go to `redisPipelineKeys(config).deadLetters`
 *   under their own id (so also exactly once), with the reason; only the router's holder routes
 *   (another caller gets 0 after waiting `blockMs`);
 * - leases: a lease key per partition with its expiry and a token from a fencing counter; `balance`
 *   registers the worker (expiry by the server's clock), renews, then tries free partitions in an
 *   order that starts at a point given by the worker's id (so workers do not all race for the same),
 *   up to its fair share; a partition lost this round is not taken back in the same round;
 * - blocking reads (`read`, `route` with `blockMs > 0`) run on duplicates of `link`, one per waiting
 *   call, without a command timeout; `close` ends them, and they then resolve empty.
 *
 * A commit's outputs, dead letters and states travel as the script's arguments: a batch is bounded
 * by the runner's `batchSize` (thousands of outputs are fine; a single argument may not pass Redis'
 * `proto-max-bulk-len`, 512 MB by default). Needs Redis 7.0 or later (script flags, `SET NX GET`).
 *
 * The broker takes `link` over: `close()` deregisters the workers it served, gives their router
 * lease back and closes `link` with its duplicates. Rejects with a `TypeError` / `RangeError` naming
 * `createRedisBroker` for a bad config (leaving `link` to the caller), and with a `RangeError` when
 * the pipeline's name was first run with another number of partitions.
 *
 * ```ts
 * const link = await openRedis('worker', 'redis://127.0.0.1:6379')
 * const broker = await createRedisBroker(link, {
 *   name: 'cpu', input: 'telemetry', output: 'alerts', partitions: 8, key: v => (v as { host: string }).host, leaseMs: 3000,
 * })
 * ```
 */
export async function createRedisBroker(link: RedisLink, config: BrokerConfig): Promise<PartitionBroker> {
  checkConfig(config)
  const keys = redisPipelineKeys(config)
  const stored = await link.send<string | null>(keys.partitions, [
    'SET',
    keys.partitions,
    String(config.partitions),
    'NX',
    'GET',
  ])
  if (stored !== null && stored !== String(config.partitions))
    throw new RangeError(
      `${FN}: pipeline ${JSON.stringify(config.name)} was first run with ${stored} partitions, not ${config.partitions}: changing the partitions needs a new name`,
    )
  return new RedisBroker(link, { ...config, leaseMs: Math.ceil(config.leaseMs) })
}

function checkConfig(config: BrokerConfig): void {
  if (config === null || typeof config !== 'object')
    throw new TypeError(`${FN}: config must be an object, got ${describeValue(config)}`)
  for (const field of ['name', 'input', 'output'] as const) {
    const value: unknown = config[field]
    if (typeof value !== 'string' || value.length === 0)
      throw new TypeError(`${FN}: ${field} must be a non-empty string, got ${describeValue(value)}`)
    if (/[{}]/.test(value))
      throw new RangeError(
        `${FN}: ${field} must not contain '{' or '}' (the broker's hash tags would break), got ${describeValue(value)}`,
      )
  }
  if (!Number.isInteger(config.partitions) || config.partitions < 1 || config.partitions > 16384)
    throw new RangeError(`${FN}: partitions must be an integer in [1, 16384], got ${describeValue(config.partitions)}`)
  if (typeof config.key !== 'function')
    throw new TypeError(`${FN}: key must be a function, got ${describeValue(config.key)}`)
  if (typeof config.leaseMs !== 'number' || !Number.isFinite(config.leaseMs) || config.leaseMs <= 0)
    throw new RangeError(`${FN}: leaseMs must be a positive finite number, got ${describeValue(config.leaseMs)}`)
}

/** A parsed input entry on its way to a partition, or to the router's dead letters. */
type Routed = { id: string; partition: number; key: string; value: string } | { id: string; dead: string[] }

class RedisBroker implements PartitionBroker {
  readonly partitions: number
  readonly #link: RedisLink
  readonly #config: BrokerConfig
  readonly #keys: RedisPipelineKeys
  readonly #parts: RedisPartitionKeys[]
  readonly #workers = new Set<string>()
  readonly #idle: RedisLink[] = []
  readonly #duplicates = new Set<RedisLink>()
  readonly #pauses = new Set<() => void>()
  #closed = false

  constructor(link: RedisLink, config: BrokerConfig) {
    this.#link = link
    this.#config = config
    this.partitions = config.partitions
    this.#keys = redisPipelineKeys(config)
    this.#parts = Array.from({ length: config.partitions }, (_, p) => redisPartitionKeys(config, p))
  }

  async balance(workerId: string, held: readonly PartitionLease[]): Promise<Assignment> {
    this.#checkOpen('balance')
    checkWorker('balance', workerId)
    if (!Array.isArray(held)) throw new TypeError(`${FN}: balance: held must be an array, got ${describeValue(held)}`)
    for (const lease of held) this.#checkLease('balance', lease)
    this.#workers.add(workerId)
    const ms = String(this.#config.leaseMs)
    const [live, router] = await runScript<[number, number]>(
      this.#link,
      REGISTER_WORKER,
      [this.#keys.workers, this.#keys.router],
      [workerId, ms],
    )
    const share = Math.ceil(this.partitions / Math.max(1, Number(live)))
    const renewed = await Promise.all(
      held.map(lease =>
        runScript<number>(this.#link, RENEW_LEASE, [this.#parts[lease.partition].lease], [String(lease.token), ms]),
      ),
    )
    const leases = held.filter((_, i) => renewed[i] === 1).map(lease => ({ ...lease }))
    const lost = held.filter((_, i) => renewed[i] !== 1).map(lease => lease.partition)
    const order = this.#order(workerId)
    const taken = new Set([...held.map(lease => lease.partition)])
    const candidates = order.filter(p => !taken.has(p))
    const acquired: number[] = []
    while (leases.length < share && candidates.length > 0) {
      const tries = candidates.splice(0, share - leases.length)
      const tokens = await Promise.all(
        tries.map(p =>
          runScript<number>(this.#link, ACQUIRE_LEASE, [this.#parts[p].lease, this.#parts[p].fence], [workerId, ms]),
        ),
      )
      tries.forEach((partition, i) => {
        const token = Number(tokens[i])
        if (token > 0) {
          leases.push({ partition, token })
          acquired.push(partition)
        }
      })
    }
    const rank = new Map(order.map((p, i) => [p, i]))
    leases.sort((a, b) => (rank.get(a.partition) ?? 0) - (rank.get(b.partition) ?? 0))
    const surplus = leases.slice(share).map(lease => lease.partition)
    return { leases, acquired, lost, surplus, router: Number(router) === 1 }
  }

  /** The partitions in the order `workerId` tries them: a rotation starting where its id hashes. */
  #order(workerId: string): number[] {
    const start = fnv1a32(workerId) % this.partitions
    return Array.from({ length: this.partitions }, (_, i) => (start + i) % this.partitions)
  }

  async release(workerId: string, lease: PartitionLease): Promise<void> {
    this.#checkOpen('release')
    checkWorker('release', workerId)
    this.#checkLease('release', lease)
    await runScript(this.#link, RELEASE_LEASE, [this.#parts[lease.partition].lease], [String(lease.token)])
  }

  async load(partition: number): Promise<PartitionCheckpoint> {
    this.#checkOpen('load')
    this.#checkPartition('load', partition)
    const keys = this.#parts[partition]
    const [lastId, flat] = await runScript<[string, string[]]>(this.#link, LOAD, [keys.lastId, keys.states], [])
    const states = new Map<string, string>()
    for (let i = 0; i + 1 < flat.length; i += 2) states.set(String(flat[i]), String(flat[i + 1]))
    return { lastId: String(lastId), states }
  }

  async read(partition: number, afterId: string, count: number, blockMs: number): Promise<PartitionEntry[]> {
    this.#checkOpen('read')
    this.#checkPartition('read', partition)
    checkId('read', 'afterId', afterId)
    checkCount('read', count, blockMs)
    const stream = this.#parts[partition].input
    let entries = readRange(
      await this.#link.send(stream, ['XRANGE', stream, `(${afterId}`, '+', 'COUNT', String(count)]),
    )
    if (entries.length === 0 && blockMs > 0) entries = await this.#duplicatesRead(stream, afterId, count, blockMs)
    return entries.map(([id, fields]) => ({ id, key: field(fields, 'key') ?? '', value: field(fields, 'value') ?? '' }))
  }

  async commit(batch: CommitBatch): Promise<CommitResult> {
    this.#checkOpen('commit')
    const args = this.#commitArgs(batch)
    const keys = this.#parts[batch.lease.partition]
    const result = await runScript<string>(
      this.#link,
      COMMIT,
      [keys.lease, keys.lastId, keys.input, keys.output, keys.deadLetters, keys.states],
      args,
    )
    if (result !== 'committed' && result !== 'fenced' && result !== 'stale')
      throw new TypeError(`${FN}: commit: unexpected reply ${describeValue(result)} from the commit script`)
    return result
  }

  #commitArgs(batch: CommitBatch): string[] {
    if (batch === null || typeof batch !== 'object')
      throw new TypeError(`${FN}: commit: batch must be an object, got ${describeValue(batch)}`)
    this.#checkLease('commit', batch.lease)
    checkId('commit', 'previousId', batch.previousId)
    checkId('commit', 'lastId', batch.lastId)
    if (!idBefore(batch.previousId, batch.lastId))
      throw new RangeError(
        `${FN}: commit: lastId ${JSON.stringify(batch.lastId)} must follow previousId ${JSON.stringify(batch.previousId)}`,
      )
    const args = [String(batch.lease.token), batch.previousId, batch.lastId, String(batch.outputs.length)]
    for (const output of batch.outputs) {
      checkText('commit', 'output key', output.key)
      checkText('commit', 'output value', output.value)
      checkId('commit', 'output inputId', output.inputId)
      args.push(output.key, output.value, output.inputId)
    }
    args.push(String(batch.deadLetters.length))
    for (const dead of batch.deadLetters) {
      checkText('commit', 'dead letter id', dead.id)
      checkText('commit', 'dead letter reason', dead.reason)
      const mask = (dead.key === undefined ? 0 : 1) + (dead.value === undefined ? 0 : 2)
      args.push(dead.id, String(mask), dead.key ?? '', dead.reason, dead.value ?? '')
    }
    args.push(String(batch.states.size))
    for (const [key, state] of batch.states) {
      checkText('commit', 'state key', key)
      if (state === null) args.push('D', key, '')
      else {
        checkText('commit', 'state', state)
        args.push('S', key, state)
      }
    }
    return args
  }

  async route(workerId: string, count: number, blockMs: number): Promise<number> {
    this.#checkOpen('route')
    checkWorker('route', workerId)
    checkCount('route', count, blockMs)
    const { router, cursor: cursorKey, deadLetters } = this.#keys
    const [holder, stored] = await this.#link.send<[string | null, string | null]>(router, ['MGET', router, cursorKey])
    if (holder !== workerId) {
      await this.#pause(blockMs) // as a blocking read would: a caller looping on route does not spin
      return 0
    }
    const cursor = stored ?? '0-0'
    const input = this.#config.input
    let entries = readRange(await this.#link.send(input, ['XRANGE', input, `(${cursor}`, '+', 'COUNT', String(count)]))
    if (entries.length === 0 && blockMs > 0) entries = await this.#duplicatesRead(input, cursor, count, blockMs)
    if (entries.length === 0) return 0
    const groups = new Map<number, string[]>()
    const dead: string[] = []
    for (const [id, fields] of entries) {
      const routed = this.#routeEntry(id, fields)
      if ('dead' in routed) {
        dead.push(id, String(routed.dead.length / 2), ...routed.dead)
        continue
      }
      let group = groups.get(routed.partition)
      if (group === undefined) groups.set(routed.partition, (group = []))
      group.push(id, '2', 'key', routed.key, 'value', routed.value)
    }
    await Promise.all(
      [...groups].map(([p, args]) => runScript(this.#link, APPEND_WITH_IDS, [this.#parts[p].input], args)),
    )
    if (dead.length > 0) await runScript(this.#link, APPEND_WITH_IDS, [deadLetters], dead)
    await runScript(this.#link, ADVANCE_CURSOR, [cursorKey], [entries[entries.length - 1][0]])
    return entries.length
  }

  /** Where an input entry goes: its partition, or the dead letters with the reason (the user's `key` is guarded). */
  #routeEntry(id: string, fields: readonly string[]): Routed {
    const value = field(fields, 'value')
    if (value === undefined) return { id, dead: ['reason', 'no value field'] }
    const dead = (reason: string): Routed => ({ id, dead: ['reason', reason, 'value', value] })
    let parsed: unknown
    try {
      parsed = JSON.parse(value)
    } catch (error) {
      return dead(`not JSON: ${errorMessage(error)}`)
    }
    let key: unknown
    try {
      key = this.#config.key(parsed)
    } catch (error) {
      return dead(`key threw: ${errorMessage(error)}`)
    }
    if (typeof key !== 'string' && !(typeof key === 'number' && Number.isFinite(key)))
      return dead(`key must return a string or a finite number, got ${describeValue(key)}`)
    const text = String(key)
    return { id, partition: partitionOf(text, this.partitions), key: text, value }
  }

  /** XREAD BLOCK on a duplicate of its own (no command timeout); resolves empty when the broker closes meanwhile. */
  async #duplicatesRead(
    stream: string,
    afterId: string,
    count: number,
    blockMs: number,
  ): Promise<(readonly [string, readonly string[]])[]> {
    const link = this.#idle.pop() ?? (await this.#link.duplicate())
    this.#duplicates.add(link)
    try {
      if (this.#closed) return []
      const args = ['XREAD', 'COUNT', String(count), 'BLOCK', String(Math.ceil(blockMs)), 'STREAMS', stream, afterId]
      const reply = await link.send(stream, args, { timeout: 0 })
      return readStreamReply(reply).flatMap(([, entries]) => entries)
    } catch (error) {
      if (this.#closed) return []
      this.#duplicates.delete(link)
      await link.close().catch(() => {})
      throw error
    } finally {
      if (this.#duplicates.has(link)) {
        if (this.#closed) await abandon(link)
        else this.#idle.push(link)
      }
    }
  }

  /** Waits `ms`, or less when the broker closes meanwhile. */
  #pause(ms: number): Promise<void> {
    if (ms <= 0 || this.#closed) return Promise.resolve()
    return new Promise(resolve => {
      const done = (): void => {
        clearTimeout(timer)
        this.#pauses.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.#pauses.add(done)
    })
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const done of [...this.#pauses]) done()
    const { workers, router } = this.#keys
    await Promise.all(
      [...this.#workers].map(id =>
        runScript(this.#link, DEREGISTER_WORKER, [workers, router], [id]).catch(() => {
          // best effort: an unreachable server lets the registration expire instead
        }),
      ),
    )
    await Promise.all([...this.#duplicates].map(link => abandon(link)))
    await this.#link.close()
  }

  #checkOpen(method: string): void {
    if (this.#closed) throw new Error(`${FN}: ${method} after close()`)
  }

  #checkPartition(method: string, partition: unknown): void {
    if (!Number.isInteger(partition) || (partition as number) < 0 || (partition as number) >= this.partitions)
      throw new RangeError(
        `${FN}: ${method}: partition must be an integer in [0, ${this.partitions}), got ${describeValue(partition)}`,
      )
  }

  #checkLease(method: string, lease: PartitionLease): void {
    if (lease === null || typeof lease !== 'object')
      throw new TypeError(`${FN}: ${method}: a lease must be an object, got ${describeValue(lease)}`)
    this.#checkPartition(method, lease.partition)
    if (!Number.isSafeInteger(lease.token) || lease.token < 1)
      throw new RangeError(
        `${FN}: ${method}: lease token must be a positive integer, got ${describeValue(lease.token)}`,
      )
  }
}

/**
 * Closes a duplicate at once: node-redis' graceful close waits for the pending commands, and a
 * blocking XREAD may wait for minutes; the waiting read then rejects and resolves empty.
 */
async function abandon(link: RedisLink): Promise<void> {
  try {
    ;(link.client as { destroy?(): void }).destroy?.()
  } catch {
    // already closed
  }
  await link.close().catch(() => {})
}

function checkWorker(method: string, workerId: unknown): void {
  if (typeof workerId !== 'string' || workerId.length === 0)
    throw new TypeError(`${FN}: ${method}: workerId must be a non-empty string, got ${describeValue(workerId)}`)
}

function checkId(method: string, name: string, id: unknown): void {
  if (typeof id !== 'string' || !ID_PATTERN.test(id))
    throw new TypeError(`${FN}: ${method}: ${name} must be a stream id '<ms>-<seq>', got ${describeValue(id)}`)
}

function checkText(method: string, name: string, text: unknown): void {
  if (typeof text !== 'string')
    throw new TypeError(`${FN}: ${method}: ${name} must be a string, got ${describeValue(text)}`)
}

function checkCount(method: string, count: unknown, blockMs: unknown): void {
  if (!Number.isInteger(count) || (count as number) < 1)
    throw new RangeError(`${FN}: ${method}: count must be a positive integer, got ${describeValue(count)}`)
  if (typeof blockMs !== 'number' || !Number.isFinite(blockMs) || blockMs < 0)
    throw new RangeError(`${FN}: ${method}: blockMs must be a finite number >= 0, got ${describeValue(blockMs)}`)
}

/** Whether stream id `a` comes before `b` (both `<ms>-<seq>`, compared as numbers of any size). */
function idBefore(a: string, b: string): boolean {
  const [ams, aseq] = a.split('-').map(BigInt)
  const [bms, bseq] = b.split('-').map(BigInt)
  return ams < bms || (ams === bms && aseq < bseq)
}

/** The entries of an XRANGE reply (the same shape in RESP2 and RESP3). */
function readRange(reply: unknown): (readonly [string, readonly string[]])[] {
  return (reply as [unknown, unknown][]).map(([id, fields]) => [
    String(id),
    Array.isArray(fields) ? fields.map(String) : [],
  ])
}

/** The value of `name` in an entry's flat field list. */
function field(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1]
  return undefined
}
