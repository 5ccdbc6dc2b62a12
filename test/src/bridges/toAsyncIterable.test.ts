import { fc, test } from '@fast-check/vitest'
import { from as ixFrom } from 'ix/asynciterable/asynciterablex'
import { filter, map as ixMap, take as ixTake } from 'ix/asynciterable/operators/index'
import { toArray as ixToArray } from 'ix/asynciterable/toarray'
import { type BufferedAsyncIterator, BufferOverflowError, type OverflowPolicy, toAsyncIterable } from 'midstream'
import { concat, from, Observable, range, Subject, throwError } from 'rxjs'
import { describe, expect, it } from 'vitest'

type Op = { kind: 'emit'; value: number } | { kind: 'pull' }
type Outcome = { value: number } | { done: true } | { error: string }

/**
 * The reference: the bridge's contract as a plain queue model, stepped through the same script of
 * pushes and pulls (every pull issued at once, not awaited) as the real iterator.
 */
function model(ops: Op[], end: 'complete' | 'error', hwm: number, overflow: OverflowPolicy, extraPulls: number) {
  const buffer: number[] = []
  const waiting: number[] = []
  const outcomes: Outcome[] = []
  let subscribed = false
  let stopped = false
  let ending: Outcome | null = null
  let finished = false
  let highest = 0
  let dropped = 0
  const pull = () => {
    const i = outcomes.length
    outcomes.push({ done: true })
    subscribed = true
    if (buffer.length > 0) outcomes[i] = { value: buffer.shift() as number }
    else if (finished) outcomes[i] = { done: true }
    else if (ending !== null) {
      outcomes[i] = ending
      finished = true
    } else waiting.push(i)
  }
  const settle = (e: Outcome) => {
    stopped = true
    ending = e
    const first = waiting.shift()
    if (first !== undefined) {
      outcomes[first] = e
      finished = true
      waiting.length = 0
    }
  }
  for (const op of ops) {
    if (op.kind === 'pull') pull()
    else if (subscribed && !stopped) {
      const w = waiting.shift()
      if (w !== undefined) outcomes[w] = { value: op.value }
      else if (buffer.length < hwm) buffer.push(op.value)
      else if (overflow === 'drop-newest') dropped++
      else if (overflow === 'drop-oldest') {
        buffer.shift()
        buffer.push(op.value)
        dropped++
      } else settle({ error: 'BufferOverflowError' })
      highest = Math.max(highest, buffer.length)
    }
  }
  if (subscribed && !stopped) settle(end === 'complete' ? { done: true } : { error: 'boom' })
  for (let k = 0; k < extraPulls; k++) pull()
  return { outcomes, highest, dropped }
}

function outcome(r: PromiseSettledResult<IteratorResult<number>>): Outcome {
  if (r.status === 'rejected') return { error: r.reason instanceof BufferOverflowError ? r.reason.name : r.reason }
  return r.value.done === true ? { done: true } : { value: r.value.value }
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.integer({ min: 0, max: 999 }).map(value => ({ kind: 'emit' as const, value })),
  fc.constant({ kind: 'pull' as const }),
)

/** Resolves after `ticks` turns of the event loop (0: a microtask). */
const pause = (ticks: number) =>
  ticks === 0 ? Promise.resolve() : new Promise<void>(r => setImmediate(() => pause(ticks - 1).then(r)))

describe('toAsyncIterable', () => {
  test.prop([
    fc.array(opArb, { maxLength: 60 }),
    fc.constantFrom<'complete' | 'error'>('complete', 'error'),
    fc.integer({ min: 1, max: 6 }),
    fc.constantFrom<OverflowPolicy>('error', 'drop-newest', 'drop-oldest'),
  ])(
    'hands out what a queue model of its contract hands out, for any interleaving of pushes and pulls',
    async (script, end, hwm, overflow) => {
      const ops: Op[] = [{ kind: 'pull' }, ...script]
      const subject = new Subject<number>()
      const it = toAsyncIterable(subject, { highWaterMark: hwm, overflow })[
        Symbol.asyncIterator
      ]() as BufferedAsyncIterator<number>
      const pulls: Promise<IteratorResult<number>>[] = []
      let highest = 0
      for (const op of ops) {
        if (op.kind === 'pull') pulls.push(it.next())
        else subject.next(op.value)
        highest = Math.max(highest, it.buffered)
      }
      if (end === 'complete') subject.complete()
      else subject.error('boom')
      const extra = ops.length + 2
      for (let k = 0; k < extra; k++) pulls.push(it.next())
      const got = (await Promise.allSettled(pulls)).map(outcome)
      const want = model(ops, end, hwm, overflow, extra)
      expect(got).toEqual(want.outcomes)
      expect(it.highestBuffered).toBe(want.highest)
      expect(highest).toBeLessThanOrEqual(hwm)
      expect(it.dropped).toBe(want.dropped)
      expect(subject.observed).toBe(false)
    },
  )

  test.prop(
    [
      fc.array(fc.integer(), { maxLength: 40 }),
      fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 10 }),
      fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 10 }),
      fc.integer({ min: 1, max: 8 }),
    ],
    { numRuns: 60 },
  )(
    'any producer and consumer pace: the values in order, nothing lost or the bound named, the buffer within it',
    async (values, producerPace, consumerPace, hwm) => {
      let emitted = 0
      let received = 0
      let worstOutstanding = 0
      const source = new Observable<number>(subscriber => {
        let stop = false
        ;(async () => {
          for (let i = 0; i < values.length && !stop; i++) {
            await pause(producerPace[i % producerPace.length])
            emitted++
            // a value handed to the waiting consumer but not yet seen by it is the one in flight
            worstOutstanding = Math.max(worstOutstanding, emitted - received - 1)
            subscriber.next(values[i])
          }
          subscriber.complete()
        })()
        return () => {
          stop = true
        }
      })
      const got: number[] = []
      let failure: unknown = null
      try {
        let k = 0
        for await (const x of toAsyncIterable(source, { highWaterMark: hwm })) {
          got.push(x)
          received++
          await pause(consumerPace[k++ % consumerPace.length])
        }
      } catch (error) {
        failure = error
      }
      if (failure === null) expect(got).toEqual(values)
      else {
        expect(failure).toBeInstanceOf(BufferOverflowError)
        expect((failure as Error).message).toContain(`more than ${hwm} values`)
        // the overflow came when more than hwm values waited; every value before them was handed out
        expect(got).toEqual(values.slice(0, got.length))
        expect(worstOutstanding).toBeGreaterThan(hwm - 1)
      }
      if (failure === null) expect(worstOutstanding).toBeLessThanOrEqual(hwm)
    },
  )

  test.prop([fc.array(fc.integer(), { maxLength: 30 }), fc.integer({ min: 0, max: 3 })])(
    "the source's error arrives after every value before it, however slowly the consumer pulls",
    async (values, ticks) => {
      const source = concat(
        from(values),
        throwError(() => new Error('source failed')),
      )
      const got: number[] = []
      await expect(
        (async () => {
          for await (const x of toAsyncIterable(source, { highWaterMark: Infinity })) {
            got.push(x)
            await pause(ticks)
          }
        })(),
      ).rejects.toThrow('source failed')
      expect(got).toEqual(values)
    },
  )

  test.prop([fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 40 })])(
    'break unsubscribes the source at once and nothing more is pulled from it',
    async (stopAfter, total) => {
      const log: string[] = []
      const subject = new Subject<number>()
      const source = new Observable<number>(subscriber => {
        log.push('subscribe')
        const inner = subject.subscribe(subscriber)
        return () => {
          log.push('teardown')
          inner.unsubscribe()
        }
      })
      const got: number[] = []
      const iterable = toAsyncIterable(source, { highWaterMark: 64 })
      expect(log).toEqual([])
      const consumer = (async () => {
        for await (const x of iterable) {
          got.push(x)
          if (got.length === stopAfter) break
        }
      })()
      for (let i = 0; i < total; i++) {
        subject.next(i)
        await pause(0)
      }
      subject.complete()
      await consumer
      expect(got).toEqual(Array.from({ length: Math.min(stopAfter, total) }, (_, i) => i))
      expect(log).toEqual(['subscribe', 'teardown'])
    },
  )

  test.prop([fc.integer({ min: 0, max: 20 }), fc.boolean()])(
    'an aborted signal unsubscribes the source, discards the buffer and rejects the pull with its reason',
    async (abortAfter, waiting) => {
      let tornDown = false
      const subject = new Subject<number>()
      const source = new Observable<number>(subscriber => {
        const inner = subject.subscribe(subscriber)
        return () => {
          tornDown = true
          inner.unsubscribe()
        }
      })
      const controller = new AbortController()
      const it = toAsyncIterable(source, { signal: controller.signal })[Symbol.asyncIterator]()
      const got: number[] = []
      const first = it.next()
      for (let i = 0; i < abortAfter; i++) subject.next(i)
      if (abortAfter > 0) {
        got.push((await first).value as number)
        for (let i = 1; i < abortAfter; i++) got.push((await it.next()).value as number)
      }
      const pending = abortAfter === 0 ? first : waiting ? it.next() : null
      if (pending === null) subject.next(-7) // buffered, then discarded by the abort
      controller.abort(new Error('stop'))
      await expect(pending ?? it.next()).rejects.toThrow('stop')
      expect(tornDown).toBe(true)
      expect(await it.next()).toEqual({ done: true, value: undefined })
      expect(got).toEqual(Array.from({ length: abortAfter }, (_, i) => i))
    },
  )

  it('an already aborted signal: the source is never subscribed', async () => {
    let subscribed = false
    const source = new Observable<number>(() => {
      subscribed = true
    })
    const iterable = toAsyncIterable(source, { signal: AbortSignal.abort(new Error('gone')) })
    await expect(iterable[Symbol.asyncIterator]().next()).rejects.toThrow('gone')
    expect(subscribed).toBe(false)
  })

  it('a synchronous source past the bound: BufferOverflowError after the buffered values, the source stopped mid-loop', async () => {
    let produced = 0
    const source = new Observable<number>(subscriber => {
      for (let i = 0; i < 1_000_000 && !subscriber.closed; i++) {
        produced++
        subscriber.next(i)
      }
      subscriber.complete()
    })
    const got: number[] = []
    await expect(
      (async () => {
        for await (const x of toAsyncIterable(source, { highWaterMark: 5 })) got.push(x)
      })(),
    ).rejects.toThrow('toAsyncIterable: buffer overflow: more than 5 values waiting for the consumer')
    // one to the waiting first pull, five buffered, the seventh overflows
    expect(got).toEqual([0, 1, 2, 3, 4, 5])
    expect(produced).toBe(7)
  })

  it('drop-oldest keeps the newest values and counts the dropped ones', async () => {
    const it = toAsyncIterable(range(0, 10), { highWaterMark: 3, overflow: 'drop-oldest' })[
      Symbol.asyncIterator
    ]() as BufferedAsyncIterator<number>
    const got: number[] = []
    for (let r = await it.next(); r.done !== true; r = await it.next()) got.push(r.value)
    expect(got).toEqual([0, 7, 8, 9])
    expect(it.dropped).toBe(6)
    expect(it.highestBuffered).toBe(3)
  })

  it('each iteration subscribes anew, and ix operators compose on it', async () => {
    const iterable = toAsyncIterable(range(1, 10))
    const evens = await ixToArray(
      ixFrom(iterable).pipe(
        filter(x => x % 2 === 0),
        ixMap(x => x * 10),
      ),
    )
    expect(evens).toEqual([20, 40, 60, 80, 100])
    expect(await ixToArray(iterable)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    let tornDown = false
    const endless = new Observable<number>(subscriber => {
      const timer = setInterval(() => subscriber.next(1), 1)
      return () => {
        tornDown = true
        clearInterval(timer)
      }
    })
    expect(await ixToArray(ixTake<number>(3)(toAsyncIterable(endless)))).toEqual([1, 1, 1])
    expect(tornDown).toBe(true)
  })

  it('rejects bad arguments naming the function and the value', () => {
    expect(() => toAsyncIterable([1, 2] as never)).toThrow('toAsyncIterable: source must be an Observable, got 1,2')
    expect(() => toAsyncIterable(range(1), { highWaterMark: 0 })).toThrow(
      'toAsyncIterable: highWaterMark must be an integer >= 1, got 0',
    )
    expect(() => toAsyncIterable(range(1), { highWaterMark: 2.5 })).toThrow(RangeError)
    expect(() => toAsyncIterable(range(1), { overflow: 'drop' as never })).toThrow(
      "toAsyncIterable: overflow must be 'error' or 'drop-newest' or 'drop-oldest', got \"drop\"",
    )
    expect(() => toAsyncIterable(range(1), { signal: {} as never })).toThrow(
      'toAsyncIterable: signal must be an AbortSignal',
    )
    expect(() => toAsyncIterable(range(1), { highwatermark: 3 } as never)).toThrow('unknown option "highwatermark"')
  })
})
