import { Observable, type OperatorFunction } from 'rxjs'
import { describeValue } from '../src/errors'
import { MetaLearner, type MetaLearnerConfig, type MetaStep } from '../src/learn/metaLearner'
import { subscribeLinked } from './internal/subscribeLinked'

/** An observation: features, and the target when it is known (prediction comes first, then learning). */
export interface Observation<X, Y> {
  readonly x: X
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
 * not an object with `x`, a throwing learner, loss or rule errors the stream. A bad config throws
 * at call time. Each subscription gets fresh learners.
 *
 * ```ts
 * sea$.pipe(metaLearn({
 *   task: 'classification',
 *   candidates: { nb: () => new GaussianNaiveBayes(3), lr: () => new OnlineLogisticRegression(3, { averaging: 0.002 }) },
 *   safety: ['G (reset -> X !reset)'],
 * })).subscribe(({ prediction, chosen, drift }) => ...)
 * ```
 */
export function metaLearn<X, Y, P>(
  config: MetaLearnerConfig<X, Y, P>,
): OperatorFunction<Observation<X, Y>, MetaStep<P>> {
  new MetaLearner(config) // a bad config throws now
  return source =>
    new Observable<MetaStep<P>>(subscriber => {
      const learner = new MetaLearner(config)
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
