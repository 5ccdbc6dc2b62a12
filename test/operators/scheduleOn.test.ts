import { fc, test } from '@fast-check/vitest'
import {
  BufferOverflowError,
  createNanoScheduler,
  createVirtualNanoScheduler,
  type PriorityName,
  QueueFullError,
  scheduleOn,
} from 'midstream'
import { runTimed, timedStream } from 'midstream/testing'
import { lastValueFrom, map, Observable, range, Subject, take, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'

const priorities: PriorityName[] = ['critical', 'high', 'normal', 'low', 'background']

describe('scheduleOn', () => {
  test.prop([
    timedStream(fc.integer(), { maxLength: 80 }),
    fc.constantFrom(...priorities),
    fc.integer({ min: 1, max: 8 }),
  ])(
    're-emits every value in order, never earlier than it arrived, then the same end',
    (stream, priority, batchSize) => {
      const out = runTimed(stream, (source, scheduler) => source.pipe(scheduleOn(scheduler, { priority, batchSize })))
      expect(out.values.map(e => e.value)).toEqual(stream.events.map(e => e.value))
      out.values.forEach((e, i) => expect(e.time).toBeGreaterThanOrEqual(stream.events[i].time))
      // on virtual time nothing else competes, so delivery happens at the instant of arrival
      out.values.forEach((e, i) => expect(e.time).toBe(stream.events[i].time))
      expect(out.end).toEqual(stream.end)
      expect(out.leftover).toBe(0)
    },
  )

  test.prop([
    fc.array(fc.constantFrom(...priorities), { minLength: 1, maxLength: 200 }),
    fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 200 }),
  ])(
    'keeps order when priorities and deadlines vary per value (priority inheritance, no overtaking)',
    (levels, deadlines) => {
      const scheduler = createVirtualNanoScheduler({ policy: 'edf' })
      const got: number[] = []
      const input = levels.map((_, i) => i)
      const source = new Subject<number>()
      source
        .pipe(scheduleOn(scheduler, { priority: i => levels[i], deadline: i => deadlines[i] ?? 100, batchSize: 3 }))
        .subscribe(v => got.push(v))
      for (const i of input) source.next(i)
      source.complete()
      scheduler.flush()
      expect(got).toEqual(input)
    },
  )

  test.prop([fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 64 })])(
    'two pipelines on one scheduler: under load the higher priority is served first',
    (nLow, nHigh, batchSize) => {
      const scheduler = createVirtualNanoScheduler({ policy: 'priority' })
      const served: string[] = []
      range(0, nLow)
        .pipe(scheduleOn(scheduler, { priority: 'low', batchSize }))
        .subscribe(() => served.push('low'))
      range(0, nHigh)
        .pipe(scheduleOn(scheduler, { priority: 'high', batchSize }))
        .subscribe(() => served.push('high'))
      scheduler.flush()
      expect(served).toEqual([...Array(nHigh).fill('high'), ...Array(nLow).fill('low')])
    },
  )

  it('hops a synchronous burst in batches: one scheduled task per batchSize values', () => {
    const scheduler = createVirtualNanoScheduler({ maxQueueSize: 10 })
    const got: number[] = []
    range(0, 100_000)
      .pipe(scheduleOn(scheduler, { batchSize: 1000 }))
      .subscribe(v => got.push(v))
    scheduler.flush()
    expect(got).toHaveLength(100_000)
    expect(got[99_999]).toBe(99_999)
    // 100 batches and a final task that only delivers the completion
    expect(scheduler.stats().scheduled).toBeLessThanOrEqual(101)
  })

  it('unsubscribing cancels what is pending: nothing is emitted after, nothing stays queued', () => {
    const scheduler = createVirtualNanoScheduler()
    const got: number[] = []
    const sub = range(0, 10)
      .pipe(scheduleOn(scheduler))
      .subscribe(v => got.push(v))
    expect(scheduler.stats().queueSize).toBe(1)
    sub.unsubscribe()
    scheduler.flush()
    expect(got).toEqual([])
    expect(scheduler.stats()).toMatchObject({ queueSize: 0, cancelled: 1 })
  })

  it('stops mid-batch when downstream unsubscribes (take)', () => {
    const scheduler = createVirtualNanoScheduler()
    const got: number[] = []
    let sourceUnsubscribed = false
    new Observable<number>(s => {
      for (let i = 0; i < 100; i++) s.next(i)
      return () => (sourceUnsubscribed = true)
    })
      .pipe(scheduleOn(scheduler), take(3))
      .subscribe(v => got.push(v))
    scheduler.flush()
    expect(got).toEqual([0, 1, 2])
    expect(sourceUnsubscribed).toBe(true)
    expect(scheduler.stats().queueSize).toBe(0)
  })

  it('errors the stream, naming the value, when a priority function throws or returns nonsense', () => {
    const scheduler = createVirtualNanoScheduler()
    const errors: unknown[] = []
    const got: number[] = []
    range(0, 5)
      .pipe(scheduleOn(scheduler, { priority: x => (x === 3 ? ('urgent' as PriorityName) : 'high') }))
      .subscribe({ next: v => got.push(v), error: e => errors.push(e) })
    range(0, 5)
      .pipe(scheduleOn(scheduler, { deadline: x => (x === 2 ? Number.NaN : 1) }))
      .subscribe({ error: e => errors.push(e) })
    range(0, 5)
      .pipe(
        scheduleOn(scheduler, {
          priority: () => {
            throw new Error('user bug')
          },
        }),
      )
      .subscribe({ error: e => errors.push(e) })
    scheduler.flush()
    expect(got).toEqual([])
    expect(String(errors[0])).toMatch(/unknown priority "urgent"/)
    expect(String(errors[1])).toMatch(/deadline .*for value 2.*NaN/)
    expect(String(errors[2])).toMatch(/user bug/)
    expect(scheduler.stats().queueSize).toBe(0)
  })

  it('errors with BufferOverflowError past bufferLimit, and with QueueFullError when the scheduler is full', () => {
    const scheduler = createVirtualNanoScheduler({ maxQueueSize: 1 })
    const errors: unknown[] = []
    range(0, 10)
      .pipe(scheduleOn(scheduler, { bufferLimit: 4 }))
      .subscribe({ error: e => errors.push(e) })
    scheduler.schedule(() => {}, 5)
    range(0, 2)
      .pipe(scheduleOn(scheduler))
      .subscribe({ error: e => errors.push(e) })
    expect(errors[0]).toBeInstanceOf(BufferOverflowError)
    expect((errors[0] as Error).message).toMatch(/^scheduleOn: buffer overflow: more than 4 values/)
    expect(errors[1]).toBeInstanceOf(QueueFullError)
  })

  it('rejects bad options at call time', () => {
    const scheduler = createVirtualNanoScheduler()
    expect(() => scheduleOn({} as never)).toThrow(/NanoScheduler/)
    expect(() => scheduleOn(scheduler, { priority: 'urgent' as PriorityName })).toThrow(/"urgent"/)
    expect(() => scheduleOn(scheduler, { batchSize: 0 })).toThrow(/batchSize/)
    expect(() => scheduleOn(scheduler, { deadline: Number.NaN })).toThrow(/deadline/)
  })

  it('passes source errors through after the values before them', () => {
    const scheduler = createVirtualNanoScheduler()
    const events: string[] = []
    const s = new Subject<number>()
    s.pipe(scheduleOn(scheduler)).subscribe({ next: v => events.push(`n${v}`), error: e => events.push(`e:${e}`) })
    s.next(1)
    s.next(2)
    s.error('bad')
    expect(events).toEqual([])
    scheduler.flush()
    expect(events).toEqual(['n1', 'n2', 'e:bad'])
  })

  it('delivers on the real clock too, and the stream ends with nothing left scheduled', async () => {
    const scheduler = createNanoScheduler({ maxQueueSize: 100 })
    const out = await lastValueFrom(
      range(0, 5000).pipe(
        map(x => x * 2),
        scheduleOn(scheduler, { priority: 'high' }),
        toArray(),
      ),
    )
    expect(out).toEqual(Array.from({ length: 5000 }, (_, i) => i * 2))
    expect(scheduler.stats().queueSize).toBe(0)
  })
})
