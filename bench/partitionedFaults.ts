// Partitioned pipelines, exactly once under faults: the LONG mode of test/redis/partitionedFaults.test.ts.
// 100 000 seeded readings over 200 keys and 8 partitions through the workload pipeline (dtwMatch,
// ltlGuard and a checkpointedScan per key) in three worker processes on a real redis-server (AOF,
// appendfsync always), while fast-check chooses fault schedules: kill -9 a worker (a new one starts),
// SIGSTOP one past its lease and SIGCONT it, kill -9 Redis and restart it. Each schedule runs on a
// fresh server; the output streams are compared, per key and in order, with one uninterrupted
// in-process run of the same pipeline (the oracle). One table row per schedule; the script exits 1
// when any schedule is not exactly once (a loss, a duplicate, a key out of order, or no finish).
//
//   npx tsx bench/partitionedFaults.ts            (or: npm run bench -- partitionedFaults)
//
// Environment (all optional):
//   FAULT_SCHEDULES=3       how many schedules fast-check samples
//   FAULT_MIN=3 FAULT_MAX=5 faults per schedule
//   FAULT_SEED=<n>          fast-check's seed (default random; printed, so a run can be repeated)
//   FAULT_READINGS=100000   readings in the workload (its own seed is fixed: 14)
//   FAULT_PACE=500/200      the producer's pace: readings per burst / ms of pause after each burst
import { fc } from '@fast-check/vitest'
import { type Fault, runFaultScenario } from '../test/support/partitionedHarness'
import { oracleOutputs, type WorkloadOutput, workloadReadings } from '../test/support/partitionedWorkload'
import { startRedis } from '../test/support/redisServer'
import { fmt, machineLine, printTable } from './lib/report'

const KEYS = 200
const PARTITIONS = 8
const WORKERS = 3
const LEASE_MS = 1_000
const BATCH_SIZE = 100
const WORKLOAD_SEED = 14
const TIMEOUT_MS = 900_000

/** A positive integer from the environment variable `name`, or `fallback` when it is unset. */
function envInteger(name: string, fallback: number, min = 1): number {
  const text = process.env[name]
  if (text === undefined || text === '') return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`partitionedFaults: ${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`)
  return value
}

/** The producer's pace from `FAULT_PACE` (`<chunk>/<pauseMs>`). */
function envPace(): { chunk: number; pauseMs: number } {
  const text = process.env.FAULT_PACE ?? '500/200'
  const match = /^(\d+)\/(\d+)$/.exec(text)
  if (match === null || Number(match[1]) < 1)
    throw new RangeError(`partitionedFaults: FAULT_PACE must be <chunk>/<pauseMs>, e.g. 500/200, got ${text}`)
  return { chunk: Number(match[1]), pauseMs: Number(match[2]) }
}

const schedules = envInteger('FAULT_SCHEDULES', 3)
const minFaults = envInteger('FAULT_MIN', 3)
const maxFaults = Math.max(minFaults, envInteger('FAULT_MAX', 5))
const seed = envInteger('FAULT_SEED', Math.floor(Math.random() * 2 ** 31), 0)
const count = envInteger('FAULT_READINGS', 100_000)
const pace = envPace()

/** The quick mode's arbitrary (test/redis/partitionedFaults.test.ts): when, what, and which worker. */
const faultArbitrary: fc.Arbitrary<Fault> = fc.record({
  at: fc.double({ min: 0.05, max: 0.85, noNaN: true }),
  kind: fc.constantFrom<Fault['kind']>('kill', 'pause', 'redis'),
  worker: fc.nat(2),
})

/** How the committed outputs compare with the oracle's. */
interface Comparison {
  /** Keys whose outputs equal the oracle's, in order. */
  readonly keysEqual: number
  /** Outputs committed more often than the oracle emits them (per key, as a multiset). */
  readonly duplicates: number
  /** Outputs of the oracle never committed (per key, as a multiset). */
  readonly losses: number
}

/** Compares per key, through JSON text (what the output streams hold), the committed outputs with the oracle's. */
function compare(expected: Map<string, WorkloadOutput[]>, committed: Map<string, WorkloadOutput[]>): Comparison {
  let keysEqual = 0
  let duplicates = 0
  let losses = 0
  for (const key of new Set([...expected.keys(), ...committed.keys()])) {
    const want = (expected.get(key) ?? []).map(o => JSON.stringify(o))
    const got = (committed.get(key) ?? []).map(o => JSON.stringify(o))
    if (want.length === got.length && want.every((text, i) => text === got[i])) keysEqual++
    const counts = new Map<string, number>()
    for (const text of want) counts.set(text, (counts.get(text) ?? 0) + 1)
    for (const text of got) counts.set(text, (counts.get(text) ?? 0) - 1)
    for (const left of counts.values()) {
      if (left > 0) losses += left
      else duplicates -= left
    }
  }
  return { keysEqual, duplicates, losses }
}

/** The faults of a schedule as applied: `kill w1.0 @ 41,233`, and those the run finished before. */
function describeFaults(faults: readonly Fault[], appliedAt: readonly number[]): string {
  return [...faults]
    .sort((a, b) => a.at - b.at)
    .map((fault, i) => {
      const who = fault.kind === 'redis' ? '' : ` w${fault.worker % WORKERS}`
      const when = i < appliedAt.length ? fmt(appliedAt[i]) : 'not applied'
      return `${fault.kind}${who} @ ${when}`
    })
    .join(', ')
}

console.log(
  `partitioned faults, long mode: ${count} readings, ${KEYS} keys, ${PARTITIONS} partitions, ${WORKERS} workers, ` +
    `lease ${LEASE_MS} ms, batch ${BATCH_SIZE}, pace ${pace.chunk} readings / ${pace.pauseMs} ms, ` +
    `${schedules} schedules of ${minFaults}-${maxFaults} faults, fast-check seed ${seed}`,
)
console.log(machineLine())
const readings = workloadReadings(count, KEYS, WORKLOAD_SEED)
const expected = oracleOutputs(readings)
const expectedTotal = [...expected.values()].reduce((sum, outputs) => sum + outputs.length, 0)
const plans = fc.sample(fc.array(faultArbitrary, { minLength: minFaults, maxLength: maxFaults }), {
  numRuns: schedules,
  seed,
})

const rows: string[][] = []
let failures = 0
for (const [i, faults] of plans.entries()) {
  const server = await startRedis({ aof: true })
  const started = performance.now()
  try {
    const outcome = await runFaultScenario({
      redis: server.url,
      restartRedis: () => server.restart(),
      name: `faultbench${i}`,
      readings,
      expectedTotal,
      partitions: PARTITIONS,
      workers: WORKERS,
      leaseMs: LEASE_MS,
      batchSize: BATCH_SIZE,
      faults,
      timeoutMs: TIMEOUT_MS,
      pace,
    })
    const seconds = (performance.now() - started) / 1000
    const { keysEqual, duplicates, losses } = compare(expected, outcome.perKey)
    const exact = outcome.finished && outcome.total === expectedTotal && keysEqual === expected.size
    if (!exact) {
      failures++
      console.error(`schedule ${i + 1} is not exactly once:\n${outcome.log.join('\n')}`)
    }
    rows.push([
      String(i + 1),
      describeFaults(faults, outcome.appliedAt),
      seconds.toFixed(1),
      `${fmt(expectedTotal)} / ${fmt(outcome.total)}`,
      keysEqual === expected.size ? 'yes' : `no (${keysEqual} of ${expected.size})`,
      String(duplicates),
      String(losses),
    ])
    console.log(`schedule ${i + 1} done in ${seconds.toFixed(1)} s (${exact ? 'exactly once' : 'NOT exactly once'})`)
  } finally {
    await server.stop()
  }
}

console.log('')
printTable(
  [
    'schedule',
    'faults (kind, worker @ outputs committed)',
    'seconds',
    'outputs expected / committed',
    'keys = oracle',
    'duplicates',
    'losses',
  ],
  rows,
  ['r', 'l', 'r', 'r', 'l', 'r', 'r'],
)
console.log(`\n${failures === 0 ? 'every schedule exactly once' : `${failures} schedule(s) NOT exactly once`}`)
process.exit(failures === 0 ? 0 : 1)
