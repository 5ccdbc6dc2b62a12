/**
 * Attractor analysis: what kind of motion a series shows (a fixed point, a limit cycle, chaos or
 * noise), with the indicators behind the verdict, on whole series and over a sliding window of a
 * stream whose regime changes.
 */
import { attractorWindow, classifyDynamics, lyapunovRosenstein, permutationEntropy, zeroOneTest } from 'midstream'
import { from, lastValueFrom, toArray } from 'rxjs'

/** The logistic map x -> r x (1 - x): chaotic at r = 4, with a largest Lyapunov exponent of ln 2. */
function logistic(n: number, r = 4, x0 = 0.3): number[] {
  const xs: number[] = []
  for (let i = 0, x = x0; i < n; i++, x = r * x * (1 - x)) xs.push(x)
  return xs
}

/** Uniform noise from a seeded linear congruential generator, so the output is the same on every run. */
function noise(n: number, seed = 42): number[] {
  let s = seed
  return Array.from({ length: n }, () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32)
}

const chaos = logistic(1000)
const cycle = Array.from({ length: 1000 }, (_, i) => Math.sin((2 * Math.PI * i) / 25))
const damped = Array.from({ length: 1000 }, (_, i) => Math.exp(-i / 50) * Math.cos(i / 3))

for (const [name, series] of Object.entries({ chaos, cycle, damped, noise: noise(1000) })) {
  console.log(`${name}: ${classifyDynamics(series).regime}`)
}

const { exponent } = lyapunovRosenstein(chaos, { dimension: 1, delay: 1 })
console.log(`logistic map: Lyapunov exponent ${exponent.toFixed(2)} (ln 2 = ${Math.LN2.toFixed(2)})`)
const oneDecimal = (x: number) => (Math.round(x * 10) / 10).toFixed(1) // K sits a hair either side of 0 or 1
console.log(`0-1 test K: chaos ${oneDecimal(zeroOneTest(chaos))}, cycle ${oneDecimal(zeroOneTest(cycle))}`)
console.log(`permutation entropy of the cycle: ${permutationEntropy(cycle).toFixed(2)}`)

// A stream that is periodic for 1 000 values, then chaotic: one report per 500 values
const reports = await lastValueFrom(
  from([...cycle, ...logistic(1000)]).pipe(attractorWindow({ window: 500, hop: 500 }), toArray()),
)
for (const r of reports) console.log(`values ${r.start}-${r.end}: ${r.regime}`)
