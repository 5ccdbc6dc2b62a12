import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { abstractUntimed, negate, progress } from '../../../src/ltl/progress'
import { satisfiable } from '../../../src/ltl/satisfiable'
import { Kind, type Term, TermTable } from '../../../src/ltl/terms'

/** Formulas as plain trees, so the oracle reads them without the table's simplifications. */
type Ast =
  | { readonly k: 'true' | 'false' }
  | { readonly k: 'lit'; readonly p: number; readonly pos: boolean }
  | { readonly k: 'and' | 'or' | 'U' | 'R'; readonly a: Ast; readonly b: Ast }
  | { readonly k: 'X' | 'F' | 'G'; readonly a: Ast }

const PROPS = 2
/** Lassos u v^omega with |u| + |v| <= BOUND are searched by the oracle. */
const BOUND = 5

function show(f: Ast): string {
  switch (f.k) {
    case 'true':
    case 'false':
      return f.k
    case 'lit':
      return (f.pos ? '' : '!') + 'pq'[f.p]
    case 'X':
    case 'F':
    case 'G':
      return `${f.k} ${show(f.a)}`
    case 'and':
      return `(${show(f.a)} && ${show(f.b)})`
    case 'or':
      return `(${show(f.a)} || ${show(f.b)})`
    default:
      return `(${show(f.a)} ${f.k} ${show(f.b)})`
  }
}

function build(table: TermTable, f: Ast): Term {
  switch (f.k) {
    case 'true':
      return table.true
    case 'false':
      return table.false
    case 'lit':
      return table.literal(f.p, f.pos)
    case 'and':
      return table.and([build(table, f.a), build(table, f.b)])
    case 'or':
      return table.or([build(table, f.a), build(table, f.b)])
    case 'X':
      return table.next(build(table, f.a))
    case 'F':
      return table.until(table.true, build(table, f.a))
    case 'G':
      return table.release(table.false, build(table, f.a))
    case 'U':
      return table.until(build(table, f.a), build(table, f.b))
    case 'R':
      return table.release(build(table, f.a), build(table, f.b))
  }
}

/**
 * The oracle's semantics: the truth of `f` at each position of the lasso `word[0..loop) (word[loop..])^omega`.
 * Position i's successor is i + 1, or `loop` after the last, so a lasso has `word.length`
 * positions; until is the least fixpoint of b || (a && X it), release the greatest of b && (a || X it).
 */
function valuesOn(f: Ast, word: readonly number[], loop: number): boolean[] {
  const n = word.length
  const succ = (i: number) => (i + 1 < n ? i + 1 : loop)
  const fixpoint = (a: boolean[], b: boolean[], until: boolean): boolean[] => {
    const x = new Array<boolean>(n).fill(!until)
    for (let changed = true; changed; ) {
      changed = false
      for (let i = n - 1; i >= 0; i--) {
        const v = until ? b[i] || (a[i] && x[succ(i)]) : b[i] && (a[i] || x[succ(i)])
        if (v !== x[i]) (x[i] = v), (changed = true)
      }
    }
    return x
  }
  const all = (v: boolean) => new Array<boolean>(n).fill(v)
  switch (f.k) {
    case 'true':
      return all(true)
    case 'false':
      return all(false)
    case 'lit':
      return word.map(bits => (((bits >> f.p) & 1) === 1) === f.pos)
    case 'and': {
      const a = valuesOn(f.a, word, loop)
      const b = valuesOn(f.b, word, loop)
      return a.map((v, i) => v && b[i])
    }
    case 'or': {
      const a = valuesOn(f.a, word, loop)
      const b = valuesOn(f.b, word, loop)
      return a.map((v, i) => v || b[i])
    }
    case 'X': {
      const a = valuesOn(f.a, word, loop)
      return a.map((_, i) => a[succ(i)])
    }
    case 'F':
      return fixpoint(all(true), valuesOn(f.a, word, loop), true)
    case 'G':
      return fixpoint(all(false), valuesOn(f.a, word, loop), false)
    case 'U':
      return fixpoint(valuesOn(f.a, word, loop), valuesOn(f.b, word, loop), true)
    case 'R':
      return fixpoint(valuesOn(f.a, word, loop), valuesOn(f.b, word, loop), false)
  }
}

/** Brute force: the first lasso with |u| + |v| <= bound that satisfies `f`, or null. */
function findLasso(f: Ast, bound: number): { word: number[]; loop: number } | null {
  const letters = 1 << PROPS
  for (let n = 1; n <= bound; n++) {
    const word = new Array<number>(n).fill(0)
    for (let code = 0; code < letters ** n; code++) {
      for (let i = 0, c = code; i < n; i++, c = Math.floor(c / letters)) word[i] = c % letters
      for (let loop = 0; loop < n; loop++) if (valuesOn(f, word, loop)[0]) return { word: [...word], loop }
    }
  }
  return null
}

/** `u` rebuilt in another table, where no memo has been filled in yet. */
function copy(table: TermTable, u: Term): Term {
  switch (u.kind) {
    case Kind.True:
      return table.true
    case Kind.False:
      return table.false
    case Kind.Lit:
    case Kind.NotLit:
      return table.literal(u.prop, u.kind === Kind.Lit)
    case Kind.And:
      return table.and(u.args.map(v => copy(table, v)))
    case Kind.Or:
      return table.or(u.args.map(v => copy(table, v)))
    case Kind.Next:
      return table.next(copy(table, u.a!))
    case Kind.Until:
      return table.until(copy(table, u.a!), copy(table, u.b!))
    case Kind.Release:
      return table.release(copy(table, u.a!), copy(table, u.b!))
    default:
      throw new Error(`copy: unexpected kind ${u.kind}`)
  }
}

const leaf: fc.Arbitrary<Ast> = fc.oneof(
  { arbitrary: fc.constantFrom<Ast>({ k: 'true' }, { k: 'false' }), weight: 1 },
  {
    arbitrary: fc.record({
      k: fc.constant('lit' as const),
      p: fc.integer({ min: 0, max: PROPS - 1 }),
      pos: fc.boolean(),
    }),
    weight: 4,
  },
)

/** Terms with at most `depth` operators on any path from the root to a leaf. */
const formula = fc.memo((depth: number): fc.Arbitrary<Ast> => {
  if (depth <= 0) return leaf
  const sub = formula(depth - 1)
  const unary = fc.record({ k: fc.constantFrom('X' as const, 'F' as const, 'G' as const), a: sub })
  // 'and' twice: conjunctions are where unsatisfiable terms come from (about one in five here)
  const binary = fc.record({
    k: fc.constantFrom('and' as const, 'and' as const, 'or' as const, 'U' as const, 'R' as const),
    a: sub,
    b: sub,
  })
  return fc.oneof({ arbitrary: leaf, weight: 1 }, { arbitrary: unary, weight: 2 }, { arbitrary: binary, weight: 3 })
})

describe('satisfiable', () => {
  test.prop([formula(4)], { numRuns: 500 })('agrees with a brute-force search over lassos', f => {
    const table = new TermTable(PROPS)
    const model = findLasso(f, BOUND)
    const sat = satisfiable(table, build(table, f))
    if (sat && model === null) console.log(`tableau says satisfiable, no lasso of size <= ${BOUND}: ${show(f)}`)
    expect(sat, show(f)).toBe(model !== null)
  })

  test.prop([formula(4)], { numRuns: 300 })('a term or its negation is satisfiable, never both together', f => {
    const table = new TermTable(PROPS)
    const t = build(table, f)
    // negate turns X into the weak next N, which on infinite words is X again
    const not = abstractUntimed(table, negate(table, t))
    expect(satisfiable(table, t) || satisfiable(table, not), show(f)).toBe(true)
    expect(satisfiable(table, table.and([t, not])), show(f)).toBe(false)
  })

  // One search writes the memo of many terms (the conjunction of each node's Next set); answers read
  // from those memos must be the answers a fresh table computes, which the lasso search vouches for.
  test.prop([fc.array(formula(4), { minLength: 1, maxLength: 3 })], { numRuns: 100 })(
    'answers the same when memos are shared by many terms and their residuals',
    fs => {
      const shared = new TermTable(PROPS)
      const seen = new Set<number>()
      for (const f of fs) {
        let frontier = [build(shared, f)]
        for (let step = 0; step < 3; step++) {
          const next: Term[] = []
          for (const r of frontier) {
            // progression leaves END behind for finite traces; on infinite words it is false
            for (const u of [abstractUntimed(shared, r), abstractUntimed(shared, negate(shared, r))]) {
              if (seen.has(u.id)) continue
              seen.add(u.id)
              const fresh = new TermTable(PROPS)
              expect(satisfiable(shared, u), `residual of ${show(f)}`).toBe(satisfiable(fresh, copy(fresh, u)))
            }
            for (let bits = 0; bits < 1 << PROPS; bits++) next.push(progress(shared, r, bits, 0))
          }
          frontier = next
        }
      }
    },
  )

  describe('examples', () => {
    const table = new TermTable(2)
    const p = table.literal(0, true)
    const notP = table.literal(0, false)
    const q = table.literal(1, true)
    const notQ = table.literal(1, false)
    const G = (f: Term) => table.release(table.false, f)
    const F = (f: Term) => table.until(table.true, f)
    const X = (f: Term) => table.next(f)
    const cases: [string, Term, boolean][] = [
      ['true', table.true, true],
      ['false', table.false, false],
      ['X false', X(table.false), false],
      ['p && X false', table.and([p, X(table.false)]), false],
      ['G p && F !p', table.and([G(p), F(notP)]), false],
      ['G F p && G F !p', table.and([G(F(p)), G(F(notP))]), true],
      ['F G p && G F !p', table.and([F(G(p)), G(F(notP))]), false],
      ['p U q && G !q', table.and([table.until(p, q), G(notQ)]), false],
      ['p R q && F !q && G !p', table.and([table.release(p, q), F(notQ), G(notP)]), false],
      ['G (p -> X !p) && G (!p -> X p)', table.and([G(table.or([notP, X(notP)])), G(table.or([p, X(p)]))]), true],
      [
        'G (p -> X !p) && G (!p -> X p) && F G p',
        table.and([G(table.or([notP, X(notP)])), G(table.or([p, X(p)])), F(G(p))]),
        false,
      ],
      ['X X X p && G (p -> X X q) && G !q', table.and([X(X(X(p))), G(table.or([notP, X(X(q))])), G(notQ)]), false],
    ]
    for (const [name, t, expected] of cases) {
      it(`${name} is ${expected ? 'satisfiable' : 'unsatisfiable'}`, () => {
        expect(satisfiable(table, t)).toBe(expected)
      })
    }
  })

  it('remembers its answer in the term and answers from the memo', () => {
    const table = new TermTable(1)
    const p = table.literal(0, true)
    const t = table.and([table.release(table.false, p), table.until(table.true, table.literal(0, false))])
    expect(t.sat).toBe(0)
    expect(satisfiable(table, t)).toBe(false)
    expect(t.sat).toBe(2)
    // a forged memo is believed: the second call does not run the tableau again
    t.sat = 1
    expect(satisfiable(table, t)).toBe(true)
    t.sat = 2
    expect(satisfiable(table, t)).toBe(false)
  })

  it('rejects END, the weak next and metric operators with a RangeError', () => {
    const table = new TermTable(1)
    const p = table.literal(0, true)
    expect(() => satisfiable(table, table.end)).toThrow(RangeError)
    expect(() => satisfiable(table, table.notEnd)).toThrow(RangeError)
    expect(() => satisfiable(table, table.weakNext(p))).toThrow(RangeError)
    expect(() => satisfiable(table, table.untilRel(table.true, p, 0, 5))).toThrow(RangeError)
    expect(() => satisfiable(table, table.releaseAbs(table.false, p, 0, 5))).toThrow(RangeError)
    // even where another operand alone would decide the answer
    expect(() => satisfiable(table, table.or([p, table.next(table.end)]))).toThrow(RangeError)
  })
})
