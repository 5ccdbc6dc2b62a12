import { describeValue } from '../errors'
import { checkInteger, checkNumber, checkOptions, checkPositive, checkProbability } from '../validate'

/** An online learner: predict first, then learn from the answer (prequential, test-then-train). */
export interface OnlineLearner<X, Y, P = Y> {
  /** The prediction for `x`, from what was learned so far. */
  predict(x: X): P
  /** Learns from `x` and its answer `y`. */
  learn(x: X, y: Y): void
}

function checkVector(x: ArrayLike<number>, dimension: number, name: string): void {
  if (x === null || typeof x !== 'object' || x.length !== dimension)
    throw new RangeError(`${name}: x must have ${dimension} features, got ${describeValue(x)}`)
  for (let i = 0; i < dimension; i++)
    if (typeof x[i] !== 'number' || !Number.isFinite(x[i]))
      throw new RangeError(`${name}: feature ${i} must be a finite number, got ${describeValue(x[i])}`)
}

function checkFinite(v: unknown, what: string, name: string): number {
  return checkNumber(name, what, v)
}

/** Default `varianceFloor` of `GaussianNaiveBayes`: tiny beside any real spread, enough to keep a density finite. */
const DEFAULT_VARIANCE_FLOOR = 1e-9

/**
 * Count, mean, variance (Welford 1962: one pass, no catastrophic cancellation), min and max.
 *
 * ```ts
 * const s = new RunningStats()
 * for (const x of [2, 4, 4, 4, 5, 5, 7, 9]) s.update(x)
 * s.mean // 5; s.variance // 4 (population); s.sampleVariance // 4.571...
 * ```
 *
 * References: Welford, "Note on a method for calculating corrected sums of squares and products",
 * Technometrics 1962.
 */
export class RunningStats {
  /** Values seen. */
  count = 0
  /** Their mean. */
  mean = 0
  /** The least value seen. */
  min = Infinity
  /** The greatest value seen. */
  max = -Infinity
  private m2 = 0

  /** Adds one value. */
  update(x: number): void {
    checkFinite(x, 'x', 'RunningStats')
    this.count++
    const delta = x - this.mean
    this.mean += delta / this.count
    this.m2 += delta * (x - this.mean)
    if (x < this.min) this.min = x
    if (x > this.max) this.max = x
  }

  /** Population variance (0 before two values). */
  get variance(): number {
    return this.count > 0 ? this.m2 / this.count : 0
  }

  /** The sample variance (n - 1 in the denominator). */
  get sampleVariance(): number {
    return this.count > 1 ? this.m2 / (this.count - 1) : 0
  }

  /** The population standard deviation. */
  get std(): number {
    return Math.sqrt(this.variance)
  }

  /** Forgets every value. */
  reset(): void {
    this.count = this.mean = this.m2 = 0
    this.min = Infinity
    this.max = -Infinity
  }
}

/**
 * Linear regression by stochastic gradient descent on the squared error, one example at a time:
 * w <- w - rate (w.x + b - y) x, with optional L2 shrinkage.
 *
 * ```ts
 * const lr = new OnlineLinearRegression(2, { learningRate: 0.05 })
 * lr.learn([1, 2], 5)
 * lr.predict([1, 2])
 * ```
 */
export class OnlineLinearRegression implements OnlineLearner<ArrayLike<number>, number> {
  /** The weight of each feature. */
  readonly weights: Float64Array
  /** The bias term. */
  intercept = 0
  /** SGD step size. */
  readonly learningRate: number
  /** L2 weight decay. */
  readonly l2: number

  /** Zero weights on `dimension` features; `learningRate` (default 0.01) is SGD's step, `l2` (default 0) its weight decay. */
  constructor(
    /** Number of features. */
    readonly dimension: number,
    options?: { learningRate?: number; l2?: number },
  ) {
    const fn = 'OnlineLinearRegression'
    checkInteger(fn, 'dimension', dimension, { min: 1 })
    const { learningRate = 0.01, l2 = 0 } = checkOptions(fn, options, ['learningRate', 'l2'])
    checkPositive(fn, 'learningRate', learningRate)
    checkNumber(fn, 'l2', l2, { min: 0 })
    this.weights = new Float64Array(dimension)
    this.learningRate = learningRate
    this.l2 = l2
  }

  /** w . x + intercept. */
  predict(x: ArrayLike<number>): number {
    checkVector(x, this.dimension, 'OnlineLinearRegression')
    return this.raw(x)
  }

  /** One SGD step on the squared error of (x, y). */
  learn(x: ArrayLike<number>, y: number): void {
    checkVector(x, this.dimension, 'OnlineLinearRegression')
    checkFinite(y, 'y', 'OnlineLinearRegression')
    const error = this.raw(x) - y
    const rate = this.learningRate
    for (let i = 0; i < this.dimension; i++) this.weights[i] -= rate * (error * x[i] + this.l2 * this.weights[i])
    this.intercept -= rate * error
  }

  private raw(x: ArrayLike<number>): number {
    let s = this.intercept
    for (let i = 0; i < this.dimension; i++) s += this.weights[i] * x[i]
    return s
  }
}

/**
 * Logistic regression by stochastic gradient descent on the log loss; `predict` is P(y = 1).
 *
 * ```ts
 * const clf = new OnlineLogisticRegression(2)
 * clf.learn([0.2, 1.5], 1)
 * clf.predict([0.2, 1.5]) // a probability
 * ```
 */
export class OnlineLogisticRegression implements OnlineLearner<ArrayLike<number>, 0 | 1 | boolean, number> {
  /** The weight of each feature (the SGD iterate). */
  readonly weights: Float64Array
  /** The bias term. */
  intercept = 0
  /** SGD step size. */
  readonly learningRate: number
  /** With `averaging`: the predicting weights, an average of the SGD iterates (last entry: intercept). */
  private readonly averaged: Float64Array | null
  private readonly averaging: number
  private seen = 0

  /**
   * `averaging` in (0, 1): predict with an exponential moving average of the SGD weights (Polyak
   * averaging, 1/n at first, then this factor), which removes most of constant-rate SGD's noise
   * while still following a drifting target; about 1/averaging examples of memory.
   */
  constructor(
    /** Number of features. */
    readonly dimension: number,
    options?: { learningRate?: number; averaging?: number },
  ) {
    const fn = 'OnlineLogisticRegression'
    checkInteger(fn, 'dimension', dimension, { min: 1 })
    const { learningRate = 0.1, averaging } = checkOptions(fn, options, ['learningRate', 'averaging'])
    checkPositive(fn, 'learningRate', learningRate)
    if (averaging !== undefined) checkProbability(fn, 'averaging', averaging, true)
    this.weights = new Float64Array(dimension)
    this.learningRate = learningRate
    this.averaging = averaging ?? 0
    this.averaged = averaging === undefined ? null : new Float64Array(dimension + 1)
  }

  /** The probability that the label is 1. */
  predict(x: ArrayLike<number>): number {
    checkVector(x, this.dimension, 'OnlineLogisticRegression')
    const a = this.averaged
    if (a === null) return this.probability(x)
    let z = a[this.dimension]
    for (let i = 0; i < this.dimension; i++) z += a[i] * x[i]
    return 1 / (1 + Math.exp(-z))
  }

  /** One SGD step on the log loss of (x, y). */
  learn(x: ArrayLike<number>, y: 0 | 1 | boolean): void {
    checkVector(x, this.dimension, 'OnlineLogisticRegression')
    if (y !== 0 && y !== 1 && y !== true && y !== false)
      throw new RangeError(`OnlineLogisticRegression: y must be 0, 1 or a boolean, got ${describeValue(y)}`)
    const gradient = this.probability(x) - (y === true || y === 1 ? 1 : 0)
    for (let i = 0; i < this.dimension; i++) this.weights[i] -= this.learningRate * gradient * x[i]
    this.intercept -= this.learningRate * gradient
    const a = this.averaged
    if (a !== null) {
      const step = Math.max(this.averaging, 1 / ++this.seen)
      for (let i = 0; i < this.dimension; i++) a[i] += step * (this.weights[i] - a[i])
      a[this.dimension] += step * (this.intercept - a[this.dimension])
    }
  }

  private probability(x: ArrayLike<number>): number {
    let z = this.intercept
    for (let i = 0; i < this.dimension; i++) z += this.weights[i] * x[i]
    return 1 / (1 + Math.exp(-z))
  }
}

/**
 * Gaussian naive Bayes: per class, a prior from counts and per feature a normal density from a
 * running mean and variance; `predict` is the most probable class (`predictProba` all of them).
 *
 * ```ts
 * const nb = new GaussianNaiveBayes(1)
 * nb.learn([1.0], 'low'); nb.learn([9.0], 'high'); nb.learn([1.2], 'low'); nb.learn([8.7], 'high')
 * nb.predict([2]) // 'low'
 * ```
 */
export class GaussianNaiveBayes<C extends string | number = string | number>
  implements OnlineLearner<ArrayLike<number>, C, C | undefined>
{
  private readonly classes = new Map<C, RunningStats[]>()
  private total = 0
  /** Added to every variance so a class seen once (variance 0) still has a density. */
  readonly varianceFloor: number

  /** No classes yet, on `dimension` features. */
  constructor(
    /** Number of features. */
    readonly dimension: number,
    options?: { varianceFloor?: number },
  ) {
    checkInteger('GaussianNaiveBayes', 'dimension', dimension, { min: 1 })
    const { varianceFloor = DEFAULT_VARIANCE_FLOOR } = checkOptions('GaussianNaiveBayes', options, ['varianceFloor'])
    this.varianceFloor = checkNumber('GaussianNaiveBayes', 'varianceFloor', varianceFloor, { min: 0 })
  }

  /** Adds `x` to the statistics of class `y`. */
  learn(x: ArrayLike<number>, y: C): void {
    checkVector(x, this.dimension, 'GaussianNaiveBayes')
    let stats = this.classes.get(y)
    if (stats === undefined)
      this.classes.set(y, (stats = Array.from({ length: this.dimension }, () => new RunningStats())))
    for (let i = 0; i < this.dimension; i++) stats[i].update(x[i])
    this.total++
  }

  /** Log joint likelihood of each class, normalised into probabilities. */
  predictProba(x: ArrayLike<number>): Map<C, number> {
    checkVector(x, this.dimension, 'GaussianNaiveBayes')
    const logs = new Map<C, number>()
    let max = -Infinity
    for (const [label, stats] of this.classes) {
      let log = Math.log(stats[0].count / this.total)
      for (let i = 0; i < this.dimension; i++) {
        const variance = stats[i].variance + this.varianceFloor
        log += -0.5 * Math.log(2 * Math.PI * variance) - (x[i] - stats[i].mean) ** 2 / (2 * variance)
      }
      logs.set(label, log)
      if (log > max) max = log
    }
    let sum = 0
    for (const [label, log] of logs) {
      const p = Math.exp(log - max)
      logs.set(label, p)
      sum += p
    }
    for (const [label, p] of logs) logs.set(label, p / sum)
    return logs
  }

  /** The most probable class; undefined before any example. */
  predict(x: ArrayLike<number>): C | undefined {
    let best: C | undefined
    let bestP = -1
    for (const [label, p] of this.predictProba(x)) if (p > bestP) (bestP = p), (best = label)
    return best
  }
}

/**
 * Forecasts the next value as the mean of the last `window` values (window 1: the last value, the
 * naive forecast every forecaster should beat).
 *
 * ```ts
 * const f = new MovingAverageForecaster(3)
 * for (const y of [1, 2, 3, 4]) f.learn(undefined, y)
 * f.predict() // 3
 * ```
 */
export class MovingAverageForecaster implements OnlineLearner<unknown, number, number> {
  private readonly ring: Float64Array
  private count = 0
  private sum = 0

  /** An empty window of `window` values. */
  constructor(
    /** Number of latest values averaged. */
    readonly window = 1,
  ) {
    checkInteger('MovingAverageForecaster', 'window', window, { min: 1 })
    this.ring = new Float64Array(window)
  }

  /** NaN before the first value. */
  predict(_x?: unknown): number {
    const n = Math.min(this.count, this.window)
    return n === 0 ? Number.NaN : this.sum / n
  }

  /** Adds `y` to the window (`x` is ignored). */
  learn(_x: unknown, y: number): void {
    checkFinite(y, 'y', 'MovingAverageForecaster')
    const slot = this.count % this.window
    if (this.count >= this.window) this.sum -= this.ring[slot]
    this.ring[slot] = y
    this.sum += y
    this.count++
    // a running sum drifts by rounding; recount once per window
    if (slot === this.window - 1) {
      this.sum = 0
      for (let i = 0; i < this.window; i++) this.sum += this.ring[i]
    }
  }
}
