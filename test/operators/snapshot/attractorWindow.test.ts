import { fc, test } from '@fast-check/vitest'
import {
  type AttractorWindowReport,
  type AttractorWindowSnapshot,
  attractorWindow,
  OperatorState,
  operatorState,
  SlidingPermutationEntropy,
  SnapshotError,
} from 'midstream'
import { from, lastValueFrom, type Observable, Subject, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import * as g from '../../support/dynamics'

type Reading = { x: number; t: number }
const small = { minLength: 50, cCount: 16 }

/** A stream that changes regime (chaos, a period-4 cycle, noise, a damped oscillation), with times and some bad readings. */
function readings(seed: number, part: number, bad: readonly number[]): Reading[] {
  const xs = [
    ...g.logistic(part, 3.9, seed),
    ...g.logistic(part, 3.5, seed),
    ...g.uniformNoise(part, seed),
    ...g.damped(part, 15, 4 / part, seed),
  ]
  const out = xs.map((x, i) => ({ x, t: 1000 + i * 2.5 + (i % 7) / 3 }))
  for (const at of bad) out.splice(at % (out.length + 1), 0, { x: Number.NaN, t: 0 })
  return out
}

const all = <T>(source: Observable<T>): Promise<T[]> => lastValueFrom(source.pipe(toArray()))
const roundTrip = <S>(s: S): S => JSON.parse(JSON.stringify(s))

const settings = fc.record({
  window: fc.integer({ min: 50, max: 80 }),
  hopShare: fc.double({ min: 0.05, max: 1, noNaN: true }),
  reestimateEvery: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  timed: fc.boolean(),
  order: fc.integer({ min: 3, max: 5 }),
})
type Settings = typeof settings extends fc.Arbitrary<infer S> ? S : never

function options(s: Settings, state?: OperatorState<AttractorWindowSnapshot>) {
  const hop = Math.max(1, Math.round(s.window * s.hopShare))
  return {
    ...small,
    window: s.window,
    hop,
    order: s.order,
    reestimateEvery: s.reestimateEvery,
    select: (r: Reading) => r.x,
    time: s.timed ? (r: Reading) => r.t : undefined,
    onInvalid: 'skip' as const,
    state,
  }
}

describe('attractorWindow snapshots', () => {
  test.prop(
    [
      settings,
      fc.integer({ min: 1, max: 1000 }),
      fc.integer({ min: 30, max: 70 }),
      fc.array(fc.nat(), { maxLength: 4 }),
      fc.nat(),
    ],
    { numRuns: 12 },
  )(
    'snapshot after any k elements, through JSON, restored in a new handle and continued = one uninterrupted run',
    async (s, seed, part, bad, cut) => {
      const xs = readings(seed, part, bad)
      const k = cut % (xs.length + 1)
      const whole = operatorState<AttractorWindowSnapshot>()
      const expected = await all(from(xs).pipe(attractorWindow(options(s, whole))))
      const first = operatorState<AttractorWindowSnapshot>()
      const head = await all(from(xs.slice(0, k)).pipe(attractorWindow(options(s, first))))
      const second = operatorState<AttractorWindowSnapshot>(roundTrip(first.snapshot()))
      const tail = await all(from(xs.slice(k)).pipe(attractorWindow(options(s, second))))
      expect([...head, ...tail]).toEqual(expected)
      expect(expected.length).toBeGreaterThan(0)
      expect(second.snapshot()).toEqual(whole.snapshot())
    },
  )

  it('carries the embedding across the split: the window after it reuses it exactly as the uninterrupted run', async () => {
    // the Henon map: every window chaotic, the embedding (delay 1, dimension 2) estimated once per 4 windows
    const xs = [...g.henon(600, 1)]
    const opts = { ...small, window: 200, hop: 50, reestimateEvery: 4 }
    const whole = await all(from(xs).pipe(attractorWindow(opts)))
    const state = operatorState<AttractorWindowSnapshot>()
    const head = await all(from(xs.slice(0, 300)).pipe(attractorWindow({ ...opts, state })))
    const saved = roundTrip(state.snapshot() as AttractorWindowSnapshot)
    expect(saved.carried).toEqual({ delay: 1, dimension: 2, regime: 'chaotic', uses: 3 })
    const tail = await all(from(xs.slice(300)).pipe(attractorWindow({ ...opts, state: operatorState(saved) })))
    expect([...head, ...tail]).toEqual(whole)
    expect(whole.map(r => r.regime)).toEqual(Array(9).fill('chaotic'))
  })

  it('keeps only the values the next windows need: nothing right after a report without overlap', () => {
    const state = operatorState<AttractorWindowSnapshot>()
    const input = new Subject<number>()
    const reports: AttractorWindowReport[] = []
    input.pipe(attractorWindow({ ...small, window: 60, state })).subscribe(r => reports.push(r))
    const xs = g.logistic(130, 3.9, 7)
    for (let i = 0; i < 120; i++) input.next(xs[i])
    expect(reports).toHaveLength(2)
    expect(state.snapshot()).toMatchObject({ kind: 'attractorWindow', version: 2, kept: 120, seen: 120, values: '' })
    for (let i = 120; i < 130; i++) input.next(xs[i])
    const live = state.snapshot() as AttractorWindowSnapshot
    // 10 values of the next window, 8 bytes each, in base64
    expect(live.values).toHaveLength(Math.ceil(80 / 3) * 4)
    expect(live.entropy.pushed).toBe(130)
    input.complete()
    expect(state.attached).toBe(false)
    expect(state.snapshot()).toEqual(live)
  })

  it('a restored operator names bad elements by their index in the whole stream and counts skips on', async () => {
    const xs: unknown[] = [...g.logistic(70, 3.9, 3)]
    xs.splice(10, 0, 'x')
    const skipped: number[] = []
    const opts = { ...small, window: 60, onInvalid: 'skip' as const, onSkip: (i: number) => skipped.push(i) }
    const state = operatorState<AttractorWindowSnapshot>()
    await all(from(xs.slice(0, 40)).pipe(attractorWindow({ ...opts, state })))
    const again = operatorState(roundTrip(state.snapshot()))
    const tail = await all(from([...xs.slice(40), null]).pipe(attractorWindow({ ...opts, state: again })))
    expect(skipped).toEqual([10, 71])
    expect(tail.map(r => [r.start, r.end, r.skipped])).toEqual([[0, 59, 1]])
    const strict = operatorState(roundTrip(state.snapshot()))
    await expect(
      all(from([...xs.slice(40), null]).pipe(attractorWindow({ ...small, window: 60, state: strict }))),
    ).rejects.toThrow(/^attractorWindow: element #71 must be a finite number, got null/)
  })

  it('a snapshot of another operator or version errors the subscription with a SnapshotError naming both', async () => {
    const other = new OperatorState({ kind: 'dtwMatch', version: 1 } as never)
    const run = all(from([1]).pipe(attractorWindow({ window: 200, state: other })))
    await expect(run).rejects.toThrow(SnapshotError)
    await expect(run).rejects.toThrow(
      /^attractorWindow: the snapshot is of kind "dtwMatch", expected "attractorWindow"/,
    )
    expect(other.attached).toBe(false)
    expect(other.snapshot()).toEqual({ kind: 'dtwMatch', version: 1 })
    const state = operatorState<AttractorWindowSnapshot>()
    await all(from([1, 2, 3]).pipe(attractorWindow({ window: 200, state })))
    const newer = operatorState({ ...(state.snapshot() as AttractorWindowSnapshot), version: 3 })
    await expect(all(from([1]).pipe(attractorWindow({ window: 200, state: newer })))).rejects.toThrow(
      /attractorWindow has version 3, this version reads 2/,
    )
    // version 1 had no pending windows: read as 2 it would drop windows in flight, so it is refused
    const older = operatorState({ ...(state.snapshot() as AttractorWindowSnapshot), version: 1 })
    await expect(all(from([1]).pipe(attractorWindow({ window: 200, state: older })))).rejects.toThrow(
      /attractorWindow has version 1, this version reads 2/,
    )
  })

  it('a snapshot taken with other options is a SnapshotError naming each difference', async () => {
    const state = operatorState<AttractorWindowSnapshot>()
    await all(from(g.logistic(90, 3.9, 1)).pipe(attractorWindow({ ...small, window: 60, hop: 20, state })))
    const saved = roundTrip(state.snapshot() as AttractorWindowSnapshot)
    const restart = (opts: object) =>
      all(from([0.5]).pipe(attractorWindow({ ...small, window: 60, hop: 20, ...opts, state: operatorState(saved) })))
    await expect(restart({ window: 80 })).rejects.toThrow(SnapshotError)
    await expect(restart({ window: 80, hop: 10 })).rejects.toThrow(
      /^attractorWindow: the snapshot was taken with other options: window 60 \(this operator: 80\), hop 20 \(this operator: 10\)/,
    )
    await expect(restart({ dimension: 3 })).rejects.toThrow(/dimension null \(this operator: 3\)/)
    await expect(restart({ order: 5 })).rejects.toThrow(/order 4 \(this operator: 5\)/)
    await expect(restart({ seed: 9 })).rejects.toThrow(/seed .* \(this operator: 9\)/)
    await expect(restart({ reestimateEvery: 2 })).rejects.toThrow(/reestimateEvery 3 \(this operator: 2\)/)
    await expect(restart({ time: () => 0 })).rejects.toThrow(/timed false \(this operator: true\)/)
    // the same options restore
    await expect(restart({})).resolves.toEqual([])
  })

  it('damaged fields are SnapshotErrors naming the field', async () => {
    const state = operatorState<AttractorWindowSnapshot>()
    const xs = [...g.henon(250, 1)]
    await all(from(xs).pipe(attractorWindow({ ...small, window: 200, hop: 20, time: () => 5, state })))
    const s = roundTrip(state.snapshot() as AttractorWindowSnapshot)
    expect(s.carried).not.toBeNull()
    const restart = (patch: object) =>
      all(
        from([0.5]).pipe(
          attractorWindow({ ...small, window: 200, hop: 20, time: () => 5, state: operatorState({ ...s, ...patch }) }),
        ),
      )
    await expect(restart({})).resolves.toEqual([])
    await expect(restart({ kept: -1 })).rejects.toThrow(/^attractorWindow: the snapshot's kept must be an integer >= 0/)
    await expect(restart({ seen: 10 })).rejects.toThrow(/counts 250 kept and 0 skipped of only 10 seen/)
    await expect(restart({ values: '' })).rejects.toThrow(/the snapshot's values holds 0 values, expected 190/)
    await expect(restart({ values: 'A' })).rejects.toThrow(/values must be base64/)
    await expect(restart({ times: null })).rejects.toThrow(/times must be base64/)
    await expect(restart({ kept: 251, seen: 251 })).rejects.toThrow(/values holds 190 values, expected 191/)
    await expect(restart({ options: null })).rejects.toThrow(/options must be an object/)
    await expect(restart({ entropy: { ...s.entropy, kind: 'PageHinkley' } })).rejects.toThrow(
      /^attractorWindow: the snapshot's entropy is not usable: SlidingPermutationEntropy.fromSnapshot: the snapshot is of kind "PageHinkley"/,
    )
    const pe = new SlidingPermutationEntropy(4, 1, 150)
    for (const x of xs) pe.push(x)
    const shorter = pe.snapshot()
    await expect(restart({ entropy: shorter })).rejects.toThrow(
      /the snapshot's entropy \(order 4, delay 1, window 150, 250 pushed\) does not match order 4, delay 1, window 200, 250 kept/,
    )
    await expect(restart({ carried: { ...s.carried, regime: 'unknown' } })).rejects.toThrow(/carried embedding/)
    await expect(restart({ carried: { ...s.carried, uses: 11 } })).rejects.toThrow(/uses <= 10/)
  })

  it('a handle serves one subscription at a time, and state must be a handle', async () => {
    const state = operatorState<AttractorWindowSnapshot>()
    const input = new Subject<number>()
    const op = attractorWindow({ window: 200, state })
    const sub = input.pipe(op).subscribe()
    await expect(all(from([1]).pipe(op))).rejects.toThrow(/^attractorWindow: the state handle is already in use/)
    sub.unsubscribe()
    expect(() => attractorWindow({ window: 200, state: {} as never })).toThrow(
      /^attractorWindow: state must be a handle from operatorState/,
    )
  })
})
