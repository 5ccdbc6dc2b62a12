import { fc, test } from '@fast-check/vitest'
import { createNanoScheduler, createVirtualNanoScheduler } from 'midstream'
import { rxjsTimeSource } from 'midstream/scheduler'
import { type TimedStream, timedSource, timedStream } from 'midstream/testing'
import {
  auditTime,
  bufferTime,
  debounceTime,
  delay,
  interval,
  type MonoTypeOperatorFunction,
  type Observable,
  type OperatorFunction,
  observeOn,
  type SchedulerLike,
  sampleTime,
  subscribeOn,
  take,
  throttleTime,
  timer,
  VirtualAction,
  VirtualTimeScheduler,
} from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { describe, expect, it } from 'vitest'

interface Emission {
  time: number
  value: unknown
}

/** Runs `pipeline` over `stream` on any virtual scheduler and records emissions with their times. */
function record(
  stream: TimedStream<number>,
  pipeline: (s: Observable<number>, scheduler: SchedulerLike) => Observable<unknown>,
  scheduler: SchedulerLike,
  flush: () => void,
): { out: Emission[]; end: string } {
  const out: Emission[] = []
  let end = 'none'
  const sub = pipeline(timedSource(stream, scheduler), scheduler).subscribe({
    next: value => out.push({ time: scheduler.now(), value }),
    complete: () => (end = `complete@${scheduler.now()}`),
    error: e => (end = `error@${scheduler.now()}:${String(e)}`),
  })
  flush()
  sub.unsubscribe()
  return { out, end }
}

const operators: Record<
  string,
  (s: SchedulerLike) => MonoTypeOperatorFunction<number> | OperatorFunction<number, unknown>
> = {
  'delay(3)': s => delay(3, s),
  'debounceTime(4)': s => debounceTime(4, s),
  'throttleTime(5)': s => throttleTime(5, s),
  'auditTime(2)': s => auditTime(2, s),
  'sampleTime(3)': s => sampleTime(3, s),
  'bufferTime(5)': s => bufferTime(5, s),
  observeOn: s => observeOn(s),
  subscribeOn: s => subscribeOn(s, 1),
}

// RxJS's own VirtualTimeScheduler is the oracle: the same pipeline on a NanoScheduler running in
// virtual time must emit the same values at the same times. Integer times: RxJS frames are whole.
describe.each(Object.keys(operators))('%s on a NanoScheduler behaves as on RxJS virtual time', name => {
  test.prop([
    timedStream(fc.integer({ min: 0, max: 99 }), {
      fractional: false,
      maxGap: 8,
      maxLength: 30,
      ends: ['complete', 'error'],
    }),
  ])('same emissions, same times, same end', stream => {
    const op = operators[name]
    const rx = new VirtualTimeScheduler(VirtualAction, Infinity)
    const expected = record(
      stream,
      (src, s) => src.pipe(op(s) as OperatorFunction<number, unknown>),
      rx,
      () => rx.flush(),
    )
    const nano = createVirtualNanoScheduler()
    const actual = record(
      stream,
      (src, s) => src.pipe(op(s) as OperatorFunction<number, unknown>),
      nano,
      () => nano.flush(),
    )
    expect(actual).toEqual(expected)
    expect(nano.stats().queueSize).toBe(0)
  })
})

describe('NanoScheduler with RxJS', () => {
  it('runs inside TestScheduler.run() through rxjsTimeSource (marble test)', () => {
    const testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected))
    testScheduler.run(({ cold, expectObservable }) => {
      const nano = createNanoScheduler(rxjsTimeSource(testScheduler))
      expectObservable(cold('a-b-c|').pipe(delay(3, nano))).toBe('---a-b-(c|)')
      expectObservable(interval(2, nano).pipe(take(3))).toBe('--a-b-(c|)', { a: 0, b: 1, c: 2 })
      expectObservable(cold('ab 5ms c|').pipe(debounceTime(2, nano))).toBe('---b 4ms (c|)')
    })
  })

  it('timer and interval honour fractional milliseconds on virtual time', () => {
    const nano = createVirtualNanoScheduler()
    const times: number[] = []
    timer(0.25, nano).subscribe(() => times.push(nano.now()))
    interval(0.1, nano)
      .pipe(take(3))
      .subscribe(() => times.push(nano.now()))
    nano.flush()
    expect(times.map(t => Math.round(t * 1000) / 1000)).toEqual([0.1, 0.2, 0.25, 0.3])
  })

  it('timer(date) waits until that date on the real clock, whose now() is on the epoch scale', async () => {
    const before = Date.now()
    const nano = createNanoScheduler()
    const reading = nano.now()
    const after = Date.now()
    // Date.now() has whole milliseconds: the reading lies within the same milliseconds
    expect(reading).toBeGreaterThanOrEqual(before)
    expect(reading).toBeLessThanOrEqual(after + 1)
    const due = new Date(Date.now() + 3)
    const firedAt = await new Promise<number>(resolve => timer(due, nano).subscribe(() => resolve(nano.now())))
    expect(firedAt).toBeGreaterThanOrEqual(due.getTime())
  })

  it('real timers never fire before their due time, at sub-millisecond delays too', async () => {
    const nano = createNanoScheduler()
    for (const delayMs of [0.05, 0.25, 0.5, 1.5, 3]) {
      const scheduledAt = nano.now()
      const startedAt = await new Promise<number>(resolve => nano.schedule(() => resolve(nano.now()), delayMs))
      expect(startedAt - scheduledAt).toBeGreaterThanOrEqual(delayMs)
    }
    expect(nano.stats().completed).toBe(5)
  })

  it('an action rescheduled from its own work runs again with the new state (recursive scheduling)', () => {
    const nano = createVirtualNanoScheduler()
    const seen: Array<[number, number]> = []
    nano.schedule(
      function (n = 0) {
        seen.push([nano.now(), n])
        if (n < 3) this.schedule(n + 1, 2)
      },
      1,
      0,
    )
    nano.flush()
    expect(seen).toEqual([
      [1, 0],
      [3, 1],
      [5, 2],
      [7, 3],
    ])
  })

  it('a lane carries its priority into RxJS operators', () => {
    const nano = createVirtualNanoScheduler()
    const order: string[] = []
    nano.withLane({ priority: 'low' }).schedule(() => order.push('low'))
    nano.withLane({ priority: 'critical' }).schedule(() => order.push('critical'))
    nano.schedule(() => order.push('normal'))
    nano.flush()
    expect(order).toEqual(['critical', 'normal', 'low'])
  })
})
