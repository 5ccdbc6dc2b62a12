import { describeValue } from '../errors'
import { type Formula, formatLtl, walkFormula } from './formula'
import { containsPast, isPastFormula } from './past'
import { type Term, TermTable } from './terms'

/*
 * The translation from a `Formula` (what the user wrote) to the monitor's `Term`s (negation normal
 * form over numbered propositions, see terms.ts), done once per formula. Past subformulas that
 * contain no future operator become propositions whose values a `PastEvaluator` computes per event.
 */

/** Valuations are bit masks in a 32-bit integer (bit k: proposition k), two bits kept spare. */
export const MAX_PROPOSITIONS = 30

/** Where a proposition's value comes from: an atom's predicate or a past subformula. */
export interface Proposition {
  /** Index into the atom values, or -1 for a past subformula. */
  readonly atom: number
  /** Index into the past evaluator's outputs, or -1. */
  readonly past: number
}

/**
 * Everything monitors of one formula share: its terms (whose memos form the lazily built
 * automaton, pure functions of the term, so one table serves every monitor of the formula), its
 * atoms with their predicates, and its propositions. A monitor adds its own run state.
 */
export interface MonitorPlan<E> {
  readonly formula: Formula
  readonly text: string
  readonly table: TermTable
  readonly initial: Term
  readonly atomNames: readonly string[]
  /** Per atom: its predicate, or null to read it from the event as a record (closed world). */
  readonly predicates: ReadonlyArray<((event: E) => boolean) | null>
  readonly atomIndex: ReadonlyMap<string, number>
  readonly propositions: readonly Proposition[]
  /** The past subformulas, in proposition order, for a `PastEvaluator`. */
  readonly pastRoots: readonly Formula[]
}

/**
 * Translates `formula` for a monitor. `fn` is the public name the caller used, for the messages of
 * the errors: an atom without a predicate (unless `closedWorld`), a predicate that is not a
 * function, a past operator over a future formula, more than `MAX_PROPOSITIONS` propositions.
 */
export function planMonitor<E>(
  fn: string,
  formula: Formula,
  text: string,
  atoms: Readonly<Record<string, (event: E) => boolean>>,
  closedWorld: boolean,
): MonitorPlan<E> {
  const t = new Translator<E>(fn, text, atoms, closedWorld)
  walkFormula(formula, g => {
    if (g.kind === 'atom') t.atom(g.name)
  })
  // a past-time property must hold at every event
  const root =
    isPastFormula(formula) && containsPast(formula)
      ? t.table.release(t.table.false, t.term(formula, true))
      : t.term(formula, true)
  // propositions are numbered while the terms are built; the memos sized by their count come later, with progression
  t.table.propositions = t.propositions.length
  return {
    formula,
    text,
    table: t.table,
    initial: root,
    atomNames: t.atomNames,
    predicates: t.predicates,
    atomIndex: t.atomIndex,
    propositions: t.propositions,
    pastRoots: t.pastRoots,
  }
}

class Translator<E> {
  readonly table = new TermTable(0)
  readonly atomNames: string[] = []
  readonly predicates: Array<((event: E) => boolean) | null> = []
  readonly atomIndex = new Map<string, number>()
  readonly propositions: Proposition[] = []
  readonly pastRoots: Formula[] = []
  private readonly pastIndex = new Map<string, number>()
  private readonly propIndex = new Map<string, number>()

  constructor(
    private readonly fn: string,
    private readonly text: string,
    private readonly atoms: Readonly<Record<string, (event: E) => boolean>>,
    private readonly closedWorld: boolean,
  ) {}

  /** Numbers an atom and checks its predicate. */
  atom(name: string): number {
    let k = this.atomIndex.get(name)
    if (k === undefined) {
      const predicate = Object.hasOwn(this.atoms, name) ? this.atoms[name] : undefined
      if (predicate !== undefined && typeof predicate !== 'function')
        throw new TypeError(
          `${this.fn}: atom ${JSON.stringify(name)} must map to a predicate, got ${describeValue(predicate)}`,
        )
      if (predicate === undefined && !this.closedWorld)
        throw new RangeError(
          `${this.fn}: atom ${JSON.stringify(name)} in ${JSON.stringify(this.text)} has no predicate in options.atoms (or set closedWorld: true)`,
        )
      k = this.atomNames.length
      this.atomIndex.set(name, k)
      this.atomNames.push(name)
      this.predicates.push(predicate ?? null)
    }
    return k
  }

  private proposition(key: string, p: Proposition): number {
    let k = this.propIndex.get(key)
    if (k === undefined) {
      k = this.propositions.length
      if (k >= MAX_PROPOSITIONS)
        throw new RangeError(
          `${this.fn}: ${JSON.stringify(this.text)} has more than ${MAX_PROPOSITIONS} atoms and past subformulas`,
        )
      this.propIndex.set(key, k)
      this.propositions.push(p)
    }
    return k
  }

  private pastProposition(f: Formula): number {
    const key = formatLtl(f)
    let r = this.pastIndex.get(key)
    if (r === undefined) {
      r = this.pastRoots.length
      this.pastIndex.set(key, r)
      this.pastRoots.push(f)
    }
    return this.proposition(`past:${key}`, { atom: -1, past: r })
  }

  /** The term of `f` (of `!f` when not `positive`), in negation normal form. */
  term(f: Formula, positive: boolean): Term {
    const table = this.table
    if (containsPast(f)) {
      if (isPastFormula(f)) return table.literal(this.pastProposition(f), positive)
      if (f.kind === 'previous' || f.kind === 'once' || f.kind === 'historically' || f.kind === 'since')
        throw new RangeError(`${this.fn}: a past operator over a future formula is not supported: ${formatLtl(f)}`)
    }
    switch (f.kind) {
      case 'true':
        return positive ? table.true : table.false
      case 'false':
        return positive ? table.false : table.true
      case 'atom':
        return table.literal(this.proposition(`atom:${f.name}`, { atom: this.atom(f.name), past: -1 }), positive)
      case 'not':
        return this.term(f.operand, !positive)
      case 'and':
        return positive
          ? table.and2(this.term(f.left, true), this.term(f.right, true))
          : table.or2(this.term(f.left, false), this.term(f.right, false))
      case 'or':
        return positive
          ? table.or2(this.term(f.left, true), this.term(f.right, true))
          : table.and2(this.term(f.left, false), this.term(f.right, false))
      case 'implies':
        return positive
          ? table.or2(this.term(f.left, false), this.term(f.right, true))
          : table.and2(this.term(f.left, true), this.term(f.right, false))
      case 'iff':
        return this.iff(f.left, f.right, positive)
      case 'next':
        return positive ? table.next(this.term(f.operand, true)) : table.weakNext(this.term(f.operand, false))
      case 'eventually':
      case 'always':
      case 'until':
      case 'release':
      case 'weakUntil':
        return this.temporal(f, positive)
      default:
        throw new RangeError(`${this.fn}: unexpected formula kind ${describeValue(f.kind)}`)
    }
  }

  private iff(left: Formula, right: Formula, positive: boolean): Term {
    const table = this.table
    return positive
      ? table.and2(
          table.or2(this.term(left, false), this.term(right, true)),
          table.or2(this.term(left, true), this.term(right, false)),
        )
      : table.or2(
          table.and2(this.term(left, true), this.term(right, false)),
          table.and2(this.term(left, false), this.term(right, true)),
        )
  }

  /** F, G, U, R and W, with their bounds: F f = true U f, G f = false R f, and negation swaps U and R. */
  private temporal(f: Formula, positive: boolean): Term {
    const table = this.table
    const bound = 'bound' in f && f.bound !== undefined ? f.bound : null
    switch (f.kind) {
      case 'eventually':
      case 'always': {
        const existential = (f.kind === 'eventually') === positive
        const operand = this.term(f.operand, positive)
        if (bound === null) return existential ? table.until(table.true, operand) : table.release(table.false, operand)
        return existential
          ? table.untilRel(table.true, operand, bound.lower, bound.upper)
          : table.releaseRel(table.false, operand, bound.lower, bound.upper)
      }
      case 'until': {
        const a = this.term(f.left, positive)
        const b = this.term(f.right, positive)
        if (bound === null) return positive ? table.until(a, b) : table.release(a, b)
        return positive
          ? table.untilRel(a, b, bound.lower, bound.upper)
          : table.releaseRel(a, b, bound.lower, bound.upper)
      }
      case 'release':
        return positive
          ? table.release(this.term(f.left, true), this.term(f.right, true))
          : table.until(this.term(f.left, false), this.term(f.right, false))
      case 'weakUntil': {
        // a W b = b R (a || b); its negation is !b U (!a && !b)
        const b = this.term(f.right, positive)
        const either = positive ? table.or2(this.term(f.left, true), b) : table.and2(this.term(f.left, false), b)
        return positive ? table.release(b, either) : table.until(b, either)
      }
      default:
        throw new RangeError(`${this.fn}: ${describeValue(f.kind)} is not a future temporal operator`)
    }
  }
}
