import { Observable, type OperatorFunction, type SchedulerLike } from 'rxjs'
import {
  type ClassifyOptions,
  classifyWith,
  type DynamicsReport,
  type KnownWindowFacts,
  type Regime,
  resolveClassifyOptions,
} from '../src/attractor/classifyDynamics'
import { SlidingPermutationEntropy } from '../src/attractor/permutationEntropy'
import { describeValue } from '../src/errors'
import { subscribeLinked } from './subscribeLinked'

export interface AttractorWindowOptions<T> extends ClassifyOptions {
  /** Values per window (an integer >= the classifier's `minLength`, default 200). Required. */
  readonly window: number
  /** Values between the starts of consecutive windows, 1..window. Default `window` (no overlap). */
  readonly hop?: number
  /** The number to analyse in each element. Default: the element itself. */
  readonly select?: (item: T) => number
  /** The time of each element (ms), reported as `startTime`/`endTime`. Default: `scheduler.now()` when a scheduler is given, else no times. */
  readonly time?: (item: T) => number
  /** Stamps arrivals with `scheduler.now()` when there is no `time`. */
  readonly scheduler?: SchedulerLike
  /** A value that is not a finite number: `'error'` (default) or `'skip'` (counted in `skipped`). */
  readonly onInvalid?: 'error' | 'skip'
  /** Called with the source index and value of each skipped element. */
  readonly onSkip?: (index: number, value: unknown) => void
  /**
   * Windows that reuse the embedding delay and dimension estimated on an earlier window of the same
   * regime (never an `'unknown'` one), before estimating again. Default: window / hop, so about once per window of new data.
   */
  readonly reestimateEvery?: number
}

export interface AttractorWindowReport extends DynamicsReport {
  /** Index of the window's first value, counting the values analysed (skipped elements not counted). */
  readonly start: number
  /** Index of its last value, inclusive. */
  readonly end: number
  /** Time of the first value (with `time` or `scheduler`). */
  readonly startTime?: number
  /** Time of the last value. */
  readonly endTime?: number
  /** Elements dropped so far by `onInvalid: 'skip'`. */
  readonly skipped: number
}

/**
 * Classifies the dynamics of a numeric stream over sliding windows: every `hop` values once
 * `window` values have arrived, emits the `classifyDynamics` report of the last `window` values
 * (fixed point, limit cycle, chaos, noise, or unknown with a reason, plus the Lyapunov exponent,
 * the 0-1 test's K, permutation entropy and the embedding), with the window's indices and times.
 *
 * Overlapping windows share work: values sit in one ring buffer (no copy per element), the
 * permutation entropy is kept incrementally as values enter and leave, and the embedding delay and
 * dimension found for one window are reused by the next `reestimateEvery - 1` windows while the
 * regime holds (a change of regime estimates them again at once).
 *
 * Completes when the source completes (a trailing partial window is not analysed); source errors
 * pass through. Bad input: a value that is not a finite number errors the stream with a `TypeError`
 * naming its source index, or with `onInvalid: 'skip'` is dropped, counted in `skipped` and passed
 * to `onSkip`. A throwing `select`/`time`/`onSkip` errors the stream. Bad options throw at call time.
 * Analysis runs synchronously in the arriving value's turn (about 20 ms per 1 000-value window);
 * put `scheduleOn` in front to keep it off a latency-sensitive path.
 *
 * ```ts
 * sensor$.pipe(attractorWindow({ window: 1000, hop: 250, dt: 0.01, select: (r) => r.x, time: (r) => r.ts }))
 *   .subscribe((w) => w.regime === 'chaotic' && alert(`chaos from ${w.startTime}: lambda = ${w.lyapunov}`))
 * ```
 */
export function attractorWindow<T = number>(
  options: AttractorWindowOptions<T>,
): OperatorFunction<T, AttractorWindowReport> {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`attractorWindow needs options with a window, got ${describeValue(options)}`)
  const { window, hop = window, select, time, scheduler, onInvalid = 'error', onSkip } = options
  const settings = resolveClassifyOptions('attractorWindow', options)
  if (!Number.isInteger(window) || window < settings.minLength) {
    throw new RangeError(
      `attractorWindow: window must be an integer >= minLength (${settings.minLength}), got ${describeValue(window)}`,
    )
  }
  if (!Number.isInteger(hop) || hop < 1 || hop > window)
    throw new RangeError(`attractorWindow: hop must be an integer in [1, window], got ${describeValue(hop)}`)
  const reestimateEvery = options.reestimateEvery ?? Math.max(1, Math.round(window / hop))
  if (!Number.isInteger(reestimateEvery) || reestimateEvery < 1)
    throw new RangeError(
      `attractorWindow: reestimateEvery must be an integer >= 1, got ${describeValue(reestimateEvery)}`,
    )
  if (onInvalid !== 'error' && onInvalid !== 'skip')
    throw new RangeError(`attractorWindow: onInvalid must be 'error' or 'skip', got ${describeValue(onInvalid)}`)
  for (const [name, f] of [
    ['select', select],
    ['time', time],
    ['onSkip', onSkip],
  ] as const) {
    if (f !== undefined && typeof f !== 'function')
      throw new TypeError(`attractorWindow: ${name} must be a function, got ${describeValue(f)}`)
  }
  if (scheduler !== undefined && (scheduler === null || typeof scheduler.now !== 'function'))
    throw new TypeError(`attractorWindow: scheduler must be a SchedulerLike, got ${describeValue(scheduler)}`)
  const timed = time !== undefined || scheduler !== undefined

  return source =>
    new Observable<AttractorWindowReport>(subscriber => {
      let values: Float64Array | null = new Float64Array(window)
      let times: Float64Array | null = timed ? new Float64Array(window) : null
      let ordered: Float64Array | null = new Float64Array(window)
      const entropy = new SlidingPermutationEntropy(settings.order, 1, window)
      let kept = 0
      let seen = 0
      let skipped = 0
      // the embedding of the last window that needed one, reused while its regime holds
      let carried: { delay: number; dimension: number; regime: Regime; uses: number } | null = null

      const analyse = (): AttractorWindowReport => {
        const head = kept % window // the oldest value's slot
        ordered!.set(values!.subarray(head), 0)
        ordered!.set(values!.subarray(0, head), window - head)
        const known: KnownWindowFacts = { permutationEntropy: entropy.value() }
        let report =
          carried !== null && carried.uses < reestimateEvery
            ? classifyWith(ordered!, settings, { ...known, delay: carried.delay, dimension: carried.dimension })
            : null
        if (report !== null && report.regime !== carried!.regime) report = null
        if (report === null) {
          report = classifyWith(ordered!, settings, known)
          // an embedding is worth carrying only where it led to a verdict
          carried =
            Number.isNaN(report.delay) || report.regime === 'unknown'
              ? null
              : { delay: report.delay, dimension: report.dimension, regime: report.regime, uses: 0 }
        }
        if (carried !== null) carried.uses++
        const out: { -readonly [K in keyof AttractorWindowReport]: AttractorWindowReport[K] } = {
          ...report,
          start: kept - window,
          end: kept - 1,
          skipped,
        }
        if (times !== null) {
          out.startTime = times[head]
          out.endTime = times[(kept - 1) % window]
        }
        return out
      }

      const subscription = subscribeLinked(subscriber, source, {
        next(item) {
          const index = seen++
          let value: unknown
          let at = 0
          try {
            value = select === undefined ? item : select(item)
            if (time !== undefined) at = time(item)
            else if (scheduler !== undefined) at = scheduler.now()
          } catch (error) {
            subscriber.error(error)
            return
          }
          const problem =
            typeof value !== 'number' || !Number.isFinite(value)
              ? `must be a finite number, got ${describeValue(value)}`
              : timed && (typeof at !== 'number' || !Number.isFinite(at))
                ? `has time ${describeValue(at)}`
                : null
          if (problem !== null) {
            if (onInvalid === 'error') {
              subscriber.error(new TypeError(`attractorWindow: element #${index} ${problem}`))
              return
            }
            skipped++
            try {
              onSkip?.(index, value)
            } catch (error) {
              subscriber.error(error)
            }
            return
          }
          const slot = kept % window
          values![slot] = value as number
          if (times !== null) times[slot] = at
          entropy.push(value as number)
          kept++
          if (kept < window || (kept - window) % hop !== 0) return
          let report: AttractorWindowReport
          try {
            report = analyse()
          } catch (error) {
            subscriber.error(error) // not expected: values and options were checked
            return
          }
          subscriber.next(report)
        },
        error: error => subscriber.error(error),
        complete: () => subscriber.complete(),
      })

      return () => {
        subscription.unsubscribe()
        values = null
        times = null
        ordered = null
        carried = null
      }
    })
}
