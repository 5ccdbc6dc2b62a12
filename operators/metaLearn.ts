import { Observable, type OperatorFunction } from 'rxjs'
import { describeValue } from '../src/errors'
import {
  checkMetaLearnerConfig,
  MetaLearner,
  type MetaLearnerConfig,
  type MetaLearnerSnapshot,
  type MetaStep,
} from '../src/learn/metaLearner'
import { checkSnapshot, SnapshotError, type SnapshotHeader } from '../src/snapshot'
import { attachState, checkStateOption } from './internal/attachState'
import { subscribeLinked } from './internal/subscribeLinked'
import type { OperatorState } from './state'

const FN = 'metaLearn'
const VERSION = 1

/** `metaLearn`'s snapshot (through its `state` handle): the observations seen and the `MetaLearner`'s snapshot. */
export interface MetaLearnSnapshot extends SnapshotHeader {
  /** Always `'metaLearn'`. */
  readonly kind: 'metaLearn'
  /** The layout's version (1). */
  readonly version: number
  /** Observations seen (the next one gets this index). */
  readonly index: number
  /** The learner's state: candidates, selector, detector, levels. */
  readonly learner: MetaLearnerSnapshot
}

/** `metaLearn`'s config: a `MetaLearnerConfig`, and optionally a state handle. */
export type MetaLearnConfig<X, Y, P> = MetaLearnerConfig<X, Y, P> & {
  /**
   * A handle from `operatorState()` that starts the learner from a snapshot and hands out its current
   * one. Every candidate's learner needs `snapshot()` and `restore()` (midstream's learners have both).
   */
  readonly state?: OperatorState<MetaLearnSnapshot>
}

/** An observation: features, and the target when it is known (prediction comes first, then learning). */
export interface Observation<X, Y> {
  /** The features. */
  readonly x: X
  /** The target, when known: learned from after the prediction for `x` is made. */
  readonly y?: Y
}

/**
 * Online meta-learning over a stream of observations `{ x, y? }` (see `MetaLearner`): level 0
 * candidate learners, level 1 a selector (Hedge by default) with a drift detector on the ensemble's
 * loss, level 2 tuning level 1's learning rate from its regret, and self-modification rules checked
 * against LTL safety constraints before they apply.
 *
 * Emits one `MetaStep` per observation, in order: `{ index, prediction, chosen, weights, drift,
 * levels, modifications }`, the prediction made before the observation's target was learned
 * (test-then-train). Completes with the source; source errors pass through; an observation that is
 * not an object with `x`, a throwing learner, factory, loss or rule errors the stream. A bad config
 * (a wrong type, an out-of-range value, an unknown option name) throws at call time. Each subscription gets fresh learners.
 *
 * Checkpoints: with `state: operatorState()` the handle's `snapshot()` gives, between observations, a
 * JSON-safe `MetaLearnSnapshot`; an operator of the same config started from it (in this process or
 * another) emits exactly what this one would have emitted next, provided the config's functions (loss,
 * rules) are pure. A snapshot of another operator or version, of a config with other options, rules or
 * candidates, or a candidate whose learner lacks `snapshot()`/`restore()`, errors the subscription (a
 * `SnapshotError` or `TypeError` naming the difference).
 *
 * ```ts
 * sea$.pipe(metaLearn({
 *   task: 'classification',
 *   candidates: { nb: () => new GaussianNaiveBayes(3), lr: () => new OnlineLogisticRegression(3, { averaging: 0.002 }) },
 *   safety: ['G (reset -> X !reset)'],
 * })).subscribe(({ prediction, chosen, drift }) => ...)
 * ```
 * @param config The levels: candidates, selector, detector, rules and safety constraints (see `MetaLearnerConfig`), and the `state` handle.
 * @see MetaLearner
 * @see operatorState for checkpoints.
 */
export function metaLearn<X, Y, P>(config: MetaLearnConfig<X, Y, P>): OperatorFunction<Observation<X, Y>, MetaStep<P>> {
  const { learnerConfig, handle } = splitConfig(config)
  checkMetaLearnerConfig(FN, learnerConfig, ['state']) // a bad config throws now
  const state = checkStateOption<MetaLearnSnapshot>(FN, handle)
  return source =>
    new Observable<MetaStep<P>>(subscriber => {
      let learner: MetaLearner<X, Y, P>
      try {
        learner = new MetaLearner(learnerConfig) // runs the candidates' factories: user code
        // with a handle, every candidate must be able to hand out its state: say so now, not at a checkpoint
        if (state !== undefined) learner.snapshot()
      } catch (error) {
        subscriber.error(error)
        return
      }
      let index = 0
      const capture = (): MetaLearnSnapshot => ({ kind: FN, version: VERSION, index, learner: learner.snapshot() })
      const restore = (snapshot: MetaLearnSnapshot): void => {
        const s = checkSnapshot<MetaLearnSnapshot>(FN, snapshot, FN, VERSION)
        if (typeof s.index !== 'number' || !Number.isSafeInteger(s.index) || s.index < 0)
          throw new SnapshotError(`${FN}: the snapshot's index must be an integer >= 0, got ${describeValue(s.index)}`)
        learner.restore(s.learner)
        index = s.index
      }
      if (!attachState(FN, state, subscriber, restore, capture)) return
      const subscription = subscribeLinked(subscriber, source, {
        next(observation) {
          const i = index++
          if (observation === null || typeof observation !== 'object' || !('x' in observation)) {
            subscriber.error(
              new TypeError(
                `metaLearn: observation #${i} must be an object { x, y? }, got ${describeValue(observation)}`,
              ),
            )
            return
          }
          let out: MetaStep<P>
          try {
            out = learner.step(observation.x, observation.y)
          } catch (error) {
            subscriber.error(error)
            return
          }
          subscriber.next(out)
        },
        error: error => subscriber.error(error),
        complete: () => subscriber.complete(),
      })
      return () => subscription.unsubscribe()
    })
}

/** The `MetaLearnerConfig` part of `metaLearn`'s config, and its `state` option. */
function splitConfig<X, Y, P>(
  config: MetaLearnConfig<X, Y, P>,
): { learnerConfig: MetaLearnerConfig<X, Y, P>; handle: unknown } {
  if (config === null || typeof config !== 'object' || !('state' in config))
    return { learnerConfig: config, handle: undefined }
  const { state, ...learnerConfig } = config
  return { learnerConfig, handle: state }
}
