import { fc, test } from '@fast-check/vitest'
import {
  type CheckpointedScanSnapshot,
  type DtwMatchOptions,
  type DtwMatchSnapshot,
  type DtwQuery,
  dtwMatch,
  OperatorState,
  operatorState,
  SnapshotError,
  Spring,
} from 'midstream'
import { from, lastValueFrom, Subject, take, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'

type Value = number | number[] | null
type Ev = { v: Value; ts: number }
type Patterns = Record<string, DtwQuery>
type Options = Omit<DtwMatchOptions<Ev>, 'state' | 'onSkip'>

/**
 * Feeds `events` through one subscription of dtwMatch with `state`, recording matches, skips, errors
 * and completion in one list; ends with the source's completion, or with an unsubscription (a checkpoint).
 */
function runOp(
  events: readonly Ev[],
  patterns: DtwQuery | Patterns,
  options: Options,
  state: OperatorState<DtwMatchSnapshot>,
  end: 'complete' | 'unsubscribe',
): unknown[] {
  const out: unknown[] = []
  const input = new Subject<Ev>()
  const sub = input
    .pipe(dtwMatch(patterns, { ...options, state, onSkip: index => out.push({ skipped: index }) }))
    .subscribe({
      next: e => out.push(e),
      error: e => out.push({ error: String(e) }),
      complete: () => out.push('complete'),
    })
  for (const e of events) input.next(e)
  if (end === 'complete') input.complete()
  else {
    const live = state.snapshot()
    sub.unsubscribe()
    expect(state.snapshot()).toEqual(live) // the state at the end is the state between the last two elements
  }
  return out
}

const names = fc.uniqueArray(fc.constantFrom('a', 'b', 'spike', 'dip'), { minLength: 1, maxLength: 3 })

/** Patterns, events (noise and planted copies of the first pattern, some invalid) and options. */
const scenario = fc
  .record({ normalize: fc.boolean(), dim: fc.integer({ min: 0, max: 2 }), names, single: fc.boolean() })
  .chain(({ normalize, dim: d, names: ns, single }) => {
    const dim = normalize ? 0 : d
    const value = fc.integer({ min: -6, max: 6 })
    const element: fc.Arbitrary<number | number[]> =
      dim === 0 ? value : fc.array(value, { minLength: dim, maxLength: dim })
    const pattern = fc.array(element, { minLength: normalize ? 2 : 1, maxLength: 6 })
    return fc.record({
      patterns: fc.tuple(...ns.map(() => pattern)).map(qs => Object.fromEntries(ns.map((n, k) => [n, qs[k]]))),
      single: fc.constant(single),
      normalize: fc.constant(normalize),
      chunks: fc.array(
        fc.oneof(
          fc.array(fc.oneof({ weight: 9, arbitrary: element }, { weight: 1, arbitrary: fc.constant(null) }), {
            maxLength: 10,
          }),
          fc
            .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: -4, max: 4 }))
            .map(([scale, shift]) => ({ scale, shift })),
        ),
        { maxLength: 12 },
      ),
      threshold: fc.oneof(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0.01, max: 12, noNaN: true })),
      cost: fc.constantFrom('squared' as const, 'absolute' as const),
      band: normalize ? fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }) : fc.constant(undefined),
      timed: fc.boolean(),
      onInvalid: fc.constantFrom('skip' as const, 'error' as const),
    })
  })
  .map(s => {
    const first = Object.values(s.patterns)[0] as Array<number | number[]>
    const values: Value[] = s.chunks.flatMap(c =>
      Array.isArray(c)
        ? c
        : first.map(q => (typeof q === 'number' ? q * c.scale + c.shift : q.map(x => x * c.scale + c.shift))),
    )
    const patterns = (s.single ? first : s.patterns) as DtwQuery | Patterns
    const events = values.map((v, i) => ({ v, ts: 1000 + i * 7.5 }))
    const options: Options = {
      threshold: s.threshold,
      cost: s.cost,
      normalize: s.normalize,
      band: s.band,
      select: e => e.v as number,
      onInvalid: s.onInvalid,
      ...(s.timed ? { time: (e: Ev) => e.ts } : {}),
    }
    return { patterns, events, options }
  })

describe('dtwMatch snapshots', () => {
  test.prop([scenario, fc.nat()], { numRuns: 150 })(
    'split at any k through JSON = one uninterrupted run: matches, skips, errors, completion, and the final snapshot',
    ({ patterns, events, options }, cut) => {
      const k = cut % (events.length + 1)
      const p = patterns
      const whole = operatorState<DtwMatchSnapshot>()
      const expected = runOp(events, p, options, whole, 'complete')
      const first = operatorState<DtwMatchSnapshot>()
      const head = runOp(events.slice(0, k), p, options, first, 'unsubscribe')
      const saved = JSON.parse(JSON.stringify(first.snapshot())) as DtwMatchSnapshot
      const second = operatorState<DtwMatchSnapshot>(saved)
      // an element that errored the head ends the run there, as it ends the uninterrupted one
      const erred = head.some(o => (o as { error?: string }).error !== undefined)
      if (!erred) expect(saved.seen).toBe(k)
      const tail = erred ? [] : runOp(events.slice(k), p, options, second, 'complete')
      expect([...head, ...tail]).toEqual(expected)
      if (tail.length > 0) expect(second.snapshot()).toEqual(whole.snapshot())
    },
  )

  it('the final snapshot after completion holds each kernel as run by hand, flushed', async () => {
    const xs = [0, 5, 1, 2, 3, 2, 9, 1, 2, 3]
    const patterns = { up: [1, 2, 3], down: [3, 2, 1] }
    const state = operatorState<DtwMatchSnapshot>()
    await lastValueFrom(from(xs).pipe(dtwMatch(patterns, { threshold: 2, state }), toArray()))
    const byHand = Object.values(patterns).map(q => {
      const spring = new Spring(q, { threshold: 2, cost: 'squared', timed: false })
      for (const x of xs) spring.push(x)
      spring.flush()
      return spring.snapshot()
    })
    expect(state.snapshot()).toEqual({
      kind: 'dtwMatch',
      version: 1,
      patterns: ['up', 'down'],
      normalize: false,
      timed: false,
      seen: xs.length,
      skipped: 0,
      matchers: byHand,
    })
  })

  it('a match pending at the checkpoint comes out after the restore, with its times and indices', () => {
    const events = [9, 1, 2, 2, 3, 9, 9].map((v, i) => ({ v, ts: 100 * i }))
    const options = { threshold: 0.5, select: (e: Ev) => e.v as number, time: (e: Ev) => e.ts }
    const first = operatorState<DtwMatchSnapshot>()
    expect(runOp(events.slice(0, 5), { rise: [1, 2, 3] }, options, first, 'unsubscribe')).toEqual([])
    const second = operatorState(JSON.parse(JSON.stringify(first.snapshot())) as DtwMatchSnapshot)
    expect(runOp(events.slice(5), { rise: [1, 2, 3] }, options, second, 'complete')).toEqual([
      { pattern: 'rise', start: 1, end: 4, distance: 0, startTime: 100, endTime: 400 },
      'complete',
    ])
  })

  it('take stops mid-element: the state is the one after the whole element, for every pattern', async () => {
    const state = operatorState<DtwMatchSnapshot>()
    // both patterns' matches become final at the element 9 (index 4); take(1) stops after the first
    const out = await lastValueFrom(
      from([1, 2, 3, 9, 9, 9]).pipe(
        dtwMatch({ a: [1, 2, 3], b: [1, 2, 3] }, { threshold: 0.5, state }),
        take(1),
        toArray(),
      ),
    )
    expect(out).toEqual([{ pattern: 'a', start: 0, end: 2, distance: 0 }])
    const s = state.snapshot() as DtwMatchSnapshot
    expect(s.seen).toBe(4)
    expect(s.matchers[0]).toEqual(s.matchers[1])
  })

  describe('restoring into another operator is a SnapshotError naming the difference', () => {
    const base = { threshold: 2 }
    const patterns = { a: [1, 2, 3], b: [0, 1] }
    /** A snapshot from a short run of dtwMatch(p, o), then restored into dtwMatch(patterns, options). */
    async function restoreInto(p: Patterns, o: Options, into: Patterns = patterns, options: Options = base) {
      const state = operatorState<DtwMatchSnapshot>()
      await lastValueFrom(from([{ v: 1, ts: 0 }]).pipe(dtwMatch(p, { select: e => e.v as number, ...o, state })), {
        defaultValue: null,
      })
      const again = operatorState(JSON.parse(JSON.stringify(state.snapshot())) as DtwMatchSnapshot)
      return lastValueFrom(
        from([{ v: 1, ts: 1 }]).pipe(dtwMatch(into, { select: e => e.v as number, ...options, state: again })),
        {
          defaultValue: null,
        },
      )
    }

    it('the same patterns and options restore', async () => {
      const uninterrupted = await lastValueFrom(from([1, 1]).pipe(dtwMatch(patterns, base)))
      await expect(restoreInto(patterns, base)).resolves.toEqual(uninterrupted)
    })
    it('pattern names', async () => {
      await expect(restoreInto({ a: [1, 2, 3], c: [0, 1] }, base)).rejects.toThrow(
        /^dtwMatch: the snapshot was taken with patterns \["a","c"\], this operator has \["a","b"\]/,
      )
      await expect(restoreInto({ b: [0, 1], a: [1, 2, 3] }, base)).rejects.toThrow(SnapshotError)
    })
    it('a pattern length, value or dimension', async () => {
      await expect(restoreInto({ a: [1, 2, 3, 4], b: [0, 1] }, base)).rejects.toThrow(
        /^dtwMatch: pattern "a" has length 3, the snapshot's 4/,
      )
      await expect(restoreInto({ a: [1, 2.5, 3], b: [0, 1] }, base)).rejects.toThrow(
        /^dtwMatch: pattern "a" differs from the snapshot's at \[1\]: 2 here, 2.5 there/,
      )
      const vectors = (dim: number) => ({ threshold: 2, select: () => Array.from({ length: dim }, () => 1) })
      await expect(
        restoreInto({ a: [[1, 2, 3]], b: [[0, 1, 0]] }, vectors(3), { a: [[1, 2]], b: [[0, 1]] }, vectors(2)),
      ).rejects.toThrow(/^dtwMatch: pattern "a" has dimension 2, the snapshot's 3/)
    })
    it('threshold, cost, normalize, band, time', async () => {
      await expect(restoreInto(patterns, { threshold: 3 })).rejects.toThrow(
        /^dtwMatch: pattern "a" has threshold 2, the snapshot's 3/,
      )
      await expect(restoreInto(patterns, { threshold: 2, cost: 'absolute' })).rejects.toThrow(
        /has cost "squared", the snapshot's "absolute"/,
      )
      await expect(restoreInto(patterns, { threshold: 2, normalize: true })).rejects.toThrow(
        /^dtwMatch: the snapshot was taken with normalize: true, this operator has normalize: false/,
      )
      await expect(
        restoreInto(patterns, { threshold: 2, normalize: true, band: 1 }, patterns, {
          threshold: 2,
          normalize: true,
          band: 2,
        }),
      ).rejects.toThrow(/^dtwMatch: pattern "a" has band 2, the snapshot's 1/)
      await expect(restoreInto(patterns, { threshold: 2, time: e => e.ts })).rejects.toThrow(
        /^dtwMatch: the snapshot was taken with a time option, this operator has none/,
      )
    })
    it('another operator, another version, damaged counters', async () => {
      const scan: CheckpointedScanSnapshot = { kind: 'checkpointedScan', version: 1, index: 0, value: 0 }
      const run = (s: unknown) =>
        lastValueFrom(
          from([1]).pipe(dtwMatch([1, 2], { threshold: 1, state: new OperatorState(s as DtwMatchSnapshot) })),
        )
      await expect(run(scan)).rejects.toThrow(SnapshotError)
      await expect(run(scan)).rejects.toThrow(
        /^dtwMatch: the snapshot is of kind "checkpointedScan", expected "dtwMatch"/,
      )
      const state = operatorState<DtwMatchSnapshot>()
      await lastValueFrom(from([1]).pipe(dtwMatch([1, 2], { threshold: 1, state })))
      const good = state.snapshot() as DtwMatchSnapshot
      await expect(run({ ...good, version: 2 })).rejects.toThrow(/^dtwMatch: .* has version 2, this version reads 1/)
      await expect(run({ ...good, seen: -1 })).rejects.toThrow(/seen must be an integer/)
      await expect(run({ ...good, skipped: 5 })).rejects.toThrow(/skipped must be an integer in \[0, 1\]/)
      await expect(run({ ...good, matchers: [] })).rejects.toThrow(/holds 0 matchers, expected one per pattern \(1\)/)
      await expect(run({ ...good, matchers: [{ ...good.matchers[0], distances: 'AAAA' }] })).rejects.toThrow(
        /^Spring.fromSnapshot: distances/,
      )
      await expect(run(good)).resolves.toBeDefined()
    })
  })

  it('a handle serves one subscription at a time; a bad state option throws at the call', async () => {
    const state = operatorState<DtwMatchSnapshot>()
    const input = new Subject<number>()
    const op = dtwMatch([1, 2], { threshold: 1, state })
    const sub = input.pipe(op).subscribe()
    await expect(lastValueFrom(from([1]).pipe(op))).rejects.toThrow(/^dtwMatch: the state handle is already in use/)
    sub.unsubscribe()
    expect(() => dtwMatch([1, 2], { threshold: 1, state: {} as never })).toThrow(
      /^dtwMatch: state must be a handle from operatorState/,
    )
  })
})
