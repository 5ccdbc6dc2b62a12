/**
 * piscina against tinypool, the two well-kept worker-thread pools, for what midstream's offload
 * needs (a window of 500 float64 values transferred to a worker, a small result back):
 *
 *  - startup: a new pool of n threads until its first task's result is back (ms, median of 5);
 *  - per-task cost, one task in flight (the offload of one operator: a window waits for the one
 *    before it), and 256 in flight (a burst), with a 500-value Float64Array transferred each time,
 *    against the same sum computed in-thread;
 *  - install size of the package and its dependencies.
 *
 * Run: npm run bench -- workerPools
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import { Tinypool } from 'tinypool'
import { fmt, machineLine, median, printTable } from './lib/report'

const WORKER = fileURLToPath(new URL('./lib/sumWorker.mjs', import.meta.url))
const LENGTH = 500
const TASKS = 4000
const IN_FLIGHT = 256
const REPEATS = 5

interface Pool {
  run(task: unknown, options: { transferList: ArrayBuffer[] }): Promise<unknown>
  destroy(): Promise<void>
}
type Make = (threads: number) => Pool
const pools: Record<string, Make> = {
  piscina: threads => new Piscina({ filename: WORKER, minThreads: threads, maxThreads: threads }) as unknown as Pool,
  tinypool: threads => new Tinypool({ filename: WORKER, minThreads: threads, maxThreads: threads }) as unknown as Pool,
}

const task = () => {
  const values = new Float64Array(LENGTH)
  for (let i = 0; i < LENGTH; i++) values[i] = i
  return { task: { values }, options: { transferList: [values.buffer] } }
}

async function startup(make: Make, threads: number): Promise<number> {
  const times: number[] = []
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now()
    const pool = make(threads)
    const { task: t, options } = task()
    await pool.run(t, options)
    times.push(performance.now() - t0)
    await pool.destroy()
  }
  return median(times)
}

/** us per task with `inFlight` tasks outstanding at a time. */
async function perTask(make: Make, threads: number, inFlight: number): Promise<number> {
  const pool = make(threads)
  const runs: number[] = []
  for (let r = 0; r < REPEATS + 1; r++) {
    const t0 = performance.now()
    let started = 0
    const lane = async () => {
      while (started < TASKS) {
        started++
        const { task: t, options } = task()
        await pool.run(t, options)
      }
    }
    await Promise.all(Array.from({ length: inFlight }, lane))
    if (r > 0) runs.push(((performance.now() - t0) * 1000) / TASKS) // the first run warms up
  }
  await pool.destroy()
  return median(runs)
}

function inThread(): number {
  const runs: number[] = []
  let sink = 0
  for (let r = 0; r < REPEATS + 1; r++) {
    const t0 = performance.now()
    for (let k = 0; k < TASKS; k++) {
      const { task: t } = task()
      let s = 0
      for (let i = 0; i < t.values.length; i++) s += t.values[i]
      sink += s
    }
    if (r > 0) runs.push(((performance.now() - t0) * 1000) / TASKS)
  }
  if (sink < 0) console.log(sink)
  return median(runs)
}

function installSize(pkg: string): string {
  const deps = pkg === 'piscina' ? ['piscina', '@napi-rs/nice*'] : [pkg]
  const out = execFileSync('sh', [
    '-c',
    `du -sk ${deps.map(d => `node_modules/${d}`).join(' ')} | awk '{s+=$1} END {print s}'`,
  ])
  return `${fmt(Number(out.toString().trim()))} KB`
}

console.log('## Worker pools: piscina against tinypool\n')
console.log(machineLine())
console.log()
const rows: string[][] = []
for (const [name, make] of Object.entries(pools)) {
  for (const threads of [1, 2]) {
    const up = await startup(make, threads)
    const one = await perTask(make, threads, 1)
    const many = await perTask(make, threads, IN_FLIGHT)
    rows.push([name, String(threads), fmt(up), fmt(one), fmt(many), installSize(name)])
  }
}
rows.push(['in-thread (the same sum, no pool)', '-', '-', fmt(inThread()), '-', '-'])
printTable(
  [
    'pool',
    'threads',
    'startup to first result (ms)',
    `us/task, 1 in flight`,
    `us/task, ${IN_FLIGHT} in flight`,
    'install size',
  ],
  rows,
)
