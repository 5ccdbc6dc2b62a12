import { availableParallelism } from 'node:os'
import type { Tinypool as TinypoolType } from 'tinypool'
import { requirePeers } from '../sources/peers/require'
import { describeValue } from '../src/errors'
import type { OffloadPool, OffloadResults, OffloadRunOptions, OffloadTask } from '../src/offload/pool'
import { checkInteger, checkOptions } from '../src/validate'

// tinypool rather than piscina (bench/workerPools.ts, same run, 2 vCPU): half the startup (136 against
// 287 ms for one thread, 210 against 470 for two), the same cost per task with a transferred
// Float64Array (~55 us round trip), and 100 KB installed against 1.36 MB with piscina's native helper.
const [{ Tinypool }] = requirePeers<[typeof import('tinypool')]>('midstream/offload', ['tinypool'])

// The built package runs dist/offload-worker.js (next to this module once bundled). From the
// TypeScript sources (tests, benchmarks) a worker thread cannot load .ts by itself: worker.source.mjs
// registers tsx in the thread and loads worker.ts, the same code the built worker bundles.
const WORKER = import.meta.url.endsWith('.ts')
  ? new URL('./worker.source.mjs', import.meta.url).href
  : new URL('./offload-worker.js', import.meta.url).href

const FN = 'workerPool'
// a thread inherits the process's Node options, but --input-type (node --input-type=module -e ...) is
// refused for a worker's script file
const WORKER_EXEC_ARGV = process.execArgv.filter(arg => !arg.startsWith('--input-type'))

/** Options of `workerPool`; an unknown name is a `TypeError`. */
export interface WorkerPoolOptions {
  /** Worker threads (an integer >= 1). Default: the cores less one, at least 1. */
  readonly workers?: number
}

/** How much a `workerPool` has done, for tests and dashboards. */
export interface WorkerPoolStats {
  /** Subscriptions and calls holding the pool. */
  readonly users: number
  /** Worker threads running now (0 while no one holds the pool). */
  readonly threads: number
  /** Tasks waiting for a thread. */
  readonly queued: number
  /** Tasks finished by the threads of this pool since it was made (across openings). */
  readonly completed: number
}

/** A pool of worker threads that `attractorWindow` (option `offload`) and `findMatchesOffloaded` run analyses in. */
export interface WorkerPool extends OffloadPool {
  /** Threads the pool runs while it has users. */
  readonly workers: number
  /** Users, threads, queue and finished tasks now. */
  stats(): WorkerPoolStats
}

/**
 * A pool of worker threads (tinypool) for midstream's heavy analyses, to give as `offload` to
 * `attractorWindow` or to `findMatchesOffloaded`: the analysis runs in a worker while the event
 * loop carries on. One pool can serve any number of operators and calls; its threads start when
 * the first user acquires it (a subscription, a call) and are closed when the last one releases it,
 * so the process can exit, and start again with the next user. Tasks carry `Float64Array`s, which
 * are transferred to the worker, not copied.
 *
 * Node only (`midstream/offload`); `tinypool` is an optional peer dependency: without it, importing
 * this entry throws a `MissingPeerError` saying `npm install tinypool`. Bad options throw a
 * `TypeError` or `RangeError` naming the value.
 *
 * ```ts
 * import { attractorWindow } from 'midstream'
 * import { workerPool } from 'midstream/offload'
 * const pool = workerPool({ workers: 2 })
 * sensor$.pipe(attractorWindow({ window: 500, hop: 250, offload: pool })).subscribe(report)
 * ```
 * @see attractorWindow's `offload` option, findMatchesOffloaded.
 */
export function workerPool(options: WorkerPoolOptions = {}): WorkerPool {
  checkOptions(FN, options, ['workers'])
  const workers = checkInteger(FN, 'workers', options.workers ?? Math.max(1, availableParallelism() - 1), {
    min: 1,
  })
  let pool: TinypoolType | null = null
  let users = 0
  let completedBefore = 0 // tasks finished by threads already closed
  const queue = new TaskQueue(workers)
  return {
    workers,
    acquire() {
      users++
      pool ??= new Tinypool({ filename: WORKER, minThreads: workers, maxThreads: workers, execArgv: WORKER_EXEC_ARGV })
      queue.pool = pool
    },
    release() {
      if (users === 0) throw new Error(`${FN}: release() without a matching acquire()`)
      if (--users > 0 || pool === null) return
      const closing = pool
      pool = null
      queue.pool = null
      completedBefore += closing.completed
      // stops the threads; the tasks of the users that released the pool were cancelled by them
      closing.destroy().catch(() => undefined)
    },
    run<K extends OffloadTask['kind']>(
      task: Extract<OffloadTask, { kind: K }>,
      { transfer, signal }: OffloadRunOptions,
    ): Promise<OffloadResults[K]> {
      if (pool === null)
        return Promise.reject(new Error(`${FN}: run() while no one holds the pool (call acquire() first)`))
      if (typeof task !== 'object' || task === null)
        return Promise.reject(new TypeError(`${FN}: a task must be an object, got ${describeValue(task)}`))
      return queue.run(task, [...transfer], signal) as Promise<OffloadResults[K]>
    },
    stats() {
      return {
        users,
        threads: pool?.threads.length ?? 0,
        queued: queue.waiting,
        completed: completedBefore + (pool?.completed ?? 0),
      }
    },
  }
}

interface QueuedTask {
  readonly task: OffloadTask
  readonly transfer: ArrayBuffer[]
  readonly signal: AbortSignal
  settle(error: unknown, result?: unknown): void
}

/**
 * The pool's own queue in front of tinypool: at most one task per thread is handed to tinypool, so
 * a cancelled task still waiting is simply dropped here, and one already running is left to finish
 * (its result discarded). Aborting a running task in tinypool would terminate its thread, which
 * costs a new thread's startup and fails tasks that other users just sent to it.
 */
class TaskQueue {
  pool: TinypoolType | null = null
  private readonly queued: QueuedTask[] = []
  private running = 0

  constructor(private readonly threads: number) {}

  get waiting(): number {
    return this.queued.length
  }

  run(task: OffloadTask, transfer: ArrayBuffer[], signal: AbortSignal): Promise<unknown> {
    if (signal.aborted) return Promise.reject(signal.reason)
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.queued.indexOf(entry)
        if (at >= 0) this.queued.splice(at, 1)
        entry.settle(signal.reason)
      }
      let settled = false
      const entry: QueuedTask = {
        task,
        transfer,
        signal,
        settle(error, result) {
          if (settled) return
          settled = true
          signal.removeEventListener('abort', onAbort)
          if (error === undefined) resolve(result)
          else reject(error)
        },
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.queued.push(entry)
      this.pump()
    })
  }

  private pump(): void {
    while (this.running < this.threads && this.queued.length > 0 && this.pool !== null) {
      const entry = this.queued.shift() as QueuedTask
      this.running++
      this.pool
        .run(entry.task, { transferList: entry.transfer })
        .then(
          result => entry.settle(undefined, result),
          error => entry.settle(error ?? new Error(`${FN}: a task failed without an error`)),
        )
        .finally(() => {
          this.running--
          this.pump()
        })
    }
  }
}
