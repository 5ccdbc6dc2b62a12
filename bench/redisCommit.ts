/**
 * The cost of one partitioned commit on Redis against the batch's size (issue 14, part 5), on one
 * redis-server started here (Debian's redis-server, 127.0.0.1, appendonly off unless
 * REDIS_COMMIT_BENCH_AOF=1, which turns on AOF with `appendfsync always`, as in the fault tests).
 *
 * Ours: `createRedisBroker(link, config).commit(batch)`, the one Lua script that checks the partition's
 * fencing token and last id, then appends the outputs, stores the touched keys' states and the last id,
 * and trims the partition's input stream. Baseline: the same writes with no checks, as a plain
 * node-redis MULTI/EXEC sent as one pipeline: one XADD per output, one HSET of the touched states,
 * SET of the last id, XTRIM MINID of the input stream (the writes the script makes).
 *
 * A batch of n entries: n input entries (appended to the partition's input stream before each commit,
 * untimed, so the trim has them to remove), one output each (the workload's `step` outputs as JSON),
 * and min(n, 20) touched keys whose states are the JSON of real snapshots of the workload's operators
 * (test/support/partitionedWorkload.ts: `dtwMatch`, `ltlGuard`, `checkpointedScan` after 100 readings
 * of the key; ~STATE_BYTES bytes each, printed). Ours and the baseline alternate, commit by commit, so
 * both see the same machine; each figure is per commit, measured by the caller (send to reply), after
 * warm-up commits. The end states of both (output stream length, states hash, last id) are compared.
 *
 * Run: npm run bench -- redisCommit
 */
import { createClient } from 'redis'
import { Subject } from 'rxjs'
import { operatorState } from '../operators/state'
import type { CommitBatch, PartitionBroker, PartitionLease } from '../partitioned/broker'
import { createRedisBroker, type RedisPartitionKeys, redisPartitionKeys } from '../redis/broker'
import { openRedis, type RedisLink } from '../redis/connection'
import type { SnapshotHeader } from '../src/snapshot'
import {
  type Reading,
  type WorkloadContext,
  type WorkloadOutput,
  workloadPipeline,
  workloadReadings,
} from '../test/support/partitionedWorkload'
import { startRedis } from '../test/support/redisServer'
import { fmt, machineLine, printTable, ratio, summary } from './lib/report'

const SIZES = [1, 10, 100, 500, 1000]
const TOUCHED_KEYS = 20
/** Entries committed per batch size and side (at least MIN_COMMITS commits, at most MAX_COMMITS). */
const ENTRIES_PER_SIZE = Number(process.env.REDIS_COMMIT_BENCH_ENTRIES ?? 100_000)
const MIN_COMMITS = 30
const MAX_COMMITS = 2_000
const WARMUP = 5
const AOF = process.env.REDIS_COMMIT_BENCH_AOF === '1'

type NodeRedis = ReturnType<typeof createClient>

/** Real states and outputs of the workload: the JSON the runner would commit for 20 keys, and step outputs. */
function workloadSamples(): { states: string[]; outputs: string[] } {
  const readings = workloadReadings(TOUCHED_KEYS * 100, TOUCHED_KEYS, 14)
  const inputs = new Map<string, Subject<Reading>>()
  const handles = new Map<string, Map<string, ReturnType<typeof operatorState>>>()
  const outputs: string[] = []
  for (const reading of readings) {
    let input = inputs.get(reading.key)
    if (input === undefined) {
      const own = new Map<string, ReturnType<typeof operatorState>>()
      handles.set(reading.key, own)
      inputs.set(reading.key, (input = new Subject<Reading>()))
      const ctx: WorkloadContext = {
        key: reading.key,
        state: <S extends SnapshotHeader>(name: string) => {
          let handle = own.get(name)
          if (handle === undefined) own.set(name, (handle = operatorState()))
          return handle as unknown as ReturnType<typeof operatorState<S>>
        },
      }
      workloadPipeline(input, ctx).subscribe((output: WorkloadOutput) => {
        if (output.kind === 'step') outputs.push(JSON.stringify(output))
      })
    }
    input.next(reading)
  }
  // the runner stores a key's state as the JSON of { [handle name]: snapshot }
  const states = [...handles.values()].map(own =>
    JSON.stringify(Object.fromEntries([...own].map(([name, handle]) => [name, handle.snapshot()]))),
  )
  return { states, outputs }
}

/** One batch's contents, the same for both sides. */
interface Batch {
  readonly ids: string[]
  readonly outputs: { key: string; value: string; inputId: string }[]
  readonly states: Map<string, string>
}

function makeBatch(n: number, firstSeq: number, samples: { states: string[]; outputs: string[] }): Batch {
  const ids = Array.from({ length: n }, (_, i) => `${firstSeq + i}-0`)
  const outputs = ids.map((inputId, i) => ({
    key: `sensor-${i % TOUCHED_KEYS}`,
    value: samples.outputs[(firstSeq + i) % samples.outputs.length],
    inputId,
  }))
  const states = new Map<string, string>()
  for (let k = 0; k < Math.min(n, TOUCHED_KEYS); k++) states.set(`sensor-${k}`, samples.states[k])
  return { ids, outputs, states }
}

/** Appends the batch's input entries to a partition input stream (untimed setup). */
async function appendInputs(client: NodeRedis, stream: string, batch: Batch): Promise<void> {
  await Promise.all(batch.ids.map(id => client.sendCommand(['XADD', stream, id, 'key', 'k', 'value', '{}'])))
}

/** Ours: one commit through the broker's Lua script; ms from call to reply. */
async function commitOurs(
  broker: PartitionBroker,
  lease: PartitionLease,
  previousId: string,
  b: Batch,
): Promise<number> {
  const batch: CommitBatch = {
    lease,
    previousId,
    lastId: b.ids[b.ids.length - 1],
    inputIds: b.ids,
    outputs: b.outputs,
    deadLetters: [],
    states: b.states,
  }
  const t0 = performance.now()
  const result = await broker.commit(batch)
  const ms = performance.now() - t0
  if (result !== 'committed') throw new Error(`commit refused: ${result}`)
  return ms
}

/** The baseline: the same writes in a MULTI/EXEC sent as one pipeline, no checks; ms from call to reply. */
async function commitBaseline(client: NodeRedis, keys: RedisPartitionKeys, b: Batch): Promise<number> {
  const lastId = b.ids[b.ids.length - 1]
  const multi = client.multi()
  for (const o of b.outputs)
    multi.addCommand(['XADD', keys.output, '*', 'key', o.key, 'value', o.value, 'input', o.inputId])
  multi.addCommand(['HSET', keys.states, ...[...b.states].flat()])
  multi.addCommand(['SET', keys.lastId, lastId])
  multi.addCommand(['XTRIM', keys.input, 'MINID', lastId])
  const t0 = performance.now()
  await multi.exec()
  return performance.now() - t0
}

interface Row {
  readonly n: number
  readonly commits: number
  readonly ours: ReturnType<typeof summary>
  readonly base: ReturnType<typeof summary>
}

async function measureSize(
  n: number,
  sides: { broker: PartitionBroker; lease: PartitionLease; ourKeys: RedisPartitionKeys; baseKeys: RedisPartitionKeys },
  client: NodeRedis,
  seq: { next: number; last: string },
  samples: { states: string[]; outputs: string[] },
): Promise<Row> {
  const commits = Math.min(MAX_COMMITS, Math.max(MIN_COMMITS, Math.round(ENTRIES_PER_SIZE / n)))
  const ours: number[] = []
  const base: number[] = []
  for (let c = -WARMUP; c < commits; c++) {
    const b = makeBatch(n, seq.next, samples)
    seq.next += n
    await appendInputs(client, sides.ourKeys.input, b)
    await appendInputs(client, sides.baseKeys.input, b)
    const [first, second] = c % 2 === 0 ? ['ours', 'base'] : ['base', 'ours']
    for (const side of [first, second]) {
      const ms =
        side === 'ours'
          ? await commitOurs(sides.broker, sides.lease, seq.last, b)
          : await commitBaseline(client, sides.baseKeys, b)
      if (c >= 0) (side === 'ours' ? ours : base).push(ms)
    }
    seq.last = b.ids[b.ids.length - 1]
  }
  return { n, commits, ours: summary(ours), base: summary(base) }
}

/** Whether both sides left the same data: output stream lengths, states hashes, last ids. */
async function sameEnd(client: NodeRedis, a: RedisPartitionKeys, b: RedisPartitionKeys): Promise<boolean> {
  const [la, lb, ha, hb, ia, ib, xa, xb] = (await Promise.all([
    client.sendCommand(['XLEN', a.output]),
    client.sendCommand(['XLEN', b.output]),
    client.sendCommand(['HGETALL', a.states]),
    client.sendCommand(['HGETALL', b.states]),
    client.sendCommand(['GET', a.lastId]),
    client.sendCommand(['GET', b.lastId]),
    client.sendCommand(['XLEN', a.input]),
    client.sendCommand(['XLEN', b.input]),
  ])) as unknown[]
  // a hash's field order depends on its encoding and history: compare the pairs sorted
  const pairs = (flat: unknown) => {
    const list = flat as string[]
    return JSON.stringify(list.flatMap((f, i) => (i % 2 === 0 ? [[f, list[i + 1]]] : [])).sort())
  }
  return la === lb && pairs(ha) === pairs(hb) && ia === ib && xa === xb
}

async function main(): Promise<void> {
  const server = await startRedis({ aof: AOF })
  const link: RedisLink = await openRedis('bench', server.url)
  const client: NodeRedis = createClient({ url: server.url, RESP: 2 })
  client.on('error', () => {})
  await client.connect()
  try {
    const samples = workloadSamples()
    const config = { input: 'in', output: 'out', partitions: 1, key: (v: unknown) => String(v), leaseMs: 3_600_000 }
    const broker = await createRedisBroker(link, { ...config, name: 'ours' })
    const { leases } = await broker.balance('bench', [])
    if (leases.length !== 1) throw new Error(`no lease on the partition: ${JSON.stringify(leases)}`)
    const sides = {
      broker,
      lease: leases[0],
      ourKeys: redisPartitionKeys({ ...config, name: 'ours' }, 0),
      baseKeys: redisPartitionKeys({ ...config, name: 'base' }, 0),
    }
    const seq = { next: 1, last: '0-0' }
    const rows: Row[] = []
    for (const n of SIZES) {
      rows.push(await measureSize(n, sides, client, seq, samples))
      process.stderr.write(`  [redisCommit] batch ${n}: done\n`)
    }
    const same = await sameEnd(client, sides.ourKeys, sides.baseKeys)
    report(rows, samples, same)
    await broker.close()
  } finally {
    await client.close()
    await link.close()
    await server.stop()
  }
}

function report(rows: Row[], samples: { states: string[]; outputs: string[] }, same: boolean): void {
  const mean = (xs: string[]) => xs.reduce((s, x) => s + x.length, 0) / xs.length
  console.log(
    `\ncommit cost per batch, ms (caller's time, send to reply); n entries with one output each (~${fmt(mean(samples.outputs))} bytes), min(n, ${TOUCHED_KEYS}) key states (~${fmt(mean(samples.states))} bytes each); redis ${AOF ? 'AOF appendfsync always' : 'appendonly off'}\n`,
  )
  printTable(
    [
      'batch',
      'commits',
      'commit script p50',
      'p99',
      'MULTI/EXEC p50',
      'p99',
      'script / MULTI (p50)',
      'us per entry, script / MULTI',
    ],
    rows.map(r => [
      String(r.n),
      String(r.commits),
      fmt(r.ours.p50),
      fmt(r.ours.p99),
      fmt(r.base.p50),
      fmt(r.base.p99),
      ratio(r.ours.p50 / r.base.p50),
      `${fmt((r.ours.p50 * 1000) / r.n)} / ${fmt((r.base.p50 * 1000) / r.n)}`,
    ]),
  )
  console.log(`\nsame end state on both sides (outputs, states, last id, input stream): ${same ? 'yes' : 'NO'}`)
  console.log(`\n${machineLine()}`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
