import { Observable, type OperatorFunction } from 'rxjs'
import { checkBand } from '../src/compare/dtw'
import { NormalizedWindowMatcher, prepareNormalized, type WindowMatch } from '../src/compare/normalizedWindowMatcher'
import { flattenQuery, Spring } from '../src/compare/spring'
import { describeValue } from '../src/errors'
import { checkBoolean, checkOneOf, checkOptions, checkPositive } from '../src/validate'
import { checkElementOptions, ELEMENT_OPTIONS, ElementReader, type ElementSettings } from './internal/elementReader'
import { subscribeLinked } from './internal/subscribeLinked'

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

/** Options of `dtwMatch`; an unknown name is a `TypeError` at call time. */
export interface DtwMatchOptions<T> {
  /** Largest DTW distance that counts as a match (> 0, finite; the epsilon of Sakurai et al. 2007). Required. */
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
 *
 * `threshold` is the epsilon of Sakurai et al. (2007), the same option as `Spring`'s.
 * @see Spring, the kernel per pattern; findMatches for a series at rest; dtw.
 */
export function dtwMatch<T = number | ArrayLike<number>>(
  patterns: DtwQuery | Record<string, DtwQuery>,
  options: DtwMatchOptions<T>,
): OperatorFunction<T, DtwMatchEvent> {
  const { makers, names, dimension, elements } = resolveDtwMatch(patterns, options)
  const invalidElement = (value: unknown): string | null => invalid(value, dimension)

  return source =>
    new Observable<DtwMatchEvent>(subscriber => {
      let matchers: Matcher[] = makers.map(make => make())
      const reader = new ElementReader(FN, elements, subscriber, invalidElement)

      const emit = (k: number, found: WindowMatch): void => {
        const event: DtwMatchEvent = { pattern: names[k], start: found.start, end: found.end, distance: found.distance }
        if (elements.timed) {
          event.startTime = found.startTime
          event.endTime = found.endTime
        }
        subscriber.next(event)
      }

      const subscription = subscribeLinked(subscriber, source, {
        next(event) {
          if (!reader.read(event)) return
          const value = reader.value as number | ArrayLike<number>
          for (let k = 0; k < matchers.length; k++) {
            if (subscriber.closed) return
            let found: WindowMatch | null
            try {
              found = matchers[k].push(value, reader.time)
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

const FN = 'dtwMatch'
const DTW_MATCH_OPTIONS = ['threshold', 'band', 'normalize', 'cost', ...ELEMENT_OPTIONS]
const COSTS = ['squared', 'absolute'] as const

/** Everything `dtwMatch` settles at call time: a kernel factory per pattern, and the element options. */
function resolveDtwMatch<T>(
  patterns: DtwQuery | Record<string, DtwQuery>,
  options: DtwMatchOptions<T>,
): { makers: Array<() => Matcher>; names: string[]; dimension: number; elements: ElementSettings<T> } {
  checkOptions(FN, options, DTW_MATCH_OPTIONS, true)
  const threshold = checkPositive(FN, 'threshold', options.threshold)
  const normalize = checkBoolean(FN, 'normalize', options.normalize ?? false)
  const cost = checkOneOf(FN, 'cost', options.cost ?? 'squared', COSTS)
  const elements = checkElementOptions(FN, options)
  const { band } = options
  checkBand(FN, band)
  const named = namedPatterns(patterns)
  const single = typeof (patterns as ArrayLike<unknown>).length === 'number'
  let dimension = -1
  const makers = named.map(([name, query]): (() => Matcher) => {
    // checked now, so that a bad pattern throws at call time
    const dim = flattenQuery(FN, single ? 'query' : `patterns[${JSON.stringify(name)}]`, query).dimension
    if (dimension < 0) dimension = dim
    else if (dim !== dimension)
      throw new RangeError(`${FN}: pattern ${JSON.stringify(name)} has dimension ${dim}, the first ${dimension}`)
    if (!normalize) return () => new Spring(query, { threshold, cost, timed: elements.timed })
    const prepared = prepareNormalized(name, query, band, cost, threshold)
    return () => new NormalizedWindowMatcher(prepared)
  })
  return { makers, names: named.map(([name]) => name), dimension, elements }
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
