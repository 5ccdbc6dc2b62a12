/**
 * Temporal comparison, side by side in one run:
 *  - full DTW at n = 1 000 and 4 000 (absolute cost, so every implementation computes the same
 *    number): midstream `dtw` vs the npm packages `dtw` and `dynamic-time-warping` (both allocate
 *    an n*m matrix); the distances are checked equal;
 *  - banded DTW (5 % band) in ns per cell on a random walk;
 *  - `editDistance` vs `fastest-levenshtein` on random strings (goal: within 1.5x);
 *  - SPRING (`Spring`, and `dtwMatch` through RxJS), query 128, on a 1e6-point random walk;
 *  - `findMatches` (UCR cascade), query 128, 5 % band, z-normalised, on a 1e6-point random walk:
 *    points per second and the share of windows pruned before full DTW.
 *
 * Run: npx tsx bench/compare.ts
 */
import { createRequire } from 'node:module'
import { distance as fastestLevenshtein } from 'fastest-levenshtein'
import { count, from } from 'rxjs'
import { dtw, dtwMatch, editDistance, lcsLength, Spring, searchMatches } from '../index'
import { fmt, machineLine, printTable, time } from './lib/report'

const require = createRequire(import.meta.url)
const NpmDtw = require('dtw') as new (options?: {
  distanceMetric?: string
}) => { compute(a: number[], b: number[]): number }
const DynamicTimeWarping = require('dynamic-time-warping') as new (
  a: number[],
  b: number[],
  d: (x: number, y: number) => number,
) => { getDistance(): number }

function randomWalk(n: number, seed: number): number[] {
  let s = seed
  let x = 0
  const out: number[] = new Array(n)
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647
    x += s / 2147483647 - 0.5
    out[i] = x
  }
  return out
}

console.log('## Temporal comparison')
console.log()
console.log(machineLine())
console.log()

const rows: string[][] = []
for (const n of [1000, 4000]) {
  const a = randomWalk(n, 1)
  const b = randomWalk(n, 2)
  const repeats = n === 1000 ? 7 : 3
  const ours = time(() => dtw(a, b, { cost: 'absolute' }), repeats)
  const npmDtw = time(() => new NpmDtw({ distanceMetric: 'manhattan' }).compute(a, b), repeats, 1)
  const dynamic = time(() => new DynamicTimeWarping(a, b, (x, y) => Math.abs(x - y)).getDistance(), repeats, 1)
  const agree =
    Math.abs(ours.result - npmDtw.result) < 1e-6 * ours.result &&
    Math.abs(ours.result - dynamic.result) < 1e-6 * ours.result
  rows.push([
    `full DTW, n = ${n}`,
    fmt(ours.ms),
    fmt(npmDtw.ms),
    fmt(dynamic.ms),
    `${fmt(npmDtw.ms / ours.ms)}x / ${fmt(dynamic.ms / ours.ms)}x`,
    agree ? 'yes' : 'NO',
  ])
}
console.log('time in ms (median); speed-up = baseline time / midstream time')
console.log()
printTable(
  ['case', 'midstream dtw', 'npm dtw', 'npm dynamic-time-warping', 'speed-up (dtw / d-t-w)', 'same distance'],
  rows,
)
console.log()

const banded: string[][] = []
for (const n of [1000, 4000, 16000]) {
  const a = Float64Array.from(randomWalk(n, 3))
  const b = Float64Array.from(randomWalk(n, 4))
  const w = Math.floor(0.05 * n)
  const cells = n * (2 * w + 1) - w * (w + 1)
  const t = time(() => dtw(a, b, { band: w }), 5)
  const full = time(() => dtw(a, b), n > 4000 ? 1 : 3)
  banded.push([String(n), String(w), fmt((t.ms * 1e6) / cells), fmt((full.ms * 1e6) / (n * n))])
}
console.log('DTW ns per cell (squared cost, random walk); goal: banded <= 4 ns')
console.log()
printTable(['n', 'band', 'banded ns/cell', 'full ns/cell'], banded)
console.log()

{
  const n = 1_000_000
  const series = Float64Array.from(randomWalk(n, 5))
  const query = Float64Array.from(randomWalk(128, 6))
  const runs: string[][] = []
  for (const [label, options] of [
    ['k = 1', { k: 1 }],
    ['k = 5', { k: 5 }],
  ] as const) {
    const t = time(() => searchMatches(series, query, { ...options, band: 0.05, normalize: true }), 3, 1)
    const { stats } = t.result
    const pruned = 1 - stats.dtwComputed / stats.windows
    runs.push([label, fmt(n / t.ms / 1000), `${(pruned * 100).toFixed(3)} %`, String(stats.dtwComputed)])
  }
  console.log(
    'findMatches: query 128, band 5 %, z-normalised, 1e6-point random walk; goal >= 1.5 M points/s, >= 99.5 % pruned',
  )
  console.log()
  printTable(['search', 'M points/s', 'pruned before DTW', 'full DTWs'], runs)
}

console.log()
{
  const rows: string[][] = []
  let seed = 9
  const randomString = (n: number) => {
    let out = ''
    for (let i = 0; i < n; i++) {
      seed = (seed * 16807) % 2147483647
      out += String.fromCharCode(97 + (seed % 26))
    }
    return out
  }
  for (const n of [16, 100, 1000, 5000]) {
    const pairs = Array.from({ length: 64 }, () => [randomString(n), randomString(n)] as const)
    const repeats = n >= 1000 ? 5 : 15
    const ours = time(() => pairs.map(([a, b]) => editDistance(a, b)), repeats)
    const theirs = time(() => pairs.map(([a, b]) => fastestLevenshtein(a, b)), repeats)
    const lcs = time(() => pairs.map(([a, b]) => lcsLength(a, b)), repeats)
    const same = ours.result.every((d, i) => d === theirs.result[i])
    rows.push([
      String(n),
      fmt((ours.ms * 1e3) / pairs.length),
      fmt((theirs.ms * 1e3) / pairs.length),
      `${fmt(theirs.ms / ours.ms)}x`,
      fmt((lcs.ms * 1e3) / pairs.length),
      same ? 'yes' : 'NO',
    ])
  }
  console.log('edit distance, us per pair of random strings (26 letters); goal: within 1.5x of fastest-levenshtein')
  console.log()
  printTable(
    ['length', 'midstream editDistance', 'fastest-levenshtein', 'speed-up', 'midstream lcsLength', 'same distance'],
    rows,
  )
}

console.log()
{
  const n = 1_000_000
  const series = Float64Array.from(randomWalk(n, 7))
  const query = Float64Array.from(randomWalk(128, 8))
  const rows: string[][] = []
  const kernel = time(
    () => {
      const spring = new Spring(query, { threshold: 5 })
      let matches = 0
      for (let i = 0; i < n; i++) if (spring.push(series[i]) !== null) matches++
      return matches
    },
    3,
    1,
  )
  rows.push(['Spring.push (kernel)', fmt(n / kernel.ms / 1000), String(kernel.result)])
  const operator = time(
    () => {
      let matches = 0
      from(series)
        .pipe(dtwMatch(query, { threshold: 5 }), count())
        .subscribe(c => (matches = c))
      return matches
    },
    3,
    1,
  )
  rows.push(['dtwMatch (SPRING, through RxJS)', fmt(n / operator.ms / 1000), String(operator.result)])
  const normalized = time(
    () => {
      let matches = 0
      from(series)
        .pipe(dtwMatch(query, { threshold: 5, normalize: true, band: 0.05 }), count())
        .subscribe(c => (matches = c))
      return matches
    },
    3,
    1,
  )
  rows.push(['dtwMatch (normalize, band 5 %)', fmt(n / normalized.ms / 1000), String(normalized.result)])
  console.log(
    'streaming matching, query 128, threshold 5, 1e6-point random walk; goal: SPRING >= 1 M points/s, normalised >= 1.5 M points/s',
  )
  console.log()
  printTable(['matcher', 'M points/s', 'matches'], rows)
}
