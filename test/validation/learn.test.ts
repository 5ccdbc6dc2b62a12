import {
  ADWIN,
  EXP3,
  GaussianNaiveBayes,
  Hedge,
  HoeffdingAdaptiveTree,
  KSWIN,
  MetaLearner,
  MovingAverageForecaster,
  metaLearn,
  OnlineLinearRegression,
  OnlineLogisticRegression,
  PageHinkley,
  ThompsonSampling,
  UCB1,
} from 'midstream'
import { describe, it } from 'vitest'
import { type ErrorClass, expectRefused } from '../support/refused'

describe('drift detectors: bad options are typed errors that start with the class name', () => {
  it('ADWIN', () => {
    expectRefused(() => new ADWIN({ delta: 0 }), RangeError, 'ADWIN', 'delta')
    expectRefused(() => new ADWIN({ delta: '0.1' as never }), TypeError, 'ADWIN', 'delta')
    expectRefused(() => new ADWIN({ clock: 0 }), RangeError, 'ADWIN', 'clock')
    expectRefused(() => new ADWIN({ maxBuckets: 1.5 }), RangeError, 'ADWIN', 'maxBuckets')
    expectRefused(() => new ADWIN({ gracePeriod: -1 }), RangeError, 'ADWIN', 'gracePeriod')
    expectRefused(() => new ADWIN({ delay: 5 } as never), TypeError, 'ADWIN', '"delay"')
    expectRefused(() => new ADWIN(null as never), TypeError, 'ADWIN', 'null')
    expectRefused(() => new ADWIN().update('1' as never), TypeError, 'ADWIN')
  })

  it('KSWIN', () => {
    expectRefused(() => new KSWIN({ alpha: 2 }), RangeError, 'KSWIN', 'alpha')
    expectRefused(() => new KSWIN({ statSize: 0 }), RangeError, 'KSWIN', 'statSize')
    expectRefused(() => new KSWIN({ windowSize: 50, statSize: 30 }), RangeError, 'KSWIN', 'windowSize')
    expectRefused(() => new KSWIN({ seed: 0.5 }), RangeError, 'KSWIN', 'seed')
    expectRefused(() => new KSWIN({ randomBelow: 3 as never }), TypeError, 'KSWIN', 'randomBelow')
    expectRefused(() => new KSWIN({ window: 5 as never }), TypeError, 'KSWIN', 'window')
    expectRefused(() => new KSWIN({ window: [1, Number.NaN] }), RangeError, 'KSWIN', 'window[1]')
    expectRefused(() => new KSWIN({ windowsize: 100 } as never), TypeError, 'KSWIN', '"windowsize"')
    expectRefused(() => new KSWIN().update(Number.NaN), RangeError, 'KSWIN.update')
  })

  it('PageHinkley', () => {
    expectRefused(() => new PageHinkley({ minInstances: 0 }), RangeError, 'PageHinkley', 'minInstances')
    expectRefused(() => new PageHinkley({ delta: -1 }), RangeError, 'PageHinkley', 'delta')
    expectRefused(() => new PageHinkley({ threshold: '50' as never }), TypeError, 'PageHinkley', 'threshold')
    expectRefused(() => new PageHinkley({ alpha: 0 }), RangeError, 'PageHinkley', 'alpha')
    expectRefused(() => new PageHinkley({ mode: 'sideways' as never }), RangeError, 'PageHinkley', '"sideways"')
    expectRefused(() => new PageHinkley({ lambda: 50 } as never), TypeError, 'PageHinkley', '"lambda"')
    expectRefused(() => new PageHinkley().update(Number.POSITIVE_INFINITY), RangeError, 'PageHinkley.update')
  })
})

describe('selectors: bad arguments are typed errors that start with the class name', () => {
  it('Hedge, UCB1, EXP3, ThompsonSampling', () => {
    expectRefused(() => new Hedge(0), RangeError, 'Hedge', 'candidates')
    expectRefused(() => new Hedge('3' as never), TypeError, 'Hedge', 'candidates')
    expectRefused(() => new Hedge(3, { learningRate: 0 }), RangeError, 'Hedge', 'learningRate')
    expectRefused(() => new Hedge(3, { horizon: 0.5 }), RangeError, 'Hedge', 'horizon')
    expectRefused(() => new Hedge(3, { seed: 1.5 }), RangeError, 'Hedge', 'seed')
    expectRefused(() => new Hedge(3, { eta: 1 } as never), TypeError, 'Hedge', '"eta"')
    expectRefused(() => new Hedge(2).update([0.5]), RangeError, 'Hedge.update')
    expectRefused(() => new Hedge(2).restore(null as never), TypeError, 'Hedge.restore')
    expectRefused(() => new UCB1(2, -1), RangeError, 'UCB1', 'exploration')
    expectRefused(() => new UCB1(2).update(2, 1), RangeError, 'UCB1', 'arm')
    expectRefused(() => new EXP3(2, { gamma: 0 }), RangeError, 'EXP3', 'gamma')
    expectRefused(() => new EXP3(2, { rate: 0.1 } as never), TypeError, 'EXP3', '"rate"')
    expectRefused(() => new EXP3(2).update(0, 2), RangeError, 'EXP3', 'reward')
    expectRefused(() => new ThompsonSampling(1.5), RangeError, 'ThompsonSampling', 'candidates')
    expectRefused(() => new ThompsonSampling(2, { seeds: 1 } as never), TypeError, 'ThompsonSampling', '"seeds"')
  })
})

describe('learners: bad arguments are typed errors that start with the class name', () => {
  it('the online learners', () => {
    expectRefused(() => new OnlineLinearRegression(0), RangeError, 'OnlineLinearRegression', 'dimension')
    expectRefused(() => new OnlineLinearRegression(2, { l2: -1 }), RangeError, 'OnlineLinearRegression', 'l2')
    expectRefused(() => new OnlineLinearRegression(2, { lr: 1 } as never), TypeError, 'OnlineLinearRegression', '"lr"')
    expectRefused(
      () => new OnlineLogisticRegression(2, { averaging: 1 }),
      RangeError,
      'OnlineLogisticRegression',
      'averaging',
    )
    expectRefused(
      () => new OnlineLogisticRegression(2, { learningRate: 'fast' as never }),
      TypeError,
      'OnlineLogisticRegression',
      'learningRate',
    )
    expectRefused(
      () => new OnlineLogisticRegression(2).learn([1, 2], 2 as never),
      RangeError,
      'OnlineLogisticRegression',
    )
    expectRefused(() => new GaussianNaiveBayes(1.5), RangeError, 'GaussianNaiveBayes', 'dimension')
    expectRefused(() => new GaussianNaiveBayes(1, { floor: 1 } as never), TypeError, 'GaussianNaiveBayes', '"floor"')
    expectRefused(() => new GaussianNaiveBayes(1).learn([1, 2], 'a'), RangeError, 'GaussianNaiveBayes', 'features')
    expectRefused(() => new MovingAverageForecaster(0), RangeError, 'MovingAverageForecaster', 'window')
    const tree = 'HoeffdingAdaptiveTree'
    expectRefused(() => new HoeffdingAdaptiveTree(0), RangeError, tree, 'dimension')
    expectRefused(() => new HoeffdingAdaptiveTree(2, { delta: 0 }), RangeError, tree, 'delta')
    expectRefused(() => new HoeffdingAdaptiveTree(2, { gracePeriod: '200' as never }), TypeError, tree, 'gracePeriod')
    expectRefused(
      () => new HoeffdingAdaptiveTree(2, { driftWindowThreshold: -1 }),
      RangeError,
      tree,
      'driftWindowThreshold',
    )
    expectRefused(() => new HoeffdingAdaptiveTree(2, { driftDelta: 2 }), RangeError, tree, 'driftDelta')
    expectRefused(
      () => new HoeffdingAdaptiveTree(2, { leafPrediction: 'nbayes' as never }),
      RangeError,
      tree,
      '"nbayes"',
    )
    expectRefused(() => new HoeffdingAdaptiveTree(2, { grace: 1 } as never), TypeError, tree, '"grace"')
    expectRefused(() => new HoeffdingAdaptiveTree(2).learn([1, 2, 3], 0), RangeError, tree, 'features')
    expectRefused(() => new HoeffdingAdaptiveTree(2).learn([1, 2], {} as never), RangeError, tree, 'y')
  })
})

describe('meta-learning: bad configs are typed errors that start with the public name', () => {
  const ok = { task: 'classification' as const, candidates: { mean: () => new MovingAverageForecaster(3) } }
  const cases: Array<[string, unknown, ErrorClass, string]> = [
    ['an unknown option', { ...ok, detecter: 'adwin' }, TypeError, '"detecter"'],
    ['no config', undefined, TypeError, 'options'],
    ['a bad task', { ...ok, task: 'ranking' }, RangeError, '"ranking"'],
    ['candidates of the wrong kind', { ...ok, candidates: [] }, TypeError, 'candidates'],
    ['no candidates', { ...ok, candidates: {} }, RangeError, 'candidates'],
    ['a candidate that is not a factory', { ...ok, candidates: { a: 5 } }, TypeError, 'candidates.a'],
    ['a loss that is not a function', { ...ok, loss: 0 }, TypeError, 'loss'],
    ['a bad selector', { ...ok, selector: 'greedy' }, RangeError, '"greedy"'],
    ['a bad learning rate', { ...ok, learningRate: -1 }, RangeError, 'learningRate'],
    ['a bad detector', { ...ok, detector: 'cusum' }, RangeError, '"cusum"'],
    ['a bad onDrift', { ...ok, onDrift: 'ignore' }, RangeError, '"ignore"'],
    ['a bad maxDepth', { ...ok, maxDepth: 4 }, RangeError, 'maxDepth'],
    ['a short period', { ...ok, period: 5 }, RangeError, 'period'],
    ['a negative budget', { ...ok, maxModificationsPerWindow: -1 }, RangeError, 'maxModificationsPerWindow'],
    ['a bad window', { ...ok, modificationWindow: 0 }, RangeError, 'modificationWindow'],
    ['a bad seed', { ...ok, seed: 'x' }, TypeError, 'seed'],
    ['rules that are not a list', { ...ok, rules: {} }, TypeError, 'rules'],
    ['a rule without apply', { ...ok, rules: [{ name: 'r', when: () => true }] }, TypeError, 'apply'],
    ['a safety formula that does not parse', { ...ok, safety: ['G (p ->'] }, SyntaxError, 'column 8'],
    ['a safety formula with past operators', { ...ok, safety: ['H p'] }, RangeError, 'past'],
  ]
  for (const [what, config, type, mention] of cases) {
    it(`${what}: MetaLearner and metaLearn`, () => {
      expectRefused(() => new MetaLearner(config as never), type, 'MetaLearner', mention)
      expectRefused(() => metaLearn(config as never), type, 'metaLearn', mention)
    })
  }
})
