import type { Subscriber } from 'rxjs'
import { describeValue } from '../../src/errors'
import type { SnapshotHeader } from '../../src/snapshot'
import { OperatorState } from '../state'

/**
 * Checks an operator's `state` option at call time: an `OperatorState` or `undefined`.
 * @internal
 */
export function checkStateOption<S extends SnapshotHeader>(fn: string, state: unknown): OperatorState<S> | undefined {
  if (state === undefined || state instanceof OperatorState) return state as OperatorState<S> | undefined
  throw new TypeError(`${fn}: state must be a handle from operatorState(), got ${describeValue(state)}`)
}

/**
 * Connects one subscription of an operator to its `state` handle: restores the snapshot to start from
 * (if any) with `restore`, lets the handle call `capture` for the live state, and keeps the state at the
 * end of the subscription. Call it inside the subscribe function, before subscribing the source, so the
 * handle is detached (and the final state captured) before the operator's own teardown clears its
 * kernels. Returns false after erroring `subscriber` when the snapshot cannot be restored (another
 * operator's, another version, options that do not match) or the handle is in use.
 * @internal
 */
export function attachState<S extends SnapshotHeader>(
  fn: string,
  handle: OperatorState<S> | undefined,
  subscriber: Subscriber<unknown>,
  restore: (snapshot: S) => void,
  capture: () => S,
): boolean {
  if (handle === undefined) return true
  try {
    const start = handle.attach(fn, capture)
    if (start !== undefined) restore(start)
  } catch (error) {
    handle.detach(capture, false)
    subscriber.error(error)
    return false
  }
  subscriber.add(() => handle.detach(capture))
  return true
}
