/**
 * `toAsyncIterable`: an Observable read by pulling (`for await`), with a bounded buffer between the
 * push side and the pull side, and cancellation by `break`, `return()` or an AbortSignal.
 */
import { Observable, type Subscriber, type Subscription } from 'rxjs'
import { BufferOverflowError, describeValue } from '../errors'
import { checkInteger, checkOneOf, checkOptions } from '../validate'

const FN = 'toAsyncIterable'

/** What `toAsyncIterable` does with a value that arrives while its buffer is full. */
export type OverflowPolicy = 'error' | 'drop-newest' | 'drop-oldest'

/** Options of {@link toAsyncIterable}. */
export interface ToAsyncIterableOptions {
  /**
   * Most values held while the consumer is not pulling (an integer >= 1, or `Infinity`); the buffer
   * never holds more. Default 1024.
   */
  highWaterMark?: number
  /**
   * A value arriving while `highWaterMark` values wait: `'error'` (the default) unsubscribes the
   * source and ends the iteration with a `BufferOverflowError` after the values already buffered;
   * `'drop-newest'` discards the arriving value, `'drop-oldest'` the oldest buffered one; both count
   * it in the iterator's `dropped`.
   */
  overflow?: OverflowPolicy
  /** Aborting it unsubscribes the source, discards the buffer and rejects the pending `next()` with the signal's reason. */
  signal?: AbortSignal
}

/** The iterator `toAsyncIterable` hands out: an async iterator with its buffer's counters. */
export interface BufferedAsyncIterator<T> extends AsyncIterableIterator<T> {
  /** Values waiting for the consumer now. */
  readonly buffered: number
  /** The most values that ever waited at once (never above `highWaterMark`). */
  readonly highestBuffered: number
  /** Values discarded by a `'drop-newest'` or `'drop-oldest'` overflow policy. */
  readonly dropped: number
}

/**
 * An async iterable of the values of an Observable; each iteration subscribes anew. It takes ix's
 * per-iteration signal, so IxJS operators (`filter(p)(iterable)`, `from(iterable).pipe(...)`) apply
 * to it; it is not itself an ix `AsyncIterableX`, which would add 3 KB (gzip) to the browser core.
 */
export class ObservableAsyncIterable<T> implements AsyncIterable<T> {
  constructor(
    private readonly source: Observable<T>,
    private readonly highWaterMark: number,
    private readonly overflow: OverflowPolicy,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** A new iterator; it subscribes to the source on its first `next()`. `signal` is ix's per-iteration signal. */
  [Symbol.asyncIterator](signal?: AbortSignal): BufferedAsyncIterator<T> {
    const signals = [this.signal, signal].filter((s): s is AbortSignal => s !== undefined)
    return new ObservableIterator(this.source, this.highWaterMark, this.overflow, signals)
  }
}

/**
 * Reads an Observable by pulling: an async iterable whose iterator subscribes to the source on its
 * first `next()` and hands the values out in order (IxJS operators apply to it: `from(it).pipe(...)`). Values that arrive while nobody
 * pulls wait in a buffer of at most `highWaterMark`; an Observable cannot be paused, so a value
 * beyond that bound either ends the iteration with a `BufferOverflowError` naming the bound (the
 * default) or is dropped and counted (`overflow: 'drop-newest' | 'drop-oldest'`).
 *
 * Emits: every value of the source, in order. Completes when the source completes and the buffer
 * is drained. Errors: the source's error (or the overflow error), after the values that came before
 * it. `break` / `return()` unsubscribes the source at once and discards the buffer; aborting
 * `signal` does the same and rejects with the signal's reason.
 *
 * Bad options throw a `TypeError` or `RangeError` naming `toAsyncIterable` and the value.
 *
 * ```ts
 * import { interval, take } from 'rxjs'
 * import { from } from 'ix/asynciterable'
 * import { filter } from 'ix/asynciterable/operators'
 * import { toAsyncIterable } from 'midstream'
 * for await (const x of toAsyncIterable(interval(10).pipe(take(5)), { highWaterMark: 16 })) console.log(x)
 * const evens = from(toAsyncIterable(interval(10))).pipe(filter(x => x % 2 === 0)) // an ix AsyncIterableX
 * ```
 */
export function toAsyncIterable<T>(
  source: Observable<T>,
  options?: ToAsyncIterableOptions,
): ObservableAsyncIterable<T> {
  if (!(source instanceof Observable) && typeof (source as { subscribe?: unknown })?.subscribe !== 'function')
    throw new TypeError(`${FN}: source must be an Observable, got ${describeValue(source)}`)
  const o = checkOptions(FN, options, ['highWaterMark', 'overflow', 'signal'])
  const highWaterMark =
    o.highWaterMark === Infinity ? Infinity : checkInteger(FN, 'highWaterMark', o.highWaterMark ?? 1024, { min: 1 })
  const overflow = checkOneOf(FN, 'overflow', o.overflow ?? 'error', ['error', 'drop-newest', 'drop-oldest'])
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
    throw new TypeError(`${FN}: signal must be an AbortSignal, got ${describeValue(o.signal)}`)
  return new ObservableAsyncIterable(source, highWaterMark, overflow, o.signal)
}

interface Waiter<T> {
  resolve(result: IteratorResult<T, undefined>): void
  reject(error: unknown): void
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined })

/** The bridge itself: a ring buffer between the source's pushes and the consumer's pulls. */
class ObservableIterator<T> implements BufferedAsyncIterator<T> {
  private ring: (T | undefined)[] = []
  private head = 0
  private size = 0
  private readonly waiters: Waiter<T>[] = []
  private subscriber: Subscriber<T> | null = null
  private subscription: Subscription | null = null
  private started = false
  /** Unsubscribed, or the source ended: no value will be buffered any more. */
  private stopped = false
  /** The source's end, handed out once the buffer is drained. */
  private ending: { error: unknown } | 'complete' | null = null
  /** The end was handed out (or the iteration cancelled): every `next()` is done. */
  private finished = false
  highestBuffered = 0
  dropped = 0
  private readonly onAbort = (): void => this.abort()

  constructor(
    private readonly source: Observable<T>,
    private readonly highWaterMark: number,
    private readonly overflow: OverflowPolicy,
    private readonly signals: readonly AbortSignal[],
  ) {}

  get buffered(): number {
    return this.size
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.size > 0) return Promise.resolve({ done: false, value: this.shift() })
    if (this.finished) return Promise.resolve(DONE)
    if (this.ending !== null) return this.end()
    const pending = new Promise<IteratorResult<T, undefined>>((resolve, reject) => {
      this.waiters.push({ resolve, reject })
    })
    if (!this.started) this.start()
    return pending
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.cancel()
    for (const waiter of this.waiters.splice(0)) waiter.resolve(DONE)
    return Promise.resolve(DONE)
  }

  private start(): void {
    this.started = true
    for (const signal of this.signals) {
      if (signal.aborted) return this.abort()
      signal.addEventListener('abort', this.onAbort, { once: true })
    }
    // the inner subscriber lets an overflow stop a source that is still emitting synchronously
    // inside subscribe(), before subscribe() has returned a Subscription
    const bridged = new Observable<T>(subscriber => {
      this.subscriber = subscriber
      return this.source.subscribe(subscriber)
    })
    this.subscription = bridged.subscribe({
      next: value => this.push(value),
      error: (error: unknown) => this.settle({ error }),
      complete: () => this.settle('complete'),
    })
    if (this.stopped) this.subscription.unsubscribe()
  }

  private push(value: T): void {
    if (this.stopped) return
    const waiter = this.waiters.shift()
    if (waiter !== undefined) return waiter.resolve({ done: false, value })
    if (this.size < this.highWaterMark) return this.enqueue(value)
    if (this.overflow === 'drop-newest') {
      this.dropped++
    } else if (this.overflow === 'drop-oldest') {
      this.dropped++
      this.shift()
      this.enqueue(value)
    } else {
      this.unsubscribe()
      this.settle({ error: new BufferOverflowError(this.highWaterMark, FN, 'the consumer') })
    }
  }

  /** Records the source's end; hands it out now if a consumer waits (the buffer is then empty). */
  private settle(ending: { error: unknown } | 'complete'): void {
    if (this.ending !== null || this.finished) return
    this.stopped = true
    this.ending = ending
    this.release()
    if (this.waiters.length === 0) return
    const first = this.waiters.shift() as Waiter<T>
    this.end().then(first.resolve, first.reject)
    for (const waiter of this.waiters.splice(0)) waiter.resolve(DONE)
  }

  private end(): Promise<IteratorResult<T, undefined>> {
    this.finished = true
    const ending = this.ending
    return ending === 'complete' || ending === null ? Promise.resolve(DONE) : Promise.reject(ending.error)
  }

  private abort(): void {
    if (this.finished) return
    const reason = this.signals.find(s => s.aborted)?.reason
    this.cancel()
    const first = this.waiters.shift()
    if (first !== undefined) {
      first.reject(reason)
      for (const waiter of this.waiters.splice(0)) waiter.resolve(DONE)
    } else {
      // nobody waits: the next pull learns of the abort
      this.finished = false
      this.ending = { error: reason }
    }
  }

  private cancel(): void {
    this.unsubscribe()
    this.finished = true
    this.ring = []
    this.head = 0
    this.size = 0
    this.release()
  }

  private unsubscribe(): void {
    this.stopped = true
    this.subscriber?.unsubscribe()
    this.subscription?.unsubscribe()
  }

  private release(): void {
    for (const signal of this.signals) signal.removeEventListener('abort', this.onAbort)
  }

  private enqueue(value: T): void {
    let capacity = this.ring.length
    if (this.size === capacity) {
      capacity = Math.min(Math.max(16, capacity * 2), this.highWaterMark)
      const grown = new Array<T | undefined>(capacity)
      for (let i = 0; i < this.size; i++) grown[i] = this.ring[(this.head + i) % this.ring.length]
      this.ring = grown
      this.head = 0
    }
    this.ring[(this.head + this.size) % capacity] = value
    this.size++
    if (this.size > this.highestBuffered) this.highestBuffered = this.size
  }

  private shift(): T {
    const value = this.ring[this.head] as T
    this.ring[this.head] = undefined
    this.head = this.head + 1 === this.ring.length ? 0 : this.head + 1
    this.size--
    return value
  }
}
