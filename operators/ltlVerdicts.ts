import { Observable, type OperatorFunction } from 'rxjs'
import { formatLtl } from '../src/ltl/formula'
import { compileMonitor, MONITOR_OPTIONS, type MonitorSnapshot, type Verdict } from '../src/ltl/monitor'
import { checkSnapshot, decodeFloat64, encodeFloat64, SnapshotError, type SnapshotHeader } from '../src/snapshot'
import { checkClock, checkOptions } from '../src/validate'
import { attachState, checkStateOption } from './internal/attachState'
import { subscribeLinked } from './internal/subscribeLinked'
import { type LtlGuardOptions, type LtlSpec, restoreMonitor } from './ltlGuard'
import type { OperatorState } from './state'

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

/** Options of `ltlVerdicts`: `ltlGuard`'s but `onViolation`, with a state handle of `ltlVerdicts`' own snapshots. */
export interface LtlVerdictsOptions<T> extends Omit<LtlGuardOptions<T>, 'onViolation' | 'state'> {
  /**
   * A handle from `operatorState()`: each subscription starts from its snapshot (the monitor as it
   * was, and the last event's time) and the handle hands out the current one.
   */
  readonly state?: OperatorState<LtlVerdictsSnapshot>
}

/**
 * `ltlVerdicts`' snapshot: the formula's monitor and the last event's time.
 * @see ltlVerdicts
 */
export interface LtlVerdictsSnapshot extends SnapshotHeader {
  /** Always `'ltlVerdicts'`. */
  readonly kind: 'ltlVerdicts'
  /** The layout's version (1). */
  readonly version: number
  /** The formula's monitor. */
  readonly monitor: MonitorSnapshot
  /** The last event's time in ms (base64 float64), or null when there was none or no clock. */
  readonly timestamp: string | null
}

const VERDICTS_SNAPSHOT_VERSION = 1

/** The option names `ltlVerdicts` accepts. */
const VERDICTS_OPTIONS: readonly string[] = [...MONITOR_OPTIONS, 'time', 'scheduler', 'state']

/**
 * The verdicts of one formula over a stream (`createMonitor`'s LTL3 with past and metric operators).
 *
 * Emits a `VerdictChange` when the verdict changes (a formula decided before any event emits at
 * subscription), and on completion the final verdict under LTLf (`final: true`), then completes.
 * Source errors pass through; a throwing predicate or `time`, or a bad or decreasing timestamp,
 * errors the stream. Bad formulas or options throw at call time.
 *
 * With a `state` handle, a subscription continues from the handle's snapshot (a
 * `LtlVerdictsSnapshot`) as if the earlier events had come through it: it emits only the changes
 * after them (no verdict at subscription). A snapshot of another formula, of another operator, or
 * taken after the stream completed errors the subscription with a `SnapshotError`.
 *
 * ```ts
 * events$.pipe(ltlVerdicts('G (login -> !logout U audit)', { closedWorld: true }))
 *   .subscribe(({ verdict, index }) => console.log(`after #${index}: ${verdict}`))
 * ```
 * @param spec The formula (text or tree).
 * @param options `atoms`, `closedWorld` (as `createMonitor`), the clock (`time` or `scheduler`), and `state`.
 * @see ltlGuard
 * @see createMonitor
 */
export function ltlVerdicts<T>(spec: LtlSpec, options?: LtlVerdictsOptions<T>): OperatorFunction<T, VerdictChange> {
  const fn = 'ltlVerdicts'
  const { time, scheduler, atoms, closedWorld } = checkOptions(fn, options, VERDICTS_OPTIONS)
  checkClock(fn, time, scheduler)
  const state = checkStateOption<LtlVerdictsSnapshot>(fn, options?.state)
  // translated once now, so that bad input throws at call time; a fresh monitor per subscription
  const make = compileMonitor<T>(fn, spec, { atoms, closedWorld })
  const name = typeof spec === 'string' ? spec : formatLtl(spec)
  return source =>
    new Observable<VerdictChange>(subscriber => {
      const monitor = make()
      let lastTime: number | undefined
      let restored = false
      const capture = (): LtlVerdictsSnapshot => ({
        kind: fn,
        version: VERDICTS_SNAPSHOT_VERSION,
        monitor: monitor.snapshot(),
        timestamp: lastTime === undefined ? null : encodeFloat64([lastTime]),
      })
      const restore = (snapshot: LtlVerdictsSnapshot): void => {
        const s = checkSnapshot<LtlVerdictsSnapshot>(fn, snapshot, fn, VERDICTS_SNAPSHOT_VERSION)
        let at: number | undefined
        if (s.timestamp !== null) {
          const times = decodeFloat64(fn, 'timestamp', s.timestamp)
          if (times.length !== 1) throw new SnapshotError(`${fn}: timestamp holds ${times.length} values, expected 1`)
          at = times[0]
        }
        restoreMonitor(fn, name, monitor, s.monitor)
        lastTime = at
        restored = true
      }
      if (!attachState(fn, state, subscriber, restore, capture)) return
      let last: Verdict = monitor.verdict
      // a restored run emitted its verdict at subscription already, before the snapshot
      if (last !== 'unknown' && !restored)
        subscriber.next({ verdict: last, index: -1, timestamp: undefined, final: false })
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
