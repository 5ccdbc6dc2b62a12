import { fc, test } from '@fast-check/vitest'
import {
  type Formula,
  formatLtl,
  type LtlGuardSnapshot,
  LtlViolationError,
  ltlGuard,
  OperatorState,
  operatorState,
  SnapshotError,
} from 'midstream'
import { from, lastValueFrom, type Observable, type OperatorFunction, Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { formulaArb } from '../../support/ltl'

type Event = { p: boolean; q: boolean; r: boolean; at: number }
type Note = { next: unknown } | { error: Record<string, unknown> } | { complete: true }

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
const formula = formulaArb(['p', 'q', 'r'], 3, { future: true, past: true, bounds: true })
const modes = fc.constantFrom('error' as const, 'complete' as const, 'annotate' as const)

/** An error as plain fields, so two runs' errors compare by value. */
const describeError = (e: unknown): Record<string, unknown> =>
  e instanceof LtlViolationError
    ? {
        name: e.name,
        message: e.message,
        formula: e.formula,
        index: e.index,
        event: e.event,
        at: e.timestamp,
        end: e.atEnd,
      }
    : { name: (e as Error).name, message: (e as Error).message }

/** Subscribes `source$` and records what it emits synchronously; `stop` ends the subscription. */
function record<T>(source$: Observable<T>): { notes: Note[]; done: () => boolean; stop: () => void } {
  const notes: Note[] = []
  let done = false
  const sub = source$.subscribe({
    next: value => notes.push({ next: value }),
    error: e => {
      done = true
      notes.push({ error: describeError(e) })
    },
    complete: () => {
      done = true
      notes.push({ complete: true })
    },
  })
  return { notes, done: () => done, stop: () => sub.unsubscribe() }
}

/** The guard, or null for formulas outside the monitor's language. */
function guardOf(
  specs: Formula[],
  mode: 'error' | 'complete' | 'annotate',
  state?: OperatorState<LtlGuardSnapshot>,
): OperatorFunction<Event, unknown> | null {
  try {
    return ltlGuard<Event>(specs, { closedWorld: true, time: e => e.at, onViolation: mode, state }) as OperatorFunction<
      Event,
      unknown
    >
  } catch (error) {
    expect(String(error)).toMatch(/past operator over a future formula/)
    return null
  }
}

describe('ltlGuard snapshots', () => {
  test.prop([fc.array(formula, { minLength: 1, maxLength: 3 }), modes, events, fc.nat()], { numRuns: 250 })(
    'split at any k: the first part live, its snapshot through JSON into a new handle, the rest = one uninterrupted run',
    (specs, mode, xs, cut) => {
      const wholeState = operatorState<LtlGuardSnapshot>()
      const wholeGuard = guardOf(specs, mode, wholeState)
      if (wholeGuard === null) return
      const whole = record(from(xs).pipe(wholeGuard))
      const k = cut % (xs.length + 1)
      const first = operatorState<LtlGuardSnapshot>()
      const input = new Subject<Event>()
      const head = record(input.pipe(guardOf(specs, mode, first)!))
      for (const x of xs.slice(0, k)) input.next(x)
      const label = specs.map(formatLtl).join(' ; ')
      if (head.done()) {
        // the guard stopped the stream within the first part: so does the uninterrupted run
        expect(head.notes, label).toEqual(whole.notes)
        return
      }
      const saved = JSON.parse(JSON.stringify(first.snapshot()))
      head.stop()
      expect(first.snapshot(), 'the handle keeps the state at unsubscription').toEqual(saved)
      const second = operatorState<LtlGuardSnapshot>(saved)
      const tail = record(from(xs.slice(k)).pipe(guardOf(specs, mode, second)!))
      expect([...head.notes, ...tail.notes], label).toEqual(whole.notes)
      expect(second.snapshot(), label).toEqual(wholeState.snapshot())
    },
  )

  it('a metric deadline pending at the checkpoint is enforced after it, with times from the data', () => {
    const spec = 'G (p -> F[0,10] q)'
    const at = (t: number, e: Partial<Event> = {}): Event => ({ p: false, q: false, r: false, at: t, ...e })
    const state = operatorState<LtlGuardSnapshot>()
    const input = new Subject<Event>()
    const head = record(input.pipe(ltlGuard(spec, { closedWorld: true, time: e => e.at, state })))
    input.next(at(0, { p: true }))
    input.next(at(4))
    head.stop()
    const again = operatorState<LtlGuardSnapshot>(JSON.parse(JSON.stringify(state.snapshot())))
    const tail = record(
      from([at(9), at(10.5)]).pipe(ltlGuard(spec, { closedWorld: true, time: e => e.at, state: again })),
    )
    expect(tail.notes[0]).toEqual({ next: at(9) })
    expect(tail.notes[1]).toMatchObject({ error: { name: 'LtlViolationError', index: 3, at: 10.5 } })
  })

  it('hands out the live state, and after completion the final (finished) state, which cannot continue', () => {
    const state = operatorState<LtlGuardSnapshot>()
    const input = new Subject<Event>()
    const run = record(input.pipe(ltlGuard(['G !p', 'F q'], { closedWorld: true, state })))
    input.next({ p: false, q: false, r: false, at: 0 })
    const live = state.snapshot()!
    expect(live.names).toEqual(['G !p', 'F q'])
    expect(live.monitors.map(m => [m.index, m.finished])).toEqual([
      [1, false],
      [1, false],
    ])
    input.complete()
    expect(run.notes.at(-1)).toMatchObject({ error: { name: 'LtlViolationError', end: true } })
    const final = state.snapshot()!
    expect(final.monitors.map(m => [m.index, m.finished, m.verdict])).toEqual([
      [1, true, 'true'],
      [1, true, 'false'],
    ])
    const again = record(from([] as Event[]).pipe(ltlGuard(['G !p', 'F q'], { closedWorld: true, state })))
    expect(again.notes).toEqual([
      {
        error: {
          name: 'SnapshotError',
          message: expect.stringMatching(
            /^ltlGuard: formula "G !p": the snapshot was taken after the stream completed/,
          ),
        },
      },
    ])
  })

  it('a snapshot of other formulas, of another operator or version, or damaged, errors the subscription', async () => {
    const state = operatorState<LtlGuardSnapshot>()
    record(from([{ p: true, q: false, r: false, at: 0 }]).pipe(ltlGuard('F q', { closedWorld: true, state })))
    const saved = state.snapshot()!
    const errorOf = (handle: OperatorState<LtlGuardSnapshot>, specs: string | string[] = 'F q') => {
      const run = record(from([] as Event[]).pipe(ltlGuard(specs, { closedWorld: true, state: handle })))
      expect(run.notes).toHaveLength(1)
      return (run.notes[0] as { error: { name: string; message: string } }).error
    }
    expect(errorOf(new OperatorState(saved), ['F q', 'G p'])).toEqual({
      name: 'SnapshotError',
      message: 'ltlGuard: the snapshot guards the formulas ["F q"], this operator ["F q","G p"]',
    })
    expect(errorOf(new OperatorState(saved), 'F r').message).toBe(
      'ltlGuard: the snapshot guards the formulas ["F q"], this operator ["F r"]',
    )
    // same name (a record key), another formula: the monitor names both
    const renamed = ltlGuard<Event>(
      { rule: 'F r' },
      { closedWorld: true, state: new OperatorState({ ...saved, names: ['rule'] }) },
    )
    const renamedRun = record(from([] as Event[]).pipe(renamed))
    expect(renamedRun.notes[0]).toEqual({
      error: {
        name: 'SnapshotError',
        message:
          'ltlGuard: formula "rule": Monitor.restore: the snapshot is of formula "F q", this monitor\'s is "F r"',
      },
    })
    expect(errorOf(new OperatorState({ kind: 'ltlVerdicts', version: 1 } as never)).message).toBe(
      'ltlGuard: the snapshot is of kind "ltlVerdicts", expected "ltlGuard"',
    )
    expect(errorOf(new OperatorState({ ...saved, version: 3 })).message).toMatch(/version 3, this version reads 1/)
    const damaged = { ...saved, monitors: [{ ...saved.monitors[0], residual: { nodes: [], root: 0, times: '' } }] }
    expect(errorOf(new OperatorState(damaged))).toMatchObject({
      name: 'SnapshotError',
      message: expect.stringMatching(/residual.root/),
    })
    await expect(
      lastValueFrom(from([] as Event[]).pipe(ltlGuard('F r', { closedWorld: true, state: new OperatorState(saved) }))),
    ).rejects.toBeInstanceOf(SnapshotError)
    // a refused snapshot stays in the handle
    const handle = new OperatorState({ ...saved, version: 3 })
    errorOf(handle)
    expect(handle.snapshot()).toEqual({ ...saved, version: 3 })
    expect(handle.attached).toBe(false)
  })

  it('a handle serves one subscription at a time; a bad state option throws at the call', () => {
    const state = operatorState<LtlGuardSnapshot>()
    const guard = ltlGuard<Event>('G !p', { closedWorld: true, state })
    const input = new Subject<Event>()
    const live = record(input.pipe(guard))
    const second = record(input.pipe(guard))
    expect(second.notes[0]).toMatchObject({
      error: { name: 'TypeError', message: expect.stringMatching(/^ltlGuard: the state handle is already in use/) },
    })
    live.stop()
    expect(() => ltlGuard('G !p', { closedWorld: true, state: {} as never })).toThrow(
      /^ltlGuard: state must be a handle from operatorState/,
    )
  })
})
