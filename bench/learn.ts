/**
 * Meta-learning kernels: drift detectors' updates per second (PageHinkley, ADWIN, and ADWIN0, the
 * textbook definition that tests every split of an explicit window, as the baseline), and the
 * overhead of MetaLearner / metaLearn per element with 4 candidates beyond the candidates' own cost.
 */
import { from } from 'rxjs'
import { ADWIN, MetaLearner, metaLearn, type OnlineLearner, PageHinkley } from '../index'
import { rng } from '../test/support/rng'
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
