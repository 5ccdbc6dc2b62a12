import { describeValue } from '../errors'
import { mulberry32 } from '../stats/random'
import { checkInteger, checkNumber, checkOptions, checkPositive, checkProbability } from '../validate'

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
  private readonly random: () => number
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

  /** Starts from given cumulative losses (to carry them into a Hedge with another learning rate). */
  restore(losses: ArrayLike<number>): void {
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
  private readonly random: () => number

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
  private readonly random: () => number

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
