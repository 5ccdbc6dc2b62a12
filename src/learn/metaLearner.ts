import { describeValue } from '../errors'
import type { Formula } from '../ltl/formula'
import { compileMonitor, type Monitor, type MonitorSnapshot } from '../ltl/monitor'
import { containsPast } from '../ltl/past'
import { checkSnapshot, encodeFloat64, SnapshotError, type SnapshotHeader } from '../snapshot'
import {
  checkFunction,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkPositive,
  checkString,
} from '../validate'
import { ADWIN, type ADWINSnapshot } from './adwin'
import type { OnlineLearner } from './learners'
import { PageHinkley, type PageHinkleySnapshot } from './pageHinkley'
import {
  EXP3,
  type EXP3Snapshot,
  Hedge,
  type HedgeSnapshot,
  ThompsonSampling,
  type ThompsonSamplingSnapshot,
  UCB1,
  type UCB1Snapshot,
} from './selection'
import { checkSameOptions, snapshotFloats, snapshotInteger, snapshotOptions } from './snapshotFields'

/** What a `MetaLearner` predicts: a class label, or a number. */
export type LearningTask = 'classification' | 'regression'

/** What a level currently believes. */
export interface LevelSummary {
  /** 0, 1 or 2. */
  readonly level: number
  /** Level 0 and 1: the candidate this level favours; level 2: the learning rate it set. */
  readonly belief: string
  /** Input index since which the belief has held. */
  readonly since: number
  /** Level 1: drifts detected so far; level 2: adjustments made. */
  readonly events: number
  /** Level 1: index of the last drift (-1 if none). */
  readonly last: number
}

/** The changes a self-modification rule may make to the levels below it. */
export interface MetaControl {
  /** Sets level 1's learning rate (clamped to [0.05, 64]). */
  setLearningRate(rate: number): void
  /** Replaces a candidate with a fresh one from its factory. */
  resetCandidate(name: string): void
  /** Restarts the selector from equal weights. */
  resetSelector(): void
  /** Remove a candidate (at least one must stay). */
  removeCandidate(name: string): void
  /** Adds a candidate (its name must be new). */
  addCandidate(name: string, make: () => OnlineLearner<unknown, unknown, unknown>): void
}

/** The state a rule's condition reads. */
export interface MetaState {
  /** Index of the input just processed. */
  readonly index: number
  /** The candidate level 1 weighs most. */
  readonly chosen: string
  /** Level 1's weight of each candidate. */
  readonly weights: Readonly<Record<string, number>>
  /** Whether level 1 detected a drift (a rise of the ensemble's loss) at this input. */
  readonly drift: boolean
  /** Recent (exponentially weighted) loss of each candidate and of the ensemble. */
  readonly recentLoss: Readonly<Record<string, number>>
  /** Recent (exponentially weighted) loss of the ensemble's predictions. */
  readonly ensembleLoss: number
  /** Level 1's current learning rate. */
  readonly learningRate: number
  /** What each level believes. */
  readonly levels: readonly LevelSummary[]
}

/**
 * A self-modification rule: when `when` holds on the learner's state, `apply` changes the levels
 * below, unless the change would break a safety constraint or the modification budget.
 */
export interface MetaRule {
  /** The rule's name: reported in `MetaStep.modifications`, and an atom of the safety constraints. */
  readonly name: string
  /** Whether the rule wants to act on this step. */
  readonly when: (state: MetaState) => boolean
  /** The change, through the controls of the lower levels. */
  readonly apply: (control: MetaControl) => void
  /** Meta-event atoms the change raises besides `modify` and the rule's own name (e.g. `switch`, `reset`). */
  readonly events?: readonly string[]
}

/** The configuration of a `MetaLearner` (and of `metaLearn`). Unknown option names are refused. */
export interface MetaLearnerConfig<X, Y, P> {
  /** Classification (labels, 0/1 loss by default) or regression (numbers, scaled squared loss; a prediction that is not a finite number, such as a forecaster's NaN before its first value, has loss 1). */
  readonly task: LearningTask
  /** Level 0: named factories of online learners. */
  readonly candidates: Readonly<Record<string, () => OnlineLearner<X, Y, P>>>
  /** Loss of a prediction in [0, 1]. Default: 0/1 for classification; squared error over the target's running variance, capped at 1, for regression. */
  readonly loss?: (prediction: P, y: Y) => number
  /** Level 1 selector. Default 'hedge' (full information: every candidate's loss every step). */
  readonly selector?: 'hedge' | 'ucb1' | 'exp3' | 'thompson'
  /** Hedge's initial learning rate (level 2 adapts it). Default 2. */
  readonly learningRate?: number
  /** Level 1 drift detector on the ensemble's loss; only a rise of the loss counts as drift. Default 'adwin'. */
  readonly detector?: 'adwin' | 'page-hinkley' | 'none'
  /** On drift: reset the candidates and the selector, or only the selector's weights. Default 'reset'. */
  readonly onDrift?: 'reset' | 'reweigh'
  /** Levels 0..maxDepth-1 (2: candidates and selector; 3 adds the level that tunes the selector). Default 3. */
  readonly maxDepth?: 2 | 3
  /** Inputs per level-2 period (how often it looks at level-1 regret). Default 500. */
  readonly period?: number
  /** Self-modification rules, tried in order after every step. */
  readonly rules?: readonly MetaRule[]
  /** LTL constraints over the meta-events (atoms: drift, modify, switch, reset, rate, add, remove, rule names); no past operators. */
  readonly safety?: ReadonlyArray<string | Formula>
  /** At most this many modifications in any `modificationWindow` inputs. Default Infinity. */
  readonly maxModificationsPerWindow?: number
  /** Inputs over which `maxModificationsPerWindow` counts. Default 1000. */
  readonly modificationWindow?: number
  /** Seed of the selectors' randomness (an integer). Default 1. */
  readonly seed?: number
}

/** One step's result. */
export interface MetaStep<P> {
  /** Index of the input (0-based). */
  readonly index: number
  /** The ensemble's prediction, made before learning from this input's target. */
  readonly prediction: P | undefined
  /** The candidate level 1 chose (Hedge: the heaviest; bandits: the arm pulled). */
  readonly chosen: string
  /** Level 1's weights after learning from this input. */
  readonly weights: Record<string, number>
  /** Whether level 1 detected a drift (a rise of the ensemble's loss) at this input. */
  readonly drift: boolean
  /** What each level believes. */
  readonly levels: LevelSummary[]
  /** The rules applied at this step, and those refused by a safety constraint or the budget. */
  readonly modifications: {
    /** Names of the rules applied. */
    readonly applied: string[]
    /** Names of the rules refused by a safety constraint or the budget. */
    readonly refused: string[]
  }
}

/**
 * `MetaLearner.snapshot()`: the config's behaviour-setting options (checked on restore), each candidate's
 * own snapshot, the selector's, the detector's and the safety monitors' snapshots, and the levels'
 * counters and running losses, floats bit for bit.
 */
export interface MetaLearnerSnapshot extends SnapshotHeader {
  /** Always `'MetaLearner'`. */
  readonly kind: 'MetaLearner'
  /** The layout's version (1). */
  readonly version: number
  /** The options of the config that wrote it; a `MetaLearner` with other options refuses the snapshot. */
  readonly config: {
    /** `task`. */
    readonly task: LearningTask
    /** `selector`, default filled in. */
    readonly selector: string
    /** `detector`, default filled in. */
    readonly detector: string
    /** `onDrift`, default filled in. */
    readonly onDrift: string
    /** `maxDepth`, default filled in. */
    readonly maxDepth: number
    /** `period`, default filled in. */
    readonly period: number
    /** `maxModificationsPerWindow`, null for no limit. */
    readonly maxModificationsPerWindow: number | null
    /** `modificationWindow`, default filled in. */
    readonly modificationWindow: number
    /** `seed`, default filled in. */
    readonly seed: number
    /** The rules' names, in order. */
    readonly rules: readonly string[]
  }
  /** The candidates in the order level 1 weighs them: name and the learner's own snapshot. */
  readonly candidates: ReadonlyArray<{
    /** The candidate's name, a key of `config.candidates`. */
    readonly name: string
    /** What the learner's `snapshot()` returned. */
    readonly learner: SnapshotHeader
  }>
  /** The selector's snapshot. */
  readonly selector: HedgeSnapshot | UCB1Snapshot | EXP3Snapshot | ThompsonSamplingSnapshot
  /** The drift detector's snapshot, null without one. */
  readonly detector: ADWINSnapshot | PageHinkleySnapshot | null
  /** One snapshot per safety constraint, in order. */
  readonly safety: readonly MonitorSnapshot[]
  /** Inputs stepped so far. */
  readonly index: number
  /** Rule applications refused so far. */
  readonly refusals: number
  /** Inputs at which rules applied within the modification window. */
  readonly appliedAt: readonly number[]
  /** The candidate each level favours, since when, and the level-1 and level-2 event counters. */
  readonly levels: {
    /** Level 0: the candidate with the least recent loss, and since which input. */
    readonly best0: string
    /** Level 0: since which input. */
    readonly since0: number
    /** Level 1: the candidate weighed most. */
    readonly best1: string
    /** Level 1: since which input. */
    readonly since1: number
    /** Level 1: drifts detected. */
    readonly drifts: number
    /** Level 1: input of the last drift, -1 if none. */
    readonly lastDrift: number
    /** Level 2: input of the last adjustment. */
    readonly since2: number
    /** Level 2: adjustments made. */
    readonly adjustments: number
  }
  /**
   * Base64 float64: the target's count, mean and m2 (regression loss), the ensemble's recent loss, the
   * learning rate, level 2's period loss and previous regret.
   */
  readonly state: string
  /** Base64 float64: each candidate's recent loss. */
  readonly recent: string
  /** Base64 float64: each candidate's loss summed over level 2's current period. */
  readonly periodBest: string
}

/** The layout version of `MetaLearnerSnapshot`. */
const META_SNAPSHOT_VERSION = 1

/** The option names a `MetaLearnerConfig` may hold. */
const CONFIG_OPTIONS: readonly string[] = [
  'task',
  'candidates',
  'loss',
  'selector',
  'learningRate',
  'detector',
  'onDrift',
  'maxDepth',
  'period',
  'rules',
  'safety',
  'maxModificationsPerWindow',
  'modificationWindow',
  'seed',
]
const TASKS: readonly LearningTask[] = ['classification', 'regression']
const SELECTORS = ['hedge', 'ucb1', 'exp3', 'thompson'] as const
const DETECTORS = ['adwin', 'page-hinkley', 'none'] as const
/** Hedge's initial learning rate when the config gives none (level 2 adapts it). */
const DEFAULT_LEARNING_RATE = 2
/** Inputs per level-2 period when the config gives none. */
const DEFAULT_PERIOD = 500
/** Inputs over which `maxModificationsPerWindow` counts, when the config gives none. */
const DEFAULT_MODIFICATION_WINDOW = 1000
/** Level 2 needs enough inputs per period for a regret to mean something. */
const MIN_PERIOD = 10

/**
 * Checks a `MetaLearnerConfig` without building learners, each message starting with `fn`; returns
 * what the learner needs beyond the config: the learning rate, the detector and a factory of
 * monitors per safety constraint.
 * @internal
 */
export function checkMetaLearnerConfig<X, Y, P>(
  fn: string,
  config: MetaLearnerConfig<X, Y, P>,
  /** Option names the caller took out of `config` before (named in the unknown-option message). */
  callerOptions: readonly string[] = [],
): {
  learningRate: number
  detector: 'adwin' | 'page-hinkley' | 'none'
  safety: Array<() => Monitor<Record<string, boolean>>>
} {
  checkOptions(fn, config, callerOptions.length === 0 ? CONFIG_OPTIONS : [...CONFIG_OPTIONS, ...callerOptions], true)
  checkOneOf(fn, 'task', config.task, TASKS)
  const { candidates } = config
  if (candidates === null || typeof candidates !== 'object' || Array.isArray(candidates))
    throw new TypeError(`${fn}: candidates must be a record of learner factories, got ${describeValue(candidates)}`)
  if (Object.keys(candidates).length === 0)
    throw new RangeError(`${fn}: candidates must name at least one learner factory`)
  for (const [name, make] of Object.entries(candidates)) checkFunction(fn, `candidates.${name}`, make, false)
  checkFunction(fn, 'loss', config.loss)
  checkOneOf(fn, 'selector', config.selector ?? 'hedge', SELECTORS)
  const learningRate = checkPositive(fn, 'learningRate', config.learningRate ?? DEFAULT_LEARNING_RATE)
  const detector = checkOneOf(fn, 'detector', config.detector ?? 'adwin', DETECTORS)
  checkOneOf(fn, 'onDrift', config.onDrift ?? 'reset', ['reset', 'reweigh'])
  if (config.maxDepth !== undefined && config.maxDepth !== 2 && config.maxDepth !== 3)
    throw new RangeError(`${fn}: maxDepth must be 2 or 3, got ${describeValue(config.maxDepth)}`)
  checkInteger(fn, 'period', config.period ?? DEFAULT_PERIOD, { min: MIN_PERIOD })
  const cap = config.maxModificationsPerWindow ?? Infinity
  if (cap !== Infinity) checkNumber(fn, 'maxModificationsPerWindow', cap, { min: 0 })
  checkInteger(fn, 'modificationWindow', config.modificationWindow ?? DEFAULT_MODIFICATION_WINDOW, { min: 1 })
  if (config.seed !== undefined) checkInteger(fn, 'seed', config.seed)
  const rules = config.rules ?? []
  if (!Array.isArray(rules)) throw new TypeError(`${fn}: rules must be an array, got ${describeValue(rules)}`)
  for (const rule of rules) {
    if (rule === null || typeof rule !== 'object')
      throw new TypeError(`${fn}: a rule needs a name, when and apply, got ${describeValue(rule)}`)
    checkString(fn, 'rule name', rule.name)
    checkFunction(fn, `rule ${JSON.stringify(rule.name)} when`, rule.when, false)
    checkFunction(fn, `rule ${JSON.stringify(rule.name)} apply`, rule.apply, false)
  }
  const specs = config.safety ?? []
  if (!Array.isArray(specs))
    throw new TypeError(`${fn}: safety must be an array of formulas, got ${describeValue(specs)}`)
  const safety = specs.map(spec => {
    const make = compileMonitor<Record<string, boolean>>(fn, spec, { closedWorld: true })
    // peek, which checks a change before it applies, needs a formula without past operators
    if (containsPast(make().formula))
      throw new RangeError(
        `${fn}: a safety constraint may not use past operators (Y, O, H, S), got ${describeValue(spec)}`,
      )
    return make
  })
  return { learningRate, detector, safety }
}

/** Level 2 moves the learning rate only when the per-input regret changed by more than this between periods. */
const REGRET_CHANGE = 0.005
/** Factor on the learning rate when regret rises (the weights follow too slowly). */
const RATE_UP = 2
/** Factor on the learning rate when regret falls (the weights can settle). */
const RATE_DOWN = 0.75
/** Bounds of the learning rate level 2 and rules may set. */
const MIN_LEARNING_RATE = 0.05
const MAX_LEARNING_RATE = 64

/** Level 1's Page-Hinkley: River's defaults, watching increases of the loss only. */
const LEVEL1_PAGE_HINKLEY = { mode: 'up' } as const

const RECENT = 0.01 // weight of the newest loss in the recent-loss averages (about 100 inputs)

/**
 * A three-level online meta-learner (after the "strange loop" idea, made concrete): level 0 runs
 * candidate learners prequentially (predict, then learn); level 1 weighs them with Hedge (or picks
 * with a bandit) by their losses and watches the ensemble's loss with a drift detector, resetting or
 * reweighing on drift; level 2 tunes level 1's learning rate from the trend of its regret. Rules
 * may modify lower levels; each change is checked first against LTL safety constraints over the
 * meta-events (`Monitor.peek`) and the modification budget, and refused (and counted) if it would
 * break one.
 *
 * ```ts
 * const meta = new MetaLearner({ task: 'classification', candidates: { nb: () => new GaussianNaiveBayes(3), lr: () => new OnlineLogisticRegression(3) } })
 * const out = meta.step([0.1, 2, 5], 1) // prediction before learning, chosen, weights, drift, levels
 * ```
 * @see metaLearn
 * @see Hedge
 * @see ADWIN
 */
export class MetaLearner<X, Y, P> {
  private readonly names: string[] = []
  private readonly factories: Array<() => OnlineLearner<X, Y, P>> = []
  private learners: Array<OnlineLearner<X, Y, P>> = []
  private selector!: Hedge | UCB1 | EXP3 | ThompsonSampling
  private detector: ADWIN | PageHinkley | null
  private safety: Monitor<Record<string, boolean>>[]
  private readonly safetyFactories: Array<() => Monitor<Record<string, boolean>>>
  private readonly loss: (prediction: P, y: Y) => number
  private readonly target = { count: 0, mean: 0, m2: 0 }
  private recent: number[] = []
  private ensembleRecent = 0
  private index = 0
  private learningRate: number
  private level0 = { best: '', since: 0 }
  private level1 = { best: '', since: 0, drifts: 0, lastDrift: -1 }
  private level2 = {
    since: 0,
    adjustments: 0,
    periodLoss: 0,
    periodBest: new Float64Array(0),
    previousRegret: Number.NaN,
  }
  private readonly appliedAt: number[] = []
  /** Rule applications refused so far (safety constraints or budget). */
  refusals = 0
  // reused every step: the step allocates only what it emits
  private predictions: Array<P | undefined> = []
  private buffer = new Float64Array(0)
  private losses = new Float64Array(0)
  private summaryCache: LevelSummary[] = []

  /** Checks `config` (a `TypeError` or `RangeError` naming the option) and starts the levels. */
  constructor(private readonly config: MetaLearnerConfig<X, Y, P>) {
    const { learningRate, detector, safety } = checkMetaLearnerConfig('MetaLearner', config)
    for (const [name, make] of Object.entries(config.candidates)) {
      this.names.push(name)
      this.factories.push(make)
    }
    this.learningRate = learningRate
    this.loss =
      config.loss ??
      (config.task === 'classification'
        ? (p: P, y: Y) => ((p as unknown) === y ? 0 : 1)
        : (p: P, y: Y) => this.squaredLoss(p as unknown as number, y as unknown as number))
    this.safetyFactories = safety
    this.safety = safety.map(make => make())
    this.detector =
      detector === 'adwin' ? new ADWIN() : detector === 'page-hinkley' ? new PageHinkley(LEVEL1_PAGE_HINKLEY) : null
    this.learners = this.factories.map(make => make())
    this.recent = this.names.map(() => 0)
    this.selector = this.makeSelector()
    this.level2.periodBest = new Float64Array(this.names.length)
  }

  /** Predicts for x (ensemble of the candidates), then learns from y when it is given. */
  step(x: X, y?: Y): MetaStep<P> {
    const index = this.index++
    const n = this.names.length
    this.fitScratch(n)
    const predictions = this.predictions
    for (let i = 0; i < n; i++) predictions[i] = this.learners[i].predict(x)
    const weights = this.selector.weightsInto(this.buffer)
    const chosen = this.selector instanceof Hedge ? argmax(weights) : this.selector.select()
    const prediction = this.combine(predictions, weights, chosen)
    let drift = false
    const applied: string[] = []
    const refused: string[] = []
    if (y !== undefined) {
      const losses = this.losses
      for (let i = 0; i < n; i++) {
        const l = predictions[i] === undefined ? 1 : this.loss(predictions[i] as P, y)
        if (!(l >= 0 && l <= 1))
          throw new RangeError(
            `MetaLearner: loss of ${JSON.stringify(this.names[i])} must be in [0, 1], got ${describeValue(l)}`,
          )
        losses[i] = l
        this.recent[i] += RECENT * (l - this.recent[i])
      }
      const ensembleLoss = prediction === undefined ? 1 : this.loss(prediction, y)
      this.ensembleRecent += RECENT * (ensembleLoss - this.ensembleRecent)
      for (const l of this.learners) l.learn(x, y)
      if (this.selector instanceof Hedge) this.selector.update(losses)
      else this.selector.update(chosen, 1 - losses[chosen])
      if (this.detector !== null) drift = this.detectRise(this.detector, ensembleLoss)
      if (drift) this.onDrift(index)
      if ((this.config.maxDepth ?? 3) === 3) this.tune(index, ensembleLoss, losses)
    }
    this.track(index)
    this.modify(index, drift, applied, refused)
    // a rule may have added or removed a candidate: the scratch must fit the new selector
    this.fitScratch(this.names.length)
    const after = this.selector.weightsInto(this.buffer)
    const named: Record<string, number> = {}
    for (let i = 0; i < this.names.length; i++) named[this.names[i]] = after[i]
    return {
      index,
      prediction,
      chosen: this.names[chosen],
      weights: named,
      drift,
      levels: this.summaries(),
      modifications: { applied, refused },
    }
  }

  /**
   * Feeds the ensemble's loss to the detector; true when it detected a change and the loss rose (an
   * ADWIN cut whose newer window has the higher mean; Page-Hinkley watching increases). A fall of the
   * loss, a learner getting better, is no drift to react to: resetting then would throw away the
   * learner that got better (River's Hoeffding Adaptive Tree ignores falls the same way).
   */
  private detectRise(detector: ADWIN | PageHinkley, loss: number): boolean {
    if (detector instanceof PageHinkley) {
      detector.update(loss) // in mode 'up'
      return detector.driftDetected
    }
    const before = detector.estimation
    detector.update(loss)
    return detector.driftDetected && detector.estimation > before
  }

  /** Sizes the per-step scratch arrays for `n` candidates (a no-op while their number stays). */
  private fitScratch(n: number): void {
    if (this.buffer.length === n) return
    this.buffer = new Float64Array(n)
    this.losses = new Float64Array(n)
    this.predictions = new Array<P | undefined>(n).fill(undefined)
  }

  private combine(predictions: Array<P | undefined>, weights: Float64Array, chosen: number): P | undefined {
    if (this.config.task === 'regression') {
      let sum = 0
      let total = 0
      for (let i = 0; i < predictions.length; i++) {
        const p = predictions[i] as unknown as number
        if (typeof p === 'number' && Number.isFinite(p)) (sum += weights[i] * p), (total += weights[i])
      }
      return total > 0 ? ((sum / total) as unknown as P) : predictions[chosen]
    }
    if (!(this.selector instanceof Hedge)) return predictions[chosen]
    // weighted vote over the predicted labels (a quadratic scan: candidates are few, and a Map per step is not free)
    let best: P | undefined
    let bestVote = -1
    for (let i = 0; i < predictions.length; i++) {
      const p = predictions[i]
      if (p === undefined) continue
      let seenBefore = false
      for (let j = 0; j < i && !seenBefore; j++) seenBefore = predictions[j] === p
      if (seenBefore) continue
      let vote = 0
      for (let j = i; j < predictions.length; j++) if (predictions[j] === p) vote += weights[j]
      if (vote > bestVote) (bestVote = vote), (best = p)
    }
    return best
  }

  private squaredLoss(p: number, y: number): number {
    const t = this.target
    t.count++
    const delta = y - t.mean
    t.mean += delta / t.count
    t.m2 += delta * (y - t.mean)
    const variance = t.count > 1 ? t.m2 / t.count : 1
    // NaN: no prediction yet (a forecaster before its first value), the worst loss
    if (!Number.isFinite(p)) return 1
    return Math.min(1, (p - y) ** 2 / (4 * (variance > 0 ? variance : 1)))
  }

  private onDrift(index: number): void {
    this.level1.drifts++
    this.level1.lastDrift = index
    if ((this.config.onDrift ?? 'reset') === 'reset') this.learners = this.factories.map(make => make())
    this.selector = this.makeSelector()
  }

  /** Level 2: each period, compare level 1's regret with the previous period's and move the rate. */
  private tune(index: number, ensembleLoss: number, losses: Float64Array): void {
    const l2 = this.level2
    l2.periodLoss += ensembleLoss
    for (let i = 0; i < losses.length; i++) l2.periodBest[i] += losses[i]
    const period = this.config.period ?? DEFAULT_PERIOD
    if ((index + 1) % period !== 0) return
    let best = Infinity
    for (let i = 0; i < l2.periodBest.length; i++) best = Math.min(best, l2.periodBest[i])
    const regret = (l2.periodLoss - best) / period
    if (!Number.isNaN(l2.previousRegret) && Math.abs(regret - l2.previousRegret) > REGRET_CHANGE) {
      // regret rising: the weights follow the best candidate too slowly; falling: they can settle
      this.setRate(regret > l2.previousRegret ? this.learningRate * RATE_UP : this.learningRate * RATE_DOWN, index)
    }
    l2.previousRegret = regret
    l2.periodLoss = 0
    l2.periodBest.fill(0)
  }

  private setRate(rate: number, index: number): void {
    const bounded = Math.min(MAX_LEARNING_RATE, Math.max(MIN_LEARNING_RATE, rate))
    if (bounded === this.learningRate) return
    this.learningRate = bounded
    this.level2.since = index
    this.level2.adjustments++
    if (this.selector instanceof Hedge) {
      const losses = this.selector.losses.slice()
      this.selector = this.makeSelector()
      ;(this.selector as Hedge).restore(losses)
    }
  }

  private track(index: number): void {
    const recentBest = this.names[argmin(this.recent)]
    if (recentBest !== this.level0.best) this.level0 = { best: recentBest, since: index }
    const favoured = this.names[argmax(this.selector.weightsInto(this.buffer))]
    if (favoured !== this.level1.best) this.level1 = { ...this.level1, best: favoured, since: index }
  }

  private modify(index: number, drift: boolean, applied: string[], refused: string[]): void {
    const rules = this.config.rules
    if (rules === undefined || rules.length === 0) {
      if (this.safety.length > 0) this.stepSafety({ drift })
      return
    }
    const event: Record<string, boolean> = { drift }
    const state = this.state(index, drift)
    const cap = this.config.maxModificationsPerWindow ?? Infinity
    const window = this.config.modificationWindow ?? DEFAULT_MODIFICATION_WINDOW
    while (this.appliedAt.length > 0 && this.appliedAt[0] <= index - window) this.appliedAt.shift()
    for (const rule of rules) {
      if (!rule.when(state)) continue
      const proposed: Record<string, boolean> = { ...event, modify: true, [rule.name]: true }
      for (const e of rule.events ?? []) proposed[e] = true
      if (this.appliedAt.length >= cap || this.safety.some(m => m.peek(proposed) === 'false')) {
        refused.push(rule.name)
        this.refusals++
        continue
      }
      rule.apply(this.control())
      Object.assign(event, proposed)
      applied.push(rule.name)
      this.appliedAt.push(index)
    }
    this.stepSafety(event)
  }

  private stepSafety(event: Record<string, boolean>): void {
    for (const m of this.safety) m.step(event)
  }

  private control(): MetaControl {
    const find = (name: string): number => {
      const i = this.names.indexOf(name)
      if (i < 0) throw new RangeError(`MetaLearner: no candidate named ${JSON.stringify(name)}`)
      return i
    }
    return {
      setLearningRate: rate => this.setRate(rate, this.index - 1),
      resetCandidate: name => {
        const i = find(name)
        this.learners[i] = this.factories[i]()
      },
      resetSelector: () => {
        this.selector = this.makeSelector()
      },
      removeCandidate: name => {
        const i = find(name)
        if (this.names.length === 1) throw new RangeError('MetaLearner: the last candidate cannot be removed')
        for (const list of [this.names, this.factories, this.learners, this.recent] as unknown[][]) list.splice(i, 1)
        this.selector = this.makeSelector()
        this.level2.periodBest = new Float64Array(this.names.length)
      },
      addCandidate: (name, make) => {
        if (this.names.includes(name))
          throw new RangeError(`MetaLearner: a candidate named ${JSON.stringify(name)} exists`)
        this.names.push(name)
        this.factories.push(make as () => OnlineLearner<X, Y, P>)
        this.learners.push(make() as OnlineLearner<X, Y, P>)
        this.recent.push(this.ensembleRecent)
        this.selector = this.makeSelector()
        this.level2.periodBest = new Float64Array(this.names.length)
      },
    }
  }

  private state(index: number, drift: boolean): MetaState {
    const weights: Record<string, number> = {}
    const recentLoss: Record<string, number> = {}
    const w = this.selector.weightsInto(this.buffer)
    this.names.forEach((name, i) => ((weights[name] = w[i]), (recentLoss[name] = this.recent[i])))
    return {
      index,
      chosen: this.names[argmax(w)],
      weights,
      drift,
      recentLoss,
      ensembleLoss: this.ensembleRecent,
      learningRate: this.learningRate,
      levels: this.summaries(),
    }
  }

  /** The levels' summaries; the same array while nothing changed, so a quiet step allocates none. */
  private summaries(): LevelSummary[] {
    const c = this.summaryCache
    const l0 = this.level0
    const l1 = this.level1
    const l2 = this.level2
    const deep = (this.config.maxDepth ?? 3) === 3
    const s0 =
      c.length > 0 && c[0].belief === l0.best && c[0].since === l0.since
        ? c[0]
        : { level: 0, belief: l0.best, since: l0.since, events: 0, last: -1 }
    const s1 =
      c.length > 0 && c[1].belief === l1.best && c[1].since === l1.since && c[1].events === l1.drifts
        ? c[1]
        : { level: 1, belief: l1.best, since: l1.since, events: l1.drifts, last: l1.lastDrift }
    const s2 = !deep
      ? null
      : c.length > 2 && c[2].events === l2.adjustments
        ? c[2]
        : {
            level: 2,
            belief: `learning rate ${Number(this.learningRate.toPrecision(3))}`,
            since: l2.since,
            events: l2.adjustments,
            last: l2.since,
          }
    if (c.length > 0 && s0 === c[0] && s1 === c[1] && (s2 === null || s2 === c[2])) return c
    return (this.summaryCache = s2 === null ? [s0, s1] : [s0, s1, s2])
  }

  private makeSelector(
    n = this.names.length,
    learningRate = this.learningRate,
  ): Hedge | UCB1 | EXP3 | ThompsonSampling {
    const seed = this.config.seed ?? 1
    switch (this.config.selector ?? 'hedge') {
      case 'ucb1':
        return new UCB1(n)
      case 'exp3':
        return new EXP3(n, { seed })
      case 'thompson':
        return new ThompsonSampling(n, { seed })
      default:
        return new Hedge(n, { learningRate, seed })
    }
  }

  /**
   * The learner's whole state as a JSON-safe object: each candidate's own `snapshot()`, the selector's,
   * the detector's and the safety monitors' snapshots, and the levels' counters and running losses, bit
   * for bit. `restore` (or `MetaLearner.fromSnapshot`) on a `MetaLearner` of the same config continues
   * exactly as this one would, provided the config's functions (loss, rules) are pure: they are not saved.
   *
   * A candidate whose learner lacks `snapshot()` or `restore()` (a user's own `OnlineLearner`) is a
   * `TypeError` naming it; midstream's learners have both.
   *
   * ```ts
   * const saved = JSON.stringify(meta.snapshot())
   * const again = MetaLearner.fromSnapshot(config, JSON.parse(saved))
   * ```
   */
  snapshot(): MetaLearnerSnapshot {
    const candidates = this.names.map((name, i) => {
      const learner = this.learners[i]
      if (typeof learner.snapshot !== 'function' || typeof learner.restore !== 'function')
        throw new TypeError(
          `MetaLearner.snapshot: candidate ${JSON.stringify(name)} has no snapshot() and restore(); its learner needs both for the MetaLearner to be snapshotted`,
        )
      return { name, learner: learner.snapshot() }
    })
    const { level0: l0, level1: l1, level2: l2, target: t } = this
    return {
      kind: 'MetaLearner',
      version: META_SNAPSHOT_VERSION,
      config: this.configSummary(),
      candidates,
      selector: this.selector.snapshot(),
      detector: this.detector?.snapshot() ?? null,
      safety: this.snapshotSafety(),
      index: this.index,
      refusals: this.refusals,
      appliedAt: [...this.appliedAt],
      levels: {
        best0: l0.best,
        since0: l0.since,
        best1: l1.best,
        since1: l1.since,
        drifts: l1.drifts,
        lastDrift: l1.lastDrift,
        since2: l2.since,
        adjustments: l2.adjustments,
      },
      state: encodeFloat64([
        t.count,
        t.mean,
        t.m2,
        this.ensembleRecent,
        this.learningRate,
        l2.periodLoss,
        l2.previousRegret,
      ]),
      recent: encodeFloat64(this.recent),
      periodBest: encodeFloat64(l2.periodBest),
    }
  }

  /**
   * Puts this learner in the state `snapshot` describes (from `snapshot()` of a `MetaLearner` with the
   * same config, possibly through JSON): each candidate is made fresh by its factory in
   * `config.candidates` and restored in place with its saved snapshot. A snapshot of another kind or
   * version, of a config with other options, rules or safety constraints, naming a candidate that
   * `config.candidates` does not (one a rule added), or damaged, is a `SnapshotError` naming both
   * sides; a candidate's learner without `restore()` is a `TypeError`. On any error the learner is
   * unchanged.
   *
   * ```ts
   * const meta = new MetaLearner(config)
   * meta.restore(JSON.parse(saved))
   * ```
   */
  restore(snapshot: MetaLearnerSnapshot): void {
    const fn = 'MetaLearner.restore'
    const s = checkSnapshot<MetaLearnerSnapshot>(fn, snapshot, 'MetaLearner', META_SNAPSHOT_VERSION)
    this.checkConfig(fn, s)
    const { names, factories, learners } = this.restoreCandidates(fn, s)
    const n = names.length
    const values = snapshotFloats(fn, 'state', s.state, 7)
    const [targetCount, targetMean, targetM2, ensembleRecent, learningRate, periodLoss, previousRegret] = values
    if (!Number.isSafeInteger(targetCount) || targetCount < 0)
      throw new SnapshotError(`${fn}: the target count must be an integer >= 0, got ${describeValue(targetCount)}`)
    if (!(learningRate > 0 && learningRate < Infinity))
      throw new SnapshotError(
        `${fn}: the learning rate must be a finite number > 0, got ${describeValue(learningRate)}`,
      )
    const recent = Array.from(snapshotFloats(fn, 'recent', s.recent, n))
    const periodBest = new Float64Array(snapshotFloats(fn, 'periodBest', s.periodBest, n))
    const selector = this.makeSelector(n, learningRate)
    restoreSelector(fn, selector, s.selector)
    const detector = this.restoreDetector(fn, s.detector)
    const safety = this.restoreSafety(fn, s.safety)
    const index = snapshotInteger(fn, 'index', s.index, 0, Number.MAX_SAFE_INTEGER)
    const refusals = snapshotInteger(fn, 'refusals', s.refusals, 0, Number.MAX_SAFE_INTEGER)
    if (!Array.isArray(s.appliedAt))
      throw new SnapshotError(`${fn}: appliedAt must be an array, got ${describeValue(s.appliedAt)}`)
    const appliedAt = s.appliedAt.map((at, i) => snapshotInteger(fn, `appliedAt[${i}]`, at, 0, index))
    const levels = readLevels(fn, s.levels, index)
    // every field checked: take them all
    this.names.splice(0, this.names.length, ...names)
    this.factories.splice(0, this.factories.length, ...factories)
    this.learners = learners
    this.selector = selector
    this.detector = detector
    this.safety = safety
    Object.assign(this.target, { count: targetCount, mean: targetMean, m2: targetM2 })
    this.recent = recent
    this.ensembleRecent = ensembleRecent
    this.index = index
    this.learningRate = learningRate
    this.level0 = { best: levels.best0, since: levels.since0 }
    this.level1 = { best: levels.best1, since: levels.since1, drifts: levels.drifts, lastDrift: levels.lastDrift }
    this.level2 = { since: levels.since2, adjustments: levels.adjustments, periodLoss, periodBest, previousRegret }
    this.appliedAt.splice(0, this.appliedAt.length, ...appliedAt)
    this.refusals = refusals
    this.summaryCache = []
  }

  /**
   * A learner of `config` in the state `snapshot` describes: `new MetaLearner(config)` then `restore`.
   * A bad config throws as the constructor; a snapshot that does not fit it as `restore`.
   *
   * ```ts
   * const meta = MetaLearner.fromSnapshot(config, JSON.parse(saved))
   * ```
   */
  static fromSnapshot<X, Y, P>(
    config: MetaLearnerConfig<X, Y, P>,
    snapshot: MetaLearnerSnapshot,
  ): MetaLearner<X, Y, P> {
    const meta = new MetaLearner(config)
    meta.restore(snapshot)
    return meta
  }

  /** The safety monitors' snapshots. */
  private snapshotSafety(): MonitorSnapshot[] {
    return this.safety.map(monitor => monitor.snapshot())
  }

  /** Fresh safety monitors (this one's are untouched until the whole snapshot is read) in the snapshot's state. */
  private restoreSafety(fn: string, saved: readonly MonitorSnapshot[]): Monitor<Record<string, boolean>>[] {
    if (!Array.isArray(saved) || saved.length !== this.safetyFactories.length)
      throw new SnapshotError(
        `${fn}: the snapshot holds ${Array.isArray(saved) ? saved.length : describeValue(saved)} safety monitors, this MetaLearner has ${this.safetyFactories.length}`,
      )
    return this.safetyFactories.map((make, i) => {
      const monitor = make()
      monitor.restore(saved[i])
      return monitor
    })
  }

  /** The config's options that shape the run, defaults filled in: what a snapshot is checked against. */
  private configSummary(): MetaLearnerSnapshot['config'] {
    const c = this.config
    const cap = c.maxModificationsPerWindow ?? Infinity
    return {
      task: c.task,
      selector: c.selector ?? 'hedge',
      detector: c.detector ?? 'adwin',
      onDrift: c.onDrift ?? 'reset',
      maxDepth: c.maxDepth ?? 3,
      period: c.period ?? DEFAULT_PERIOD,
      maxModificationsPerWindow: cap === Infinity ? null : cap,
      modificationWindow: c.modificationWindow ?? DEFAULT_MODIFICATION_WINDOW,
      seed: c.seed ?? 1,
      rules: (c.rules ?? []).map(rule => rule.name),
    }
  }

  /** A `SnapshotError` naming both values when the snapshot's config differs from this learner's. */
  private checkConfig(fn: string, s: MetaLearnerSnapshot): void {
    const { rules, ...mine } = this.configSummary()
    const saved = snapshotOptions(fn, s.config)
    const { rules: savedRules, ...savedRest } = saved
    checkSameOptions(fn, 'MetaLearner', savedRest, mine)
    if (
      !Array.isArray(savedRules) ||
      savedRules.length !== rules.length ||
      savedRules.some((name, i) => name !== rules[i])
    )
      throw new SnapshotError(
        `${fn}: the snapshot's rules are ${describeValue(JSON.stringify(savedRules))}, this MetaLearner's are ${JSON.stringify(JSON.stringify(rules))}`,
      )
  }

  /** Fresh learners from the config's factories, restored from the snapshot's candidates. */
  private restoreCandidates(
    fn: string,
    s: MetaLearnerSnapshot,
  ): { names: string[]; factories: Array<() => OnlineLearner<X, Y, P>>; learners: Array<OnlineLearner<X, Y, P>> } {
    const saved = s.candidates
    if (!Array.isArray(saved) || saved.length === 0)
      throw new SnapshotError(`${fn}: candidates must be a non-empty array, got ${describeValue(saved)}`)
    const known = this.config.candidates
    const names: string[] = []
    const factories: Array<() => OnlineLearner<X, Y, P>> = []
    const learners: Array<OnlineLearner<X, Y, P>> = []
    saved.forEach((candidate, i) => {
      const name = candidate?.name
      if (typeof name !== 'string')
        throw new SnapshotError(`${fn}: candidate #${i} has name ${describeValue(name)}, not a string`)
      if (names.includes(name)) throw new SnapshotError(`${fn}: candidate ${JSON.stringify(name)} appears twice`)
      if (!Object.hasOwn(known, name))
        throw new SnapshotError(
          `${fn}: the snapshot has candidate ${JSON.stringify(name)}, which config.candidates (${Object.keys(known).join(', ')}) does not name; a candidate a rule added cannot be restored`,
        )
      const make = known[name]
      const learner = make()
      if (typeof learner.restore !== 'function')
        throw new TypeError(`${fn}: candidate ${JSON.stringify(name)} has a learner without restore()`)
      learner.restore(candidate.learner)
      names.push(name)
      factories.push(make)
      learners.push(learner)
    })
    return { names, factories, learners }
  }

  /** The detector the config names, in the snapshot's state. */
  private restoreDetector(fn: string, saved: MetaLearnerSnapshot['detector']): ADWIN | PageHinkley | null {
    const kind = this.config.detector ?? 'adwin'
    if (kind === 'none') {
      if (saved !== null) throw new SnapshotError(`${fn}: detector must be null without a detector`)
      return null
    }
    if (kind === 'adwin') {
      const adwin = new ADWIN()
      adwin.restore(saved as ADWINSnapshot)
      return adwin
    }
    const ph = PageHinkley.fromSnapshot(saved as PageHinkleySnapshot)
    checkSameOptions(fn, 'PageHinkley', ph.snapshot().options, new PageHinkley(LEVEL1_PAGE_HINKLEY).snapshot().options)
    return ph
  }
}

/** Restores `selector` (made by `makeSelector`) in place from the snapshot's. */
function restoreSelector(
  fn: string,
  selector: Hedge | UCB1 | EXP3 | ThompsonSampling,
  saved: MetaLearnerSnapshot['selector'],
): void {
  if (saved === null || typeof saved !== 'object')
    throw new SnapshotError(`${fn}: selector must be a snapshot, got ${describeValue(saved)}`)
  if (selector instanceof Hedge) selector.restore(saved as HedgeSnapshot)
  else if (selector instanceof UCB1) selector.restore(saved as UCB1Snapshot)
  else if (selector instanceof EXP3) selector.restore(saved as EXP3Snapshot)
  else selector.restore(saved as ThompsonSamplingSnapshot)
}

/** The snapshot's level counters, each checked. */
function readLevels(fn: string, levels: unknown, index: number): MetaLearnerSnapshot['levels'] {
  if (levels === null || typeof levels !== 'object' || Array.isArray(levels))
    throw new SnapshotError(`${fn}: levels must be an object, got ${describeValue(levels)}`)
  const l = levels as Record<string, unknown>
  for (const name of ['best0', 'best1'])
    if (typeof l[name] !== 'string')
      throw new SnapshotError(`${fn}: levels.${name} must be a string, got ${describeValue(l[name])}`)
  for (const name of ['since0', 'since1', 'since2', 'drifts', 'adjustments'])
    snapshotInteger(fn, `levels.${name}`, l[name], 0, Number.MAX_SAFE_INTEGER)
  snapshotInteger(fn, 'levels.lastDrift', l.lastDrift, -1, index)
  return l as unknown as MetaLearnerSnapshot['levels']
}

function argmax(values: ArrayLike<number>): number {
  let best = 0
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i
  return best
}

function argmin(values: ArrayLike<number>): number {
  let best = 0
  for (let i = 1; i < values.length; i++) if (values[i] < values[best]) best = i
  return best
}
