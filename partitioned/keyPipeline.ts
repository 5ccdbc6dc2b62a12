import { from, type Observable, type ObservableInput, Subject, type Subscription } from 'rxjs'
import { OperatorState } from '../operators/state'
import { describeValue } from '../src/errors'
import type { SnapshotHeader } from '../src/snapshot'
import { checkString } from '../src/validate'

/** What `runPartitioned` hands each key's pipeline besides its values. */
export interface PartitionContext {
  /** The key whose values the pipeline sees (`String(key(value))`). */
  readonly key: string
  /** The partition the key lives in. */
  readonly partition: number
  /**
   * A named state handle, restored from the key's stored state and captured at each commit: give it
   * to a stateful operator's `state` option (`dtwMatch`, `ltlGuard`, `checkpointedScan`, ...). The
   * same name gives the same handle within one build of the pipeline; one handle per operator.
   * Throws a `TypeError`/`RangeError` when `name` is not a non-empty string.
   */
  state<S extends SnapshotHeader = SnapshotHeader>(name: string): OperatorState<S>
}

/** A key's pipeline, as `runPartitioned` takes it: called once per key (and again after it errors or completes). */
export type KeyPipelineFactory<T, R> = (values$: Observable<T>, ctx: PartitionContext) => ObservableInput<R>

/** Called when a pipeline emits, errors or completes outside `push`: it is asynchronous. */
export type AsyncViolation = (error: TypeError) => void

/** The outcome of pushing one value: the outputs emitted while it was pushed, or the pipeline's error. */
export type PushResult = { readonly outputs: unknown[] } | { readonly error: unknown }

/**
 * One key's live pipeline: a Subject feeding the user's pipeline, its named state handles, and the
 * check that every output is emitted synchronously while a value is pushed.
 * @internal
 */
export class KeyPipeline<T> {
  readonly #handles = new Map<string, OperatorState>()
  readonly #subject = new Subject<T>()
  #subscription: Subscription | undefined
  #collecting: unknown[] | undefined
  #failure: { error: unknown } | undefined
  #completed = false
  #building = true

  /** Builds the pipeline of `key` from `initial` (its stored state: `{ [name]: snapshot }`). */
  constructor(
    factory: KeyPipelineFactory<T, unknown>,
    readonly key: string,
    readonly partition: number,
    initial: Readonly<Record<string, SnapshotHeader>>,
    onViolation: AsyncViolation,
  ) {
    const where = `the pipeline of key ${JSON.stringify(key)} (partition ${partition})`
    const outside = (what: string) =>
      new TypeError(
        `runPartitioned: ${where} ${what} outside the processing of an input value (a timer, a delay, a promise?): ` +
          'partitioned pipelines must be synchronous, deterministic functions of their input (event time from the data, seeded randomness)',
      )
    const ctx: PartitionContext = {
      key,
      partition,
      state: <S extends SnapshotHeader>(name: string): OperatorState<S> => {
        checkString('runPartitioned: ctx.state', 'name', name)
        let handle = this.#handles.get(name)
        if (handle === undefined) this.#handles.set(name, (handle = new OperatorState(initial[name])))
        return handle as OperatorState<S>
      },
    }
    try {
      this.#subscription = from(factory(this.#subject.asObservable(), ctx)).subscribe({
        next: value => {
          if (this.#collecting !== undefined) this.#collecting.push(value)
          else onViolation(outside(this.#building ? 'emitted while it was being built,' : 'emitted'))
        },
        error: error => {
          this.#failure = { error }
          if (this.#collecting === undefined && !this.#building) onViolation(outside('errored'))
        },
        complete: () => {
          this.#completed = true
        },
      })
    } catch (error) {
      this.#failure = { error }
    }
    this.#building = false
  }

  /** Whether the pipeline can take no more values (it errored or completed): build a new one from `states()`. */
  get finished(): boolean {
    return this.#failure !== undefined || this.#completed
  }

  /** Pushes one value; returns what the pipeline emitted meanwhile, or its error (it is then finished). */
  push(value: T): PushResult {
    if (this.#failure !== undefined) return { error: this.#failure.error }
    const outputs: unknown[] = []
    this.#collecting = outputs
    try {
      this.#subject.next(value)
    } catch (error) {
      this.#failure ??= { error }
    } finally {
      this.#collecting = undefined
    }
    return this.#failure !== undefined ? { error: this.#failure.error } : { outputs }
  }

  /** The snapshots of the named handles, now: `{ [name]: snapshot }` (handles never used are left out). */
  states(): Record<string, SnapshotHeader> {
    const states: Record<string, SnapshotHeader> = {}
    for (const [name, handle] of this.#handles) {
      const snapshot = handle.snapshot()
      if (snapshot !== undefined) states[name] = snapshot
    }
    return states
  }

  /** The states as the JSON text the broker stores. Throws a `TypeError` naming the key when a snapshot is not JSON-safe. */
  stateText(): string {
    try {
      return JSON.stringify(this.states())
    } catch (error) {
      throw new TypeError(
        `runPartitioned: the state of key ${JSON.stringify(this.key)} is not JSON-safe: ${error instanceof Error ? error.message : describeValue(error)}`,
      )
    }
  }

  /** Unsubscribes the pipeline (its handles keep the state at this moment). */
  dispose(): void {
    this.#collecting = undefined
    this.#subscription?.unsubscribe()
    this.#subject.complete()
  }
}

/** Parses a key's stored state text into `{ [name]: snapshot }`; `undefined` (never seen) gives `{}`. */
export function parseKeyState(key: string, text: string | undefined): Record<string, SnapshotHeader> {
  if (text === undefined) return {}
  const parsed: unknown = JSON.parse(text)
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new TypeError(
      `runPartitioned: the stored state of key ${JSON.stringify(key)} must be a JSON object of snapshots, got ${describeValue(text)}`,
    )
  return parsed as Record<string, SnapshotHeader>
}
