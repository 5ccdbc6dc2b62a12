import { checkFindMatchesInput, type FindMatchesOptions, type Match } from '../compare/findMatches'
import { describeValue } from '../errors'
import { checkOffloadPool, OffloadError, type OffloadPool } from './pool'

const FN = 'findMatchesOffloaded'

/**
 * `findMatches` run by a pool off the caller's thread, for a long archive that would stall the
 * event loop: resolves with exactly the matches `findMatches(series, query, options)` returns.
 * `series` and `query` are copied into `Float64Array`s that are transferred (the caller's arrays
 * stay usable); the pool is acquired for the call and released when it settles.
 *
 * Bad input (the pool, the series, the query, the options, the signal) throws at the call, as
 * `findMatches` would but with messages that start with `findMatchesOffloaded: `. A search that
 * fails in the worker rejects with an `OffloadError` carrying the worker's error; an aborted
 * `signal` rejects with its reason and drops the task (a search already running finishes in its worker, unused).
 *
 * ```ts
 * import { workerPool } from 'midstream/offload'
 * const pool = workerPool({ workers: 2 })
 * const matches = await findMatchesOffloaded(pool, archive, query, { k: 3, band: 0.05 })
 * ```
 * @see findMatches, the search itself; workerPool for the Node pool.
 */
export function findMatchesOffloaded(
  pool: OffloadPool,
  series: ArrayLike<number>,
  query: ArrayLike<number>,
  options: FindMatchesOptions = {},
  signal?: AbortSignal,
): Promise<Match[]> {
  const checked = checkOffloadPool(FN, pool)
  if (checked === undefined) throw new TypeError(`${FN}: pool is required (workerPool() from midstream/offload)`)
  checkFindMatchesInput(FN, series, query, options)
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new TypeError(`${FN}: signal must be an AbortSignal, got ${describeValue(signal)}`)
  const own = Float64Array.from(series)
  const q = Float64Array.from(query)
  const controller = new AbortController()
  const abort = () => controller.abort(signal?.reason)
  if (signal?.aborted) abort()
  signal?.addEventListener('abort', abort, { once: true })
  checked.acquire()
  return checked
    .run(
      { kind: 'findMatches', series: own, query: q, options: { ...options } },
      { transfer: [own.buffer, q.buffer], signal: controller.signal },
    )
    .catch((error: unknown) => {
      throw controller.signal.aborted ? controller.signal.reason : new OffloadError(FN, error)
    })
    .finally(() => {
      signal?.removeEventListener('abort', abort)
      checked.release()
    })
}
