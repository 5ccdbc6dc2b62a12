import { config, Observable, type Subscriber, type TeardownLogic } from 'rxjs'
import { describeValue } from '../errors'
import { checkOptions } from '../validate'

/**
 * What `fromAsyncIterable` pulls from: an async iterable, or a function that makes one from the
 * `AbortSignal` it is handed (called once per subscription; it may return a promise of the iterable,
 * as `client.chat.completions.create({ stream: true }, { signal })` of the `openai` SDK does).
 */
export type AsyncIterableSource<T> =
  | AsyncIterable<T>
  | ((signal: AbortSignal) => AsyncIterable<T> | PromiseLike<AsyncIterable<T>>)

/** `fromAsyncIterable`'s options. */
export interface FromAsyncIterableOptions {
  /** Ends the Observable with an error (the signal's reason) when aborted, stopping the producer as an unsubscription does. */
  signal?: AbortSignal
}

const FN = 'fromAsyncIterable'
const OPTION_NAMES: readonly string[] = ['signal']

/**
 * An Observable that pulls an async iterable: it asks for the next value only after emitting the
 * previous one, so a slow consumer is never handed more than one value at a time.
 *
 * When `source` is a function, each subscription calls it with the signal of a fresh
 * `AbortController`; hand that signal to the producer (an SDK request, a `fetch`) and the producer
 * stops when the Observable ends early: one line makes a guard's cut-off abort the request.
 *
 * Emits: each value of the iterable, in order. Completes when the iterator reports `done`. Errors
 * with what the iterator's `next()` (or the function, or its promise) throws, after the values
 * before it; with the `signal` option's reason when that signal aborts; and with a `TypeError`
 * naming the value when the function returns something that is not an async iterable.
 *
 * Cancellation: unsubscribing (a `take`, a guard that completes or errors downstream, an aborted
 * `signal`) aborts the handed signal and calls the iterator's `return()` at once, even while a
 * `next()` is still pending (RxJS's own `from(asyncIterable)` waits for that next value first), and
 * `next()` is never called again. An iterator that threw is not `return()`ed (it is finished), but
 * the signal is still aborted so the producer lets go of its connection; an iterator that completed
 * is left alone. A pending `next()` that fails after the subscriber left (most often with the abort
 * itself) is dropped; a `return()` that throws or rejects goes to RxJS's `config.onUnhandledError`
 * when one is set, and is dropped otherwise: nothing is left as an unhandled rejection.
 *
 * Bad input: a `source` that is neither an async iterable nor a function, a `signal` that is not an
 * `AbortSignal`, or an unknown option throws a `TypeError` naming it at call time.
 *
 * @param source - an async iterable (pulled anew by each subscription: many, such as SDK streams,
 *   can be iterated once only), or a function `(signal) => iterable | Promise<iterable>`.
 * @param options - `signal`: an outer signal that ends the Observable.
 * @example
 * import OpenAI from 'openai'
 * const client = new OpenAI()
 * fromAsyncIterable(signal =>
 *   client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }, { signal }),
 * ).pipe(
 *   map(chunk => chunk.choices[0]?.delta?.content ?? ''),
 *   ltlGuard('G !secret', { atoms: { secret: t => /password/i.test(t) }, onViolation: 'complete' }),
 * ) // the violation completes the stream, which aborts the HTTP request
 */
export function fromAsyncIterable<T>(
  source: AsyncIterableSource<T>,
  options?: FromAsyncIterableOptions,
): Observable<T> {
  const { signal } = checkOptions(FN, options, OPTION_NAMES)
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new TypeError(`${FN}: signal must be an AbortSignal, got ${describeValue(signal)}`)
  if (typeof source !== 'function' && !isAsyncIterable(source))
    throw new TypeError(
      `${FN}: source must be an AsyncIterable or a function (signal) => AsyncIterable, got ${describeValue(source)}`,
    )
  return new Observable<T>(subscriber => new Pull(source, signal, subscriber).start())
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  )
}

/** An error that reached no one: the subscriber had left. RxJS's hook gets it if the user set one. */
function reportLate(error: unknown): void {
  config.onUnhandledError?.(error)
}

/**
 * How the iterator ended, which decides what the teardown still owes it: still open (abort the
 * signal and call `return()`), threw (abort the signal to release the producer, no `return()`), or
 * done (nothing to release).
 */
const Ending = { Open: 0, Threw: 1, Done: 2 } as const
type Ending = (typeof Ending)[keyof typeof Ending]

/** One subscription's pull loop. */
class Pull<T> {
  private readonly controller = new AbortController()
  private iterator: AsyncIterator<T> | undefined
  private ending: Ending = Ending.Open

  constructor(
    private readonly source: AsyncIterableSource<T>,
    private readonly outer: AbortSignal | undefined,
    private readonly subscriber: Subscriber<T>,
  ) {}

  start(): TeardownLogic {
    const { outer, subscriber } = this
    if (outer?.aborted) {
      subscriber.error(outer.reason)
      return
    }
    const onAbort = () => subscriber.error(outer?.reason)
    outer?.addEventListener('abort', onAbort, { once: true })
    this.run().catch(reportLate) // run handles its own errors; this only keeps a bug from going unhandled
    return () => {
      outer?.removeEventListener('abort', onAbort)
      this.release()
    }
  }

  private release(): void {
    if (this.ending === Ending.Done) return
    const reason = this.outer?.aborted
      ? this.outer.reason
      : new DOMException(`${FN}: the subscriber left before the iterable ended`, 'AbortError')
    this.controller.abort(reason)
    if (this.ending === Ending.Open && this.iterator !== undefined) closeIterator(this.iterator)
  }

  private async run(): Promise<void> {
    const iterator = await this.open()
    if (iterator === undefined) return
    const { subscriber } = this
    while (!subscriber.closed) {
      let result: IteratorResult<T>
      try {
        result = await iterator.next()
      } catch (error) {
        this.ending = Ending.Threw
        subscriber.error(error) // a no-op when the subscriber left: then this is most often the abort itself
        return
      }
      if (subscriber.closed) return
      if (result === null || typeof result !== 'object') {
        this.ending = Ending.Threw
        subscriber.error(
          new TypeError(`${FN}: the iterator's next() gave ${describeValue(result)}, not a result object`),
        )
        return
      }
      if (result.done) {
        this.ending = Ending.Done
        subscriber.complete()
        return
      }
      subscriber.next(result.value)
    }
  }

  /** The iterator, or undefined when the stream already ended (an error sent, or the subscriber left). */
  private async open(): Promise<AsyncIterator<T> | undefined> {
    const { source, subscriber } = this
    let iterable: unknown
    try {
      iterable = typeof source === 'function' ? await source(this.controller.signal) : source
    } catch (error) {
      this.ending = Ending.Threw
      subscriber.error(error) // a no-op when the subscriber left (the function saw its signal aborted)
      return undefined
    }
    if (!isAsyncIterable(iterable)) {
      this.ending = Ending.Threw
      subscriber.error(
        new TypeError(`${FN}: the source function gave ${describeValue(iterable)}, which is not an AsyncIterable`),
      )
      return undefined
    }
    let iterator: AsyncIterator<T>
    try {
      iterator = (iterable as AsyncIterable<T>)[Symbol.asyncIterator]()
      if (iterator === null || typeof iterator !== 'object' || typeof iterator.next !== 'function')
        throw new TypeError(`${FN}: [Symbol.asyncIterator]() gave ${describeValue(iterator)}, not an iterator`)
    } catch (error) {
      this.ending = Ending.Threw
      subscriber.error(error)
      return undefined
    }
    // the subscriber left while the function's promise was pending: let go of what it made
    if (subscriber.closed) closeIterator(iterator)
    else this.iterator = iterator
    return subscriber.closed ? undefined : iterator
  }
}

/** Calls `return()`, if the iterator has one; what it throws or rejects with is reported late. */
function closeIterator(iterator: AsyncIterator<unknown>): void {
  try {
    const done = iterator.return?.()
    if (done !== undefined) Promise.resolve(done).catch(reportLate)
  } catch (error) {
    reportLate(error)
  }
}
