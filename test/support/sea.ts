import type { MetaLearnerConfig } from '../../src/learn/metaLearner'
import { rng } from './rng'

/**
 * The SEA concepts stream (Street & Kim 2001): three features uniform in [0, 10], label 1 when
 * x1 + x2 <= theta, theta switching between blocks, a fraction of labels flipped as noise (so the
 * best possible accuracy is 1 - noise).
 */
export function seaConcepts(
  blockLength: number,
  thetas: readonly number[] = [8, 9, 7, 9.5],
  noise = 0.1,
  seed = 1,
): Array<{ x: [number, number, number]; y: 0 | 1 }> {
  const random = rng(seed)
  const out: Array<{ x: [number, number, number]; y: 0 | 1 }> = []
  for (const theta of thetas) {
    for (let i = 0; i < blockLength; i++) {
      const x: [number, number, number] = [10 * random(), 10 * random(), 10 * random()]
      let y: 0 | 1 = x[0] + x[1] <= theta ? 1 : 0
      if (random() < noise) y = y === 1 ? 0 : 1
      out.push({ x, y })
    }
  }
  return out
}

/**
 * Paired learners (Bach & Maloof 2008) under the MetaLearner: `candidates` must hold a `reactive` and
 * a `stable` learner; when the stable one's recent loss exceeds the reactive one's by 0.03, a rule
 * restarts the stable learner and the weights (at most once per 2 000 inputs), on top of the ADWIN
 * reset on the ensemble's loss. The set bench/learn.ts measures on SEA.
 */
export function pairedLearners<X, Y, P>(
  candidates: MetaLearnerConfig<X, Y, P>['candidates'],
): MetaLearnerConfig<X, Y, P> {
  return {
    task: 'classification',
    candidates,
    rules: [
      {
        name: 'restartStable',
        when: s => s.recentLoss.stable - s.recentLoss.reactive > 0.03,
        apply: c => {
          c.resetCandidate('stable')
          c.resetSelector()
        },
        events: ['reset'],
      },
    ],
    maxModificationsPerWindow: 1,
    modificationWindow: 2000,
  }
}
