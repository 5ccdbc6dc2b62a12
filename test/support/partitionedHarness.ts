/**
 * Drives the exactly-once fault tests and benchmarks of partitioned pipelines on real Redis: worker
 * processes (test/support/partitionedWorker.ts) started, killed, paused and resumed by PID, a
 * producer appending the workload's readings, and readers of the output streams.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { openRedis, type RedisLink } from '../../redis/connection'
import type { WorkerArguments } from './partitionedWorker'
import type { Reading, WorkloadOutput } from './partitionedWorkload'

const workerScript = fileURLToPath(new URL('./partitionedWorker.ts', import.meta.url))

/** A worker process started by a test. */
export interface WorkerProcess {
  readonly id: string
  readonly child: ChildProcess
  /** Resolves when the process has exited (with its code or signal). */
  readonly exited: Promise<string>
  /** What it wrote to stderr so far. */
  stderr(): string
  /** Sends `signal` to the process. */
  kill(signal: NodeJS.Signals): void
  /** Stops it (SIGCONT then SIGTERM, SIGKILL after 5 s) and waits for the exit. */
  stop(): Promise<void>
}

/** Starts a worker process running the workload with `runPartitioned` on Redis; resolves once it is subscribed. */
export async function startWorker(args: WorkerArguments): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', chunk => {
    stderr += chunk
  })
  const exited = new Promise<string>(resolve => child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)))
  await new Promise<void>((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', chunk => {
      out += chunk
      if (out.includes('ready')) resolve()
    })
    void exited.then(how => reject(new Error(`worker ${args.workerId} ended before it was ready (${how}): ${stderr}`)))
  })
  return {
    id: args.workerId,
    child,
    exited,
    stderr: () => stderr,
    kill: signal => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGCONT')
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/**
 * Appends `readings` to `stream` under ids `<i + 1>-0` (explicit ids: a retry after a lost reply is
 * refused by the stream instead of adding the reading twice), `chunk` at a time, pausing `pauseMs`
 * between chunks. Survives a Redis restart: a failed chunk is sent again.
 */
export async function produce(
  link: RedisLink,
  stream: string,
  readings: readonly Reading[],
  options: { chunk?: number; pauseMs?: number; from?: number } = {},
): Promise<void> {
  const chunk = options.chunk ?? 500
  for (let start = options.from ?? 0; start < readings.length; start += chunk) {
    const end = Math.min(readings.length, start + chunk)
    for (;;) {
      const sends: Promise<unknown>[] = []
      for (let i = start; i < end; i++)
        sends.push(
          link
            .send(stream, ['XADD', stream, `${i + 1}-0`, 'value', JSON.stringify(readings[i])])
            .catch((error: Error) => {
              if (!/equal or smaller/.test(error.message)) throw error
            }),
        )
      const settled = await Promise.allSettled(sends)
      if (settled.every(s => s.status === 'fulfilled')) break
      await new Promise(resolve => setTimeout(resolve, 200))
    }
    if (options.pauseMs !== undefined && options.pauseMs > 0)
      await new Promise(resolve => setTimeout(resolve, options.pauseMs))
  }
}

/** The output stream of partition `p` in runPartitioned's layout. */
export const outputStream = (output: string, name: string, p: number): string => `${output}:{${name}:${p}}`

/** Every committed output, per key in stream order, and how many there are in all. */
export async function readOutputs(
  link: RedisLink,
  output: string,
  name: string,
  partitions: number,
): Promise<{ perKey: Map<string, WorkloadOutput[]>; total: number }> {
  const perKey = new Map<string, WorkloadOutput[]>()
  let total = 0
  for (let p = 0; p < partitions; p++) {
    const stream = outputStream(output, name, p)
    let after = '-'
    for (;;) {
      const entries = (await link.send<[string, string[]][]>(stream, [
        'XRANGE',
        stream,
        after === '-' ? '-' : `(${after}`,
        '+',
        'COUNT',
        '5000',
      ])) as [string, string[]][]
      for (const [id, fields] of entries) {
        const field = (name: string) => fields[fields.indexOf(name) + 1]
        const key = field('key')
        let list = perKey.get(key)
        if (list === undefined) perKey.set(key, (list = []))
        list.push(JSON.parse(field('value')) as WorkloadOutput)
        total++
        after = id
      }
      if (entries.length < 5000) break
    }
  }
  return { perKey, total }
}

/** How many outputs are committed in all (the sum of the partitions' output stream lengths). */
export async function countOutputs(link: RedisLink, output: string, name: string, partitions: number): Promise<number> {
  let total = 0
  for (let p = 0; p < partitions; p++) {
    const stream = outputStream(output, name, p)
    total += Number(await link.send(stream, ['XLEN', stream]))
  }
  return total
}

/** Polls `countOutputs` until it reaches `expected` (resolves true) or `timeoutMs` passes (false). */
export async function waitForOutputs(
  link: RedisLink,
  target: { output: string; name: string; partitions: number },
  expected: number,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      if ((await countOutputs(link, target.output, target.name, target.partitions)) >= expected) return true
    } catch {
      // Redis is restarting: ask again
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  return false
}

/** A link for the test's own reads and writes (reconnects after a Redis restart). */
export function testLink(redis: string | { rootNodes: string[] }): Promise<RedisLink> {
  return openRedis('test', typeof redis === 'string' ? redis : { rootNodes: redis.rootNodes })
}

/** A fault the scenario injects once the committed outputs pass `at` (a fraction of all expected). */
export interface Fault {
  readonly at: number
  /** `kill`: kill -9 the worker and start a new one; `pause`: SIGSTOP it past its lease, then SIGCONT; `redis`: kill -9 Redis and restart it (AOF). */
  readonly kind: 'kill' | 'pause' | 'redis'
  /** Which of the workers (index modulo their count). */
  readonly worker: number
}

/** One exactly-once run: the workload through `workers` processes on `redis`, with `faults`. */
export interface FaultScenario {
  readonly redis: string | { rootNodes: string[] }
  /** Restarts Redis (kill -9, start again on the same port and AOF); required for `redis` faults. */
  readonly restartRedis?: () => Promise<void>
  readonly name: string
  readonly readings: readonly Reading[]
  /** Total outputs of the uninterrupted run (the oracle's). */
  readonly expectedTotal: number
  readonly partitions: number
  readonly workers: number
  readonly leaseMs: number
  readonly batchSize: number
  readonly faults: readonly Fault[]
  readonly timeoutMs: number
  /** The producer's pace: readings per XADD burst, and the pause after each (so faults strike mid-run). */
  readonly pace: { readonly chunk: number; readonly pauseMs: number }
}

/** What a scenario left in Redis, and what happened on the way. */
export interface FaultOutcome {
  readonly perKey: Map<string, WorkloadOutput[]>
  readonly total: number
  /** Whether the outputs reached the expected count before the timeout. */
  readonly finished: boolean
  /** The faults as they were applied, and each worker's stderr when it was not clean. */
  readonly log: string[]
  /** For each fault applied, how many outputs were committed just before it (less than all: it hit a run in progress). */
  readonly appliedAt: number[]
}

/** Runs a scenario: workers started, the producer appending, faults applied as progress passes them. */
export async function runFaultScenario(s: FaultScenario): Promise<FaultOutcome> {
  const link = await testLink(s.redis)
  const log: string[] = []
  const appliedAt: number[] = []
  const respawns: Promise<void>[] = []
  const replacing: (Promise<void> | undefined)[] = []
  const workers: WorkerProcess[] = []
  let generation = 0
  const start = (slot: number) =>
    startWorker({
      redis: s.redis,
      name: s.name,
      input: `${s.name}:in`,
      output: `${s.name}:out`,
      partitions: s.partitions,
      leaseMs: s.leaseMs,
      batchSize: s.batchSize,
      workerId: `w${slot}.${generation++}`,
    })
  const target = { output: `${s.name}:out`, name: s.name, partitions: s.partitions }
  try {
    for (let i = 0; i < s.workers; i++) workers.push(await start(i))
    const producing = produce(link, `${s.name}:in`, s.readings, s.pace)
    const pending = [...s.faults].sort((a, b) => a.at - b.at)
    const deadline = Date.now() + s.timeoutMs
    for (const fault of pending) {
      if (!(await waitForOutputs(link, target, Math.floor(fault.at * s.expectedTotal), deadline - Date.now()))) break
      const slot = fault.worker % workers.length
      await replacing[slot] // a slot whose worker is being replaced gets the fault once the new one runs
      appliedAt.push(await countOutputs(link, target.output, target.name, target.partitions))
      log.push(`${fault.kind} ${fault.kind === 'redis' ? '' : workers[slot].id} at ${fault.at.toFixed(2)}`)
      if (fault.kind === 'kill') {
        const killed = workers[slot]
        killed.kill('SIGKILL')
        await killed.exited
        // the replacement starts in the background (a Node process takes a second or two): faults go on meanwhile
        replacing[slot] = start(slot).then(worker => {
          workers[slot] = worker
        })
        respawns.push(replacing[slot])
      } else if (fault.kind === 'pause') {
        workers[slot].kill('SIGSTOP')
        await new Promise(resolve => setTimeout(resolve, s.leaseMs * 1.5))
        workers[slot].kill('SIGCONT')
      } else if (s.restartRedis !== undefined) await s.restartRedis()
    }
    await producing
    await Promise.all(respawns)
    const finished = await waitForOutputs(link, target, s.expectedTotal, Math.max(0, deadline - Date.now()))
    // a duplicate would show as more outputs than expected: give late commits (a fenced worker's) a chance to show
    await new Promise(resolve => setTimeout(resolve, s.leaseMs))
    const { perKey, total } = await readOutputs(link, target.output, s.name, s.partitions)
    return { perKey, total, finished, log, appliedAt }
  } finally {
    await Promise.allSettled(respawns)
    for (const worker of workers) {
      const crashed = worker.child.exitCode !== null && worker.child.exitCode !== 0
      if (crashed || /Error/.test(worker.stderr())) log.push(`${worker.id} stderr: ${worker.stderr().slice(0, 2000)}`)
    }
    await Promise.all(workers.map(worker => worker.stop()))
    await link.close()
  }
}
