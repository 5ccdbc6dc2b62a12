/**
 * How `midstream/redis` reaches a server: one `RedisConnection` option for every function (a URL, a
 * cluster's nodes, or a node-redis client the user already made) and `RedisLink`, the small command
 * interface the sources, sinks and the partitioned broker speak, the same for a single server and a
 * Redis Cluster. node-redis (the optional peer `redis`) is loaded when a link is first opened, so the
 * in-process parts of `midstream/redis` work without it.
 * @module
 */
import type * as RedisPackage from 'redis'
import { requirePeers } from '../sources/peers/require'
import { describeValue } from '../src/errors'

/** A node-redis client or cluster made by the user (`createClient(...)`, `createCluster(...)`), connected or not. */
export interface RedisClientLike {
  /** node-redis' raw command call (its signature differs between a client and a cluster). */
  sendCommand(...args: never[]): Promise<unknown>
  /** Opens the connection(s). */
  connect(): Promise<unknown>
  /** A new, unconnected client or cluster with the same options: midstream connects and closes its own. */
  duplicate(...args: never[]): unknown
  /** Whether the connection is open. */
  readonly isOpen: boolean
}

/** Where to connect, when midstream opens the connections itself. */
export interface RedisConnectionOptions {
  /** `redis://[[user]:password@]host:port[/db]`, or `rediss://...` for TLS. Default `redis://127.0.0.1:6379`. */
  url?: string
  /** The nodes of a Redis Cluster (URLs as above); midstream then speaks to the cluster. */
  rootNodes?: readonly string[]
  /** Further node-redis client options (e.g. `socket: { tls: true, ca }`), passed through as they are. */
  clientOptions?: Readonly<Record<string, unknown>>
}

/**
 * How a `midstream/redis` function reaches Redis: a URL, `RedisConnectionOptions`, or a node-redis
 * client or cluster the caller made (midstream then duplicates it for the connections it needs and
 * never closes the caller's own).
 */
export type RedisConnection = string | RedisConnectionOptions | RedisClientLike

/** Options of one command sent through a `RedisLink`. */
export interface RedisCommandOptions {
  /** The command's timeout in ms; `0` for none (blocking reads). Default node-redis' own (5 s). */
  timeout?: number
  /** Aborts the command (it is removed from the queue if not yet sent). */
  signal?: AbortSignal
}

/**
 * A connection to Redis as midstream uses it: raw commands routed by their first key (which a
 * Redis Cluster needs), and duplicates for blocking reads, which must not hold up other commands.
 */
export interface RedisLink {
  /** Whether the server is a Redis Cluster. */
  readonly cluster: boolean
  /** The node-redis client or cluster behind the link. */
  readonly client: unknown
  /**
   * Sends `args` (command name first); `key` is the key the command touches first, used to pick the
   * cluster node (ignored on a single server). Rejects with Redis' error reply or a connection error.
   */
  send<T = unknown>(key: string | undefined, args: readonly string[], options?: RedisCommandOptions): Promise<T>
  /** A new link to the same server(s) with connections of its own. */
  duplicate(): Promise<RedisLink>
  /** Closes the connections this link opened (not a client the caller gave). Idempotent. */
  close(): Promise<void>
}

const DEFAULT_URL = 'redis://127.0.0.1:6379'
const CONNECTION_OPTIONS = ['url', 'rootNodes', 'clientOptions']

/** Checks a `redis` option at call time; a bad one is a `TypeError` naming `fn`. */
export function checkRedisConnection(fn: string, redis: unknown): RedisConnection {
  if (typeof redis === 'string') {
    checkUrl(fn, 'redis', redis)
    return redis
  }
  if (redis === null || typeof redis !== 'object' || Array.isArray(redis))
    throw new TypeError(
      `${fn}: redis must be a URL, { url } / { rootNodes } options or a node-redis client, got ${describeValue(redis)}`,
    )
  if (isClient(redis)) return redis
  const options = redis as Record<string, unknown>
  for (const name of Object.keys(options))
    if (!CONNECTION_OPTIONS.includes(name))
      throw new TypeError(
        `${fn}: unknown redis option ${JSON.stringify(name)} (known: ${CONNECTION_OPTIONS.join(', ')})`,
      )
  if (options.url !== undefined) checkUrl(fn, 'redis.url', options.url)
  if (options.rootNodes !== undefined) {
    if (!Array.isArray(options.rootNodes) || options.rootNodes.length === 0)
      throw new TypeError(
        `${fn}: redis.rootNodes must be a non-empty array of URLs, got ${describeValue(options.rootNodes)}`,
      )
    options.rootNodes.forEach((url, i) => {
      checkUrl(fn, `redis.rootNodes[${i}]`, url)
    })
  }
  if (
    options.clientOptions !== undefined &&
    (options.clientOptions === null || typeof options.clientOptions !== 'object')
  )
    throw new TypeError(`${fn}: redis.clientOptions must be an object, got ${describeValue(options.clientOptions)}`)
  return options as RedisConnectionOptions
}

function checkUrl(fn: string, name: string, url: unknown): void {
  let parsed: URL | undefined
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined
  } catch {
    parsed = undefined
  }
  if (parsed === undefined || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:'))
    throw new TypeError(`${fn}: ${name} must be a redis:// or rediss:// URL, got ${describeValue(url)}`)
}

function isClient(value: object): value is RedisClientLike {
  const candidate = value as Partial<RedisClientLike>
  return typeof candidate.sendCommand === 'function' && typeof candidate.connect === 'function'
}

type NodeRedis = typeof RedisPackage
let nodeRedis: NodeRedis | undefined

function loadNodeRedis(): NodeRedis {
  nodeRedis ??= requirePeers<[NodeRedis]>('midstream/redis', ['redis'])[0]
  return nodeRedis
}

/** The commands midstream sends, seen through the two node-redis classes' `sendCommand` signatures. */
interface AnyClient {
  sendCommand(...args: unknown[]): Promise<unknown>
  connect(): Promise<unknown>
  duplicate(): AnyClient
  close?(): Promise<void>
  quit?(): Promise<unknown>
  destroy?(): void
  on(event: 'error', listener: (error: unknown) => void): unknown
  readonly isOpen: boolean
  readonly masters?: unknown
}

/**
 * Opens a link for `fn` (the public function's name, for errors): connects a new client or cluster
 * from a URL or options, or duplicates the caller's client. Rejects with a `TypeError` for a bad
 * option, and with node-redis' error when the server cannot be reached for 5 s (a server that is
 * starting gets that long); once connected, node-redis reconnects after an outage by itself.
 */
export async function openRedis(fn: string, redis: RedisConnection): Promise<RedisLink> {
  const connection = checkRedisConnection(fn, redis)
  if (typeof connection === 'object' && isClient(connection)) {
    const own = (connection as unknown as AnyClient).duplicate()
    return connect(own, 'masters' in connection)
  }
  const { createClient, createCluster } = loadNodeRedis()
  const options = typeof connection === 'string' ? { url: connection } : connection
  const extra = options.clientOptions ?? {}
  if (options.rootNodes !== undefined) {
    const cluster = createCluster({
      rootNodes: options.rootNodes.map(url => ({ url, ...extra })),
      defaults: extra,
    } as Parameters<typeof createCluster>[0])
    return connect(cluster as unknown as AnyClient, true)
  }
  const client = createClient({ url: options.url ?? DEFAULT_URL, ...extra } as Parameters<typeof createClient>[0])
  return connect(client as unknown as AnyClient, false)
}

/** How long a first connection may keep failing before `openRedis` gives up (later outages are retried for ever). */
const FIRST_CONNECT_MS = 5_000

async function connect(client: AnyClient, cluster: boolean): Promise<RedisLink> {
  // node-redis emits 'error' on every failed (re)connect and retries for ever; without a listener Node
  // would crash the process. A server that cannot be reached at all is reported, not waited for.
  const started = Date.now()
  let giveUp: ((error: unknown) => void) | undefined
  client.on('error', error => {
    if (giveUp !== undefined && Date.now() - started >= FIRST_CONNECT_MS) giveUp(error)
  })
  try {
    await new Promise<void>((resolve, reject) => {
      giveUp = reject
      client.connect().then(() => resolve(), reject)
    })
  } catch (error) {
    giveUp = undefined
    client.destroy?.()
    await shut(client)
    throw error
  } finally {
    giveUp = undefined
  }
  return new NodeRedisLink(client, cluster)
}

async function shut(client: AnyClient): Promise<void> {
  try {
    if (client.close !== undefined) await client.close()
    else if (client.quit !== undefined) await client.quit()
  } catch {
    // already closed, or the server is gone: nothing left to release but the socket
    client.destroy?.()
  }
}

class NodeRedisLink implements RedisLink {
  readonly #client: AnyClient
  #closed = false

  constructor(
    client: AnyClient,
    readonly cluster: boolean,
  ) {
    this.#client = client
  }

  get client(): unknown {
    return this.#client
  }

  send<T>(key: string | undefined, args: readonly string[], options: RedisCommandOptions = {}): Promise<T> {
    const commandOptions: Record<string, unknown> = {}
    if (options.timeout !== undefined) commandOptions.timeout = options.timeout === 0 ? undefined : options.timeout
    if (options.signal !== undefined) commandOptions.abortSignal = options.signal
    const hasOptions = options.timeout !== undefined || options.signal !== undefined
    if (this.cluster)
      return this.#client.sendCommand(key, false, args, hasOptions ? commandOptions : undefined) as Promise<T>
    return this.#client.sendCommand(args, hasOptions ? commandOptions : undefined) as Promise<T>
  }

  async duplicate(): Promise<RedisLink> {
    return connect(this.#client.duplicate(), this.cluster)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await shut(this.#client)
  }
}

/** One stream's entries in an XREAD / XREADGROUP reply: `[id, [field, value, ...]]` each. */
export type StreamEntries = readonly (readonly [id: string, fields: readonly string[]])[]

/**
 * The entries of an XREAD / XREADGROUP reply as `[stream, entries]` pairs, whichever protocol the
 * connection speaks: RESP2 replies an array of pairs, RESP3 (node-redis 6's default) a map, which
 * node-redis gives as an object or a `Map`; no entries is `null` in both. A deleted entry that is
 * still pending (XREADGROUP with id `0`) comes back with `null` fields, kept as an empty array.
 */
export function readStreamReply(reply: unknown): [stream: string, entries: StreamEntries][] {
  if (reply === null || reply === undefined) return []
  const pairs: [unknown, unknown][] = Array.isArray(reply)
    ? reply.map(pair => pair as [unknown, unknown])
    : reply instanceof Map
      ? [...reply.entries()]
      : Object.entries(reply as Record<string, unknown>)
  return pairs.map(([stream, entries]) => [
    String(stream),
    (entries as [unknown, unknown][]).map(([id, fields]) => [
      String(id),
      Array.isArray(fields) ? fields.map(String) : [],
    ]),
  ])
}

/**
 * Whether `error` is Redis' error reply to a command (node-redis' `ErrorReply`, found by name so that
 * a second copy of the package still counts) rather than a connection failure.
 * @internal
 */
export function isErrorReply(error: unknown): boolean {
  for (let p = error === null || typeof error !== 'object' ? null : Object.getPrototypeOf(error); p !== null; ) {
    if ((p as { constructor?: { name?: string } }).constructor?.name === 'ErrorReply') return true
    p = Object.getPrototypeOf(p)
  }
  return false
}
