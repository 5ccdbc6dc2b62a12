import { fc, test } from '@fast-check/vitest'
import { createVirtualNanoScheduler } from 'midstream'
import { GeneratedStreamError, runTimed, timedSource, timedStream } from 'midstream/testing'
import { delay, interval, map } from 'rxjs'
import { describe, expect, it } from 'vitest'

describe('timedStream arbitrary', () => {
  test.prop([timedStream(fc.integer(), { maxGap: 7, maxLength: 40 })])(
    'times start at >= 0, never decrease, and the end comes after the last event',
    stream => {
      let last = 0
      for (const e of stream.events) {
        expect(e.time).toBeGreaterThanOrEqual(last)
        expect(e.time - last).toBeLessThanOrEqual(7)
        expect((e.time * 4) % 1).toBe(0) // quarter milliseconds
        last = e.time
      }
      if (stream.end.kind !== 'none') expect(stream.end.time).toBeGreaterThanOrEqual(last)
      if (stream.end.kind === 'error') expect(stream.end.error).toBeInstanceOf(GeneratedStreamError)
    },
  )

  it('generates bursts, gaps and each kind of end', () => {
    const samples = fc.sample(timedStream(fc.integer(), { minLength: 5 }), { numRuns: 200, seed: 42 })
    const gaps = samples.flatMap(s => s.events.slice(1).map((e, i) => e.time - s.events[i].time))
    expect(gaps.some(g => g === 0)).toBe(true)
    expect(gaps.some(g => g > 0 && !Number.isInteger(g))).toBe(true)
    expect(new Set(samples.map(s => s.end.kind))).toEqual(new Set(['complete', 'error', 'none']))
  })

  it('rejects bad options', () => {
    expect(() => timedStream(fc.integer(), { maxGap: 0 })).toThrow(/maxGap/)
    expect(() => timedStream(fc.integer(), { burstProbability: 2 })).toThrow(/burstProbability/)
    expect(() => timedStream(fc.integer(), { ends: [] })).toThrow(/ends/)
  })
})

describe('runTimed', () => {
  test.prop([timedStream(fc.string())])('the identity pipeline gives back the recording exactly', stream => {
    const out = runTimed(stream, s => s)
    expect(out.values).toEqual(stream.events)
    expect(out.end).toEqual(stream.end)
    expect(out.leftover).toBe(0)
  })

  test.prop([timedStream(fc.integer(), { ends: ['complete'] }), fc.double({ min: 0, max: 20, noNaN: true })])(
    'delay(d) shifts every value by d',
    (stream, d) => {
      const out = runTimed(stream, (s, scheduler) =>
        s.pipe(
          delay(d, scheduler),
          map(x => x + 1),
        ),
      )
      expect(out.values).toEqual(stream.events.map(e => ({ time: e.time + d, value: e.value + 1 })))
    },
  )

  it('stops endless pipelines at `until` and reports what is still scheduled before unsubscribing', () => {
    const out = runTimed({ events: [], end: { kind: 'none' } }, (_s, scheduler) => interval(10, scheduler), {
      until: 35,
    })
    expect(out.values).toEqual([
      { time: 10, value: 0 },
      { time: 20, value: 1 },
      { time: 30, value: 2 },
    ])
    expect(out.leftover).toBe(0) // the interval was cancelled by the final unsubscribe
  })

  it('timedSource rejects a recording whose times go backwards', () => {
    const scheduler = createVirtualNanoScheduler()
    expect(() =>
      timedSource(
        {
          events: [
            { time: 2, value: 1 },
            { time: 1, value: 2 },
          ],
          end: { kind: 'none' },
        },
        scheduler,
      ),
    ).toThrow(/event #1 at 1 follows 2/)
  })
})
