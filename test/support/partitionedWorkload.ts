/**
 * The workload of issue 14's exactly-once tests and benchmarks: seeded sensor readings `{ key, t, x }`
 * over many keys, a per-key pipeline with state in three operators (dtwMatch, ltlGuard, a
 * checkpointedScan), and the oracle: each key's pipeline run once, uninterrupted, over that key's
 * readings in input order, with plain RxJS and no partitions, brokers or snapshots.
 */
import { map, merge, type Observable, Subject } from 'rxjs'
import { checkpointedScan } from '../../operators/checkpointedScan'
import { dtwMatch } from '../../operators/dtwMatch'
import { ltlGuard } from '../../operators/ltlGuard'
import { type OperatorState, operatorState } from '../../operators/state'
import type { SnapshotHeader } from '../../src/snapshot'
import { mulberry32 } from '../../src/stats/random'

/** One reading: a sensor's key, its event time (ms) and value. */
export interface Reading {
  readonly key: string
  readonly t: number
  readonly x: number
}

/** What a key's pipeline emits: a match of the spike template, or the running summary after each reading. */
export type WorkloadOutput =
  | {
      readonly kind: 'match'
      readonly start: number
      readonly end: number
      readonly distance: number
      readonly endTime?: number
    }
  | { readonly kind: 'step'; readonly n: number; readonly sum: number; readonly hot: number; readonly rule: string }

/** The part of runPartitioned's context the workload uses: named state handles of the key. */
export interface WorkloadContext {
  readonly key: string
  state<S extends SnapshotHeader>(name: string): OperatorState<S>
}

const SPIKE = [0, 3, 9, 3, 0]
const RULE = 'G (hot -> F[0,6] cool)'

/**
 * `count` readings over `keys` keys (`sensor-<i>`), reproducible from `seed`: a noisy level near 1 with,
 * now and then, the spike [0, 3, 9, 3, 0] spread over a key's next readings. Event time is the reading's
 * position in the log (ms), so it never decreases within a key.
 */
export function workloadReadings(count: number, keys: number, seed: number): Reading[] {
  const random = mulberry32(seed)
  const pendingSpike = new Int32Array(keys).fill(-1)
  const readings: Reading[] = []
  for (let i = 0; i < count; i++) {
    const k = Math.floor(random() * keys)
    let x = 1 + (random() - 0.5) * 1.2
    if (pendingSpike[k] >= 0) {
      x = SPIKE[pendingSpike[k]] + (random() - 0.5) * 0.4
      pendingSpike[k] = pendingSpike[k] + 1 < SPIKE.length ? pendingSpike[k] + 1 : -1
    } else if (random() < 0.02) pendingSpike[k] = 0
    readings.push({ key: `sensor-${k}`, t: i, x: Math.round(x * 1000) / 1000 })
  }
  return readings
}

/** The key of a reading, for runPartitioned's `key`. */
export const readingKey = (reading: unknown): string => (reading as Reading).key

/**
 * The pipeline of one key: SPRING matches of the spike (threshold 4), and after each reading the
 * running count and sum (a checkpointedScan) with the rule's verdict from ltlGuard. Synchronous and
 * deterministic: event time from the readings.
 */
export function workloadPipeline(values$: Observable<unknown>, ctx: WorkloadContext): Observable<WorkloadOutput> {
  const readings$ = values$ as Observable<Reading>
  const matches$ = readings$.pipe(
    dtwMatch({ spike: SPIKE }, { threshold: 4, select: r => r.x, time: r => r.t, state: ctx.state('dtw') }),
  )
  const steps$ = readings$.pipe(
    ltlGuard(RULE, {
      atoms: { hot: (r: Reading) => r.x > 8, cool: (r: Reading) => r.x < 2 },
      time: r => r.t,
      onViolation: 'annotate',
      state: ctx.state('ltl'),
    }),
    checkpointedScan(
      (acc: { n: number; sum: number; hot: number; rule: string }, a) => ({
        n: acc.n + 1,
        sum: Math.round((acc.sum + a.value.x) * 1000) / 1000,
        hot: acc.hot + (a.value.x > 8 ? 1 : 0),
        rule: a.verdicts[RULE],
      }),
      { n: 0, sum: 0, hot: 0, rule: 'unknown' },
      { state: ctx.state('scan') },
    ),
  )
  return merge(
    matches$.pipe(
      map(
        (m): WorkloadOutput => ({
          kind: 'match',
          start: m.start,
          end: m.end,
          distance: m.distance,
          endTime: m.endTime,
        }),
      ),
    ),
    steps$.pipe(map((s): WorkloadOutput => ({ kind: 'step', ...s }))),
  )
}

/**
 * The oracle: every key's pipeline run once over that key's readings, in input order, with fresh
 * state handles and no completion (a partitioned pipeline never completes, so its pending matches are
 * never flushed). Returns the outputs per key, in emission order.
 */
export function oracleOutputs(readings: readonly Reading[]): Map<string, WorkloadOutput[]> {
  const inputs = new Map<string, Subject<unknown>>()
  const outputs = new Map<string, WorkloadOutput[]>()
  for (const reading of readings) {
    let input = inputs.get(reading.key)
    if (input === undefined) {
      input = new Subject<unknown>()
      inputs.set(reading.key, input)
      const collected: WorkloadOutput[] = []
      outputs.set(reading.key, collected)
      const handles = new Map<string, OperatorState>()
      const ctx: WorkloadContext = {
        key: reading.key,
        state: <S extends SnapshotHeader>(name: string) => {
          let handle = handles.get(name)
          if (handle === undefined) handles.set(name, (handle = operatorState()))
          return handle as unknown as OperatorState<S>
        },
      }
      workloadPipeline(input, ctx).subscribe({
        next: output => collected.push(output),
        error: error => {
          throw error
        },
      })
    }
    input.next(reading)
  }
  return outputs
}
