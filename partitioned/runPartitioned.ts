import { from, Observable, type ObservableInput, type Subscription } from 'rxjs'
import { createRedisBroker } from '../redis/broker'
import { checkRedisConnection, openRedis, type RedisConnection } from '../redis/connection'
import type { MidstreamMetrics } from '../sinks/metrics'
import { describeValue } from '../src/errors'
import { checkFunction, checkInteger, checkNumber, checkOptions, checkString } from '../src/validate'
import type { PartitionBroker } from './broker'
import type { KeyPipelineFactory } from './keyPipeline'
import { MemoryBroker } from './memoryBroker'
import { type PartitionedOutput, PartitionWorker, reasonLabel } from './runner'

/** `runPartitioned`'s options; an unknown name is a `TypeError` at call time. */
export interface RunPartitionedOptions<T, R> {
  /**
   * The Redis server (a `redis://` / `rediss://` URL, `{ rootNodes }` of a Redis Cluster, or a node-redis
   * client): the partitions then live there and any number of workers, in any process, share them.
   * Leave it out to run in-process.
   */
  redis?: RedisConnection
  /** The pipeline's name: part of every stream and key it owns (no `{` or `}`). Also the metrics' `pipeline` label. */
  name: string
  /**
   * In-process (no `redis`, no `broker`): the values, any `ObservableInput` (array, Observable, async
   * iterable); the run completes when it completed and every value was committed. With `redis` or
   * `broker`: the name of the input stream users append to (an entry's `value` field holds the value as
   * JSON, as `redisSink` writes it), and the run lasts until unsubscribed.
   */
  input: ObservableInput<T> | string
  /** How many partitions (an integer in [1, 16384]; fixed for a name). */
  partitions: number
  /** The key of a value (a string or a finite number); each key gets its own pipeline and state. */
  key: (value: T) => string | number
  /** The pipeline of one key, called once per key (again after it errors or completes); must be synchronous and deterministic. */
  pipeline: KeyPipelineFactory<T, R>
  /** The output stream's base name (partition `p` writes `<output>:{<name>:<p>}`). */
  output: string
  /** Entries per batch, and per commit (an integer in [1, 100000]). Default 100. */
  batchSize?: number
  /** How long a partition's lease lasts without renewal, in ms (>= 1); renewed every `leaseMs / 3`. Default 10 000. */
  leaseMs?: number
  /** How long a read waits for entries, in ms (>= 0). Default `min(1000, leaseMs / 3)`. */
  blockMs?: number
  /** This worker's name among the workers of the pipeline. Default: the name and a random UUID. */
  workerId?: string
  /** Collectors from `metrics()` (`midstream/sinks`): lag, commit latency, rebalances, lease losses, dead letters. */
  metrics?: MidstreamMetrics
  /** A broker to run on (shared by several workers); the run then never completes by itself, and does not close it. */
  broker?: PartitionBroker
}

export type { KeyPipelineFactory, PartitionContext } from './keyPipeline'
export type { PartitionedOutput } from './runner'

const FN = 'runPartitioned'
const OPTIONS = [
  'redis',
  'name',
  'input',
  'partitions',
  'key',
  'pipeline',
  'output',
  'batchSize',
  'leaseMs',
  'blockMs',
  'workerId',
  'metrics',
  'broker',
]
const BROKER_METHODS = ['balance', 'release', 'load', 'read', 'commit', 'route', 'close']
const METRICS_METHODS = ['setPartitionLag', 'observeCommitLatency', 'countRebalance', 'countLeaseLoss', 'countDropped']

/**
 * Runs `pipeline(values$, ctx)` once per key over a stream split into `partitions` partitions, with
 * each key's state (the `ctx.state(name)` handles) committed together with the outputs and the input
 * position, batch by batch: a worker that takes a partition over resumes from the last commit, so the
 * committed outputs are exactly those of one uninterrupted run (Kafka Streams' keyed state, with
 * exactly-once output).
 *
 * Subscribing runs a worker. Emits `{ key, value, inputId, partition }` for each output, after the
 * batch that produced it was committed (in-process: every output; with a shared broker: the outputs
 * of the partitions this worker held). With `redis`, every worker started with the same `name`, in
 * any process on any machine, shares the partitions through leases (a worker that stops or dies
 * hands its partitions over within about `leaseMs`); a connection or broker error is retried, so
 * a run rides out a Redis restart. Without `redis` or `broker` the values of `input` go through an
 * in-process broker and the Observable completes when `input` completed and everything was
 * committed; with `redis` or `broker` it runs until unsubscribed. Unsubscribing stops reading, drops the batch
 * not yet committing, releases the leases and closes the broker it opened. The broker's output
 * stream is the record: a worker emits what it committed, but a commit that landed while its reply
 * was lost and the lease moved on is in the output stream without being emitted by anyone.
 * Lag (`partition_lag_seconds`) is this machine's clock minus the ms part of the oldest entry not
 * yet committed, so it assumes clocks in step with the broker's ids.
 *
 * Pipelines must be synchronous, deterministic functions of their input (event time from the data,
 * seeded randomness): an output emitted at any other moment than while a value is pushed (a timer, a
 * delay) errors the run with a `TypeError` saying so. Bad entries do not stop the run: a value that
 * is not JSON, or whose pipeline errors (the pipeline is then rebuilt from its state at the error),
 * goes to the dead letters with the reason and counts in `dropped_total` (in-process, the router's
 * dead letters too: not JSON, a `key` that throws or gives neither a string nor a number). Broker errors
 * are retried with backoff. Bad options throw a `TypeError`/`RangeError` naming the option and value.
 *
 * ```ts
 * // the same pipeline in every worker process; add workers to go faster, kill any of them
 * runPartitioned({
 *   redis: 'redis://127.0.0.1:6379', name: 'orders', input: 'orders', partitions: 8, output: 'totals',
 *   key: o => o.user, pipeline: (orders$, ctx) => orders$.pipe(checkpointedScan((sum, o) => sum + o.amount, 0, { state: ctx.state('sum') })),
 * }).subscribe()
 * // in-process, on an array (the same code without a server):
 * runPartitioned({
 *   name: 'orders', input: orders, partitions: 8, output: 'totals', key: o => o.user,
 *   pipeline: (orders$, ctx) => orders$.pipe(checkpointedScan((sum, o) => sum + o.amount, 0, { state: ctx.state('sum') })),
 * }).subscribe(({ key, value }) => console.log(key, value))
 * ```
 */
export function runPartitioned<T, R>(options: RunPartitionedOptions<T, R>): Observable<PartitionedOutput<R>> {
  const o = checkRunOptions(options)
  return new Observable<PartitionedOutput<R>>(subscriber => {
    const memory =
      o.broker === undefined && o.redis === undefined
        ? new MemoryBroker({
            name: o.name,
            input: 'input',
            output: o.output,
            partitions: o.partitions,
            key: o.key as (value: unknown) => string | number,
            leaseMs: o.leaseMs,
            onDeadLetter: letter => o.metrics?.countDropped(o.name, reasonLabel(letter.reason)),
          })
        : undefined
    let inputDone = false
    let worker: PartitionWorker<T, R> | undefined
    const start = (broker: PartitionBroker): void => {
      const running = new PartitionWorker<T, R>(broker, {
        name: o.name,
        workerId: o.workerId,
        pipeline: o.pipeline,
        batchSize: o.batchSize,
        leaseMs: o.leaseMs,
        blockMs: o.blockMs,
        metrics: o.metrics,
        emit: output => subscriber.next(output),
        fail: error => subscriber.error(error),
        progress: () => {
          // every entry committed, and every commit's reply in (its outputs emitted)
          if (inputDone && memory !== undefined && memory.pending() === 0 && !running.committing) subscriber.complete()
        },
      })
      worker = running
      running.start()
    }
    let feed: Subscription | undefined
    let ownBroker: Promise<PartitionBroker | undefined> | undefined
    if (memory !== undefined) {
      ownBroker = Promise.resolve(memory)
      feed = from(options.input as ObservableInput<T>).subscribe({
        next: value => memory.append(value),
        error: error => subscriber.error(error),
        complete: () => {
          inputDone = true
          if (memory.pending() === 0) subscriber.complete()
        },
      })
      if (!subscriber.closed) start(memory)
    } else if (o.redis !== undefined) {
      ownBroker = openRedisBroker(o).then(
        broker => {
          if (!subscriber.closed) start(broker)
          return broker
        },
        (error: unknown) => {
          subscriber.error(error)
          return undefined
        },
      )
    } else start(o.broker as PartitionBroker)
    return () => {
      feed?.unsubscribe()
      const stopped = worker?.stop() ?? Promise.resolve()
      // a broker this run opened is closed once the worker has released its leases
      if (ownBroker !== undefined)
        void Promise.all([stopped, ownBroker]).then(([, broker]) => broker?.close().catch(() => undefined))
    }
  })
}

/** Connects to Redis and builds the broker of the run's pipeline (closing the connection if that fails). */
async function openRedisBroker<T, R>(o: ReturnType<typeof checkRunOptions<T, R>>): Promise<PartitionBroker> {
  const link = await openRedis(FN, o.redis as RedisConnection)
  try {
    return await createRedisBroker(link, {
      name: o.name,
      input: o.input as string,
      output: o.output,
      partitions: o.partitions,
      key: o.key as (value: unknown) => string | number,
      leaseMs: o.leaseMs,
    })
  } catch (error) {
    await link.close().catch(() => undefined)
    throw error
  }
}

/** The options checked, with defaults. */
function checkRunOptions<T, R>(options: RunPartitionedOptions<T, R>) {
  checkOptions(FN, options, OPTIONS, true)
  const name = checkString(FN, 'name', options.name)
  if (/[{}]/.test(name))
    throw new RangeError(`${FN}: name must not contain { or } (it is a hash tag), got ${describeValue(name)}`)
  const partitions = checkInteger(FN, 'partitions', options.partitions, { min: 1, max: 16384 })
  const key = checkFunction<(value: T) => string | number>(FN, 'key', options.key, false) as (
    value: T,
  ) => string | number
  const pipeline = checkFunction<KeyPipelineFactory<T, R>>(
    FN,
    'pipeline',
    options.pipeline,
    false,
  ) as KeyPipelineFactory<T, R>
  const output = checkString(FN, 'output', options.output)
  const batchSize = checkInteger(FN, 'batchSize', options.batchSize ?? 100, { min: 1, max: 100_000 })
  const leaseMs = checkNumber(FN, 'leaseMs', options.leaseMs ?? 10_000, { min: 1 })
  const blockMs = checkNumber(FN, 'blockMs', options.blockMs ?? Math.min(1000, leaseMs / 3), { min: 0 })
  const workerId = checkString(FN, 'workerId', options.workerId ?? `${name}-${globalThis.crypto.randomUUID()}`)
  const { broker, metrics, input } = options
  const redis = options.redis === undefined ? undefined : checkRedisConnection(FN, options.redis)
  if (redis !== undefined && broker !== undefined) throw new TypeError(`${FN}: give redis or broker, not both`)
  if (metrics !== undefined && !hasMethods(metrics, METRICS_METHODS))
    throw new TypeError(`${FN}: metrics must come from metrics() (midstream/sinks), got ${describeValue(metrics)}`)
  if (redis !== undefined) checkString(FN, 'input (the input stream name, with redis)', input)
  else if (broker !== undefined) {
    if (!hasMethods(broker, BROKER_METHODS))
      throw new TypeError(
        `${FN}: broker must be a PartitionBroker (${BROKER_METHODS.join(', ')}), got ${describeValue(broker)}`,
      )
    if (broker.partitions !== partitions)
      throw new RangeError(`${FN}: partitions is ${partitions} but the broker has ${describeValue(broker.partitions)}`)
    checkString(FN, 'input (the input stream name, with broker)', input)
  } else if (typeof input === 'string')
    throw new TypeError(
      `${FN}: input ${describeValue(input)} is a stream name, which needs redis or broker; in-process, give the values (an array, an Observable, an async iterable)`,
    )
  else
    try {
      from(input)
    } catch {
      throw new TypeError(
        `${FN}: input must be the values (an array, an Observable, an async iterable), got ${describeValue(input)}`,
      )
    }
  return {
    name,
    partitions,
    key,
    pipeline,
    output,
    batchSize,
    leaseMs,
    blockMs,
    workerId,
    metrics,
    broker,
    redis,
    input,
  }
}

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return (
    value !== null &&
    typeof value === 'object' &&
    methods.every(m => typeof (value as Record<string, unknown>)[m] === 'function')
  )
}
