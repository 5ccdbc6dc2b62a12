import type { MidstreamMetrics } from '../sinks/metrics'
import type { SnapshotHeader } from '../src/snapshot'
import type {
  CommitBatch,
  CommitResult,
  CommittedOutput,
  DeadLetter,
  PartitionBroker,
  PartitionEntry,
  PartitionLease,
} from './broker'
import { entryIdMs } from './entryId'
import { KeyPipeline, type KeyPipelineFactory, parseKeyState } from './keyPipeline'

/** One output of a partitioned pipeline, emitted after the batch that produced it was committed. */
export interface PartitionedOutput<R> {
  /** The key whose pipeline emitted it. */
  readonly key: string
  /** The output as committed (through JSON). */
  readonly value: R
  /** The id of the input entry whose processing produced it. */
  readonly inputId: string
  /** The partition of the key. */
  readonly partition: number
}

/** What a worker needs besides its broker. @internal */
export interface WorkerSettings<T, R> {
  readonly name: string
  readonly workerId: string
  readonly pipeline: KeyPipelineFactory<T, R>
  readonly batchSize: number
  readonly leaseMs: number
  readonly blockMs: number
  readonly metrics: MidstreamMetrics | undefined
  /** Called with each committed output, in commit order. */
  readonly emit: (output: PartitionedOutput<R>) => void
  /** Called when the run must end with an error (an asynchronous pipeline, an unusable key state). */
  readonly fail: (error: unknown) => void
  /** Called after every commit and every routing round (the in-process runner checks for completion). */
  readonly progress: () => void
}

/** A partition this worker holds: its lease, its position, its keys' states and live pipelines. */
interface PartitionRun<T> {
  lease: PartitionLease
  lastId: string
  states: Map<string, string>
  readonly pipelines: Map<string, KeyPipeline<T>>
  /** Lost or fenced: no further commit. */
  dropped: boolean
  /** Above the fair share: commit the current batch, then release. */
  surplus: boolean
}

/** A batch processed and ready to commit, with what to emit once it is in. */
interface ProcessedBatch<R> {
  readonly batch: CommitBatch
  readonly emitted: PartitionedOutput<R>[]
}

/** Bounds of the entries the router moves per round (see `#routeCount`). */
const ROUTE_MIN = 2_000
const ROUTE_MAX = 10_000
const BACKOFF_START_MS = 20
const BACKOFF_MAX_MS = 2000
/** The pause after an empty read when reads do not block, so an idle worker does not spin. */
const IDLE_MS = 5

/**
 * One worker of a partitioned pipeline: keeps its leases (`balance` every `leaseMs / 3`), runs one
 * loop per held partition (load, read, process, commit, emit), and the router's loop while it holds
 * the router's lease. Broker errors are retried with backoff, never thrown. `stop()` ends every loop,
 * drops batches not yet committing, waits for commits in flight, and releases the leases.
 * @internal
 */
export class PartitionWorker<T, R> {
  readonly #broker: PartitionBroker
  readonly #s: WorkerSettings<T, R>
  readonly #held = new Map<number, PartitionRun<T>>()
  readonly #sleeps = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: () => void }>()
  readonly #commits = new Set<Promise<unknown>>()
  /** Pipelines of keys whose stored state cannot be read: their entries are dead-lettered, their state left as it is. */
  readonly #broken = new WeakSet<KeyPipeline<T>>()
  #stopped = false
  #router = false
  #routing = false

  constructor(broker: PartitionBroker, settings: WorkerSettings<T, R>) {
    this.#broker = broker
    this.#s = settings
  }

  /** Starts the lease loop (which starts the partition and router loops). */
  start(): void {
    this.#track(this.#balanceLoop())
  }

  /**
   * Stops every loop: no further read or commit, pipelines unsubscribed, the worker's own timers
   * cleared at once. Resolves after the commits in flight settled and the leases were released (one
   * attempt each: a lease not released expires). Loops blocked in a broker read end when the read
   * returns (at most `blockMs`) or when the broker is closed.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    for (const sleep of this.#sleeps) clearTimeout(sleep.timer), sleep.resolve()
    this.#sleeps.clear()
    const runs = [...this.#held.values()]
    for (const run of runs) this.#disposePipelines(run)
    await Promise.allSettled([...this.#commits])
    const releases = runs
      .filter(run => !run.dropped)
      .map(run => this.#broker.release(this.#s.workerId, run.lease).catch(() => undefined))
    await Promise.all(releases)
  }

  /** Whether a commit is in flight (its outputs are not emitted yet). */
  get committing(): boolean {
    return this.#commits.size > 0
  }

  async #balanceLoop(): Promise<void> {
    const period = this.#s.leaseMs / 3
    while (!this.#stopped) {
      try {
        const held = [...this.#held.values()].filter(run => !run.dropped).map(run => run.lease)
        const assignment = await this.#broker.balance(this.#s.workerId, held)
        if (this.#stopped) return
        this.#applyAssignment(assignment.acquired, assignment.lost, assignment.surplus, assignment.leases)
        this.#router = assignment.router
        if (this.#router && !this.#routing) this.#track(this.#routerLoop())
      } catch {
        // a broker error (connection lost): the next round retries; leases last leaseMs meanwhile
      }
      await this.#sleep(period)
    }
  }

  #applyAssignment(
    acquired: readonly number[],
    lost: readonly number[],
    surplus: readonly number[],
    leases: readonly PartitionLease[],
  ): void {
    for (const partition of lost) this.#drop(partition)
    if (lost.length > 0) this.#s.metrics?.countLeaseLoss(this.#s.name, lost.length)
    for (const lease of leases) {
      const run = this.#held.get(lease.partition)
      if (run !== undefined && run.lease.token !== lease.token && !acquired.includes(lease.partition))
        this.#drop(lease.partition)
    }
    for (const partition of acquired) {
      const lease = leases.find(l => l.partition === partition)
      if (lease === undefined) continue
      if (this.#held.has(partition)) this.#drop(partition)
      const run: PartitionRun<T> = {
        lease,
        lastId: '0-0',
        states: new Map(),
        pipelines: new Map(),
        dropped: false,
        surplus: false,
      }
      this.#held.set(partition, run)
      this.#track(this.#partitionLoop(run))
    }
    for (const partition of surplus) {
      const run = this.#held.get(partition)
      if (run !== undefined) run.surplus = true
    }
    if (acquired.length > 0 || lost.length > 0 || surplus.length > 0) this.#s.metrics?.countRebalance(this.#s.name)
  }

  /**
   * Entries per routing round: routing costs a few round trips per round whatever its size, and one
   * router feeds every worker's partitions, so it moves several batches at a time to stay ahead.
   */
  get #routeCount(): number {
    return Math.min(ROUTE_MAX, Math.max(this.#s.batchSize, ROUTE_MIN))
  }

  async #routerLoop(): Promise<void> {
    this.#routing = true
    try {
      while (!this.#stopped && this.#router) {
        const moved = await this.#retry(() => this.#broker.route(this.#s.workerId, this.#routeCount, this.#s.blockMs))
        if (moved === undefined) return
        this.#s.progress()
        if (moved === 0 && this.#s.blockMs === 0) await this.#sleep(IDLE_MS)
      }
    } finally {
      this.#routing = false
    }
  }

  async #partitionLoop(run: PartitionRun<T>): Promise<void> {
    const p = run.lease.partition
    const active = () => !this.#stopped && !run.dropped
    if (!(await this.#reload(run))) return
    while (active()) {
      const entries = await this.#retry(() => this.#broker.read(p, run.lastId, this.#s.batchSize, this.#s.blockMs), run)
      if (entries === undefined || !active()) return
      if (entries.length === 0) {
        this.#s.metrics?.setPartitionLag(this.#s.name, p, 0)
        if (run.surplus) return this.#release(run)
        if (this.#s.blockMs === 0) await this.#sleep(IDLE_MS)
        continue
      }
      this.#s.metrics?.setPartitionLag(this.#s.name, p, Math.max(0, Date.now() - entryIdMs(entries[0].id)))
      let processed: ProcessedBatch<R>
      try {
        processed = this.#process(run, entries)
      } catch (error) {
        return this.#s.fail(error)
      }
      if (!active()) return
      const result = await this.#commit(processed.batch, run)
      if (result === undefined) return
      if (result === 'committed') this.#committed(run, processed, entries.length < this.#s.batchSize)
      else if (result === 'fenced') {
        if (!run.dropped) this.#s.metrics?.countLeaseLoss(this.#s.name)
        return this.#drop(p)
      } else if (!(await this.#reload(run))) return
      if (run.surplus) return this.#release(run)
    }
  }

  /** Loads the partition's checkpoint and clears its pipelines (rebuilt lazily); false when the run ended meanwhile. */
  async #reload(run: PartitionRun<T>): Promise<boolean> {
    this.#disposePipelines(run)
    const checkpoint = await this.#retry(() => this.#broker.load(run.lease.partition), run)
    if (checkpoint === undefined || this.#stopped || run.dropped) return false
    run.lastId = checkpoint.lastId
    run.states = new Map(checkpoint.states)
    return true
  }

  /** Runs a batch through the keys' pipelines, synchronously; throws only for an unusable state (a run error). */
  #process(run: PartitionRun<T>, entries: readonly PartitionEntry[]): ProcessedBatch<R> {
    const p = run.lease.partition
    const outputs: CommittedOutput[] = []
    const emitted: PartitionedOutput<R>[] = []
    const deadLetters: DeadLetter[] = []
    const touched = new Map<string, KeyPipeline<T>>()
    for (const entry of entries) {
      const dead = (reason: string) => deadLetters.push({ id: entry.id, key: entry.key, reason, value: entry.value })
      let value: T
      try {
        value = JSON.parse(entry.value) as T
      } catch (error) {
        dead(`not JSON: ${messageOf(error)}`)
        continue
      }
      const pipeline = this.#pipelineOf(run, entry.key)
      if (!this.#broken.has(pipeline)) touched.set(entry.key, pipeline)
      const result = pipeline.push(value)
      if ('error' in result) {
        dead(`pipeline error: ${messageOf(result.error)}`)
        if (!this.#broken.has(pipeline)) this.#rebuild(run, pipeline)
        continue
      }
      const texts: string[] = []
      try {
        for (const output of result.outputs) texts.push(outputText(output))
      } catch (error) {
        dead(`pipeline error: ${messageOf(error)}`)
        continue
      }
      for (const text of texts) {
        outputs.push({ key: entry.key, value: text, inputId: entry.id })
        emitted.push({ key: entry.key, value: JSON.parse(text) as R, inputId: entry.id, partition: p })
      }
    }
    const states = new Map<string, string | null>()
    for (const [key, pipeline] of touched) states.set(key, (run.pipelines.get(key) ?? pipeline).stateText())
    for (const letter of deadLetters) this.#s.metrics?.countDropped(this.#s.name, reasonLabel(letter.reason))
    const batch: CommitBatch = {
      lease: run.lease,
      previousId: run.lastId,
      lastId: entries[entries.length - 1].id,
      inputIds: entries.map(e => e.id),
      outputs,
      deadLetters,
      states,
    }
    return { batch, emitted }
  }

  /** The live pipeline of `key`, built from its state when missing or finished. */
  #pipelineOf(run: PartitionRun<T>, key: string): KeyPipeline<T> {
    const current = run.pipelines.get(key)
    if (current !== undefined && (!current.finished || this.#broken.has(current))) return current
    let initial: Record<string, SnapshotHeader>
    if (current !== undefined) initial = current.states()
    else
      try {
        initial = parseKeyState(key, run.states.get(key))
      } catch (error) {
        const broken = new KeyPipeline<T>(
          () => {
            throw error
          },
          key,
          run.lease.partition,
          {},
          this.#s.fail,
        )
        this.#broken.add(broken)
        run.pipelines.set(key, broken)
        return broken
      }
    current?.dispose()
    const pipeline = new KeyPipeline<T>(this.#s.pipeline, key, run.lease.partition, initial, this.#s.fail)
    run.pipelines.set(key, pipeline)
    return pipeline
  }

  /** After a pipeline error: a new pipeline from the state at the error (its handles keep it). */
  #rebuild(run: PartitionRun<T>, failed: KeyPipeline<T>): void {
    failed.dispose()
    const pipeline = new KeyPipeline<T>(
      this.#s.pipeline,
      failed.key,
      run.lease.partition,
      failed.states(),
      this.#s.fail,
    )
    run.pipelines.set(failed.key, pipeline)
  }

  /** Commits with retries; undefined when the worker stopped or the partition was dropped first. */
  async #commit(batch: CommitBatch, run: PartitionRun<T>): Promise<CommitResult | undefined> {
    const started = performance.now()
    const commit = this.#retry(() => this.#broker.commit(batch), run, true)
    this.#commits.add(commit)
    const result = await commit.finally(() => this.#commits.delete(commit))
    if (result === 'committed') this.#s.metrics?.observeCommitLatency(this.#s.name, performance.now() - started)
    return result
  }

  /** After a commit: the new position and states, the outputs emitted; a short batch means caught up (lag 0). */
  #committed(run: PartitionRun<T>, { batch, emitted }: ProcessedBatch<R>, short: boolean): void {
    run.lastId = batch.lastId
    if (short) this.#s.metrics?.setPartitionLag(this.#s.name, run.lease.partition, 0)
    for (const [key, state] of batch.states) {
      if (state === null) run.states.delete(key)
      else run.states.set(key, state)
    }
    for (const output of emitted) this.#s.emit(output)
    this.#s.progress()
  }

  async #release(run: PartitionRun<T>): Promise<void> {
    this.#drop(run.lease.partition)
    await this.#retry(() => this.#broker.release(this.#s.workerId, run.lease))
  }

  #drop(partition: number): void {
    const run = this.#held.get(partition)
    if (run === undefined) return
    run.dropped = true
    this.#held.delete(partition)
    this.#disposePipelines(run)
  }

  #disposePipelines(run: PartitionRun<T>): void {
    for (const pipeline of run.pipelines.values()) pipeline.dispose()
    run.pipelines.clear()
  }

  /**
   * Calls `op` until it resolves, backing off after each failure (20 ms doubling up to 2 s). Gives up
   * (undefined) once the worker stops or `run` is dropped; a commit in flight is awaited (`inFlight`)
   * but not retried after a stop.
   */
  async #retry<V>(op: () => Promise<V>, run?: PartitionRun<T>, inFlight = false): Promise<V | undefined> {
    let backoff = BACKOFF_START_MS
    const gone = () => this.#stopped || run?.dropped === true
    for (;;) {
      if (gone()) return undefined
      try {
        const value = await op()
        return inFlight || !gone() ? value : undefined
      } catch {
        await this.#sleep(backoff)
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS)
      }
    }
  }

  /** A pause that `stop()` cuts short. */
  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    return new Promise<void>(resolve => {
      const sleep = {
        timer: setTimeout(() => {
          this.#sleeps.delete(sleep)
          resolve()
        }, ms),
        resolve,
      }
      this.#sleeps.add(sleep)
    })
  }

  #track(loop: Promise<void>): void {
    // a loop ends by itself once the worker stops; an unexpected throw ends the run with it
    loop.catch(error => this.#s.fail(error))
  }
}

/** The JSON text of an output; a `TypeError` when it has none (undefined, a function, a BigInt, a cycle). */
function outputText(output: unknown): string {
  let text: string | undefined
  try {
    text = JSON.stringify(output)
  } catch (error) {
    throw new TypeError(`the output is not JSON: ${messageOf(error)}`)
  }
  if (text === undefined) throw new TypeError(`the output is not JSON: ${String(output)}`)
  return text
}

/**
 * The `reason` label of a dead letter in `dropped_total`: its reason up to the first colon or `, got`
 * (`'not JSON'`, `'pipeline error'`, `'key threw'`, `'key must return a string or a finite number'`),
 * so the label keeps a few values whatever the messages say.
 * @internal
 */
export function reasonLabel(reason: string): string {
  return /^[^:]*?(?=:|, got|$)/.exec(reason)?.[0] || reason
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
