/**
 * `BrokerHarness` (test/support/brokerContract.ts) for `createRedisBroker` on a real server or
 * cluster: every harness is a new pipeline name, every `open()` a new link; time passes for real.
 */
import type { CommittedOutput, DeadLetter, PartitionBroker } from '../../partitioned/broker'
import { createRedisBroker, redisPartitionKeys, redisPipelineKeys } from '../../redis/broker'
import { openRedis, type RedisConnection, type RedisLink } from '../../redis/connection'
import type { BrokerHarness, MakeBrokerHarness } from './brokerContract'

let pipelines = 0

/** A fresh pipeline name, unique in this process and across runs on the same server. */
export function pipelineName(prefix = 'contract'): string {
  pipelines++
  return `${prefix}-${process.pid}-${pipelines}-${Math.random().toString(36).slice(2, 8)}`
}

/** The fields of a stream entry as an object. */
function fieldsOf(fields: readonly unknown[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) out[String(fields[i])] = String(fields[i + 1])
  return out
}

/** XRANGE of a whole stream: `[id, fields]` pairs. */
export async function entriesOf(link: RedisLink, stream: string): Promise<[string, Record<string, string>][]> {
  const reply = await link.send<[string, unknown[]][]>(stream, ['XRANGE', stream, '-', '+'])
  return reply.map(([id, fields]) => [String(id), fieldsOf(fields)])
}

/** Makes harnesses on `redis`; `choose` may pick the pipeline name (e.g. one that spreads over a cluster). */
export function redisHarness(
  redis: RedisConnection,
  choose: (control: RedisLink) => Promise<string> = async () => pipelineName(),
): MakeBrokerHarness {
  return async ({ partitions, leaseMs, key }) => {
    const control = await openRedis('test', redis)
    const name = await choose(control)
    const config = { name, input: `in-${name}`, output: `out-${name}`, partitions, key, leaseMs }
    const opened: PartitionBroker[] = []
    const parts = Array.from({ length: partitions }, (_, p) => redisPartitionKeys(config, p))
    const shared = redisPipelineKeys(config)
    const harness: BrokerHarness = {
      config,
      async open() {
        const broker = await createRedisBroker(await openRedis('test', redis), config)
        opened.push(broker)
        return broker
      },
      append: raw => control.send<string>(config.input, ['XADD', config.input, '*', 'value', raw]),
      appendWithoutValue: () => control.send<string>(config.input, ['XADD', config.input, '*', 'other', 'x']),
      async outputs(p) {
        return (await entriesOf(control, parts[p].output)).map(
          ([, f]): CommittedOutput => ({ key: f.key, value: f.value, inputId: f.input }),
        )
      },
      async deadLetters() {
        const routed = (await entriesOf(control, shared.deadLetters)).map(
          ([id, f]): DeadLetter => ({ id, reason: f.reason, value: f.value }),
        )
        const processed = await Promise.all(
          parts.map(async keys =>
            (await entriesOf(control, keys.deadLetters)).map(
              ([, f]): DeadLetter => ({ id: f.id, key: f.key, reason: f.reason, value: f.value }),
            ),
          ),
        )
        return [...routed, ...processed.flat()]
      },
      elapse: ms => new Promise(resolve => setTimeout(resolve, ms)),
      async rewindRouter() {
        await control.send(shared.cursor, ['DEL', shared.cursor])
      },
      async close() {
        await Promise.all(opened.map(broker => broker.close()))
        await control.close()
      },
    }
    return harness
  }
}
