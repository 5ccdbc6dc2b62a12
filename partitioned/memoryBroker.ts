import { describeValue, errorMessage } from '../src/errors'
import { checkFunction, checkInteger, checkMilliseconds, checkOptions, checkString } from '../src/validate'
import type {
  Assignment,
  BrokerConfig,
  CommitBatch,
  CommitResult,
  CommittedOutput,
  DeadLetter,
  PartitionBroker,
  PartitionCheckpoint,
  PartitionEntry,
  PartitionLease,
} from './broker'
import { compareEntryIds } from './entryId'
import { partitionOf } from './partitionOf'

/** `MemoryBroker`'s options: the pipeline it serves (`BrokerConfig`) and the clock of its ids and leases. */
export interface MemoryBrokerOptions extends BrokerConfig {
  /** The time in ms, for entry ids and lease expiry. Default `Date.now`; tests step their own. */
  readonly now?: () => number
  /** Called with each entry the router dead-letters (to count it); a throw is ignored. */
  readonly onDeadLetter?: (letter: DeadLetter) => void
}

/** One entry of the input stream: its id and its value as text (JSON unless someone wrote otherwise). */
export interface InputEntry {
  /** The entry id, `<ms>-<seq>`. */
  readonly id: string
  /** The value's text. */
  readonly value: string
}

/** What the broker keeps per partition (the Redis keys under the hash tag `{<name>:<p>}`). */
interface PartitionStore {
  readonly entries: PartitionEntry[]
  readonly outputs: CommittedOutput[]
  readonly deadLetters: DeadLetter[]
  readonly states: Map<string, string>
  lastId: string
  owner: string | undefined
  token: number
  expiresAt: number
}

/** A pending blocking call: woken when `ready()` turns true, by its timer, or by `close()`. */
interface Waiter {
  readonly ready: () => boolean
  readonly wake: () => void
}

const FN = 'MemoryBroker'
const OPTIONS = ['name', 'input', 'output', 'partitions', 'key', 'leaseMs', 'now', 'onDeadLetter']

/**
 * An in-process `PartitionBroker`: the input stream, the partition streams, outputs, dead letters,
 * key states, checkpoints and leases live in this object, with the semantics `PartitionBroker`
 * documents and the Redis broker implements. `runPartitioned` uses one when it is given no `redis`;
 * tests share one between several workers.
 *
 * - Ids are `<ms>-<seq>` from the clock (`now`), strictly increasing as in Redis.
 * - `route` copies input entries to their partition streams under the same id and refuses an id not
 *   above the partition stream's last (so routing twice adds nothing); an entry that is not JSON, or
 *   whose `key` throws or gives neither a string nor a number, goes to the router's dead letters
 *   (reasons `'not JSON: ...'`, `'key threw: ...'`, `'key must return a string or a finite number, got ...'`, as the Redis broker).
 * - A lease lasts `leaseMs` without renewal; every acquisition raises the partition's fencing token, and
 *   a commit under an older token is `'fenced'`. A lease that expired stays its holder's until another
 *   worker takes it (the token tells whether anyone did).
 * - `commit` is atomic (one synchronous step): `'fenced'` first, then `'committed'` for a retry of the
 *   commit that stored `lastId`, then `'stale'` when the stored last id is not `previousId`.
 * - Replies come in a later macrotask (`setImmediate`), as from a server, so workers sharing the
 *   broker take turns.
 *
 * Throws a `TypeError`/`RangeError` naming a bad option. After `close()` every call rejects.
 *
 * ```ts
 * const broker = new MemoryBroker({ name: 'orders', input: 'in', output: 'out', partitions: 4, key: v => v.user, leaseMs: 3000 })
 * broker.append({ user: 'ada', amount: 3 })
 * runPartitioned({ broker, name: 'orders', input: 'in', output: 'out', partitions: 4, key: v => v.user, pipeline }).subscribe()
 * ```
 */
export class MemoryBroker implements PartitionBroker {
  /** The number of partitions. */
  readonly partitions: number
  /** The pipeline this broker serves. */
  readonly config: BrokerConfig
  readonly #now: () => number
  readonly #onDeadLetter: ((letter: DeadLetter) => void) | undefined
  readonly #input: InputEntry[] = []
  readonly #routerDeadLetters: DeadLetter[] = []
  readonly #parts: PartitionStore[]
  readonly #workers = new Map<string, number>()
  readonly #waiters = new Set<Waiter>()
  #routed = 0
  #router: { owner: string | undefined; expiresAt: number } = { owner: undefined, expiresAt: 0 }
  #lastMs = 0
  #seq = -1
  #closed = false

  constructor(options: MemoryBrokerOptions) {
    checkOptions(FN, options, OPTIONS, true)
    const partitions = checkInteger(FN, 'partitions', options.partitions, { min: 1, max: 16384 })
    checkString(FN, 'name', options.name)
    checkString(FN, 'input', options.input)
    checkString(FN, 'output', options.output)
    checkFunction(FN, 'key', options.key, false)
    const leaseMs = checkMilliseconds(FN, 'leaseMs', options.leaseMs)
    if (leaseMs === 0) throw new RangeError(`${FN}: leaseMs must be > 0, got 0`)
    this.#now = checkFunction<() => number>(FN, 'now', options.now) ?? Date.now
    this.#onDeadLetter = checkFunction<(letter: DeadLetter) => void>(FN, 'onDeadLetter', options.onDeadLetter)
    this.partitions = partitions
    this.config = {
      name: options.name,
      input: options.input,
      output: options.output,
      partitions,
      key: options.key,
      leaseMs,
    }
    this.#parts = Array.from({ length: partitions }, () => ({
      entries: [],
      outputs: [],
      deadLetters: [],
      states: new Map(),
      lastId: '0-0',
      owner: undefined,
      token: 0,
      expiresAt: 0,
    }))
  }

  /**
   * Appends `value` as JSON text to the input stream and returns its id. A value `JSON.stringify`
   * cannot write (`undefined`, a function) is appended as `String(value)`, which the router then
   * dead-letters as not JSON. Throws after `close()`.
   */
  append(value: unknown): string {
    let text: string | undefined
    try {
      text = JSON.stringify(value)
    } catch {
      text = undefined
    }
    return this.appendText(text ?? String(value))
  }

  /** Appends raw text (JSON or not) to the input stream and returns its id. Throws after `close()`. */
  appendText(text: string): string {
    this.#checkOpen()
    checkString(`${FN}.appendText`, 'text', text, true)
    const id = this.#nextId()
    this.#input.push({ id, value: text })
    this.#notify()
    return id
  }

  /** The input stream, oldest first. */
  inputEntries(): readonly InputEntry[] {
    return this.#input.slice()
  }

  /** The entries routed to partition `p`, oldest first. */
  partitionEntries(partition: number): readonly PartitionEntry[] {
    return this.#part(`${FN}.partitionEntries`, partition).entries.slice()
  }

  /** The committed outputs of partition `p`, or of every partition (partition by partition) without one. */
  outputs(partition?: number): readonly CommittedOutput[] {
    if (partition !== undefined) return this.#part(`${FN}.outputs`, partition).outputs.slice()
    return this.#parts.flatMap(s => s.outputs)
  }

  /** The dead letters of partition `p`, or without one the router's followed by every partition's. */
  deadLetters(partition?: number): readonly DeadLetter[] {
    if (partition !== undefined) return this.#part(`${FN}.deadLetters`, partition).deadLetters.slice()
    return [...this.#routerDeadLetters, ...this.#parts.flatMap(s => s.deadLetters)]
  }

  /** How many entries are not done yet: input entries not routed, plus partition entries after their partition's last committed id. */
  pending(): number {
    let count = this.#input.length - this.#routed
    for (const store of this.#parts) count += store.entries.length - indexAfter(store.entries, store.lastId)
    return count
  }

  /**
   * Simulates the crash of `workerId`: it no longer counts as alive, and its leases (and the router's,
   * if it held it) are free for others at once. Its tokens stay, so anything it still commits is fenced
   * once another worker acquired the partition.
   */
  expire(workerId: string): void {
    this.#workers.delete(workerId)
    for (const store of this.#parts) if (store.owner === workerId) (store.owner = undefined), (store.expiresAt = 0)
    if (this.#router.owner === workerId) this.#router = { owner: undefined, expiresAt: 0 }
  }

  /** The holder of partition `p`'s lease and its token (for tests and tools); `owner` is undefined when free. */
  leaseOf(partition: number): {
    /** The worker holding it, `undefined` when free. */
    owner: string | undefined
    /** The fencing token of the latest acquisition. */
    token: number
    /** When it expires, on the broker's clock (ms). */
    expiresAt: number
  } {
    const store = this.#part(`${FN}.leaseOf`, partition)
    return { owner: store.owner, token: store.token, expiresAt: store.expiresAt }
  }

  balance(workerId: string, held: readonly PartitionLease[]): Promise<Assignment> {
    return this.#reply(() => this.#balance(checkString(`${FN}.balance`, 'workerId', workerId), held))
  }

  release(workerId: string, lease: PartitionLease): Promise<void> {
    return this.#reply(() => {
      const store = this.#part(`${FN}.release`, lease.partition)
      if (store.owner === workerId && store.token === lease.token) (store.owner = undefined), (store.expiresAt = 0)
    })
  }

  load(partition: number): Promise<PartitionCheckpoint> {
    return this.#reply(() => {
      const store = this.#part(`${FN}.load`, partition)
      return { lastId: store.lastId, states: new Map(store.states) }
    })
  }

  async read(partition: number, afterId: string, count: number, blockMs: number): Promise<PartitionEntry[]> {
    const store = this.#part(`${FN}.read`, partition)
    compareEntryIds(afterId, '0-0') // checks the id
    const available = () => indexAfter(store.entries, afterId) < store.entries.length
    await this.#wait(blockMs, available)
    return this.#reply(() => {
      const from = indexAfter(store.entries, afterId)
      return store.entries.slice(from, from + count)
    })
  }

  commit(batch: CommitBatch): Promise<CommitResult> {
    return this.#reply(() => this.#commit(batch))
  }

  /** See `PartitionBroker.route`; a worker that does not hold the router's lease waits `blockMs` and gets 0 (no spinning caller). */
  async route(workerId: string, count: number, blockMs: number): Promise<number> {
    this.#checkOpen()
    const holder = () => this.#router.owner === workerId
    await this.#wait(blockMs, () => holder() && this.#routed < this.#input.length)
    return this.#reply(() => (holder() ? this.#route(count) : 0))
  }

  close(): Promise<void> {
    this.#closed = true
    for (const waiter of this.#waiters) waiter.wake()
    return Promise.resolve()
  }

  #balance(workerId: string, held: readonly PartitionLease[]): Assignment {
    const now = this.#now()
    const leaseMs = this.config.leaseMs
    this.#workers.set(workerId, now)
    for (const [worker, seen] of this.#workers) if (seen + leaseMs <= now) this.#workers.delete(worker)
    const share = Math.ceil(this.partitions / this.#workers.size)
    const heldTokens = new Map(held.map(lease => [lease.partition, lease.token]))
    const leases: PartitionLease[] = []
    const acquired: number[] = []
    const lost: number[] = []
    const take = (partition: number, store: PartitionStore) => {
      store.owner = workerId
      store.token++
      store.expiresAt = now + leaseMs
      leases.push({ partition, token: store.token })
      acquired.push(partition)
    }
    this.#parts.forEach((store, partition) => {
      const token = heldTokens.get(partition)
      if (store.owner === workerId && token === store.token) {
        store.expiresAt = now + leaseMs
        leases.push({ partition, token })
      } else if (token !== undefined) lost.push(partition)
      else if (store.owner === workerId) take(partition, store) // an earlier incarnation's: fence it out
    })
    this.#parts.forEach((store, partition) => {
      const free = store.owner === undefined || (store.owner !== workerId && store.expiresAt <= now)
      if (free && leases.length < share && !lost.includes(partition)) take(partition, store)
    })
    leases.sort((a, b) => a.partition - b.partition)
    const surplus = leases.slice(share).map(lease => lease.partition)
    const router = this.#router
    if (router.owner === workerId || router.owner === undefined || router.expiresAt <= now)
      this.#router = { owner: workerId, expiresAt: now + leaseMs }
    return { leases, acquired, lost, surplus, router: this.#router.owner === workerId }
  }

  #commit(batch: CommitBatch): CommitResult {
    const fn = `${FN}.commit`
    const store = this.#part(fn, batch.lease.partition)
    if (compareEntryIds(batch.lastId, batch.previousId) <= 0)
      throw new RangeError(
        `${fn}: lastId ${JSON.stringify(batch.lastId)} must follow previousId ${JSON.stringify(batch.previousId)}`,
      )
    if (batch.lease.token !== store.token) return 'fenced'
    if (store.lastId === batch.lastId) return 'committed'
    if (store.lastId !== batch.previousId) return 'stale'
    store.outputs.push(...batch.outputs.map(o => ({ key: o.key, value: o.value, inputId: o.inputId })))
    store.deadLetters.push(...batch.deadLetters.map(d => ({ ...d })))
    for (const [key, state] of batch.states) {
      if (state === null) store.states.delete(key)
      else store.states.set(key, state)
    }
    store.lastId = batch.lastId
    return 'committed'
  }

  #route(count: number): number {
    const end = Math.min(this.#input.length, this.#routed + count)
    const moved = end - this.#routed
    for (; this.#routed < end; this.#routed++) {
      const entry = this.#input[this.#routed]
      const key = this.#keyOf(entry)
      if (key === undefined) continue
      const store = this.#parts[partitionOf(key, this.partitions)]
      const last = store.entries[store.entries.length - 1]
      if (last === undefined || compareEntryIds(entry.id, last.id) > 0)
        store.entries.push({ id: entry.id, key, value: entry.value })
    }
    if (moved > 0) this.#notify()
    return moved
  }

  /** The key of an input entry, or undefined after dead-lettering it. */
  #keyOf(entry: InputEntry): string | undefined {
    const dead = (reason: string): undefined => {
      const letter: DeadLetter = { id: entry.id, reason, value: entry.value }
      this.#routerDeadLetters.push(letter)
      try {
        this.#onDeadLetter?.(letter)
      } catch {
        // counting must not stop the router
      }
      return undefined
    }
    let value: unknown
    try {
      value = JSON.parse(entry.value)
    } catch (error) {
      return dead(`not JSON: ${errorMessage(error)}`)
    }
    let key: unknown
    try {
      key = this.config.key(value)
    } catch (error) {
      return dead(`key threw: ${errorMessage(error)}`)
    }
    if (typeof key === 'string') return key
    if (typeof key === 'number' && Number.isFinite(key)) return String(key)
    return dead(`key must return a string or a finite number, got ${describeValue(key)}`)
  }

  #nextId(): string {
    const ms = Math.floor(this.#now())
    if (ms > this.#lastMs) (this.#lastMs = ms), (this.#seq = 0)
    else this.#seq++
    return `${this.#lastMs}-${this.#seq}`
  }

  #part(fn: string, partition: number): PartitionStore {
    const store = Number.isInteger(partition) ? this.#parts[partition] : undefined
    if (store === undefined)
      throw new RangeError(
        `${fn}: partition must be an integer in [0, ${this.partitions - 1}], got ${describeValue(partition)}`,
      )
    return store
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error(`${FN}: the broker is closed`)
  }

  /** Runs `op` now (atomically) and hands its result back in a later macrotask, as a server's reply. */
  #reply<V>(op: () => V): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      try {
        this.#checkOpen()
        const value = op()
        setImmediate(() => resolve(value))
      } catch (error) {
        setImmediate(() => reject(error))
      }
    })
  }

  /** Resolves when `ready()`, after `blockMs`, or at `close()`, whichever comes first. */
  #wait(blockMs: number, ready: () => boolean): Promise<void> {
    if (this.#closed || blockMs <= 0 || ready()) return Promise.resolve()
    return new Promise<void>(resolve => {
      const waiter: Waiter = {
        ready,
        wake: () => {
          clearTimeout(timer)
          this.#waiters.delete(waiter)
          resolve()
        },
      }
      const timer = setTimeout(waiter.wake, blockMs)
      this.#waiters.add(waiter)
    })
  }

  #notify(): void {
    for (const waiter of this.#waiters) if (waiter.ready()) waiter.wake()
  }
}

/** The index of the first entry whose id is above `afterId` (binary search; entries are in id order). */
function indexAfter(entries: readonly PartitionEntry[], afterId: string): number {
  let lo = 0
  let hi = entries.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareEntryIds(entries[mid].id, afterId) <= 0) lo = mid + 1
    else hi = mid
  }
  return lo
}
