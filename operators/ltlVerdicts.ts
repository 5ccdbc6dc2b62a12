import { Observable, type OperatorFunction } from 'rxjs'
import { compileMonitor, MONITOR_OPTIONS, type Verdict } from '../src/ltl/monitor'
import { checkClock, checkOptions } from '../src/validate'
import { subscribeLinked } from './internal/subscribeLinked'
import type { LtlGuardOptions, LtlSpec } from './ltlGuard'

/** A verdict as `ltlVerdicts` reports it. */
export interface VerdictChange {
  /** The verdict from this event on (LTL3), or of the finished stream (LTLf) when `final`. */
  readonly verdict: Verdict
  /** Index of the event after which the verdict holds; -1 before any event; the event count for the final one. */
  readonly index: number
  /** The event's time in ms, when the stream has times. */
  readonly timestamp: number | undefined
  /** True for the verdict emitted on completion (LTLf). */
  readonly final: boolean
}

/** The option names `ltlVerdicts` accepts. */
const VERDICTS_OPTIONS: readonly string[] = [...MONITOR_OPTIONS, 'time', 'scheduler']

/**
 * The verdicts of one formula over a stream (`createMonitor`'s LTL3 with past and metric operators).
 *
 * Emits a `VerdictChange` when the verdict changes (a formula decided before any event emits at
 * subscription), and on completion the final verdict under LTLf (`final: true`), then completes.
 * Source errors pass through; a throwing predicate or `time`, or a bad or decreasing timestamp,
 * errors the stream. Bad formulas or options throw at call time.
 *
 * ```ts
 * events$.pipe(ltlVerdicts('G (login -> !logout U audit)', { closedWorld: true }))
 *   .subscribe(({ verdict, index }) => console.log(`after #${index}: ${verdict}`))
 * ```
 * @param spec The formula (text or tree).
 * @param options `atoms`, `closedWorld` (as `createMonitor`), and the clock: `time` or `scheduler`.
 * @see ltlGuard
 * @see createMonitor
 */
export function ltlVerdicts<T>(
  spec: LtlSpec,
  options?: Omit<LtlGuardOptions<T>, 'onViolation'>,
): OperatorFunction<T, VerdictChange> {
  const fn = 'ltlVerdicts'
  const { time, scheduler, atoms, closedWorld } = checkOptions(fn, options, VERDICTS_OPTIONS)
  checkClock(fn, time, scheduler)
  // translated once now, so that bad input throws at call time; a fresh monitor per subscription
  const make = compileMonitor<T>(fn, spec, { atoms, closedWorld })
  return source =>
    new Observable<VerdictChange>(subscriber => {
      const monitor = make()
      let last: Verdict = monitor.verdict
      if (last !== 'unknown') subscriber.next({ verdict: last, index: -1, timestamp: undefined, final: false })
      let lastTime: number | undefined
      const subscription = subscribeLinked(subscriber, source, {
        next(event) {
          let verdict: Verdict
          try {
            lastTime = time !== undefined ? time(event) : scheduler !== undefined ? scheduler.now() : undefined
            verdict = monitor.step(event, lastTime)
          } catch (error) {
            subscriber.error(error)
            return
          }
          if (verdict !== last) {
            last = verdict
            subscriber.next({ verdict, index: monitor.index - 1, timestamp: lastTime, final: false })
          }
        },
        error: error => subscriber.error(error),
        complete() {
          subscriber.next({ verdict: monitor.finish(), index: monitor.index, timestamp: lastTime, final: true })
          subscriber.complete()
        },
      })
      return () => subscription.unsubscribe()
    })
}
