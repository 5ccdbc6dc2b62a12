import { fc, test } from '@fast-check/vitest'
import { config, from, lastValueFrom, map, type Observable, take, toArray } from 'rxjs'
import { afterEach, describe, expect } from 'vitest'
import { fromAsyncIterable } from '../../../src/bridges/fromAsyncIterable'

/** How the producer hands out a value: at once, after a microtask, or after a macrotask. */
type Pace = 'sync' | 'micro' | 'macro'
const pace = fc.constantFrom<Pace>('sync', 'micro', 'macro')
const wait = (p: Pace): Promise<void> | undefined =>
  p === 'sync' ? undefined : p === 'micro' ? Promise.resolve() : new Promise(resolve => setImmediate(resolve))

/**
 * A hand-written async iterator that records every call (not a generator: a generator queues
 * `return()` behind a pending `next()`, which would hide when `return()` was called). Its `next()`
 * stays pending while `stallAt` is reached, until the signal it was made with aborts.
 */
class Recording<T> implements AsyncIterableIterator<T> {
  readonly calls: string[] = []
  returned = 0
  constructor(
    private readonly values: readonly T[],
    private readonly paces: readonly Pace[] = [],
    private readonly options: { failWith?: unknown; stallAt?: number; signal?: AbortSignal } = {},
  ) {}
  private i = 0
  async next(): Promise<IteratorResult<T>> {
    this.calls.push('next')
    if (this.returned > 0) throw new Error('next() after return()')
    const i = this.i++
    await wait(this.paces[i % Math.max(1, this.paces.length)] ?? 'sync')
    if (i === this.options.stallAt) {
      const signal = this.options.signal
      await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)))
    }
    if (i < this.values.length) return { done: false, value: this.values[i] }
    if (this.options.failWith !== undefined) throw this.options.failWith
    return { done: true, value: undefined }
  }
  [Symbol.asyncIterator](): this {
    return this
  }
  async return(): Promise<IteratorResult<T>> {
    this.calls.push('return')
    this.returned++
    return { done: true, value: undefined }
  }
}

interface Outcome<T> {
  values: T[]
  end: 'complete' | { error: unknown }
}
function outcome<T>(source: Observable<T>): Promise<Outcome<T>> {
  const values: T[] = []
  return new Promise(resolve =>
    source.subscribe({
      next: v => values.push(v),
      error: error => resolve({ values, end: { error } }),
      complete: () => resolve({ values, end: 'complete' }),
    }),
  )
}

afterEach(() => {
  config.onUnhandledError = null
})

describe('fromAsyncIterable', () => {
  test.prop([fc.array(fc.anything()), fc.array(pace, { maxLength: 5 })])(
    'emits every value in order and completes; the iterator is left alone and the signal is not aborted',
    async (values, paces) => {
      let made: Recording<unknown> | undefined
      let signal: AbortSignal | undefined
      const result = await outcome(
        fromAsyncIterable(s => {
          signal = s
          made = new Recording(values, paces)
          return made
        }),
      )
      expect(result).toEqual({ values, end: 'complete' })
      expect(made!.calls).toEqual(Array(values.length + 1).fill('next'))
      expect(signal!.aborted).toBe(false)
    },
  )

  test.prop([fc.array(fc.integer()), fc.array(pace, { maxLength: 5 })])(
    'matches a for-await loop over an async generator (the oracle) value for value',
    async (values, paces) => {
      async function* generate() {
        for (const [i, v] of values.entries()) {
          await wait(paces[i % Math.max(1, paces.length)] ?? 'sync')
          yield v
        }
      }
      const expected: number[] = []
      for await (const v of generate()) expected.push(v)
      expect(await lastValueFrom(fromAsyncIterable(generate()).pipe(toArray()))).toEqual(expected)
    },
  )

  test.prop([fc.array(fc.integer()), fc.array(pace, { maxLength: 5 })])(
    'an error of next() arrives after every value before it; the signal is aborted, return() is not called',
    async (values, paces) => {
      const failure = new Error('connection reset')
      let made: Recording<number> | undefined
      let signal: AbortSignal | undefined
      const result = await outcome(
        fromAsyncIterable(s => {
          signal = s
          made = new Recording(values, paces, { failWith: failure })
          return made
        }),
      )
      expect(result).toEqual({ values, end: { error: failure } })
      expect(made!.returned).toBe(0)
      expect(signal!.aborted).toBe(true)
    },
  )

  test.prop([fc.array(fc.integer(), { minLength: 1 }), fc.nat(), fc.array(pace, { maxLength: 5 })])(
    'take(k): the first k values, then return() once, the signal aborted, and no next() after k',
    async (values, n, paces) => {
      const k = 1 + (n % values.length)
      let made: Recording<number> | undefined
      let signal: AbortSignal | undefined
      const result = await outcome(
        fromAsyncIterable(s => {
          signal = s
          made = new Recording(values, paces)
          return made
        }).pipe(take(k)),
      )
      expect(result).toEqual({ values: values.slice(0, k), end: 'complete' })
      expect(made!.calls).toEqual([...Array(k).fill('next'), 'return'])
      expect(signal!.aborted).toBe(true)
      expect((signal!.reason as Error).name).toBe('AbortError')
      await new Promise(resolve => setImmediate(resolve))
      expect(made!.calls).toEqual([...Array(k).fill('next'), 'return'])
    },
  )

  test.prop([fc.array(fc.integer()), fc.nat()])(
    'unsubscribing while next() is pending calls return() at once and aborts the signal; nothing unhandled',
    async (values, n) => {
      const stallAt = n % (values.length + 1)
      let made: Recording<number> | undefined
      let signal: AbortSignal | undefined
      const seen: number[] = []
      const late: unknown[] = []
      config.onUnhandledError = error => late.push(error)
      const subscription = fromAsyncIterable(s => {
        signal = s
        made = new Recording(values, ['micro'], { stallAt, signal: s })
        return made
      }).subscribe(v => seen.push(v))
      await expect.poll(() => made?.calls.length, { interval: 1 }).toBe(stallAt + 1)
      for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve))
      expect(seen).toEqual(values.slice(0, stallAt))
      expect(made!.calls.at(-1)).toBe('next') // still pending
      subscription.unsubscribe()
      expect(made!.calls).toEqual([...Array(stallAt + 1).fill('next'), 'return'])
      expect(signal!.aborted).toBe(true)
      for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve))
      expect(made!.calls).toEqual([...Array(stallAt + 1).fill('next'), 'return'])
      expect(seen).toEqual(values.slice(0, stallAt))
      expect(late).toEqual([]) // the pending next() rejected with the abort: not news
    },
  )

  test.prop([fc.array(fc.integer(), { minLength: 1 }), fc.nat()])(
    'a downstream error (a throwing map) unsubscribes: return() called, the signal aborted',
    async (values, n) => {
      const at = n % values.length
      let made: Recording<number> | undefined
      let signal: AbortSignal | undefined
      const boom = new Error('bad value')
      const result = await outcome(
        fromAsyncIterable(s => {
          signal = s
          made = new Recording(values)
          return made
        }).pipe(
          map((v, i) => {
            if (i === at) throw boom
            return v
          }),
        ),
      )
      expect(result).toEqual({ values: values.slice(0, at), end: { error: boom } })
      expect(made!.calls).toEqual([...Array(at + 1).fill('next'), 'return'])
      expect(signal!.aborted).toBe(true)
    },
  )

  test.prop([fc.array(fc.integer()), fc.nat()])(
    'the signal option: aborting it errors with its reason, passes the reason on, and returns the iterator',
    async (values, n) => {
      const stallAt = n % (values.length + 1)
      const outer = new AbortController()
      let made: Recording<number> | undefined
      let signal: AbortSignal | undefined
      const pending = outcome(
        fromAsyncIterable(
          s => {
            signal = s
            made = new Recording(values, [], { stallAt, signal: s })
            return made
          },
          { signal: outer.signal },
        ),
      )
      await expect.poll(() => made?.calls.length, { interval: 1 }).toBe(stallAt + 1)
      const reason = new Error('user pressed stop')
      outer.abort(reason)
      expect(await pending).toEqual({ values: values.slice(0, stallAt), end: { error: reason } })
      expect(made!.calls.at(-1)).toBe('return')
      expect(signal!.reason).toBe(reason)
    },
  )
})

describe('fromAsyncIterable edge cases', () => {
  test('unlike RxJS from(), which waits for the pending next() before calling return(), it returns at once', async () => {
    const ours = new Recording([1], [], { stallAt: 1, signal: new AbortController().signal }) // never resolves
    const theirs = new Recording([1], [], { stallAt: 1, signal: new AbortController().signal })
    const a = fromAsyncIterable(ours).subscribe()
    const b = from(theirs).subscribe()
    await expect.poll(() => [ours.calls.length, theirs.calls.length], { interval: 1 }).toEqual([2, 2])
    a.unsubscribe()
    b.unsubscribe()
    for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve))
    expect(ours.calls).toEqual(['next', 'next', 'return'])
    expect(theirs.calls).toEqual(['next', 'next']) // the documented difference: a stalled producer is never released
  })

  test('an already aborted signal: the function is never called, the error is the reason', async () => {
    const outer = new AbortController()
    outer.abort(new Error('too late'))
    let called = false
    const result = await outcome(
      fromAsyncIterable(
        () => {
          called = true
          return new Recording([1])
        },
        { signal: outer.signal },
      ),
    )
    expect(result).toEqual({ values: [], end: { error: outer.signal.reason } })
    expect(called).toBe(false)
  })

  test('each subscription calls the function anew, with a signal of its own', async () => {
    const signals: AbortSignal[] = []
    const source = fromAsyncIterable(s => {
      signals.push(s)
      return new Recording(['a', 'b'])
    })
    expect(await lastValueFrom(source.pipe(toArray()))).toEqual(['a', 'b'])
    expect(await lastValueFrom(source.pipe(take(1), toArray()))).toEqual(['a'])
    expect(signals).toHaveLength(2)
    expect(signals.map(s => s.aborted)).toEqual([false, true])
  })

  test('a function that returns a promise of the iterable (as the openai SDK does)', async () => {
    const source = fromAsyncIterable(async () => new Recording([1, 2, 3], ['macro']))
    expect(await lastValueFrom(source.pipe(toArray()))).toEqual([1, 2, 3])
  })

  test('the subscriber leaves while the promise is pending: the function saw the abort, the late iterator is returned', async () => {
    let resolve: (it: Recording<number>) => void = () => {}
    let signal: AbortSignal | undefined
    const made = new Recording([1, 2])
    const subscription = fromAsyncIterable(s => {
      signal = s
      return new Promise<Recording<number>>(r => (resolve = r))
    }).subscribe(() => expect.fail('no value expected'))
    subscription.unsubscribe()
    expect(signal!.aborted).toBe(true)
    resolve(made)
    await expect.poll(() => made.calls).toEqual(['return'])
  })

  test('the function throws, or its promise rejects: the stream errors with that error', async () => {
    const thrown = new Error('bad request')
    expect(
      await outcome(
        fromAsyncIterable(() => {
          throw thrown
        }),
      ),
    ).toEqual({ values: [], end: { error: thrown } })
    expect(await outcome(fromAsyncIterable(() => Promise.reject(thrown)))).toEqual({
      values: [],
      end: { error: thrown },
    })
  })

  test('the function gives something that is not an async iterable: a TypeError naming it', async () => {
    const result = await outcome(fromAsyncIterable(() => [1, 2] as unknown as AsyncIterable<number>))
    expect(result.values).toEqual([])
    const error = (result.end as { error: Error }).error
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toBe('fromAsyncIterable: the source function gave 1,2, which is not an AsyncIterable')
  })

  test('a return() that rejects goes to config.onUnhandledError, and nowhere else', async () => {
    const late: unknown[] = []
    config.onUnhandledError = error => late.push(error)
    const failure = new Error('could not close')
    const iterator = new Recording([1, 2, 3])
    iterator.return = async () => {
      throw failure
    }
    expect(await lastValueFrom(fromAsyncIterable(iterator).pipe(take(1), toArray()))).toEqual([1])
    await expect.poll(() => late).toEqual([failure])
  })

  test('a next() that resolves to a non-object: a TypeError naming it', async () => {
    const broken = { [Symbol.asyncIterator]: () => ({ next: async () => 42 }) } as unknown as AsyncIterable<number>
    const result = await outcome(fromAsyncIterable(broken))
    expect((result.end as { error: Error }).error.message).toBe(
      "fromAsyncIterable: the iterator's next() gave 42, not a result object",
    )
  })

  test('bad arguments throw at the call, naming the function and the value', () => {
    expect(() => fromAsyncIterable([1, 2] as unknown as AsyncIterable<number>)).toThrow(
      new TypeError(
        'fromAsyncIterable: source must be an AsyncIterable or a function (signal) => AsyncIterable, got 1,2',
      ),
    )
    expect(() => fromAsyncIterable(new Recording([1]), { signal: 'stop' as unknown as AbortSignal })).toThrow(
      'fromAsyncIterable: signal must be an AbortSignal, got "stop"',
    )
    expect(() => fromAsyncIterable(new Recording([1]), { highWaterMark: 1 } as never)).toThrow(
      /fromAsyncIterable: unknown option "highWaterMark"/,
    )
  })
})
