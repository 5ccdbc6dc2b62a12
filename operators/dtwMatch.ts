import { Observable, type OperatorFunction } from 'rxjs'
import { checkBand } from '../src/compare/dtw'
import {
  NormalizedWindowMatcher,
  type NormalizedWindowMatcherSnapshot,
  prepareNormalized,
  type WindowMatch,
} from '../src/compare/normalizedWindowMatcher'
import { flattenQuery, Spring, type SpringSnapshot } from '../src/compare/spring'
import { describeValue } from '../src/errors'
import { checkSnapshot, decodeFloat64, SnapshotError, type SnapshotHeader } from '../src/snapshot'
import { checkBoolean, checkOneOf, checkOptions, checkPositive } from '../src/validate'
import { attachState, checkStateOption } from './internal/attachState'
import { checkElementOptions, ELEMENT_OPTIONS, ElementReader, type ElementSettings } from './internal/elementReader'
import { subscribeLinked } from './internal/subscribeLinked'
import type { OperatorState } from './state'

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
  /**
   * A handle from `operatorState()` that starts the matchers from a snapshot (an earlier run of a
   * `dtwMatch` with the same patterns and options) and hands out their current state. Default none.
   */
  state?: OperatorState<DtwMatchSnapshot>
}

/**
 * `dtwMatch`'s snapshot: every pattern's kernel (SPRING, or the z-normalised window matcher with
 * `normalize`) and the operator's element counters. Restoring checks that the patterns and options
 * are the ones it was taken with.
 */
export interface DtwMatchSnapshot extends SnapshotHeader {
  /** Always `'dtwMatch'`. */
  readonly kind: 'dtwMatch'
  /** The layout's version (1). */
  readonly version: number
  /** The pattern names, in the operator's order (`['query']` for a single query). */
  readonly patterns: readonly string[]
  /** Whether the operator matched z-normalised windows (`normalize`). */
  readonly normalize: boolean
  /** Whether elements carried a time (a `time` option). */
  readonly timed: boolean
  /** Source elements seen, valid or not: the source index of the next one. */
  readonly seen: number
  /** Source elements dropped by `onInvalid: 'skip'`. */
  readonly skipped: number
  /** Each pattern's kernel state, in the order of `patterns`. */
  readonly matchers: ReadonlyArray<SpringSnapshot | NormalizedWindowMatcherSnapshot>
}

/** What the operator needs from a kernel: SPRING, or the z-normalised window matcher below. */
interface Matcher {
  push(x: number | ArrayLike<number>, time: number): WindowMatch | null
  flush(): WindowMatch | null
  snapshot(): SpringSnapshot | NormalizedWindowMatcherSnapshot
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
 * Checkpoints: with `state: operatorState<DtwMatchSnapshot>(saved)` each subscription starts from
 * the snapshot in the handle (every pattern's kernel with its pending match, and the element
 * counters, so indices, times and `onSkip` indices continue), and `state.snapshot()` hands out the
 * current state between elements (after the end: the state at the end, pending matches flushed if
 * the source completed). Restoring then continuing emits exactly what one uninterrupted run emits.
 * A snapshot of another operator or version, or taken with other patterns (names, lengths, values)
 * or options (`threshold`, `cost`, `normalize`, `band`, with or without `time`), errors the stream
 * with a `SnapshotError` naming the difference.
 *
 * ```ts
 * telemetry$.pipe(dtwMatch({ spike: [0, 3, 9, 3, 0] }, { threshold: 4, select: (e) => e.cpu, time: (e) => e.ts }))
 * prices$.pipe(dtwMatch(headAndShoulders, { threshold: 2, normalize: true, band: 0.1 }))
 * const state = operatorState<DtwMatchSnapshot>(saved) // saved: an earlier state.snapshot(), through JSON
 * readings$.pipe(dtwMatch({ spike }, { threshold: 4, state }))
 * ```
 *
 * `threshold` is the epsilon of Sakurai et al. (2007), the same option as `Spring`'s.
 * @see Spring, the kernel per pattern; findMatches for a series at rest; dtw.
 */
export function dtwMatch<T = number | ArrayLike<number>>(
  patterns: DtwQuery | Record<string, DtwQuery>,
  options: DtwMatchOptions<T>,
): OperatorFunction<T, DtwMatchEvent> {
  const { makers, names, dimension, elements, normalize } = resolveDtwMatch(patterns, options)
  const state = checkStateOption<DtwMatchSnapshot>(FN, options.state)
  const invalidElement = (value: unknown): string | null => invalid(value, dimension)

  return source =>
    new Observable<DtwMatchEvent>(subscriber => {
      let matchers: Matcher[] = makers.map(make => make())
      const reader = new ElementReader(FN, elements, subscriber, invalidElement)
      const capture = (): DtwMatchSnapshot => ({
        kind: FN,
        version: SNAPSHOT_VERSION,
        patterns: [...names],
        normalize,
        timed: elements.timed,
        seen: reader.seen,
        skipped: reader.skipped,
        matchers: matchers.map(matcher => matcher.snapshot()),
      })
      const restore = (snapshot: DtwMatchSnapshot): void => {
        const s = checkDtwMatchSnapshot(snapshot, names, normalize, elements.timed)
        matchers = matchers.map((fresh, k) => restoreMatcher(names[k], fresh, s.matchers[k]))
        reader.seen = s.seen
        reader.skipped = s.skipped
      }
      if (!attachState(FN, state, subscriber, restore, capture)) return

      const emit = (k: number, found: WindowMatch): void => {
        const event: DtwMatchEvent = { pattern: names[k], start: found.start, end: found.end, distance: found.distance }
        if (elements.timed) {
          event.startTime = found.startTime
          event.endTime = found.endTime
        }
        subscriber.next(event)
      }

      // every kernel takes the element (or flushes) before anything is emitted, so that a snapshot
      // taken from downstream (or at an unsubscription) during the emissions is the state after the whole element
      const found: Array<WindowMatch | null> = names.map(() => null)
      const emitFound = (): void => {
        for (let k = 0; k < found.length; k++) {
          const match = found[k]
          found[k] = null
          if (match !== null && !subscriber.closed) emit(k, match)
        }
      }

      const subscription = subscribeLinked(subscriber, source, {
        next(event) {
          if (!reader.read(event)) return
          const value = reader.value as number | ArrayLike<number>
          try {
            for (let k = 0; k < matchers.length; k++) found[k] = matchers[k].push(value, reader.time)
          } catch (error) {
            found.fill(null)
            subscriber.error(error) // not expected: the value was checked above
            return
          }
          emitFound()
        },
        error: error => subscriber.error(error),
        complete() {
          for (let k = 0; k < matchers.length; k++) found[k] = matchers[k].flush()
          emitFound()
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
const SNAPSHOT_VERSION = 1
const DTW_MATCH_OPTIONS = ['threshold', 'band', 'normalize', 'cost', 'state', ...ELEMENT_OPTIONS]
const COSTS = ['squared', 'absolute'] as const

/**
 * Checks the operator-level fields of a snapshot against this operator (kind, version, pattern names,
 * `normalize`, `time`, the counters), naming the first difference in a `SnapshotError`.
 */
function checkDtwMatchSnapshot(
  snapshot: unknown,
  names: readonly string[],
  normalize: boolean,
  timed: boolean,
): DtwMatchSnapshot {
  const s = checkSnapshot<DtwMatchSnapshot>(FN, snapshot, FN, SNAPSHOT_VERSION)
  const saved = s.patterns
  if (!Array.isArray(saved) || saved.length !== names.length || saved.some((name, k) => name !== names[k])) {
    throw new SnapshotError(
      `${FN}: the snapshot was taken with patterns ${Array.isArray(saved) ? JSON.stringify(saved) : describeValue(saved)}, this operator has ${JSON.stringify(names)}`,
    )
  }
  if (s.normalize !== normalize)
    throw new SnapshotError(
      `${FN}: the snapshot was taken with normalize: ${describeValue(s.normalize)}, this operator has normalize: ${normalize}`,
    )
  if (s.timed !== timed)
    throw new SnapshotError(
      `${FN}: the snapshot was taken ${s.timed ? 'with' : 'without'} a time option, this operator has ${timed ? 'one' : 'none'}`,
    )
  const counter = (field: 'seen' | 'skipped', max: number): void => {
    const n = s[field]
    if (!Number.isSafeInteger(n) || n < 0 || n > max)
      throw new SnapshotError(
        `${FN}: the snapshot's ${field} must be an integer in [0, ${max}], got ${describeValue(n)}`,
      )
  }
  counter('seen', Number.MAX_SAFE_INTEGER)
  counter('skipped', s.seen)
  if (!Array.isArray(s.matchers) || s.matchers.length !== names.length)
    throw new SnapshotError(
      `${FN}: the snapshot holds ${Array.isArray(s.matchers) ? `${s.matchers.length} matchers` : `matchers ${describeValue(s.matchers)}`}, expected one per pattern (${names.length})`,
    )
  return s
}

/**
 * The kernel of pattern `name` restored from `saved`, after checking that it was built from the same
 * pattern and options as `fresh` (this operator's own kernel for the pattern), else a `SnapshotError`
 * naming the pattern and what differs.
 */
function restoreMatcher(name: string, fresh: Matcher, saved: unknown): Matcher {
  const own = fresh.snapshot()
  const where = `${FN}: pattern ${JSON.stringify(name)}`
  const s = checkSnapshot<SpringSnapshot | NormalizedWindowMatcherSnapshot>(where, saved, own.kind, own.version)
  const differs = (what: string, mine: unknown, theirs: unknown): SnapshotError =>
    new SnapshotError(`${where} has ${what} ${describeValue(mine)}, the snapshot's ${describeValue(theirs)}`)
  if (s.length !== own.length) throw differs('length', own.length, s.length)
  if (own.kind === 'Spring' && (s as SpringSnapshot).dimension !== own.dimension)
    throw differs('dimension', own.dimension, (s as SpringSnapshot).dimension)
  const options = (s.options ?? {}) as Record<string, unknown>
  for (const [key, value] of Object.entries(own.options))
    if (options[key] !== value) throw differs(key, value, options[key])
  if (s.query !== own.query) {
    const mine = decodeFloat64(where, 'query', own.query)
    const theirs = decodeFloat64(where, 'query', s.query)
    const at = mine.findIndex((v, i) => !Object.is(v, theirs[i]))
    const stride = own.kind === 'Spring' ? Math.max(own.dimension, 1) : 1
    const element = Math.floor(at / stride)
    throw new SnapshotError(
      `${where} differs from the snapshot's at [${element}]${stride > 1 ? `[${at % stride}]` : ''}: ${mine[at]} here, ${theirs[at]} there` +
        (own.kind === 'Spring' ? '' : ' (z-normalised)'),
    )
  }
  return own.kind === 'Spring'
    ? Spring.fromSnapshot(s as SpringSnapshot)
    : NormalizedWindowMatcher.fromSnapshot(s as NormalizedWindowMatcherSnapshot)
}

/** Everything `dtwMatch` settles at call time: a kernel factory per pattern, and the element options. */
function resolveDtwMatch<T>(
  patterns: DtwQuery | Record<string, DtwQuery>,
  options: DtwMatchOptions<T>,
): {
  makers: Array<() => Matcher>
  names: string[]
  dimension: number
  elements: ElementSettings<T>
  normalize: boolean
} {
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
  return { makers, names: named.map(([name]) => name), dimension, elements, normalize }
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
