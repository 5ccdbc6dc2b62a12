/**
 * Partitioned, exactly-once pipelines on Redis (issue 14, part 5), side by side in one run, on one
 * redis-server started here (Debian's redis-server, 127.0.0.1, appendonly off and no snapshots: the
 * figures are throughput without fsync; the fault tests use AOF with `appendfsync always`).
 *
 * The work is the exactly-once tests' workload (test/support/partitionedWorkload.ts): seeded readings
 * `{ key, t, x }` over ~200 keys, and per key `dtwMatch` (SPRING, the spike template) + `ltlGuard`
 * (`G (hot -> F[0,6] cool)`, event time from the readings) + a `checkpointedScan`: one `step` output per
 * reading plus the matches. Ours: `runPartitioned` on Redis in worker processes
 * (test/support/partitionedWorker.ts through the harness's `startWorker`): the router copies entries into
 * 8 partition streams, each batch is one atomic commit (outputs, key states, last id, fencing token).
 * Baseline: the plain node-redis loop a user would write instead, in ONE process (bench/lib/atLeastOnceLoop.ts):
 * XREADGROUP COUNT 500 on the input stream, the same operators per key without state handles, XADD of the
 * outputs + XACK pipelined, nothing saved (at-least-once). Both write the same output streams
 * (`<output>:{<name>:<p>}`), and every run's outputs are compared, per key and in order, with one
 * uninterrupted in-process run of the workload (the oracle): the "same outputs" column.
 *
 *  a. throughput, entries/s: N entries preloaded (ids 1-0 .. N-0) under another name, the workers started
 *     and their leases settled, then the stream RENAMEd into the input; from the RENAME to the commit of
 *     the last output (the output entry id's ms part, Redis' clock on this machine), with 1 and with 2
 *     workers; the baseline from its first XREADGROUP to its last XACK reply (it reports it); beside
 *     each, the CPU time redis-server and the workers (or the loop) used over the run, per 1 000 entries
 *     (from /proc, and the loop's `process.cpuUsage`), and their sum over the wall time (cores kept busy);
 *  b. end-to-end latency at a paced rate (XADD with server ids, so the input id's ms part is the XADD
 *     time): a reader on its own connection does blocking XREADs on the 8 output streams and takes, per
 *     output, the time it read it minus its `input` id's ms part (+0-1 ms from the id's whole ms); the
 *     first second is warm-up and left out;
 *  c. takeover after `kill -9` of one of 2 workers under the paced load: per partition the killed worker
 *     held, the time from the kill to the first output of that partition committed after it (the output id's
 *     ms part, later than the process' exit + 10 ms: a commit it sent before dying may still land; nothing
 *     from the survivor can, since it must wait for the lease to expire); run once killing the worker that
 *     holds the router's lease (every partition stalls until the router moves) and once the other one.
 *
 * Goals from the issue, printed beside the figures, never asserted: (a) >= 0.7x of the baseline with 1
 * worker, 2 workers >= 1.3x of 1 worker (Redis, the producer and the workers share this machine's cores);
 * (c) takeover <= lease + 1 s.
 *
 * Run: npm run bench -- partitioned
 * Env: PARTITIONED_BENCH_ENTRIES (50 000), _KEYS (200), _PARTITIONS (8), _BATCH (500, the workers'
 * batchSize and the baseline's COUNT), _LEASE_MS (2 000), _RATE (5 000 entries/s), _SECONDS (10, the
 * paced measurement), _REPEATS (3, throughput runs per configuration; the median is printed).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { redisPartitionKeys, redisPipelineKeys } from '../redis/broker'
import { openRedis, type RedisLink, readStreamReply } from '../redis/connection'
import {
  countOutputs,
  outputStream,
  produce,
  readOutputs,
  startWorker,
  type WorkerProcess,
} from '../test/support/partitionedHarness'
import { oracleOutputs, type Reading, type WorkloadOutput, workloadReadings } from '../test/support/partitionedWorkload'
import { type RedisServer, startRedis } from '../test/support/redisServer'
import { fmt, machineLine, median, printTable, ratio, summary } from './lib/report'

const ENTRIES = Number(process.env.PARTITIONED_BENCH_ENTRIES ?? 50_000)
const KEYS = Number(process.env.PARTITIONED_BENCH_KEYS ?? 200)
const PARTITIONS = Number(process.env.PARTITIONED_BENCH_PARTITIONS ?? 8)
const BATCH = Number(process.env.PARTITIONED_BENCH_BATCH ?? 500)
const LEASE_MS = Number(process.env.PARTITIONED_BENCH_LEASE_MS ?? 2_000)
const RATE = Number(process.env.PARTITIONED_BENCH_RATE ?? 5_000)
const SECONDS = Number(process.env.PARTITIONED_BENCH_SECONDS ?? 10)
const REPEATS = Number(process.env.PARTITIONED_BENCH_REPEATS ?? 3)
const WARMUP_MS = 1_000
const SEED = 14
const GOAL_ONE_WORKER = 0.7
const GOAL_TWO_WORKERS = 1.3

const NAME = 'bench'
const INPUT = `${NAME}:in`
const OUTPUT = `${NAME}:out`
const BASE = 'base'
const BASE_INPUT = `${BASE}:in`
const BASE_OUTPUT = `${BASE}:out`
const loopScript = fileURLToPath(new URL('./lib/atLeastOnceLoop.ts', import.meta.url))

/** Progress on stderr (the tables go to stdout). */
function progress(line: string): void {
  process.stderr.write(`  [partitioned] ${line}\n`)
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** The ms part of a stream entry id. */
const idMs = (id: string): number => Number(id.slice(0, id.indexOf('-')))

/** Whether `outputs` equal the oracle's per key and in order (JSON-equal values). */
function sameOutputs(got: Map<string, WorkloadOutput[]>, expected: Map<string, WorkloadOutput[]>): boolean {
  if (got.size !== expected.size) return false
  for (const [key, list] of expected) if (JSON.stringify(got.get(key)) !== JSON.stringify(list)) return false
  return true
}

const totalOf = (outputs: Map<string, WorkloadOutput[]>): number => {
  let n = 0
  for (const list of outputs.values()) n += list.length
  return n
}

// ---------------------------------------------------------------- processes: our workers, the baseline loop

/** Starts `count` workers on the bench pipeline and waits until every partition and the router are leased, evenly. */
async function startWorkers(link: RedisLink, url: string, count: number, tag: string): Promise<WorkerProcess[]> {
  const workers = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      startWorker({
        redis: url,
        name: NAME,
        input: INPUT,
        output: OUTPUT,
        partitions: PARTITIONS,
        leaseMs: LEASE_MS,
        batchSize: BATCH,
        workerId: `${tag}-w${i}`,
      }),
    ),
  )
  const routerKey = redisPipelineKeys({ name: NAME, output: OUTPUT }).router
  const deadline = Date.now() + 5 * LEASE_MS
  for (;;) {
    const holders = await leaseHolders(link)
    const router = await link.send<string | null>(routerKey, ['GET', routerKey])
    const fair = workers.every(w => holders.filter(h => h === w.id).length >= Math.floor(PARTITIONS / count))
    if (router !== null && fair && holders.every(h => h !== null)) return workers
    if (Date.now() > deadline) {
      await stopAll(workers)
      throw new Error(`leases not settled after ${5 * LEASE_MS} ms: ${JSON.stringify(holders)}`)
    }
    await sleep(50)
  }
}

/** Stops the workers, and reports on stderr what any of them wrote there. */
async function stopAll(workers: readonly WorkerProcess[]): Promise<void> {
  await Promise.all(workers.map(w => w.stop()))
  for (const w of workers) if (w.stderr().trim() !== '') progress(`${w.id} stderr: ${w.stderr().slice(0, 1000)}`)
}

/** The holder of each partition's lease (null when free). */
function leaseHolders(link: RedisLink): Promise<(string | null)[]> {
  return Promise.all(
    Array.from({ length: PARTITIONS }, (_, p) => {
      const key = redisPartitionKeys({ name: NAME, input: INPUT, output: OUTPUT }, p).lease
      return link.send<string | null>(key, ['HGET', key, 'holder'])
    }),
  )
}

/** The baseline loop's process: `done` resolves with the wall and CPU ms it reports (with `stopAfter`). */
interface LoopProcess {
  readonly done: Promise<{ ms: number; cpuMs: number }>
  stop(): Promise<void>
}

/** Starts bench/lib/atLeastOnceLoop.ts on the baseline's streams; resolves once it is connected. */
async function startLoop(url: string, stopAfter?: number): Promise<LoopProcess> {
  const args = {
    url,
    input: BASE_INPUT,
    group: 'g',
    consumer: 'c1',
    output: BASE_OUTPUT,
    name: BASE,
    partitions: PARTITIONS,
    count: BATCH,
    stopAfter,
  }
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', loopScript, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stderr?.on('data', chunk => {
    err += chunk
  })
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  const done = new Promise<{ ms: number; cpuMs: number }>((resolve, reject) => {
    child.stdout?.on('data', chunk => {
      out += chunk
      const m = /done ([\d.]+) \d+ ([\d.]+)/.exec(out)
      if (m !== null) resolve({ ms: Number(m[1]), cpuMs: Number(m[2]) })
    })
    void exited.then(() => reject(new Error(`baseline loop exited: ${err}`)))
  })
  done.catch(() => {})
  await new Promise<void>((resolve, reject) => {
    const check = () => (out.includes('ready') ? resolve() : undefined)
    child.stdout?.on('data', check)
    void exited.then(() => reject(new Error(`baseline loop ended before it was ready: ${err}`)))
  })
  return {
    done,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
      if (err.trim() !== '') progress(`baseline loop stderr: ${err.slice(0, 1000)}`)
    },
  }
}

// ---------------------------------------------------------------- a. throughput

/** CPU time (user + system) a process has used so far, in ms, from /proc (NaN where there is none). */
function cpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
  } catch {
    return NaN
  }
}
/** Linux' USER_HZ, the unit of /proc/<pid>/stat's times (100 on every common platform). */
const CLOCK_TICKS = 100

/** One throughput run: entries/s, the oracle check, and the CPU the processes used meanwhile. */
interface Throughput {
  readonly rate: number
  readonly same: boolean
  readonly wallMs: number
  readonly redisCpuMs: number
  /** Our workers' CPU, or the baseline loop's. */
  readonly workCpuMs: number
  /** Ours: when the router had moved the last entry into its partition (ms from the start, +-20 ms). */
  readonly routedMs?: number
}

/**
 * Polls (every 20 ms) until the bench pipeline's outputs reach `expected`; resolves with the time the
 * router's cursor reached `lastId` (every entry routed). Throws after 10 minutes.
 */
async function waitForAll(link: RedisLink, lastId: string, expected: number): Promise<number> {
  const cursorKey = redisPipelineKeys({ name: NAME, output: OUTPUT }).cursor
  const deadline = Date.now() + 600_000
  let routedAt = NaN
  for (;;) {
    if (Number.isNaN(routedAt) && (await link.send(cursorKey, ['GET', cursorKey])) === lastId) routedAt = Date.now()
    if ((await countOutputs(link, OUTPUT, NAME, PARTITIONS)) >= expected) return routedAt
    if (Date.now() > deadline) throw new Error(`the outputs did not all arrive within 10 minutes`)
    await sleep(20)
  }
}

/** Ours: preloaded entries RENAMEd into the input of settled workers; until the last output's commit. */
async function throughputOurs(
  server: RedisServer,
  link: RedisLink,
  workers: number,
  readings: readonly Reading[],
  oracle: Map<string, WorkloadOutput[]>,
): Promise<Throughput> {
  await link.send(undefined, ['FLUSHALL'])
  await produce(link, 'staging', readings, { chunk: 1_000 })
  const procs = await startWorkers(link, server.url, workers, `t${workers}`)
  try {
    const workCpu = () => procs.reduce((sum, w) => sum + cpuMs(w.child.pid), 0)
    const [redis0, work0] = [cpuMs(server.pid()), workCpu()]
    const t0 = Date.now()
    await link.send(undefined, ['RENAME', 'staging', INPUT])
    const routedAt = await waitForAll(link, `${readings.length}-0`, totalOf(oracle))
    const [redisCpuMs, workCpuMs] = [cpuMs(server.pid()) - redis0, workCpu() - work0]
    const wallMs = (await lastOutputMs(link, OUTPUT, NAME)) - t0
    const { perKey } = await readOutputs(link, OUTPUT, NAME, PARTITIONS)
    const same = sameOutputs(perKey, oracle)
    return { rate: readings.length / (wallMs / 1000), same, wallMs, redisCpuMs, workCpuMs, routedMs: routedAt - t0 }
  } finally {
    await stopAll(procs)
  }
}

/** The baseline: preloaded entries, a consumer group at 0, the loop's own figures (time, CPU). */
async function throughputBaseline(
  server: RedisServer,
  link: RedisLink,
  readings: readonly Reading[],
  oracle: Map<string, WorkloadOutput[]>,
): Promise<Throughput> {
  await link.send(undefined, ['FLUSHALL'])
  await produce(link, BASE_INPUT, readings, { chunk: 1_000 })
  await link.send(BASE_INPUT, ['XGROUP', 'CREATE', BASE_INPUT, 'g', '0'])
  const redis0 = cpuMs(server.pid())
  const loop = await startLoop(server.url, readings.length)
  try {
    const { ms: wallMs, cpuMs: workCpuMs } = await loop.done
    const redisCpuMs = cpuMs(server.pid()) - redis0
    const { perKey } = await readOutputs(link, BASE_OUTPUT, BASE, PARTITIONS)
    const same = sameOutputs(perKey, oracle)
    return { rate: readings.length / (wallMs / 1000), same, wallMs, redisCpuMs, workCpuMs }
  } finally {
    await loop.stop()
  }
}

/** The ms part of the last entry id over the output streams of `name` (when the last commit ran). */
async function lastOutputMs(link: RedisLink, output: string, name: string): Promise<number> {
  let last = 0
  for (let p = 0; p < PARTITIONS; p++) {
    const stream = outputStream(output, name, p)
    const entries = await link.send<[string, string[]][]>(stream, ['XREVRANGE', stream, '+', '-', 'COUNT', '1'])
    if (entries.length > 0) last = Math.max(last, idMs(entries[0][0]))
  }
  return last
}

/** Every run of a configuration. */
type Row = Throughput[]

/** REPEATS rounds of the three configurations, interleaved (baseline, 1 worker, 2 workers, baseline, ...). */
async function throughput(server: RedisServer, link: RedisLink): Promise<[Row, Row, Row]> {
  const readings = workloadReadings(ENTRIES, KEYS, SEED)
  const oracle = oracleOutputs(readings)
  const rows: [Row, Row, Row] = [[], [], []]
  for (let r = 0; r < REPEATS; r++) {
    const runs: (() => Promise<Throughput>)[] = [
      () => throughputBaseline(server, link, readings, oracle),
      () => throughputOurs(server, link, 1, readings, oracle),
      () => throughputOurs(server, link, 2, readings, oracle),
    ]
    for (const [row, run] of runs.entries()) {
      rows[row].push(await run())
      progress(
        `throughput run ${r + 1}, ${['baseline', '1 worker', '2 workers'][row]}: ${fmt(rows[row][r].rate)} entries/s`,
      )
    }
  }
  return rows
}

// ---------------------------------------------------------------- b, c. paced load: latency, takeover

/** Reads every output stream of a pipeline with blocking XREADs on its own connection, from the start. */
class OutputReader {
  /** Per output: read time (ms, this machine's clock) minus its input id's ms part, for inputs after `from`. */
  readonly latencies: number[] = []
  /** Per partition, the ms part of each output's id (its commit time), in stream order. */
  readonly commits: number[][] = Array.from({ length: PARTITIONS }, () => [])
  count = 0
  /** When the last entries were read (ms, this machine's clock). */
  lastReadAt = 0
  #stopped = false
  readonly #running: Promise<void>

  constructor(
    link: RedisLink,
    output: string,
    name: string,
    readonly from: number,
  ) {
    this.#running = this.#run(link, output, name)
  }

  async #run(link: RedisLink, output: string, name: string): Promise<void> {
    const streams = Array.from({ length: PARTITIONS }, (_, p) => outputStream(output, name, p))
    const partitionOf = new Map(streams.map((s, p) => [s, p]))
    const last = streams.map(() => '0-0')
    while (!this.#stopped) {
      const reply = await link.send(streams[0], [
        'XREAD',
        'COUNT',
        '5000',
        'BLOCK',
        '100',
        'STREAMS',
        ...streams,
        ...last,
      ])
      const readAt = performance.timeOrigin + performance.now()
      for (const [stream, entries] of readStreamReply(reply)) {
        const p = partitionOf.get(stream) ?? 0
        for (const [id, fields] of entries) {
          const inputMs = idMs(fields[fields.indexOf('input') + 1])
          if (inputMs >= this.from) this.latencies.push(readAt - inputMs)
          this.commits[p].push(idMs(id))
          last[p] = id
          this.count++
          this.lastReadAt = readAt
        }
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true
    await this.#running
  }
}

/**
 * Appends `readings` to `input` at `RATE` entries/s with server ids (`*`), pipelined a few at a time;
 * resolves with the time the last XADD was acknowledged (ms, this machine's clock).
 */
async function pace(link: RedisLink, input: string, readings: readonly Reading[]): Promise<number> {
  const start = performance.now()
  let sent = 0
  let sends: Promise<unknown>[] = []
  while (sent < readings.length) {
    const due = Math.min(readings.length, Math.floor(((performance.now() - start) * RATE) / 1000))
    for (; sent < due; sent++)
      sends.push(link.send(input, ['XADD', input, '*', 'value', JSON.stringify(readings[sent])]))
    if (sends.length >= 1_000) {
      await Promise.all(sends)
      sends = []
    }
    await sleep(1)
  }
  await Promise.all(sends)
  return Date.now()
}

/** What a kill did: which worker, whether it held the router, its partitions, and when. */
interface Kill {
  readonly router: boolean
  readonly partitions: number[]
  readonly killedAt: number
  readonly exitedAt: number
}

/** kill -9 of the worker that holds the router's lease (`router`) or of another one; waits for its exit. */
async function killWorker(link: RedisLink, workers: WorkerProcess[], router: boolean): Promise<Kill> {
  const routerKey = redisPipelineKeys({ name: NAME, output: OUTPUT }).router
  const holder = await link.send<string | null>(routerKey, ['GET', routerKey])
  const victim = workers.find(w => (w.id === holder) === router) ?? workers[0]
  const holders = await leaseHolders(link)
  const partitions = holders.flatMap((h, p) => (h === victim.id ? [p] : []))
  const killedAt = Date.now()
  victim.kill('SIGKILL')
  await victim.exited
  return { router: victim.id === holder, partitions, killedAt, exitedAt: Date.now() }
}

interface Paced {
  readonly latency: { p50: number; p99: number; max: number }
  readonly measured: number
  /** From the last XADD to the last output read, ms: about the latency when the pipeline kept up, more when not. */
  readonly behind: number
  readonly same: boolean
  /** Per partition of the killed worker: ms from the kill to its first output committed after it (NaN: none). */
  readonly takeover?: { kill: Kill; ms: number[] }
}

/**
 * One paced session: `workers` of ours (0: the baseline loop), `readings` appended at `RATE`, outputs read
 * as they come; with `kill`, the worker holding the router (true) or another (false) is killed after `killAfterMs`.
 */
async function paced(
  link: RedisLink,
  url: string,
  workers: number,
  readings: readonly Reading[],
  kill?: { router: boolean; afterMs: number },
): Promise<Paced> {
  await link.send(undefined, ['FLUSHALL'])
  const ours = workers > 0
  if (!ours) await link.send(BASE_INPUT, ['XGROUP', 'CREATE', BASE_INPUT, 'g', '$', 'MKSTREAM'])
  const procs = ours ? await startWorkers(link, url, workers, `p${workers}${kill ? 'k' : ''}`) : []
  const loop = ours ? undefined : await startLoop(url)
  const [output, name, input] = ours ? [OUTPUT, NAME, INPUT] : [BASE_OUTPUT, BASE, BASE_INPUT]
  const readerLink = await link.duplicate()
  const reader = new OutputReader(readerLink, output, name, Date.now() + WARMUP_MS)
  const oracle = oracleOutputs(readings)
  let killing: Promise<Kill> | undefined
  const timer =
    kill &&
    setTimeout(() => {
      killing = killWorker(link, procs, kill.router)
      killing.catch(() => {}) // awaited below; this only keeps a failure from ending the process first
    }, kill.afterMs)
  try {
    const lastSent = await pace(link, input, readings)
    const deadline = Date.now() + 3 * LEASE_MS + 60_000
    while (reader.count < totalOf(oracle) && Date.now() < deadline) await sleep(50)
    await reader.stop()
    const { perKey } = await readOutputs(link, output, name, PARTITIONS)
    const result: Paced = {
      latency: summary(reader.latencies),
      measured: reader.latencies.length,
      behind: reader.lastReadAt - lastSent,
      same: sameOutputs(perKey, oracle),
    }
    if (killing === undefined) return result
    const done = await killing
    const ms = done.partitions.map(p => {
      const first = reader.commits[p].find(at => at > done.exitedAt + 10)
      return first === undefined ? NaN : first - done.killedAt
    })
    return { ...result, takeover: { kill: done, ms } }
  } finally {
    clearTimeout(timer)
    await reader.stop()
    await readerLink.close()
    await stopAll(procs)
    await loop?.stop()
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const server: RedisServer = await startRedis()
  const link = await openRedis('bench', server.url)
  progress(`redis-server on ${server.url}, appendonly off; ${ENTRIES} entries, ${KEYS} keys, ${PARTITIONS} partitions`)
  try {
    const t = await throughput(server, link)
    const count = Math.round(RATE * SECONDS)
    const pacedReadings = workloadReadings(count, KEYS, SEED + 1)
    const latency: [string, Paced][] = []
    for (const [label, workers] of [
      ['baseline: node-redis loop, 1 process', 0],
      ['runPartitioned, 1 worker', 1],
      ['runPartitioned, 2 workers', 2],
    ] as const) {
      latency.push([label, await paced(link, server.url, workers, pacedReadings)])
      progress(`paced ${label}: p50 ${fmt(latency[latency.length - 1][1].latency.p50)} ms`)
    }
    const killAfterMs = 3_000
    const takeoverReadings = workloadReadings(
      Math.round(RATE * (killAfterMs / 1000 + (3 * LEASE_MS) / 1000 + 2)),
      KEYS,
      SEED + 2,
    )
    const takeovers: Paced[] = []
    for (const router of [true, false])
      takeovers.push(await paced(link, server.url, 2, takeoverReadings, { router, afterMs: killAfterMs }))
    report(t, latency, takeovers)
  } finally {
    await link.close()
    await server.stop()
  }
}

const yes = (b: boolean) => (b ? 'yes' : 'NO')

function reportThroughput(t: [Row, Row, Row]): void {
  const rates = t.map(row => row.map(r => r.rate))
  const range = (xs: number[]) => (xs.length > 1 ? `${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}` : '-')
  const [base, one, two] = rates.map(median)
  // CPU per 1 000 entries and cores kept busy, over all runs of a configuration
  const per1000 = (row: Row, pick: (r: Throughput) => number) =>
    fmt((row.reduce((sum, r) => sum + pick(r), 0) / (row.length * ENTRIES)) * 1000)
  const busy = (row: Row) =>
    fmt(row.reduce((sum, r) => sum + r.redisCpuMs + r.workCpuMs, 0) / row.reduce((sum, r) => sum + r.wallMs, 0))
  console.log(
    `\na. throughput: ${fmt(ENTRIES)} entries preloaded, ${KEYS} keys, ${PARTITIONS} partitions, batch / COUNT ${BATCH}, lease ${LEASE_MS} ms; median of ${REPEATS} run(s)\n`,
  )
  const labels = [
    'baseline: node-redis loop, at-least-once, 1 process',
    'runPartitioned on Redis, 1 worker',
    'runPartitioned on Redis, 2 workers',
  ]
  printTable(
    [
      'pipeline',
      'entries/s',
      'range',
      'vs baseline',
      'CPU ms / 1 000 entries: redis-server',
      'the loop / workers',
      'cores busy',
      'all routed at, % of the run',
      'same outputs as the oracle',
    ],
    t.map((row, i) => [
      labels[i],
      fmt(median(rates[i])),
      range(rates[i]),
      ratio(median(rates[i]) / base),
      per1000(row, r => r.redisCpuMs),
      per1000(row, r => r.workCpuMs),
      busy(row),
      i === 0 ? '-' : `${fmt(median(row.map(r => (100 * (r.routedMs ?? NaN)) / r.wallMs)))} %`,
      yes(row.every(r => r.same)),
    ]),
  )
  console.log('')
  printTable(
    ['against the goals', 'figure', 'goal', 'met'],
    [
      [
        'runPartitioned 1 worker / baseline',
        ratio(one / base),
        `>= ${GOAL_ONE_WORKER}x`,
        yes(one / base >= GOAL_ONE_WORKER),
      ],
      [
        'runPartitioned 2 workers / 1 worker',
        ratio(two / one),
        `>= ${GOAL_TWO_WORKERS}x`,
        yes(two / one >= GOAL_TWO_WORKERS),
      ],
    ],
  )
}

function report(t: [Row, Row, Row], latency: [string, Paced][], takeovers: Paced[]): void {
  reportThroughput(t)
  console.log(
    `\nb. end-to-end latency, XADD to the output read back, paced at ${fmt(RATE)} entries/s for ${SECONDS} s (first ${WARMUP_MS} ms left out), ms\n`,
  )
  printTable(
    ['pipeline', 'p50', 'p99', 'max', 'outputs measured', 'last XADD to last output', 'same outputs as the oracle'],
    latency.map(([label, r]) => [
      label,
      fmt(r.latency.p50),
      fmt(r.latency.p99),
      fmt(r.latency.max),
      fmt(r.measured),
      fmt(r.behind),
      yes(r.same),
    ]),
  )
  console.log(
    `\nc. takeover after kill -9 of one of 2 workers at ${fmt(RATE)} entries/s: ms from the kill to the first output of each of its partitions committed after it; lease ${LEASE_MS} ms\n`,
  )
  printTable(
    [
      'killed worker',
      'its partitions',
      'takeover, longest',
      'shortest',
      'goal (lease + 1 s)',
      'met',
      'same outputs as the oracle',
    ],
    takeovers.map(r => {
      const kill = r.takeover?.kill
      const ms = r.takeover?.ms ?? []
      const longest = Math.max(...ms)
      return [
        kill?.router ? 'the router holder' : 'the other worker',
        kill?.partitions.join(' ') ?? '-',
        ms.some(Number.isNaN) ? 'none seen' : fmt(longest),
        fmt(Math.min(...ms)),
        `<= ${fmt(LEASE_MS + 1000)}`,
        yes(longest <= LEASE_MS + 1000),
        yes(r.same),
      ]
    }),
  )
  console.log(`\n${machineLine()}`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
