import { fc, test } from '@fast-check/vitest'
import { SnapshotError, Spring, type SpringMatch, type SpringOptions, type SpringSnapshot } from 'midstream'
import { describe, expect, it } from 'vitest'

type Element = number | number[]

/** Pushes `xs` (with `times` when given), collecting the matches; `flush` adds the last one. */
function run(spring: Spring, xs: readonly Element[], times: readonly number[] | undefined, flush: boolean) {
  const out: SpringMatch[] = []
  xs.forEach((x, i) => {
    const match = spring.push(x, times?.[i])
    if (match) out.push(match)
  })
  if (flush) {
    const last = spring.flush()
    if (last) out.push(last)
  }
  return out
}

/** A query, a series of the query's kind (numbers or vectors of its dimension), and times. */
const scenario = fc.integer({ min: 0, max: 3 }).chain(dim => {
  const value = fc.integer({ min: -6, max: 6 })
  const element: fc.Arbitrary<Element> = dim === 0 ? value : fc.array(value, { minLength: dim, maxLength: dim })
  return fc.record({
    query: fc.array(element, { minLength: 1, maxLength: 8 }),
    series: fc.array(element, { maxLength: 80 }),
    times: fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 80, maxLength: 80 }),
    threshold: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 60, noNaN: true })),
    cost: fc.constantFrom('squared' as const, 'absolute' as const),
    timed: fc.boolean(),
  })
})

describe('Spring snapshots', () => {
  test.prop([scenario, fc.nat()])(
    'snapshot after any k elements, through JSON, restored and continued = one uninterrupted run (matches and final snapshot)',
    ({ query, series, times, threshold, cost, timed }, cut) => {
      const k = cut % (series.length + 1)
      const options: SpringOptions = { threshold, cost, timed }
      const q = query as number[] | number[][]
      const t = timed ? times : undefined
      const whole = new Spring(q, options)
      const expected = run(whole, series, t, false)
      const first = new Spring(q, options)
      const head = run(first, series.slice(0, k), t, false)
      const restored = Spring.fromSnapshot(JSON.parse(JSON.stringify(first.snapshot())))
      expect(restored.count).toBe(k)
      const tail = run(restored, series.slice(k), t?.slice(k), false)
      expect([...head, ...tail]).toEqual(expected)
      expect(restored.snapshot()).toEqual(whole.snapshot())
      // and after the end of the stream: the same last match, the same final state
      expect(restored.flush()).toEqual(whole.flush())
      expect(restored.snapshot()).toEqual(whole.snapshot())
    },
  )

  it('a candidate pending at the snapshot is reported by the restored kernel, as in the uninterrupted run', () => {
    const xs = [9, 1, 2, 2, 3, 9, 9]
    const first = new Spring([1, 2, 3], { threshold: 0.5 })
    expect(run(first, xs.slice(0, 5), undefined, false)).toEqual([])
    const saved = JSON.parse(JSON.stringify(first.snapshot())) as SpringSnapshot
    const restored = Spring.fromSnapshot(saved)
    expect(run(restored, xs.slice(5), undefined, false)).toEqual([{ start: 1, end: 4, distance: 0 }])
  })

  it('the Infinity sentinels and the threshold travel exactly', () => {
    const spring = new Spring([[0.1, 0.2]], { threshold: 0.30000000000000004, timed: true })
    spring.push([0.1, 0.9], 1.5) // cost 0.49 > threshold: no candidate
    const saved = JSON.parse(JSON.stringify(spring.snapshot()))
    const back = Spring.fromSnapshot(saved)
    expect(back.threshold).toBe(0.30000000000000004)
    expect(back.dimension).toBe(2)
    expect(back.snapshot()).toEqual(spring.snapshot())
    // dMin is Infinity when no candidate is pending: decoded, not turned into null by JSON
    expect(Buffer.from(saved.state, 'base64').readDoubleLE(8)).toBe(Number.POSITIVE_INFINITY)
  })

  it('a snapshot of another kind or version is a SnapshotError naming both', () => {
    const s = new Spring([1, 2], { threshold: 1 }).snapshot()
    expect(() => Spring.fromSnapshot({ ...s, kind: 'PageHinkley' } as never)).toThrow(SnapshotError)
    expect(() => Spring.fromSnapshot({ ...s, kind: 'PageHinkley' } as never)).toThrow(
      /^Spring.fromSnapshot: the snapshot is of kind "PageHinkley", expected "Spring"/,
    )
    expect(() => Spring.fromSnapshot({ ...s, version: 2 })).toThrow(
      /^Spring.fromSnapshot: .* has version 2, this version reads 1/,
    )
    expect(() => Spring.fromSnapshot(null as never)).toThrow(TypeError)
  })

  it('damaged fields are typed errors naming the field', () => {
    const spring = new Spring([1, 2, 3], { threshold: 1, timed: true })
    spring.push(1, 0)
    spring.push(2, 1)
    const s = spring.snapshot()
    const col = (values: number[]) => Buffer.from(Float64Array.from(values).buffer).toString('base64')
    expect(() => Spring.fromSnapshot({ ...s, distances: 'AAAA' })).toThrow(SnapshotError)
    expect(() => Spring.fromSnapshot({ ...s, distances: col([0, 1]) })).toThrow(/distances holds 2 values, expected 4/)
    expect(() => Spring.fromSnapshot({ ...s, distances: col([0, Number.NaN, 1, 2]) })).toThrow(/distances\[1\] is NaN/)
    expect(() => Spring.fromSnapshot({ ...s, starts: col([0, 0.5, 0, 0]) })).toThrow(/starts\[1\] is 0.5/)
    expect(() => Spring.fromSnapshot({ ...s, starts: col([0, 7, 0, 0]) })).toThrow(/starts\[1\] is 7/)
    expect(() => Spring.fromSnapshot({ ...s, times: col([]) })).toThrow(/times holds 0 values, expected 4/)
    expect(() => Spring.fromSnapshot({ ...s, query: col([1, 2]) })).toThrow(/query holds 2 values, expected 3/)
    expect(() => Spring.fromSnapshot({ ...s, query: col([1, Number.NaN, 3]) })).toThrow(/^Spring: query\[1\]/)
    expect(() => Spring.fromSnapshot({ ...s, state: col([-1, Infinity, 0, 0, 0, 0]) })).toThrow(/element count -1/)
    expect(() => Spring.fromSnapshot({ ...s, state: col([2, 0.5, 1, 5, 0, 0]) })).toThrow(/candidate \[1, 5\]/)
    expect(() => Spring.fromSnapshot({ ...s, length: 0 })).toThrow(
      /^Spring.fromSnapshot: length must be an integer >= 1/,
    )
    expect(() => Spring.fromSnapshot({ ...s, options: { ...s.options, cost: 'cubic' as never } })).toThrow(
      /^Spring: cost must be/,
    )
    expect(() => Spring.fromSnapshot({ ...s, options: { ...s.options, threshold: -1 } })).toThrow(/^Spring: threshold/)
  })
})
