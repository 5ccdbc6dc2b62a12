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
import { SlidingPermutationEntropy, type SlidingPermutationEntropySnapshot } from '../src/attractor/permutationEntropy'
import { describeValue } from '../src/errors'
import { checkSnapshot, decodeFloat64, encodeFloat64, SnapshotError, type SnapshotHeader } from '../src/snapshot'
import { checkInteger, checkOptions } from '../src/validate'
import { attachState, checkStateOption } from './internal/attachState'
import {
  checkElementOptions,
  ELEMENT_OPTIONS,
  ElementReader,
  type ElementSettings,
  invalidNumber,
} from './internal/elementReader'
import { subscribeLinked } from './internal/subscribeLinked'
import type { OperatorState } from './state'

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
  /**
   * A handle from `operatorState()` that starts the operator from a snapshot (the window's values,
   * the incremental permutation entropy, the carried embedding, the counters) and hands out its
   * current one at a checkpoint. The snapshot must come from an `attractorWindow` with the same
   * window, hop, reestimateEvery, classifier options and timing (with or without times).
   */
  readonly state?: OperatorState<AttractorWindowSnapshot>
}

/** The options an `attractorWindow` snapshot records, which a restoring operator must share (`null`: not given). */
export interface AttractorWindowSnapshotOptions {
  /** Values per window. */
  readonly window: number
  /** Values between window starts. */
  readonly hop: number
  /** Windows that reuse one embedding estimate. */
  readonly reestimateEvery: number
  /** The classifier's `dt` (sampling interval), default filled in. */
  readonly dt: number
  /** The classifier's embedding dimension, `null` when estimated per window. */
  readonly dimension: number | null
  /** The classifier's embedding delay, `null` when estimated per window. */
  readonly delay: number | null
  /** The classifier's `maxDimension`, default filled in. */
  readonly maxDimension: number
  /** The classifier's `minLength`, default filled in. */
  readonly minLength: number
  /** The classifier's permutation-entropy `order`, default filled in. */
  readonly order: number
  /** The classifier's `cCount` (0-1 test frequencies), default filled in. */
  readonly cCount: number
  /** The classifier's `seed`, default filled in. */
  readonly seed: number
  /** Whether elements carry a time (a `time` or `scheduler` option). */
  readonly timed: boolean
}

/** The embedding `attractorWindow` reuses while the regime holds: estimated on one window, used by `uses` windows so far. */
export interface AttractorWindowCarried {
  /** The embedding delay, in samples. */
  readonly delay: number
  /** The embedding dimension. */
  readonly dimension: number
  /** The regime of the window it was estimated on; a window of another regime estimates again. */
  readonly regime: Exclude<Regime, 'unknown'>
  /** Windows that have used it (1..reestimateEvery). */
  readonly uses: number
}

/**
 * `attractorWindow`'s snapshot (through its `state` handle): what the next windows need of the
 * values seen so far, the incremental permutation entropy, the carried embedding and the counters.
 */
export interface AttractorWindowSnapshot extends SnapshotHeader {
  /** Always `'attractorWindow'`. */
  readonly kind: 'attractorWindow'
  /** The layout's version (1). */
  readonly version: number
  /** The options that shape the reports; a restoring operator must have the same. */
  readonly options: AttractorWindowSnapshotOptions
  /** Source elements seen (the next one's index in error messages and `onSkip`). */
  readonly seen: number
  /** Elements dropped by `onInvalid: 'skip'`. */
  readonly skipped: number
  /** Values analysed so far (the next one's index in `start`/`end`). */
  readonly kept: number
  /**
   * The values the next windows still need (from the next window's start on, fewer than `window`),
   * oldest first, as base64 float64 bytes.
   */
  readonly values: string
  /** Their times likewise, or `null` for an operator without times. */
  readonly times: string | null
  /** The permutation entropy over the last `window` values. */
  readonly entropy: SlidingPermutationEntropySnapshot
  /** The embedding being reused, or `null`. */
  readonly carried: AttractorWindowCarried | null
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
 * Checkpoints: with `state: operatorState()` the handle's `snapshot()` gives, between elements, a
 * JSON-safe `AttractorWindowSnapshot`; an operator started from it (in this process or another)
 * continues with exactly the reports the uninterrupted run gives: same windows, indices, times,
 * skipped counts and figures. A snapshot of another operator or version, a damaged one, or one taken
 * with other options (window, hop, classifier options, timing) errors the subscription with a
 * `SnapshotError` naming the difference.
 *
 * ```ts
 * sensor$.pipe(attractorWindow({ window: 1000, hop: 250, dt: 0.01, select: (r) => r.x, time: (r) => r.ts }))
 *   .subscribe((w) => w.regime === 'chaotic' && alert(`chaos from ${w.startTime}: lambda = ${w.lyapunov}`))
 *
 * // checkpointed: resume elsewhere from JSON.parse(saved)
 * const state = operatorState<AttractorWindowSnapshot>(saved)
 * sensor$.pipe(attractorWindow({ window: 1000, hop: 250, state })).subscribe(report)
 * // between elements: store(JSON.stringify(state.snapshot()))
 * ```
 * @see classifyDynamics, which each report is; scheduleOn to move the analysis off the source's turn;
 * operatorState for checkpoints.
 */
export function attractorWindow<T = number>(
  options: AttractorWindowOptions<T>,
): OperatorFunction<T, AttractorWindowReport> {
  const resolved = resolveAttractorWindow(options)
  return source =>
    new Observable<AttractorWindowReport>(subscriber => {
      let windows: SlidingWindows<T> | null = new SlidingWindows(resolved)
      const reader = new ElementReader(FN, resolved.elements, subscriber, invalidNumber)
      const capture = (): AttractorWindowSnapshot => {
        // attachState detaches the handle before the teardown below clears the windows
        if (windows === null) throw new Error(`${FN}: internal error: state captured after teardown`)
        return windows.snapshot(reader)
      }
      const restore = (snapshot: AttractorWindowSnapshot): void => {
        windows = SlidingWindows.fromSnapshot(resolved, snapshot, reader)
      }
      if (!attachState(FN, resolved.state, subscriber, restore, capture)) return
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
  'state',
  ...ELEMENT_OPTIONS,
]
const VERSION = 1
const REGIMES: readonly Regime[] = ['fixed-point', 'limit-cycle', 'chaotic', 'noise']

interface AttractorWindowSettings<T> {
  readonly window: number
  readonly hop: number
  readonly reestimateEvery: number
  readonly classify: ClassifySettings
  readonly elements: ElementSettings<T>
  readonly state: OperatorState<AttractorWindowSnapshot> | undefined
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
  const state = checkStateOption<AttractorWindowSnapshot>(FN, options.state)
  return { window, hop, reestimateEvery, classify, elements: checkElementOptions(FN, options), state }
}

/**
 * The last `window` values of one subscription in a ring buffer (no copy per element), their
 * permutation entropy kept incrementally, and the embedding carried from window to window.
 */
class SlidingWindows<T> {
  private readonly values: Float64Array
  private readonly times: Float64Array | null
  private readonly ordered: Float64Array
  private entropy: SlidingPermutationEntropy
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

  /** The state as a snapshot, with the reader's counters. */
  snapshot(reader: ElementReader<T>): AttractorWindowSnapshot {
    const { kept, settings } = this
    const { window } = settings
    const from = neededFrom(kept, settings)
    const values = new Float64Array(kept - from)
    const times = this.times === null ? null : new Float64Array(kept - from)
    for (let j = from; j < kept; j++) {
      values[j - from] = this.values[j % window]
      if (times !== null && this.times !== null) times[j - from] = this.times[j % window]
    }
    const carried = this.carried
    return {
      kind: FN,
      version: VERSION,
      options: snapshotOptions(settings),
      seen: reader.seen,
      skipped: reader.skipped,
      kept,
      values: encodeFloat64(values),
      times: times === null ? null : encodeFloat64(times),
      entropy: this.entropy.snapshot(),
      carried:
        carried === null
          ? null
          : {
              delay: carried.delay,
              dimension: carried.dimension,
              regime: carried.regime as Exclude<Regime, 'unknown'>,
              uses: carried.uses,
            },
    }
  }

  /**
   * Windows in the state `snapshot` describes, for an operator with `settings`; sets the reader's
   * counters. Throws a `SnapshotError` for another kind or version, other options, or damaged fields.
   */
  static fromSnapshot<T>(
    settings: AttractorWindowSettings<T>,
    snapshot: AttractorWindowSnapshot,
    reader: ElementReader<T>,
  ): SlidingWindows<T> {
    const s = checkSnapshot<AttractorWindowSnapshot>(FN, snapshot, FN, VERSION)
    checkSameOptions(s.options, snapshotOptions(settings))
    const seen = snapshotCount('seen', s.seen)
    const skipped = snapshotCount('skipped', s.skipped)
    const kept = snapshotCount('kept', s.kept)
    if (kept + skipped > seen)
      throw new SnapshotError(`${FN}: the snapshot counts ${kept} kept and ${skipped} skipped of only ${seen} seen`)
    const w = new SlidingWindows(settings)
    const { window, classify } = settings
    const from = neededFrom(kept, settings)
    const values = snapshotSeries('values', s.values, kept - from)
    for (let j = from; j < kept; j++) w.values[j % window] = values[j - from]
    if (w.times === null) {
      if (s.times !== null)
        throw new SnapshotError(`${FN}: the snapshot has times, expected null for an operator without times`)
    } else {
      const times = snapshotSeries('times', s.times, kept - from)
      for (let j = from; j < kept; j++) w.times[j % window] = times[j - from]
    }
    const entropy = restoreEntropy(s.entropy)
    if (
      entropy.order !== classify.order ||
      entropy.delay !== 1 ||
      entropy.window !== window ||
      s.entropy.pushed !== kept
    )
      throw new SnapshotError(
        `${FN}: the snapshot's entropy (order ${entropy.order}, delay ${entropy.delay}, window ${entropy.window}, ` +
          `${s.entropy.pushed} pushed) does not match order ${classify.order}, delay 1, window ${window}, ${kept} kept`,
      )
    w.entropy = entropy
    w.kept = kept
    w.carried = s.carried === null ? null : checkCarried(s.carried, settings.reestimateEvery)
    reader.seen = seen
    reader.skipped = skipped
    return w
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

/** The index of the first value a future window needs: the start of the next window due. */
function neededFrom(kept: number, settings: { readonly window: number; readonly hop: number }): number {
  const { window, hop } = settings
  return kept < window ? 0 : (Math.floor((kept - window) / hop) + 1) * hop
}

/** The options a snapshot records, from the operator's settings. */
function snapshotOptions<T>(settings: AttractorWindowSettings<T>): AttractorWindowSnapshotOptions {
  const { window, hop, reestimateEvery, classify, elements } = settings
  const { dt, dimension, delay, maxDimension, minLength, order, cCount, seed } = classify
  return {
    window,
    hop,
    reestimateEvery,
    dt,
    dimension: dimension ?? null,
    delay: delay ?? null,
    maxDimension,
    minLength,
    order,
    cCount,
    seed,
    timed: elements.timed,
  }
}

/** A `SnapshotError` listing every option the snapshot was taken with that differs from the operator's. */
function checkSameOptions(saved: unknown, own: AttractorWindowSnapshotOptions): void {
  if (saved === null || typeof saved !== 'object')
    throw new SnapshotError(`${FN}: the snapshot's options must be an object, got ${describeValue(saved)}`)
  const differences: string[] = []
  for (const [name, value] of Object.entries(own)) {
    const theirs = (saved as Record<string, unknown>)[name]
    if (theirs !== value) differences.push(`${name} ${describeValue(theirs)} (this operator: ${describeValue(value)})`)
  }
  if (differences.length > 0)
    throw new SnapshotError(`${FN}: the snapshot was taken with other options: ${differences.join(', ')}`)
}

/** The window's permutation entropy from its snapshot; the kernel's errors become `SnapshotError`s naming the operator. */
function restoreEntropy(snapshot: SlidingPermutationEntropySnapshot): SlidingPermutationEntropy {
  try {
    return SlidingPermutationEntropy.fromSnapshot(snapshot)
  } catch (error) {
    throw new SnapshotError(`${FN}: the snapshot's entropy is not usable: ${(error as Error).message}`, {
      cause: error,
    })
  }
}

/** A snapshot counter: a safe integer >= 0. */
function snapshotCount(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new SnapshotError(`${FN}: the snapshot's ${field} must be an integer >= 0, got ${describeValue(value)}`)
  return value
}

/** `length` finite float64 values from base64, or a `SnapshotError` naming `field`. */
function snapshotSeries(field: string, text: unknown, length: number): Float64Array {
  const values = decodeFloat64(FN, field, text)
  if (values.length !== length)
    throw new SnapshotError(`${FN}: the snapshot's ${field} holds ${values.length} values, expected ${length}`)
  for (let i = 0; i < length; i++)
    if (!Number.isFinite(values[i]))
      throw new SnapshotError(`${FN}: the snapshot's ${field}[${i}] must be finite, got ${describeValue(values[i])}`)
  return values
}

/** The carried embedding of a snapshot, checked. */
function checkCarried(
  carried: unknown,
  reestimateEvery: number,
): { delay: number; dimension: number; regime: Regime; uses: number } {
  const c = carried as Partial<AttractorWindowCarried> | null
  const integer = (v: unknown, min: number, max: number) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
  if (
    c === null ||
    typeof c !== 'object' ||
    !integer(c.delay, 1, Number.MAX_SAFE_INTEGER) ||
    !integer(c.dimension, 1, Number.MAX_SAFE_INTEGER) ||
    !REGIMES.includes(c.regime as Regime) ||
    !integer(c.uses, 1, reestimateEvery)
  )
    throw new SnapshotError(
      `${FN}: the snapshot's carried embedding must be null or { delay, dimension, regime, uses } with ` +
        `integers >= 1, a regime other than 'unknown' and uses <= ${reestimateEvery}, got ${describeValue(carried)}`,
    )
  const { delay, dimension, regime, uses } = c as AttractorWindowCarried
  return { delay, dimension, regime, uses }
}
