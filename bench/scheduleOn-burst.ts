/**
 * A synchronous burst through a scheduling operator: `range(0, n)` piped through
 * `scheduleOn(NanoScheduler)` vs rxjs `observeOn(asyncScheduler)` and `observeOn(asapScheduler)`;
 * time from `subscribe` to `complete`, all n values delivered.
 *
 * RxJS 7's `observeOn` schedules one action per value, and each finished action removes itself
 * by linear search (from the scheduler's action array and the subscriber's finalizers; the asap
 * flush also `shift()`s a long array), so a burst costs O(n^2). `scheduleOn` hands the values
 * that arrive together to one task (up to `batchSize` per task), so it should stay linear:
 * t(1e5)/t(1e4) near 10.
 *
 * Cases whose quadratic extrapolation from the previous size exceeds 1 s run in a child process
 * with a hard limit of SKIP_ABOVE_S seconds; past it they print "skipped (quadratic)".
 *
 * Run: npx tsx bench/scheduleOn-burst.ts
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { asapScheduler, asyncScheduler, type MonoTypeOperatorFunction, observeOn, range } from 'rxjs'
import { createNanoScheduler, scheduleOn } from '../index'
import { fmt, machineLine, median, printTable, ratio, yieldTurn } from './lib/report'

const SIZES = [10_000, 30_000, 100_000]
const SKIP_ABOVE_S = Number(process.env.SKIP_ABOVE_S ?? 25)
const REPEATS = 3
const REPEATS_FAST = 11

const nano = createNanoScheduler({ maxQueueSize: 200_000 })

const candidates: { name: string; op: () => MonoTypeOperatorFunction<number> }[] = [
  { name: 'scheduleOn(NanoScheduler)', op: () => scheduleOn<number>(nano) },
  { name: 'rxjs observeOn(asapScheduler)', op: () => observeOn<number>(asapScheduler) },
  { name: 'rxjs observeOn(asyncScheduler)', op: () => observeOn<number>(asyncScheduler) },
]

/** Milliseconds from subscribe until the piped burst of n values completes. */
function run(n: number, op: MonoTypeOperatorFunction<number>): Promise<number> {
  return new Promise((resolve, reject) => {
    let count = 0
    const t0 = performance.now()
    range(0, n)
      .pipe(op)
      .subscribe({
        next: () => void count++,
        error: reject,
        complete: () => {
          const ms = performance.now() - t0
          if (count !== n) reject(new Error(`delivered ${count} of ${n} values`))
          else resolve(ms)
        },
      })
  })
}

/** Lets the JIT settle: ten bursts of 1e4 (a few hundred ms even for the quadratic baselines). */
async function warmUp(k: number): Promise<void> {
  for (let i = 0; i < 10; i++) await run(10_000, candidates[k].op())
}

// Child mode: measure one (candidate, n) and print the milliseconds.
const child = process.env.SCHEDULEON_BENCH_CHILD
if (child !== undefined) {
  const [k, n] = child.split(':').map(Number)
  await warmUp(k)
  console.log(JSON.stringify({ ms: await run(n, candidates[k].op()) }))
  process.exit(0)
}

/** Runs one measurement in a child process; undefined when it exceeds the time limit. */
function runInChild(k: number, n: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
      env: { ...process.env, SCHEDULEON_BENCH_CHILD: `${k}:${n}` },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    let timedOut = false
    proc.stdout.on('data', (d: Buffer) => (out += d))
    const timer = setTimeout(() => {
      timedOut = true
      proc.kill('SIGKILL')
    }, SKIP_ABOVE_S * 1000)
    proc.on('close', code => {
      clearTimeout(timer)
      if (timedOut) return resolve(undefined)
      if (code !== 0) return reject(new Error(`child for ${candidates[k].name}, n = ${n} exited with ${code}`))
      resolve(JSON.parse(out.trim().split('\n').pop()!).ms)
    })
  })
}

console.log('## scheduleOn: a synchronous burst of n values (rxjs `range`) through a scheduling operator')
console.log()
console.log(machineLine())
console.log(
  `time from subscribe to complete, ms; median of ${REPEATS_FAST} runs for cases under 0.1 s, of ${REPEATS} under 1 s, else one run ` +
    `(in a child process, limit ${SKIP_ABOVE_S} s)`,
)
console.log()

const started = performance.now()
const results = candidates.map(() => new Map<number, number | 'skipped'>())
for (let k = 0; k < candidates.length; k++) await warmUp(k)
for (const n of SIZES) {
  for (let k = 0; k < candidates.length; k++) {
    const prev = SIZES[SIZES.indexOf(n) - 1]
    const prevMs = prev === undefined ? undefined : results[k].get(prev)
    if (prevMs === 'skipped') {
      results[k].set(n, 'skipped')
      continue
    }
    const predictedMs = typeof prevMs === 'number' ? prevMs * (n / prev!) ** 2 : 0
    if (predictedMs > 1000) {
      results[k].set(n, (await runInChild(k, n)) ?? 'skipped')
      continue
    }
    const times: number[] = []
    const repeats = predictedMs < 100 ? REPEATS_FAST : REPEATS
    for (let r = 0; r < repeats; r++) {
      await yieldTurn()
      times.push(await run(n, candidates[k].op()))
    }
    results[k].set(n, median(times))
  }
}

const show = (v: number | 'skipped' | undefined) =>
  v === undefined ? '-' : v === 'skipped' ? 'skipped (quadratic)' : fmt(v)
const rel = (k: number, a: number, b: number) => {
  const x = results[k].get(a)
  const y = results[k].get(b)
  return typeof x === 'number' && typeof y === 'number' ? ratio(x / y) : '-'
}
printTable(
  ['operator', 'n = 1e4', 'n = 3e4', 'n = 1e5', 't(1e5) / t(1e4)', 't(3e4) / t(1e4)', 't(1e5) / t(3e4)'],
  candidates.map((c, k) => [
    c.name,
    ...SIZES.map(n => show(results[k].get(n))),
    rel(k, 100_000, 10_000),
    rel(k, 30_000, 10_000),
    rel(k, 100_000, 30_000),
  ]),
)
console.log()
const nano1e5 = results[0].get(100_000)
const speedups = candidates.slice(1).map((c, i) => {
  const b = results[i + 1].get(100_000)
  return `${c.name}: ${typeof b === 'number' && typeof nano1e5 === 'number' ? ratio(b / nano1e5) : 'n/a'}`
})
console.log(`scheduleOn speed-up at n = 1e5: ${speedups.join('; ')}`)
console.log(
  'linear growth: t(1e5)/t(1e4) ~ 10x, t(3e4)/t(1e4) ~ 3x; quadratic: ~100x and ~9x. Goal for scheduleOn: t(1e5)/t(1e4) <= ~10x.',
)
console.log(`(took ${fmt((performance.now() - started) / 1000)} s)`)
