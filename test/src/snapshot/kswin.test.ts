import { fc, test } from '@fast-check/vitest'
import { KSWIN, type KSWINOptions, type KSWINRandomBelow, type KSWINSnapshot, SnapshotError } from 'midstream'
import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../../../src/stats/random'
import { PythonRandom } from '../../support/pythonRandom'

/** Small windows and a loose alpha, so that tests run and drifts are flagged often. */
const options = fc.integer({ min: 1, max: 10 }).chain(statSize =>
  fc.record(
    {
      statSize: fc.constant(statSize),
      windowSize: fc.integer({ min: 2 * statSize, max: 2 * statSize + 30 }),
      alpha: fc.double({ min: 0, max: 0.5, noNaN: true }),
      seed: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      window: fc.option(fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 60 }), { nil: undefined }),
    },
    { requiredKeys: ['statSize', 'windowSize'] },
  ),
)

/** Runs of values around levels that jump, ties included (integers), so that the KS test flags drifts. */
const stream = fc
  .array(
    fc.tuple(
      fc.integer({ min: 1, max: 80 }),
      fc.integer({ min: -20, max: 20 }),
      fc.array(fc.oneof(fc.integer({ min: -2, max: 2 }), fc.double({ min: -1, max: 1, noNaN: true })), {
        minLength: 1,
        maxLength: 7,
      }),
    ),
    { maxLength: 6 },
  )
  .map(runs =>
    runs.flatMap(([n, level, noise]) => Array.from({ length: n }, (_, i) => level + noise[i % noise.length])),
  )

/** Feeds `xs`, returning the drift flag, p-value and statistic after each update. */
function run(detector: KSWIN, xs: readonly number[]): [boolean, number, number][] {
  return xs.map(x => {
    detector.update(x)
    return [detector.driftDetected, detector.pValue, detector.statistic]
  })
}

const roundTrip = (s: KSWINSnapshot): KSWINSnapshot => JSON.parse(JSON.stringify(s))

/**
 * A custom source whose below function exposes its state (Python's Mersenne Twister, the state read
 * and written as a plain array, as `random.getstate()` would give it).
 */
function pythonBelowWithState(seed: number): KSWINRandomBelow {
  const random = new PythonRandom(seed)
  // the test's own port keeps the twister in private fields; these are its whole state
  const inner = random as unknown as { mt: Uint32Array; index: number }
  const below = ((m: number) => random.randbelow(m)) as KSWINRandomBelow
  Object.defineProperty(below, 'state', {
    get: () => [...inner.mt, inner.index],
    set: (state: number[]) => {
      inner.mt.set(state.slice(0, 624))
      inner.index = state[624]
    },
  })
  return below
}

describe('KSWIN snapshots', () => {
  test.prop([options, stream, fc.nat(), fc.boolean()], { numRuns: 200 })(
    'snapshot after any k inputs, through JSON, restored (fromSnapshot or restore) and continued = one uninterrupted run',
    (opts: KSWINOptions, xs, cut, inPlace) => {
      const k = cut % (xs.length + 1)
      const whole = new KSWIN(opts)
      const expected = run(whole, xs)
      const first = new KSWIN(opts)
      const head = run(first, xs.slice(0, k))
      let restored: KSWIN
      if (inPlace) {
        // restore into a detector that has drawn samples of its own
        restored = new KSWIN({ ...opts, window: undefined })
        run(
          restored,
          Array.from({ length: opts.windowSize ?? 100 }, (_, i) => i % 5),
        )
        restored.restore(roundTrip(first.snapshot()))
      } else restored = KSWIN.fromSnapshot(roundTrip(first.snapshot()))
      const tail = run(restored, xs.slice(k))
      expect([...head, ...tail]).toEqual(expected)
      const { window: _, ...constructed } = opts
      expect(restored.snapshot()).toEqual(whole.snapshot())
      expect(restored.snapshot().options).toEqual({ ...new KSWIN(constructed).snapshot().options })
      expect(restored.count).toBe(whole.count)
    },
  )

  test.prop([options, stream, fc.nat()], { numRuns: 60 })(
    'the same with a custom source that exposes its state (a Python-compatible Mersenne Twister)',
    (opts: KSWINOptions, xs, cut) => {
      const k = cut % (xs.length + 1)
      const withSource = { ...opts, randomBelow: pythonBelowWithState }
      const expected = run(new KSWIN(withSource), xs)
      const first = new KSWIN(withSource)
      const head = run(first, xs.slice(0, k))
      const restored = KSWIN.fromSnapshot(roundTrip(first.snapshot()), { randomBelow: pythonBelowWithState })
      expect([...head, ...run(restored, xs.slice(k))]).toEqual(expected)
    },
  )

  it('a mean shift is flagged at the same element across a restore just before it', () => {
    const random = mulberry32(5)
    const xs = Array.from({ length: 600 }, (_, i) => (i < 300 ? 0 : 3) + random())
    const whole = run(new KSWIN({ alpha: 0.0001, seed: 42 }), xs).map(([d]) => d)
    const first = new KSWIN({ alpha: 0.0001, seed: 42 })
    run(first, xs.slice(0, 295))
    const rest = run(KSWIN.fromSnapshot(roundTrip(first.snapshot())), xs.slice(295)).map(([d]) => d)
    expect(whole.indexOf(true)).toBeGreaterThan(300)
    expect(rest.indexOf(true) + 295).toBe(whole.indexOf(true))
  })

  it('a custom source without readable state: snapshot() is a TypeError saying so', () => {
    const kswin = new KSWIN({
      randomBelow: seed => {
        const random = new PythonRandom(seed)
        return m => random.randbelow(m)
      },
    })
    expect(() => kswin.snapshot()).toThrow(TypeError)
    expect(() => kswin.snapshot()).toThrow(/^KSWIN.snapshot: the custom randomBelow source has no readable state/)
    const throwing = new KSWIN({
      randomBelow: () =>
        Object.defineProperty((m: number) => m - 1, 'state', {
          get: () => {
            throw new Error('sealed')
          },
        }),
    })
    expect(() => throwing.snapshot()).toThrow(/reading the state of the custom randomBelow threw: Error: sealed/)
  })

  it('a custom-source snapshot needs the source again; sources must match', () => {
    const custom = new KSWIN({ randomBelow: pythonBelowWithState }).snapshot()
    expect(() => KSWIN.fromSnapshot(custom)).toThrow(TypeError)
    expect(() => KSWIN.fromSnapshot(custom)).toThrow(/pass the same source as options.randomBelow/)
    expect(() => new KSWIN().restore(roundTrip(custom))).toThrow(
      /^KSWIN.restore: the snapshot's random source is custom, this KSWIN's is mulberry32/,
    )
    const builtIn = new KSWIN().snapshot()
    expect(() => KSWIN.fromSnapshot(builtIn, { randomBelow: pythonBelowWithState })).toThrow(
      /the snapshot's random source is mulberry32, this KSWIN's is custom/,
    )
    const refusing = () =>
      Object.defineProperty((m: number) => m - 1, 'state', {
        get: () => 1,
        set: () => {
          throw new Error('read-only')
        },
      })
    expect(() => KSWIN.fromSnapshot(custom, { randomBelow: refusing })).toThrow(SnapshotError)
    expect(() => KSWIN.fromSnapshot(custom, { randomBelow: refusing })).toThrow(
      /setting the state .* threw: Error: read-only/,
    )
  })

  it('a snapshot of another kind or version is a SnapshotError naming both; other options too', () => {
    const s = new KSWIN().snapshot()
    expect(() => KSWIN.fromSnapshot({ ...s, kind: 'ADWIN' } as never)).toThrow(SnapshotError)
    expect(() => KSWIN.fromSnapshot({ ...s, kind: 'ADWIN' } as never)).toThrow(
      /^KSWIN.fromSnapshot: the snapshot is of kind "ADWIN", expected "KSWIN"/,
    )
    expect(() => new KSWIN().restore({ ...s, version: 2 })).toThrow(
      /^KSWIN.restore: the snapshot of KSWIN has version 2, this version reads 1/,
    )
    expect(() => new KSWIN({ seed: 2 }).restore(s)).toThrow(
      /^KSWIN.restore: the snapshot's seed is 1, this KSWIN's is 2/,
    )
    expect(() => KSWIN.fromSnapshot({ ...s, options: { ...s.options, statSize: 0 } })).toThrow(/^KSWIN: statSize/)
  })

  it('damaged fields are SnapshotErrors naming the field, and a failed restore leaves the detector as it was', () => {
    const kswin = new KSWIN({ windowSize: 10, statSize: 3 })
    for (let i = 0; i < 14; i++) kswin.update((i * 7) % 5)
    const s = roundTrip(kswin.snapshot())
    const enc = (values: number[]) =>
      roundTrip(new KSWIN({ windowSize: 10, statSize: 3, window: values }).snapshot()).values
    const damaged: [Partial<Record<keyof KSWINSnapshot, unknown>>, RegExp][] = [
      [{ values: 'AAAA' }, /values/],
      [{ values: enc([1, 2, 3, 4, 5, 6, 7, 8, 9]) }, /arrivals holds 10 values, expected 9/],
      [{ arrivals: s.values }, /arrivals\[0\] is -?\d+, not one of the last 10 of 14 arrivals/],
      [{ entered: 9 }, /entered must be an integer in \[10, /],
      [{ entered: 15 }, /arrivals\[\d\] is \d+, not one of the last 10 of 15/],
      [{ count: 15 }, /count must be an integer in \[0, 14\]/],
      [{ test: enc([2, 0]).slice(0, 24) }, /test/],
      [{ driftDetected: 1 }, /driftDetected must be a boolean/],
      [{ random: 7 }, /random must be \{ source/],
      [{ random: { source: 'mulberry32', state: -1 } }, /random.state must be an integer in \[0, 4294967295\]/],
      [{ options: 'x' }, /options must be an object/],
    ]
    const target = new KSWIN({ windowSize: 10, statSize: 3 })
    target.update(1)
    const before = target.snapshot()
    for (const [patch, message] of damaged) {
      expect(() => KSWIN.fromSnapshot({ ...s, ...patch } as KSWINSnapshot)).toThrow(SnapshotError)
      expect(() => target.restore({ ...s, ...patch } as KSWINSnapshot)).toThrow(message)
      expect(target.snapshot()).toEqual(before)
    }
    // values out of order would break the merge the test relies on
    const v = new Float64Array(Uint8Array.from(Buffer.from(s.values, 'base64')).buffer)
    ;[v[0], v[9]] = [v[9], v[0]]
    const unsorted = Buffer.from(v.buffer).toString('base64')
    expect(() => KSWIN.fromSnapshot({ ...s, values: unsorted })).toThrow(/values must be finite and ascending/)
  })
})

describe('mulberry32 state', () => {
  test.prop([fc.integer(), fc.nat({ max: 50 })])(
    'reading then setting the state replays the same draws',
    (seed, skip) => {
      const random = mulberry32(seed)
      for (let i = 0; i < skip; i++) random()
      const state = random.state
      const next = Array.from({ length: 5 }, () => random())
      random.state = state
      expect(Array.from({ length: 5 }, () => random())).toEqual(next)
      // the state is the seed modulo 2^32 at the start, as the generator's definition says
      expect(mulberry32(seed).state).toBe(seed >>> 0)
    },
  )

  it('a state that is not a 32-bit unsigned integer is a RangeError naming it', () => {
    const random = mulberry32(1)
    expect(() => {
      random.state = -1
    }).toThrow(/^mulberry32.state: must be an integer in \[0, 2\^32\), got -1/)
    expect(() => {
      random.state = 2 ** 32
    }).toThrow(RangeError)
    expect(() => {
      random.state = 0.5
    }).toThrow(RangeError)
  })
})
