import { fc } from '@fast-check/vitest'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { CommitBatch, CommitResult, PartitionBroker, PartitionLease } from '../../partitioned/broker'
import { createRedisBroker, redisPartitionKeys } from '../../redis/broker'
import { openRedis, type RedisLink } from '../../redis/connection'
import { pipelineName } from '../support/redisBrokerHarness'
import { type RedisServer, startRedis } from '../support/redisServer'

let server: RedisServer
beforeAll(async () => {
  server = await startRedis({ aof: true })
})
afterAll(async () => {
  await server?.stop()
})

const BATCHES = 150
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
const idOf = (b: number) => (b === 0 ? '0-0' : `${b}-0`)

/** Batch `b` (ids `b-0` to `(b+1)-0`): `width + b % 3` outputs, one dead letter, a running count and one key per batch. */
function batchOf(lease: PartitionLease, b: number, width: number): CommitBatch {
  const outputs = Array.from({ length: width + (b % 3) }, (_, j) => ({
    key: `k${j}`,
    value: `${b}.${j}`,
    inputId: idOf(b + 1),
  }))
  return {
    lease,
    previousId: idOf(b),
    lastId: idOf(b + 1),
    inputIds: [idOf(b + 1)],
    outputs,
    deadLetters: [{ id: idOf(b + 1), reason: `batch ${b}` }],
    states: new Map<string, string | null>([
      ['count', String(b + 1)],
      [`batch${b}`, 'in'],
      [`batch${b - 1}`, null],
    ]),
  }
}

/** What the partition must hold once batches 0..m-1 are in, and nothing of the others. */
function expected(lease: PartitionLease, m: number, width: number) {
  const batches = Array.from({ length: m }, (_, b) => batchOf(lease, b, width))
  return {
    lastId: idOf(m),
    outputs: batches.flatMap(batch => batch.outputs.map(o => [o.key, o.value, o.inputId].join(' '))),
    dead: batches.map(batch => batch.deadLetters[0].reason),
    states: m === 0 ? {} : { count: String(m), [`batch${m - 1}`]: 'in' },
  }
}

/** The partition's last id, outputs, dead letters and states, read at one instant (one script). */
async function snapshotOf(link: RedisLink, keys: ReturnType<typeof redisPartitionKeys>) {
  const [lastId, outputs, dead, states] = await link.send<[string, string[], string[], string[]]>(keys.lastId, [
    'EVAL',
    `#!lua flags=no-writes
local function fields(stream, names)
  local out = {}
  for _, entry in ipairs(redis.call('XRANGE', stream, '-', '+')) do
    local f = {}
    for i = 1, #entry[2], 2 do f[entry[2][i]] = entry[2][i + 1] end
    local parts = {}
    for _, name in ipairs(names) do parts[#parts + 1] = f[name] end
    out[#out + 1] = table.concat(parts, ' ')
  end
  return out
end
return { redis.call('GET', KEYS[1]) or '0-0', fields(KEYS[2], { 'key', 'value', 'input' }), fields(KEYS[3], { 'reason' }), redis.call('HGETALL', KEYS[4]) }`,
    '4',
    keys.lastId,
    keys.output,
    keys.deadLetters,
    keys.states,
  ])
  const stateObject: Record<string, string> = {}
  for (let i = 0; i < states.length; i += 2) stateObject[states[i]] = states[i + 1]
  return { lastId, outputs, dead, states: stateObject }
}

/** Commits until the broker answers (a connection error or a loading server: try again). */
async function commitThrough(
  broker: PartitionBroker,
  batch: CommitBatch,
  paused: () => boolean,
): Promise<CommitResult> {
  for (;;) {
    while (paused()) await sleep(5)
    try {
      return await broker.commit(batch)
    } catch {
      await sleep(10)
    }
  }
}

it('keeps every commit whole or absent across kill -9 of the server mid-loop (AOF, appendfsync always)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: BATCHES / 2 }),
      fc.integer({ min: 1, max: 6 }),
      async (killAfter, width) => {
        const name = pipelineName('crash')
        const config = { name, input: `in-${name}`, output: `out-${name}`, partitions: 1, key: String, leaseMs: 60_000 }
        const keys = redisPartitionKeys(config, 0)
        const broker = await createRedisBroker(await openRedis('test', server.url), config)
        let control: RedisLink | undefined
        try {
          const { leases } = await broker.balance('w', [])
          let paused = false
          let done = false
          let committed = 0
          let atCrash: Awaited<ReturnType<typeof snapshotOf>> | undefined
          const crash = (async () => {
            // after a number of commits, not of ms: however fast the disk, the kill lands mid-loop
            while (committed < killAfter) await sleep(1)
            paused = true
            const finishedFirst = done
            await server.restart()
            control = await openRedis('test', server.url)
            atCrash = await snapshotOf(control, keys)
            paused = false
            return finishedFirst
          })()
          for (let b = 0; b < BATCHES; b++) {
            expect(await commitThrough(broker, batchOf(leases[0], b, width), () => paused)).toBe('committed')
            committed++
          }
          done = true
          expect(await crash).toBe(false) // the server died while the loop ran
          const m = Number(atCrash?.lastId.split('-')[0])
          expect(atCrash).toEqual(expected(leases[0], m, width))
          expect(await snapshotOf(control as RedisLink, keys)).toEqual(expected(leases[0], BATCHES, width))
        } finally {
          await broker.close()
          await control?.close()
        }
      },
    ),
    { numRuns: 4 },
  )
}, 60_000)
