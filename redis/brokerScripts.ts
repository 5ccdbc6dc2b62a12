/**
 * The Lua scripts behind `createRedisBroker` (redis/broker.ts), and how they are sent: EVALSHA, with
 * EVAL when the server does not know the script yet (a new server, a restart, another cluster node).
 * Every script touches the keys of ONE hash tag only (one partition's `{<name>:<p>}`, or the
 * pipeline's `{<name>}`), so each runs on one Redis Cluster slot. Every script that writes starts
 * with a `#!lua` shebang: Redis 7 then refuses it as a whole when out of memory, instead of failing at
 * its first write, and refuses any key it was not given.
 * @module
 */
import { createHash } from 'node:crypto'
import type { RedisLink } from './connection'

/** A Lua script with its SHA1, as EVALSHA wants it. */
export interface RedisScript {
  /** What the script is for, for error messages. */
  readonly name: string
  readonly source: string
  readonly sha: string
}

function script(name: string, source: string): RedisScript {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') }
}

/**
 * Runs `s` on the node that holds `keys[0]`: EVALSHA, then EVAL when the server answers NOSCRIPT.
 * Rejects with Redis' error reply (a script's own error, WRONGTYPE, OOM, ...) or a connection error.
 *
 * ```ts
 * const token = await runScript(link, ACQUIRE_LEASE, [leaseKey, fenceKey], ['worker-1', '3000'])
 * ```
 */
export async function runScript<T>(
  link: RedisLink,
  s: RedisScript,
  keys: readonly string[],
  args: readonly string[],
): Promise<T> {
  const tail = [String(keys.length), ...keys, ...args]
  try {
    return await link.send<T>(keys[0], ['EVALSHA', s.sha, ...tail])
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
    return link.send<T>(keys[0], ['EVAL', s.source, ...tail])
  }
}

/**
 * One partition's commit, all or nothing. KEYS: lease, last id, partition input stream, output
 * stream, dead-letter stream, states hash. ARGV: token, previousId, lastId, then the outputs
 * (count, then key / value / input id each), the dead letters (count, then id / mask / key / reason /
 * value each; mask bit 1 = key present, bit 2 = value present), the states (count, then op / key /
 * value each; op `S` sets, `D` deletes).
 *
 * Checks first (fencing token, last id, key types), writes after, so no error can leave half a
 * commit: a script is not rolled back when a command inside fails. The partition input stream is
 * trimmed to `lastId` (XTRIM MINID keeps the entries from `lastId` on): the entries committed
 * before it are never read again (a worker resumes after the stored last id), which bounds memory,
 * and keeping the last one keeps the stream (and its top id, which makes routing idempotent) alive.
 */
export const COMMIT = script(
  'commit',
  `#!lua
local token = redis.call('HGET', KEYS[1], 'token')
if not token or token ~= ARGV[1] then return 'fenced' end
local expected = { 'string', 'stream', 'stream', 'stream', 'hash' }
for i = 2, 6 do
  local t = redis.call('TYPE', KEYS[i]).ok
  if t ~= 'none' and t ~= expected[i - 1] then
    return redis.error_reply('WRONGTYPE commit: key ' .. KEYS[i] .. ' holds a ' .. t .. ', not a ' .. expected[i - 1])
  end
end
local last = redis.call('GET', KEYS[2]) or '0-0'
if last ~= ARGV[2] then
  if last == ARGV[3] then return 'committed' end
  return 'stale'
end
local n = 4
local outputs = tonumber(ARGV[n])
for _ = 1, outputs do
  redis.call('XADD', KEYS[4], '*', 'key', ARGV[n + 1], 'value', ARGV[n + 2], 'input', ARGV[n + 3])
  n = n + 3
end
n = n + 1
local dead = tonumber(ARGV[n])
for _ = 1, dead do
  local mask = tonumber(ARGV[n + 2])
  local fields = { 'id', ARGV[n + 1] }
  if mask % 2 == 1 then fields[#fields + 1] = 'key'; fields[#fields + 1] = ARGV[n + 3] end
  fields[#fields + 1] = 'reason'; fields[#fields + 1] = ARGV[n + 4]
  if mask >= 2 then fields[#fields + 1] = 'value'; fields[#fields + 1] = ARGV[n + 5] end
  redis.call('XADD', KEYS[5], '*', unpack(fields))
  n = n + 5
end
n = n + 1
local states = tonumber(ARGV[n])
for _ = 1, states do
  if ARGV[n + 1] == 'S' then redis.call('HSET', KEYS[6], ARGV[n + 2], ARGV[n + 3])
  else redis.call('HDEL', KEYS[6], ARGV[n + 2]) end
  n = n + 3
end
redis.call('SET', KEYS[2], ARGV[3])
redis.call('XTRIM', KEYS[3], 'MINID', ARGV[3])
return 'committed'
`,
)

/** A partition's checkpoint, read at one instant. KEYS: last id, states hash. Returns `{ lastId, flat hash }`. */
export const LOAD = script(
  'load',
  `#!lua flags=no-writes
return { redis.call('GET', KEYS[1]) or '0-0', redis.call('HGETALL', KEYS[2]) }
`,
)

/**
 * Takes a partition that is free, or held under this worker's id by an earlier incarnation of it (a
 * restarted worker that does not list the lease as held: its old token is fenced out). KEYS: lease,
 * fencing counter. ARGV: worker id, lease ms. Returns the new token (the counter, incremented), or 0
 * when another worker holds the lease.
 */
export const ACQUIRE_LEASE = script(
  'acquire',
  `#!lua
local holder = redis.call('HGET', KEYS[1], 'holder')
if holder and holder ~= ARGV[1] then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'token', token)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return token
`,
)

/** Extends a lease, only for its holder's token. KEYS: lease. ARGV: token, lease ms. Returns 1, or 0 when lost. */
export const RENEW_LEASE = script(
  'renew',
  `#!lua
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`,
)

/** Gives a lease back, only for its holder's token. KEYS: lease. ARGV: token. Returns 1, or 0 when not held. */
export const RELEASE_LEASE = script(
  'release',
  `#!lua
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`,
)

/**
 * Registers a worker as alive and keeps the router's lease. KEYS: worker registry (a sorted set of
 * worker ids scored by expiry, in server milliseconds), router lease. ARGV: worker id, lease ms.
 * Drops the expired workers; returns `{ live workers, 1 if this worker holds the router lease }`.
 */
export const REGISTER_WORKER = script(
  'register',
  `#!lua
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ms = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], string.format('%.0f', now + ms), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now))
redis.call('PEXPIRE', KEYS[1], 2 * ms)
local live = redis.call('ZCARD', KEYS[1])
local router = redis.call('GET', KEYS[2])
if router == ARGV[1] then
  redis.call('PEXPIRE', KEYS[2], ms)
  return { live, 1 }
end
if not router then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ms)
  return { live, 1 }
end
return { live, 0 }
`,
)

/** Removes a worker from the registry and gives its router lease back. KEYS: registry, router lease. ARGV: worker id. */
export const DEREGISTER_WORKER = script(
  'deregister',
  `#!lua
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1
`,
)

/**
 * Appends entries under given ids, skipping those at or below the stream's top id (already there:
 * the retry of a routing that crashed before its cursor moved). KEYS: the stream. ARGV: per entry
 * the id, the number of field/value pairs, the pairs. Returns how many it appended. Any other error
 * is raised (the entries before it stay: rerunning skips them).
 */
export const APPEND_WITH_IDS = script(
  'appendWithIds',
  `#!lua
local added = 0
local i = 1
while i <= #ARGV do
  local count = tonumber(ARGV[i + 1])
  local args = { 'XADD', KEYS[1], ARGV[i] }
  for j = 1, 2 * count do args[#args + 1] = ARGV[i + 1 + j] end
  local reply = redis.pcall(unpack(args))
  if type(reply) == 'table' and reply.err then
    if not string.find(reply.err, 'equal or smaller', 1, true) then return redis.error_reply(reply.err) end
  else
    added = added + 1
  end
  i = i + 2 + 2 * count
end
return added
`,
)

/**
 * Moves the router's cursor forward, never back (a router that was paused past its lease and resumes
 * cannot rewind it). KEYS: cursor. ARGV: the id. Ids compare as (ms, seq) by length, then digits.
 */
export const ADVANCE_CURSOR = script(
  'advanceCursor',
  `#!lua
local function less(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end
local function older(a, b)
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  if ams ~= bms then return less(ams, bms) end
  return less(aseq, bseq)
end
local current = redis.call('GET', KEYS[1]) or '0-0'
if older(current, ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
return 0
`,
)
