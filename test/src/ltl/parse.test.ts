import { test } from '@fast-check/vitest'
import { formatLtl, LtlSyntaxError, ltl, parseLtl } from 'midstream'
import { describe, expect, it } from 'vitest'
import { formulaArb } from '../../support/ltl'

describe('parseLtl and formatLtl', () => {
  test.prop([formulaArb(['p', 'q', 'req.ok', '_x1'], 5, { future: true, past: true, bounds: true })])(
    'format then parse gives the same tree',
    f => {
      expect(parseLtl(formatLtl(f))).toEqual(f)
    },
  )

  it('reads precedence and associativity as documented', () => {
    const { atom, and, or, implies, iff, not, until, always, eventually, next } = ltl
    const [p, q, r] = [atom('p'), atom('q'), atom('r')]
    expect(parseLtl('p || q && r')).toEqual(or(p, and(q, r)))
    expect(parseLtl('p -> q -> r')).toEqual(implies(p, implies(q, r)))
    expect(parseLtl('p <-> q -> r')).toEqual(iff(p, implies(q, r)))
    expect(parseLtl('p U q U r')).toEqual(until(p, until(q, r)))
    expect(parseLtl('p && q U r')).toEqual(and(p, until(q, r)))
    expect(parseLtl('!p U q')).toEqual(until(not(p), q))
    expect(parseLtl('G F p')).toEqual(always(eventually(p)))
    expect(parseLtl('not p and X q or r implies p iff q')).toEqual(iff(implies(or(and(not(p), next(q)), r), p), q))
    expect(parseLtl('G(spike->F[0,0.5s]ack)')).toEqual(
      always(implies(atom('spike'), eventually(atom('ack'), { lower: 0, upper: 500 }))),
    )
    expect(parseLtl('p U[1s,2m] q')).toEqual(until(p, q, { lower: 1000, upper: 120_000 }))
    expect(parseLtl('H[0,inf] p')).toEqual(ltl.historically(p, { lower: 0, upper: Infinity }))
    expect(parseLtl('O[250,1000] p')).toEqual(ltl.once(p, { lower: 250, upper: 1000 }))
    expect(parseLtl('Fp')).toEqual(atom('Fp'))
  })

  const error = (text: string): LtlSyntaxError => {
    try {
      parseLtl(text)
    } catch (e) {
      if (e instanceof LtlSyntaxError) return e
      throw e
    }
    throw new Error(`${text} parsed`)
  }

  it('reports a syntax error with offset, line, column, what was expected and a caret', () => {
    const e = error('G (p ->\n   q ||)')
    expect(e).toMatchObject({ offset: 15, line: 2, column: 8, name: 'LtlSyntaxError' })
    expect(e.expected).toBe("expected an atom, true, false, a unary operator or '(', found ')'")
    expect(e.excerpt).toBe('     q ||)\n         ^')
    expect(error('(p && q').expected).toBe("expected ')' to close the '(' at column 1, found the end")
    expect(error('F[5s,2s] p')).toMatchObject({
      column: 2,
      expected: 'expected lower <= upper in the bound, got [5s, 2s]',
    })
    expect(error('F[-1,2] p')).toMatchObject({ column: 3 })
    expect(error('F[0,2h] p').expected).toMatch(/expected a duration such as 500ms, 2s or 1m, or inf/)
    expect(error('p $ q')).toMatchObject({
      column: 3,
      expected: "expected an atom, an operator or a parenthesis, found '$'",
    })
    expect(error('G p q')).toMatchObject({ column: 5, expected: "expected an operator or the end, found 'q'" })
    expect(error('X[0,1] p')).toMatchObject({ column: 2 })
    expect(error('')).toMatchObject({ column: 1 })
  })

  it('builders check their input', () => {
    expect(() => ltl.atom('G')).toThrow(/reserved word, got "G"/)
    expect(() => ltl.atom('1p')).toThrow(/must match/)
    expect(() => ltl.eventually(ltl.atom('p'), { lower: 3, upper: 1 })).toThrow(
      /0 <= lower <= upper \(ms\), got \[3, 1\]/,
    )
    expect(() => ltl.not(null as never)).toThrow(/expected a formula, got null/)
  })
})
