import { fc, test } from '@fast-check/vitest'
import { createVirtualNanoScheduler, eventTime } from 'midstream'
import { bufferTime, debounceTime, from } from 'rxjs'
import { describe, expect, it } from 'vitest'

interface Rec {
  ts: number
  v: number
}

const records = fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer()), { maxLength: 60 }).map(pairs => {
  let ts = 0
  return pairs.map(([gap, v]) => ({ ts: (ts += gap), v }))
})

describe('eventTime', () => {
  test.prop([records, fc.integer({ min: 1, max: 50 })])(
    'debounceTime in event time equals a plain debounce over the timestamps',
    (recs, window) => {
      const scheduler = createVirtualNanoScheduler()
      const got: Array<[number, number]> = []
      from(recs)
        .pipe(eventTime(scheduler, { time: (r: Rec) => r.ts }), debounceTime(window, scheduler))
        .subscribe(r => got.push([scheduler.now(), r.v]))
      scheduler.flush()
      // oracle: a record survives when the next one comes `window` or more after it; the last always does
      const expected: Array<[number, number]> = []
      recs.forEach((r, i) => {
        const next = recs[i + 1]
        if (next === undefined)
          expected.push([r.ts, r.v]) // flushed on completion, at the last timestamp
        else if (next.ts - r.ts >= window) expected.push([r.ts + window, r.v])
      })
      expect(got).toEqual(expected)
    },
  )

  test.prop([records, fc.integer({ min: 1, max: 50 })])(
    'bufferTime in event time groups records by their own timestamps',
    (recs, span) => {
      const scheduler = createVirtualNanoScheduler()
      const windows: number[][] = []
      from(recs)
        .pipe(eventTime(scheduler, { time: (r: Rec) => r.ts }), bufferTime(span, scheduler))
        .subscribe(b => windows.push(b.map(r => r.ts)))
      // every record lands in a window whose start <= ts < start + span, in order, none lost
      expect(windows.flat()).toEqual(recs.map(r => r.ts))
      windows.forEach((w, k) => {
        for (const ts of w) {
          expect(ts).toBeGreaterThanOrEqual(k * span)
          expect(ts).toBeLessThanOrEqual((k + 1) * span)
        }
      })
    },
  )

  it('errors on a timestamp that goes backwards, naming its index; passes it with onLate: pass', () => {
    const scheduler = createVirtualNanoScheduler()
    const errors: unknown[] = []
    const seen: number[] = []
    from([5, 10, 7, 12])
      .pipe(eventTime(scheduler, { time: t => t }))
      .subscribe({ next: t => seen.push(t), error: e => errors.push(e) })
    expect(seen).toEqual([5, 10])
    expect(String(errors[0])).toMatch(/#2 has timestamp 7, earlier than the clock \(10\)/)
    const s2 = createVirtualNanoScheduler()
    const seen2: number[] = []
    from([5, 10, 7, 12])
      .pipe(eventTime(s2, { time: t => t, onLate: 'pass' }))
      .subscribe(t => seen2.push(t))
    expect(seen2).toEqual([5, 10, 7, 12])
    expect(s2.now()).toBe(12)
  })

  it('errors on a non-finite timestamp and rejects bad arguments', () => {
    const scheduler = createVirtualNanoScheduler()
    const errors: unknown[] = []
    from([{ ts: 1 }, { ts: Number.NaN }])
      .pipe(eventTime(scheduler, { time: r => r.ts }))
      .subscribe({ error: e => errors.push(e) })
    expect(String(errors[0])).toMatch(/value #1 must be a finite number, got NaN/)
    expect(() => eventTime({} as never, { time: () => 0 })).toThrow(/^eventTime: scheduler must be a virtual scheduler/)
    expect(() => eventTime(scheduler, { time: 5 as never })).toThrow(/^eventTime: time must be a function, got 5$/)
    // the former signature eventTime(scheduler, timeOf) says what to write instead
    expect(() => eventTime(scheduler, (() => 0) as never)).toThrow(/pass the timestamp function as \{ time \}/)
  })
})
