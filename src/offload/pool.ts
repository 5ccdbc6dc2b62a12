/**
 * What midstream needs of a pool that runs analyses off the caller's thread, so the core stays
 * browser-safe: the operators and `findMatchesOffloaded` take any `OffloadPool`; `midstream/offload`
 * (Node only) makes one from worker threads (`workerPool`). A task is a plain object with
 * `Float64Array`s that the pool transfers, never JSON.
 */

import type { WindowAnalysis, WindowAnalysisInput } from '../attractor/windowAnalysis'
import type { FindMatchesOptions, Match } from '../compare/findMatches'
import { describeValue } from '../errors'

/** One window of `attractorWindow`, analysed by `analyseWindow`. */
export interface AttractorWindowTask {
  /** Always `'attractorWindow'`. */
  readonly kind: 'attractorWindow'
  /** The window's values, oldest first (transferred). */
  readonly values: Float64Array
  /** What the analysis needs besides the values. */
  readonly input: WindowAnalysisInput
}

/** A `findMatches` search over a series at rest. */
export interface FindMatchesTask {
  /** Always `'findMatches'`. */
  readonly kind: 'findMatches'
  /** The searched series (transferred). */
  readonly series: Float64Array
  /** The query (transferred). */
  readonly query: Float64Array
  /** The search's options. */
  readonly options: FindMatchesOptions
}

/** The tasks a pool runs, one kind per offloadable analysis. */
export type OffloadTask = AttractorWindowTask | FindMatchesTask

/** The result of each task kind. */
export interface OffloadResults {
  /** A window's report and the embedding carried on. */
  readonly attractorWindow: WindowAnalysis
  /** What `findMatches` returns. */
  readonly findMatches: Match[]
}

/** How a task is sent: the buffers to transfer, and a signal that cancels it (queued: dropped; running: abandoned, the promise rejecting at once). */
export interface OffloadRunOptions {
  /** Buffers of the task to transfer (they are detached here). */
  readonly transfer: readonly ArrayBuffer[]
  /** Cancels the task. */
  readonly signal: AbortSignal
}

/**
 * A pool that runs analyses off the caller's thread, shared by the operators it is given to.
 * Each user (a subscription, a call) calls `acquire()` before its first task and `release()`
 * once done; the pool keeps its threads while it has users and closes them when the last one
 * releases, so the process can exit. `run` resolves with the task's result or rejects with the
 * error the task threw (or an abort error once its signal aborts).
 */
export interface OffloadPool {
  /** Registers a user: the pool starts its threads for the first one. */
  acquire(): void
  /** Unregisters a user: the last one's release closes the threads. */
  release(): void
  /** Runs `task` off this thread: resolves with its result, rejects with its error or the abort reason. */
  run<K extends OffloadTask['kind']>(
    task: Extract<OffloadTask, { kind: K }>,
    options: OffloadRunOptions,
  ): Promise<OffloadResults[K]>
}

/**
 * The error of an analysis that failed off the thread: the worker's error, its name and message
 * kept in this one's message and the error itself as `cause`.
 */
export class OffloadError extends Error {
  /** The error's name, for logs and `instanceof`-free checks. */
  override readonly name = 'OffloadError'
  constructor(
    /** The public name of what offloaded the analysis, which starts the message. */
    readonly caller: string,
    cause: unknown,
  ) {
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : describeValue(cause)
    super(`${caller}: the analysis in a worker failed: ${what}`, { cause })
  }
}

/** Checks an `offload` option at call time: an `OffloadPool` or `undefined`. */
export function checkOffloadPool(fn: string, pool: unknown): OffloadPool | undefined {
  if (pool === undefined) return undefined
  const p = pool as Partial<OffloadPool> | null
  if (
    p !== null &&
    typeof p === 'object' &&
    typeof p.acquire === 'function' &&
    typeof p.release === 'function' &&
    typeof p.run === 'function'
  )
    return pool as OffloadPool
  throw new TypeError(
    `${fn}: offload must be a pool with acquire, release and run (workerPool() from midstream/offload), got ${describeValue(pool)}`,
  )
}
