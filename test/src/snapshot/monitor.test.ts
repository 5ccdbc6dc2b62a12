import { fc, test } from '@fast-check/vitest'
import {
  createMonitor,
  type Formula,
  formatLtl,
  type Monitor,
  type MonitorSnapshot,
  monitorFromSnapshot,
  SnapshotError,
} from 'midstream'
import { describe, expect, it } from 'vitest'
import { compileMonitor } from '../../../src/ltl/monitor'
import { parseLtl } from '../../../src/ltl/parse'
import { PastEvaluator } from '../../../src/ltl/past'
import { formulaArb, type Valuation } from '../../support/ltl'

const atoms = ['p', 'q', 'r']
const valuation = fc.record({ p: fc.boolean(), q: fc.boolean(), r: fc.boolean() })
/** Events with non-decreasing times: integer or fractional steps, repeats included. */
const timedTrace = fc
  .array(fc.tuple(valuation, fc.oneof(fc.integer({ min: 0, max: 3 }), fc.double({ min: 0, max: 2, noNaN: true }))), {
    maxLength: 24,
  })
  .map(steps => {
    let t = 0
    return steps.map(([e, dt]) => ({ e, t: (t += dt) }))
  })
const formula = formulaArb(atoms, 4, { future: true, past: true, bounds: true })

/** A monitor of `f`, or null for a formula outside the monitor's language (a past operator over a future one). */
function tryMonitor(f: Formula): Monitor<Valuation> | null {
  try {
    return createMonitor<Valuation>(f, { closedWorld: true })
  } catch (error) {
    expect(String(error)).toMatch(/past operator over a future formula/)
    return null
  }
}

const roundTrip = (s: MonitorSnapshot): MonitorSnapshot => JSON.parse(JSON.stringify(s))
const run = (m: Monitor<Valuation>, trace: ReadonlyArray<{ e: Valuation; t: number }>) =>
  trace.map(({ e, t }) => m.step(e, t))
const withoutEvent = (m: Monitor<Valuation>) => (m.violation === null ? null : { ...m.violation, event: undefined })

describe('Monitor snapshots', () => {
  test.prop([formula, timedTrace, fc.nat(), fc.boolean()], { numRuns: 400 })(
    'split at any k, through JSON, restored (fresh translation or same factory) = one uninterrupted run',
    (f, trace, cut, fresh) => {
      const whole = tryMonitor(f)
      if (whole === null) return
      const k = cut % (trace.length + 1)
      const expected = run(whole, trace)
      const factory = compileMonitor<Valuation>('test', f, { closedWorld: true })
      const first = factory()
      const head = run(first, trace.slice(0, k))
      const saved = roundTrip(first.snapshot())
      // a fresh translation of the formula's text (another process), or a monitor sharing the first one's
      // table, whose memos and junction caches the first run filled
      let restored: Monitor<Valuation>
      if (fresh) restored = monitorFromSnapshot<Valuation>(formatLtl(f), saved, { closedWorld: true })
      else {
        restored = factory()
        restored.restore(saved)
      }
      expect(restored.snapshot(), 'a restored monitor writes the snapshot it was restored from').toEqual(saved)
      expect(restored.verdict).toBe(first.verdict)
      const tail = run(restored, trace.slice(k))
      expect([...head, ...tail], formatLtl(f)).toEqual(expected)
      expect(restored.index).toBe(whole.index)
      expect(restored.snapshot(), formatLtl(f)).toEqual(whole.snapshot())
      if (k < trace.length || whole.violation?.index !== k - 1)
        expect(withoutEvent(restored)).toEqual(withoutEvent(whole))
      expect(restored.finish()).toBe(whole.finish())
      expect(restored.snapshot()).toEqual(whole.snapshot())
      expect(withoutEvent(restored)).toEqual(withoutEvent(whole))
    },
  )

  test.prop([formula, timedTrace, fc.nat()], { numRuns: 150 })(
    'a snapshot after finish() restores a finished monitor; restore into a used monitor replaces its state',
    (f, trace, cut) => {
      const whole = tryMonitor(f)
      if (whole === null) return
      run(whole, trace)
      whole.finish()
      const other = createMonitor<Valuation>(f, { closedWorld: true })
      run(other, trace.slice(0, cut % (trace.length + 1)))
      other.restore(roundTrip(whole.snapshot()))
      expect(other.verdict).toBe(whole.verdict)
      expect(other.snapshot()).toEqual(whole.snapshot())
      expect(() => other.step({ p: true, q: false, r: false }, 1e9)).toThrow(/has finished/)
    },
  )

  it('pending metric deadlines survive exactly, fractional and far times included', () => {
    const f = 'G (p -> F[0.1,0.3] q)'
    const t0 = 1e15 + 0.125 // not representable with fewer bits, and far from 0
    const whole = createMonitor<Valuation>(f, { closedWorld: true })
    const first = createMonitor<Valuation>(f, { closedWorld: true })
    for (const m of [whole, first]) m.step({ p: true }, t0)
    const restored = monitorFromSnapshot<Valuation>(f, roundTrip(first.snapshot()), { closedWorld: true })
    // the deadline t0 + 0.3 is exact: an event just after it decides, one at it does not
    for (const m of [whole, restored]) expect(m.step({}, t0 + 0.25)).toBe('unknown')
    const next = t0 + 0.375
    expect(whole.step({}, next)).toBe('false')
    expect(restored.step({}, next)).toBe('false')
    expect(restored.violation?.timestamp).toBe(next)
    expect(restored.snapshot()).toEqual(whole.snapshot())
  })

  it('a snapshot is as large as the distinct subterms, not as the unfolded formula sharing makes exponential', () => {
    // p W f = f R (p || f): f twice, so the tree of 12 nested W has about 2^12 nodes, but few distinct ones
    let f = 'p'
    for (let i = 0; i < 12; i++) f = `q W (${f})`
    const m = createMonitor<Valuation>(f, { closedWorld: true })
    m.step({ q: true })
    m.step({ r: true })
    const s = m.snapshot()
    expect(s.residual.nodes.length).toBeLessThan(80)
    const restored = monitorFromSnapshot<Valuation>(f, roundTrip(s), { closedWorld: true })
    for (const e of [{ q: true }, { r: true }, {}] as Valuation[]) expect(restored.step(e)).toBe(m.step(e))
    expect(restored.snapshot()).toEqual(m.snapshot())
  })

  it('a violation keeps its index, time and place; the event itself is not in the snapshot', () => {
    const m = createMonitor<Valuation>('G !p', { closedWorld: true })
    m.step({}, 1)
    m.step({ p: true }, 2.5)
    const r = monitorFromSnapshot<Valuation>('G !p', roundTrip(m.snapshot()), { closedWorld: true })
    expect(r.violation).toEqual({ formula: 'G !p', index: 1, event: undefined, timestamp: 2.5, atEnd: false })
    expect(r.verdict).toBe('false')
  })

  test.prop([formula, timedTrace, timedTrace], { numRuns: 150 })(
    'the residual is written by structure, not by the order its terms were first met',
    (f, before, trace) => {
      // `used` interns terms while running `before`, so the table numbers the residuals of `trace` otherwise
      const used = tryMonitor(f)
      if (used === null) return
      const fresh = createMonitor<Valuation>(f, { closedWorld: true })
      run(used, before)
      used.reset()
      run(used, trace)
      run(fresh, trace)
      expect(used.snapshot(), formatLtl(f)).toEqual(fresh.snapshot())
    },
  )

  it('another formula, kind or version, or damaged fields, are SnapshotErrors naming both sides', () => {
    const m = createMonitor<Valuation>('G (p -> F q)', { closedWorld: true })
    m.step({ p: true })
    const s = m.snapshot()
    const other = createMonitor<Valuation>('G (p -> F r)', { closedWorld: true })
    expect(() => other.restore(s)).toThrow(SnapshotError)
    expect(() => other.restore(s)).toThrow(
      /^Monitor.restore: the snapshot is of formula "G \(p -> \(F q\)\)", this monitor's is "G \(p -> \(F r\)\)"/,
    )
    expect(() => m.restore({ ...s, kind: 'PageHinkley' } as never)).toThrow(
      /the snapshot is of kind "PageHinkley", expected "LtlMonitor"/,
    )
    expect(() => m.restore({ ...s, version: 9 })).toThrow(/has version 9, this version reads 1/)
    expect(() => m.restore(null as never)).toThrow(TypeError)
    const bad: Array<[Partial<MonitorSnapshot> | Record<string, unknown>, RegExp]> = [
      [{ index: -1 }, /index must be an integer/],
      [{ finished: 'no' }, /finished must be a boolean/],
      [{ verdict: 'maybe' }, /verdict must be/],
      [{ times: 'AAAA' }, /times/],
      [{ violation: { index: 'x' } }, /violation must be/],
      [{ past: { kind: 'PastEvaluator' } }, /past must be null/],
      [{ residual: { nodes: [['zz']], root: 0, times: '' } }, /residual node #0 has an unknown tag/],
      [{ residual: { nodes: [['&', 0, 1]], root: 0, times: '' } }, /refers to a node not before it/],
      [{ residual: { nodes: [['p', 7]], root: 0, times: '' } }, /names a proposition beyond 2/],
      [{ residual: { nodes: [['t']], root: 3, times: '' } }, /residual.root must index one of 1 nodes/],
      [{ residual: { nodes: [['o', 0]], root: 0, times: '' } }, /refers to timed term 0 of 0/],
      [{ residual: 'x' }, /residual must be/],
    ]
    for (const [change, message] of bad) {
      const before = m.snapshot()
      expect(() => m.restore({ ...s, ...change } as never), JSON.stringify(change)).toThrow(SnapshotError)
      expect(() => m.restore({ ...s, ...change } as never), JSON.stringify(change)).toThrow(message)
      expect(m.snapshot(), 'a refused snapshot leaves the monitor unchanged').toEqual(before)
    }
  })

  it('a damaged past part is refused by the past evaluator, naming it', () => {
    const f = 'G (q -> O[1,3] p)'
    const m = createMonitor<Valuation>(f, { closedWorld: true })
    m.step({ p: true }, 0)
    const s = m.snapshot()
    const past = s.past!
    expect(() => m.restore({ ...s, past: { ...past, size: 99 } })).toThrow(
      /PastEvaluator.restore: the snapshot has 99 nodes/,
    )
    expect(() => m.restore({ ...s, past: { ...past, memory: '2' } })).toThrow(/memory must be/)
    expect(() => m.restore({ ...s, past: { ...past, runs: [-1] } })).toThrow(/run count must be/)
    expect(() => m.restore({ ...s, past: { ...past, runs: [5] } })).toThrow(/runTimes holds/)
    expect(() => m.restore({ ...s, past: { ...past, kind: 'x' } as never })).toThrow(SnapshotError)
    expect(() => m.restore({ ...s, past: null })).toThrow(/past must be a PastEvaluator snapshot/)
  })
})

describe('PastEvaluator snapshots', () => {
  const atomIndex = new Map(atoms.map((a, i) => [a, i]))
  const pastFormula = formulaArb(atoms, 4, { past: true, bounds: true })

  test.prop([fc.array(pastFormula, { minLength: 1, maxLength: 3 }), timedTrace, fc.nat(), fc.boolean(), fc.boolean()], {
    numRuns: 300,
  })(
    'split at any k, generated or interpreted on either side = one uninterrupted run',
    (roots, trace, cut, genFirst, genSecond) => {
      const k = cut % (trace.length + 1)
      const out = new Uint8Array(roots.length)
      const values = new Uint8Array(atoms.length)
      const feed = (ev: PastEvaluator, part: typeof trace) =>
        part.map(({ e, t }) => {
          atoms.forEach((a, i) => (values[i] = (e as Valuation)[a] ? 1 : 0))
          ev.step(values, t, out)
          return Array.from(out)
        })
      const whole = new PastEvaluator(roots, atomIndex)
      const expected = feed(whole, trace)
      const first = new PastEvaluator(roots, atomIndex, { generate: genFirst })
      const head = feed(first, trace.slice(0, k))
      const second = new PastEvaluator(roots, atomIndex, { generate: genSecond })
      second.restore(JSON.parse(JSON.stringify(first.snapshot())))
      const tail = feed(second, trace.slice(k))
      expect([...head, ...tail], roots.map(formatLtl).join(' ; ')).toEqual(expected)
      expect(second.snapshot()).toEqual(whole.snapshot())
    },
  )

  it('refuses a snapshot of other formulas', () => {
    const a = new PastEvaluator([parseLtl('O[1,2] p')], atomIndex)
    const b = new PastEvaluator([parseLtl('H q')], atomIndex)
    expect(() => b.restore(a.snapshot())).toThrow(SnapshotError)
  })
})
