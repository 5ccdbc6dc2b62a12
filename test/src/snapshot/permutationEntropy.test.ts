import { fc, test } from '@fast-check/vitest'
import { permutationEntropy, SlidingPermutationEntropy, SnapshotError } from 'midstream'
import { describe, expect, it } from 'vitest'

// few distinct values, so ties (ranked by time) are common; and arbitrary doubles
const value = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.constantFrom(-0, 0, Number.MIN_VALUE, -Number.MAX_VALUE),
)
const shape = fc
  .record({ order: fc.integer({ min: 2, max: 5 }), delay: fc.integer({ min: 1, max: 3 }), extra: fc.nat(40) })
  .map(({ order, delay, extra }) => ({ order, delay, window: (order - 1) * delay + 1 + extra }))

type Shape = { order: number; delay: number; window: number }
const make = ({ order, delay, window }: Shape) => new SlidingPermutationEntropy(order, delay, window)

/** Pushes `xs`, returning `value()` and `patternCount` after each push. */
function run(pe: SlidingPermutationEntropy, xs: readonly number[]): [number, number][] {
  return xs.map(x => {
    pe.push(x)
    return [pe.value(), pe.patternCount]
  })
}

const roundTrip = <S>(s: S): S => JSON.parse(JSON.stringify(s))

describe('SlidingPermutationEntropy snapshots', () => {
  test.prop([shape, fc.array(value, { maxLength: 300 }), fc.nat()])(
    'snapshot after any k values, through JSON, restored and continued = one uninterrupted run',
    (sh, xs, cut) => {
      const k = cut % (xs.length + 1)
      const whole = make(sh)
      const expected = run(whole, xs)
      const first = make(sh)
      const head = run(first, xs.slice(0, k))
      const restored = SlidingPermutationEntropy.fromSnapshot(roundTrip(first.snapshot()))
      expect(restored.snapshot()).toEqual(first.snapshot())
      const tail = run(restored, xs.slice(k))
      expect([...head, ...tail]).toEqual(expected)
      expect(restored.snapshot()).toEqual(whole.snapshot())
      expect([...restored.counts]).toEqual([...whole.counts])
    },
  )

  test.prop([shape, fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 1, maxLength: 200 }), fc.nat()], {
    numRuns: 50,
  })('a restored window still equals permutationEntropy of its last values (independent oracle)', (sh, xs, cut) => {
    const k = cut % (xs.length + 1)
    const first = make(sh)
    run(first, xs.slice(0, k))
    const pe = SlidingPermutationEntropy.fromSnapshot(roundTrip(first.snapshot()))
    const span = (sh.order - 1) * sh.delay
    xs.slice(k).forEach((x, j) => {
      pe.push(x)
      const last = xs.slice(Math.max(0, k + j + 1 - sh.window), k + j + 1)
      if (last.length > span) expect(pe.value()).toBeCloseTo(permutationEntropy(last, sh.order, sh.delay), 10)
      else expect(pe.value()).toBeNaN()
    })
  })

  it('keeps the running sum bit for bit (it carries rounding that a recount would not)', () => {
    const pe = new SlidingPermutationEntropy(5, 1, 5000)
    const xs = Array.from({ length: 3000 }, (_, i) => Math.sin(i * 1.7) + Math.sin(i * 0.31))
    run(pe, xs)
    const again = SlidingPermutationEntropy.fromSnapshot(roundTrip(pe.snapshot()))
    expect(Object.is(again.value(), pe.value())).toBe(true)
    expect(again.snapshot().sumCLogC).toBe(pe.snapshot().sumCLogC)
  })

  it('a fresh and a reset window have the same snapshot, and it restores to an empty window', () => {
    const pe = new SlidingPermutationEntropy(3, 2, 10)
    run(pe, [1, 2, 3, 4, 5, 6, 7])
    pe.reset()
    const fresh = new SlidingPermutationEntropy(3, 2, 10).snapshot()
    expect(pe.snapshot()).toEqual(fresh)
    expect(fresh).toMatchObject({ pushed: 0, recent: '', codes: [], sinceResync: 0 })
    expect(SlidingPermutationEntropy.fromSnapshot(fresh).value()).toBeNaN()
  })

  it('a snapshot of another kind or version is a SnapshotError naming both', () => {
    const s = new SlidingPermutationEntropy(3, 1, 10).snapshot()
    expect(() => SlidingPermutationEntropy.fromSnapshot({ ...s, kind: 'PageHinkley' } as never)).toThrow(SnapshotError)
    expect(() => SlidingPermutationEntropy.fromSnapshot({ ...s, kind: 'PageHinkley' } as never)).toThrow(
      /^SlidingPermutationEntropy.fromSnapshot: the snapshot is of kind "PageHinkley", expected "SlidingPermutationEntropy"/,
    )
    expect(() => SlidingPermutationEntropy.fromSnapshot({ ...s, version: 2 })).toThrow(
      /of SlidingPermutationEntropy has version 2, this version reads 1/,
    )
    expect(() => SlidingPermutationEntropy.fromSnapshot(undefined as never)).toThrow(TypeError)
  })

  it('damaged fields are typed errors naming the field', () => {
    const pe = new SlidingPermutationEntropy(3, 1, 8)
    run(pe, [5, 1, 4, 2, 8, 3, 3, 9, 0, 7, 6])
    const s = roundTrip(pe.snapshot())
    expect(s.codes).toHaveLength(6)
    const from = (patch: object) => () => SlidingPermutationEntropy.fromSnapshot({ ...s, ...patch })
    expect(from({ pushed: -1 })).toThrow(/^SlidingPermutationEntropy.fromSnapshot: pushed must be an integer/)
    expect(from({ pushed: 1.5 })).toThrow(SnapshotError)
    expect(from({ pushed: 2 })).toThrow(/recent holds 3 values, expected 2 after 2 pushed/)
    expect(from({ recent: 'AAAA' })).toThrow(/recent/)
    expect(from({ recent: pe.snapshot().recent.slice(0, -12) })).toThrow(SnapshotError)
    expect(from({ codes: s.codes.slice(1) })).toThrow(/codes must be an array of the 6/)
    expect(from({ codes: [...s.codes.slice(0, 5), 6] })).toThrow(/codes\[5\] must be an integer in \[0, 6\)/)
    expect(from({ codes: [...s.codes.slice(0, 5), (s.codes[5] + 1) % 6] })).toThrow(
      /the newest code .* is not the pattern of the recent values/,
    )
    expect(from({ codes: [(s.codes[0] + 1) % 6, ...s.codes.slice(1)] })).toThrow(/sumCLogC does not match/)
    expect(from({ sumCLogC: 'AAAAAAAAAAA=' })).toThrow(/sumCLogC does not match/)
    expect(from({ sinceResync: 8 })).toThrow(/sinceResync must be an integer in \[0, 7\]/)
    expect(from({ options: null })).toThrow(/options must be an object/)
    expect(from({ options: { ...s.options, order: 9 } })).toThrow(/^SlidingPermutationEntropy: order/)
    expect(from({ options: { ...s.options, window: 2 } })).toThrow(RangeError)
  })
})
