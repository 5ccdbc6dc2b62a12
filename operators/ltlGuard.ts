import { Observable, type OperatorFunction, type SchedulerLike } from 'rxjs'
import { describeValue } from '../src/errors'
import { checkFormula, type Formula, formatLtl } from '../src/ltl/formula'
import {
  compileMonitor,
  MONITOR_OPTIONS,
  type Monitor,
  type MonitorOptions,
  type MonitorSnapshot,
  type Verdict,
  type Violation,
} from '../src/ltl/monitor'
import { checkSnapshot, SnapshotError, type SnapshotHeader } from '../src/snapshot'
import { checkClock, checkOneOf, checkOptions } from '../src/validate'
import { attachState, checkStateOption } from './internal/attachState'
import { subscribeLinked } from './internal/subscribeLinked'
import type { OperatorState } from './state'

/**
 * A stream broke a temporal rule: which formula, and the event (index, value, time) that decided it.
 *
 * ```ts
 * events$.pipe(ltlGuard('G !leak', { atoms: { leak: (e) => e.secret } })).subscribe({
 *   error: (e) => { if (e instanceof LtlViolationError) console.log(e.formula, e.index) },
 * })
 * ```
 * @see ltlGuard
 */
export class LtlViolationError extends Error {
  /** Always `'LtlViolationError'`. */
  override readonly name = 'LtlViolationError'
  /** The formula's text. */
  readonly formula: string
  /** Index of the deciding event (0-based); -1 when no trace satisfies the formula; the event count when it failed at the end. */
  readonly index: number
  /** The deciding event (undefined when decided before any event or at the end). */
  readonly event: unknown
  /** The deciding event's time in ms, when the stream has times. */
  readonly timestamp: number | undefined
  /** True when the formula failed only when the stream completed (LTLf). */
  readonly atEnd: boolean
  /** The error for `violation`, as a monitor reports it (`Monitor.violation`). */
  constructor(violation: Violation) {
    const where = violation.atEnd
      ? `when the stream ended after ${violation.index} events`
      : violation.index < 0
        ? 'before any event (no trace satisfies it)'
        : `at event #${violation.index}${violation.timestamp === undefined ? '' : ` (t = ${violation.timestamp} ms)`}`
    super(`${violation.formula} violated ${where}`)
    this.formula = violation.formula
    this.index = violation.index
    this.event = violation.event
    this.timestamp = violation.timestamp
    this.atEnd = violation.atEnd
  }
}

/** A formula, as text (`parseLtl`'s grammar) or as a tree (`ltl` builders). */
export type LtlSpec = string | Formula

/** Options of `ltlGuard` (and, but for `onViolation`, of `ltlVerdicts`). */
export interface LtlGuardOptions<T> extends MonitorOptions<T> {
  /** `'error'` (default): error with `LtlViolationError`; `'complete'`: complete just before the violating event; `'annotate'`: emit `{ value, verdicts }` for every event. */
  readonly onViolation?: 'error' | 'complete' | 'annotate'
  /** Each event's time in ms (non-decreasing), for metric formulas. Default: `scheduler.now()` when a scheduler is given. */
  readonly time?: (event: T) => number
  /** Stamps events with `scheduler.now()` when there is no `time`. */
  readonly scheduler?: SchedulerLike
  /**
   * A handle from `operatorState()`: each subscription starts from its snapshot (the formulas'
   * monitors as they were) and the handle hands out the current one. For a run that resumes
   * exactly, take the times from the data (`time`), not from a scheduler.
   */
  readonly state?: OperatorState<LtlGuardSnapshot>
}

/**
 * `ltlGuard`'s snapshot: each formula's monitor, by the formula's name (its text, or the record's key).
 * @see ltlGuard
 */
export interface LtlGuardSnapshot extends SnapshotHeader {
  /** Always `'ltlGuard'`. */
  readonly kind: 'ltlGuard'
  /** The layout's version (1). */
  readonly version: number
  /** The formulas' names, in order; a guard of other formulas refuses the snapshot. */
  readonly names: readonly string[]
  /** Each formula's monitor. */
  readonly monitors: readonly MonitorSnapshot[]
}

const GUARD_SNAPSHOT_VERSION = 1

/** What `onViolation: 'annotate'` emits: the event and each formula's verdict after it. */
export interface Annotated<T> {
  /** The event, unchanged. */
  readonly value: T
  /** Each formula's verdict after the event, keyed by the formula's text (or by the record's keys). */
  readonly verdicts: Readonly<Record<string, Verdict>>
}

/** The option names `ltlGuard` accepts. */
const GUARD_OPTIONS: readonly string[] = [...MONITOR_OPTIONS, 'onViolation', 'time', 'scheduler', 'state']
const ON_VIOLATION = ['error', 'complete', 'annotate'] as const

/**
 * Guards a stream with temporal-logic rules (`createMonitor`'s LTL with past and metric operators):
 * events pass while no rule is violated.
 *
 * Emits: with `'error'` and `'complete'`, each event, unchanged, as long as every formula's verdict is
 * `'true'` or `'unknown'`; with `'annotate'`, `{ value, verdicts }` per event (verdicts keyed by the
 * formula's text, or by the record's keys). When a verdict becomes `'false'` the violating event is
 * not passed: `'error'` errors the stream with an `LtlViolationError` (formula, index, event,
 * timestamp), `'complete'` completes it, which unsubscribes upstream, so an LLM answer that breaks a
 * rule is cut off and its request cancelled. On completion the formulas are finished under LTLf: one
 * that fails there errors the stream with `'error'`. A formula no trace satisfies acts at
 * subscription. Source errors pass through; a throwing predicate or `time` errors the stream, and
 * so does a bad or decreasing timestamp. Bad formulas or options throw at call time.
 *
 * With a `state` handle, a subscription continues from the handle's snapshot (a `LtlGuardSnapshot`),
 * as if the events before it had come through this subscription; a snapshot of other formulas, of
 * another operator, or taken after the stream completed errors the subscription with a `SnapshotError`.
 *
 * ```ts
 * tokens$.pipe(ltlGuard('G (toolCall -> F[0,2s] toolResult) && G !leak', {
 *   atoms: { toolCall: (t) => t.type === 'tool_call', toolResult: (t) => t.type === 'tool_result', leak: (t) => /sk-[A-Za-z0-9]{20}/.test(t.text) },
 *   onViolation: 'complete', time: (t) => t.at,
 * }))
 * ```
 * @param specs One formula (text or tree), a list of them, or a record of them by name.
 * @param options `atoms`, `closedWorld` (as `createMonitor`), `onViolation`, the clock (`time` or `scheduler`), and `state`.
 * @see ltlVerdicts
 * @see createMonitor
 */
export function ltlGuard<T>(
  specs: LtlSpec | readonly LtlSpec[] | Readonly<Record<string, LtlSpec>>,
  options: LtlGuardOptions<T> & { onViolation: 'annotate' },
): OperatorFunction<T, Annotated<T>>
/** `ltlGuard` with `onViolation` `'error'` (the default) or `'complete'`: emits the events themselves. */
export function ltlGuard<T>(
  specs: LtlSpec | readonly LtlSpec[] | Readonly<Record<string, LtlSpec>>,
  options?: LtlGuardOptions<T>,
): OperatorFunction<T, T>
export function ltlGuard<T>(
  specs: LtlSpec | readonly LtlSpec[] | Readonly<Record<string, LtlSpec>>,
  options?: LtlGuardOptions<T>,
): OperatorFunction<T, T | Annotated<T>> {
  const fn = 'ltlGuard'
  const { onViolation = 'error', time, scheduler, atoms, closedWorld } = checkOptions(fn, options, GUARD_OPTIONS)
  checkOneOf(fn, 'onViolation', onViolation, ON_VIOLATION)
  checkClock(fn, time, scheduler)
  const state = checkStateOption<LtlGuardSnapshot>(fn, options?.state)
  const named = namedSpecs(specs)
  // translated once now, so that a bad formula or a missing atom throws at call time; each
  // subscription takes fresh monitors that share the translation
  const factories = named.map(([, spec]) => compileMonitor<T>(fn, spec, { atoms, closedWorld }))
  const names = named.map(([name]) => name)

  return source =>
    new Observable<T | Annotated<T>>(subscriber => {
      const monitors: Monitor<T>[] = factories.map(make => make())
      const capture = (): LtlGuardSnapshot => ({
        kind: fn,
        version: GUARD_SNAPSHOT_VERSION,
        names: [...names],
        monitors: monitors.map(m => m.snapshot()),
      })
      const restore = (snapshot: LtlGuardSnapshot): void => restoreMonitors(fn, snapshot, names, monitors)
      if (!attachState(fn, state, subscriber, restore, capture)) return
      const violated = (): Violation | null => {
        for (const m of monitors) if (m.violation !== null) return m.violation
        return null
      }
      const initial = violated()
      if (initial !== null && onViolation !== 'annotate') {
        if (onViolation === 'error') subscriber.error(new LtlViolationError(initial))
        else subscriber.complete()
        return
      }
      const subscription = subscribeLinked(subscriber, source, {
        next(event) {
          let at: number | undefined
          try {
            at = time !== undefined ? time(event) : scheduler !== undefined ? scheduler.now() : undefined
            for (let k = 0; k < monitors.length; k++) monitors[k].step(event, at)
          } catch (error) {
            subscriber.error(error)
            return
          }
          if (onViolation === 'annotate') {
            const out: Record<string, Verdict> = {}
            for (let k = 0; k < monitors.length; k++) out[names[k]] = monitors[k].verdict
            subscriber.next({ value: event, verdicts: out })
            return
          }
          const violation = violated()
          if (violation === null) subscriber.next(event)
          else if (onViolation === 'error') subscriber.error(new LtlViolationError(violation))
          else subscriber.complete()
        },
        error: error => subscriber.error(error),
        complete() {
          for (const m of monitors) m.finish()
          const violation = violated()
          if (violation !== null && onViolation === 'error') subscriber.error(new LtlViolationError(violation))
          else subscriber.complete()
        },
      })
      return () => subscription.unsubscribe()
    })
}

/**
 * Restores `monitors` (of the formulas `names`) from `ltlGuard`'s snapshot; a snapshot of other
 * formulas or of a completed stream is a `SnapshotError` naming `fn`.
 */
function restoreMonitors<T>(
  fn: string,
  snapshot: LtlGuardSnapshot,
  names: readonly string[],
  monitors: ReadonlyArray<Monitor<T>>,
): void {
  const s = checkSnapshot<LtlGuardSnapshot>(fn, snapshot, fn, GUARD_SNAPSHOT_VERSION)
  const same =
    Array.isArray(s.names) &&
    Array.isArray(s.monitors) &&
    s.monitors.length === names.length &&
    s.names.length === names.length &&
    s.names.every((name, k) => name === names[k])
  if (!same)
    throw new SnapshotError(
      `${fn}: the snapshot guards the formulas ${JSON.stringify(s.names) ?? describeValue(s.names)}, this operator ${JSON.stringify(names)}`,
    )
  s.monitors.forEach((m, k) => restoreMonitor(fn, names[k], monitors[k], m))
}

/**
 * Restores one operator's monitor, with errors that name the operator and the formula; a monitor
 * snapshot taken after the stream completed (finished under LTLf) cannot continue.
 * @internal
 */
export function restoreMonitor<T>(fn: string, name: string, monitor: Monitor<T>, snapshot: MonitorSnapshot): void {
  try {
    monitor.restore(snapshot)
  } catch (error) {
    if (!(error instanceof SnapshotError)) throw error
    throw new SnapshotError(`${fn}: formula ${JSON.stringify(name)}: ${error.message}`)
  }
  if (snapshot.finished)
    throw new SnapshotError(
      `${fn}: formula ${JSON.stringify(name)}: the snapshot was taken after the stream completed (the formula is finished); a finished run cannot continue`,
    )
}

function namedSpecs(specs: unknown): Array<[string, LtlSpec]> {
  const text = (spec: LtlSpec): string => (typeof spec === 'string' ? spec : formatLtl(checkFormula('ltlGuard', spec)))
  if (typeof specs === 'string') return [[specs, specs]]
  if (Array.isArray(specs)) {
    if (specs.length === 0) throw new RangeError('ltlGuard: the list of formulas is empty')
    return specs.map((s: LtlSpec) => [text(s), s])
  }
  if (specs !== null && typeof specs === 'object') {
    if (typeof (specs as { kind?: unknown }).kind === 'string') return [[text(specs as Formula), specs as Formula]]
    const entries = Object.entries(specs as Record<string, LtlSpec>)
    if (entries.length === 0) throw new RangeError('ltlGuard: the record of formulas is empty')
    return entries
  }
  throw new TypeError(`ltlGuard: expected a formula, its text, a list or a record of them, got ${describeValue(specs)}`)
}
