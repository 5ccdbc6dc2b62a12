import { Observable, type OperatorFunction } from 'rxjs'
import { describeValue } from '../src/errors'
import { checkMetaLearnerConfig, MetaLearner, type MetaLearnerConfig, type MetaStep } from '../src/learn/metaLearner'
import { subscribeLinked } from './internal/subscribeLinked'

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
 * ```ts
 * sea$.pipe(metaLearn({
 *   task: 'classification',
 *   candidates: { nb: () => new GaussianNaiveBayes(3), lr: () => new OnlineLogisticRegression(3, { averaging: 0.002 }) },
 *   safety: ['G (reset -> X !reset)'],
 * })).subscribe(({ prediction, chosen, drift }) => ...)
 * ```
 * @param config The levels: candidates, selector, detector, rules and safety constraints (see `MetaLearnerConfig`).
 * @see MetaLearner
 */
export function metaLearn<X, Y, P>(
  config: MetaLearnerConfig<X, Y, P>,
): OperatorFunction<Observation<X, Y>, MetaStep<P>> {
  checkMetaLearnerConfig('metaLearn', config) // a bad config throws now
  return source =>
    new Observable<MetaStep<P>>(subscriber => {
      let learner: MetaLearner<X, Y, P>
      try {
        learner = new MetaLearner(config) // runs the candidates' factories: user code
      } catch (error) {
        subscriber.error(error)
        return
      }
      let index = 0
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
