import { Observable, type OperatorFunction, type SchedulerLike } from 'rxjs'
import {
  CLASSIFY_OPTIONS,
  type ClassifyOptions,
  type ClassifySettings,
  classifyWith,
  type DynamicsReport,
  type KnownWindowFacts,
  type Regime,
  resolveClassifyOptions,
} from '../src/attractor/classifyDynamics'
import { SlidingPermutationEntropy } from '../src/attractor/permutationEntropy'
import { checkInteger, checkOptions } from '../src/validate'
import {
  checkElementOptions,
  ELEMENT_OPTIONS,
  ElementReader,
  type ElementSettings,
  invalidNumber,
} from './internal/elementReader'
import { subscribeLinked } from './internal/subscribeLinked'

/** Options of `attractorWindow`: those of `classifyDynamics` plus the window and element options; an unknown name is a `TypeError` at call time. */
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

/** One window's `classifyDynamics` report, with where the window lies in the stream. */
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
 * @see classifyDynamics, which each report is; scheduleOn to move the analysis off the source's turn.
 */
export function attractorWindow<T = number>(
  options: AttractorWindowOptions<T>,
): OperatorFunction<T, AttractorWindowReport> {
  const resolved = resolveAttractorWindow(options)
  return source =>
    new Observable<AttractorWindowReport>(subscriber => {
      let windows: SlidingWindows<T> | null = new SlidingWindows(resolved)
      const reader = new ElementReader(FN, resolved.elements, subscriber, invalidNumber)
      const subscription = subscribeLinked(subscriber, source, {
        next(item) {
          if (!reader.read(item) || windows === null) return
          if (!windows.push(reader.value as number, reader.time)) return
          let report: AttractorWindowReport
          try {
            report = windows.analyse(reader.skipped)
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
        windows = null
      }
    })
}

const FN = 'attractorWindow'
const ATTRACTOR_WINDOW_OPTIONS = [
  ...CLASSIFY_OPTIONS,
  'window',
  'hop',
  'scheduler',
  'reestimateEvery',
  ...ELEMENT_OPTIONS,
]

interface AttractorWindowSettings<T> {
  readonly window: number
  readonly hop: number
  readonly reestimateEvery: number
  readonly classify: ClassifySettings
  readonly elements: ElementSettings<T>
}

function resolveAttractorWindow<T>(options: AttractorWindowOptions<T>): AttractorWindowSettings<T> {
  checkOptions(FN, options, ATTRACTOR_WINDOW_OPTIONS, true)
  const classify = resolveClassifyOptions(FN, options)
  if (options.window === undefined) throw new TypeError(`${FN}: window is required (values per window)`)
  const window = checkInteger(FN, 'window', options.window, { min: classify.minLength })
  const hop = checkInteger(FN, 'hop', options.hop ?? window, { min: 1, max: window })
  const reestimateEvery = checkInteger(
    FN,
    'reestimateEvery',
    options.reestimateEvery ?? Math.max(1, Math.round(window / hop)),
    {
      min: 1,
    },
  )
  return { window, hop, reestimateEvery, classify, elements: checkElementOptions(FN, options) }
}

/**
 * The last `window` values of one subscription in a ring buffer (no copy per element), their
 * permutation entropy kept incrementally, and the embedding carried from window to window.
 */
class SlidingWindows<T> {
  private readonly values: Float64Array
  private readonly times: Float64Array | null
  private readonly ordered: Float64Array
  private readonly entropy: SlidingPermutationEntropy
  private kept = 0
  // the embedding of the last window that needed one, reused while its regime holds
  private carried: { delay: number; dimension: number; regime: Regime; uses: number } | null = null

  constructor(private readonly settings: AttractorWindowSettings<T>) {
    const { window, classify, elements } = settings
    this.values = new Float64Array(window)
    this.times = elements.timed ? new Float64Array(window) : null
    this.ordered = new Float64Array(window)
    this.entropy = new SlidingPermutationEntropy(classify.order, 1, window)
  }

  /** Adds a value; true when a window is due (every `hop` values once `window` have arrived). */
  push(value: number, time: number): boolean {
    const { window, hop } = this.settings
    const slot = this.kept % window
    this.values[slot] = value
    if (this.times !== null) this.times[slot] = time
    this.entropy.push(value)
    this.kept++
    return this.kept >= window && (this.kept - window) % hop === 0
  }

  /** The report of the last `window` values. */
  analyse(skipped: number): AttractorWindowReport {
    const { window, classify, reestimateEvery } = this.settings
    const { kept, values, ordered } = this
    const head = kept % window // the oldest value's slot
    ordered.set(values.subarray(head), 0)
    ordered.set(values.subarray(0, head), window - head)
    const known: KnownWindowFacts = { permutationEntropy: this.entropy.value() }
    const carried = this.carried
    let report =
      carried !== null && carried.uses < reestimateEvery
        ? classifyWith(ordered, classify, { ...known, delay: carried.delay, dimension: carried.dimension })
        : null
    if (report !== null && report.regime !== carried?.regime) report = null
    if (report === null) {
      report = classifyWith(ordered, classify, known)
      // an embedding is worth carrying only where it led to a verdict
      this.carried =
        Number.isNaN(report.delay) || report.regime === 'unknown'
          ? null
          : { delay: report.delay, dimension: report.dimension, regime: report.regime, uses: 0 }
    }
    if (this.carried !== null) this.carried.uses++
    const out: { -readonly [K in keyof AttractorWindowReport]: AttractorWindowReport[K] } = {
      ...report,
      start: kept - window,
      end: kept - 1,
      skipped,
    }
    if (this.times !== null) {
      out.startTime = this.times[head]
      out.endTime = this.times[(kept - 1) % window]
    }
    return out
  }
}
