import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import {
  GaussianNaiveBayes,
  MovingAverageForecaster,
  OnlineLinearRegression,
  OnlineLogisticRegression,
  RunningStats,
} from '../../../src/learn/learners'
import { rng } from '../../support/rng'

describe('RunningStats', () => {
  test.prop([
    fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
    fc.double({ min: -1e9, max: 1e9, noNaN: true }),
  ])('mean, variance, min and max equal a two-pass computation (also far from zero)', (xs, shift) => {
    const s = new RunningStats()
    const ys = xs.map(x => x + shift)
    ys.forEach(y => s.update(y))
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length
    const variance = ys.reduce((a, y) => a + (y - mean) ** 2, 0) / ys.length
    expect(s.count).toBe(ys.length)
    // both sides round at the scale of the largest value
    expect(Math.abs(s.mean - mean)).toBeLessThanOrEqual(1e-9 * (Math.abs(shift) + 1e6))
    expect(Math.abs(s.variance - variance)).toBeLessThanOrEqual(1e-6 * (variance + 1) + 1e-12 * mean * mean)
    expect(s.min).toBe(Math.min(...ys))
    expect(s.max).toBe(Math.max(...ys))
  })
})

describe('online regression and classification', () => {
  it('linear regression by SGD recovers the coefficients of a noiseless linear target', () => {
    const random = rng(5)
    const lr = new OnlineLinearRegression(3, { learningRate: 0.05 })
    for (let t = 0; t < 20_000; t++) {
      const x = [random() * 2 - 1, random() * 2 - 1, random() * 2 - 1]
      lr.learn(x, 2 * x[0] - 3 * x[1] + 0.5 * x[2] + 1)
    }
    expect(Array.from(lr.weights).map(w => Number(w.toFixed(3)))).toEqual([2, -3, 0.5])
    expect(lr.intercept).toBeCloseTo(1, 3)
  })

  it('logistic regression separates a linearly separable stream (prequential accuracy)', () => {
    const random = rng(6)
    const clf = new OnlineLogisticRegression(2, { learningRate: 0.5 })
    let correct = 0
    for (let t = 0; t < 10_000; t++) {
      const x = [random() * 2 - 1, random() * 2 - 1]
      const y = x[0] + 2 * x[1] > 0.1 ? 1 : 0
      if (t >= 5000 && (clf.predict(x) > 0.5 ? 1 : 0) === y) correct++
      clf.learn(x, y)
    }
    expect(correct / 5000).toBeGreaterThan(0.97)
  })

  it('Gaussian naive Bayes equals the closed form computed by hand', () => {
    const nb = new GaussianNaiveBayes<string>(1, { varianceFloor: 0 })
    for (const [x, y] of [
      [1, 'a'],
      [2, 'a'],
      [3, 'a'],
      [10, 'b'],
      [14, 'b'],
    ] as const)
      nb.learn([x], y)
    // a: mean 2, variance 2/3, prior 3/5; b: mean 12, variance 4, prior 2/5
    const density = (x: number, m: number, v: number) =>
      Math.exp(-((x - m) ** 2) / (2 * v)) / Math.sqrt(2 * Math.PI * v)
    const pa = 0.6 * density(5, 2, 2 / 3)
    const pb = 0.4 * density(5, 12, 4)
    const p = nb.predictProba([5])
    expect(p.get('a')).toBeCloseTo(pa / (pa + pb), 12)
    expect(p.get('b')).toBeCloseTo(pb / (pa + pb), 12)
    expect(nb.predict([5])).toBe(pa > pb ? 'a' : 'b')
    expect(new GaussianNaiveBayes(1).predict([0])).toBeUndefined()
  })

  test.prop([
    fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 100 }),
    fc.integer({ min: 1, max: 12 }),
  ])('the moving average forecaster predicts the mean of the last window values', (ys, window) => {
    const f = new MovingAverageForecaster(window)
    expect(f.predict()).toBeNaN()
    ys.forEach((y, i) => {
      f.learn(undefined, y)
      const last = ys.slice(Math.max(0, i + 1 - window), i + 1)
      expect(f.predict()).toBeCloseTo(last.reduce((a, b) => a + b, 0) / last.length, 9)
    })
  })

  it('bad input is named', () => {
    expect(() => new RunningStats().update(Number.NaN)).toThrow(/x must be a finite number, got NaN/)
    expect(() => new OnlineLinearRegression(2).learn([1], 2)).toThrow(/x must have 2 features/)
    expect(() => new OnlineLinearRegression(2).learn([1, Infinity], 2)).toThrow(
      /feature 1 must be a finite number, got Infinity/,
    )
    expect(() => new OnlineLogisticRegression(1).learn([1], 2 as never)).toThrow(/y must be 0, 1 or a boolean, got 2/)
    expect(() => new MovingAverageForecaster(0)).toThrow(/window must be an integer >= 1, got 0/)
  })
})
