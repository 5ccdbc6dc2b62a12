import { fc, test } from '@fast-check/vitest'
import { SnapshotError } from 'midstream'
import { describe, expect, it } from 'vitest'
import {
  NormalizedWindowMatcher,
  type NormalizedWindowMatcherSnapshot,
  prepareNormalized,
  type WindowMatch,
} from '../../../src/compare/normalizedWindowMatcher'

/** Pushes `xs` with their times, collecting the matches; `flush` adds the last one. */
function run(matcher: NormalizedWindowMatcher, xs: readonly number[], times: readonly number[], flush: boolean) {
  const out: WindowMatch[] = []
  xs.forEach((x, i) => {
    const match = matcher.push(x, times[i])
    if (match) out.push(match)
  })
  if (flush) {
    const last = matcher.flush()
    if (last) out.push(last)
  }
  return out
}

const roundTrip = (m: NormalizedWindowMatcher) =>
  NormalizedWindowMatcher.fromSnapshot(JSON.parse(JSON.stringify(m.snapshot())) as NormalizedWindowMatcherSnapshot)

// chunks of noise between scaled, shifted copies of the pattern (so that most runs match), either as
// small integers (flat windows, ties) or far from 0 (the shifted running sums at work)
const scenario = fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 2, maxLength: 10 }).chain(pattern =>
  fc.record({
    pattern: fc.constant(pattern),
    series: fc
      .tuple(
        fc.array(
          fc.oneof(
            fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 12 }),
            fc
              .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: -9, max: 9 }))
              .map(([scale, shift]) => pattern.map(v => v * scale + shift)),
          ),
          { maxLength: 10 },
        ),
        fc.constantFrom(0, 1e6),
      )
      .map(([chunks, offset]) => chunks.flat().map(v => v + offset)),
    times: fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 200, maxLength: 200 }),
    band: fc.option(fc.oneof(fc.integer({ min: 0, max: 12 }), fc.double({ min: 0.05, max: 0.95, noNaN: true })), {
      nil: undefined,
    }),
    cost: fc.constantFrom('squared' as const, 'absolute' as const),
    threshold: fc.double({ min: 0, max: 12, noNaN: true }),
  }),
)

describe('NormalizedWindowMatcher snapshots', () => {
  test.prop([scenario, fc.nat()], { numRuns: 300 })(
    'snapshot after any k values, through JSON, restored and continued = one uninterrupted run (matches and final snapshot)',
    ({ pattern, series: xs, times, band, cost, threshold }, cut) => {
      const k = cut % (xs.length + 1)
      const prepared = prepareNormalized('p', pattern, band, cost, threshold)
      const whole = new NormalizedWindowMatcher(prepared)
      const expected = run(whole, xs, times, false)
      const first = new NormalizedWindowMatcher(prepared)
      const head = run(first, xs.slice(0, k), times, false)
      const restored = roundTrip(first)
      const tail = run(restored, xs.slice(k), times.slice(k), false)
      expect([...head, ...tail]).toEqual(expected)
      expect(restored.snapshot()).toEqual(whole.snapshot())
      expect(restored.flush()).toEqual(whole.flush())
      expect(restored.snapshot()).toEqual(whole.snapshot())
    },
  )

  it('a match held back at the snapshot comes out of the restored matcher, with its times', () => {
    const prepared = prepareNormalized('p', [0, 1, 0], undefined, 'squared', 0.5)
    const xs = [5, 0, 2, 0, 7, 7, 7, 7]
    const times = xs.map((_, i) => 100 + i)
    const whole = run(new NormalizedWindowMatcher(prepared), xs, times, true)
    expect(whole[0]).toMatchObject({ start: 1, end: 3, startTime: 101, endTime: 103 })
    expect(whole[0].distance).toBeCloseTo(0, 12)
    const first = new NormalizedWindowMatcher(prepared)
    expect(run(first, xs.slice(0, 4), times, false)).toEqual([])
    expect(first.snapshot().pending).not.toBeNull()
    expect(run(roundTrip(first), xs.slice(4), times.slice(4), true)).toEqual(whole)
  })

  it('a snapshot of another kind or version is a SnapshotError naming both', () => {
    const s = new NormalizedWindowMatcher(prepareNormalized('p', [1, 2], undefined, 'squared', 1)).snapshot()
    expect(() => NormalizedWindowMatcher.fromSnapshot({ ...s, kind: 'Spring' } as never)).toThrow(SnapshotError)
    expect(() => NormalizedWindowMatcher.fromSnapshot({ ...s, kind: 'Spring' } as never)).toThrow(
      /^NormalizedWindowMatcher.fromSnapshot: the snapshot is of kind "Spring", expected "NormalizedWindowMatcher"/,
    )
    expect(() => NormalizedWindowMatcher.fromSnapshot({ ...s, version: 0 })).toThrow(
      /has version 0, this version reads 1/,
    )
  })

  it('damaged fields are typed errors naming the field', () => {
    const matcher = new NormalizedWindowMatcher(prepareNormalized('p', [0, 1, 0], 1, 'squared', 0.5))
    run(matcher, [5, 0, 2, 0], [0, 1, 2, 3], false)
    const s = matcher.snapshot()
    const col = (values: number[]) => Buffer.from(Float64Array.from(values).buffer).toString('base64')
    const from = (patch: Partial<NormalizedWindowMatcherSnapshot>) => () =>
      NormalizedWindowMatcher.fromSnapshot({ ...s, ...patch })
    expect(from({ values: 'AAAA' })).toThrow(SnapshotError)
    expect(from({ values: col([1, 2]) })).toThrow(/values holds 2 values, expected 3/)
    expect(from({ times: col([1, 2, 3, 4]) })).toThrow(/times holds 4 values, expected 3/)
    expect(from({ query: col([0, Number.NaN, 0]) })).toThrow(/query\[1\] is NaN/)
    expect(from({ length: 1 })).toThrow(/length must be an integer >= 2/)
    expect(from({ options: { ...s.options, band: 9 } })).toThrow(/options.band must be an integer/)
    expect(from({ options: { ...s.options, cost: 'cubic' as never } })).toThrow(/options.cost must be/)
    expect(from({ options: null as never })).toThrow(TypeError)
    expect(from({ state: col([0, 4, 0, 0, 0, 1]) })).toThrow(/ring position 0 does not follow 4 values/)
    expect(from({ state: col([1, 4, 0, 0, 0, 3]) })).toThrow(/3 values since the exact sums/)
    expect(from({ state: col([1, 4, 0, Infinity, 0, 1]) })).toThrow(/running sums/)
    expect(from({ pending: col([1, 2, 0, 0, 0]) })).toThrow(/pending match \[1, 2\]/)
    expect(from({ pending: col([1, 3, 0.7, 0, 0]) })).toThrow(/distance 0.7 is not in \[0, 0.5\]/)
  })
})
