import { Observable, type OperatorFunction } from 'rxjs'
import { checkBand } from '../src/compare/dtw'
import { NormalizedWindowMatcher, prepareNormalized, type WindowMatch } from '../src/compare/normalizedWindowMatcher'
import { Spring } from '../src/compare/spring'
import { describeValue } from '../src/errors'
import { subscribeLinked } from './subscribeLinked'

/** A query: numbers, or vectors of one dimension (vectors only without `normalize`). */
export type DtwQuery = ArrayLike<number> | ArrayLike<ArrayLike<number>>

/** One match of one pattern, emitted once it is final. */
export interface DtwMatchEvent {
  /** The pattern's key in the record, or `'query'` for a single query. */
  pattern: string
  /** Index of the first matching element (0-based, counting the elements that reached the matcher). */
  start: number
  /** Index of the last matching element, inclusive. */
  end: number
  /** DTW distance (accumulated cost; between z-normalised sequences with `normalize`). */
  distance: number
  /** With `time`: the time of the first matching element. */
  startTime?: number
  /** With `time`: the time of the last matching element. */
  endTime?: number
}

export interface DtwMatchOptions<T> {
  /** Largest DTW distance that counts as a match (> 0, finite). Required. */
  threshold: number
  /** With `normalize` only: Sakoe-Chiba half-width, in samples or as a fraction in (0, 1) of the pattern length. Default none. */
  band?: number
  /** Match the shape (z-normalised windows of the pattern's length) rather than raw values (SPRING). Default false. */
  normalize?: boolean
  /** Per-element cost: `'squared'` (default) or `'absolute'`. */
  cost?: 'squared' | 'absolute'
  /** The number or vector to match in each event. Default: the event itself. */
  select?: (event: T) => number | ArrayLike<number>
  /** The time of each event (ms), reported as `startTime`/`endTime`. Default: no times. */
  time?: (event: T) => number
  /** An element that is not a finite number/vector of the patterns' dimension (or has a non-finite time): `'error'` (default) or `'skip'`. */
  onInvalid?: 'error' | 'skip'
  /** Called with the source index and value of each skipped element (count them here). */
  onSkip?: (index: number, value: unknown) => void
}

/** What the operator needs from a kernel: SPRING, or the z-normalised window matcher below. */
interface Matcher {
  push(x: number | ArrayLike<number>, time: number): WindowMatch | null
  flush(): WindowMatch | null
}

/**
 * Finds time-warped occurrences of one or more patterns in a stream of numbers or vectors.
 *
 * Without `normalize`, one SPRING kernel per pattern (`Spring`, O(pattern length) per element):
 * non-overlapping subsequences of any length whose DTW distance to the pattern is at most
 * `threshold`, each the best of its overlapping group. With `normalize: true`, windows of the
 * pattern's length are z-normalised and compared with the z-normalised pattern (LB_Kim, then
 * LB_Keogh, then early-abandoning banded DTW); among overlapping windows under the threshold only
 * the best is emitted. Numbers only in that mode, patterns of length >= 2; a window whose
 * standard deviation is below 1e-8 * max(1, |mean|) counts as flat and becomes all zeros.
 * A single query is reported as pattern `'query'`.
 *
 * Emits: a `DtwMatchEvent` when a match becomes final (usually a few elements after its end),
 * per element in pattern order; matches of one pattern never overlap. On completion the pending
 * matches are flushed, then it completes; source errors pass through (pending matches dropped).
 * Bad input: an element (from `select`) that is not a finite number or vector of the right
 * dimension, or a non-finite `time`, errors the stream with a `TypeError` naming its source index;
 * with `onInvalid: 'skip'` it is dropped and reported to `onSkip` (indices in matches then count
 * only the elements kept). A throwing `select`/`time`/`onSkip` errors the stream. Bad patterns or
 * options throw at call time.
 *
 * ```ts
 * telemetry$.pipe(dtwMatch({ spike: [0, 3, 9, 3, 0] }, { threshold: 4, select: (e) => e.cpu, time: (e) => e.ts }))
 * prices$.pipe(dtwMatch(headAndShoulders, { threshold: 2, normalize: true, band: 0.1 }))
 * ```
 */
export function dtwMatch<T = number | ArrayLike<number>>(
  patterns: DtwQuery | Record<string, DtwQuery>,
  options: DtwMatchOptions<T>,
): OperatorFunction<T, DtwMatchEvent> {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`dtwMatch needs options with a threshold, got ${describeValue(options)}`)
  const { threshold, band, normalize = false, cost = 'squared', select, time, onInvalid = 'error', onSkip } = options
  if (typeof threshold !== 'number' || !(threshold > 0) || threshold === Infinity) {
    throw new RangeError(`dtwMatch: threshold must be a finite number > 0, got ${describeValue(threshold)}`)
  }
  if (typeof normalize !== 'boolean')
    throw new TypeError(`dtwMatch: normalize must be a boolean, got ${describeValue(normalize)}`)
  if (cost !== 'squared' && cost !== 'absolute')
    throw new RangeError(`dtwMatch: cost must be 'squared' or 'absolute', got ${describeValue(cost)}`)
  if (onInvalid !== 'error' && onInvalid !== 'skip')
    throw new RangeError(`dtwMatch: onInvalid must be 'error' or 'skip', got ${describeValue(onInvalid)}`)
  for (const [name, f] of [
    ['select', select],
    ['time', time],
    ['onSkip', onSkip],
  ] as const) {
    if (f !== undefined && typeof f !== 'function')
      throw new TypeError(`dtwMatch: ${name} must be a function, got ${describeValue(f)}`)
  }
  checkBand(band, 'dtwMatch: ')
  const named = namedPatterns(patterns)
  // a kernel per pattern built once now, so that a bad pattern throws at call time
  const dimension = new Spring(named[0][1], { epsilon: threshold }).dimension
  const makers = named.map(([name, query]): (() => Matcher) => {
    const dim = new Spring(query, { epsilon: threshold }).dimension
    if (dim !== dimension)
      throw new RangeError(`dtwMatch: pattern ${JSON.stringify(name)} has dimension ${dim}, the first ${dimension}`)
    if (!normalize) return () => new Spring(query, { epsilon: threshold, cost, timed: time !== undefined })
    const prepared = prepareNormalized(name, query, band, cost, threshold)
    return () => new NormalizedWindowMatcher(prepared)
  })
  const names = named.map(([name]) => name)
  const timed = time !== undefined

  return source =>
    new Observable<DtwMatchEvent>(subscriber => {
      let matchers: Matcher[] = makers.map(make => make())
      let index = 0

      const emit = (k: number, found: WindowMatch): void => {
        const event: DtwMatchEvent = { pattern: names[k], start: found.start, end: found.end, distance: found.distance }
        if (timed) {
          event.startTime = found.startTime
          event.endTime = found.endTime
        }
        subscriber.next(event)
      }

      const subscription = subscribeLinked(subscriber, source, {
        next(event) {
          const i = index++
          let value: unknown
          let at = 0
          try {
            value = select === undefined ? event : select(event)
            if (timed) at = time(event)
          } catch (error) {
            subscriber.error(error)
            return
          }
          const problem =
            invalid(value, dimension) ??
            (timed && (typeof at !== 'number' || !Number.isFinite(at)) ? `has time ${describeValue(at)}` : null)
          if (problem !== null) {
            if (onInvalid === 'error') {
              subscriber.error(new TypeError(`dtwMatch: element #${i} ${problem}`))
              return
            }
            try {
              onSkip?.(i, value)
            } catch (error) {
              subscriber.error(error)
            }
            return
          }
          for (let k = 0; k < matchers.length; k++) {
            if (subscriber.closed) return
            let found: WindowMatch | null
            try {
              found = matchers[k].push(value as number | ArrayLike<number>, at)
            } catch (error) {
              subscriber.error(error) // not expected: the value was checked above
              return
            }
            if (found !== null) emit(k, found)
          }
        },
        error: error => subscriber.error(error),
        complete() {
          for (let k = 0; k < matchers.length; k++) {
            if (subscriber.closed) return
            const found = matchers[k].flush()
            if (found !== null) emit(k, found)
          }
          subscriber.complete()
        },
      })

      return () => {
        subscription.unsubscribe()
        matchers = []
      }
    })
}

function namedPatterns(patterns: unknown): Array<[string, DtwQuery]> {
  if (patterns === null || typeof patterns !== 'object')
    throw new TypeError(`dtwMatch: patterns must be a query or a record of queries, got ${describeValue(patterns)}`)
  if (typeof (patterns as ArrayLike<unknown>).length === 'number') return [['query', patterns as DtwQuery]]
  const entries = Object.entries(patterns as Record<string, DtwQuery>)
  if (entries.length === 0) throw new RangeError('dtwMatch: the record of patterns is empty')
  for (const [name, query] of entries) {
    if (query === null || typeof query !== 'object' || typeof query.length !== 'number') {
      throw new TypeError(
        `dtwMatch: pattern ${JSON.stringify(name)} must be an array of numbers or vectors, got ${describeValue(query)}`,
      )
    }
  }
  return entries
}

/** Why `value` cannot be matched (a phrase after "element #i"), or null when it can. */
function invalid(value: unknown, dimension: number): string | null {
  if (dimension === 0)
    return typeof value === 'number' && Number.isFinite(value)
      ? null
      : `must be a finite number, got ${describeValue(value)}`
  if (value === null || typeof value !== 'object' || (value as ArrayLike<number>).length !== dimension) {
    return `must be a vector of dimension ${dimension}, got ${describeValue(value)}`
  }
  for (let k = 0; k < dimension; k++) {
    const v = (value as ArrayLike<number>)[k]
    if (typeof v !== 'number' || !Number.isFinite(v))
      return `has component ${k} = ${describeValue(v)}, not a finite number`
  }
  return null
}
