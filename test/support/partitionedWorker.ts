/**
 * A worker process of the exactly-once fault tests and benchmarks: runs the workload pipeline
 * (test/support/partitionedWorkload.ts) with `runPartitioned` on Redis until SIGTERM.
 *
 *   node --import tsx test/support/partitionedWorker.ts '<json of WorkerArguments>'
 *
 * Prints `ready` once subscribed; on an error of the run, prints it to stderr and exits with 2.
 */
import { runPartitioned } from '../../partitioned/runPartitioned'
import { readingKey, workloadPipeline } from './partitionedWorkload'

/** What the parent passes, as one JSON argument. */
export interface WorkerArguments {
  /** `redis://...`, or `{ rootNodes }` for a cluster. */
  readonly redis: string | { rootNodes: string[] }
  readonly name: string
  readonly input: string
  readonly output: string
  readonly partitions: number
  readonly leaseMs: number
  readonly batchSize: number
  readonly workerId: string
}

const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArguments
const subscription = runPartitioned({
  redis: args.redis,
  name: args.name,
  input: args.input,
  output: args.output,
  partitions: args.partitions,
  key: readingKey,
  pipeline: workloadPipeline,
  leaseMs: args.leaseMs,
  batchSize: args.batchSize,
  workerId: args.workerId,
}).subscribe({
  error: error => {
    process.stderr.write(`worker ${args.workerId}: ${(error as Error).stack ?? error}\n`)
    process.exit(2)
  },
})
process.stdout.write('ready\n')
process.on('SIGTERM', () => {
  subscription.unsubscribe()
  // unsubscribing releases the leases asynchronously: give it a moment, then go
  setTimeout(() => process.exit(0), 300).unref()
})
