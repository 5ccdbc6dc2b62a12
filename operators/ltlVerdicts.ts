import { Observable, type OperatorFunction } from 'rxjs'
import { describeValue } from '../src/errors'
import { createMonitor, type Verdict } from '../src/ltl/monitor'
import { subscribeLinked } from './internal/subscribeLinked'
import { checkClock, type LtlGuardOptions, type LtlSpec } from './ltlGuard'

/** A verdict as `ltlVerdicts` reports it. */
export interface VerdictChange {
  readonly verdict: Verdict
  /** Index of the event after which the verdict holds; -1 before any event; the event count for the final one. */
  readonly index: number
  readonly timestamp: number | undefined
  /** True for the verdict emitted on completion (LTLf). */
  readonly final: boolean
}

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
 */
export function ltlVerdicts<T>(
  spec: LtlSpec,
  options: Omit<LtlGuardOptions<T>, 'onViolation'> = {},
): OperatorFunction<T, VerdictChange> {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`ltlVerdicts: options must be an object, got ${describeValue(options)}`)
  const { time, scheduler } = options
  checkClock(time, scheduler, 'ltlVerdicts')
  createMonitor<T>(spec, options)
  return source =>
    new Observable<VerdictChange>(subscriber => {
      const monitor = createMonitor<T>(spec, options)
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
