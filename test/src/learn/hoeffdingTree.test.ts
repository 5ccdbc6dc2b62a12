import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { HoeffdingAdaptiveTree } from '../../../src/learn/hoeffdingTree'
import { decodeFloat64, SnapshotError } from '../../../src/snapshot'
import { rotatingHyperplane } from '../../support/hyperplane'
import { rng } from '../../support/rng'
import { seaConcepts } from '../../support/sea'

// ---- the oracle: the root's split decision recomputed from the raw examples it has seen ----

/** erf by Simpson's rule on the normal density (a different method from the kernel's series), to ~1e-13. */
function erfBySimpson(z: number): number {
  const steps = 4000
  const h = z / steps
  let sum = 1 + Math.exp(-z * z)
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * Math.exp(-((i * h) ** 2))
  return (2 / Math.sqrt(Math.PI)) * (h / 3) * sum
}

/** Entropy in bits, -sum p log2 p, of a list of class weights. */
function bits(weights: number[]): number {
  const total = weights.reduce((a, b) => a + b, 0)
  if (total <= 0) return 0
  let h = 0
  for (const w of weights) if (w > 0) h -= (w / total) * Math.log2(w / total)
  return h
}

type Decision =
  | { split: false }
  | { split: true; feature: number; threshold: number; left: number[]; right: number[] }
  | { ambiguous: true }

/**
 * What a Hoeffding tree's leaf must decide after seeing `rows` (and inheriting the class weights
 * `inherited` from the split that made it): the class weights are inherited + counted; per class and feature the two-pass mean,
 * sample variance, min and max; `splitPoints` thresholds evenly spaced in (min, max); class weights on
 * each side from the normal CDF; information gain (-Infinity unless both sides hold > 1 % of the
 * weight); not splitting is a candidate of merit 0; split when best - second > eps = sqrt(R^2 ln(1/delta) / 2n)
 * or eps < tau. `ambiguous` when a comparison is within rounding of flipping.
 */
function oracle(
  rows: Array<{ x: number[]; y: number }>,
  classes: number,
  o: { delta: number; tau: number; splitPoints: number },
  inherited: number[] = new Array(classes).fill(0),
): Decision {
  const counts = Array.from({ length: classes }, (_, c) => inherited[c] + rows.filter(r => r.y === c).length)
  const n = counts.reduce((a, b) => a + b, 0)
  const present = counts.filter(w => w > 0).length
  if (present < 2) return { split: false }
  const dimension = rows[0].x.length
  const near = (a: number, b: number) =>
    Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))
  type Candidate = { merit: number; feature: number; threshold: number; left: number[]; right: number[] }
  const candidates: Candidate[] = [{ merit: 0, feature: -1, threshold: 0, left: [], right: [] }]
  for (let f = 0; f < dimension; f++) {
    const stats = counts.map((_, c) => {
      const xs = rows.filter(r => r.y === c).map(r => r.x[f])
      const mean = xs.reduce((a, b) => a + b, 0) / (xs.length || 1)
      const variance = xs.length > 1 ? xs.reduce((a, v) => a + (v - mean) ** 2, 0) / (xs.length - 1) : 0
      return { n: xs.length, mean, sd: Math.sqrt(variance), min: Math.min(...xs), max: Math.max(...xs) }
    })
    const seen = stats.filter(s => s.n > 0)
    const min = Math.min(...seen.map(s => s.min))
    const max = Math.max(...seen.map(s => s.max))
    let best: Candidate = { merit: -Infinity, feature: f, threshold: Number.NaN, left: [], right: [] }
    for (let i = 1; i <= o.splitPoints; i++) {
      const threshold = min + ((max - min) / (o.splitPoints + 1)) * i
      if (!(min < threshold && threshold < max)) continue
      const left = stats.map(s => {
        if (s.n === 0 || threshold < s.min) return 0
        if (threshold >= s.max) return s.n
        return s.sd > 0 ? 0.5 * (1 + erfBySimpson((threshold - s.mean) / (s.sd * Math.SQRT2))) * s.n : 0
      })
      const right = stats.map((s, c) => s.n - left[c])
      const l = left.reduce((a, b) => a + b, 0)
      const r = right.reduce((a, b) => a + b, 0)
      const merit =
        l / (l + r) > 0.01 && r / (l + r) > 0.01
          ? bits(counts) - (l * bits(left) + r * bits(right)) / (l + r)
          : -Infinity
      if (merit > best.merit && near(merit, best.merit)) return { ambiguous: true }
      if (merit > best.merit) best = { merit, feature: f, threshold, left, right }
    }
    candidates.push(best)
  }
  const sorted = [...candidates].sort((a, b) => a.merit - b.merit) // stable: of equals the later wins
  const first = sorted[sorted.length - 1]
  const second = sorted[sorted.length - 2]
  if (Number.isFinite(first.merit) && near(first.merit, second.merit) && first.feature !== second.feature)
    return { ambiguous: true }
  const range = Math.log2(Math.max(present, 2))
  const epsilon = Math.sqrt((range ** 2 * Math.log(1 / o.delta)) / (2 * n))
  const gap = first.merit - second.merit
  if (near(gap, epsilon) || near(epsilon, o.tau)) return { ambiguous: true }
  if ((gap > epsilon || epsilon < o.tau) && first.feature >= 0)
    return { split: true, feature: first.feature, threshold: first.threshold, left: first.left, right: first.right }
  return { split: false }
}

describe('HoeffdingAdaptiveTree: the Hoeffding bound decides the splits exactly as the oracle', () => {
  test.prop(
    [
      fc.integer({ min: 1, max: 800 }),
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.integer({ min: 5, max: 60 }),
      fc.double({ min: 1e-7, max: 0.9, noNaN: true }),
      fc.constantFrom(0, 0.05, 0.2),
      fc.constantFrom(2, 3),
      fc.double({ min: 0, max: 0.5, noNaN: true }),
      fc.integer({ min: 1, max: 10 }),
    ],
    { numRuns: 120 },
  )(
    'the root, then each of its children (starting from the weights the split estimated), split at the first attempt the oracle approves, on the same feature and threshold',
    (length, seed, gracePeriod, delta, tau, classes, noiseLevel, splitPoints) => {
      // classes by x0 + 0.3 x1 (x1 skewed), a fraction noiseLevel of labels random: some streams split early, others never
      const random = rng(seed)
      const rows = Array.from({ length }, () => {
        const x = [10 * random(), 10 * random() ** 2]
        let y = Math.min(classes - 1, Math.floor(((x[0] + 0.3 * x[1]) / 13) * classes))
        if (random() < noiseLevel) y = Math.floor(random() * classes)
        return { x, y }
      })
      const tree = new HoeffdingAdaptiveTree<number>(2, { gracePeriod, delta, tau, splitPoints })
      const o = { delta, tau, splitPoints }
      // the oracle's tree: the root's rows until it splits, then each child's inherited weights and rows
      const root = { rows: [] as typeof rows, lastAttempt: 0 }
      let split: { feature: number; threshold: number } | null = null
      let children: Array<{ inherited: number[]; rows: typeof rows; lastAttempt: number; done: boolean }> = []
      for (const row of rows) {
        tree.learn(row.x, row.y)
        const saved = tree.snapshot().root
        if (split === null) {
          root.rows.push(row)
          const decision: Decision =
            root.rows.length - root.lastAttempt >= gracePeriod ? oracle(root.rows, classes, o) : { split: false }
          if (root.rows.length - root.lastAttempt >= gracePeriod) root.lastAttempt = root.rows.length
          if ('ambiguous' in decision) return
          if (!decision.split) {
            expect(saved.leaf, `no root split at ${root.rows.length}`).toBe(true)
            continue
          }
          expect(tree.rootSplit?.feature, `root split feature at ${root.rows.length}`).toBe(decision.feature)
          expect(tree.rootSplit?.threshold).toBeCloseTo(decision.threshold, 9)
          split = { feature: decision.feature, threshold: decision.threshold }
          children = [decision.left, decision.right].map(inherited => ({
            inherited,
            rows: [],
            lastAttempt: 0,
            done: false,
          }))
          continue
        }
        // the root must stay (an alternate replacing it within a few hundred examples ends the check)
        if (saved.leaf || saved.feature !== split.feature) return
        const side = row.x[split.feature] <= split.threshold ? 0 : 1
        const child = children[side]
        if (child.done) continue
        child.rows.push(row)
        const weight = child.inherited.reduce((a, b) => a + b, 0) + child.rows.length
        if (child.rows.length - child.lastAttempt < gracePeriod) continue
        child.lastAttempt = child.rows.length
        const decision = oracle(child.rows, classes, o, child.inherited)
        if ('ambiguous' in decision) {
          child.done = true
          continue
        }
        const node = side === 0 ? saved.left : saved.right
        expect(!node.leaf, `split of child ${side} at weight ${weight}`).toBe(decision.split)
        if (decision.split && !node.leaf) {
          expect(node.feature).toBe(decision.feature)
          expect(decodeFloat64('test', 'threshold', node.threshold)[0]).toBeCloseTo(decision.threshold, 9)
          child.done = true
        }
      }
    },
  )

  it('splits at the first attempt on a feature that separates the classes, never on noise alone', () => {
    const random = rng(3)
    const tree = new HoeffdingAdaptiveTree<string>(2, { gracePeriod: 50 })
    for (let t = 0; t < 50; t++) {
      const x = [random() * 10, random() * 10]
      tree.learn(x, x[1] > 5 ? 'high' : 'low')
    }
    expect(tree.rootSplit?.feature).toBe(1)
    const noise = new HoeffdingAdaptiveTree<number>(2, { gracePeriod: 50 })
    for (let t = 0; t < 2000; t++) noise.learn([random(), random()], random() < 0.5 ? 1 : 0)
    // eps at n = 2000 with delta 1e-7 is 0.063 > tau: only a real gain could split, and there is none
    expect(noise.rootSplit).toBeNull()
  })
})

/** Prequential (test-then-train) hits of a fresh tree on `data`. */
function prequential(tree: HoeffdingAdaptiveTree<number>, data: Array<{ x: number[]; y: 0 | 1 }>): Uint8Array {
  const hits = new Uint8Array(data.length)
  data.forEach(({ x, y }, i) => {
    hits[i] = tree.predict(x) === y ? 1 : 0
    tree.learn(x, y)
  })
  return hits
}
const mean = (hits: Uint8Array, from: number, to: number) =>
  hits.subarray(from, to).reduce((a, b) => a + b, 0) / (to - from)

describe('HoeffdingAdaptiveTree accuracy against the noise ceiling', () => {
  it('SEA (thresholds 8, 9, 7, 9.5; 10 % noise): within 5 points of the 90 % ceiling once settled in every concept, never above it', () => {
    const block = 12_500
    const hits = prequential(new HoeffdingAdaptiveTree<number>(3), seaConcepts(block, [8, 9, 7, 9.5], 0.1, 1))
    for (let k = 0; k < 4; k++) {
      const settled = mean(hits, k * block + 4000, (k + 1) * block)
      // 3 standard errors of a proportion near 0.9 over 8 500 examples: 0.0098
      expect(settled, `concept ${k}`).toBeLessThanOrEqual(0.9 + 0.0098)
      expect(settled, `concept ${k}`).toBeGreaterThanOrEqual(0.85)
    }
  })

  it('rotating hyperplane (2 features, 5 % noise): within 8 points of the 95 % ceiling, never above it', () => {
    const data = rotatingHyperplane(40_000, { dimension: 2, magnitude: 0.001, noise: 0.05, seed: 2 })
    const adaptive = mean(prequential(new HoeffdingAdaptiveTree<number>(2), data), 10_000, 40_000)
    expect(adaptive).toBeLessThanOrEqual(0.95 + 0.004)
    expect(adaptive).toBeGreaterThanOrEqual(0.87)
  })
})

describe('HoeffdingAdaptiveTree snapshots', () => {
  const drifting = seaConcepts(3000, [8, 3], 0.05, 7)
  test.prop([fc.integer({ min: 0, max: drifting.length }), fc.constantFrom('nba', 'mc', 'nb' as const)], {
    numRuns: 12,
  })(
    'any split k, through JSON, gives the same predictions and the same final snapshot as one run',
    (k, leafPrediction) => {
      const options = { gracePeriod: 40, delta: 0.01, leafPrediction, driftWindowThreshold: 100 }
      const straight = new HoeffdingAdaptiveTree<number>(3, options)
      const expected = drifting.map(({ x, y }) => {
        const p = straight.predictProba(x)
        straight.learn(x, y)
        return [...p]
      })
      let resumed = new HoeffdingAdaptiveTree<number>(3, options)
      const got: Array<Array<[number, number]>> = []
      drifting.forEach(({ x, y }, i) => {
        if (i === k)
          resumed = HoeffdingAdaptiveTree.fromSnapshot<number>(JSON.parse(JSON.stringify(resumed.snapshot())))
        got.push([...resumed.predictProba(x)])
        resumed.learn(x, y)
      })
      if (k === drifting.length)
        resumed = HoeffdingAdaptiveTree.fromSnapshot<number>(JSON.parse(JSON.stringify(resumed.snapshot())))
      expect(got).toEqual(expected)
      expect(resumed.snapshot()).toEqual(straight.snapshot())
    },
  )

  it('the drifting stream grows alternate subtrees, so the snapshots above carry them', () => {
    const tree = new HoeffdingAdaptiveTree<number>(3, { gracePeriod: 40, delta: 0.01, driftWindowThreshold: 100 })
    let alternates = 0
    for (const { x, y } of drifting) {
      tree.learn(x, y)
      if (JSON.stringify(tree.snapshot()).includes('"alternate":{')) alternates++
    }
    expect(alternates).toBeGreaterThan(0)
  })

  it('restore refuses another kind, other options and damaged nodes, and leaves the tree as it was', () => {
    const tree = new HoeffdingAdaptiveTree<number>(3, { gracePeriod: 40 })
    for (const { x, y } of drifting.slice(0, 500)) tree.learn(x, y)
    const saved = tree.snapshot()
    const other = new HoeffdingAdaptiveTree<number>(3, { gracePeriod: 50 })
    expect(() => other.restore(saved)).toThrow(SnapshotError)
    expect(() => other.restore(saved)).toThrow(/gracePeriod/)
    expect(() => tree.restore({ ...saved, kind: 'ADWIN' } as never)).toThrow(SnapshotError)
    const damaged = JSON.parse(JSON.stringify(saved))
    damaged.root.counts = 'AAAA'
    expect(() => tree.restore(damaged)).toThrow(/root\.counts/)
    expect(tree.snapshot()).toEqual(saved)
  })
})

describe('HoeffdingAdaptiveTree bad input', () => {
  it('bad options and inputs are typed errors naming the function and the value', () => {
    expect(() => new HoeffdingAdaptiveTree(0)).toThrow(RangeError)
    expect(() => new HoeffdingAdaptiveTree(2, { gracePeriod: 0 })).toThrow(/HoeffdingAdaptiveTree: gracePeriod/)
    expect(() => new HoeffdingAdaptiveTree(2, { delta: 1 })).toThrow(RangeError)
    expect(() => new HoeffdingAdaptiveTree(2, { tau: -1 })).toThrow(/tau/)
    expect(() => new HoeffdingAdaptiveTree(2, { leafPrediction: 'mean' as never })).toThrow(/leafPrediction.*mean/)
    expect(() => new HoeffdingAdaptiveTree(2, { splitPoints: 1.5 })).toThrow(RangeError)
    expect(() => new HoeffdingAdaptiveTree(2, { switchSignificance: 0 })).toThrow(RangeError)
    expect(() => new HoeffdingAdaptiveTree(2, { grace: 3 } as never)).toThrow(TypeError)
    const tree = new HoeffdingAdaptiveTree<number>(2)
    expect(tree.predict([1, 2])).toBeUndefined()
    expect(() => tree.learn([1], 0)).toThrow(/HoeffdingAdaptiveTree: x must have 2 features/)
    expect(() => tree.learn([1, Number.NaN], 0)).toThrow(/feature 1/)
    expect(() => tree.learn([1, 2], Number.NaN as never)).toThrow(/y must be a string or a finite number/)
    expect(() => tree.predict([1, 2, 3])).toThrow(RangeError)
    expect(tree.examples).toBe(0)
  })
})
