import { fc, test } from '@fast-check/vitest'
import {
  type Formula,
  formatLtl,
  type LtlVerdictsSnapshot,
  ltlVerdicts,
  OperatorState,
  operatorState,
  SnapshotError,
  type VerdictChange,
} from 'midstream'
import { from, lastValueFrom, type Observable, type OperatorFunction, Subject, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { formulaArb } from '../../support/ltl'

type Event = { p: boolean; q: boolean; r: boolean; at: number }

const event = fc.record({ p: fc.boolean(), q: fc.boolean(), r: fc.boolean() })
/** Events carrying their own time (`at`), non-decreasing, fractional steps and repeats included. */
const events = fc
  .array(fc.tuple(event, fc.oneof(fc.integer({ min: 0, max: 3 }), fc.double({ min: 0, max: 2, noNaN: true }))), {
    maxLength: 20,
  })
  .map(steps => {
    let t = 0
    return steps.map(([e, dt]): Event => ({ ...e, at: (t += dt) }))
  })
const formula = formulaArb(['p', 'q', 'r'], 4, { future: true, past: true, bounds: true })

/** Subscribes `source$` and records what it emits synchronously; `stop` ends the subscription. */
function record<T>(source$: Observable<T>): { values: T[]; errors: unknown[]; done: () => boolean; stop: () => void } {
  const values: T[] = []
  const errors: unknown[] = []
  let done = false
  const sub = source$.subscribe({
    next: value => values.push(value),
    error: e => {
      done = true
      errors.push(e)
    },
    complete: () => {
      done = true
    },
  })
  return { values, errors, done: () => done, stop: () => sub.unsubscribe() }
}

/** The operator, or null for formulas outside the monitor's language. */
function verdictsOf(
  f: Formula,
  state?: OperatorState<LtlVerdictsSnapshot>,
): OperatorFunction<Event, VerdictChange> | null {
  try {
    return ltlVerdicts<Event>(f, { closedWorld: true, time: e => e.at, state })
  } catch (error) {
    expect(String(error)).toMatch(/past operator over a future formula/)
    return null
  }
}

describe('ltlVerdicts snapshots', () => {
  test.prop([formula, events, fc.nat()], { numRuns: 300 })(
    'split at any k: the first part live, its snapshot through JSON into a new handle, the rest = one uninterrupted run',
    (f, xs, cut) => {
      const wholeState = operatorState<LtlVerdictsSnapshot>()
      const op = verdictsOf(f, wholeState)
      if (op === null) return
      const whole = record(from(xs).pipe(op))
      const k = cut % (xs.length + 1)
      const first = operatorState<LtlVerdictsSnapshot>()
      const input = new Subject<Event>()
      const head = record(input.pipe(verdictsOf(f, first)!))
      for (const x of xs.slice(0, k)) input.next(x)
      expect(head.done()).toBe(false)
      const saved = JSON.parse(JSON.stringify(first.snapshot()))
      head.stop()
      const second = operatorState<LtlVerdictsSnapshot>(saved)
      const tail = record(from(xs.slice(k)).pipe(verdictsOf(f, second)!))
      expect(tail.errors).toEqual([])
      expect([...head.values, ...tail.values], formatLtl(f)).toEqual(whole.values)
      expect(second.snapshot(), formatLtl(f)).toEqual(wholeState.snapshot())
    },
  )

  it('the final verdict carries the last time even when no event follows the checkpoint', async () => {
    const state = operatorState<LtlVerdictsSnapshot>()
    const input = new Subject<Event>()
    const head = record(input.pipe(ltlVerdicts<Event>('F q', { closedWorld: true, time: e => e.at, state })))
    input.next({ p: false, q: false, r: false, at: 2.5 })
    head.stop()
    const again = operatorState<LtlVerdictsSnapshot>(JSON.parse(JSON.stringify(state.snapshot())))
    const tail = await lastValueFrom(
      from([] as Event[]).pipe(
        ltlVerdicts<Event>('F q', { closedWorld: true, time: e => e.at, state: again }),
        toArray(),
      ),
    )
    expect(tail).toEqual([{ verdict: 'false', index: 1, timestamp: 2.5, final: true }])
  })

  it('a restored run does not repeat the verdict emitted at subscription', () => {
    const state = operatorState<LtlVerdictsSnapshot>()
    const live = record(new Subject<Event>().pipe(ltlVerdicts<Event>('G p && F !p', { closedWorld: true, state })))
    expect(live.values).toEqual([{ verdict: 'false', index: -1, timestamp: undefined, final: false }])
    live.stop()
    const restored = record(
      from([{ p: true, q: false, r: false, at: 0 }]).pipe(
        ltlVerdicts<Event>('G p && F !p', { closedWorld: true, state: new OperatorState(state.snapshot()) }),
      ),
    )
    expect(restored.values).toEqual([{ verdict: 'false', index: 1, timestamp: undefined, final: true }])
  })

  it('snapshot after completion is the final state, which cannot continue', async () => {
    const state = operatorState<LtlVerdictsSnapshot>()
    await lastValueFrom(
      from([{ p: true, q: false, r: false, at: 0 }]).pipe(
        ltlVerdicts<Event>('F q', { closedWorld: true, state }),
        toArray(),
      ),
    )
    const final = state.snapshot()!
    expect([final.monitor.index, final.monitor.finished, final.monitor.verdict]).toEqual([1, true, 'false'])
    const again = lastValueFrom(from([] as Event[]).pipe(ltlVerdicts<Event>('F q', { closedWorld: true, state })))
    await expect(again).rejects.toBeInstanceOf(SnapshotError)
    await expect(again).rejects.toThrow(
      /^ltlVerdicts: formula "F q": the snapshot was taken after the stream completed/,
    )
  })

  it('a snapshot of another formula, operator or version, or damaged, errors the subscription naming both', async () => {
    const state = operatorState<LtlVerdictsSnapshot>()
    record(new Subject<Event>().pipe(ltlVerdicts<Event>('F q', { closedWorld: true, state }))).stop()
    const saved = state.snapshot()!
    const run = (handle: OperatorState<LtlVerdictsSnapshot>, spec = 'F q') =>
      lastValueFrom(from([] as Event[]).pipe(ltlVerdicts<Event>(spec, { closedWorld: true, state: handle })))
    await expect(run(new OperatorState(saved), 'F r')).rejects.toThrow(
      'ltlVerdicts: formula "F r": Monitor.restore: the snapshot is of formula "F q", this monitor\'s is "F r"',
    )
    await expect(run(new OperatorState({ kind: 'ltlGuard', version: 1 } as never))).rejects.toThrow(
      'ltlVerdicts: the snapshot is of kind "ltlGuard", expected "ltlVerdicts"',
    )
    await expect(run(new OperatorState({ ...saved, version: 2 }))).rejects.toThrow(/version 2, this version reads 1/)
    await expect(run(new OperatorState({ ...saved, timestamp: 'xyz' }))).rejects.toThrow(SnapshotError)
    await expect(run(new OperatorState({ ...saved, monitor: { ...saved.monitor, index: -3 } }))).rejects.toThrow(
      /^ltlVerdicts: formula "F q": Monitor.restore: index must be an integer/,
    )
  })

  it('a handle serves one subscription at a time; a bad state option throws at the call', async () => {
    const state = operatorState<LtlVerdictsSnapshot>()
    const op = ltlVerdicts<Event>('F q', { closedWorld: true, state })
    const live = record(new Subject<Event>().pipe(op))
    await expect(lastValueFrom(from([] as Event[]).pipe(op))).rejects.toThrow(
      /^ltlVerdicts: the state handle is already in use/,
    )
    live.stop()
    expect(() => ltlVerdicts('F q', { closedWorld: true, state: 3 as never })).toThrow(
      /^ltlVerdicts: state must be a handle from operatorState/,
    )
  })
})
