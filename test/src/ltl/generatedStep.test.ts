import { fc, test } from '@fast-check/vitest'
import { type Formula, formatLtl, type Monitor, type Verdict } from 'midstream'
import { describe, expect, it } from 'vitest'
import { compileMonitor } from '../../../src/ltl/monitor'
import { containsPast, isPastFormula } from '../../../src/ltl/past'
import { formulaArb, holdsFinite, ltl3ByLassos, type Valuation } from '../../support/ltl'

/*
 * createMonitor's step is generated per formula (predicates at their own call sites, the past kernel
 * inline, a dense residual automaton); where `new Function` is forbidden it runs the interpreted step.
 * Both must give the verdicts of the oracles in test/support/ltl.ts, and the same snapshots.
 */

const atoms = ['p', 'q', 'r']
const valuation = fc.record({ p: fc.boolean(), q: fc.boolean(), r: fc.boolean() })
// p through a predicate, q through a predicate that returns a truthy non-boolean, r read from the record
const predicates = { p: (e: Valuation) => e.p, q: (e: Valuation) => (e.q ? 1 : '') as unknown as boolean }
const options = { atoms: predicates, closedWorld: true }

/** A generated and an interpreted monitor of `f`, or null for a formula outside the monitor's language. */
function pair(f: Formula): [Monitor<Valuation>, Monitor<Valuation>] | null {
  try {
    const generated = compileMonitor<Valuation>('test', f, options)()
    const interpreted = compileMonitor<Valuation>('test', f, options, false)()
    expect((generated as unknown as { generated: boolean }).generated).toBe(true)
    expect((interpreted as unknown as { generated: boolean }).generated).toBe(false)
    return [generated, interpreted]
  } catch (error) {
    expect(String(error)).toMatch(/past operator over a future formula/)
    return null
  }
}

const gaps = (n: number) =>
  fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }).map(g => {
    let t = 0
    return g.map(d => (t += d))
  })
const timedTrace = fc
  .array(valuation, { minLength: 1, maxLength: 10 })
  .chain(trace => fc.tuple(fc.constant(trace), gaps(trace.length)))

describe('createMonitor: the generated step and the interpreted one', () => {
  test.prop([formulaArb(['p', 'q'], 4), fc.array(fc.record({ p: fc.boolean(), q: fc.boolean() }), { maxLength: 4 })], {
    numRuns: 100,
  })('give the brute-force LTL3 verdict after every event (future formulas)', (f, trace) => {
    const monitors = pair(f)
    if (monitors === null) return
    for (const m of monitors) expect(m.verdict).toBe(ltl3ByLassos(f, [], ['p', 'q'], 4))
    trace.forEach((e, i) => {
      const expected = ltl3ByLassos(f, trace.slice(0, i + 1), ['p', 'q'], 4)
      for (const m of monitors) expect(m.step({ ...e, r: false }), `${formatLtl(f)} at ${i}`).toBe(expected)
    })
  })

  test.prop([formulaArb(atoms, 4, { future: true, past: true, bounds: true }), timedTrace], { numRuns: 300 })(
    'agree at every event with past and metric operators, and finish() is the LTLf verdict',
    (f, [trace, ts]) => {
      const monitors = pair(f)
      if (monitors === null) return
      const [generated, interpreted] = monitors
      trace.forEach((e, i) => {
        expect(generated.step(e, ts[i]), `${formatLtl(f)} at ${i}`).toBe(interpreted.step(e, ts[i]))
        expect(generated.violation?.index).toBe(interpreted.violation?.index)
      })
      const everyEvent = isPastFormula(f) && containsPast(f)
      const holds = everyEvent ? trace.every((_, i) => holdsFinite(f, trace, ts, i)) : holdsFinite(f, trace, ts)
      for (const m of monitors) expect(m.finish(), formatLtl(f)).toBe(holds ? 'true' : 'false')
    },
  )

  test.prop([formulaArb(atoms, 4, { past: true }), fc.array(valuation, { minLength: 1, maxLength: 12 })], {
    numRuns: 200,
  })('a past-time property: false from the first event where the formula fails, in both', (f, trace) => {
    fc.pre(containsPast(f))
    const monitors = pair(f)
    if (monitors === null) return
    let failed = false
    trace.forEach((e, i) => {
      failed ||= !holdsFinite(f, trace.slice(0, i + 1), undefined, i)
      for (const m of monitors) expect(m.step(e), `${formatLtl(f)} at ${i}`).toBe(failed ? 'false' : 'unknown')
    })
  })

  test.prop([formulaArb(atoms, 4, { future: true, past: true, bounds: true }), timedTrace, fc.nat(), fc.boolean()], {
    numRuns: 200,
  })(
    'a snapshot of either restores into the other and continues as one uninterrupted run',
    (f, [trace, ts], cut, genFirst) => {
      const monitors = pair(f)
      if (monitors === null) return
      const [whole] = monitors
      const k = cut % (trace.length + 1)
      const expected = trace.map((e, i) => whole.step(e, ts[i]))
      const first = compileMonitor<Valuation>('test', f, options, genFirst)()
      const head = trace.slice(0, k).map((e, i) => first.step(e, ts[i]))
      const second = compileMonitor<Valuation>('test', f, options, !genFirst)()
      second.restore(JSON.parse(JSON.stringify(first.snapshot())))
      const tail = trace.slice(k).map((e, i) => second.step(e, ts[k + i]))
      expect([...head, ...tail], formatLtl(f)).toEqual(expected)
      expect(second.snapshot()).toEqual(whole.snapshot())
      expect(second.finish()).toBe(whole.finish())
    },
  )

  test.prop([formulaArb(atoms, 4, { future: true, past: true }), fc.array(valuation, { maxLength: 12 })], {
    numRuns: 150,
  })(
    'monitors of one formula share the automaton: a fresh one on a warm automaton, and reset(), change nothing',
    (f, trace) => {
      let factory: () => Monitor<Valuation>
      try {
        factory = compileMonitor<Valuation>('test', f, options)
      } catch {
        return
      }
      const reference = compileMonitor<Valuation>('test', f, options, false)()
      const expected = trace.map(e => reference.step(e))
      const warm = factory()
      expect(trace.map(e => warm.step(e))).toEqual(expected)
      const fresh = factory()
      expect(trace.map(e => fresh.step(e))).toEqual(expected)
      warm.reset()
      expect(trace.map(e => warm.step(e))).toEqual(expected)
      expect(warm.snapshot()).toEqual(reference.snapshot())
    },
  )
})

describe('createMonitor: the generated step, edge cases', () => {
  it('more propositions than the dense automaton takes (11 atoms) follow the terms, with the same verdicts', () => {
    const names = Array.from({ length: 11 }, (_, k) => `a${k}`)
    const text = `G (${names.join(' || ')}) && G (a0 -> F a1)`
    const generated = compileMonitor<Record<string, boolean>>('test', text, { closedWorld: true })()
    const interpreted = compileMonitor<Record<string, boolean>>('test', text, { closedWorld: true }, false)()
    let seed = 7
    const verdicts: Verdict[] = []
    for (let i = 0; i < 300; i++) {
      const e = Object.fromEntries(names.map(n => [n, ((seed = (seed * 16807) % 2147483647) & 3) === 0]))
      const v = generated.step(e)
      expect(v).toBe(interpreted.step(e))
      verdicts.push(v)
    }
    // some event had no atom true, so G (a0 || ... || a10) failed there
    expect(verdicts.at(-1)).toBe('false')
    expect(generated.violation?.index).toBe(interpreted.violation?.index)
  })

  it('a predicate that throws: the error comes out of step, and the monitor goes on as the interpreted one', () => {
    const boom = new Error('predicate failed')
    const atomsThatThrow = {
      p: (e: { p: boolean; bad?: boolean }) => {
        if (e.bad) throw boom
        return e.p
      },
    }
    const generated = compileMonitor('test', 'G (p -> O p) && H (p || Y !p)', { atoms: atomsThatThrow })()
    const interpreted = compileMonitor('test', 'G (p -> O p) && H (p || Y !p)', { atoms: atomsThatThrow }, false)()
    expect(generated.step({ p: true })).toBe(interpreted.step({ p: true }))
    for (const m of [generated, interpreted]) expect(() => m.step({ p: true, bad: true })).toThrow('predicate failed')
    expect(generated.step({ p: false })).toBe(interpreted.step({ p: false }))
    expect(generated.step({ p: true })).toBe(interpreted.step({ p: true }))
    expect(generated.index).toBe(interpreted.index)
    expect(generated.snapshot()).toEqual(interpreted.snapshot())
  })

  it('step after finish() throws and a bad timestamp is refused, naming the event, in both', () => {
    for (const generate of [true, false]) {
      const m = compileMonitor<Valuation>('test', 'G (p -> F[0,5ms] q)', options, generate)()
      expect(() => m.step({ p: true, q: false, r: false })).toThrow(/event #0: .* finite timestamp/)
      m.step({ p: true, q: false, r: false }, 10)
      expect(() => m.step({ p: false, q: true, r: false }, 9)).toThrow(
        /event #2: timestamp 9 is before the previous one \(10\)/,
      )
      m.finish()
      expect(() => m.step({ p: false, q: false, r: false }, 11)).toThrow(/has finished/)
    }
  })
})

/** The number of states of the closed automaton the monitor's step runs from constants (0: none). */
const closedStates = (m: Monitor<unknown>): number => (m as unknown as { closedStates: number }).closedStates

describe('createMonitor: small automata closed into constants', () => {
  test.prop(
    [formulaArb(['p', 'q'], 4, { future: true, past: true }), fc.array(valuation, { maxLength: 12 }), fc.nat()],
    {
      numRuns: 200,
    },
  )('give the interpreted verdicts, snapshots and LTLf verdict, across a snapshot at any event', (f, trace, cut) => {
    const monitors = pair(f)
    if (monitors === null) return
    const [generated, interpreted] = monitors
    const k = trace.length === 0 ? 0 : cut % (trace.length + 1)
    const head = trace.slice(0, k).map(e => [generated.step(e), interpreted.step(e)])
    const resumed = compileMonitor<Valuation>('test', f, options)()
    resumed.restore(JSON.parse(JSON.stringify(generated.snapshot())))
    const tail = trace.slice(k).map(e => [resumed.step(e), interpreted.step(e)])
    for (const [ours, theirs] of [...head, ...tail]) expect(ours, formatLtl(f)).toBe(theirs)
    expect(resumed.snapshot()).toEqual(interpreted.snapshot())
    expect(resumed.finish()).toBe(interpreted.finish())
  })

  it("the issue's two formulas close, and the 7-atom one equals a hand-written evaluator at every event", () => {
    type Job = Record<'req' | 'busy' | 'grant' | 'pending' | 'ack' | 'err' | 'fault', boolean>
    const names = ['req', 'busy', 'grant', 'pending', 'ack', 'err', 'fault'] as const
    const jobAtoms = Object.fromEntries(names.map(n => [n, (e: Job) => e[n]]))
    const seven = compileMonitor<Job>(
      'test',
      'G ((req && !busy) -> (O grant || (pending S (ack && !err)) || Y ack || H !fault))',
      { atoms: jobAtoms },
    )()
    const response = compileMonitor<Job>('test', 'G (req -> F grant)', { atoms: jobAtoms })()
    expect(closedStates(seven)).toBe(2)
    expect(closedStates(response)).toBe(2)
    // the oracle: the four past operators as four booleans
    let once = false
    let since = false
    let lastAck = false
    let noFault = true
    let verdict: Verdict = 'unknown'
    let seed = 11
    const coin = (p: number) => (seed = (seed * 16807) % 2147483647) / 2147483647 < p
    for (let i = 0; i < 2000; i++) {
      const e: Job = {
        req: coin(0.3),
        busy: coin(0.3),
        grant: coin(0.0005),
        pending: coin(0.3),
        ack: coin(0.1),
        err: coin(0.2),
        fault: coin(0.01),
      }
      once ||= e.grant
      since = (e.ack && !e.err) || (e.pending && since)
      noFault &&= !e.fault
      if (verdict === 'unknown' && e.req && !e.busy && !once && !since && !lastAck && !noFault) verdict = 'false'
      lastAck = e.ack
      expect(seven.step(e), `event #${i}`).toBe(verdict)
    }
    expect(verdict).toBe('false')
    expect(() => seven.finish()).not.toThrow()
    expect(() => seven.step({} as Job)).toThrow(/has finished/)
    seven.reset()
    expect(seven.step({ req: true, busy: false, grant: true } as Job)).toBe('unknown')
  })

  it('a restored residual the closed automaton does not reach runs on the table step, as the interpreted one', () => {
    for (const p of [true, false]) {
      const generated = compileMonitor<Valuation>('test', 'G (p -> F q)', options)()
      const interpreted = compileMonitor<Valuation>('test', 'G (p -> F q)', options, false)()
      expect(closedStates(generated)).toBeGreaterThan(0)
      // the residual "p now", which no trace of G (p -> F q) reaches
      const saved = { ...generated.snapshot(), residual: { nodes: [['p', 0]], root: 0, times: '' } }
      for (const m of [generated, interpreted]) m.restore(saved)
      const e = { p, q: false, r: false }
      expect(generated.step(e)).toBe(p ? 'true' : 'false')
      expect(interpreted.step(e)).toBe(p ? 'true' : 'false')
      expect(generated.snapshot()).toEqual(interpreted.snapshot())
    }
  })
})
