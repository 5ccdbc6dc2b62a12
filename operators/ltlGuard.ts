import { Observable, type OperatorFunction, type SchedulerLike } from 'rxjs'
import { describeValue } from '../src/errors'
import { type Formula, formatLtl } from '../src/ltl/formula'
import { createMonitor, type Monitor, type MonitorOptions, type Verdict, type Violation } from '../src/ltl/monitor'
import { subscribeLinked } from './internal/subscribeLinked'

/** A stream broke a temporal rule: which formula, and the event (index, value, time) that decided it. */
export class LtlViolationError extends Error {
  override readonly name = 'LtlViolationError'
  readonly formula: string
  readonly index: number
  readonly event: unknown
  readonly timestamp: number | undefined
  readonly atEnd: boolean
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

export type LtlSpec = string | Formula

export interface LtlGuardOptions<T> extends MonitorOptions<T> {
  /** `'error'` (default): error with `LtlViolationError`; `'complete'`: complete just before the violating event; `'annotate'`: emit `{ value, verdicts }` for every event. */
  readonly onViolation?: 'error' | 'complete' | 'annotate'
  /** Each event's time in ms (non-decreasing), for metric formulas. Default: `scheduler.now()` when a scheduler is given. */
  readonly time?: (event: T) => number
  /** Stamps events with `scheduler.now()` when there is no `time`. */
  readonly scheduler?: SchedulerLike
}

/** What `onViolation: 'annotate'` emits: the event and each formula's verdict after it. */
export interface Annotated<T> {
  readonly value: T
  readonly verdicts: Readonly<Record<string, Verdict>>
}

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
 * ```ts
 * tokens$.pipe(ltlGuard('G (toolCall -> F[0,2s] toolResult) && G !leak', {
 *   atoms: { toolCall: (t) => t.type === 'tool_call', toolResult: (t) => t.type === 'tool_result', leak: (t) => /sk-[A-Za-z0-9]{20}/.test(t.text) },
 *   onViolation: 'complete', time: (t) => t.at,
 * }))
 * ```
 */
export function ltlGuard<T>(
  specs: LtlSpec | readonly LtlSpec[] | Readonly<Record<string, LtlSpec>>,
  options: LtlGuardOptions<T> & { onViolation: 'annotate' },
): OperatorFunction<T, Annotated<T>>
export function ltlGuard<T>(
  specs: LtlSpec | readonly LtlSpec[] | Readonly<Record<string, LtlSpec>>,
  options?: LtlGuardOptions<T>,
): OperatorFunction<T, T>
export function ltlGuard<T>(
  specs: LtlSpec | readonly LtlSpec[] | Readonly<Record<string, LtlSpec>>,
  options: LtlGuardOptions<T> = {},
): OperatorFunction<T, T | Annotated<T>> {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`ltlGuard: options must be an object, got ${describeValue(options)}`)
  const { onViolation = 'error', time, scheduler } = options
  if (onViolation !== 'error' && onViolation !== 'complete' && onViolation !== 'annotate')
    throw new RangeError(
      `ltlGuard: onViolation must be 'error', 'complete' or 'annotate', got ${describeValue(onViolation)}`,
    )
  checkClock(time, scheduler, 'ltlGuard')
  const named = namedSpecs(specs)
  // built once now so that a bad formula or a missing atom throws at call time
  for (const [, spec] of named) createMonitor<T>(spec, options)
  const names = named.map(([name]) => name)

  return source =>
    new Observable<T | Annotated<T>>(subscriber => {
      const monitors: Monitor<T>[] = named.map(([, spec]) => createMonitor<T>(spec, options))
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

export function checkClock(time: unknown, scheduler: SchedulerLike | undefined, name: string): void {
  if (time !== undefined && typeof time !== 'function')
    throw new TypeError(`${name}: time must be a function, got ${describeValue(time)}`)
  if (scheduler !== undefined && (scheduler === null || typeof scheduler.now !== 'function'))
    throw new TypeError(`${name}: scheduler must be a SchedulerLike, got ${describeValue(scheduler)}`)
}

function namedSpecs(specs: unknown): Array<[string, LtlSpec]> {
  const text = (spec: LtlSpec): string => (typeof spec === 'string' ? spec : formatLtl(spec))
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
