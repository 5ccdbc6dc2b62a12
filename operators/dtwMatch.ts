import { Observable, type OperatorFunction } from 'rxjs'
import { dtw } from '../src/compare/dtw'
import { envelope, lbKeogh, type Envelope } from '../src/compare/lowerBounds'
import { zNormalize } from '../src/compare/pointwise'
import { Spring } from '../src/compare/spring'
import { describeValue } from '../src/errors'

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
  push(x: number | ArrayLike<number>, time: number): Found | null
  flush(): Found | null
}

interface Found {
  start: number
  end: number
  distance: number
  startTime?: number
  endTime?: number
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
  if (options === null || typeof options !== 'object') throw new TypeError(`dtwMatch needs options with a threshold, got ${describeValue(options)}`)
  const { threshold, band, normalize = false, cost = 'squared', select, time, onInvalid = 'error', onSkip } = options
  if (typeof threshold !== 'number' || !(threshold > 0) || threshold === Infinity) {
    throw new RangeError(`dtwMatch: threshold must be a finite number > 0, got ${describeValue(threshold)}`)
  }
  if (typeof normalize !== 'boolean') throw new TypeError(`dtwMatch: normalize must be a boolean, got ${describeValue(normalize)}`)
  if (cost !== 'squared' && cost !== 'absolute') throw new RangeError(`dtwMatch: cost must be 'squared' or 'absolute', got ${describeValue(cost)}`)
  if (onInvalid !== 'error' && onInvalid !== 'skip') throw new RangeError(`dtwMatch: onInvalid must be 'error' or 'skip', got ${describeValue(onInvalid)}`)
  for (const [name, f] of [['select', select], ['time', time], ['onSkip', onSkip]] as const) {
    if (f !== undefined && typeof f !== 'function') throw new TypeError(`dtwMatch: ${name} must be a function, got ${describeValue(f)}`)
  }
  if (band !== undefined && (typeof band !== 'number' || !(band >= 0) || band === Infinity)) {
    throw new RangeError(`dtwMatch: band must be a number of samples >= 0 or a fraction in (0, 1), got ${describeValue(band)}`)
  }
  const named = namedPatterns(patterns)
  // a kernel per pattern built once now, so that a bad pattern throws at call time
  const dimension = new Spring(named[0][1], { epsilon: threshold }).dimension
  const makers = named.map(([name, query]): (() => Matcher) => {
    const dim = new Spring(query, { epsilon: threshold }).dimension
    if (dim !== dimension) throw new RangeError(`dtwMatch: pattern ${JSON.stringify(name)} has dimension ${dim}, the first ${dimension}`)
    if (!normalize) return () => new Spring(query, { epsilon: threshold, cost, timed: time !== undefined })
    const prepared = prepareNormalized(name, query, band, cost, threshold)
    return () => new NormalizedWindowMatcher(prepared)
  })
  const names = named.map(([name]) => name)
  const timed = time !== undefined

  return (source) =>
    new Observable<DtwMatchEvent>((subscriber) => {
      let matchers: Matcher[] = makers.map((make) => make())
      let index = 0

      const emit = (k: number, found: Found): void => {
        const event: DtwMatchEvent = { pattern: names[k], start: found.start, end: found.end, distance: found.distance }
        if (timed) {
          event.startTime = found.startTime
          event.endTime = found.endTime
        }
        subscriber.next(event)
      }

      const subscription = source.subscribe({
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
          const problem = invalid(value, dimension) ?? (timed && (typeof at !== 'number' || !Number.isFinite(at)) ? `has time ${describeValue(at)}` : null)
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
            let found: Found | null
            try {
              found = matchers[k].push(value as number | ArrayLike<number>, at)
            } catch (error) {
              subscriber.error(error) // not expected: the value was checked above
              return
            }
            if (found !== null) emit(k, found)
          }
        },
        error: (error) => subscriber.error(error),
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
  if (patterns === null || typeof patterns !== 'object') throw new TypeError(`dtwMatch: patterns must be a query or a record of queries, got ${describeValue(patterns)}`)
  if (typeof (patterns as ArrayLike<unknown>).length === 'number') return [['query', patterns as DtwQuery]]
  const entries = Object.entries(patterns as Record<string, DtwQuery>)
  if (entries.length === 0) throw new RangeError('dtwMatch: the record of patterns is empty')
  for (const [name, query] of entries) {
    if (query === null || typeof query !== 'object' || typeof query.length !== 'number') {
      throw new TypeError(`dtwMatch: pattern ${JSON.stringify(name)} must be an array of numbers or vectors, got ${describeValue(query)}`)
    }
  }
  return entries
}

/** Why `value` cannot be matched (a phrase after "element #i"), or null when it can. */
function invalid(value: unknown, dimension: number): string | null {
  if (dimension === 0) return typeof value === 'number' && Number.isFinite(value) ? null : `must be a finite number, got ${describeValue(value)}`
  if (value === null || typeof value !== 'object' || (value as ArrayLike<number>).length !== dimension) {
    return `must be a vector of dimension ${dimension}, got ${describeValue(value)}`
  }
  for (let k = 0; k < dimension; k++) {
    const v = (value as ArrayLike<number>)[k]
    if (typeof v !== 'number' || !Number.isFinite(v)) return `has component ${k} = ${describeValue(v)}, not a finite number`
  }
  return null
}

/** The z-normalised pattern, its LB_Keogh envelope and the resolved band: built once per operator. */
interface NormalizedPattern {
  query: Float64Array
  env: Envelope
  band: number
  squared: boolean
  threshold: number
}

function prepareNormalized(name: string, query: DtwQuery, band: number | undefined, cost: 'squared' | 'absolute', threshold: number): NormalizedPattern {
  const m = query.length
  if (m < 2) throw new RangeError(`dtwMatch: with normalize, pattern ${JSON.stringify(name)} needs at least 2 values, got ${m}`)
  for (let i = 0; i < m; i++) {
    if (typeof query[i] !== 'number') throw new TypeError(`dtwMatch: with normalize, pattern ${JSON.stringify(name)} must hold numbers; [${i}] is ${describeValue(query[i])}`)
  }
  const z = zNormalize(query as ArrayLike<number>)
  const r = band === undefined ? m : Math.min(m, band > 0 && band < 1 ? Math.floor(band * m) : Math.floor(band))
  return { query: z, env: envelope(z, Math.min(r, m - 1)), band: r, squared: cost === 'squared', threshold }
}

/**
 * (A kernel that belongs in `src/compare/` once that file can be added; kept here for now.)
 * Sliding windows of the pattern's length, z-normalised (mean and variance from running sums,
 * recomputed exactly every m values against drift), compared through LB_Kim, LB_Keogh and
 * early-abandoning banded DTW. Keeps the best qualifying window of an overlapping run and returns
 * it once a window starts past its end.
 */
class NormalizedWindowMatcher implements Matcher {
  private readonly m: number
  private readonly values: Float64Array
  private readonly times: Float64Array
  private readonly window: Float64Array
  private next = 0 // ring slot of the next value; once full, also the oldest
  private count = 0
  private shift = 0 // sums are of (x - shift), to keep the variance accurate far from 0
  private sum = 0
  private sumSq = 0
  private sinceExact = 0
  private pending: Found | null = null

  constructor(private readonly p: NormalizedPattern) {
    this.m = p.query.length
    this.values = new Float64Array(this.m)
    this.times = new Float64Array(this.m)
    this.window = new Float64Array(this.m)
  }

  push(x: number, time: number): Found | null {
    const { m, values, p } = this
    const full = this.count >= m
    const old = full ? values[this.next] - this.shift : 0
    values[this.next] = x
    this.times[this.next] = time
    this.next = this.next + 1 === m ? 0 : this.next + 1
    const index = this.count++
    const dx = x - this.shift
    this.sum += dx - old
    this.sumSq += dx * dx - old * old
    if (++this.sinceExact >= m) this.exactSums()
    if (index < m - 1) return null
    const start = index - m + 1
    let out: Found | null = null
    if (this.pending !== null && start > this.pending.end) {
      out = this.pending
      this.pending = null
    }
    const bound = this.pending === null ? p.threshold : Math.min(p.threshold, this.pending.distance)
    const mean = this.sum / m
    const variance = this.sumSq / m - mean * mean
    const std = variance > 0 ? Math.sqrt(variance) : 0
    // a constant window has no shape: all zeros, as zNormalize does
    const flat = !(std > 1e-8 * Math.max(1, Math.abs(mean + this.shift)))
    const scale = flat ? 0 : 1 / std
    const q = p.query
    const first = (values[this.next] - this.shift - mean) * scale
    const last = (x - this.shift - mean) * scale // (the shift may have just changed)
    if (this.cost(first - q[0]) + this.cost(last - q[m - 1]) > bound) return out // LB_Kim
    const w = this.window
    for (let k = 0, slot = this.next; k < m; k++, slot = slot + 1 === m ? 0 : slot + 1) w[k] = (values[slot] - this.shift - mean) * scale
    if (lbKeogh(w, p.env, { cost: p.squared ? 'squared' : 'absolute', abandonAbove: bound }) > bound) return out
    const distance = dtw(w, q, { band: p.band, cost: p.squared ? 'squared' : 'absolute', abandonAbove: bound })
    if (distance <= p.threshold && (this.pending === null || distance < this.pending.distance)) {
      this.pending = { start, end: index, distance, startTime: this.times[this.next], endTime: time }
    }
    return out
  }

  flush(): Found | null {
    const out = this.pending
    this.pending = null
    return out
  }

  private cost(d: number): number {
    return this.p.squared ? d * d : Math.abs(d)
  }

  private exactSums(): void {
    const n = Math.min(this.count, this.m)
    let s = 0
    for (let k = 0; k < n; k++) s += this.values[k]
    this.shift = s / n
    let s1 = 0
    let s2 = 0
    for (let k = 0; k < n; k++) {
      const d = this.values[k] - this.shift
      s1 += d
      s2 += d * d
    }
    this.sum = s1
    this.sumSq = s2
    this.sinceExact = 0
  }
}
