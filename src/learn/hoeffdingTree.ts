import { describeValue } from '../errors'
import { checkSnapshot, encodeFloat64, SnapshotError, type SnapshotHeader } from '../snapshot'
import { checkInteger, checkNumber, checkOneOf, checkOptions, checkProbability } from '../validate'
import { ADWIN, type ADWINSnapshot } from './adwin'
import type { OnlineLearner } from './learners'
import { checkSameOptions, snapshotFloats, snapshotInteger, snapshotOptions } from './snapshotFields'

/** How a leaf predicts: naive Bayes adaptive (River's default), majority class, or naive Bayes. */
export type LeafPrediction = 'nba' | 'mc' | 'nb'

/** Options of {@link HoeffdingAdaptiveTree}; every default is River's `HoeffdingAdaptiveTreeClassifier`'s. */
export interface HoeffdingAdaptiveTreeOptions {
  /** Examples a leaf sees between split attempts. Integer >= 1. Default 200. */
  gracePeriod?: number
  /** δ of the Hoeffding bound: the chance that a split is not the one the whole stream would pick. In (0, 1). Default 1e-7. */
  delta?: number
  /** Tie threshold: split anyway when the Hoeffding bound falls below it. >= 0. Default 0.05. */
  tau?: number
  /** Leaf predictor. Default `'nba'` (naive Bayes adaptive: whichever of majority class and naive Bayes was right more often at that leaf). */
  leafPrediction?: LeafPrediction
  /** Candidate thresholds per numeric feature, evenly spaced between the least and greatest value seen. Integer >= 1. Default 10. */
  splitPoints?: number
  /** A subtree and its alternate are compared only once both error windows hold more than this many examples. Integer >= 0. Default 300. */
  driftWindowThreshold?: number
  /** Significance of the test that replaces a subtree by its alternate (or drops the alternate). In (0, 1). Default 0.05. */
  switchSignificance?: number
  /** δ of the ADWIN that watches each node's error. In (0, 1). Default 0.002. */
  driftDelta?: number
}

const OPTION_NAMES: readonly string[] = [
  'gracePeriod',
  'delta',
  'tau',
  'leafPrediction',
  'splitPoints',
  'driftWindowThreshold',
  'switchSignificance',
  'driftDelta',
]
const LEAF_PREDICTIONS: readonly LeafPrediction[] = ['nba', 'mc', 'nb']
/** A split is worth -Infinity unless at least two branches get more than this fraction of the weight (River, MOA). */
const MIN_BRANCH_FRACTION = 0.01
/** Values per (class, feature) Gaussian estimator: count, mean, m2, min, max. */
const GAUSS = 5
const SNAPSHOT_VERSION = 1

/** A branch's test: `x[feature] <= threshold` goes left. */
export interface TreeSplit {
  /** Index of the feature tested. */
  readonly feature: number
  /** The threshold; values at or below it go left. */
  readonly threshold: number
}

interface LeafNode {
  readonly leaf: true
  /** Weight of each class seen here, inherited from the split that made the leaf, then counted. */
  counts: Float64Array
  /** Per (class, feature): count, mean, m2, min, max of the feature over that class's examples. */
  gauss: Float64Array
  /**
   * Examples since the last split attempt (or since the leaf was made). River compares the leaf's
   * weight with its weight at the last attempt, the same number with unit weights, but a float
   * difference of fractional inherited weights can round either side of the grace period.
   */
  sinceAttempt: number
  /** Examples the majority class and naive Bayes predicted right here (naive Bayes adaptive). */
  mcCorrect: number
  nbCorrect: number
  /** The leaf's error rate (ADWIN over 0/1 errors). */
  readonly error: ADWIN
}

interface BranchNode {
  readonly leaf: false
  readonly feature: number
  readonly threshold: number
  counts: Float64Array
  readonly error: ADWIN
  /** Grown from an empty leaf when this subtree's error rises; replaces it when significantly better. */
  alternate: TreeNode | null
  left: TreeNode
  right: TreeNode
}

type TreeNode = LeafNode | BranchNode

/** The standard normal's `erf`, to about 1e-16: 2/√π e^(-x²) Σ 2ⁿ x^(2n+1) / (1·3···(2n+1)), a series of positive terms. */
function erf(x: number): number {
  const a = Math.abs(x)
  if (a >= 6) return x > 0 ? 1 : -1
  const x2 = a * a
  let term = a
  let sum = a
  for (let n = 1; term > sum * 1e-17; n++) {
    term *= (2 * x2) / (2 * n + 1)
    sum += term
  }
  const value = (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum
  return x < 0 ? -value : value
}

/** Entropy in bits of the weights `w[from..from+k)`, River's `_compute_entropy_dict` order of operations. */
function entropy(w: Float64Array, from: number, k: number): number {
  let h = 0
  let total = 0
  for (let c = from; c < from + k; c++) {
    if (w[c] > 0) {
      h -= w[c] * Math.log2(w[c])
      total += w[c]
    }
  }
  return total > 0 ? (h + total * Math.log2(total)) / total : 0
}

/**
 * A Hoeffding Adaptive Tree classifier (HAT, Bifet & Gavaldà 2009) on numeric features: a Hoeffding
 * tree (VFDT) whose every node watches its error rate with ADWIN. When a node's error rises, an
 * alternate subtree grows beside it from an empty leaf; once both have seen more than
 * `driftWindowThreshold` examples, the alternate replaces the node when its error is significantly
 * lower, or is dropped when significantly higher. The tree so follows a drifting concept by
 * regrowing only the parts that went stale.
 *
 * Leaves keep, per class and feature, a Gaussian estimator (count, mean, variance, min, max). Every
 * `gracePeriod` examples a leaf tries `splitPoints` thresholds per feature, evenly spaced between the
 * least and greatest value seen, estimates the class weights on each side from the Gaussians' CDFs,
 * and scores each threshold by information gain. With `R = log2(max(classes, 2))` and `n` the
 * leaf's weight, the Hoeffding bound is `ε = sqrt(R² ln(1/δ) / 2n)`; the leaf splits on the best
 * candidate when it beats the second best by more than `ε`, or when `ε < tau` (a tie). Not splitting
 * is a candidate of merit 0 (MOA's pre-pruning; River gives it -∞), and wins nothing: the leaf just
 * waits for more data. The new leaves start from the split's estimated class weights.
 *
 * Predictions follow River: each leaf's class distribution (naive Bayes or class counts, per
 * `leafPrediction`) divided by its sum times the leaf's squared error rate, summed over the leaf the
 * example reaches and those it reaches in alternate subtrees. Left out, as options River has and this tree does not: River's bootstrap
 * sampling (off by default there), `max_depth`, memory management and leaf deactivation.
 *
 * Class labels are strings or finite numbers, learned as they appear; features are a fixed number of
 * finite numbers. Per example, learning and `predict` cost O(depth · features · classes) and allocate
 * nothing (scratch arrays are reused); a split attempt, once per `gracePeriod` examples at a leaf,
 * allocates a few small arrays, and new nodes and new classes allocate theirs. `predictProba` returns a new Map.
 *
 * ```ts
 * const tree = new HoeffdingAdaptiveTree<number>(3)
 * for (const { x, y } of stream) {
 *   const guess = tree.predict(x) // undefined before the first example
 *   tree.learn(x, y)
 * }
 * ```
 *
 * References:
 * - Bifet, Gavaldà, "Adaptive Learning from Evolving Data Streams", IDA 2009 (HAT).
 * - Domingos, Hulten, "Mining High-Speed Data Streams", KDD 2000 (the Hoeffding tree).
 * - Gama, Rocha, Medas, "Accurate Decision Trees for Mining High-Speed Data Streams", KDD 2003 (naive Bayes leaves).
 * - River's `tree.HoeffdingAdaptiveTreeClassifier` and `tree.splitter.GaussianSplitter` (defaults, split suggestions, leaf weighting).
 */
export class HoeffdingAdaptiveTree<C extends string | number = string | number>
  implements OnlineLearner<ArrayLike<number>, C, C | undefined>
{
  /** Examples a leaf sees between split attempts. */
  readonly gracePeriod: number
  /** δ of the Hoeffding bound. */
  readonly delta: number
  /** Tie threshold. */
  readonly tau: number
  /** Leaf predictor. */
  readonly leafPrediction: LeafPrediction
  /** Candidate thresholds per feature. */
  readonly splitPoints: number
  /** Examples both error windows need before a subtree and its alternate are compared. */
  readonly driftWindowThreshold: number
  /** Significance of the subtree-replacement test. */
  readonly switchSignificance: number
  /** δ of each node's ADWIN. */
  readonly driftDelta: number
  private readonly labels: C[] = []
  private readonly labelIndex = new Map<C, number>()
  private root: TreeNode
  private seen = 0
  // scratch, sized to the number of classes
  private proba = new Float64Array(0)
  private dist = new Float64Array(0)
  private post = new Float64Array(0)
  private bestPost = new Float64Array(0)
  /** The class the main-path leaf predicted before learning (set by `learnNode`). */
  private lastPrediction = -1

  /** An empty tree on `dimension` numeric features; bad options are a `RangeError` or `TypeError` naming them. */
  constructor(
    /** Number of features. */
    readonly dimension: number,
    options?: HoeffdingAdaptiveTreeOptions,
  ) {
    const fn = 'HoeffdingAdaptiveTree'
    checkInteger(fn, 'dimension', dimension, { min: 1 })
    const o = checkOptions(fn, options, OPTION_NAMES)
    this.gracePeriod = checkInteger(fn, 'gracePeriod', o.gracePeriod ?? 200, { min: 1 })
    this.delta = checkProbability(fn, 'delta', o.delta ?? 1e-7, true)
    this.tau = checkNumber(fn, 'tau', o.tau ?? 0.05, { min: 0 })
    this.leafPrediction = checkOneOf(fn, 'leafPrediction', o.leafPrediction ?? 'nba', LEAF_PREDICTIONS)
    this.splitPoints = checkInteger(fn, 'splitPoints', o.splitPoints ?? 10, { min: 1 })
    this.driftWindowThreshold = checkInteger(fn, 'driftWindowThreshold', o.driftWindowThreshold ?? 300, { min: 0 })
    this.switchSignificance = checkProbability(fn, 'switchSignificance', o.switchSignificance ?? 0.05, true)
    this.driftDelta = checkProbability(fn, 'driftDelta', o.driftDelta ?? 0.002, true)
    this.root = this.newLeaf(new Float64Array(0))
  }

  /** Examples learned from. */
  get examples(): number {
    return this.seen
  }

  /** Number of leaves of the main tree (alternate subtrees not counted). */
  get leaves(): number {
    const count = (node: TreeNode): number => (node.leaf ? 1 : count(node.left) + count(node.right))
    return count(this.root)
  }

  /** Depth of the main tree (a lone leaf: 0). */
  get depth(): number {
    const depth = (node: TreeNode): number => (node.leaf ? 0 : 1 + Math.max(depth(node.left), depth(node.right)))
    return depth(this.root)
  }

  /** The root's split as `{ feature, threshold }` (`x[feature] <= threshold` goes left), or null while the root is a leaf. */
  get rootSplit(): TreeSplit | null {
    const r = this.root
    return r.leaf ? null : { feature: r.feature, threshold: r.threshold }
  }

  /** Learns from `x` and its class `y`. */
  learn(x: ArrayLike<number>, y: C): void {
    checkFeatures(x, this.dimension, 'HoeffdingAdaptiveTree')
    if (typeof y !== 'string' && !(typeof y === 'number' && Number.isFinite(y)))
      throw new RangeError(`HoeffdingAdaptiveTree: y must be a string or a finite number, got ${describeValue(y)}`)
    let c = this.labelIndex.get(y)
    if (c === undefined) c = this.addClass(y)
    this.root = this.learnNode(this.root, x, c)
    this.seen++
  }

  /** The probability of each class seen so far (empty before the first example). */
  predictProba(x: ArrayLike<number>): Map<C, number> {
    checkFeatures(x, this.dimension, 'HoeffdingAdaptiveTree')
    const p = this.votes(x)
    let sum = 0
    for (let c = 0; c < p.length; c++) sum += p[c]
    const out = new Map<C, number>()
    for (let c = 0; c < p.length; c++) out.set(this.labels[c], sum > 0 ? p[c] / sum : 1 / p.length)
    return out
  }

  /** The most probable class; undefined before the first example. */
  predict(x: ArrayLike<number>): C | undefined {
    checkFeatures(x, this.dimension, 'HoeffdingAdaptiveTree')
    const p = this.votes(x)
    if (p.length === 0) return undefined
    return this.labels[argmax(p, p.length)]
  }

  /** The summed, error-weighted leaf distributions for `x`, in `this.proba`. */
  private votes(x: ArrayLike<number>): Float64Array {
    this.proba.fill(0)
    this.addVotes(this.root, x)
    return this.proba
  }

  private addVotes(node: TreeNode, x: ArrayLike<number>): void {
    let at: TreeNode = node
    while (!at.leaf) {
      if (at.alternate !== null) this.addVotes(at.alternate, x)
      at = x[at.feature] <= at.threshold ? at.left : at.right
    }
    const k = this.labels.length
    const dist = this.dist
    this.leafDistribution(at, x, this.leafUsesNaiveBayes(at))
    let sum = 0
    for (let c = 0; c < k; c++) sum += dist[c]
    const e = at.error.estimation
    const factor = sum * e * e
    for (let c = 0; c < k; c++) this.proba[c] += factor > 0 ? dist[c] / factor : dist[c]
  }

  private leafUsesNaiveBayes(leaf: LeafNode): boolean {
    return this.leafPrediction === 'nb' || (this.leafPrediction === 'nba' && leaf.nbCorrect >= leaf.mcCorrect)
  }

  /** The leaf's class distribution into `this.dist`: class counts, or naive Bayes probabilities. */
  private leafDistribution(leaf: LeafNode, x: ArrayLike<number>, naiveBayes: boolean): void {
    const k = this.labels.length
    const dist = this.dist
    if (!naiveBayes) {
      dist.set(leaf.counts)
      return
    }
    let total = 0
    for (let c = 0; c < k; c++) total += leaf.counts[c]
    let max = -Infinity
    for (let c = 0; c < k; c++) {
      if (!(leaf.counts[c] > 0)) {
        dist[c] = -Infinity
        continue
      }
      let log = Math.log(leaf.counts[c] / total)
      for (let f = 0; f < this.dimension; f++) {
        const density = gaussianDensity(leaf.gauss, (c * this.dimension + f) * GAUSS, x[f])
        if (density > 0) log += Math.log(density)
      }
      dist[c] = log
      if (log > max) max = log
    }
    let sum = 0
    for (let c = 0; c < k; c++) {
      dist[c] = dist[c] === -Infinity ? 0 : Math.exp(dist[c] - max)
      sum += dist[c]
    }
    if (sum > 0) for (let c = 0; c < k; c++) dist[c] /= sum
  }

  /** Learns (x, c) in the subtree at `node`; returns the node that now stands in its place. */
  private learnNode(node: TreeNode, x: ArrayLike<number>, c: number): TreeNode {
    if (node.leaf) return this.learnLeaf(node, x, c)
    node.counts[c]++
    const goLeft = x[node.feature] <= node.threshold
    // the main path's leaf predicts (before it learns) what this node's error counts
    if (goLeft) node.left = this.learnNode(node.left, x, c)
    else node.right = this.learnNode(node.right, x, c)
    const wrong = this.lastPrediction !== c ? 1 : 0
    const before = node.error.estimation
    node.error.update(wrong)
    const replacement = this.reviewAlternate(node, node.error.driftDetected && before <= node.error.estimation)
    if (node.alternate !== null) {
      const predicted = this.lastPrediction
      node.alternate = this.learnNode(node.alternate, x, c)
      this.lastPrediction = predicted
    }
    return replacement ?? node
  }

  /**
   * Starts an alternate when the node's error rose, or compares the node with its alternate (River's
   * test: replace when `sqrt(2 e (1-e) ln(2/significance) (1/n_alt + 1/n)) < e - e_alt`, drop the
   * alternate on the mirror condition). Returns the alternate when it replaces the node.
   */
  private reviewAlternate(node: BranchNode, errorRose: boolean): TreeNode | null {
    if (errorRose) {
      node.alternate = this.newLeaf(new Float64Array(this.labels.length))
      return null
    }
    const alternate = node.alternate
    if (alternate === null) return null
    const threshold = this.driftWindowThreshold
    if (!(node.error.width > threshold && alternate.error.width > threshold)) return null
    const e = node.error.estimation
    const eAlternate = alternate.error.estimation
    const n = 1 / alternate.error.width + 1 / node.error.width
    const bound = Math.sqrt(2 * e * (1 - e) * Math.log(2 / this.switchSignificance) * n)
    if (bound < e - eAlternate) {
      node.alternate = null
      return alternate
    }
    if (bound < eAlternate - e) node.alternate = null
    return null
  }

  private learnLeaf(leaf: LeafNode, x: ArrayLike<number>, c: number): TreeNode {
    const k = this.labels.length
    const counts = leaf.counts
    let total = 0
    for (let i = 0; i < k; i++) total += counts[i]
    // majority class and naive Bayes, as each would have predicted before this example
    let majority = -1
    if (total > 0) majority = argmax(counts, k)
    let bayes = -1
    if (this.leafPrediction !== 'mc' && total > 0) {
      this.leafDistribution(leaf, x, true)
      bayes = argmax(this.dist, k)
    }
    this.lastPrediction = this.leafUsesNaiveBayes(leaf) ? bayes : majority
    if (majority === c) leaf.mcCorrect++
    if (bayes === c) leaf.nbCorrect++
    leaf.error.update(this.lastPrediction === c ? 0 : 1)
    counts[c]++
    for (let f = 0; f < this.dimension; f++) updateGaussian(leaf.gauss, (c * this.dimension + f) * GAUSS, x[f])
    if (++leaf.sinceAttempt < this.gracePeriod) return leaf
    leaf.sinceAttempt = 0
    return this.attemptSplit(leaf, total + 1) ?? leaf
  }

  /**
   * The Hoeffding test at a leaf of total weight `n`: the best (feature, threshold) by information
   * gain against the second best candidate (or not splitting, merit 0). Returns the new branch, or null.
   */
  private attemptSplit(leaf: LeafNode, n: number): BranchNode | null {
    const k = this.labels.length
    let classes = 0
    for (let c = 0; c < k; c++) if (leaf.counts[c] > 0) classes++
    if (classes < 2) return null
    const preEntropy = entropy(leaf.counts, 0, k)
    // candidates in River's order, not splitting (merit 0) first; of equal merits the later wins
    const merits = [0]
    let best = 0
    let bestThreshold = 0
    for (let f = 0; f < this.dimension; f++) {
      const [merit, threshold] = this.bestThreshold(leaf, f, preEntropy)
      merits.push(merit)
      if (merit >= merits[best]) {
        best = f + 1
        bestThreshold = threshold
        this.bestPost.set(this.post)
      }
    }
    if (best === 0) return null
    let second = -Infinity
    for (let i = 0; i < merits.length; i++) if (i !== best && merits[i] > second) second = merits[i]
    const bestFeature = best - 1
    const range = Math.log2(Math.max(classes, 2))
    const epsilon = Math.sqrt((range * range * Math.log(1 / this.delta)) / (2 * n))
    if (!(merits[best] - second > epsilon || epsilon < this.tau)) return null
    return {
      leaf: false,
      feature: bestFeature,
      threshold: bestThreshold,
      counts: leaf.counts.slice(),
      error: new ADWIN({ delta: this.driftDelta }),
      alternate: null,
      left: this.newLeaf(this.bestPost.slice(0, k)),
      right: this.newLeaf(this.bestPost.slice(k, 2 * k)),
    }
  }

  /**
   * The best of `splitPoints` thresholds on feature `f` by information gain (River's
   * `GaussianSplitter`): its merit and threshold, the class weights left then right in `this.post`.
   * Merit -Infinity when no threshold lies strictly between the least and greatest value seen.
   */
  private bestThreshold(leaf: LeafNode, f: number, preEntropy: number): [number, number] {
    const k = this.labels.length
    const d = this.dimension
    const g = leaf.gauss
    let min = Infinity
    let max = -Infinity
    for (let c = 0; c < k; c++) {
      const at = (c * d + f) * GAUSS
      if (g[at] === 0) continue
      if (g[at + 3] < min) min = g[at + 3]
      if (g[at + 4] > max) max = g[at + 4]
    }
    let bestMerit = -Infinity
    let bestThreshold = Number.NaN
    const post = this.post
    const candidate = this.dist // free while splitting
    if (!(min < Infinity)) return [bestMerit, bestThreshold]
    const step = (max - min) / (this.splitPoints + 1)
    for (let i = 0; i < this.splitPoints; i++) {
      const threshold = min + step * (i + 1)
      if (!(min < threshold && threshold < max)) continue
      for (let c = 0; c < k; c++) {
        const at = (c * d + f) * GAUSS
        const count = g[at]
        let left = 0
        if (count === 0) left = 0
        else if (threshold < g[at + 3]) left = 0
        else if (threshold >= g[at + 4]) left = count
        else left = gaussianCdf(g, at, threshold) * count
        candidate[c] = left
        candidate[k + c] = count - left
      }
      const merit = infoGain(preEntropy, candidate, k)
      if (merit > bestMerit) {
        bestMerit = merit
        bestThreshold = threshold
        post.set(candidate.subarray(0, 2 * k))
      }
    }
    return [bestMerit, bestThreshold]
  }

  private newLeaf(counts: Float64Array): LeafNode {
    const gauss = new Float64Array(this.labels.length * this.dimension * GAUSS)
    for (let at = 0; at < gauss.length; at += GAUSS) (gauss[at + 3] = Infinity), (gauss[at + 4] = -Infinity)
    return {
      leaf: true,
      counts,
      gauss,
      sinceAttempt: 0,
      mcCorrect: 0,
      nbCorrect: 0,
      error: new ADWIN({ delta: this.driftDelta }),
    }
  }

  /** A new class: every node's arrays (and the scratch) grow by one class. */
  private addClass(y: C): number {
    const c = this.labels.length
    this.labels.push(y)
    this.labelIndex.set(y, c)
    const k = c + 1
    const grow = (node: TreeNode): void => {
      node.counts = grown(node.counts, k)
      if (node.leaf) {
        const gauss = grown(node.gauss, k * this.dimension * GAUSS)
        for (let at = c * this.dimension * GAUSS; at < gauss.length; at += GAUSS)
          (gauss[at + 3] = Infinity), (gauss[at + 4] = -Infinity)
        node.gauss = gauss
        return
      }
      if (node.alternate !== null) grow(node.alternate)
      grow(node.left)
      grow(node.right)
    }
    grow(this.root)
    this.sizeScratch(k)
    return c
  }

  private sizeScratch(k: number): void {
    this.proba = new Float64Array(k)
    this.dist = new Float64Array(2 * k)
    this.post = new Float64Array(2 * k)
    this.bestPost = new Float64Array(2 * k)
  }

  /**
   * The options, the classes in the order first seen, and the whole tree (alternates included, every
   * node's ADWIN) as a JSON-safe object, floats bit for bit.
   *
   * ```ts
   * const copy = HoeffdingAdaptiveTree.fromSnapshot<number>(JSON.parse(JSON.stringify(tree.snapshot())))
   * ```
   */
  snapshot(): HoeffdingAdaptiveTreeSnapshot<C> {
    return {
      kind: 'HoeffdingAdaptiveTree',
      version: SNAPSHOT_VERSION,
      options: this.options(),
      labels: [...this.labels],
      examples: this.seen,
      root: snapshotNode(this.root),
    }
  }

  /**
   * Puts this tree in the state `snapshot` describes. Another kind or version, options other than this
   * tree's, or a damaged field: a `SnapshotError` naming them (the tree is then untouched).
   */
  restore(snapshot: HoeffdingAdaptiveTreeSnapshot<C>): void {
    const fn = 'HoeffdingAdaptiveTree.restore'
    const s = checkSnapshot<HoeffdingAdaptiveTreeSnapshot<C>>(fn, snapshot, 'HoeffdingAdaptiveTree', SNAPSHOT_VERSION)
    checkSameOptions(fn, 'HoeffdingAdaptiveTree', snapshotOptions(fn, s.options), this.options())
    if (!Array.isArray(s.labels))
      throw new SnapshotError(`${fn}: labels must be an array, got ${describeValue(s.labels)}`)
    const index = new Map<C, number>()
    s.labels.forEach((label: C, c) => {
      if (typeof label !== 'string' && !(typeof label === 'number' && Number.isFinite(label)))
        throw new SnapshotError(`${fn}: label #${c} is ${describeValue(label)}, not a string or finite number`)
      if (index.has(label as C)) throw new SnapshotError(`${fn}: label ${describeValue(label)} appears twice`)
      index.set(label as C, c)
    })
    const examples = snapshotInteger(fn, 'examples', s.examples, 0, Number.MAX_SAFE_INTEGER)
    const root = this.readNode(fn, s.root, 'root', s.labels.length, 0)
    this.labels.splice(0, this.labels.length, ...s.labels)
    this.labelIndex.clear()
    for (const [label, c] of index) this.labelIndex.set(label, c)
    this.root = root
    this.seen = examples
    this.sizeScratch(s.labels.length)
  }

  /** A tree in the state `snapshot` describes; bad options as the constructor, other errors as `restore`. */
  static fromSnapshot<C extends string | number>(snapshot: HoeffdingAdaptiveTreeSnapshot<C>): HoeffdingAdaptiveTree<C> {
    const fn = 'HoeffdingAdaptiveTree.fromSnapshot'
    const s = checkSnapshot<HoeffdingAdaptiveTreeSnapshot<C>>(fn, snapshot, 'HoeffdingAdaptiveTree', SNAPSHOT_VERSION)
    const { dimension, ...options } = snapshotOptions(fn, s.options) as HoeffdingAdaptiveTreeSnapshot<C>['options']
    const tree = new HoeffdingAdaptiveTree<C>(dimension, options)
    tree.restore(s)
    return tree
  }

  private options(): HoeffdingAdaptiveTreeSnapshot<C>['options'] {
    return {
      dimension: this.dimension,
      gracePeriod: this.gracePeriod,
      delta: this.delta,
      tau: this.tau,
      leafPrediction: this.leafPrediction,
      splitPoints: this.splitPoints,
      driftWindowThreshold: this.driftWindowThreshold,
      switchSignificance: this.switchSignificance,
      driftDelta: this.driftDelta,
    }
  }

  /** A node from its snapshot, every field checked. */
  private readNode(fn: string, saved: unknown, path: string, k: number, depth: number): TreeNode {
    if (saved === null || typeof saved !== 'object' || Array.isArray(saved) || depth > 10_000)
      throw new SnapshotError(`${fn}: ${path} must be a node, got ${describeValue(saved)}`)
    const s = saved as NodeSnapshot
    const error = new ADWIN({ delta: this.driftDelta })
    error.restore(s.error)
    const counts = snapshotFloats(fn, `${path}.counts`, s.counts, k)
    if (s.leaf === true) {
      const gauss = snapshotFloats(fn, `${path}.gauss`, s.gauss, k * this.dimension * GAUSS)
      const [sinceAttempt, mcCorrect, nbCorrect] = snapshotFloats(fn, `${path}.state`, s.state, 3)
      if (!Number.isSafeInteger(sinceAttempt) || sinceAttempt < 0 || sinceAttempt >= this.gracePeriod)
        throw new SnapshotError(
          `${fn}: ${path}.state holds ${describeValue(sinceAttempt)} examples since the last attempt, not an integer in [0, ${this.gracePeriod})`,
        )
      return { leaf: true, counts, gauss, sinceAttempt, mcCorrect, nbCorrect, error }
    }
    if (s.leaf !== false) throw new SnapshotError(`${fn}: ${path}.leaf must be a boolean, got ${describeValue(s.leaf)}`)
    const feature = snapshotInteger(fn, `${path}.feature`, s.feature, 0, this.dimension - 1)
    const [threshold] = snapshotFloats(fn, `${path}.threshold`, s.threshold, 1)
    return {
      leaf: false,
      feature,
      threshold,
      counts,
      error,
      alternate: s.alternate === null ? null : this.readNode(fn, s.alternate, `${path}.alternate`, k, depth + 1),
      left: this.readNode(fn, s.left, `${path}.left`, k, depth + 1),
      right: this.readNode(fn, s.right, `${path}.right`, k, depth + 1),
    }
  }
}

/** One node of `HoeffdingAdaptiveTreeSnapshot.root`: a leaf or a branch, floats as base64 float64 bytes. */
export type HoeffdingTreeNodeSnapshot =
  | {
      /** A leaf. */
      readonly leaf: true
      /** Weight per class. */
      readonly counts: string
      /** Per (class, feature): count, mean, m2, min, max. */
      readonly gauss: string
      /** Examples since the last split attempt, examples majority class and naive Bayes got right. */
      readonly state: string
      /** The leaf's error detector. */
      readonly error: ADWINSnapshot
    }
  | {
      /** A branch: `x[feature] <= threshold` goes left. */
      readonly leaf: false
      /** The feature split on. */
      readonly feature: number
      /** The threshold, as base64 float64 bytes. */
      readonly threshold: string
      /** Weight per class seen here. */
      readonly counts: string
      /** The branch's error detector. */
      readonly error: ADWINSnapshot
      /** The alternate subtree, or null. */
      readonly alternate: HoeffdingTreeNodeSnapshot | null
      /** Left subtree. */
      readonly left: HoeffdingTreeNodeSnapshot
      /** Right subtree. */
      readonly right: HoeffdingTreeNodeSnapshot
    }

type NodeSnapshot = {
  leaf: unknown
  counts: unknown
  gauss?: unknown
  state?: unknown
  error: ADWINSnapshot
  feature?: unknown
  threshold?: unknown
  alternate?: unknown
  left?: unknown
  right?: unknown
}

/** `HoeffdingAdaptiveTree.snapshot()`: the options, the classes, and the tree, floats bit for bit. */
export interface HoeffdingAdaptiveTreeSnapshot<C extends string | number = string | number> extends SnapshotHeader {
  /** Always `'HoeffdingAdaptiveTree'`. */
  readonly kind: 'HoeffdingAdaptiveTree'
  /** The layout's version (1). */
  readonly version: number
  /** The options the tree was built with, and its number of features. */
  readonly options: Required<HoeffdingAdaptiveTreeOptions> & {
    /** Number of features. */
    readonly dimension: number
  }
  /** The class labels in the order first seen (class i of every node's arrays). */
  readonly labels: readonly C[]
  /** Examples learned from. */
  readonly examples: number
  /** The tree. */
  readonly root: HoeffdingTreeNodeSnapshot
}

function snapshotNode(node: TreeNode): HoeffdingTreeNodeSnapshot {
  if (node.leaf)
    return {
      leaf: true,
      counts: encodeFloat64(node.counts),
      gauss: encodeFloat64(node.gauss),
      state: encodeFloat64([node.sinceAttempt, node.mcCorrect, node.nbCorrect]),
      error: node.error.snapshot(),
    }
  return {
    leaf: false,
    feature: node.feature,
    threshold: encodeFloat64([node.threshold]),
    counts: encodeFloat64(node.counts),
    error: node.error.snapshot(),
    alternate: node.alternate === null ? null : snapshotNode(node.alternate),
    left: snapshotNode(node.left),
    right: snapshotNode(node.right),
  }
}

function grown(values: Float64Array, length: number): Float64Array {
  const out = new Float64Array(length)
  out.set(values)
  return out
}

function argmax(values: Float64Array, k: number): number {
  let best = 0
  for (let c = 1; c < k; c++) if (values[c] > values[best]) best = c
  return best
}

/** Information gain of the split whose class weights are `post[0..k)` (left) and `post[k..2k)` (right); -Infinity when fewer than two branches hold more than 1 % of the weight. */
function infoGain(preEntropy: number, post: Float64Array, k: number): number {
  let left = 0
  let right = 0
  for (let c = 0; c < k; c++) (left += post[c]), (right += post[k + c])
  const total = left + right
  if ((left / total > MIN_BRANCH_FRACTION ? 1 : 0) + (right / total > MIN_BRANCH_FRACTION ? 1 : 0) < 2) return -Infinity
  return preEntropy - (left * entropy(post, 0, k) + right * entropy(post, k, k)) / total
}

/** Welford's update of the (count, mean, m2, min, max) estimator at `at`. */
function updateGaussian(g: Float64Array, at: number, x: number): void {
  const n = ++g[at]
  const delta = x - g[at + 1]
  g[at + 1] += delta / n
  g[at + 2] += delta * (x - g[at + 1])
  if (x < g[at + 3]) g[at + 3] = x
  if (x > g[at + 4]) g[at + 4] = x
}

/** The normal density of the estimator at `at` (sample variance, as River's `Gaussian`); 0 without a variance. */
function gaussianDensity(g: Float64Array, at: number, x: number): number {
  const n = g[at]
  const variance = n > 1 ? g[at + 2] / (n - 1) : 0
  if (!(variance > 0)) return 0
  return Math.exp(((x - g[at + 1]) * (x - g[at + 1])) / (-2 * variance)) / Math.sqrt(2 * Math.PI * variance)
}

/** The normal CDF of the estimator at `at` (sample variance); 0 without a variance. */
function gaussianCdf(g: Float64Array, at: number, x: number): number {
  const n = g[at]
  const sigma = Math.sqrt(n > 1 ? g[at + 2] / (n - 1) : 0)
  if (!(sigma > 0)) return 0
  return 0.5 * (1 + erf((x - g[at + 1]) / (sigma * Math.SQRT2)))
}

function checkFeatures(x: ArrayLike<number>, dimension: number, fn: string): void {
  if (x === null || typeof x !== 'object' || x.length !== dimension)
    throw new RangeError(`${fn}: x must have ${dimension} features, got ${describeValue(x)}`)
  for (let i = 0; i < dimension; i++)
    if (typeof x[i] !== 'number' || !Number.isFinite(x[i]))
      throw new RangeError(`${fn}: feature ${i} must be a finite number, got ${describeValue(x[i])}`)
}
