import type { SnapshotHeader } from '../src/snapshot'

/**
 * A handle through which a stateful operator (`dtwMatch`, `attractorWindow`, `ltlGuard`, `ltlVerdicts`,
 * `metaLearn`, `checkpointedScan`) starts from a saved snapshot and hands out its current one, so that a
 * pipeline can be checkpointed and resumed in another process.
 *
 * Give the handle to the operator's `state` option. While the operator is subscribed, `snapshot()`
 * returns its state at that moment: JavaScript runs one element at a time, so a snapshot taken
 * outside the operator's own processing always falls between two elements. After the subscription
 * ends (completion, error, unsubscription) `snapshot()` keeps returning the state at its end. Each
 * new subscription starts from the latest snapshot (so a `retry` continues where it stopped), or from
 * nothing when the handle was created empty. Snapshots are plain JSON-safe objects: store them with
 * `JSON.stringify` and give `JSON.parse`'s result to a new handle.
 *
 * A handle serves one subscription at a time: subscribing a second operator with the same handle
 * while the first is live errors the second with a `TypeError`.
 *
 * ```ts
 * const saved = await load() // a snapshot from an earlier run, or undefined
 * const state = operatorState<DtwMatchSnapshot>(saved)
 * readings$.pipe(dtwMatch({ spike }, { threshold: 4, state })).subscribe(report)
 * // at a checkpoint, between elements:
 * await store(JSON.stringify(state.snapshot()))
 * ```
 * @see operatorState, the factory; checkpointedScan for a user's own state.
 */
export class OperatorState<S extends SnapshotHeader = SnapshotHeader> {
  #latest: S | undefined
  #live: (() => S) | undefined

  /** A handle that starts operators from `initial` (a snapshot, possibly through JSON), or from nothing. */
  constructor(initial?: S) {
    this.#latest = initial
  }

  /** Whether an operator holds the handle now. */
  get attached(): boolean {
    return this.#live !== undefined
  }

  /**
   * The operator's state: live while an operator is subscribed with this handle, else the state at the
   * end of the last subscription, else the initial snapshot (`undefined` for an empty handle).
   */
  snapshot(): S | undefined {
    return this.#live === undefined ? this.#latest : this.#live()
  }

  /**
   * For operators: called at subscription with a function that captures the current state; returns the
   * snapshot to start from. Prefer the shared helper `attachState` in `operators/internal/attachState.ts`.
   * @internal
   */
  attach(fn: string, capture: () => S): S | undefined {
    if (this.#live !== undefined)
      throw new TypeError(`${fn}: the state handle is already in use by another subscription; give each its own`)
    this.#live = capture
    return this.#latest
  }

  /**
   * For operators: called when the subscription ends; keeps the state at that moment (or, with
   * `keep: false`, after a failed restore, keeps the snapshot it had).
   * @internal
   */
  detach(capture: () => S, keep = true): void {
    if (this.#live !== capture) return
    this.#live = undefined
    if (keep) this.#latest = capture()
  }
}

/**
 * A state handle for a stateful operator, empty or starting from `initial` (a snapshot the operator
 * handed out earlier, possibly through `JSON.stringify` and `JSON.parse`).
 *
 * ```ts
 * const state = operatorState()
 * const guarded$ = answer$.pipe(ltlGuard('G !secret', { atoms, state }))
 * // later: JSON.stringify(state.snapshot())
 * ```
 * @see OperatorState
 */
export function operatorState<S extends SnapshotHeader = SnapshotHeader>(initial?: S): OperatorState<S> {
  return new OperatorState(initial)
}
