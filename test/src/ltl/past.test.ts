import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { type Formula, type Interval, ltl } from '../../../src/ltl/formula'
import { parseLtl } from '../../../src/ltl/parse'
import { containsPast, isPastFormula, PastEvaluator } from '../../../src/ltl/past'

type Event = Readonly<Record<string, boolean>>
interface Trace {
  readonly events: readonly Event[]
  readonly times: readonly number[]
}

function within(d: number, bound: Interval | undefined): boolean {
  return bound === undefined || (d >= bound.lower && d <= bound.upper)
}

/**
 * The oracle: past-time metric LTL straight from the pointwise definitions, looking back over
 * positions 0..i by brute force. Memoised on (subformula, position), which is sound because a
 * past formula's value at i depends on the events 0..i only.
 */
function oracle(f: Formula, trace: Trace): boolean[] {
  const { events, times } = trace
  const memo = new Map<Formula, Map<number, boolean>>()
  const at = (g: Formula, i: number): boolean => {
    let row = memo.get(g)
    if (row === undefined) memo.set(g, (row = new Map()))
    let v = row.get(i)
    if (v === undefined) row.set(i, (v = direct(g, i)))
    return v
  }
  const direct = (g: Formula, i: number): boolean => {
    switch (g.kind) {
      case 'true':
        return true
      case 'false':
        return false
      case 'atom':
        return events[i][g.name] === true
      case 'not':
        return !at(g.operand, i)
      case 'and':
        return at(g.left, i) && at(g.right, i)
      case 'or':
        return at(g.left, i) || at(g.right, i)
      case 'implies':
        return !at(g.left, i) || at(g.right, i)
      case 'iff':
        return at(g.left, i) === at(g.right, i)
      case 'previous':
        return i > 0 && at(g.operand, i - 1)
      case 'once': {
        for (let j = 0; j <= i; j++) if (within(times[i] - times[j], g.bound) && at(g.operand, j)) return true
        return false
      }
      case 'historically': {
        for (let j = 0; j <= i; j++) if (within(times[i] - times[j], g.bound) && !at(g.operand, j)) return false
        return true
      }
      case 'since': {
        for (let j = 0; j <= i; j++) {
          if (!within(times[i] - times[j], g.bound) || !at(g.right, j)) continue
          let all = true
          for (let k = j + 1; k <= i; k++) all &&= at(g.left, k)
          if (all) return true
        }
        return false
      }
      default:
        throw new Error(`the oracle does not evaluate ${g.kind}`)
    }
  }
  return events.map((_, i) => at(f, i))
}

const atomNames = ['p', 'q', 'r'] as const
const atomIndex = new Map(atomNames.map((name, k) => [name, k]))

/** Runs the evaluator over the trace; values[i][r] is root r at event i. */
function run(evaluator: PastEvaluator, roots: number, trace: Trace): boolean[][] {
  const atoms = new Uint8Array(atomNames.length)
  const out = new Uint8Array(roots)
  return trace.events.map((event, i) => {
    atomNames.forEach((name, k) => (atoms[k] = event[name] ? 1 : 0))
    evaluator.step(atoms, trace.times[i], out)
    return Array.from(out, v => {
      expect(v === 0 || v === 1).toBe(true)
      return v === 1
    })
  })
}

/** The oracle's table in the same shape as `run`'s. */
function expected(roots: readonly Formula[], trace: Trace): boolean[][] {
  const columns = roots.map(f => oracle(f, trace))
  return trace.events.map((_, i) => columns.map(column => column[i]))
}

const modes = [
  { name: 'generated', generate: true },
  { name: 'interpreted', generate: false },
] as const

function check(roots: readonly Formula[], trace: Trace): void {
  const want = expected(roots, trace)
  for (const { generate } of modes) {
    const evaluator = new PastEvaluator(roots, atomIndex, { generate })
    expect(evaluator.generated).toBe(generate)
    expect(run(evaluator, roots.length, trace)).toEqual(want)
  }
}

// Bounds from small integers: [lower, lower + width] or [lower, inf], [0, inf] among them.
const bound = (maxLower: number, maxWidth: number): fc.Arbitrary<Interval | undefined> =>
  fc.option(
    fc
      .tuple(fc.nat(maxLower), fc.nat(maxWidth), fc.boolean())
      .map(([lower, width, open]) => ({ lower, upper: open && width === 0 ? Infinity : lower + width })),
    { nil: undefined, freq: 3 },
  )

function pastFormula(depth: number, bounds: boolean, maxLower = 4, maxWidth = 5): fc.Arbitrary<Formula> {
  const leaf = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...atomNames).map(name => ltl.atom(name)) },
    { weight: 1, arbitrary: fc.constantFrom(ltl.true, ltl.false) },
  )
  if (depth === 0) return leaf
  const sub = pastFormula(depth - 1, bounds, maxLower, maxWidth)
  const b = bounds ? bound(maxLower, maxWidth) : fc.constant(undefined)
  return fc.oneof(
    { weight: 2, arbitrary: leaf },
    { weight: 1, arbitrary: sub.map(ltl.not) },
    { weight: 1, arbitrary: sub.map(ltl.previous) },
    { weight: 2, arbitrary: fc.tuple(sub, b).map(([f, i]) => ltl.once(f, i)) },
    { weight: 2, arbitrary: fc.tuple(sub, b).map(([f, i]) => ltl.historically(f, i)) },
    { weight: 2, arbitrary: fc.tuple(sub, sub, b).map(([f, g, i]) => ltl.since(f, g, i)) },
    { weight: 1, arbitrary: fc.tuple(sub, sub).map(([f, g]) => ltl.and(f, g)) },
    { weight: 1, arbitrary: fc.tuple(sub, sub).map(([f, g]) => ltl.or(f, g)) },
    { weight: 1, arbitrary: fc.tuple(sub, sub).map(([f, g]) => ltl.implies(f, g)) },
    { weight: 1, arbitrary: fc.tuple(sub, sub).map(([f, g]) => ltl.iff(f, g)) },
  )
}

/** Random atom values at non-decreasing integer times (steps of 0..maxStep ms, repeats included). */
function traceOf(maxLength: number, maxStep = 3): fc.Arbitrary<Trace> {
  const event = fc.record({ p: fc.boolean(), q: fc.boolean(), r: fc.boolean() })
  return fc
    .tuple(fc.array(fc.tuple(event, fc.nat(maxStep)), { minLength: 1, maxLength }), fc.nat(20))
    .map(([steps, start]) => {
      let t = start
      return { events: steps.map(([e]) => e), times: steps.map(([, dt]) => (t += dt)) }
    })
}

/** The same tree rebuilt from fresh objects: structurally equal, never identical. */
function clone(f: Formula): Formula {
  return JSON.parse(
    JSON.stringify(f, (_, v) => (v === Infinity ? 'inf' : v)),
    (_, v) => (v === 'inf' ? Infinity : v),
  ) as Formula
}

const trace = (events: string[], times?: number[]): Trace => ({
  events: events.map(e =>
    Object.fromEntries(
      e
        .split(/\s+/)
        .filter(Boolean)
        .map(a => [a, true]),
    ),
  ),
  times: times ?? events.map((_, i) => i),
})

/** Root 0 of `text` over the trace, in both modes (checked equal), atoms indexed in order of first use. */
function values(text: string, tr: Trace): boolean[] {
  const names = [...new Set(tr.events.flatMap(e => Object.keys(e)).concat(text.match(/\b[a-z_]\w*\b/g) ?? []))].filter(
    n => n !== 'true' && n !== 'false' && n !== 'inf' && !/^\d/.test(n) && n !== 'ms',
  )
  const index = new Map(names.map((n, k) => [n, k]))
  const results = modes.map(({ generate }) => {
    const evaluator = new PastEvaluator([parseLtl(text)], index, { generate })
    const atoms = new Uint8Array(names.length)
    const out = new Uint8Array(1)
    return tr.events.map((event, i) => {
      names.forEach((n, k) => (atoms[k] = event[n] ? 1 : 0))
      evaluator.step(atoms, tr.times[i], out)
      return out[0] === 1
    })
  })
  expect(results[1]).toEqual(results[0])
  return results[0]
}

describe('PastEvaluator against the brute-force semantics', () => {
  test.prop([fc.array(pastFormula(4, false), { minLength: 1, maxLength: 3 }), traceOf(30)], { numRuns: 300 })(
    'unbounded Y, O, H, S and connectives',
    (roots, tr) => {
      check(roots, tr)
    },
  )

  test.prop([fc.array(pastFormula(4, true), { minLength: 1, maxLength: 3 }), traceOf(30)], { numRuns: 400 })(
    'with time bounds from small integers',
    (roots, tr) => {
      check(roots, tr)
    },
  )

  // wide windows with narrow slack keep many runs of witness times queued: the ring buffer grows and wraps
  test.prop([fc.array(pastFormula(3, true, 40, 6), { minLength: 1, maxLength: 3 }), traceOf(250, 2)], { numRuns: 60 })(
    'with wide bounds on long traces',
    (roots, tr) => {
      check(roots, tr)
    },
  )
})

/** Long traces where each atom holds and fails in runs of 1..maxRun events: many separate runs of witnesses. */
function burstyTrace(length: number, maxRun: number): fc.Arbitrary<Trace> {
  const runs = fc.array(fc.integer({ min: 1, max: maxRun }), { minLength: length, maxLength: length })
  return fc
    .tuple(runs, runs, runs, fc.array(fc.nat(2), { minLength: length, maxLength: length }))
    .map(([rp, rq, rr, steps]) => {
      const column = (lengths: number[]): boolean[] =>
        lengths.flatMap((n, k) => Array<boolean>(n).fill(k % 2 === 0)).slice(0, length)
      const [p, q, r] = [column(rp), column(rq), column(rr)]
      let t = 0
      return { events: steps.map((_, i) => ({ p: p[i], q: q[i], r: r[i] })), times: steps.map(dt => (t += dt)) }
    })
}

describe('PastEvaluator on bursty traces with wide windows', () => {
  // windows far wider than their slack keep dozens of separate runs queued: the ring buffer grows and wraps
  const wide = fc
    .tuple(fc.integer({ min: 10, max: 60 }), fc.nat(4))
    .map(([lower, width]) => ({ lower, upper: lower + width }))
  const atom = fc.constantFrom(...atomNames).map(name => ltl.atom(name))
  const operand = fc.oneof(
    atom,
    atom.map(ltl.not),
    fc.tuple(atom, atom).map(([f, g]) => ltl.and(f, g)),
  )
  const root = fc.oneof(
    fc.tuple(operand, wide).map(([f, b]) => ltl.once(f, b)),
    fc.tuple(operand, wide).map(([f, b]) => ltl.historically(f, b)),
    fc.tuple(operand, operand, wide).map(([f, g, b]) => ltl.since(f, g, b)),
  )
  test.prop([fc.array(root, { minLength: 1, maxLength: 4 }), burstyTrace(300, 6)], { numRuns: 40 })(
    'equal the semantics',
    (roots, tr) => {
      check(roots, tr)
    },
  )

  it('O[60,63] p over bursts of 3 equals the semantics', () => {
    const events = Array.from({ length: 400 }, (_, i) => ({ p: i % 6 < 3 }))
    check(
      [ltl.once(ltl.atom('p'), { lower: 60, upper: 63 }), ltl.historically(ltl.atom('p'), { lower: 60, upper: 63 })],
      { events, times: events.map((_, i) => i) },
    )
  })
})

describe('PastEvaluator on large formulas', () => {
  // the generated code is cut into functions of a few hundred nodes that hand values on through an array
  test.prop([fc.array(pastFormula(4, true), { minLength: 40, maxLength: 60 }), traceOf(25)], { numRuns: 25 })(
    'many roots at once equal the semantics',
    (roots, tr) => {
      check(roots, tr)
    },
  )

  it('a chain of 1000 nodes equals the semantics', () => {
    let f: Formula = ltl.atom('p')
    for (let i = 1; i < 600; i++) {
      const a = ltl.atom(atomNames[i % 3])
      f =
        i % 3 === 0
          ? ltl.once(ltl.and(f, a), i % 2 === 0 ? { lower: 0, upper: i % 7 } : { lower: 1, upper: 3 })
          : i % 3 === 1
            ? ltl.since(a, f)
            : ltl.or(ltl.not(f), ltl.previous(a))
    }
    const roots = [f, ltl.historically(ltl.atom('q')), ltl.not(f)]
    expect(new PastEvaluator(roots, atomIndex).size).toBeGreaterThan(1000)
    const events = Array.from({ length: 40 }, (_, i) => ({ p: i % 3 !== 1, q: i % 5 !== 2, r: i % 7 < 3 }))
    check(roots, { events, times: events.map((_, i) => Math.floor(i / 2)) })
  })
})

describe('PastEvaluator', () => {
  test.prop([pastFormula(4, true), traceOf(20), traceOf(20)], { numRuns: 200 })(
    'reset() restarts as a fresh evaluator',
    (f, first, second) => {
      for (const { generate } of modes) {
        const evaluator = new PastEvaluator([f], atomIndex, { generate })
        expect(run(evaluator, 1, first)).toEqual(expected([f], first))
        evaluator.reset()
        expect(run(evaluator, 1, second)).toEqual(expected([f], second))
      }
    },
  )

  test.prop([pastFormula(4, true), pastFormula(3, true), traceOf(25)], { numRuns: 200 })(
    'sharing structurally equal subformulas does not change results',
    (f, g, tr) => {
      const roots = [f, g, clone(f), ltl.and(f, clone(f)), ltl.since(g, ltl.or(clone(g), f))]
      const together = new PastEvaluator(roots, atomIndex)
      const alone = roots.map(root => new PastEvaluator([root], atomIndex))
      // a clone adds no node; f && f adds exactly one
      expect(new PastEvaluator([f, clone(f)], atomIndex).size).toBe(alone[0].size)
      expect(alone[3].size).toBe(alone[0].size + 1)
      expect(together.size).toBeLessThanOrEqual(alone.reduce((sum, e) => sum + e.size, 0))
      const columns = alone.map(e => run(e, 1, tr).map(row => row[0]))
      expect(run(together, roots.length, tr)).toEqual(tr.events.map((_, i) => columns.map(c => c[i])))
      expect(columns[2]).toEqual(columns[0])
    },
  )

  it('compiles chains deeper than the call stack and shared subtrees once', () => {
    let deep: Formula = ltl.atom('p')
    for (let i = 0; i < 30_001; i++) deep = ltl.not(deep)
    expect(isPastFormula(deep)).toBe(true)
    expect(containsPast(deep)).toBe(false)
    // reusing one object at both sides 60 times makes 2^60 paths but 62 distinct nodes
    let dag: Formula = ltl.once(ltl.atom('p'))
    for (let i = 0; i < 60; i++) dag = ltl.and(dag, dag)
    expect(isPastFormula(dag)).toBe(true)
    expect(containsPast(dag)).toBe(true)
    const tr = trace(['', 'p', '', 'q'])
    for (const { generate } of modes) {
      const evaluator = new PastEvaluator([deep, dag], atomIndex, { generate })
      expect(evaluator.size).toBe(30_002 + 61)
      expect(run(evaluator, 2, tr)).toEqual([
        [true, false],
        [false, true],
        [true, true],
        [true, true],
      ])
    }
    const cyclic = { kind: 'not', operand: ltl.atom('p') } as { kind: 'not'; operand: Formula }
    cyclic.operand = ltl.and(ltl.atom('q'), cyclic)
    expect(() => new PastEvaluator([cyclic], atomIndex)).toThrow(/may not contain itself/)
  })

  it('counts distinct nodes and reports bounds', () => {
    expect(new PastEvaluator([parseLtl('O p && O p')], atomIndex).size).toBe(3)
    expect(new PastEvaluator([parseLtl('O p'), parseLtl('O[0,5] p'), parseLtl('O[1,5] p')], atomIndex).size).toBe(4)
    expect(new PastEvaluator([parseLtl('H (p -> O q) && !(r S p)')], atomIndex).timed).toBe(false)
    expect(new PastEvaluator([parseLtl('Y p'), parseLtl('q S[0,3] p')], atomIndex).timed).toBe(true)
    expect(new PastEvaluator([parseLtl('O[0,inf] p')], atomIndex).timed).toBe(true)
    expect(new PastEvaluator([], atomIndex).size).toBe(0)
  })

  it('evaluates H (ack -> O request) on hand traces', () => {
    const f = 'H (ack -> O request)'
    expect(values(f, trace(['request', 'ack', '', 'ack']))).toEqual([true, true, true, true])
    expect(values(f, trace(['ack', 'request', 'ack']))).toEqual([false, false, false])
    expect(values(f, trace(['', 'request ack', 'ack']))).toEqual([true, true, true])
    expect(values(f, trace(['', '', 'ack', 'request']))).toEqual([true, true, false, false])
  })

  it('makes Y p false at the first event, whatever p', () => {
    expect(values('Y p', trace(['p', 'p', '', 'p']))).toEqual([false, true, true, false])
    expect(values('Y H p', trace(['p', 'p']))).toEqual([false, true])
    expect(values('Y true', trace(['', '']))).toEqual([false, true])
    expect(values('!Y !p', trace(['', '']))).toEqual([true, false])
  })

  it('evaluates O[2,5] p with explicit times', () => {
    expect(values('O[2,5] p', trace(['p', '', '', '', '', ''], [10, 11, 12, 15, 16, 20]))).toEqual([
      false,
      false,
      true,
      true,
      false,
      false,
    ])
    // two witnesses whose windows [12,15] and [19,22] leave a gap
    expect(values('O[2,5] p', trace(['p', '', '', '', 'p', '', '', ''], [10, 11, 13, 16, 17, 18, 19, 23]))).toEqual([
      false,
      false,
      true,
      false,
      false,
      false,
      true,
      false,
    ])
    expect(values('H[2,5] p', trace(['p', '', 'p', 'p'], [0, 1, 3, 7]))).toEqual([true, true, false, true])
  })

  it('evaluates p S[0,3] q with explicit times', () => {
    expect(values('p S[0,3] q', trace(['q', 'p', 'p', 'p', ''], [0, 1, 3, 4, 5]))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ])
    expect(values('p S[0,3] q', trace(['q', '', 'p'], [0, 1, 2]))).toEqual([true, false, false])
    // a later q renews the witness even when p fails at its own event
    expect(values('p S[0,3] q', trace(['q', 'q', 'p', 'p'], [0, 2, 4, 6]))).toEqual([true, true, true, false])
    expect(values('p S[2,3] q', trace(['q', 'p', 'p', 'p q', 'p'], [0, 1, 2, 3, 6]))).toEqual([
      false,
      false,
      true,
      true,
      true,
    ])
  })

  it('takes an upper bound of Infinity', () => {
    expect(values('O[3,inf] p', trace(['p', '', '', ''], [0, 1, 3, 100]))).toEqual([false, false, true, true])
    expect(values('H[2,inf] p', trace(['p', 'p', '', 'p', 'p'], [0, 1, 2, 3, 5]))).toEqual([
      true,
      true,
      true,
      true,
      false,
    ])
    expect(values('p S[3,inf] q', trace(['q', 'p', 'p', '', 'p q', 'p'], [0, 1, 3, 4, 5, 8]))).toEqual([
      false,
      false,
      true,
      false,
      false,
      true,
    ])
    expect(values('O[0,inf] p', trace(['', 'p', ''], [0, 1, 1e9]))).toEqual([false, true, true])
  })

  it('runs its doc example', () => {
    const atoms = new Map([
      ['req', 0],
      ['ack', 1],
    ])
    const monitor = new PastEvaluator([parseLtl('H (ack -> O[0,100ms] req)')], atoms)
    const v = new Uint8Array(2)
    const out = new Uint8Array(1)
    v[0] = 1
    monitor.step(v, 0, out)
    expect(out[0]).toBe(1)
    v[0] = 0
    v[1] = 1
    monitor.step(v, 50, out)
    expect(out[0]).toBe(1)
    monitor.step(v, 500, out)
    expect(out[0]).toBe(0)
  })

  it('reads any non-zero atom value as true', () => {
    for (const { generate } of modes) {
      const evaluator = new PastEvaluator([parseLtl('!p'), parseLtl('p && q')], atomIndex, { generate })
      const out = new Uint8Array(2)
      evaluator.step(Uint8Array.of(2, 255, 0), 0, out)
      expect([...out]).toEqual([0, 1])
    }
  })

  it('rejects future operators with a RangeError naming them', () => {
    const cases: [string, string][] = [
      ['H (p -> X q)', 'next'],
      ['O F p', 'eventually'],
      ['p S G q', 'always'],
      ['Y (p U q)', 'until'],
      ['!(p R q)', 'release'],
      ['H[0,5] (p W q)', 'weakUntil'],
      ['O F[0,3] p', 'eventually'],
    ]
    for (const [text, kind] of cases) {
      const f = parseLtl(text)
      expect(isPastFormula(f)).toBe(false)
      expect(() => new PastEvaluator([f], atomIndex)).toThrow(RangeError)
      expect(() => new PastEvaluator([parseLtl('O p'), f], atomIndex)).toThrow(new RegExp(`'${kind}'`))
    }
  })

  it('rejects an atom missing from the index and arrays too short', () => {
    expect(() => new PastEvaluator([parseLtl('O s')], atomIndex)).toThrow(/atom "s"/)
    expect(() => new PastEvaluator([parseLtl('O p')], new Map([['p', -1]]))).toThrow(RangeError)
    const evaluator = new PastEvaluator([parseLtl('O r'), parseLtl('p')], atomIndex)
    expect(() => evaluator.step(new Uint8Array(2), 0, new Uint8Array(2))).toThrow(/atoms has length 2.*need 3/)
    expect(() => evaluator.step(new Uint8Array(3), 0, new Uint8Array(1))).toThrow(/out has length 1.*2 roots/)
  })

  it('tells past formulas and formulas with past operators apart', () => {
    expect(isPastFormula(parseLtl('H (ack -> O request) && !(err S reset)'))).toBe(true)
    expect(isPastFormula(parseLtl('p && !q'))).toBe(true)
    expect(isPastFormula(parseLtl('G (p -> O q)'))).toBe(false)
    expect(containsPast(parseLtl('G (p -> O q)'))).toBe(true)
    expect(containsPast(parseLtl('p || (q -> !r)'))).toBe(false)
    expect(containsPast(parseLtl('F (a U Y b)'))).toBe(true)
    expect(containsPast(parseLtl('X (a S[0,1] b)'))).toBe(true)
  })
})
