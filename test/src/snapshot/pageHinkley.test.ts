import { fc, test } from '@fast-check/vitest'
import { PageHinkley, type PageHinkleyOptions, SnapshotError } from 'midstream'
import { describe, expect, it } from 'vitest'

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true })
const options = fc.record(
  {
    minInstances: fc.integer({ min: 1, max: 40 }),
    delta: fc.double({ min: 0, max: 1, noNaN: true }),
    threshold: fc.double({ min: 0, max: 50, noNaN: true }),
    alpha: fc.double({ min: 0.5, max: 1, noNaN: true, minExcluded: true }),
    mode: fc.constantFrom('both' as const, 'up' as const, 'down' as const),
  },
  { requiredKeys: [] },
)

/** Feeds `xs`, returning the drift flag after each update. */
function run(detector: PageHinkley, xs: readonly number[]): boolean[] {
  return xs.map(x => {
    detector.update(x)
    return detector.driftDetected
  })
}

describe('PageHinkley snapshots', () => {
  test.prop([options, fc.array(finite, { maxLength: 300 }), fc.nat()])(
    'snapshot after any k inputs, through JSON, restored and continued = one uninterrupted run',
    (opts: PageHinkleyOptions, xs, cut) => {
      const k = xs.length === 0 ? 0 : cut % (xs.length + 1)
      const whole = new PageHinkley(opts)
      const expected = run(whole, xs)
      const first = new PageHinkley(opts)
      const head = run(first, xs.slice(0, k))
      const restored = PageHinkley.fromSnapshot(JSON.parse(JSON.stringify(first.snapshot())))
      const tail = run(restored, xs.slice(k))
      expect([...head, ...tail]).toEqual(expected)
      expect(restored.snapshot()).toEqual(whole.snapshot())
      expect(restored.runningMean).toBe(whole.runningMean)
    },
  )

  it('a level shift is detected at the same step whether or not the run was interrupted at the shift', () => {
    const xs = [...Array.from({ length: 200 }, () => 0), ...Array.from({ length: 200 }, () => 5)]
    const whole = run(new PageHinkley(), xs)
    const first = new PageHinkley()
    run(first, xs.slice(0, 200))
    const rest = run(PageHinkley.fromSnapshot(JSON.parse(JSON.stringify(first.snapshot()))), xs.slice(200))
    expect(whole.indexOf(true)).toBeGreaterThan(200)
    expect(rest.indexOf(true) + 200).toBe(whole.indexOf(true))
  })

  it('a snapshot of another kind or version is a SnapshotError naming both', () => {
    const s = new PageHinkley().snapshot()
    expect(() => PageHinkley.fromSnapshot({ ...s, kind: 'ADWIN' } as never)).toThrow(SnapshotError)
    expect(() => PageHinkley.fromSnapshot({ ...s, kind: 'ADWIN' } as never)).toThrow(
      /^PageHinkley.fromSnapshot: the snapshot is of kind "ADWIN", expected "PageHinkley"/,
    )
    expect(() => PageHinkley.fromSnapshot({ ...s, version: 2 })).toThrow(/has version 2, this version reads 1/)
    expect(() => PageHinkley.fromSnapshot({ ...s, state: 'AAAA' })).toThrow(SnapshotError)
    expect(() => PageHinkley.fromSnapshot(null as never)).toThrow(TypeError)
    expect(() => PageHinkley.fromSnapshot({ ...s, options: { ...s.options, alpha: 2 } })).toThrow(/^PageHinkley: alpha/)
  })
})
