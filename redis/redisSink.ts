/**
 * `redisSink`: an operator that appends each value to a Redis stream (or to one of its partition
 * streams) and emits the entry ids.
 * @module
 */
import { Observable, type OperatorFunction } from 'rxjs'
import { partitionOf } from '../partitioned/partitionOf'
import { describeValue } from '../src/errors'
import { checkFunction, checkInteger, checkOptions, checkString } from '../src/validate'
import { checkRedisConnection, isErrorReply, openRedis, type RedisConnection, type RedisLink } from './connection'

/** Options of `redisSink`; each is checked at the call. */
export interface RedisSinkOptions<T> {
  /** Where Redis is: a URL, `{ url }` / `{ rootNodes }` options, or a node-redis client (duplicated, never closed). */
  redis: RedisConnection
  /** The stream to append to (or the base name of the partition streams, with `partitions`). */
  stream: string
  /** Trims each stream to about this many entries as it appends (`XADD ... MAXLEN ~ maxLen`); default no trimming. */
  maxLen?: number
  /** Spreads the values over `partitions` streams `<stream>:<p>`, `p = partitionOf(String(key(value)), partitions)`; needs `key`. */
  partitions?: number
  /** The partition key of a value (with `partitions`). */
  key?: (value: T) => string | number
  /**
   * Most XADDs sent (or waiting for the connection) whose reply has not come back; one more is a
   * `RedisSinkError('overflow')`, since a source faster than Redis would otherwise grow memory without
   * bound. Default 10 000.
   */
  maxInFlight?: number
}

/** Why `redisSink` failed (`RedisSinkError.code`). */
export type RedisSinkErrorCode = 'connect' | 'command' | 'connection' | 'value' | 'key' | 'overflow'

/** A failure of `redisSink`: which stream, which input (its index), and the underlying error as `cause`. */
export class RedisSinkError extends Error {
  /** Always `'RedisSinkError'`. */
  override readonly name = 'RedisSinkError'
  constructor(
    /**
     * `'connect'`: the connection could not be opened; `'command'`: Redis refused the XADD (e.g. WRONGTYPE);
     * `'connection'`: the connection dropped with the XADD unanswered (it may or may not be in the stream);
     * `'value'`: the value has no JSON text (`undefined`, a function, a BigInt, a cycle); `'key'`: `key` threw;
     * `'overflow'`: `maxInFlight` XADDs were awaiting Redis' reply when another value came.
     */
    readonly code: RedisSinkErrorCode,
    message: string,
    /** The stream written (the partition stream, when known). */
    readonly stream: string,
    /** The input's index (0-based), when the failure concerns one input. */
    readonly index?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

const FN = 'redisSink'

interface Settings<T> {
  readonly redis: RedisConnection
  readonly stream: string
  readonly maxLen?: number
  readonly partitions?: number
  readonly key?: (value: T) => string | number
  readonly maxInFlight: number
}

/** `maxInFlight` when none is given. */
const DEFAULT_MAX_IN_FLIGHT = 10_000

/**
 * The stream `redisSink` writes a value with key `key` to, with `partitions` partitions: `<stream>:<p>`,
 * `p = partitionOf(String(key), partitions)`. Each XADD touches one key, so no hash tag is needed on a
 * Redis Cluster and the partition streams spread over its masters (unless `stream` itself holds a hash
 * tag `{...}`, which then puts them all in its slot).
 *
 * ```ts
 * partitionStream('orders', 'customer-17', 8) // 'orders:5' (always the same partition)
 * ```
 */
export function partitionStream(stream: string, key: string | number, partitions: number): string {
  return `${stream}:${partitionOf(String(key), partitions)}`
}

/**
 * Appends each value, as JSON in the field `value`, to a Redis stream (XADD with an id chosen by
 * Redis), and emits the new entry's id, in input order.
 *
 * The XADDs are pipelined: each is sent as its value arrives, without waiting for the previous reply
 * (values that arrive while the connection opens wait for it, in order). With `partitions` and `key`,
 * a value goes to `partitionStream(stream, key(value), partitions)` (see there); the ids are then those
 * of the partition streams. `maxLen` trims each stream approximately (`MAXLEN ~`).
 *
 * Completes when the source completed and every XADD was acknowledged (all ids emitted). Errors with
 * `RedisSinkError`: `'value'` for a value without JSON text and `'key'` when `key` throws (at that value,
 * nothing after it is written), `'connect'`, `'command'` (Redis refused an XADD), `'connection'` (the
 * connection dropped with XADDs unanswered: they are not retried, since a retry could write an entry
 * twice) and `'overflow'` (a value came while `maxInFlight` XADDs awaited their reply: slow the source
 * down, e.g. with `concatMap` on the ids, or raise the bound). A source error is passed on at once. Unsubscribing closes the connection after the replies
 * of the XADDs already sent. Bad options throw at call time (`TypeError` / `RangeError` naming the value).
 *
 * ```ts
 * readings$.pipe(redisSink({ redis: 'redis://127.0.0.1:6379', stream: 'readings', maxLen: 100_000 })).subscribe(id => log(id))
 * ```
 */
export function redisSink<T>(options: RedisSinkOptions<T>): OperatorFunction<T, string> {
  const settings = checkSinkOptions(options)
  return source =>
    new Observable<string>(subscriber => {
      let index = 0
      let inFlight = 0
      let failed = false
      const link = openRedis(FN, settings.redis)
      // every id is emitted from this chain, so in input order, whatever order the replies settle in
      let emitted: Promise<void> = link.then(
        () => {},
        (error: unknown) => {
          throw sinkError('connect', settings.stream, undefined, error)
        },
      )
      const fail = (error: unknown): void => {
        if (failed) return
        failed = true
        subscriber.error(error)
      }
      const subscription = source.subscribe({
        next: value => {
          if (failed) return
          if (inFlight >= settings.maxInFlight) {
            const bound = new RangeError(`${settings.maxInFlight} XADDs await Redis' reply (maxInFlight)`)
            fail(sinkError('overflow', settings.stream, index, bound))
            return
          }
          let xadd: Promise<string>
          try {
            xadd = append(settings, link, value, index++)
          } catch (error) {
            fail(error)
            return
          }
          inFlight++
          xadd.then(
            () => inFlight--,
            () => {}, // the error is handled in order, by the chain
          )
          emitted = emitted.then(async () => {
            const id = await xadd
            if (!failed) subscriber.next(id)
          })
          emitted.catch(fail)
        },
        error: fail,
        complete: () => {
          emitted.then(() => subscriber.complete(), fail)
        },
      })
      return () => {
        failed = true
        subscription.unsubscribe()
        link.then(
          open => open.close().catch(() => {}),
          () => {},
        )
      }
    })
}

function checkSinkOptions<T>(options: RedisSinkOptions<T>): Settings<T> {
  checkOptions(FN, options, ['redis', 'stream', 'maxLen', 'partitions', 'key', 'maxInFlight'], true)
  const key = checkFunction<(value: T) => string | number>(FN, 'key', options.key)
  const partitions =
    options.partitions === undefined
      ? undefined
      : checkInteger(FN, 'partitions', options.partitions, { min: 1, max: 1 << 16 })
  if ((partitions === undefined) !== (key === undefined))
    throw new TypeError(
      `${FN}: partitions and key go together: give both or neither (got ${partitions === undefined ? 'key' : 'partitions'} alone)`,
    )
  return {
    redis: checkRedisConnection(FN, options.redis),
    stream: checkString(FN, 'stream', options.stream),
    maxLen: options.maxLen === undefined ? undefined : checkInteger(FN, 'maxLen', options.maxLen, { min: 1 }),
    partitions,
    key,
    maxInFlight:
      options.maxInFlight === undefined
        ? DEFAULT_MAX_IN_FLIGHT
        : checkInteger(FN, 'maxInFlight', options.maxInFlight, { min: 1 }),
  }
}

/** Sends the XADD of one value (synchronously checks it first: a bad value or key throws `RedisSinkError`). */
function append<T>(settings: Settings<T>, link: Promise<RedisLink>, value: T, index: number): Promise<string> {
  let stream = settings.stream
  if (settings.key !== undefined && settings.partitions !== undefined) {
    let key: string | number
    try {
      key = settings.key(value)
    } catch (error) {
      throw sinkError('key', stream, index, error)
    }
    stream = partitionStream(stream, key, settings.partitions)
  }
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (error) {
    throw sinkError('value', stream, index, error)
  }
  if (text === undefined)
    throw sinkError('value', stream, index, new TypeError(`${describeValue(value)} has no JSON text`))
  const args = ['XADD', stream]
  if (settings.maxLen !== undefined) args.push('MAXLEN', '~', String(settings.maxLen))
  args.push('*', 'value', text)
  const target = stream
  return link.then(
    open =>
      open.send<string>(target, args).catch((error: unknown) => {
        throw sinkError(isErrorReply(error) ? 'command' : 'connection', target, index, error)
      }),
    () => '', // the connect error is reported by the chain
  )
}

function sinkError(
  code: RedisSinkErrorCode,
  stream: string,
  index: number | undefined,
  cause: unknown,
): RedisSinkError {
  const what =
    code === 'connect'
      ? 'cannot connect'
      : code === 'key'
        ? `key threw for input ${index}`
        : code === 'overflow'
          ? `input ${index} came with too many XADDs in flight`
          : code === 'value'
            ? `input ${index} cannot be written as JSON`
            : `XADD of input ${index} ${code === 'command' ? 'refused' : 'lost with the connection'}`
  const reason = cause instanceof Error ? cause.message : describeValue(cause)
  return new RedisSinkError(code, `${FN}: ${what} (stream ${describeValue(stream)}): ${reason}`, stream, index, {
    cause,
  })
}

/** Whether `error` is Redis' own error reply (node-redis' `ErrorReply`), not a connection failure. */
