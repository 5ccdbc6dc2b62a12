import {
  createMonitor,
  type Formula,
  foldFormula,
  formatLtl,
  formulaChildren,
  LtlSyntaxError,
  ltl,
  ltlGuard,
  ltlVerdicts,
  parseLtl,
  walkFormula,
} from 'midstream'
import { describe, expect, it } from 'vitest'
import { PastEvaluator } from '../../src/ltl/past'
import { expectRefused } from '../support/refused'

const p = ltl.atom('p')
const atoms = { p: (e: { p: boolean }) => e.p }

describe('temporal logic: bad input is a typed error that starts with the public name', () => {
  it('parseLtl and formatLtl', () => {
    expectRefused(() => parseLtl(5 as never), TypeError, 'parseLtl', '5')
    expectRefused(() => parseLtl('G (p ->'), LtlSyntaxError, 'parseLtl', 'column 8')
    expectRefused(() => parseLtl('F[5,1] p'), LtlSyntaxError, 'parseLtl', 'lower <= upper')
    expectRefused(() => formatLtl(null as never), TypeError, 'formatLtl', 'null')
    expectRefused(() => formatLtl({ kind: 'sometimes' } as never), TypeError, 'formatLtl', '"sometimes"')
  })

  it('keeps the position of a syntax error', () => {
    try {
      parseLtl('G (p ->')
      expect.unreachable()
    } catch (e) {
      expect(e).toMatchObject({ offset: 7, line: 1, column: 8, caller: 'parseLtl' })
    }
  })

  it('the ltl builders', () => {
    expectRefused(() => ltl.atom('G'), TypeError, 'ltl.atom', '"G"')
    expectRefused(() => ltl.atom(7 as never), TypeError, 'ltl.atom', '7')
    expectRefused(() => ltl.not(undefined as never), TypeError, 'ltl.not')
    expectRefused(() => ltl.and(p, null as never), TypeError, 'ltl.and', 'null')
    expectRefused(() => ltl.until(p, 'q' as never), TypeError, 'ltl.until')
    expectRefused(() => ltl.eventually(p, { lower: 3, upper: 1 }), RangeError, 'ltl.eventually', '[3, 1]')
    expectRefused(() => ltl.once(p, { lower: -1, upper: 1 }), RangeError, 'ltl.once', '-1')
    expectRefused(() => ltl.since(p, p, 'soon' as never), RangeError, 'ltl.since', '"soon"')
  })

  it('the walks', () => {
    expectRefused(() => formulaChildren(5 as never), TypeError, 'formulaChildren', '5')
    expectRefused(() => walkFormula(p, 5 as never), TypeError, 'walkFormula', 'visit')
    expectRefused(() => walkFormula({ kind: 'not', operand: {} } as never, () => true), TypeError, 'walkFormula')
    expectRefused(() => foldFormula(p, 'sum' as never), TypeError, 'foldFormula', 'combine')
    expectRefused(() => foldFormula(p, () => 0, 3 as never), TypeError, 'foldFormula', 'enter')
    expectRefused(() => foldFormula(p, () => 0, undefined, {} as never), TypeError, 'foldFormula', 'memo')
    const cyclic = { kind: 'not', operand: p } as { kind: 'not'; operand: Formula }
    cyclic.operand = ltl.and(p, cyclic)
    expectRefused(() => foldFormula(cyclic, () => 0), TypeError, 'foldFormula', 'contain itself')
  })

  it('createMonitor and its monitors', () => {
    expectRefused(() => createMonitor(5 as never), TypeError, 'createMonitor', '5')
    expectRefused(() => createMonitor('G (p', { atoms }), LtlSyntaxError, 'createMonitor', 'column 5')
    expectRefused(() => createMonitor('G p', { atom: atoms } as never), TypeError, 'createMonitor', '"atom"')
    expectRefused(() => createMonitor('G p', null as never), TypeError, 'createMonitor', 'null')
    expectRefused(() => createMonitor('G p', { atoms: 'p' as never }), TypeError, 'createMonitor', 'atoms')
    expectRefused(() => createMonitor('G p', { atoms: { p: 5 as never } }), TypeError, 'createMonitor', '"p"')
    expectRefused(() => createMonitor('G p', { closedWorld: 'yes' as never }), TypeError, 'createMonitor')
    expectRefused(() => createMonitor('G q', { atoms }), RangeError, 'createMonitor', '"q"')
    expectRefused(() => createMonitor('O (F p)', { atoms }), RangeError, 'createMonitor', 'past operator')
    const many = Array.from({ length: 31 }, (_, k) => `a${k}`).join(' && ')
    expectRefused(() => createMonitor(`G (${many})`, { closedWorld: true }), RangeError, 'createMonitor', '30')
    // hand-built trees are checked as the parser would check text
    expectRefused(() => createMonitor({ kind: 'sometimes' } as never), TypeError, 'createMonitor', '"sometimes"')
    expectRefused(() => createMonitor({ kind: 'atom', name: 'G' } as never), TypeError, 'createMonitor', '"G"')
    expectRefused(
      () => createMonitor({ kind: 'eventually', operand: p, bound: { lower: 2, upper: 1 } } as never, { atoms }),
      RangeError,
      'createMonitor',
      '[2, 1]',
    )
    expectRefused(() => createMonitor({ kind: 'and', left: p } as never), TypeError, 'createMonitor', 'right')
    const cyclic = { kind: 'not', operand: p } as { kind: 'not'; operand: Formula }
    cyclic.operand = ltl.and(p, cyclic)
    expectRefused(() => createMonitor(cyclic, { atoms }), TypeError, 'createMonitor', 'contain itself')

    const timed = createMonitor('F[0,1s] p', { atoms })
    expectRefused(() => timed.step({ p: false }), TypeError, 'Monitor.step', 'timestamp')
    timed.step({ p: false }, 10)
    expectRefused(() => timed.step({ p: false }, 5), RangeError, 'Monitor.step', 'before the previous one')
    expectRefused(() => timed.peek({ p: false }, Number.NaN), RangeError, 'Monitor.peek', 'NaN')
    expectRefused(() => createMonitor('H p', { atoms }).peek({ p: true }), RangeError, 'Monitor.peek', 'past')
    const done = createMonitor('G p', { atoms })
    done.finish()
    expectRefused(() => done.step({ p: true }), Error, 'Monitor.step', 'finished')
  })

  it('ltlGuard', () => {
    expectRefused(
      () => ltlGuard('G p', { atoms, onViolaton: 'complete' } as never),
      TypeError,
      'ltlGuard',
      '"onViolaton"',
    )
    expectRefused(() => ltlGuard('G p', null as never), TypeError, 'ltlGuard', 'null')
    expectRefused(() => ltlGuard('G p', { atoms, onViolation: 'drop' as never }), RangeError, 'ltlGuard', '"drop"')
    expectRefused(() => ltlGuard('G p', { atoms, time: 5 as never }), TypeError, 'ltlGuard', 'time')
    expectRefused(() => ltlGuard('G p', { atoms, scheduler: {} as never }), TypeError, 'ltlGuard', 'scheduler')
    expectRefused(() => ltlGuard('G p', { atoms, closedWorld: 1 as never }), TypeError, 'ltlGuard', 'closedWorld')
    expectRefused(() => ltlGuard(5 as never, { atoms }), TypeError, 'ltlGuard', '5')
    expectRefused(() => ltlGuard([], { atoms }), RangeError, 'ltlGuard', 'empty')
    expectRefused(() => ltlGuard({}, { atoms }), RangeError, 'ltlGuard', 'empty')
    expectRefused(() => ltlGuard([5 as never], { atoms }), TypeError, 'ltlGuard', '5')
    expectRefused(() => ltlGuard({ rule: 5 as never }, { atoms }), TypeError, 'ltlGuard', '5')
    expectRefused(() => ltlGuard('G (p ->', { atoms }), LtlSyntaxError, 'ltlGuard', 'column 8')
    expectRefused(() => ltlGuard('G q', { atoms }), RangeError, 'ltlGuard', '"q"')
  })

  it('ltlVerdicts', () => {
    expectRefused(() => ltlVerdicts('G p', { atoms, onViolation: 'error' } as never), TypeError, 'ltlVerdicts')
    expectRefused(() => ltlVerdicts('G p', { atoms, time: 'now' as never }), TypeError, 'ltlVerdicts', 'time')
    expectRefused(() => ltlVerdicts(5 as never, { atoms }), TypeError, 'ltlVerdicts', '5')
    expectRefused(() => ltlVerdicts('G (p', { atoms }), LtlSyntaxError, 'ltlVerdicts')
    expectRefused(() => ltlVerdicts('G q', { atoms }), RangeError, 'ltlVerdicts', '"q"')
  })

  it('PastEvaluator', () => {
    const index = new Map([['p', 0]])
    expectRefused(() => new PastEvaluator(p as never, index), TypeError, 'PastEvaluator', 'roots')
    expectRefused(() => new PastEvaluator([p], {} as never), TypeError, 'PastEvaluator', 'atomIndex')
    expectRefused(() => new PastEvaluator([p], index, { generated: false } as never), TypeError, 'PastEvaluator')
    expectRefused(() => new PastEvaluator([p], index, { generate: 'no' as never }), TypeError, 'PastEvaluator')
    expectRefused(() => new PastEvaluator([parseLtl('F p')], index), RangeError, 'PastEvaluator', 'future')
    expectRefused(() => new PastEvaluator([parseLtl('O q')], index), RangeError, 'PastEvaluator', '"q"')
    const evaluator = new PastEvaluator([p], index)
    expectRefused(
      () => evaluator.step(new Uint8Array(0), 0, new Uint8Array(1)),
      RangeError,
      'PastEvaluator.step',
      'atoms',
    )
  })
})
