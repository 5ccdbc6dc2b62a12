/**
 * Online learning: a drift detector that notices when a stream's mean moves, and `metaLearn`, which
 * weighs candidate learners by their recent losses, predicts before it learns (test-then-train), and
 * starts afresh when the concept it learns drifts.
 */
import { GaussianNaiveBayes, metaLearn, type OnlineLearner, OnlineLogisticRegression, PageHinkley } from 'midstream'
import { from, lastValueFrom, toArray } from 'rxjs'

/** Uniform numbers in [0, 1) from a seeded linear congruential generator: the same on every run. */
function uniform(seed: number): () => number {
  let s = seed
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32
}

// Page-Hinkley: the mean of a noisy signal moves from 0 to 5 at sample 500
const random = uniform(1)
const detector = new PageHinkley({ threshold: 50 })
const detections: number[] = []
for (let i = 0; i < 1000; i++) {
  detector.update((i < 500 ? 0 : 5) + random() - 0.5)
  if (detector.driftDetected) detections.push(i)
}
console.log(`Page-Hinkley: drift detected at sample ${detections.join(', ')}`)

// A drifting concept: label 1 when a + b <= 8, then, from sample 3000 on, when a + b <= 13
const next = uniform(2)
const observations = Array.from({ length: 6000 }, (_, i) => {
  const x = [10 * next(), 10 * next()]
  return { x, y: x[0] + x[1] <= (i < 3000 ? 8 : 13) ? (1 as const) : (0 as const) }
})
/**
 * The classification loss is 0/1 on the predicted class: a learner that predicts a probability
 * (logistic regression) takes part through a wrapper that predicts the likelier class.
 */
function classesFrom(make: () => OnlineLogisticRegression): () => OnlineLearner<number[], 0 | 1, 0 | 1> {
  return () => {
    const model = make()
    return { predict: x => (model.predict(x) >= 0.5 ? 1 : 0), learn: (x, y) => model.learn(x, y) }
  }
}

const steps = await lastValueFrom(
  from(observations).pipe(
    metaLearn({
      task: 'classification',
      candidates: {
        bayes: () => new GaussianNaiveBayes<0 | 1>(2),
        logistic: classesFrom(() => new OnlineLogisticRegression(2, { averaging: 0.002 })),
      },
      seed: 7,
    }),
    toArray(),
  ),
)

/** Share of correct predictions among observations [from, to): each made before its label was learned. */
function accuracy(from: number, to: number): number {
  let correct = 0
  for (let i = from; i < to; i++) if (Number(steps[i].prediction) === observations[i].y) correct++
  return correct / (to - from)
}
const drifts = steps.filter(s => s.drift).map(s => s.index)
console.log(`accuracy before the drift (samples 2500-2999): ${(100 * accuracy(2500, 3000)).toFixed(1)} %`)
console.log(`drift flagged after the concept changed: ${drifts.some(i => i >= 3000)}`)
console.log(`accuracy once relearned (samples 5500-5999): ${(100 * accuracy(5500, 6000)).toFixed(1)} %`)
