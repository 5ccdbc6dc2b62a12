/**
 * Immediate-task throughput: how many zero-delay tasks per second a scheduler runs.
 *
 * (a) burst: N tasks scheduled synchronously with delay 0; time from the first `schedule` call
 *     until the last task has run.
 * (b) chain: each task schedules the next with `this.schedule()` on its own action, the way
 *     RxJS's `scheduled()` / `subscribeOn` drive a scheduler; time until the N-th has run.
 *
 * Baselines: rxjs `queueScheduler` (a trampoline: a top-level `schedule` runs the task inline,
 * one made inside a queue task is queued, so the burst is measured both ways) and rxjs
 * `asapScheduler` (one `setImmediate` per flush). The NanoScheduler is created with a
 * `maxQueueSize` above N (the default of 10 000 would reject the burst with QueueFullError),
 * once with its default timing (a zero-delay task queued by a running task is timed one in
 * `sampleTimingEvery`) and once with `sampleTimingEvery: 1` (every task's lateness and run time
 * measured: two clock readings a task), so the price of timing every task is printed beside it.
 * After the rounds, the stats of the default scheduler are checked against the tasks the script
 * counted itself (exact counts, timed runs a sample).
 * Each figure is the median of ROUNDS timed runs after warm-up runs, rounds interleaved (no forced
 * GC between runs: on this kind of VM a forced GC returns memory whose re-faulting then dominates);
 * the fastest run is printed too, since on a shared machine the median moves with the load.
 *
 * Run: npx tsx bench/scheduler-throughput.ts   (QUICK=1: 3 rounds after 1 warm-up; ROUNDS=n)
 */
import { asapScheduler, queueScheduler, type SchedulerAction, type SchedulerLike } from 'rxjs'
import { createNanoScheduler } from '../index'
import { fmt, machineLine, median, printTable, ratio, yieldTurn } from './lib/report'

const N = 100_000
const QUICK = process.env.QUICK === '1'
const ROUNDS = Number(process.env.ROUNDS ?? (QUICK ? 3 : 7))
const WARMUP = QUICK ? 1 : 2

const nano = createNanoScheduler({ maxQueueSize: 200_000 })
const nanoEveryTimed = createNanoScheduler({ maxQueueSize: 200_000, sampleTimingEvery: 1 })

/** Milliseconds until all N tasks of a burst scheduled on `scheduler` have run. */
function burst(scheduler: SchedulerLike, insideTask = false): Promise<number> {
  return new Promise(resolve => {
    let done = 0
    let t0 = 0
    const task = () => {
      if (++done === N) resolve(performance.now() - t0)
    }
    const scheduleAll = () => {
      for (let i = 0; i < N; i++) scheduler.schedule(task)
    }
    t0 = performance.now()
    if (insideTask) scheduler.schedule(scheduleAll)
    else scheduleAll()
  })
}

/** Milliseconds until a chain of N tasks, each rescheduling its own action, has run. */
function chain(scheduler: SchedulerLike): Promise<number> {
  return new Promise(resolve => {
    const t0 = performance.now()
    scheduler.schedule(
      function (this: SchedulerAction<number>, i?: number) {
        const next = i! + 1
        if (next < N) this.schedule(next)
        else resolve(performance.now() - t0)
      },
      0,
      0,
    )
  })
}

interface Row {
  name: string
  burst?: () => Promise<number>
  chain?: () => Promise<number>
}

const rows: Row[] = [
  { name: 'NanoScheduler', burst: () => burst(nano), chain: () => chain(nano) },
  {
    name: 'NanoScheduler, every task timed (sampleTimingEvery: 1)',
    burst: () => burst(nanoEveryTimed),
    chain: () => chain(nanoEveryTimed),
  },
  {
    name: 'rxjs queueScheduler (burst queued inside a task)',
    burst: () => burst(queueScheduler, true),
    chain: () => chain(queueScheduler),
  },
  { name: 'rxjs queueScheduler (burst at top level: each runs inline)', burst: () => burst(queueScheduler) },
  { name: 'rxjs asapScheduler', burst: () => burst(asapScheduler), chain: () => chain(asapScheduler) },
]

console.log(`## Scheduler throughput: N = ${N.toLocaleString('en-US')} zero-delay tasks`)
console.log()
console.log(machineLine())
console.log(`median of ${ROUNDS} runs after ${WARMUP} warm-up runs; runs interleaved across schedulers`)
console.log()

const started = performance.now()
const times = rows.map(() => ({ burst: [] as number[], chain: [] as number[] }))
for (let round = -WARMUP; round < ROUNDS; round++) {
  for (const kind of ['burst', 'chain'] as const) {
    for (let k = 0; k < rows.length; k++) {
      const run = rows[k][kind]
      if (!run) continue
      await yieldTurn()
      const ms = await run()
      if (round >= 0) times[k][kind].push(ms)
    }
  }
}

const perSecond = (ms: number) => (N / ms) * 1000
const med = times.map(t => ({
  burst: t.burst.length ? median(t.burst) : NaN,
  chain: t.chain.length ? median(t.chain) : NaN,
}))
const best = times.map(t => ({
  burst: t.burst.length ? Math.min(...t.burst) : NaN,
  chain: t.chain.length ? Math.min(...t.chain) : NaN,
}))
const cell = (ms: number) => (Number.isNaN(ms) ? '-' : fmt(ms))
const rate = (ms: number) => (Number.isNaN(ms) ? '-' : `${fmt(perSecond(ms) / 1e6)} M`)
printTable(
  ['scheduler', '(a) burst: ms', '(a) tasks/s', '(b) chain: ms', '(b) tasks/s', '(b) fastest run: ms'],
  rows.map((r, k) => [
    r.name,
    cell(med[k].burst),
    rate(med[k].burst),
    cell(med[k].chain),
    rate(med[k].chain),
    cell(best[k].chain),
  ]),
)
console.log()
const rel = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? '-' : ratio(a / b))
printTable(
  ['NanoScheduler (default timing) throughput relative to', '(a) burst', '(b) chain', '(b) chain, fastest runs'],
  rows
    .slice(1)
    .map((r, i) => [
      r.name,
      rel(med[i + 1].burst, med[0].burst),
      rel(med[i + 1].chain, med[0].chain),
      rel(best[i + 1].chain, best[0].chain),
    ]),
)
console.log()
const stats = nano.stats()
const ran = (WARMUP + ROUNDS) * 2 * N
console.log(
  `stats() of the default NanoScheduler after all rounds: scheduled ${stats.scheduled}, completed ${stats.completed} ` +
    `(the script ran ${ran}: ${stats.completed === ran && stats.scheduled === ran ? 'equal' : 'NOT EQUAL'}); ` +
    `timed runs ${stats.latenessNs.count} (every task of the bursts, queued from outside a drain, and one in ` +
    `${stats.sampleTimingEvery} of the chains' requeues), lateness p50 ${fmt(stats.latenessNs.p50)} ns, ` +
    `run time p50 ${fmt(stats.runTimeNs.p50)} ns.`,
)
console.log()
console.log(
  'goal: NanoScheduler >= 0.5x queueScheduler on the chain. A ratio above 1x means the NanoScheduler is faster.',
)
console.log(`(took ${fmt((performance.now() - started) / 1000)} s)`)
