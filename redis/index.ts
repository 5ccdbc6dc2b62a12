/**
 * `midstream/redis` (Node only): Redis Streams sources and sinks, and `runPartitioned`, partitioned
 * stateful pipelines with exactly-once output over Redis Streams (or in-process without a server).
 * Needs the optional peer `redis` (node-redis 6) for everything that talks to a server.
 * @module
 */
// biome-ignore-all assist/source/organizeImports: exports are grouped by area under banners, sorted within each

// ---- partitioned pipelines: the broker interface, the stable partition hash ----
export type {
  Assignment,
  BrokerConfig,
  CommitBatch,
  CommitResult,
  CommittedOutput,
  DeadLetter,
  PartitionBroker,
  PartitionCheckpoint,
  PartitionEntry,
  PartitionLease,
} from '../partitioned/broker'
export { fnv1a32, partitionOf } from '../partitioned/partitionOf'
export {
  createRedisBroker,
  type RedisPartitionKeys,
  type RedisPipelineKeys,
  redisPartitionKeys,
  redisPipelineKeys,
} from './broker'

// ---- connections: a URL, cluster nodes or the caller's client ----
export {
  openRedis,
  type RedisClientLike,
  type RedisCommandOptions,
  type RedisConnection,
  type RedisConnectionOptions,
  type RedisLink,
} from './connection'

// ---- sources and sinks: consumer-group reads, pipelined appends ----
export {
  type RedisEntry,
  type RedisSkippedEntry,
  RedisSourceError,
  type RedisSourceErrorCode,
  type RedisSourceOptions,
  redisSource,
} from './redisSource'
export {
  partitionStream,
  RedisSinkError,
  type RedisSinkErrorCode,
  type RedisSinkOptions,
  redisSink,
} from './redisSink'

// ---- partitioned pipelines: runPartitioned, the in-process broker, entry ids ----
export { compareEntryIds, entryIdMs } from '../partitioned/entryId'
export type { KeyPipelineFactory, PartitionContext } from '../partitioned/keyPipeline'
export { type InputEntry, MemoryBroker, type MemoryBrokerOptions } from '../partitioned/memoryBroker'
export type { PartitionedOutput } from '../partitioned/runner'
export { type RunPartitionedOptions, runPartitioned } from '../partitioned/runPartitioned'
