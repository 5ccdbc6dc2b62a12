import { Observable, type Observer, type OperatorFunction, type SchedulerLike, type Subscriber } from 'rxjs'
import {
  CLASSIFY_OPTIONS,
  type ClassifyOptions,
  type ClassifySettings,
  type DynamicsReport,
  type Regime,
  resolveClassifyOptions,
} from '../src/attractor/classifyDynamics'
import { SlidingPermutationEntropy, type SlidingPermutationEntropySnapshot } from '../src/attractor/permutationEntropy'
import {
  analyseWindow,
  type CarriedEmbedding,
  type WindowAnalysis,
  type WindowAnalysisInput,
} from '../src/attractor/windowAnalysis'
import { describeValue } from '../src/errors'
import { checkOffloadPool, OffloadError, type OffloadPool } from '../src/offload/pool'
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
import { OrderedOffload } from './internal/orderedOffload'
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
  /**
   * A pool that runs each window's analysis off this thread, e.g. `workerPool()` from
   * `midstream/offload` (Node worker threads), so the event loop is free while a window is
   * classified. The reports are exactly the in-thread ones, in the same order, emitted when the
   * pool has them (asynchronously). The pool is acquired while subscribed and released at the end.
   */
  readonly offload?: OffloadPool
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
  /**
   * Windows due but not yet reported (an `offload` pool was analysing them), oldest first: an
   * operator restored from the snapshot reports them first. Always empty without `offload`.
   */
  readonly pending: readonly AttractorWindowPendingSnapshot[]
}

/** A window of an `attractorWindow` snapshot that was due but not yet reported. */
export interface AttractorWindowPendingSnapshot {
  /** Index of the window's first value. */
  readonly start: number
  /** The window's values, oldest first, as base64 float64 bytes. */
  readonly values: string
  /** Time of its first and last values, or `null` for an operator without times. */
  readonly times: readonly [number, number] | null
  /** Its permutation entropy. */
  readonly permutationEntropy: number
  /** Elements dropped by `onInvalid: 'skip'` when it was due. */
  readonly skipped: number
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
 * Analysis runs synchronously in the arriving value's turn (about 20 ms per 1 000-value window),
 * unless an `offload` pool is given.
 *
 * Off the event loop: with `offload: workerPool()` (from `midstream/offload`, Node worker threads)
 * each window due is copied into a `Float64Array` transferred to a worker, and the reports (exactly
 * the in-thread ones) are emitted in order as the pool returns them, asynchronously. Windows are
 * analysed one at a time per operator while one may reuse the embedding of the one before
 * (`reestimateEvery` > 1), in parallel with `reestimateEvery: 1`. Completion and a source error
 * wait for the windows due before them. Unsubscribing cancels the windows still queued (one already
 * running finishes in its worker, unused); a worker that throws errors the stream with an `OffloadError` whose message
 * carries the worker's error (its `cause`). The pool is acquired while subscribed and released at
 * the end: the last user's release closes its threads.
 *
 * Checkpoints: with `state: operatorState()` the handle's `snapshot()` gives, between elements, a
 * JSON-safe `AttractorWindowSnapshot`; an operator started from it (in this process or another)
 * continues with exactly the reports the uninterrupted run gives: same windows, indices, times,
 * skipped counts and figures. With `offload`, windows still in the pool are part of the snapshot
 * (`pending`) and an operator restored from it, with a pool or without, reports them first. A snapshot of another operator or version, a damaged one, or one taken
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
 *
 * // off the event loop (Node): one pool shared by every operator given it
 * import { workerPool } from 'midstream/offload'
 * const pool = workerPool({ workers: 2 })
 * sensor$.pipe(attractorWindow({ window: 500, hop: 250, offload: pool })).subscribe(report)
 * ```
 * @see classifyDynamics, which each report is; workerPool for `offload`; operatorState for checkpoints.
 */
export function attractorWindow<T = number>(
  options: AttractorWindowOptions<T>,
): OperatorFunction<T, AttractorWindowReport> {
  const resolved = resolveAttractorWindow(options)
  return source =>
    new Observable<AttractorWindowReport>(subscriber =>
      resolved.offload === undefined
        ? subscribeInThread(resolved, source, subscriber)
        : subscribeOffloaded(resolved, resolved.offload, source, subscriber),
    )
}

/** One subscription analysing each window in the arriving value's turn. */
function subscribeInThread<T>(
  resolved: AttractorWindowSettings<T>,
  source: Observable<T>,
  subscriber: Subscriber<AttractorWindowReport>,
): (() => void) | undefined {
  let windows: SlidingWindows<T> | null = new SlidingWindows(resolved)
  const reader = new ElementReader(FN, resolved.elements, subscriber, invalidNumber)
  const capture = (): AttractorWindowSnapshot => {
    // attachState detaches the handle before the teardown below clears the windows
    if (windows === null) throw new Error(`${FN}: internal error: state captured after teardown`)
    return windows.snapshot(reader, [])
  }
  let restored: DueWindow[] = []
  const restore = (snapshot: AttractorWindowSnapshot): void => {
    ;({ windows, pending: restored } = SlidingWindows.fromSnapshot(resolved, snapshot, reader))
  }
  if (!attachState(FN, resolved.state, subscriber, restore, capture)) return
  // windows an offloaded run had due but not reported: first, as that run would have
  for (const due of restored) {
    if (subscriber.closed || windows === null) return
    const report = inThreadReport(windows, due, subscriber)
    if (report === undefined) return
    subscriber.next(report)
  }
  const subscription = subscribeLinked(subscriber, source, {
    next(item) {
      if (!reader.read(item) || windows === null) return
      if (!windows.push(reader.value as number, reader.time)) return
      const report = inThreadReport(windows, windows.due(reader.skipped, true), subscriber)
      if (report !== undefined) subscriber.next(report)
    },
    error: error => subscriber.error(error),
    complete: () => subscriber.complete(),
  })
  return () => {
    subscription.unsubscribe()
    windows = null
  }
}

/** The report of `due`, analysed here; a throw (not expected: values and options were checked) errors `subscriber`. */
function inThreadReport<T>(
  windows: SlidingWindows<T>,
  due: DueWindow,
  subscriber: Subscriber<AttractorWindowReport>,
): AttractorWindowReport | undefined {
  try {
    return windows.finish(due, analyseWindow(due.values, windows.inputFor(due, true)))
  } catch (error) {
    subscriber.error(error)
    return undefined
  }
}

/**
 * One subscription whose windows `pool` analyses: due windows are queued in order (one at a time
 * when a window's embedding may come from the one before), reported in order, and the source's end
 * waits for the windows due before it.
 */
function subscribeOffloaded<T>(
  resolved: AttractorWindowSettings<T>,
  pool: OffloadPool,
  source: Observable<T>,
  subscriber: Subscriber<AttractorWindowReport>,
): (() => void) | undefined {
  let windows = new SlidingWindows(resolved)
  // with reestimateEvery 1 no window reuses another's embedding: they are independent
  const serial = resolved.reestimateEvery > 1
  // how the input ended (completion, a source error, a bad element), passed on after the windows due before it
  let ended: { error: unknown } | 'complete' | null = null
  let subscription: { unsubscribe(): void } | undefined
  const end = (): void => {
    if (ended === null || !queue.empty) return
    if (ended === 'complete') subscriber.complete()
    else subscriber.error(ended.error)
  }
  const stop = (how: { error: unknown } | 'complete'): void => {
    if (ended !== null) return
    ended = how
    subscription?.unsubscribe() // a bad element: no more input (in a synchronous burst, next ignores the rest)
    end()
  }
  const reader = new ElementReader(FN, resolved.elements, { error: error => stop({ error }) }, invalidNumber)
  const queue = new OrderedOffload<DueWindow, WindowAnalysis>(serial, {
    run(due, signal) {
      const values = due.values.slice() // transferred; due.values stays for snapshots
      const input = windows.inputFor(due, serial)
      return pool.run({ kind: 'attractorWindow', values, input }, { transfer: [values.buffer], signal })
    },
    emit: (due, analysis) => subscriber.next(windows.finish(due, analysis)),
    fail: error => subscriber.error(new OffloadError(FN, error)),
    drained: end,
  })
  let restored: DueWindow[] = []
  const restore = (snapshot: AttractorWindowSnapshot): void => {
    ;({ windows, pending: restored } = SlidingWindows.fromSnapshot(resolved, snapshot, reader))
  }
  const capture = (): AttractorWindowSnapshot => windows.snapshot(reader, queue.pending())
  if (!attachState(FN, resolved.state, subscriber, restore, capture)) return
  pool.acquire()
  for (const due of restored) queue.add(due)
  const observer: Partial<Observer<T>> = {
    next(item) {
      if (ended !== null || !reader.read(item)) return
      if (windows.push(reader.value as number, reader.time)) queue.add(windows.due(reader.skipped, false))
    },
    error: error => stop({ error }),
    complete: () => stop('complete'),
  }
  subscription = subscribeLinked(subscriber, source, observer)
  if (ended !== null) subscription.unsubscribe()
  return () => {
    subscription?.unsubscribe()
    queue.close()
    pool.release()
  }
}

const FN = 'attractorWindow'
const ATTRACTOR_WINDOW_OPTIONS = [
  ...CLASSIFY_OPTIONS,
  'window',
  'hop',
  'scheduler',
  'reestimateEvery',
  'state',
  'offload',
  ...ELEMENT_OPTIONS,
]
const VERSION = 2 // 2: pending windows (offload)
const REGIMES: readonly Regime[] = ['fixed-point', 'limit-cycle', 'chaotic', 'noise']

interface AttractorWindowSettings<T> {
  readonly window: number
  readonly hop: number
  readonly reestimateEvery: number
  readonly classify: ClassifySettings
  readonly elements: ElementSettings<T>
  readonly state: OperatorState<AttractorWindowSnapshot> | undefined
  readonly offload: OffloadPool | undefined
}

/** A window that is due: its values in order and what its report needs besides the analysis. */
interface DueWindow {
  readonly values: Float64Array
  readonly permutationEntropy: number
  readonly start: number
  readonly startTime: number | undefined
  readonly endTime: number | undefined
  readonly skipped: number
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
  const offload = checkOffloadPool(FN, options.offload)
  return { window, hop, reestimateEvery, classify, elements: checkElementOptions(FN, options), state, offload }
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
  // the embedding of the last window reported that needed one, reused while its regime holds
  private carried: CarriedEmbedding | null = null

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

  /** The state as a snapshot, with the reader's counters and the windows due but not reported. */
  snapshot(reader: ElementReader<T>, pending: readonly DueWindow[]): AttractorWindowSnapshot {
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
      pending: pending.map(due => ({
        start: due.start,
        values: encodeFloat64(due.values),
        times: due.startTime === undefined ? null : [due.startTime, due.endTime as number],
        permutationEntropy: due.permutationEntropy,
        skipped: due.skipped,
      })),
    }
  }

  /**
   * Windows in the state `snapshot` describes, for an operator with `settings`, and the windows it
   * had due but not reported; sets the reader's counters. Throws a `SnapshotError` for another kind
   * or version, other options, or damaged fields.
   */
  static fromSnapshot<T>(
    settings: AttractorWindowSettings<T>,
    snapshot: AttractorWindowSnapshot,
    reader: ElementReader<T>,
  ): { windows: SlidingWindows<T>; pending: DueWindow[] } {
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
    const pending = checkPending(s.pending, settings, kept, skipped)
    reader.seen = seen
    reader.skipped = skipped
    return { windows: w, pending }
  }

  /**
   * The window of the last `window` values, due now: its values in order (in a buffer reused from
   * window to window with `reuse`, else a new one) and its place in the stream.
   */
  due(skipped: number, reuse: boolean): DueWindow {
    const { window } = this.settings
    const { kept, values, times } = this
    const head = kept % window // the oldest value's slot
    const ordered = reuse ? this.ordered : new Float64Array(window)
    ordered.set(values.subarray(head), 0)
    ordered.set(values.subarray(0, head), window - head)
    return {
      values: ordered,
      permutationEntropy: this.entropy.value(),
      start: kept - window,
      startTime: times === null ? undefined : times[head],
      endTime: times === null ? undefined : times[(kept - 1) % window],
      skipped,
    }
  }

  /**
   * What the analysis of `due` needs besides its values. The embedding carried is the one left by
   * the windows reported so far: with `carry` false (windows analysed out of order because none
   * reuses another's embedding, `reestimateEvery` 1) none, which gives the same analysis.
   */
  inputFor(due: DueWindow, carry: boolean): WindowAnalysisInput {
    const { classify, reestimateEvery } = this.settings
    return {
      classify,
      permutationEntropy: due.permutationEntropy,
      carried: carry ? this.carried : null,
      reestimateEvery,
    }
  }

  /** The report of `due` from its analysis, which also leaves the embedding the next window carries. */
  finish(due: DueWindow, analysis: WindowAnalysis): AttractorWindowReport {
    this.carried = analysis.carried
    const out: { -readonly [K in keyof AttractorWindowReport]: AttractorWindowReport[K] } = {
      ...analysis.report,
      start: due.start,
      end: due.start + this.settings.window - 1,
      skipped: due.skipped,
    }
    if (due.startTime !== undefined) {
      out.startTime = due.startTime
      out.endTime = due.endTime
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
function checkCarried(carried: unknown, reestimateEvery: number): CarriedEmbedding {
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

/**
 * The pending windows of a snapshot, checked: an array (oldest first) of windows that started
 * before the next one due, each with `window` finite values and times as the operator has them.
 */
function checkPending<T>(
  pending: unknown,
  settings: AttractorWindowSettings<T>,
  kept: number,
  skipped: number,
): DueWindow[] {
  if (!Array.isArray(pending))
    throw new SnapshotError(`${FN}: the snapshot's pending must be an array, got ${describeValue(pending)}`)
  const { window, elements } = settings
  const next = neededFrom(kept, settings)
  return pending.map((p: Partial<AttractorWindowPendingSnapshot> | null, i): DueWindow => {
    const field = `pending[${i}]`
    if (p === null || typeof p !== 'object')
      throw new SnapshotError(`${FN}: the snapshot's ${field} must be an object, got ${describeValue(p)}`)
    const start = snapshotCount(`${field}.start`, p.start)
    const before = snapshotCount(`${field}.skipped`, p.skipped)
    if (start + window > kept || start >= next || before > skipped)
      throw new SnapshotError(
        `${FN}: the snapshot's ${field} (start ${start}, ${before} skipped) is not a window due before the next one (${next}) of ${kept} kept, ${skipped} skipped`,
      )
    const times = p.times
    const timed = Array.isArray(times) && times.length === 2 && Number.isFinite(times[0]) && Number.isFinite(times[1])
    if (elements.timed ? !timed : times !== null)
      throw new SnapshotError(
        `${FN}: the snapshot's ${field}.times must be ${elements.timed ? '[start, end] finite times' : 'null for an operator without times'}, got ${describeValue(times)}`,
      )
    if (typeof p.permutationEntropy !== 'number' || !Number.isFinite(p.permutationEntropy))
      throw new SnapshotError(
        `${FN}: the snapshot's ${field}.permutationEntropy must be a finite number, got ${describeValue(p.permutationEntropy)}`,
      )
    return {
      values: snapshotSeries(`${field}.values`, p.values, window),
      permutationEntropy: p.permutationEntropy,
      start,
      startTime: timed ? (times as number[])[0] : undefined,
      endTime: timed ? (times as number[])[1] : undefined,
      skipped: before,
    }
  })
}
