import { describeValue } from '../errors'
import { checkSnapshot, decodeFloat64, encodeFloat64, SnapshotError, type SnapshotHeader } from '../snapshot'
import { checkInteger, checkNumber, checkOptions, checkPositive, checkProbability } from '../validate'

/**
 * An online learner: predict first, then learn from the answer (prequential, test-then-train).
 *
 * `snapshot` and `restore` are optional, but a learner that a `MetaLearner` holds needs both for the
 * `MetaLearner` itself to be snapshotted (its `snapshot()` throws a `TypeError` naming the candidate
 * otherwise). `snapshot()` returns a JSON-safe `{ kind, version, ... }` object; `restore(s)` puts the
 * learner, in place, in the state `s` describes (a `SnapshotError` when `s` is not its kind), so that
 * it continues exactly as the learner that wrote `s`. Every learner of midstream has both.
 *
 * ```ts
 * class LastValue implements OnlineLearner<unknown, number> {
 *   private last = 0
 *   predict() { return this.last }
 *   learn(_x: unknown, y: number) { this.last = y }
 *   snapshot() { return { kind: 'LastValue', version: 1, last: this.last } }
 *   restore(s: { kind: string; version: number; last: number }) { this.last = s.last }
 * }
 * ```
 */
export interface OnlineLearner<X, Y, P = Y> {
  /** The prediction for `x`, from what was learned so far. */
  predict(x: X): P
  /** Learns from `x` and its answer `y`. */
  learn(x: X, y: Y): void
  /** The learner's state as a JSON-safe object (optional; needed to snapshot a `MetaLearner` holding it). */
  snapshot?(): SnapshotHeader
  /** Puts the learner in the state a `snapshot()` result describes, in place (optional, with `snapshot`). */
  restore?(snapshot: SnapshotHeader): void
}

const SNAPSHOT_VERSION = 1

/** The float64 values `field` of a snapshot holds, which must be exactly `length` of them. */
function decodeExactly(fn: string, field: string, text: unknown, length: number): Float64Array {
  const values = decodeFloat64(fn, field, text)
  if (values.length !== length)
    throw new SnapshotError(`${fn}: ${field} holds ${values.length} values, expected ${length}`)
  return values
}

/** A count stored in a snapshot: a safe integer >= 0. */
function checkCount(fn: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new SnapshotError(`${fn}: ${field} must be an integer >= 0, got ${describeValue(value)}`)
  return value
}

/** The `options` object of a snapshot, or a `SnapshotError`. */
function snapshotOptions<O>(fn: string, s: { readonly options?: unknown }): O {
  const o = s.options
  if (o === null || typeof o !== 'object' || Array.isArray(o))
    throw new SnapshotError(`${fn}: the snapshot's options must be an object, got ${describeValue(o)}`)
  return o as O
}

/** Restoring in place needs the options the learner was built with: a `SnapshotError` naming both values otherwise. */
function checkSameOption(fn: string, kind: string, name: string, saved: unknown, own: unknown): void {
  if (!Object.is(saved, own))
    throw new SnapshotError(
      `${fn}: the snapshot is of a ${kind} with ${name} ${describeValue(saved)}, this one has ${describeValue(own)}`,
    )
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

  /**
   * The statistics as a JSON-safe object, bit for bit; `restore` or `RunningStats.fromSnapshot` read it.
   *
   * ```ts
   * const copy = RunningStats.fromSnapshot(JSON.parse(JSON.stringify(stats.snapshot())))
   * ```
   */
  snapshot(): RunningStatsSnapshot {
    return { kind: 'RunningStats', version: SNAPSHOT_VERSION, state: encodeFloat64(this.values()) }
  }

  /**
   * Puts these statistics in the state `snapshot` describes. Another kind or version is a
   * `SnapshotError` naming both; a damaged field a `SnapshotError` naming it (the state is then untouched).
   */
  restore(snapshot: RunningStatsSnapshot): void {
    const fn = 'RunningStats.restore'
    const s = checkSnapshot<RunningStatsSnapshot>(fn, snapshot, 'RunningStats', SNAPSHOT_VERSION)
    this.setValues(fn, decodeExactly(fn, 'state', s.state, RUNNING_STATS_VALUES), 0)
  }

  /** New statistics in the state `snapshot` describes; errors as `restore`. */
  static fromSnapshot(snapshot: RunningStatsSnapshot): RunningStats {
    const stats = new RunningStats()
    stats.restore(snapshot)
    return stats
  }

  /**
   * Count, mean, m2, min and max, in that order.
   * @internal
   */
  values(): number[] {
    return [this.count, this.mean, this.m2, this.min, this.max]
  }

  /**
   * Sets count, mean, m2, min and max from `values[at..at+5)`, checking the count.
   * @internal
   */
  setValues(fn: string, values: ArrayLike<number>, at: number): void {
    const count = values[at]
    if (!Number.isSafeInteger(count) || count < 0)
      throw new SnapshotError(`${fn}: the count must be an integer >= 0, got ${describeValue(count)}`)
    this.count = count
    this.mean = values[at + 1]
    this.m2 = values[at + 2]
    this.min = values[at + 3]
    this.max = values[at + 4]
  }
}

/** Values per `RunningStats` in a snapshot: count, mean, m2, min, max. */
const RUNNING_STATS_VALUES = 5

/** `RunningStats.snapshot()`: count, mean, sum of squared deviations, min and max, bit for bit. */
export interface RunningStatsSnapshot extends SnapshotHeader {
  /** Always `'RunningStats'`. */
  readonly kind: 'RunningStats'
  /** The layout's version (1). */
  readonly version: number
  /** Count, mean, m2, min and max as base64 float64 bytes. */
  readonly state: string
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

  /**
   * The options, weights and intercept as a JSON-safe object, bit for bit.
   *
   * ```ts
   * const copy = OnlineLinearRegression.fromSnapshot(JSON.parse(JSON.stringify(lr.snapshot())))
   * ```
   */
  snapshot(): OnlineLinearRegressionSnapshot {
    const { dimension, learningRate, l2 } = this
    return {
      kind: 'OnlineLinearRegression',
      version: SNAPSHOT_VERSION,
      options: { dimension, learningRate, l2 },
      weights: encodeFloat64([...this.weights, this.intercept]),
    }
  }

  /**
   * Puts this model in the state `snapshot` describes. Another kind or version, options other than
   * this model's, or a damaged field: a `SnapshotError` naming them (the model is then untouched).
   */
  restore(snapshot: OnlineLinearRegressionSnapshot): void {
    const fn = 'OnlineLinearRegression.restore'
    const s = checkSnapshot<OnlineLinearRegressionSnapshot>(fn, snapshot, 'OnlineLinearRegression', SNAPSHOT_VERSION)
    const o = snapshotOptions<OnlineLinearRegressionSnapshot['options']>(fn, s)
    for (const name of ['dimension', 'learningRate', 'l2'] as const)
      checkSameOption(fn, 'OnlineLinearRegression', name, o[name], this[name])
    const values = decodeExactly(fn, 'weights', s.weights, this.dimension + 1)
    this.weights.set(values.subarray(0, this.dimension))
    this.intercept = values[this.dimension]
  }

  /** A model in the state `snapshot` describes; bad options as the constructor, other errors as `restore`. */
  static fromSnapshot(snapshot: OnlineLinearRegressionSnapshot): OnlineLinearRegression {
    const fn = 'OnlineLinearRegression.fromSnapshot'
    const s = checkSnapshot<OnlineLinearRegressionSnapshot>(fn, snapshot, 'OnlineLinearRegression', SNAPSHOT_VERSION)
    const { dimension, learningRate, l2 } = snapshotOptions<OnlineLinearRegressionSnapshot['options']>(fn, s)
    const model = new OnlineLinearRegression(dimension, { learningRate, l2 })
    model.restore(s)
    return model
  }
}

/** `OnlineLinearRegression.snapshot()`: the options, and the weights and intercept bit for bit. */
export interface OnlineLinearRegressionSnapshot extends SnapshotHeader {
  /** Always `'OnlineLinearRegression'`. */
  readonly kind: 'OnlineLinearRegression'
  /** The layout's version (1). */
  readonly version: number
  /** The options the model was built with. */
  readonly options: {
    /** Number of features. */
    readonly dimension: number
    /** SGD step size. */
    readonly learningRate: number
    /** L2 weight decay. */
    readonly l2: number
  }
  /** The weights then the intercept, as base64 float64 bytes. */
  readonly weights: string
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

  /**
   * The options, the SGD weights and, with `averaging`, the averaged weights and the examples seen,
   * as a JSON-safe object, bit for bit.
   *
   * ```ts
   * const copy = OnlineLogisticRegression.fromSnapshot(JSON.parse(JSON.stringify(clf.snapshot())))
   * ```
   */
  snapshot(): OnlineLogisticRegressionSnapshot {
    const { dimension, learningRate } = this
    return {
      kind: 'OnlineLogisticRegression',
      version: SNAPSHOT_VERSION,
      options: { dimension, learningRate, averaging: this.averaged === null ? null : this.averaging },
      weights: encodeFloat64([...this.weights, this.intercept]),
      averaged: this.averaged === null ? null : encodeFloat64(this.averaged),
      seen: this.seen,
    }
  }

  /**
   * Puts this model in the state `snapshot` describes. Another kind or version, options other than
   * this model's, or a damaged field: a `SnapshotError` naming them (the model is then untouched).
   */
  restore(snapshot: OnlineLogisticRegressionSnapshot): void {
    const fn = 'OnlineLogisticRegression.restore'
    const s = checkSnapshot<OnlineLogisticRegressionSnapshot>(
      fn,
      snapshot,
      'OnlineLogisticRegression',
      SNAPSHOT_VERSION,
    )
    const o = snapshotOptions<OnlineLogisticRegressionSnapshot['options']>(fn, s)
    const kind = 'OnlineLogisticRegression'
    checkSameOption(fn, kind, 'dimension', o.dimension, this.dimension)
    checkSameOption(fn, kind, 'learningRate', o.learningRate, this.learningRate)
    checkSameOption(fn, kind, 'averaging', o.averaging, this.averaged === null ? null : this.averaging)
    const weights = decodeExactly(fn, 'weights', s.weights, this.dimension + 1)
    if (this.averaged === null && s.averaged !== null)
      throw new SnapshotError(`${fn}: averaged must be null without averaging, got ${describeValue(s.averaged)}`)
    const averaged = this.averaged === null ? null : decodeExactly(fn, 'averaged', s.averaged, this.dimension + 1)
    const seen = checkCount(fn, 'seen', s.seen)
    this.weights.set(weights.subarray(0, this.dimension))
    this.intercept = weights[this.dimension]
    if (averaged !== null) this.averaged?.set(averaged)
    this.seen = seen
  }

  /** A model in the state `snapshot` describes; bad options as the constructor, other errors as `restore`. */
  static fromSnapshot(snapshot: OnlineLogisticRegressionSnapshot): OnlineLogisticRegression {
    const fn = 'OnlineLogisticRegression.fromSnapshot'
    const s = checkSnapshot<OnlineLogisticRegressionSnapshot>(
      fn,
      snapshot,
      'OnlineLogisticRegression',
      SNAPSHOT_VERSION,
    )
    const { dimension, learningRate, averaging } = snapshotOptions<OnlineLogisticRegressionSnapshot['options']>(fn, s)
    const model = new OnlineLogisticRegression(dimension, {
      learningRate,
      ...(averaging === null ? {} : { averaging }),
    })
    model.restore(s)
    return model
  }
}

/** `OnlineLogisticRegression.snapshot()`: the options, and the weights bit for bit. */
export interface OnlineLogisticRegressionSnapshot extends SnapshotHeader {
  /** Always `'OnlineLogisticRegression'`. */
  readonly kind: 'OnlineLogisticRegression'
  /** The layout's version (1). */
  readonly version: number
  /** The options the model was built with (`averaging` null when it was not given). */
  readonly options: {
    /** Number of features. */
    readonly dimension: number
    /** SGD step size. */
    readonly learningRate: number
    /** The averaging factor, or null without averaging. */
    readonly averaging: number | null
  }
  /** The SGD weights then the intercept, as base64 float64 bytes. */
  readonly weights: string
  /** With `averaging`: the averaged weights then intercept, as base64 float64 bytes; else null. */
  readonly averaged: string | null
  /** Examples learned from (the averaging's 1/n phase). */
  readonly seen: number
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

  /**
   * The options and, per class in the order first seen, its label and statistics, as a JSON-safe
   * object, bit for bit. A label that JSON cannot carry exactly (a non-finite number, anything but a
   * string or a number) is a `TypeError` naming it.
   *
   * ```ts
   * const copy = GaussianNaiveBayes.fromSnapshot<string>(JSON.parse(JSON.stringify(nb.snapshot())))
   * ```
   */
  snapshot(): GaussianNaiveBayesSnapshot<C> {
    const classes: Array<{ label: C; stats: string }> = []
    for (const [label, stats] of this.classes) {
      if (typeof label !== 'string' && !(typeof label === 'number' && Number.isFinite(label)))
        throw new TypeError(
          `GaussianNaiveBayes.snapshot: class label ${describeValue(label)} cannot be saved; labels must be strings or finite numbers`,
        )
      classes.push({ label, stats: encodeFloat64(stats.flatMap(s => s.values())) })
    }
    return {
      kind: 'GaussianNaiveBayes',
      version: SNAPSHOT_VERSION,
      options: { dimension: this.dimension, varianceFloor: this.varianceFloor },
      total: this.total,
      classes,
    }
  }

  /**
   * Puts this classifier in the state `snapshot` describes. Another kind or version, options other
   * than this classifier's, or a damaged field: a `SnapshotError` naming them (the classifier is then untouched).
   */
  restore(snapshot: GaussianNaiveBayesSnapshot<C>): void {
    const fn = 'GaussianNaiveBayes.restore'
    const s = checkSnapshot<GaussianNaiveBayesSnapshot<C>>(fn, snapshot, 'GaussianNaiveBayes', SNAPSHOT_VERSION)
    const o = snapshotOptions<GaussianNaiveBayesSnapshot<C>['options']>(fn, s)
    checkSameOption(fn, 'GaussianNaiveBayes', 'dimension', o.dimension, this.dimension)
    checkSameOption(fn, 'GaussianNaiveBayes', 'varianceFloor', o.varianceFloor, this.varianceFloor)
    const total = checkCount(fn, 'total', s.total)
    if (!Array.isArray(s.classes))
      throw new SnapshotError(`${fn}: classes must be an array, got ${describeValue(s.classes)}`)
    const classes = new Map<C, RunningStats[]>()
    s.classes.forEach((entry, c) => {
      const label = entry?.label as C
      if (typeof label !== 'string' && !(typeof label === 'number' && Number.isFinite(label)))
        throw new SnapshotError(`${fn}: class #${c} has label ${describeValue(label)}, not a string or finite number`)
      if (classes.has(label)) throw new SnapshotError(`${fn}: class ${describeValue(label)} appears twice`)
      const values = decodeExactly(fn, `classes[${c}].stats`, entry.stats, this.dimension * RUNNING_STATS_VALUES)
      const stats = Array.from({ length: this.dimension }, (_, i) => {
        const feature = new RunningStats()
        feature.setValues(fn, values, i * RUNNING_STATS_VALUES)
        return feature
      })
      classes.set(label, stats)
    })
    this.classes.clear()
    for (const [label, stats] of classes) this.classes.set(label, stats)
    this.total = total
  }

  /** A classifier in the state `snapshot` describes; bad options as the constructor, other errors as `restore`. */
  static fromSnapshot<C extends string | number>(snapshot: GaussianNaiveBayesSnapshot<C>): GaussianNaiveBayes<C> {
    const fn = 'GaussianNaiveBayes.fromSnapshot'
    const s = checkSnapshot<GaussianNaiveBayesSnapshot<C>>(fn, snapshot, 'GaussianNaiveBayes', SNAPSHOT_VERSION)
    const { dimension, varianceFloor } = snapshotOptions<GaussianNaiveBayesSnapshot<C>['options']>(fn, s)
    const model = new GaussianNaiveBayes<C>(dimension, { varianceFloor })
    model.restore(s)
    return model
  }
}

/** `GaussianNaiveBayes.snapshot()`: the options, the example count and every class's statistics. */
export interface GaussianNaiveBayesSnapshot<C extends string | number = string | number> extends SnapshotHeader {
  /** Always `'GaussianNaiveBayes'`. */
  readonly kind: 'GaussianNaiveBayes'
  /** The layout's version (1). */
  readonly version: number
  /** The options the classifier was built with. */
  readonly options: {
    /** Number of features. */
    readonly dimension: number
    /** Added to every variance. */
    readonly varianceFloor: number
  }
  /** Examples learned from. */
  readonly total: number
  /**
   * Per class, in the order first seen: its label and, per feature, count, mean, m2, min and max
   * (as `RunningStats`), as base64 float64 bytes.
   */
  readonly classes: ReadonlyArray<{
    /** The class label. */
    readonly label: C
    /** Per feature: count, mean, m2, min and max, as base64 float64 bytes. */
    readonly stats: string
  }>
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

  /**
   * The window, its running sum and the count of values seen as a JSON-safe object, bit for bit.
   *
   * ```ts
   * const copy = MovingAverageForecaster.fromSnapshot(JSON.parse(JSON.stringify(f.snapshot())))
   * ```
   */
  snapshot(): MovingAverageForecasterSnapshot {
    return {
      kind: 'MovingAverageForecaster',
      version: SNAPSHOT_VERSION,
      options: { window: this.window },
      count: this.count,
      state: encodeFloat64([this.sum, ...this.ring]),
    }
  }

  /**
   * Puts this forecaster in the state `snapshot` describes. Another kind or version, another window,
   * or a damaged field: a `SnapshotError` naming them (the forecaster is then untouched).
   */
  restore(snapshot: MovingAverageForecasterSnapshot): void {
    const fn = 'MovingAverageForecaster.restore'
    const s = checkSnapshot<MovingAverageForecasterSnapshot>(fn, snapshot, 'MovingAverageForecaster', SNAPSHOT_VERSION)
    const o = snapshotOptions<MovingAverageForecasterSnapshot['options']>(fn, s)
    checkSameOption(fn, 'MovingAverageForecaster', 'window', o.window, this.window)
    const count = checkCount(fn, 'count', s.count)
    const values = decodeExactly(fn, 'state', s.state, this.window + 1)
    this.count = count
    this.sum = values[0]
    this.ring.set(values.subarray(1))
  }

  /** A forecaster in the state `snapshot` describes; a bad window as the constructor, other errors as `restore`. */
  static fromSnapshot(snapshot: MovingAverageForecasterSnapshot): MovingAverageForecaster {
    const fn = 'MovingAverageForecaster.fromSnapshot'
    const s = checkSnapshot<MovingAverageForecasterSnapshot>(fn, snapshot, 'MovingAverageForecaster', SNAPSHOT_VERSION)
    const forecaster = new MovingAverageForecaster(
      snapshotOptions<MovingAverageForecasterSnapshot['options']>(fn, s).window,
    )
    forecaster.restore(s)
    return forecaster
  }
}

/** `MovingAverageForecaster.snapshot()`: the window's values, their running sum and the count seen. */
export interface MovingAverageForecasterSnapshot extends SnapshotHeader {
  /** Always `'MovingAverageForecaster'`. */
  readonly kind: 'MovingAverageForecaster'
  /** The layout's version (1). */
  readonly version: number
  /** The options the forecaster was built with. */
  readonly options: {
    /** Number of latest values averaged. */
    readonly window: number
  }
  /** Values learned from. */
  readonly count: number
  /** The running sum, then the ring of the last `window` values, as base64 float64 bytes. */
  readonly state: string
}
