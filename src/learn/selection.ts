import { describeValue } from '../errors'
import { checkSnapshot, encodeFloat64, SnapshotError, type SnapshotHeader } from '../snapshot'
import { type Mulberry32, mulberry32 } from '../stats/random'
import { checkInteger, checkNumber, checkOptions, checkPositive, checkProbability } from '../validate'
import {
  checkSameOptions,
  isSnapshotLike,
  snapshotFloats,
  snapshotInteger,
  snapshotOptions,
  snapshotRandomState,
} from './snapshotFields'

/**
 * Online model selection: which of N candidates (models, arms) to trust next, from the losses or
 * rewards seen so far. Full information (`Hedge`: every candidate's loss each round) or bandit
 * feedback (`UCB1`, `EXP3`, `ThompsonSampling`: only the chosen one's reward).
 */
export interface Selector {
  /** Number of candidates. */
  readonly size: number
  /** The candidate to use now (random for Hedge, EXP3 and Thompson sampling, from their seed). */
  select(): number
  /** The current probability (or, for UCB1, share of pulls) of each candidate; sums to 1. */
  weights(): Float64Array
  /** The same, written into `out` (no allocation). */
  weightsInto(out: Float64Array): Float64Array
}

/** Options every selector takes. */
export interface SelectorOptions {
  /** Seed of the selector's own PRNG. Default 1. */
  readonly seed?: number
}

function checkSize(n: unknown, name: string): number {
  return checkInteger(name, 'the number of candidates', n, { min: 1 })
}

function checkArm(arm: unknown, n: number, name: string): number {
  return checkInteger(name, 'arm', arm, { min: 0, max: n - 1 })
}

function checkUnit(value: unknown, what: string, name: string): number {
  return checkProbability(name, what, value)
}

function checkLosses(name: string, losses: unknown, size: number): void {
  if (losses === null || typeof losses !== 'object' || typeof (losses as ArrayLike<number>).length !== 'number')
    throw new TypeError(`${name}: losses must be an array of ${size} numbers, got ${describeValue(losses)}`)
  if ((losses as ArrayLike<number>).length !== size)
    throw new RangeError(`${name}: losses must hold ${size} numbers, got ${(losses as ArrayLike<number>).length}`)
}

function checkSeed(name: string, seed: unknown): number {
  return checkInteger(name, 'seed', seed)
}

/** Version of the selection policies' snapshot layouts. */
const SELECTION_SNAPSHOT_VERSION = 1

/** The number of candidates a snapshot's options name, checked as the constructors check it. */
function snapshotSize(fn: string, options: Record<string, unknown>): number {
  return checkSize(options.size, fn)
}

/** `Hedge.snapshot()`: options, cumulative losses, weights, round count and PRNG state, bit for bit. */
export interface HedgeSnapshot extends SnapshotHeader {
  /** Always `'Hedge'`. */
  readonly kind: 'Hedge'
  /** The layout's version (1). */
  readonly version: number
  /** Number of experts, and the fixed learning rate and horizon (`null` when not given). */
  readonly options: {
    /** Number of experts. */
    readonly size: number
    /** The fixed learning rate, or `null` for the one derived from the horizon or the round. */
    readonly learningRate: number | null
    /** The horizon T, or `null` for an anytime rate. */
    readonly horizon: number | null
  }
  /** Cumulative loss of each expert, base64 float64. */
  readonly losses: string
  /** Current probability of each expert, base64 float64. */
  readonly weights: string
  /** Updates so far (the anytime learning rate reads it). */
  readonly rounds: number
  /** State of the mulberry32 generator `select` draws from. */
  readonly random: number
}

/** `UCB1.snapshot()`: options, pulls and summed rewards per arm, and the round count. */
export interface UCB1Snapshot extends SnapshotHeader {
  /** Always `'UCB1'`. */
  readonly kind: 'UCB1'
  /** The layout's version (1). */
  readonly version: number
  /** Number of arms and the exploration factor. */
  readonly options: {
    /** Number of arms. */
    readonly size: number
    /** The factor c of the bonus sqrt(c ln t / n_i). */
    readonly exploration: number
  }
  /** Pulls of each arm, base64 float64. */
  readonly pulls: string
  /** Summed reward of each arm, base64 float64. */
  readonly rewards: string
  /** Updates so far. */
  readonly rounds: number
}

/** `EXP3.snapshot()`: options, log-weights, probabilities and PRNG state, bit for bit. */
export interface EXP3Snapshot extends SnapshotHeader {
  /** Always `'EXP3'`. */
  readonly kind: 'EXP3'
  /** The layout's version (1). */
  readonly version: number
  /** Number of arms and the exploration share gamma. */
  readonly options: {
    /** Number of arms. */
    readonly size: number
    /** Exploration share gamma. */
    readonly gamma: number
  }
  /** log w_i relative to the largest, base64 float64. */
  readonly logWeights: string
  /** Current probability of each arm, base64 float64. */
  readonly weights: string
  /** State of the mulberry32 generator `select` draws from. */
  readonly random: number
}

/** `ThompsonSampling.snapshot()`: options, Beta posteriors and PRNG state. */
export interface ThompsonSamplingSnapshot extends SnapshotHeader {
  /** Always `'ThompsonSampling'`. */
  readonly kind: 'ThompsonSampling'
  /** The layout's version (1). */
  readonly version: number
  /** Number of arms. */
  readonly options: {
    /** Number of arms. */
    readonly size: number
  }
  /** Posterior alpha of each arm, base64 float64. */
  readonly alpha: string
  /** Posterior beta of each arm, base64 float64. */
  readonly beta: string
  /** State of the mulberry32 generator `select` and `update` draw from. */
  readonly random: number
}

/** Samples an index from probabilities p (summing to 1) with one uniform draw. */
function sample(p: Float64Array, u: number): number {
  let acc = 0
  for (let i = 0; i < p.length; i++) {
    acc += p[i]
    if (u < acc) return i
  }
  return p.length - 1
}

/**
 * Hedge, exponential weights over N experts (Freund & Schapire 1997): weight_i proportional to
 * exp(-eta L_i), L_i the expert's cumulative loss, losses in [0, 1]. With `horizon` T and the rate
 * eta = sqrt(8 ln N / T) its expected cumulative loss is within sqrt(T ln N / 2) of the best expert
 * in hindsight on any sequence; without a horizon the rate is sqrt(8 ln N / t) at round t (anytime).
 *
 * ```ts
 * const hedge = new Hedge(3, { horizon: 1000 })
 * hedge.update([0.9, 0.1, 0.5]) // every candidate's loss this round
 * hedge.weights()               // the second now weighs most
 * ```
 *
 * References: Freund & Schapire, "A decision-theoretic generalization of on-line learning and an
 * application to boosting", JCSS 1997.
 * @see UCB1
 * @see EXP3
 * @see ThompsonSampling
 */
export class Hedge implements Selector {
  /** Number of experts. */
  readonly size: number
  /** Cumulative loss of each expert. */
  readonly losses: Float64Array
  private readonly p: Float64Array
  private readonly random: Mulberry32
  private rounds = 0
  private readonly fixedRate: number | undefined
  private readonly horizon: number | undefined

  /** Equal weights on `n` experts; bad arguments throw a `TypeError` or `RangeError` naming them. */
  constructor(n: number, options?: SelectorOptions & { learningRate?: number; horizon?: number }) {
    this.size = checkSize(n, 'Hedge')
    const { learningRate, horizon, seed = 1 } = checkOptions('Hedge', options, ['seed', 'learningRate', 'horizon'])
    if (learningRate !== undefined) checkPositive('Hedge', 'learningRate', learningRate)
    if (horizon !== undefined) checkInteger('Hedge', 'horizon', horizon, { min: 1 })
    checkSeed('Hedge', seed)
    this.fixedRate = learningRate
    this.horizon = horizon
    this.losses = new Float64Array(n)
    this.p = new Float64Array(n).fill(1 / n)
    this.random = mulberry32(seed)
  }

  /** The learning rate the next update uses. */
  get learningRate(): number {
    if (this.fixedRate !== undefined) return this.fixedRate
    const ln = Math.log(Math.max(2, this.size))
    return Math.sqrt((8 * ln) / (this.horizon ?? Math.max(1, this.rounds + 1)))
  }

  select(): number {
    return sample(this.p, this.random())
  }

  weights(): Float64Array {
    return this.p.slice()
  }

  weightsInto(out: Float64Array): Float64Array {
    out.set(this.p)
    return out
  }

  /** Adds this round's loss of every expert (each in [0, 1]). */
  update(losses: ArrayLike<number>): void {
    checkLosses('Hedge.update', losses, this.size)
    for (let i = 0; i < this.size; i++) checkUnit(losses[i], `loss ${i}`, 'Hedge')
    const eta = this.learningRate
    this.rounds++
    let min = Infinity
    for (let i = 0; i < this.size; i++) {
      this.losses[i] += losses[i]
      if (this.losses[i] < min) min = this.losses[i]
    }
    // exp(-eta (L_i - min L)): the same weights, never underflowing to all zeros
    let total = 0
    for (let i = 0; i < this.size; i++) total += this.p[i] = Math.exp(-eta * (this.losses[i] - min))
    for (let i = 0; i < this.size; i++) this.p[i] /= total
  }

  /**
   * The policy's state as a JSON-safe object: `Hedge.fromSnapshot` (or `restore` on a Hedge with the
   * same options) rebuilds it, and the rebuilt policy selects and weighs exactly as this one would.
   *
   * ```ts
   * const saved = JSON.stringify(hedge.snapshot())
   * const again = Hedge.fromSnapshot(JSON.parse(saved))
   * ```
   */
  snapshot(): HedgeSnapshot {
    return {
      kind: 'Hedge',
      version: SELECTION_SNAPSHOT_VERSION,
      options: this.snapshotOptions(),
      losses: encodeFloat64(this.losses),
      weights: encodeFloat64(this.p),
      rounds: this.rounds,
      random: this.random.state,
    }
  }

  /**
   * A Hedge in the state `snapshot` describes (from `snapshot()`, possibly through JSON). Another kind
   * or version, or a damaged field, is a `SnapshotError`; bad options throw as the constructor does.
   *
   * ```ts
   * const hedge = Hedge.fromSnapshot(JSON.parse(saved))
   * ```
   */
  static fromSnapshot(snapshot: HedgeSnapshot): Hedge {
    const fn = 'Hedge.fromSnapshot'
    const s = checkSnapshot<HedgeSnapshot>(fn, snapshot, 'Hedge', SELECTION_SNAPSHOT_VERSION)
    const o = snapshotOptions(fn, s.options)
    const hedge = new Hedge(snapshotSize(fn, o), {
      learningRate: (o.learningRate ?? undefined) as number | undefined,
      horizon: (o.horizon ?? undefined) as number | undefined,
    })
    hedge.load(fn, s)
    return hedge
  }

  /**
   * Either replaces the whole state by a `snapshot` of a Hedge with the same options, in place (for
   * holders of an instance, such as `MetaLearner`; another kind, version or options, or a damaged
   * field, is a `SnapshotError` and changes nothing), or starts from given cumulative `losses` (to
   * carry them into a Hedge with another learning rate; the weights are recomputed with this one's).
   *
   * ```ts
   * const hedge = new Hedge(3, { horizon: 1000 })
   * hedge.restore(JSON.parse(saved)) // a snapshot of a Hedge(3, { horizon: 1000 })
   * hedge.restore([4, 1, 2])         // or: just these cumulative losses
   * ```
   */
  restore(state: HedgeSnapshot | ArrayLike<number>): void {
    if (isSnapshotLike(state)) {
      const fn = 'Hedge.restore'
      this.load(fn, checkSnapshot<HedgeSnapshot>(fn, state, 'Hedge', SELECTION_SNAPSHOT_VERSION))
      return
    }
    const losses = state
    checkLosses('Hedge.restore', losses, this.size)
    let min = Infinity
    for (let i = 0; i < this.size; i++) min = Math.min(min, (this.losses[i] = losses[i]))
    const eta = this.learningRate
    let total = 0
    for (let i = 0; i < this.size; i++) total += this.p[i] = Math.exp(-eta * (this.losses[i] - min))
    for (let i = 0; i < this.size; i++) this.p[i] /= total
  }

  /** Back to equal weights and no losses. */
  reset(): void {
    this.losses.fill(0)
    this.p.fill(1 / this.size)
    this.rounds = 0
  }

  private snapshotOptions(): HedgeSnapshot['options'] {
    return { size: this.size, learningRate: this.fixedRate ?? null, horizon: this.horizon ?? null }
  }

  /** Checks every field of `s` against this Hedge's options, then takes them all. */
  private load(fn: string, s: HedgeSnapshot): void {
    checkSameOptions(fn, 'Hedge', snapshotOptions(fn, s.options), { ...this.snapshotOptions() })
    const losses = snapshotFloats(fn, 'losses', s.losses, this.size)
    const weights = snapshotFloats(fn, 'weights', s.weights, this.size)
    const rounds = snapshotInteger(fn, 'rounds', s.rounds, 0, Number.MAX_SAFE_INTEGER)
    const random = snapshotRandomState(fn, s.random)
    this.losses.set(losses)
    this.p.set(weights)
    this.rounds = rounds
    this.random.state = random
  }
}

/**
 * UCB1 (Auer, Cesa-Bianchi & Fischer 2002) for rewards in [0, 1]: try every arm once, then pull
 * the arm with the highest mean + sqrt(2 ln t / n_i). Logarithmic regret on stochastic arms.
 *
 * ```ts
 * const ucb = new UCB1(3)
 * const arm = ucb.select()
 * ucb.update(arm, 1)
 * ```
 *
 * References: Auer, Cesa-Bianchi & Fischer, "Finite-time analysis of the multiarmed bandit problem",
 * Machine Learning 2002.
 * @see EXP3
 * @see ThompsonSampling
 * @see Hedge
 */
export class UCB1 implements Selector {
  /** Number of arms. */
  readonly size: number
  /** Pulls of each arm. */
  readonly pulls: Float64Array
  /** Summed reward of each arm. */
  readonly rewards: Float64Array
  private t = 0

  /** No pulls yet on `n` arms; `exploration` scales the confidence term (2 is UCB1's). */
  constructor(
    n: number,
    /** The factor c of the bonus sqrt(c ln t / n_i). */
    readonly exploration = 2,
  ) {
    this.size = checkSize(n, 'UCB1')
    checkNumber('UCB1', 'exploration', exploration, { min: 0 })
    this.pulls = new Float64Array(n)
    this.rewards = new Float64Array(n)
  }

  select(): number {
    let best = 0
    let bestIndex = -Infinity
    const log = Math.log(Math.max(1, this.t))
    for (let i = 0; i < this.size; i++) {
      if (this.pulls[i] === 0) return i
      const index = this.rewards[i] / this.pulls[i] + Math.sqrt((this.exploration * log) / this.pulls[i])
      if (index > bestIndex) {
        bestIndex = index
        best = i
      }
    }
    return best
  }

  /** Shares of pulls so far (uniform before any). */
  weights(): Float64Array {
    return this.weightsInto(new Float64Array(this.size))
  }

  weightsInto(out: Float64Array): Float64Array {
    for (let i = 0; i < this.size; i++) out[i] = this.t === 0 ? 1 / this.size : this.pulls[i] / this.t
    return out
  }

  /** Records the reward (in [0, 1]) of a pull of `arm`. */
  update(arm: number, reward: number): void {
    checkArm(arm, this.size, 'UCB1')
    checkUnit(reward, 'reward', 'UCB1')
    this.t++
    this.pulls[arm]++
    this.rewards[arm] += reward
  }

  /**
   * The policy's state as a JSON-safe object: `UCB1.fromSnapshot` (or `restore` on a UCB1 with the same
   * options) rebuilds it, and the rebuilt policy selects exactly as this one would.
   *
   * ```ts
   * const again = UCB1.fromSnapshot(JSON.parse(JSON.stringify(ucb.snapshot())))
   * ```
   */
  snapshot(): UCB1Snapshot {
    return {
      kind: 'UCB1',
      version: SELECTION_SNAPSHOT_VERSION,
      options: { size: this.size, exploration: this.exploration },
      pulls: encodeFloat64(this.pulls),
      rewards: encodeFloat64(this.rewards),
      rounds: this.t,
    }
  }

  /**
   * A UCB1 in the state `snapshot` describes. Another kind or version, or a damaged field, is a
   * `SnapshotError`; bad options throw as the constructor does.
   *
   * ```ts
   * const ucb = UCB1.fromSnapshot(JSON.parse(saved))
   * ```
   */
  static fromSnapshot(snapshot: UCB1Snapshot): UCB1 {
    const fn = 'UCB1.fromSnapshot'
    const s = checkSnapshot<UCB1Snapshot>(fn, snapshot, 'UCB1', SELECTION_SNAPSHOT_VERSION)
    const o = snapshotOptions(fn, s.options)
    const ucb = new UCB1(snapshotSize(fn, o), o.exploration as number)
    ucb.load(fn, s)
    return ucb
  }

  /**
   * Replaces this policy's state by a `snapshot` of a UCB1 with the same options, in place. Another
   * kind, version or options, or a damaged field, is a `SnapshotError` and changes nothing.
   *
   * ```ts
   * const ucb = new UCB1(3)
   * ucb.restore(JSON.parse(saved))
   * ```
   */
  restore(snapshot: UCB1Snapshot): void {
    const fn = 'UCB1.restore'
    this.load(fn, checkSnapshot<UCB1Snapshot>(fn, snapshot, 'UCB1', SELECTION_SNAPSHOT_VERSION))
  }

  /** Checks every field of `s` against this policy's options, then takes them all. */
  private load(fn: string, s: UCB1Snapshot): void {
    checkSameOptions(fn, 'UCB1', snapshotOptions(fn, s.options), { size: this.size, exploration: this.exploration })
    const pulls = snapshotFloats(fn, 'pulls', s.pulls, this.size)
    const rewards = snapshotFloats(fn, 'rewards', s.rewards, this.size)
    const rounds = snapshotInteger(fn, 'rounds', s.rounds, 0, Number.MAX_SAFE_INTEGER)
    this.pulls.set(pulls)
    this.rewards.set(rewards)
    this.t = rounds
  }
}

/**
 * EXP3 (Auer, Cesa-Bianchi, Freund & Schapire 2002), exponential weights for adversarial bandits:
 * p_i = (1 - gamma) w_i / sum w + gamma / N; the pulled arm's reward r is scaled to r / p_i and
 * multiplies its weight by exp(gamma r / (p_i N)). Rewards in [0, 1].
 *
 * ```ts
 * const exp3 = new EXP3(4, { gamma: 0.1, seed: 7 })
 * const arm = exp3.select()
 * exp3.update(arm, 0.8)
 * ```
 *
 * References: Auer, Cesa-Bianchi, Freund & Schapire, "The nonstochastic multiarmed bandit problem",
 * SIAM J. Computing 2002.
 * @see UCB1
 * @see ThompsonSampling
 * @see Hedge
 */
export class EXP3 implements Selector {
  /** Number of arms. */
  readonly size: number
  /** Exploration share: the probability mass spread uniformly. */
  readonly gamma: number
  /** log w_i, kept relative to the largest so they never overflow. */
  private readonly logWeights: Float64Array
  private readonly p: Float64Array
  private readonly random: Mulberry32

  /** Uniform probabilities on `n` arms; bad arguments throw a `TypeError` or `RangeError` naming them. */
  constructor(n: number, options?: SelectorOptions & { gamma?: number }) {
    this.size = checkSize(n, 'EXP3')
    const { gamma = 0.1, seed = 1 } = checkOptions('EXP3', options, ['seed', 'gamma'])
    checkNumber('EXP3', 'gamma', gamma, { above: 0, max: 1 })
    checkSeed('EXP3', seed)
    this.gamma = gamma
    this.logWeights = new Float64Array(n)
    this.p = new Float64Array(n).fill(1 / n)
    this.random = mulberry32(seed)
  }

  select(): number {
    return sample(this.p, this.random())
  }

  weights(): Float64Array {
    return this.p.slice()
  }

  weightsInto(out: Float64Array): Float64Array {
    out.set(this.p)
    return out
  }

  /** Records the reward (in [0, 1]) of a pull of `arm`. */
  update(arm: number, reward: number): void {
    checkArm(arm, this.size, 'EXP3')
    checkUnit(reward, 'reward', 'EXP3')
    this.logWeights[arm] += (this.gamma * (reward / this.p[arm])) / this.size
    let max = -Infinity
    for (let i = 0; i < this.size; i++) if (this.logWeights[i] > max) max = this.logWeights[i]
    let total = 0
    for (let i = 0; i < this.size; i++) total += Math.exp((this.logWeights[i] -= max))
    for (let i = 0; i < this.size; i++)
      this.p[i] = ((1 - this.gamma) * Math.exp(this.logWeights[i])) / total + this.gamma / this.size
  }

  /**
   * The policy's state as a JSON-safe object, PRNG included: `EXP3.fromSnapshot` (or `restore` on an
   * EXP3 with the same options) rebuilds it, and the rebuilt policy draws exactly as this one would.
   *
   * ```ts
   * const again = EXP3.fromSnapshot(JSON.parse(JSON.stringify(exp3.snapshot())))
   * ```
   */
  snapshot(): EXP3Snapshot {
    return {
      kind: 'EXP3',
      version: SELECTION_SNAPSHOT_VERSION,
      options: { size: this.size, gamma: this.gamma },
      logWeights: encodeFloat64(this.logWeights),
      weights: encodeFloat64(this.p),
      random: this.random.state,
    }
  }

  /**
   * An EXP3 in the state `snapshot` describes. Another kind or version, or a damaged field, is a
   * `SnapshotError`; bad options throw as the constructor does.
   *
   * ```ts
   * const exp3 = EXP3.fromSnapshot(JSON.parse(saved))
   * ```
   */
  static fromSnapshot(snapshot: EXP3Snapshot): EXP3 {
    const fn = 'EXP3.fromSnapshot'
    const s = checkSnapshot<EXP3Snapshot>(fn, snapshot, 'EXP3', SELECTION_SNAPSHOT_VERSION)
    const o = snapshotOptions(fn, s.options)
    const exp3 = new EXP3(snapshotSize(fn, o), { gamma: o.gamma as number })
    exp3.load(fn, s)
    return exp3
  }

  /**
   * Replaces this policy's state (PRNG included) by a `snapshot` of an EXP3 with the same options, in
   * place. Another kind, version or options, or a damaged field, is a `SnapshotError` and changes nothing.
   *
   * ```ts
   * const exp3 = new EXP3(4, { gamma: 0.1 })
   * exp3.restore(JSON.parse(saved))
   * ```
   */
  restore(snapshot: EXP3Snapshot): void {
    const fn = 'EXP3.restore'
    this.load(fn, checkSnapshot<EXP3Snapshot>(fn, snapshot, 'EXP3', SELECTION_SNAPSHOT_VERSION))
  }

  /** Checks every field of `s` against this policy's options, then takes them all. */
  private load(fn: string, s: EXP3Snapshot): void {
    checkSameOptions(fn, 'EXP3', snapshotOptions(fn, s.options), { size: this.size, gamma: this.gamma })
    const logWeights = snapshotFloats(fn, 'logWeights', s.logWeights, this.size)
    const weights = snapshotFloats(fn, 'weights', s.weights, this.size)
    const random = snapshotRandomState(fn, s.random)
    this.logWeights.set(logWeights)
    this.p.set(weights)
    this.random.state = random
  }
}

/**
 * Thompson sampling with Beta-Bernoulli posteriors (Thompson 1933; Agrawal & Goyal 2012): each arm
 * keeps Beta(1 + successes, 1 + failures); `select` draws one sample per arm and takes the largest.
 * A reward in [0, 1] counts as a success with that probability (the Bernoulli trick), so any
 * bounded reward works.
 *
 * ```ts
 * const ts = new ThompsonSampling(3, { seed: 3 })
 * const arm = ts.select()
 * ts.update(arm, 1)
 * ```
 *
 * References: Thompson, Biometrika 1933; Agrawal & Goyal, "Analysis of Thompson sampling for the
 * multi-armed bandit problem", COLT 2012.
 * @see UCB1
 * @see EXP3
 * @see Hedge
 */
export class ThompsonSampling implements Selector {
  /** Number of arms. */
  readonly size: number
  /** Beta posterior alpha (1 + successes) of each arm. */
  readonly alpha: Float64Array
  /** Beta posterior beta (1 + failures) of each arm. */
  readonly beta: Float64Array
  private readonly random: Mulberry32

  /** Beta(1, 1) priors on `n` arms; bad arguments throw a `TypeError` or `RangeError` naming them. */
  constructor(n: number, options?: SelectorOptions) {
    this.size = checkSize(n, 'ThompsonSampling')
    const { seed = 1 } = checkOptions('ThompsonSampling', options, ['seed'])
    checkSeed('ThompsonSampling', seed)
    this.alpha = new Float64Array(n).fill(1)
    this.beta = new Float64Array(n).fill(1)
    this.random = mulberry32(seed)
  }

  select(): number {
    let best = 0
    let bestDraw = -Infinity
    for (let i = 0; i < this.size; i++) {
      const draw = betaSample(this.alpha[i], this.beta[i], this.random)
      if (draw > bestDraw) {
        bestDraw = draw
        best = i
      }
    }
    return best
  }

  /** Posterior means, normalised to sum to 1. */
  weights(): Float64Array {
    return this.weightsInto(new Float64Array(this.size))
  }

  weightsInto(out: Float64Array): Float64Array {
    let total = 0
    for (let i = 0; i < this.size; i++) total += out[i] = this.alpha[i] / (this.alpha[i] + this.beta[i])
    for (let i = 0; i < this.size; i++) out[i] /= total
    return out
  }

  /** Records the reward (in [0, 1]) of a pull of `arm`. */
  update(arm: number, reward: number): void {
    checkArm(arm, this.size, 'ThompsonSampling')
    checkUnit(reward, 'reward', 'ThompsonSampling')
    const success = reward === 1 || (reward > 0 && this.random() < reward)
    if (success) this.alpha[arm]++
    else this.beta[arm]++
  }

  /**
   * The policy's state as a JSON-safe object, PRNG included: `ThompsonSampling.fromSnapshot` (or
   * `restore` on one with as many arms) rebuilds it, and the rebuilt policy draws exactly as this one would.
   *
   * ```ts
   * const again = ThompsonSampling.fromSnapshot(JSON.parse(JSON.stringify(ts.snapshot())))
   * ```
   */
  snapshot(): ThompsonSamplingSnapshot {
    return {
      kind: 'ThompsonSampling',
      version: SELECTION_SNAPSHOT_VERSION,
      options: { size: this.size },
      alpha: encodeFloat64(this.alpha),
      beta: encodeFloat64(this.beta),
      random: this.random.state,
    }
  }

  /**
   * A Thompson sampler in the state `snapshot` describes. Another kind or version, or a damaged field,
   * is a `SnapshotError`; a bad number of arms throws as the constructor does.
   *
   * ```ts
   * const ts = ThompsonSampling.fromSnapshot(JSON.parse(saved))
   * ```
   */
  static fromSnapshot(snapshot: ThompsonSamplingSnapshot): ThompsonSampling {
    const fn = 'ThompsonSampling.fromSnapshot'
    const s = checkSnapshot<ThompsonSamplingSnapshot>(fn, snapshot, 'ThompsonSampling', SELECTION_SNAPSHOT_VERSION)
    const ts = new ThompsonSampling(snapshotSize(fn, snapshotOptions(fn, s.options)))
    ts.load(fn, s)
    return ts
  }

  /**
   * Replaces this policy's state (PRNG included) by a `snapshot` of a Thompson sampler with as many
   * arms, in place. Another kind, version or size, or a damaged field, is a `SnapshotError` and changes nothing.
   *
   * ```ts
   * const ts = new ThompsonSampling(3)
   * ts.restore(JSON.parse(saved))
   * ```
   */
  restore(snapshot: ThompsonSamplingSnapshot): void {
    const fn = 'ThompsonSampling.restore'
    this.load(fn, checkSnapshot<ThompsonSamplingSnapshot>(fn, snapshot, 'ThompsonSampling', SELECTION_SNAPSHOT_VERSION))
  }

  /** Checks every field of `s` against this policy's size, then takes them all. */
  private load(fn: string, s: ThompsonSamplingSnapshot): void {
    checkSameOptions(fn, 'ThompsonSampling', snapshotOptions(fn, s.options), { size: this.size })
    const alpha = snapshotFloats(fn, 'alpha', s.alpha, this.size)
    const beta = snapshotFloats(fn, 'beta', s.beta, this.size)
    for (let i = 0; i < this.size; i++) {
      // Marsaglia & Tsang's sampler needs shape >= 1: a smaller one would loop or return NaN
      if (!(alpha[i] >= 1 && beta[i] >= 1 && Number.isFinite(alpha[i] + beta[i])))
        throw new SnapshotError(
          `${fn}: posterior ${i} must have finite alpha and beta >= 1, got ${describeValue(alpha[i])} and ${describeValue(beta[i])}`,
        )
    }
    const random = snapshotRandomState(fn, s.random)
    this.alpha.set(alpha)
    this.beta.set(beta)
    this.random.state = random
  }
}

/** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
function betaSample(a: number, b: number, random: () => number): number {
  const x = gammaSample(a, random)
  const y = gammaSample(b, random)
  return x / (x + y)
}

/** Gamma(shape >= 1) by Marsaglia & Tsang (2000). */
function gammaSample(shape: number, random: () => number): number {
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    let x: number
    let v: number
    do {
      x = normalSample(random)
      v = 1 + c * x
    } while (v <= 0)
    v = v * v * v
    const u = random()
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v
  }
}

function normalSample(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}
