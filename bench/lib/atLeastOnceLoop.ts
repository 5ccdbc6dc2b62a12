/**
 * The baseline of `bench/partitioned.ts`, in a process of its own: the plain node-redis loop a user
 * would write for at-least-once processing of a Redis stream in ONE process. XREADGROUP COUNT <count>
 * on the input stream, the workload's operators per key (test/support/partitionedWorkload.ts, the same
 * `dtwMatch` + `ltlGuard` + `checkpointedScan` as the partitioned workers run, without state handles),
 * then the batch's outputs XADDed to the partition output streams (`<output>:{<name>:<p>}`, fields
 * `key`, `value`, `input` as `runPartitioned` writes them) and the inputs XACKed, all pipelined in one
 * round trip. No state is saved: a crash replays the pending entries into fresh operators.
 *
 *   node --import tsx bench/lib/atLeastOnceLoop.ts '<json of LoopArguments>'
 *
 * Prints `ready` once connected; with `stopAfter`, prints `done <ms> <entries> <cpu ms>` after
 * acknowledging that many entries (wall and CPU ms from its first XREADGROUP to the last
 * acknowledgement) and exits; otherwise
 * runs until SIGTERM. Not a benchmark file itself: bench/lib is not run by `npm run bench`.
 */
import { createClient } from 'redis'
import { Subject } from 'rxjs'
import { partitionOf } from '../../partitioned/partitionOf'
import { type Reading, type WorkloadContext, workloadPipeline } from '../../test/support/partitionedWorkload'

/** What the parent passes, as one JSON argument. */
export interface LoopArguments {
  readonly url: string
  readonly input: string
  readonly group: string
  readonly consumer: string
  /** Base name of the output streams; partition p writes `<output>:{<name>:<p>}`. */
  readonly output: string
  readonly name: string
  readonly partitions: number
  /** XREADGROUP COUNT. */
  readonly count: number
  /** Stop (and print `done`) after acknowledging this many entries. */
  readonly stopAfter?: number
}

interface Pending {
  readonly stream: string
  readonly key: string
  readonly value: string
  readonly input: string
}

/** One key's operators, fed through a Subject; outputs land in `sink` tagged with the entry being pushed. */
function keyPipeline(key: string, sink: Pending[], current: { id: string }, stream: string): Subject<Reading> {
  const input = new Subject<Reading>()
  // no state handles: the operators keep their state in memory only
  const ctx = { key, state: () => undefined } as unknown as WorkloadContext
  workloadPipeline(input, ctx).subscribe({
    next: output => sink.push({ stream, key, value: JSON.stringify(output), input: current.id }),
    error: (error: unknown) => {
      process.stderr.write(`atLeastOnceLoop: pipeline of ${key} failed: ${(error as Error).stack ?? error}\n`)
      process.exit(2)
    },
  })
  return input
}

/** The entries of an XREADGROUP reply in RESP2: `[[stream, [[id, [field, value, ...]], ...]]]` or null. */
function entriesOf(reply: unknown): [string, string[]][] {
  if (reply === null) return []
  const [[, entries]] = reply as [string, [string, string[]][]][]
  return entries
}

async function main(args: LoopArguments): Promise<void> {
  const client = createClient({ url: args.url, RESP: 2 })
  client.on('error', (error: Error) => process.stderr.write(`atLeastOnceLoop: ${error.message}\n`))
  await client.connect()
  const pipelines = new Map<string, Subject<Reading>>()
  const outputs: Pending[] = []
  const current = { id: '' }
  let stopping = false
  process.on('SIGTERM', () => {
    stopping = true
  })
  process.stdout.write('ready\n')
  let acked = 0
  const started = performance.now()
  const cpu = process.cpuUsage()
  while (!stopping) {
    const entries = entriesOf(
      await client.sendCommand([
        'XREADGROUP',
        'GROUP',
        args.group,
        args.consumer,
        'COUNT',
        String(args.count),
        'BLOCK',
        '1000',
        'STREAMS',
        args.input,
        '>',
      ]),
    )
    if (entries.length === 0) continue
    outputs.length = 0
    const ids: string[] = []
    for (const [id, fields] of entries) {
      const reading = JSON.parse(fields[fields.indexOf('value') + 1]) as Reading
      let pipeline = pipelines.get(reading.key)
      if (pipeline === undefined) {
        const stream = `${args.output}:{${args.name}:${partitionOf(reading.key, args.partitions)}}`
        pipelines.set(reading.key, (pipeline = keyPipeline(reading.key, outputs, current, stream)))
      }
      current.id = id
      pipeline.next(reading)
      ids.push(id)
    }
    // one round trip: every output, then the acknowledgement (Redis runs a connection's commands in order)
    const sends: Promise<unknown>[] = outputs.map(o =>
      client.sendCommand(['XADD', o.stream, '*', 'key', o.key, 'value', o.value, 'input', o.input]),
    )
    sends.push(client.sendCommand(['XACK', args.input, args.group, ...ids]))
    await Promise.all(sends)
    acked += ids.length
    if (args.stopAfter !== undefined && acked >= args.stopAfter) {
      const used = process.cpuUsage(cpu)
      process.stdout.write(`done ${performance.now() - started} ${acked} ${(used.user + used.system) / 1000}\n`)
      break
    }
  }
  await client.close()
}

main(JSON.parse(process.argv[2] ?? '{}') as LoopArguments).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`atLeastOnceLoop: ${(error as Error).stack ?? error}\n`)
    process.exit(2)
  },
)
