import { fc, test } from '@fast-check/vitest'
import { ADWIN, type ADWINOptions, type ADWINSnapshot, SnapshotError } from 'midstream'
import { describe, expect, it } from 'vitest'

const options = fc.record(
  {
    delta: fc.double({ min: 0.001, max: 0.5, noNaN: true }),
    clock: fc.integer({ min: 1, max: 8 }),
    maxBuckets: fc.integer({ min: 1, max: 6 }),
    minWindowLength: fc.integer({ min: 1, max: 6 }),
    gracePeriod: fc.integer({ min: 0, max: 12 }),
  },
  { requiredKeys: [] },
)

/** Piecewise streams: runs of values around a level that jumps, so that cuts happen often. */
const stream = fc
  .array(
    fc.tuple(
      fc.integer({ min: 1, max: 120 }),
      fc.double({ min: -50, max: 50, noNaN: true }),
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 }),
    ),
    { maxLength: 8 },
  )
  .map(runs =>
    runs.flatMap(([n, level, noise]) => Array.from({ length: n }, (_, i) => level + noise[i % noise.length])),
  )

/** Feeds `xs`, returning the drift flag and the estimation after each update. */
function run(detector: ADWIN, xs: readonly number[]): [boolean, number][] {
  return xs.map(x => {
    detector.update(x)
    return [detector.driftDetected, detector.estimation]
  })
}

const roundTrip = (s: ADWINSnapshot): ADWINSnapshot => JSON.parse(JSON.stringify(s))

describe('ADWIN snapshots', () => {
  test.prop([options, stream, fc.nat(), fc.boolean()], { numRuns: 300 })(
    'snapshot after any k inputs, through JSON, restored (fromSnapshot or restore) and continued = one uninterrupted run',
    (opts: ADWINOptions, xs, cut, inPlace) => {
      const k = cut % (xs.length + 1)
      const whole = new ADWIN(opts)
      const expected = run(whole, xs)
      const first = new ADWIN(opts)
      const head = run(first, xs.slice(0, k))
      let restored: ADWIN
      if (inPlace) {
        // restore into a detector that has seen something else, as a holder of an instance would
        restored = new ADWIN(opts)
        run(restored, [5, -5, 5, -5, 100, 100])
        restored.restore(roundTrip(first.snapshot()))
      } else restored = ADWIN.fromSnapshot(roundTrip(first.snapshot()))
      const tail = run(restored, xs.slice(k))
      expect([...head, ...tail]).toEqual(expected)
      expect(restored.snapshot()).toEqual(whole.snapshot())
      expect([restored.width, restored.total, restored.variance, restored.nDetections]).toEqual([
        whole.width,
        whole.total,
        whole.variance,
        whole.nDetections,
      ])
    },
  )

  it("River's docstring-like stream: the cut after a level shift is found at the same element across a restore", () => {
    const xs = [
      ...Array.from({ length: 1000 }, (_, i) => i % 2),
      ...Array.from({ length: 1000 }, (_, i) => 4 + (i % 4)),
    ]
    const whole = run(new ADWIN(), xs).map(([d]) => d)
    const first = new ADWIN()
    run(first, xs.slice(0, 1000))
    const rest = run(ADWIN.fromSnapshot(roundTrip(first.snapshot())), xs.slice(1000)).map(([d]) => d)
    expect(whole.indexOf(true)).toBeGreaterThan(1000)
    expect(rest.indexOf(true) + 1000).toBe(whole.indexOf(true))
  })

  it('bucket sums survive bit for bit, -0 and values a decimal rendering would round included', () => {
    const adwin = new ADWIN({ clock: 1000 })
    for (const x of [-0, 0.1, 0.2, 1 / 3, 1e-300, 2 ** 52 + 1, -7.5e-12]) adwin.update(x)
    const restored = ADWIN.fromSnapshot(roundTrip(adwin.snapshot()))
    expect(Object.is(restored.total, adwin.total)).toBe(true)
    expect(restored.variance).toBe(adwin.variance)
    expect(restored.snapshot()).toEqual(adwin.snapshot())
  })

  it('a snapshot of another kind or version is a SnapshotError naming both', () => {
    const s = new ADWIN().snapshot()
    expect(() => ADWIN.fromSnapshot({ ...s, kind: 'KSWIN' } as never)).toThrow(SnapshotError)
    expect(() => ADWIN.fromSnapshot({ ...s, kind: 'KSWIN' } as never)).toThrow(
      /^ADWIN.fromSnapshot: the snapshot is of kind "KSWIN", expected "ADWIN"/,
    )
    expect(() => new ADWIN().restore({ ...s, version: 2 })).toThrow(
      /^ADWIN.restore: the snapshot of ADWIN has version 2, this version reads 1/,
    )
    expect(() => ADWIN.fromSnapshot(null as never)).toThrow(TypeError)
  })

  it('damaged fields are SnapshotErrors naming the field, and a failed restore leaves the detector as it was', () => {
    const adwin = new ADWIN({ clock: 1000 })
    for (let i = 0; i < 40; i++) adwin.update(i % 3)
    const s = roundTrip(adwin.snapshot())
    const damaged: [Partial<Record<keyof ADWINSnapshot, unknown>>, RegExp][] = [
      [{ window: 'AAAA' }, /window/],
      [{ window: s.totals }, /window holds \d+ values, expected 3/],
      [{ tick: -1 }, /tick must be an integer/],
      [{ levels: 0 }, /levels must be an integer in \[1, 64\]/],
      [{ counts: 'x' }, /counts must be an array/],
      [{ counts: [...s.counts.slice(0, -1), 99] }, /counts\[\d+\] must be an integer in \[0, 5\], got 99/],
      [
        { counts: [s.counts[0] - 1, ...s.counts.slice(1)] },
        /the buckets hold \d+ elements, but the window's width is 40/,
      ],
      [{ totals: s.window }, /totals holds 3 values, expected/],
      [{ variances: 'not base64!' }, /variances/],
      [{ driftDetected: 'no' }, /driftDetected must be a boolean, got "no"/],
      [{ nDetections: 1.5 }, /nDetections must be an integer/],
      [{ options: null }, /options must be an object, got null/],
    ]
    const target = new ADWIN({ clock: 1000 })
    target.update(7)
    const before = target.snapshot()
    for (const [patch, message] of damaged) {
      expect(() => ADWIN.fromSnapshot({ ...s, ...patch } as ADWINSnapshot)).toThrow(SnapshotError)
      expect(() => target.restore({ ...s, ...patch } as ADWINSnapshot)).toThrow(message)
      expect(target.snapshot()).toEqual(before)
    }
    // options out of range fail as the constructor does
    expect(() => ADWIN.fromSnapshot({ ...s, options: { ...s.options, clock: 0 } })).toThrow(/^ADWIN: clock/)
  })

  it('restore into a detector with other options is a SnapshotError naming the option and both values', () => {
    const s = new ADWIN({ delta: 0.01 }).snapshot()
    expect(() => new ADWIN({ delta: 0.02 }).restore(s)).toThrow(SnapshotError)
    expect(() => new ADWIN({ delta: 0.02 }).restore(s)).toThrow(
      /^ADWIN.restore: the snapshot's delta is 0.01, this ADWIN's is 0.02/,
    )
    expect(() => new ADWIN({ delta: 0.01, maxBuckets: 3 }).restore(s)).toThrow(/maxBuckets is 5, this ADWIN's is 3/)
  })
})
