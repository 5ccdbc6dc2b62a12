import { fc, test } from '@fast-check/vitest'
import { from, type Observable, Subject, take } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { LtlViolationError, ltlGuard, ltlVerdicts } from '../../operators'
import { createMonitor } from '../../src/ltl/monitor'
import { runTimed, timedStream } from '../../testing'

function collect<T>(source: Observable<T>): { values: T[]; end: string; error?: unknown } {
  const result: { values: T[]; end: string; error?: unknown } = { values: [], end: 'none' }
  source.subscribe({
    next: v => result.values.push(v),
    complete: () => (result.end = 'complete'),
    error: e => ((result.end = 'error'), (result.error = e)),
  })
  return result
}

type Event = { p: boolean; q: boolean }
const event = fc.record({ p: fc.boolean(), q: fc.boolean() })
const specs = ['G (p -> F q)', 'G !(p && q)', 'p U q', 'H (q -> O p)', 'F G p']

describe('ltlGuard', () => {
  test.prop([
    fc.constantFrom(...specs),
    fc.array(event, { maxLength: 20 }),
    fc.constantFrom('error', 'complete' as const),
  ])(
    'passes events until the monitor says false, then errors or completes without the violating event',
    (spec, events, onViolation) => {
      const m = createMonitor<Event>(spec, { closedWorld: true })
      let violatedAt = m.verdict === 'false' ? -1 : events.length
      events.forEach((e, i) => {
        if (violatedAt === events.length && m.step(e) === 'false') violatedAt = i
      })
      const finishedFalse = violatedAt === events.length && m.finish() === 'false'
      const out = collect(from(events).pipe(ltlGuard(spec, { closedWorld: true, onViolation })))
      expect(out.values).toEqual(events.slice(0, Math.max(0, violatedAt)))
      if (violatedAt < events.length || (finishedFalse && onViolation === 'error')) {
        if (onViolation === 'error') {
          expect(out.end).toBe('error')
          expect(out.error).toBeInstanceOf(LtlViolationError)
          expect((out.error as LtlViolationError).index).toBe(finishedFalse ? events.length : violatedAt)
          expect((out.error as LtlViolationError).formula).toBe(spec)
        } else expect(out.end).toBe('complete')
      } else expect(out.end).toBe('complete')
    },
  )

  test.prop([fc.array(event, { maxLength: 20 })])("annotate emits every event with each formula's verdict", events => {
    const out = collect(
      from(events).pipe(
        ltlGuard({ safe: 'G !(p && q)', live: 'G (p -> F q)' }, { closedWorld: true, onViolation: 'annotate' }),
      ),
    )
    const safe = createMonitor<Event>('G !(p && q)', { closedWorld: true })
    const live = createMonitor<Event>('G (p -> F q)', { closedWorld: true })
    expect(out.values).toEqual(events.map(e => ({ value: e, verdicts: { safe: safe.step(e), live: live.step(e) } })))
    expect(out.end).toBe('complete')
  })

  test.prop([timedStream(event, { maxLength: 30, maxGap: 300 })])(
    'metric rules on virtual time: times from the scheduler, the end passes through, nothing left scheduled',
    stream => {
      const out = runTimed(stream, (source, scheduler) =>
        source.pipe(ltlGuard('G (p -> F[0,500ms] q)', { closedWorld: true, scheduler, onViolation: 'complete' })),
      )
      const m = createMonitor<Event>('G (p -> F[0,500ms] q)', { closedWorld: true })
      let cut = stream.events.length
      stream.events.forEach((e, i) => {
        if (cut === stream.events.length && m.step(e.value, e.time) === 'false') cut = i
      })
      expect(out.values.map(v => v.value)).toEqual(stream.events.slice(0, cut).map(e => e.value))
      if (cut < stream.events.length) expect(out.end).toEqual({ kind: 'complete', time: stream.events[cut].time })
      else expect(out.end).toEqual(stream.end)
      expect(out.leftover).toBe(0)
    },
  )

  test.prop([fc.constantFrom(...specs), fc.array(fc.array(event, { maxLength: 12 }), { minLength: 2, maxLength: 4 })])(
    'one operator, many subscriptions: each starts from a fresh monitor (the translation is shared, the run state is not)',
    (spec, traces) => {
      const guard = ltlGuard<Event>(spec, { closedWorld: true, onViolation: 'annotate' })
      for (const trace of traces) {
        // oracle: a monitor of its own for this trace alone
        const m = createMonitor<Event>(spec, { closedWorld: true })
        const expected = trace.map(e => (m.step(e), m.verdict))
        const got = collect(from(trace).pipe(guard))
        expect(got.values.map(a => a.verdicts[spec])).toEqual(expected)
        expect(got.end).toBe('complete')
      }
    },
  )

  it('complete cancels upstream the moment a rule breaks (an LLM answer cut off)', () => {
    const tokens = new Subject<string>()
    const got: string[] = []
    let ended = false
    tokens
      .pipe(ltlGuard('G !secret', { atoms: { secret: (t: string) => t.startsWith('sk-') }, onViolation: 'complete' }))
      .subscribe({ next: t => got.push(t), complete: () => (ended = true) })
    for (const t of ['Your', ' key', ' is', 'sk-123', ' ok']) tokens.next(t)
    expect(got).toEqual(['Your', ' key', ' is'])
    expect(ended).toBe(true)
    expect(tokens.observed).toBe(false)
  })

  it('a rule no trace satisfies acts at subscription; errors from predicates, time and the source pass on', () => {
    expect(collect(from([1, 2]).pipe(ltlGuard('G p && F !p', { atoms: { p: () => true } }))).error).toBeInstanceOf(
      LtlViolationError,
    )
    expect(
      collect(from([1, 2]).pipe(ltlGuard('G p && F !p', { atoms: { p: () => true }, onViolation: 'complete' }))).values,
    ).toEqual([])
    const boom = new Error('predicate bug')
    expect(
      collect(
        from([1, 2]).pipe(
          ltlGuard('G p', {
            atoms: {
              p: (x: number) => {
                if (x === 2) throw boom
                return true
              },
            },
          }),
        ),
      ).error,
    ).toBe(boom)
    expect(
      collect(from([1, 2]).pipe(ltlGuard('F[0,1s] p', { atoms: { p: () => false }, time: (x: number) => 10 - x })))
        .error,
    ).toBeInstanceOf(RangeError)
    const source = new Subject<number>()
    const out = collect(source.pipe(ltlGuard('G p', { atoms: { p: () => true } })))
    source.error(boom)
    expect(out.error).toBe(boom)
  })

  it('unsubscribing releases the source; take(1) from inside an emission', () => {
    const s = new Subject<number>()
    const got: number[] = []
    s.pipe(ltlGuard('G p', { atoms: { p: () => true } }), take(1)).subscribe(v => got.push(v))
    s.next(1)
    s.next(2)
    expect(got).toEqual([1])
    expect(s.observed).toBe(false)
  })

  it('bad formulas and options throw at call time', () => {
    expect(() => ltlGuard('G (p ->', { atoms: {} })).toThrow(/column 8/)
    expect(() => ltlGuard('G p', { atoms: {} })).toThrow(/atom "p"/)
    expect(() => ltlGuard('G p', { closedWorld: true, onViolation: 'drop' as never })).toThrow(
      /^ltlGuard: onViolation must be 'error' or 'complete' or 'annotate', got "drop"/,
    )
    expect(() => ltlGuard([], {})).toThrow(/list of formulas is empty/)
    expect(() => ltlGuard('G p', { closedWorld: true, time: 5 as never })).toThrow(/time must be a function, got 5/)
  })
})

describe('ltlVerdicts', () => {
  test.prop([fc.constantFrom(...specs), fc.array(event, { maxLength: 20 })])(
    'emits each change of verdict, then the LTLf verdict on completion',
    (spec, events) => {
      const out = collect(from(events).pipe(ltlVerdicts(spec, { closedWorld: true })))
      const m = createMonitor<Event>(spec, { closedWorld: true })
      const expected: Array<{ verdict: string; index: number; final: boolean }> = []
      let last = m.verdict
      if (last !== 'unknown') expected.push({ verdict: last, index: -1, final: false })
      events.forEach((e, i) => {
        const v = m.step(e)
        if (v !== last) expected.push({ verdict: (last = v), index: i, final: false })
      })
      expected.push({ verdict: m.finish(), index: events.length, final: true })
      expect(out.values.map(({ verdict, index, final }) => ({ verdict, index, final }))).toEqual(expected)
      expect(out.end).toBe('complete')
    },
  )
})
