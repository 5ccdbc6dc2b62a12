/**
 * Attractor kernels, side by side in one run:
 *  - `classifyDynamics` on windows of Lorenz x (dt 0.02) of N = 1 000 .. 8 000 points, and on the
 *    logistic map at r = 4 and uniform noise at N = 1 000 and 5 000; targets (from the issue, printed,
 *    not asserted): <= 20 ms at 1 000 points, <= 100 ms at 5 000;
 *  - `lyapunovRosenstein` (k-d tree neighbours) against a textbook O(N^2) Rosenstein written here the
 *    way nolds' `lyap_r` does it: for each point the full row of Euclidean distances to every other
 *    point, the Theiler window masked, argmin; then the mean log divergence curve and a least-squares
 *    slope over a fixed fit range. Both run on the same Lorenz windows with the same dimension, delay,
 *    Theiler window, curve length and fit range (taken from `lyapunovRosenstein(x, { dt: 0.02 })`), so
 *    they do the same job and their exponents (per unit time) should agree;
 *  - how time grows from 1 000 to 8 000 points: the least-squares slope of log time against log N
 *    (2 for a quadratic method), with `lyapunovRosenstein`'s neighbour search alone (curve of 2 steps)
 *    beside it, since following every pair for maxSteps steps costs O(N maxSteps) and maxSteps grows
 *    with N (a quarter of the points) until it reaches 10 mean periods;
 *  - where `classifyDynamics` spends its time: its parts timed alone with the arguments it passes them.
 *
 * Run: npx tsx bench/attractor.ts
 */
import {
  classifyDynamics,
  estimateDelay,
  estimateDimension,
  lyapunovRosenstein,
  permutationEntropy,
  zeroOneTest,
} from '../index'
import { logistic, lorenz, uniformNoise } from '../test/support/dynamics'
import { fmt, loglogSlope, machineLine, printTable, time, yieldTurn } from './lib/report'

const DT = 0.02
const SIZES = [1000, 2000, 4000, 5000, 8000]
/** The O(N^2) baseline is skipped above this many points (about 0.5 s at 8 000 here). */
const BASELINE_MAX = 8000
const TARGET_MS: Record<number, number> = { 1000: 20, 5000: 100 }

/** Fewer repeats for the larger windows, so the whole run stays under two minutes. */
const repeatsFor = (n: number): number => (n <= 2000 ? 9 : n <= 5000 ? 7 : 5)

/**
 * Textbook Rosenstein, as nolds' `lyap_r`: embed; for each of the ntraj = count - maxSteps points
 * whose trajectory has maxSteps steps ahead, compute its Euclidean distance to every other such point,
 * set the Theiler window |i - j| <= theilerWindow to infinity, take the argmin; average ln distance of
 * the pairs after k = 0..maxSteps steps (zero distances left out); least-squares slope over [from, to].
 * O(N^2 dimension) time, one distance row of memory (nolds keeps the whole N x N matrix).
 */
function textbookRosenstein(
  x: ArrayLike<number>,
  dimension: number,
  delay: number,
  theilerWindow: number,
  maxSteps: number,
  from: number,
  to: number,
): number {
  const count = x.length - (dimension - 1) * delay
  const orbit = new Float64Array(count * dimension)
  for (let i = 0; i < count; i++) for (let c = 0; c < dimension; c++) orbit[i * dimension + c] = x[i + c * delay]
  const ntraj = count - maxSteps
  const row = new Float64Array(ntraj)
  const sum = new Float64Array(maxSteps + 1)
  const terms = new Float64Array(maxSteps + 1)
  for (let i = 0; i < ntraj; i++) {
    for (let j = 0; j < ntraj; j++) {
      let d2 = 0
      for (let c = 0; c < dimension; c++) {
        const diff = orbit[i * dimension + c] - orbit[j * dimension + c]
        d2 += diff * diff
      }
      row[j] = Math.sqrt(d2)
    }
    for (let j = Math.max(0, i - theilerWindow); j <= Math.min(ntraj - 1, i + theilerWindow); j++) row[j] = Infinity
    let nearest = -1
    let best = Infinity
    for (let j = 0; j < ntraj; j++) {
      if (row[j] < best) {
        best = row[j]
        nearest = j
      }
    }
    if (nearest < 0) continue
    for (let k = 0; k <= maxSteps; k++) {
      let d2 = 0
      for (let c = 0; c < dimension; c++) {
        const diff = orbit[(i + k) * dimension + c] - orbit[(nearest + k) * dimension + c]
        d2 += diff * diff
      }
      if (d2 > 0) {
        sum[k] += 0.5 * Math.log(d2)
        terms[k]++
      }
    }
  }
  let n = 0,
    sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0
  for (let k = from; k <= to; k++) {
    const y = sum[k] / terms[k]
    n++
    sx += k
    sy += y
    sxx += k * k
    sxy += k * y
  }
  return (sxy - (sx * sy) / n) / (sxx - (sx * sx) / n)
}

console.log('## Attractor kernels')
console.log()
console.log(machineLine())
console.log()

// classifyDynamics on every case
const lorenzSeries = new Map(SIZES.map(n => [n, lorenz(n, DT)] as const))
const cases: { label: string; n: number; x: Float64Array; dt: number }[] = [
  ...SIZES.map(n => ({ label: `Lorenz x, dt ${DT}`, n, x: lorenzSeries.get(n)!, dt: DT })),
  ...[1000, 5000].map(n => ({ label: 'logistic r = 4', n, x: logistic(n, 4), dt: 1 })),
  ...[1000, 5000].map(n => ({ label: 'uniform noise', n, x: uniformNoise(n), dt: 1 })),
]
const classifyMs = new Map<number, number>()
const classifyRows: string[][] = []
const unknowns: string[] = []
for (const c of cases) {
  const t = time(() => classifyDynamics(c.x, { dt: c.dt }), repeatsFor(c.n))
  if (c.label.startsWith('Lorenz')) classifyMs.set(c.n, t.ms)
  if (t.result.regime === 'unknown') unknowns.push(`${c.label}, N = ${c.n.toLocaleString('en-US')}: ${t.result.reason}`)
  const target = TARGET_MS[c.n]
  classifyRows.push([
    c.label,
    c.n.toLocaleString('en-US'),
    fmt(t.ms),
    target === undefined ? '' : `<= ${target}`,
    t.result.regime,
    `${t.result.dimension} / ${t.result.delay}`,
  ])
  await yieldTurn()
}
console.log('classifyDynamics, time in ms (median); targets from the issue, not assertions')
console.log()
printTable(['series', 'N', 'classifyDynamics ms', 'target ms', 'regime', 'dim / delay'], classifyRows)
console.log()
for (const line of unknowns) console.log(`unknown: ${line}`)
if (unknowns.length > 0) console.log()

// lyapunovRosenstein against the textbook O(N^2) method, same job
const oursMs: number[] = []
const neighboursMs: number[] = []
const curveSteps: number[] = []
const baselineMs: number[] = []
const baselineNs: number[] = []
const lyapunovRows: string[][] = []
for (const n of SIZES) {
  const x = lorenzSeries.get(n)!
  const auto = lyapunovRosenstein(x, { dt: DT })
  const { dimension, delay, theilerWindow } = auto
  const maxSteps = auto.divergence.length - 1
  curveSteps.push(maxSteps)
  const fitRange = [auto.fit.from, auto.fit.to] as const
  const repeats = repeatsFor(n)
  const ours = time(
    () => lyapunovRosenstein(x, { dt: DT, dimension, delay, theilerWindow, maxSteps, fitRange }).exponent,
    repeats,
  )
  oursMs.push(ours.ms)
  neighboursMs.push(
    time(
      () => lyapunovRosenstein(x, { dt: DT, dimension, delay, theilerWindow, maxSteps: 2, fitRange: [0, 2] }),
      repeats,
    ).ms,
  )
  let baselineCell = 'skipped'
  let baselineExponent = 'skipped'
  let speedup = ''
  if (n <= BASELINE_MAX) {
    const baseline = time(
      () => textbookRosenstein(x, dimension, delay, theilerWindow, maxSteps, fitRange[0], fitRange[1]) / DT,
      n >= 5000 ? 3 : 5,
      1,
    )
    baselineMs.push(baseline.ms)
    baselineNs.push(n)
    baselineCell = fmt(baseline.ms)
    baselineExponent = baseline.result.toFixed(4)
    speedup = `${fmt(baseline.ms / ours.ms)}x`
  }
  lyapunovRows.push([
    n.toLocaleString('en-US'),
    `${dimension} / ${delay} / ${theilerWindow} / ${maxSteps} / ${fitRange[0]}-${fitRange[1]}`,
    fmt(ours.ms),
    fmt(neighboursMs[neighboursMs.length - 1]),
    baselineCell,
    speedup,
    ours.result.toFixed(4),
    baselineExponent,
  ])
  await yieldTurn()
}
console.log(
  'lyapunovRosenstein (k-d tree) vs textbook O(N^2) Rosenstein (nolds lyap_r style), Lorenz x, dt 0.02; same embedding, Theiler window,',
)
console.log(
  'curve length and fit range; exponents per unit time (Lorenz: 0.9056); time in ms (median); "neighbours only" is midstream with a curve of 2 steps',
)
console.log()
printTable(
  [
    'N',
    'dim / delay / Theiler / steps / fit',
    'midstream ms',
    'neighbours only ms',
    'textbook O(N^2) ms',
    'speed-up',
    'midstream exponent',
    'textbook exponent',
  ],
  lyapunovRows,
)
console.log()

// growth of time with N
const classifySeries = SIZES.map(n => classifyMs.get(n)!)
const growthRows: string[][] = [
  [
    'midstream classifyDynamics',
    fmt(classifySeries[0]),
    fmt(classifySeries[classifySeries.length - 1]),
    fmt(classifySeries[classifySeries.length - 1] / classifySeries[0]),
    loglogSlope(SIZES, classifySeries).toFixed(2),
  ],
  [
    'midstream lyapunovRosenstein',
    fmt(oursMs[0]),
    fmt(oursMs[oursMs.length - 1]),
    fmt(oursMs[oursMs.length - 1] / oursMs[0]),
    loglogSlope(SIZES, oursMs).toFixed(2),
  ],
  [
    'midstream lyapunovRosenstein, neighbours only',
    fmt(neighboursMs[0]),
    fmt(neighboursMs[neighboursMs.length - 1]),
    fmt(neighboursMs[neighboursMs.length - 1] / neighboursMs[0]),
    loglogSlope(SIZES, neighboursMs).toFixed(2),
  ],
  [
    'textbook O(N^2) Rosenstein',
    fmt(baselineMs[0]),
    fmt(baselineMs[baselineMs.length - 1]),
    fmt(baselineMs[baselineMs.length - 1] / baselineMs[0]),
    loglogSlope(baselineNs, baselineMs).toFixed(2),
  ],
]
console.log(
  `growth of time from N = ${SIZES[0]} to ${SIZES[SIZES.length - 1]} (Lorenz x): exponent b of time ~ N^b, least squares over N = ${SIZES.join(', ')}; 8x the points is 8x the time for b = 1, 64x for b = 2`,
)
console.log()
printTable(['kernel', `ms at ${SIZES[0]}`, `ms at ${SIZES[SIZES.length - 1]}`, 'ratio', 'exponent b'], growthRows)
console.log()
console.log(
  `lyapunovRosenstein follows every pair for maxSteps steps (${curveSteps.join(', ')} at N = ${SIZES.join(', ')}: a quarter of the points, at most 10 mean periods),`,
)
console.log(
  'so its curve costs O(N maxSteps) and grows faster than N until maxSteps stops growing; the neighbour search alone is the k-d tree part',
)
console.log()

// where classifyDynamics spends its time: each part alone, with the arguments classifyDynamics gives it
const breakdownRows: string[][] = []
for (const c of [cases[0], cases[3], cases[4], cases[5], cases[6]]) {
  const { x, n } = c
  const repeats = repeatsFor(n)
  const pe = time(() => permutationEntropy(x, 4, 1), repeats)
  const delayAc = time(() => estimateDelay(x, { method: 'autocorrelation' }), repeats)
  const delayMi = time(() => estimateDelay(x, { method: 'mutual-information' }), repeats)
  const delay = Math.min(delayAc.result, delayMi.result)
  const dim = time(() => estimateDimension(x, delay, { maxDimension: 8 }), repeats)
  const subsample = Math.max(1, Math.min(delay, Math.floor(n / 300)))
  const k01 = time(() => zeroOneTest(x, { subsample, cCount: 40 }), repeats)
  const lyap = time(() => lyapunovRosenstein(x, { dimension: dim.result, delay }), repeats)
  const total = time(() => classifyDynamics(x, { dt: c.dt }), repeats)
  const parts = pe.ms + delayAc.ms + delayMi.ms + dim.ms + k01.ms + lyap.ms
  breakdownRows.push([
    `${c.label}, N = ${n.toLocaleString('en-US')}`,
    fmt(pe.ms),
    `${fmt(delayAc.ms)} + ${fmt(delayMi.ms)}`,
    fmt(dim.ms),
    `${fmt(k01.ms)} (every ${subsample})`,
    fmt(lyap.ms),
    fmt(parts),
    fmt(total.ms),
  ])
  await yieldTurn()
}
console.log(
  'where classifyDynamics spends its time, ms (median), each part timed alone; estimateDelay is autocorrelation + mutual information',
)
console.log('(classifyDynamics takes the smaller delay); the 0-1 test runs on every delay-th sample, keeping >= 300')
console.log()
printTable(
  [
    'series',
    'permutationEntropy',
    'estimateDelay (ac + mi)',
    'estimateDimension',
    'zeroOneTest',
    'lyapunovRosenstein',
    'sum of parts',
    'classifyDynamics',
  ],
  breakdownRows,
)
