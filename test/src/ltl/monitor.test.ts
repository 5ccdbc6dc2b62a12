import { fc, test } from '@fast-check/vitest'
import { createMonitor, type Formula, formatLtl, parseLtl, walkFormula } from 'midstream'
import { describe, expect, it } from 'vitest'
import { containsPast, isPastFormula } from '../../../src/ltl/past'
import { formulaArb, holdsFinite, ltl3ByLassos, type Valuation } from '../../support/ltl'

const atoms = ['p', 'q']
const valuation = fc.record({ p: fc.boolean(), q: fc.boolean() })
const usesNext = (f: Formula): boolean => !walkFormula(f, g => g.kind !== 'next')

describe('createMonitor: LTL3 verdicts', () => {
  test.prop([formulaArb(atoms, 4), fc.array(valuation, { maxLength: 4 })], { numRuns: 120 })(
    'equal a brute-force search over lasso continuations, after every event',
    (f, trace) => {
      const m = createMonitor<Valuation>(f, { closedWorld: true })
      expect(m.verdict, `${formatLtl(f)} before any event`).toBe(ltl3ByLassos(f, [], atoms, 4))
      trace.forEach((event, i) => {
        m.step(event)
        expect(m.verdict, `${formatLtl(f)} after ${JSON.stringify(trace.slice(0, i + 1))}`).toBe(
          ltl3ByLassos(f, trace.slice(0, i + 1), atoms, 4),
        )
      })
    },
  )

  test.prop([formulaArb(atoms, 4), fc.array(valuation, { minLength: 1, maxLength: 8 })], { numRuns: 300 })(
    'finish() is LTLf on the finished trace',
    (f, trace) => {
      const m = createMonitor<Valuation>(f, { closedWorld: true })
      for (const e of trace) m.step(e)
      expect(m.finish(), formatLtl(f)).toBe(holdsFinite(f, trace) ? 'true' : 'false')
      expect(m.verdict).toBe(m.finish())
    },
  )

  test.prop([formulaArb(atoms, 4), fc.array(valuation, { minLength: 1, maxLength: 10 })], { numRuns: 200 })(
    'without X, a decided verdict is the LTLf verdict of every finished extension',
    (f, trace) => {
      fc.pre(!usesNext(f))
      const m = createMonitor<Valuation>(f, { closedWorld: true })
      let decidedAt = -1
      trace.forEach((e, i) => {
        if (m.step(e) !== 'unknown' && decidedAt < 0) decidedAt = i
      })
      if (decidedAt < 0) return
      for (let j = decidedAt; j < trace.length; j++)
        expect(holdsFinite(f, trace.slice(0, j + 1)) ? 'true' : 'false', formatLtl(f)).toBe(m.verdict)
    },
  )

  const laws: Array<[string, string]> = [
    ['!!(p U q)', 'p U q'],
    ['!G (p -> X q)', 'F !(p -> X q)'],
    ['!F (p && q)', 'G !(p && q)'],
    ['p U q', 'q || (p && X (p U q))'],
    ['p W q', '(p U q) || G p'],
    ['(p U q) U p', 'p || ((p U q) && X ((p U q) U p))'],
    ['p R q', '!(!p U !q)'],
  ]
  test.prop([fc.array(valuation, { maxLength: 10 })])(
    'laws: both sides give the same verdicts at every step and at the end',
    trace => {
      for (const [left, right] of laws) {
        const a = createMonitor<Valuation>(left, { closedWorld: true })
        const b = createMonitor<Valuation>(right, { closedWorld: true })
        expect(a.verdict, `${left} == ${right}`).toBe(b.verdict)
        for (const e of trace) expect(a.step(e), `${left} == ${right}`).toBe(b.step(e))
        expect(a.finish()).toBe(b.finish())
      }
    },
  )
})

describe('createMonitor: past time and metric bounds', () => {
  const times = (n: number) =>
    fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }).map(gaps => {
      let t = 0
      return gaps.map(g => (t += g))
    })
  const timedTrace = fc
    .array(valuation, { minLength: 1, maxLength: 9 })
    .chain(trace => fc.tuple(fc.constant(trace), times(trace.length)))

  test.prop(
    [
      formulaArb(['p', 'q', 'r'], 4, { past: true, bounds: true }).filter(
        f => JSON.stringify(f).match(/previous|once|historically|since/) !== null,
      ),
      timedTrace.map(([t, ts]) => [t.map((v, i) => ({ ...v, r: i % 3 === 0 })), ts] as const),
    ],
    { numRuns: 200 },
  )(
    'a past-time property holds at every event: false exactly when a naive evaluation over the prefix fails somewhere',
    (f, [trace, ts]) => {
      const m = createMonitor<Valuation>(f, { closedWorld: true })
      let failed = false
      trace.forEach((e, i) => {
        failed ||= !holdsFinite(f, trace.slice(0, i + 1), ts.slice(0, i + 1), i)
        expect(m.step(e, ts[i]), `${formatLtl(f)} at ${i}`).toBe(failed ? 'false' : 'unknown')
      })
    },
  )

  test.prop([formulaArb(atoms, 4, { future: true, past: true, bounds: true }), timedTrace], { numRuns: 300 })(
    'metric formulas: finish() is the pointwise LTLf verdict, and an early verdict holds for every finished extension (no X)',
    (f, [trace, ts]) => {
      let m: ReturnType<typeof createMonitor<Valuation>>
      try {
        m = createMonitor<Valuation>(f, { closedWorld: true })
      } catch (error) {
        // a past operator over a future formula is outside the monitor's language
        expect(String(error)).toMatch(/past operator over a future formula/)
        return
      }
      // a past-time property must hold at every event; any other formula at the first
      const everyEvent = isPastFormula(f) && containsPast(f)
      const finite = (n: number) =>
        (
          everyEvent
            ? trace.slice(0, n).every((_, i) => holdsFinite(f, trace.slice(0, n), ts, i))
            : holdsFinite(f, trace.slice(0, n), ts)
        )
          ? 'true'
          : 'false'
      let decidedAt = -1
      trace.forEach((e, i) => {
        if (m.step(e, ts[i]) !== 'unknown' && decidedAt < 0) decidedAt = i
      })
      if (decidedAt >= 0 && !usesNext(f)) {
        for (let j = decidedAt; j < trace.length; j++) expect(finite(j + 1), formatLtl(f)).toBe(m.verdict)
      }
      expect(m.finish(), formatLtl(f)).toBe(finite(trace.length))
    },
  )
})

describe('createMonitor: examples', () => {
  const on = (names: string[]) => Object.fromEntries(names.map(n => [n, (e: string[]) => e.includes(n)]))

  it('is anticipatory: G p && F !p is false before any event; G (p || !p) is true', () => {
    const m = createMonitor<string[]>('G p && F !p', { atoms: on(['p']) })
    expect(m.verdict).toBe('false')
    expect(m.violation).toMatchObject({ index: -1, formula: 'G p && F !p' })
    expect(createMonitor<string[]>('G (p || !p)', { atoms: on(['p']) }).verdict).toBe('true')
  })

  it('reports the event that decided a violation, and keeps the verdict', () => {
    const m = createMonitor<string[]>('G (spike -> F[0,500ms] ack)', { atoms: on(['spike', 'ack']) })
    expect(m.step([], 0)).toBe('unknown')
    expect(m.step(['spike'], 100)).toBe('unknown')
    expect(m.step([], 450)).toBe('unknown')
    expect(m.step([], 600)).toBe('unknown')
    expect(m.step(['late'], 601)).toBe('false')
    expect(m.violation).toEqual({
      formula: 'G (spike -> F[0,500ms] ack)',
      index: 4,
      event: ['late'],
      timestamp: 601,
      atEnd: false,
    })
    expect(m.step(['ack'], 700)).toBe('false')
    const ok = createMonitor<string[]>('G (spike -> F[0,500ms] ack)', { atoms: on(['spike', 'ack']) })
    for (const [e, t] of [
      [['spike'], 100],
      [['ack'], 600],
      [[], 5000],
    ] as const)
      expect(ok.step([...e], t)).toBe('unknown')
    expect(ok.finish()).toBe('true')
  })

  it('past time: every ack must answer an earlier request', () => {
    const m = createMonitor<string[]>('H (ack -> O request)', { atoms: on(['ack', 'request']) })
    expect([m.step(['request']), m.step(['ack']), m.step([]), m.step(['ack'])]).toEqual([
      'unknown',
      'unknown',
      'unknown',
      'unknown',
    ])
    const bad = createMonitor<string[]>('ack -> O request', { atoms: on(['ack', 'request']) })
    expect([bad.step([]), bad.step(['ack'])]).toEqual(['unknown', 'false'])
    expect(bad.violation?.index).toBe(1)
  })

  it('finish() under LTLf: X is strong, an unanswered request fails, G holds', () => {
    const m = createMonitor<string[]>('G (request -> F response)', { atoms: on(['request', 'response']) })
    m.step(['request'])
    expect(m.finish()).toBe('false')
    expect(m.violation).toMatchObject({ atEnd: true, index: 1 })
    const x = createMonitor<string[]>('X true', { atoms: {} })
    expect(x.verdict).toBe('true')
    x.step([])
    expect(x.finish()).toBe('false')
    expect(() => x.step([])).toThrow(/has finished; reset\(\) it/)
    x.reset()
    expect(x.index).toBe(0)
  })

  it('closed world reads atoms from records of booleans; otherwise an unknown atom is an error at creation', () => {
    const m = createMonitor('G !error', { closedWorld: true })
    expect(m.step({ error: false })).toBe('unknown')
    expect(m.step({ other: true })).toBe('unknown')
    expect(m.step({ error: true })).toBe('false')
    expect(() => createMonitor('G (p -> q)', { atoms: { p: () => true } })).toThrow(
      /atom "q" in "G \(p -> q\)" has no predicate/,
    )
  })

  it('bad timestamps and formulas are typed errors naming the place', () => {
    const m = createMonitor<string[]>('F[0,1s] p', { atoms: on(['p']) })
    expect(() => m.step([])).toThrow(
      /event #0: "F\[0,1s\] p" has time bounds, so step needs a finite timestamp \(ms\), got undefined/,
    )
    const n = createMonitor<string[]>('F[0,1s] p', { atoms: on(['p']) })
    n.step([], 10)
    expect(() => n.step([], 5)).toThrow(/event #1: timestamp 5 is before the previous one \(10\)/)
    expect(() => createMonitor('O (F p)', { closedWorld: true })).toThrow(
      /past operator over a future formula is not supported: O \(F p\)/,
    )
    expect(() => parseLtl('G (p ->')).toThrow(/at line 1, column 8/)
  })
})

describe('createMonitor: peek', () => {
  test.prop([formulaArb(atoms, 4), fc.array(valuation, { maxLength: 6 }), valuation])(
    'peek(e) is the verdict step(e) gives, and changes nothing',
    (f, trace, next) => {
      const m = createMonitor<Valuation>(f, { closedWorld: true })
      const twin = createMonitor<Valuation>(f, { closedWorld: true })
      for (const e of trace) {
        const peeked = m.peek(e)
        expect(m.peek(e)).toBe(peeked)
        expect(m.step(e)).toBe(peeked)
        twin.step(e)
      }
      const peeked = m.peek(next)
      expect(m.verdict).toBe(twin.verdict)
      expect(m.step(next)).toBe(peeked)
      expect(m.finish()).toBe((twin.step(next), twin.finish()))
    },
  )

  it('refuses formulas with past operators', () => {
    expect(() => createMonitor('H p', { closedWorld: true }).peek({ p: true })).toThrow(
      /peek needs a formula without past operators/,
    )
  })
})
