/**
 * The broker side of `runPartitioned`: what a log (Redis Streams here; Kafka or NATS could follow)
 * must offer for partitioned, exactly-once pipelines. Three duties: read a partition's entries after
 * an id, commit a batch atomically (outputs, key states, input position, guarded by a fencing
 * token), and lease partitions to workers. The runner (`partitioned/runner.ts`) knows nothing else
 * about the broker; `MemoryBroker` (in-process) and `RedisBroker` (`midstream/redis`) implement it.
 *
 * Layout every broker follows, in its own words (Redis keys shown):
 * - the input stream `<input>` is what users append to (an entry holds `value`, JSON text);
 * - a router (one worker at a time, chosen by lease) copies each input entry into the partition stream
 *   `<input>:{<name>:<p>}` chosen by a stable hash of `key(value)`, under the SAME entry id, so routing
 *   twice is refused by the stream itself and is idempotent; an entry it cannot route (not JSON, key
 *   throws) goes to the dead-letter stream with the reason;
 * - each partition `p` keeps, under one hash tag `{<name>:<p>}` (one Redis Cluster slot): its input
 *   stream, its output stream `<output>:{<name>:<p>}`, its dead-letter stream, the JSON state of each key
 *   seen, the id of the last input committed, the lease and the fencing counter.
 * @module
 */

/** One entry of a partition stream, as the router wrote it. */
export interface PartitionEntry {
  /** The entry id, the same as in the input stream (`<ms>-<seq>` in Redis). */
  readonly id: string
  /** The key the router computed (`String(key(value))`). */
  readonly key: string
  /** The value as JSON text (the runner parses it). */
  readonly value: string
}

/** The right to process one partition while the lease lasts; `token` fences out every earlier holder. */
export interface PartitionLease {
  /** The partition, in [0, partitions). */
  readonly partition: number
  /** Grows by one each time anyone acquires the partition; a commit with an older token is refused. */
  readonly token: number
}

/** Where a partition stands in the log: what the runner restores when it acquires the partition. */
export interface PartitionCheckpoint {
  /** The id of the last input entry committed, `'0-0'` when none. */
  readonly lastId: string
  /** Per key: the JSON text of that key's state (its pipeline's snapshots); keys never seen are absent. */
  readonly states: ReadonlyMap<string, string>
}

/** One output of a key's pipeline, as committed. */
export interface CommittedOutput {
  /** The key whose pipeline produced it. */
  readonly key: string
  /** The output as JSON text. */
  readonly value: string
  /** The id of the input entry whose processing produced it. */
  readonly inputId: string
}

/** An entry that could not be processed, kept with the reason instead of being lost. */
export interface DeadLetter {
  /** The input entry's id (in the input or partition stream). */
  readonly id: string
  /** The key, when it was known. */
  readonly key?: string
  /** Why: `'not JSON: ...'`, `'key threw: ...'`, `'pipeline error: ...'`, ... */
  readonly reason: string
  /** The entry's raw value text, when there was one. */
  readonly value?: string
}

/** Everything one batch of a partition changes, committed all together or not at all. */
export interface CommitBatch {
  /** The lease the batch was processed under; the commit is refused (`'fenced'`) unless it is still current. */
  readonly lease: PartitionLease
  /** The last committed id the batch was read after; the commit is refused (`'stale'`) if the stored one differs. */
  readonly previousId: string
  /** The id of the batch's last input entry: the new last committed id. */
  readonly lastId: string
  /** Every input id of the batch (acknowledged by the commit, where the broker has acknowledgements). */
  readonly inputIds: readonly string[]
  /** The batch's outputs, in the order the pipelines emitted them (appended to the partition's output stream). */
  readonly outputs: readonly CommittedOutput[]
  /** The batch's entries that could not be processed (appended to the partition's dead-letter stream). */
  readonly deadLetters: readonly DeadLetter[]
  /** New JSON state per key touched by the batch; `null` deletes the key's state. */
  readonly states: ReadonlyMap<string, string | null>
}

/**
 * What a commit did: `'committed'`; `'fenced'` (the lease was lost or taken: the holder must drop the
 * partition without committing again); `'stale'` (the stored last id is not `previousId`: this batch, or
 * a later one, is already in; a retry of a commit whose reply was lost finds `lastId` stored and
 * reports `'committed'` instead).
 */
export type CommitResult = 'committed' | 'fenced' | 'stale'

/** One round of lease upkeep for a worker (see `PartitionBroker.balance`). */
export interface Assignment {
  /** Every lease the worker holds after this round (renewed and newly acquired). */
  readonly leases: readonly PartitionLease[]
  /** Partitions acquired this round: the runner loads their checkpoint and starts them. */
  readonly acquired: readonly number[]
  /** Partitions held before this round and no longer (expired, taken): the runner drops them, no commit. */
  readonly lost: readonly number[]
  /** Partitions above this worker's fair share: the runner finishes its batch, commits, then releases them. */
  readonly surplus: readonly number[]
  /** Whether this worker holds the router's lease (it then calls `route`). */
  readonly router: boolean
}

/** The broker side of `runPartitioned`. All methods may reject with the broker's connection errors; the runner retries. */
export interface PartitionBroker {
  /** The number of partitions (fixed for a pipeline's name: changing it needs a new name). */
  readonly partitions: number
  /**
   * Registers `workerId` as alive and does one round of lease upkeep: renews the leases it holds, takes
   * free partitions up to its fair share (ceil(partitions / live workers)), points out the surplus,
   * and holds or takes the router's lease. Called every `leaseMs / 3`.
   */
  balance(workerId: string, held: readonly PartitionLease[]): Promise<Assignment>
  /** Gives a lease back at once (after its last commit), so another worker need not wait for expiry. */
  release(workerId: string, lease: PartitionLease): Promise<void>
  /** The partition's checkpoint; read after acquiring it and before reading entries. */
  load(partition: number): Promise<PartitionCheckpoint>
  /** Up to `count` entries of the partition after `afterId`, waiting up to `blockMs` for the first. */
  read(partition: number, afterId: string, count: number, blockMs: number): Promise<PartitionEntry[]>
  /** Commits a batch atomically (see `CommitResult`). */
  commit(batch: CommitBatch): Promise<CommitResult>
  /**
   * For the router's holder: moves up to `count` input entries into their partition streams (same ids;
   * idempotent), dead-lettering those that cannot be routed; resolves with how many it moved, waiting up
   * to `blockMs` when there are none.
   */
  route(workerId: string, count: number, blockMs: number): Promise<number>
  /** Stops the broker's connections (leases are released by the runner first). */
  close(): Promise<void>
}

/** What a broker is built for: one partitioned pipeline. */
export interface BrokerConfig {
  /** The pipeline's name: part of every key and stream it owns (the hash tag `{<name>:<p>}`). */
  readonly name: string
  /** The input stream users append to. */
  readonly input: string
  /** The output stream's base name (partition `p` writes `<output>:{<name>:<p>}`). */
  readonly output: string
  /** How many partitions (fixed for a name). */
  readonly partitions: number
  /** The key of a value (already parsed from JSON); routing is `partitionOf(String(key(value)), partitions)`. */
  readonly key: (value: unknown) => string | number
  /** How long a lease lasts without renewal, in ms. */
  readonly leaseMs: number
}
