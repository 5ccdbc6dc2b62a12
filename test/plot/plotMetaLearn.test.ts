import { GaussianNaiveBayes, type MetaStep, metaLearn, type OnlineLearner, OnlineLogisticRegression } from 'midstream'
import { plotMetaLearn, runningAccuracy } from 'midstream/plot'
import { from, lastValueFrom, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { mark, parseSvg, pathPoints, xFromAxis, yFromAxis } from './svg'

function uniform(seed: number): () => number {
  let s = seed
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32
}

/** A concept that drifts at 1000: label 1 when a + b <= 8, then when a + b <= 13. */
const next = uniform(2)
const observations = Array.from({ length: 2000 }, (_, i) => {
  const x = [10 * next(), 10 * next()]
  return { x, y: x[0] + x[1] <= (i < 1000 ? 8 : 13) ? (1 as const) : (0 as const) }
})
const logistic = (): OnlineLearner<number[], 0 | 1, 0 | 1> => {
  const model = new OnlineLogisticRegression(2, { averaging: 0.002 })
  return { predict: x => (model.predict(x) >= 0.5 ? 1 : 0), learn: (x, y) => model.learn(x, y) }
}

describe('plotMetaLearn', async () => {
  const steps: MetaStep<0 | 1 | undefined>[] = await lastValueFrom(
    from(observations).pipe(
      metaLearn({
        task: 'classification',
        candidates: { bayes: () => new GaussianNaiveBayes<0 | 1>(2), logistic },
        seed: 7,
      }),
      toArray(),
    ),
  )
  const targets = observations.map(o => o.y)

  it('draws each candidate’s weight share (summing to 1), the drifts, and the running accuracy', () => {
    const root = parseSvg(plotMetaLearn(steps, { targets, window: 50 }).svg)
    const toX = xFromAxis(root)
    const toY = yFromAxis(root)
    const lines = mark(root, 'weight', 'path').map(p =>
      pathPoints(p.getAttribute('d') ?? '').map(([x, y]) => [toX(x), toY(y)]),
    )
    expect(lines).toHaveLength(2)
    expect(mark(root, 'candidate-label', 'text').map(t => t.textContent)).toEqual(['bayes', 'logistic'])
    for (let k = 0; k < steps.length; k += 97) {
      expect(lines[0][k][0]).toBeCloseTo(k, 0)
      expect(lines[0][k][1] + lines[1][k][1]).toBeCloseTo(1, 2)
      const w = steps[k].weights
      expect(lines[0][k][1]).toBeCloseTo(w.bayes / (w.bayes + w.logistic), 2)
    }
    const drifts = steps.filter(s => s.drift).map(s => s.index)
    expect(drifts.length).toBeGreaterThan(0)
    const rules = mark(root, 'drift', 'line').map(l => toX(Number(l.getAttribute('x1'))))
    expect(rules.map(x => Math.round(x))).toEqual(drifts)
    // the oracle: accuracy over the last 50 steps, counted naively
    const [accuracy] = mark(root, 'accuracy', 'path')
    const drawn = pathPoints(accuracy.getAttribute('d') ?? '').map(([x, y]) => [toX(x), toY(y)])
    for (const k of [0, 10, 49, 50, 500, 999, 1200, 1999]) {
      let hits = 0
      for (let j = Math.max(0, k - 49); j <= k; j++) if (steps[j].prediction === targets[j]) hits++
      expect(drawn[k][1]).toBeCloseTo(hits / Math.min(k + 1, 50), 2)
    }
  })

  it('runningAccuracy counts the hits of the window', () => {
    const fake = [1, 0, 1, 1].map((prediction, index) => ({ index, prediction }) as MetaStep<number>)
    expect([...runningAccuracy(fake, [1, 1, 1, 0], 2).accuracy]).toEqual([1, 0.5, 0.5, 0.5])
  })

  it('names itself and the value on bad input', () => {
    expect(() => plotMetaLearn([])).toThrow(new RangeError('plotMetaLearn: steps must not be empty'))
    expect(() => plotMetaLearn([{ index: 0 } as never])).toThrow(/^plotMetaLearn: steps\[0\] must be a MetaStep/)
    expect(() => plotMetaLearn(steps, { targets: [1, 2] })).toThrow(
      /^plotMetaLearn: targets must hold one target per step \(2000\)/,
    )
  })
})

describe('runningAccuracy', () => {
  it('names itself on a bad window', () => {
    expect(() => runningAccuracy([], [], 0)).toThrow(/^runningAccuracy: window must be an integer >= 1/)
  })
})
