/**
 * Meta-learning kernels: drift detectors' updates per second (PageHinkley, ADWIN, and ADWIN0, the
 * textbook definition that tests every split of an explicit window, as the baseline), the
 * overhead of MetaLearner / metaLearn per element with 4 candidates beyond the candidates' own cost,
 * and accuracy on the SEA concepts stream through metaLearn: the candidate set the tests used
 * before beside the set with the Hoeffding Adaptive Tree, in the same run.
 */
import { from } from 'rxjs'
import {
  ADWIN,
  GaussianNaiveBayes,
  HoeffdingAdaptiveTree,
  MetaLearner,
  type MetaLearnerConfig,
  metaLearn,
  type OnlineLearner,
  OnlineLogisticRegression,
  PageHinkley,
} from '../index'
import { rng } from '../test/support/rng'
import { pairedLearners, seaConcepts } from '../test/support/sea'
import { fmt, machineLine, printTable, time as timeMedian, yieldTurn } from './lib/report'

/** Median ms of 5 runs after one warm-up run. */
const time = (run: () => void, repeats = 5): number => timeMedian(run, repeats, 1).ms

/** ADWIN0 (Bifet & Gavalda 2007, before the exponential histogram): the window kept whole, every split tested. */
class Adwin0 {
  private window: number[] = []
  driftDetected = false
  constructor(private readonly delta = 0.002) {}
  update(x: number): void {
    this.window.push(x)
    this.driftDetected = false
    for (let cut = true; cut; ) {
      cut = false
      const n = this.window.length
      let total = 0
      for (const v of this.window) total += v
      let left = 0
      for (let i = 1; i < n; i++) {
        left += this.window[i - 1]
        const n0 = i
        const n1 = n - i
        const m = 1 / (1 / n0 + 1 / n1)
        const epsilon = Math.sqrt((1 / (2 * m)) * Math.log((4 * n) / this.delta))
        if (Math.abs(left / n0 - (total - left) / n1) > epsilon) {
          this.window = this.window.slice(i)
          this.driftDetected = cut = true
          break
        }
      }
    }
  }
}

const N = 2_000_000
const random = rng(1)
const bernoulli = new Float64Array(N)
for (let i = 0; i < N; i++) bernoulli[i] = random() < (i < N / 2 ? 0.2 : 0.6) ? 1 : 0

console.log('## Meta-learning kernels\n')
console.log(machineLine())
console.log()

const rows: string[][] = []
let detections = 0
const ph = time(() => {
  const d = new PageHinkley()
  for (let i = 0; i < N; i++) {
    d.update(bernoulli[i])
    if (d.driftDetected) detections++
  }
})
rows.push(['PageHinkley (defaults)', fmt(N / ph / 1000), '>= 20', `${detections / 6} per run`])
await yieldTurn()
detections = 0
const ad = time(() => {
  const d = new ADWIN()
  for (let i = 0; i < N; i++) {
    d.update(bernoulli[i])
    if (d.driftDetected) detections++
  }
})
rows.push(['ADWIN (defaults: clock 32, 5 buckets)', fmt(N / ad / 1000), '>= 2', `${detections / 6} per run`])
await yieldTurn()
const n0 = 20_000
detections = 0
const naive = time(() => {
  const d = new Adwin0()
  for (let i = 0; i < n0; i++) {
    d.update(bernoulli[N / 2 - n0 / 2 + i])
    if (d.driftDetected) detections++
  }
}, 3)
rows.push([
  `baseline: ADWIN0, every split of the whole window (${n0.toLocaleString('en-US')} updates)`,
  fmt(n0 / naive / 1000),
  '',
  `${detections / 4} per run`,
])
console.log(
  `drift detectors on ${N.toLocaleString('en-US')} Bernoulli values (p 0.2, then 0.6 from the middle), M updates/s (median of 5 runs)\n`,
)
printTable(['detector', 'M updates/s', 'goal', 'detections'], rows)
console.log()

// metaLearn overhead: 4 candidates that cost almost nothing, so what is measured is the levels above them
const constant = (c: number) => (): OnlineLearner<number, number, number> => ({ predict: () => c, learn: () => {} })
const candidates = { a: constant(0), b: constant(1), c: constant(0), d: constant(1) }
const M = 300_000
const labels = Int8Array.from({ length: M }, (_, i) => (random() < 0.7 ? i & 1 : 1 - (i & 1)))
const observations = Array.from(labels, (y, i) => ({ x: i, y }))
const bare = time(() => {
  const learners = Object.values(candidates).map(make => make())
  for (let i = 0; i < M; i++) for (const l of learners) l.predict(i), l.learn(i, labels[i])
})
const rowsMeta: string[][] = [['the 4 candidates alone (predict + learn)', fmt((bare / M) * 1e6), '']]
for (const detector of ['adwin', 'none'] as const) {
  const kernel = time(() => {
    const meta = new MetaLearner<number, number, number>({ task: 'classification', candidates, detector })
    for (let i = 0; i < M; i++) meta.step(i, labels[i])
  })
  rowsMeta.push([
    `MetaLearner.step, 3 levels, detector ${detector}`,
    fmt((kernel / M) * 1e6),
    fmt(((kernel - bare) / M) * 1e6),
  ])
  await yieldTurn()
}
const operator = time(() => {
  let count = 0
  from(observations)
    .pipe(metaLearn({ task: 'classification', candidates }))
    .subscribe(() => count++)
})
rowsMeta.push([
  'from(observations).pipe(metaLearn(...)), 3 levels, ADWIN',
  fmt((operator / M) * 1e6),
  fmt(((operator - bare) / M) * 1e6),
])
console.log(
  `MetaLearner over ${M.toLocaleString('en-US')} labelled observations with 4 near-free candidates, ns per element (median of 5 runs); goal: overhead <= 1 000 ns\n`,
)
printTable(['path', 'ns per element', 'overhead beyond the candidates'], rowsMeta)

await yieldTurn()

// ---- SEA through metaLearn: accuracy, the goal row ----
type X = [number, number, number]
type SeaConfig = MetaLearnerConfig<X, number, number | undefined>
/** Logistic regression thresholded at 0.5, on the features mapped to [0, 1] (scale 'unit') or [-1, 1] ('centred'). */
const logistic =
  (learningRate: number, averaging: number | undefined, scale: 'unit' | 'centred') =>
  (): OnlineLearner<X, number, number | undefined> => {
    const inner = new OnlineLogisticRegression(3, { learningRate, averaging })
    const f = scale === 'unit' ? (v: number) => v / 10 : (v: number) => (v - 5) / 5
    const map = (x: X) => [f(x[0]), f(x[1]), f(x[2])]
    return { predict: x => (inner.predict(map(x)) > 0.5 ? 1 : 0), learn: (x, y) => inner.learn(map(x), y as 0 | 1) }
  }
const naiveBayes = (): OnlineLearner<X, number, number | undefined> => {
  const inner = new GaussianNaiveBayes<number>(3)
  return { predict: x => inner.predict(x) ?? 0, learn: (x, y) => inner.learn(x, y) }
}
const tree = () => new HoeffdingAdaptiveTree<number>(3)
/** The candidates of test/src/learn/metaLearner.test.ts (and the demo, less one), with metaLearn's defaults. */
const before: SeaConfig = {
  task: 'classification',
  candidates: {
    averagedFast: logistic(0.5, 0.002, 'unit'),
    averaged: logistic(0.2, 0.005, 'unit'),
    plain: logistic(0.5, undefined, 'unit'),
    naiveBayes,
  },
}
const reactive = logistic(1, 0.001, 'centred')
const stable = logistic(1, 0.0002, 'centred')
const sets: Array<[string, SeaConfig]> = [
  ['before: 3 logistic regressions (x / 10) and naive Bayes', before],
  ['HoeffdingAdaptiveTree with paired logistic regressions ((x - 5) / 5)', pairedLearners({ reactive, stable, tree })],
  ['the same without the tree', pairedLearners({ reactive, stable })],
  [
    'HoeffdingAdaptiveTree alone (River defaults, naive Bayes adaptive leaves)',
    { task: 'classification', candidates: { tree } },
  ],
]
const BLOCK = 12_500
/** Prequential accuracy and accuracy over [drift + 2 000, drift + 4 000) after each drift, in %. */
function seaRun(config: SeaConfig, seed: number): { prequential: number; windows: number[] } {
  const data = seaConcepts(BLOCK, [8, 9, 7, 9.5], 0.1, seed)
  const hits = new Uint8Array(data.length)
  from(data)
    .pipe(metaLearn({ ...config, seed }))
    .subscribe(step => (hits[step.index] = step.prediction === data[step.index].y ? 1 : 0))
  const accuracy = (a: number, b: number) => (100 * hits.subarray(a, b).reduce((p, q) => p + q, 0)) / (b - a)
  return {
    prequential: accuracy(0, data.length),
    windows: [1, 2, 3].map(k => accuracy(k * BLOCK + 2000, k * BLOCK + 4000)),
  }
}
const met = (r: { prequential: number; windows: number[] }) => r.prequential >= 88.5 && r.windows.every(w => w >= 88)
const seaRows: string[][] = []
for (const [name, config] of sets) {
  const r = seaRun(config, 1)
  seaRows.push([name, r.prequential.toFixed(2), ...r.windows.map(w => w.toFixed(1)), met(r) ? 'yes' : 'no'])
  await yieldTurn()
}
console.log(
  `\nSEA concepts (thresholds 8, 9, 7, 9.5; 10 % label noise, ceiling 90 %; ${BLOCK.toLocaleString('en-US')} per concept; seed 1) through metaLearn, accuracy %; goal: prequential >= 88.5 and >= 88 in each window\n`,
)
printTable(['candidates', 'prequential', 'drift 1 window', 'drift 2 window', 'drift 3 window', 'goal met'], seaRows)
const seeds = [1, 2, 3, 4, 5, 6, 7]
const seedRows: string[][] = []
for (const [name, config] of sets.slice(0, 3)) {
  const runs = seeds.map(seed => seaRun(config, seed))
  const p = runs.map(r => r.prequential)
  const w = runs.flatMap(r => r.windows)
  seedRows.push([
    name,
    `${Math.min(...p).toFixed(2)}-${Math.max(...p).toFixed(2)}`,
    `${p.filter(v => v >= 88.5).length} / ${seeds.length}`,
    `${Math.min(...w).toFixed(1)}-${Math.max(...w).toFixed(1)}`,
    `${w.filter(v => v >= 88).length} / ${w.length}`,
    `${runs.filter(met).length} / ${seeds.length}`,
  ])
  await yieldTurn()
}
console.log(
  `\nthe same over seeds ${seeds.join(', ')} (a 2 000-example window's accuracy has a standard error of 0.67 points at 90 %)\n`,
)
printTable(
  ['candidates', 'prequential', 'seeds >= 88.5', 'windows', 'windows >= 88', 'seeds meeting the goal'],
  seedRows,
)

await yieldTurn()

// the tree's share where a linear model cannot follow: an XOR concept (label 1 when exactly one of
// x1 > 5, x2 > 5), 10 % label noise, 20 000 examples, accuracy over the last 10 000
const xorRandom = rng(3)
const xor = Array.from({ length: 20_000 }, () => {
  const x: X = [10 * xorRandom(), 10 * xorRandom(), 10 * xorRandom()]
  const label = x[0] > 5 !== x[1] > 5 ? 1 : 0
  return { x, y: xorRandom() < 0.1 ? 1 - label : label }
})
const xorRows: string[][] = []
for (const [name, config] of sets.slice(1)) {
  let right = 0
  from(xor)
    .pipe(metaLearn(config))
    .subscribe(step => {
      if (step.index >= 10_000 && step.prediction === xor[step.index].y) right++
    })
  xorRows.push([name, ((100 * right) / 10_000).toFixed(2)])
}
console.log(
  '\nXOR concept (x1 > 5 xor x2 > 5, 10 % label noise, ceiling 90 %) through metaLearn, accuracy % over examples 10 000-20 000\n',
)
printTable(['candidates', 'accuracy'], xorRows)
