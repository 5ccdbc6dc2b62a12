/**
 * The shared `PartitionBroker` contract (test/support/brokerContract.ts) run against the in-process
 * `MemoryBroker`, the broker `runPartitioned` uses without `redis`. Every worker of a harness shares
 * the one broker (as workers share one server); time is the broker's own clock, stepped by `elapse`.
 * The broker holds no entry without a `value` and keeps its router cursor private, so the two
 * optional cases (`appendWithoutValue`, `rewindRouter`) are not offered.
 */

import { MemoryBroker } from '../../partitioned/memoryBroker'
import type { BrokerHarness, MakeBrokerHarness } from '../support/brokerContract'
import { brokerContract } from '../support/brokerContract'

let pipelines = 0

/** A harness over a new `MemoryBroker` whose clock starts at 1e6 ms and moves only by `elapse`. */
const memoryHarness: MakeBrokerHarness = async ({ partitions, leaseMs, key }) => {
  let now = 1_000_000
  const broker = new MemoryBroker({
    name: `contract-${pipelines++}`,
    input: 'in',
    output: 'out',
    partitions,
    leaseMs,
    key,
    now: () => now,
  })
  const harness: BrokerHarness = {
    config: broker.config,
    open: async () => broker,
    append: async raw => broker.appendText(raw),
    outputs: async p => [...broker.outputs(p)],
    deadLetters: async () => [...broker.deadLetters()],
    elapse: async ms => {
      now += ms
    },
    close: () => broker.close(),
  }
  return harness
}

brokerContract('MemoryBroker', memoryHarness)
