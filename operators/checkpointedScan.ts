import { Observable, type OperatorFunction } from 'rxjs'
import { checkSnapshot, type SnapshotHeader } from '../src/snapshot'
import { checkFunction, checkOptions } from '../src/validate'
import { attachState, checkStateOption } from './internal/attachState'
import { subscribeLinked } from './internal/subscribeLinked'
import type { OperatorState } from './state'

/** `checkpointedScan`'s snapshot: the accumulator as JSON and how many values it has seen. */
export interface CheckpointedScanSnapshot extends SnapshotHeader {
  /** Always `'checkpointedScan'`. */
  readonly kind: 'checkpointedScan'
  /** The layout's version (1). */
  readonly version: number
  /** How many values the accumulator has seen (the next one gets this index). */
  readonly index: number
  /** The accumulator, as `toJSON` gave it. */
  readonly value: unknown
}

/** Options of `checkpointedScan`; an unknown name is a `TypeError` at call time. */
export interface CheckpointedScanOptions<A> {
  /** A handle from `operatorState()` that starts the scan from a snapshot and hands out its current one. */
  state?: OperatorState<CheckpointedScanSnapshot>
  /** The accumulator as JSON-safe data. Default: a deep copy through `JSON.stringify` and `JSON.parse`. */
  toJSON?: (accumulator: A) => unknown
  /** The accumulator from what `toJSON` gave. Default: the data itself. */
  fromJSON?: (json: unknown) => A
}

const FN = 'checkpointedScan'
const VERSION = 1
const OPTIONS = ['state', 'toJSON', 'fromJSON']

/**
 * RxJS `scan` whose accumulator can be checkpointed and restored: a user's own state next to
 * midstream's stateful operators, in a pipeline that is snapshotted and resumed elsewhere
 * (`runPartitioned`, or by hand through `operatorState`).
 *
 * Emits: the accumulator after each value, `accumulator(acc, value, index)` with `index` counting
 * from the start of the whole run (a restored scan continues the count). Completes when the source
 * completes; source errors pass through. A throwing `accumulator` errors the stream with its error.
 * The accumulator must survive `toJSON` then `fromJSON` unchanged for a restored run to equal an
 * uninterrupted one: plain objects, arrays, numbers, strings, booleans and `null` do by default; give
 * both functions for a `Map`, a class or a typed array.
 *
 * ```ts
 * const state = operatorState(saved)
 * orders$.pipe(checkpointedScan((total, order) => total + order.amount, 0, { state }))
 * ```
 * @see operatorState; RxJS `scan`, the same without checkpoints.
 */
export function checkpointedScan<T, A>(
  accumulator: (acc: A, value: T, index: number) => A,
  seed: A,
  options: CheckpointedScanOptions<A> = {},
): OperatorFunction<T, A> {
  checkFunction(FN, 'accumulator', accumulator, false)
  checkOptions(FN, options, OPTIONS)
  const state = checkStateOption<CheckpointedScanSnapshot>(FN, options.state)
  const toJSON = checkFunction<(acc: A) => unknown>(FN, 'toJSON', options.toJSON) ?? deepCopy
  const fromJSON =
    checkFunction<(json: unknown) => A>(FN, 'fromJSON', options.fromJSON) ?? ((json: unknown) => json as A)

  return source =>
    new Observable<A>(subscriber => {
      let acc = seed
      let index = 0
      const capture = (): CheckpointedScanSnapshot => ({ kind: FN, version: VERSION, index, value: toJSON(acc) })
      const restore = (snapshot: CheckpointedScanSnapshot): void => {
        const s = checkSnapshot<CheckpointedScanSnapshot>(FN, snapshot, FN, VERSION)
        if (!Number.isSafeInteger(s.index) || s.index < 0)
          throw new RangeError(`${FN}: the snapshot's index must be an integer >= 0, got ${s.index}`)
        acc = fromJSON(s.value)
        index = s.index
      }
      if (!attachState(FN, state, subscriber, restore, capture)) return

      subscribeLinked(subscriber, source, {
        next(value) {
          try {
            acc = accumulator(acc, value, index)
          } catch (error) {
            subscriber.error(error)
            return
          }
          index++
          subscriber.next(acc)
        },
        error: error => subscriber.error(error),
        complete: () => subscriber.complete(),
      })
    })
}

function deepCopy(value: unknown): unknown {
  const text = JSON.stringify(value)
  return text === undefined ? null : JSON.parse(text)
}
