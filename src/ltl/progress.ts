import { Kind, type Term, type TermTable } from './terms'

/**
 * Formula progression (Bacchus & Kabanza): the obligation left for the rest of the trace after an
 * event with valuation `bits` (bit k = proposition k) at `time`. Untimed terms remember their
 * result per valuation, so once the residuals have been seen a step is an array look-up.
 */
export function progress(table: TermTable, t: Term, bits: number, time: number): Term {
  if (!t.timed) {
    const memo = t.next
    if (memo !== null) {
      const id = memo instanceof Int32Array ? memo[bits] : (memo.get(bits) ?? -1)
      if (id >= 0) return table.terms[id]
    }
    const result = step(table, t, bits, time)
    remember(t, bits, result.id, table.propositions)
    return result
  }
  return step(table, t, bits, time)
}

/**
 * Up to this many propositions a term's progression memo is an array indexed by valuation (2^12
 * entries, 16 KB); beyond, a Map of the valuations actually seen.
 */
const MAX_ARRAY_MEMO_PROPOSITIONS = 12

function remember(t: Term, bits: number, id: number, propositions: number): void {
  if (t.next === null)
    t.next = propositions <= MAX_ARRAY_MEMO_PROPOSITIONS ? new Int32Array(1 << propositions).fill(-1) : new Map()
  if (t.next instanceof Int32Array) t.next[bits] = id
  else t.next.set(bits, id)
}

function step(table: TermTable, t: Term, bits: number, time: number): Term {
  switch (t.kind) {
    case Kind.True:
    case Kind.False:
      return t
    case Kind.Lit:
      return (bits >>> t.prop) & 1 ? table.true : table.false
    case Kind.NotLit:
      return (bits >>> t.prop) & 1 ? table.false : table.true
    case Kind.End:
      return table.false
    case Kind.NotEnd:
      return table.true
    case Kind.And: {
      if (t.args.length === 2) {
        const first = progress(table, t.args[0], bits, time)
        return first === table.false ? first : table.and2(first, progress(table, t.args[1], bits, time))
      }
      const parts: Term[] = []
      for (const u of t.args) {
        const p = progress(table, u, bits, time)
        if (p === table.false) return p
        parts.push(p)
      }
      return table.and(parts)
    }
    case Kind.Or: {
      if (t.args.length === 2) {
        const first = progress(table, t.args[0], bits, time)
        return first === table.true ? first : table.or2(first, progress(table, t.args[1], bits, time))
      }
      const parts: Term[] = []
      for (const u of t.args) {
        const p = progress(table, u, bits, time)
        if (p === table.true) return p
        parts.push(p)
      }
      return table.or(parts)
    }
    case Kind.Next:
      return table.and2(t.a!, table.notEnd)
    case Kind.WeakNext:
      return table.or2(t.a!, table.end)
    case Kind.Until:
      return table.or2(progress(table, t.b!, bits, time), table.and2(progress(table, t.a!, bits, time), t))
    case Kind.Release:
      return table.and2(progress(table, t.b!, bits, time), table.or2(progress(table, t.a!, bits, time), t))
    case Kind.UntilRel:
      return step(table, table.untilAbs(t.a!, t.b!, time + t.lo, time + t.hi), bits, time)
    case Kind.ReleaseRel:
      return step(table, table.releaseAbs(t.a!, t.b!, time + t.lo, time + t.hi), bits, time)
    case Kind.UntilAbs: {
      if (time > t.hi) return table.false
      const open = time >= t.lo
      const here = open ? progress(table, t.b!, bits, time) : table.false
      if (here === table.true) return here
      const rest = open && t.lo !== -Infinity ? table.untilAbs(t.a!, t.b!, -Infinity, t.hi) : t
      return table.or2(here, table.and2(progress(table, t.a!, bits, time), rest))
    }
    case Kind.ReleaseAbs: {
      if (time > t.hi) return table.true
      const open = time >= t.lo
      const here = open ? progress(table, t.b!, bits, time) : table.true
      if (here === table.false) return here
      const rest = open && t.lo !== -Infinity ? table.releaseAbs(t.a!, t.b!, -Infinity, t.hi) : t
      return table.and2(here, table.or2(progress(table, t.a!, bits, time), rest))
    }
  }
}

/**
 * The value of an obligation on the empty rest of a finished trace (LTLf): nothing holds at a
 * position that does not exist, so literals, X, U and F are false, and END, N, R and G are true.
 */
export function holdsAtEnd(t: Term): boolean {
  switch (t.kind) {
    case Kind.True:
    case Kind.End:
    case Kind.WeakNext:
    case Kind.Release:
    case Kind.ReleaseRel:
    case Kind.ReleaseAbs:
      return true
    case Kind.And:
      return t.args.every(holdsAtEnd)
    case Kind.Or:
      return t.args.some(holdsAtEnd)
    default:
      return false
  }
}

/** The negation, in negation normal form. */
export function negate(table: TermTable, t: Term): Term {
  switch (t.kind) {
    case Kind.True:
      return table.false
    case Kind.False:
      return table.true
    case Kind.Lit:
      return table.literal(t.prop, false)
    case Kind.NotLit:
      return table.literal(t.prop, true)
    case Kind.End:
      return table.notEnd
    case Kind.NotEnd:
      return table.end
    case Kind.And:
      return table.or(t.args.map(u => negate(table, u)))
    case Kind.Or:
      return table.and(t.args.map(u => negate(table, u)))
    case Kind.Next:
      return table.weakNext(negate(table, t.a!))
    case Kind.WeakNext:
      return table.next(negate(table, t.a!))
    case Kind.Until:
      return table.release(negate(table, t.a!), negate(table, t.b!))
    case Kind.Release:
      return table.until(negate(table, t.a!), negate(table, t.b!))
    case Kind.UntilRel:
      return table.releaseRel(negate(table, t.a!), negate(table, t.b!), t.lo, t.hi)
    case Kind.ReleaseRel:
      return table.untilRel(negate(table, t.a!), negate(table, t.b!), t.lo, t.hi)
    case Kind.UntilAbs:
      return table.releaseAbs(negate(table, t.a!), negate(table, t.b!), t.lo, t.hi)
    case Kind.ReleaseAbs:
      return table.untilAbs(negate(table, t.a!), negate(table, t.b!), t.lo, t.hi)
  }
}

/**
 * An untimed term with at least the models of `t` on infinite traces, for the satisfiability
 * checks behind early verdicts: END is false on an infinite trace (so X and N coincide), a bounded
 * until implies the unbounded one, and a bounded release is weakened to true. An unsatisfiable
 * abstraction proves `t` unsatisfiable; metric deadlines themselves are decided by
 * progression when time passes them.
 */
export function abstractUntimed(table: TermTable, t: Term): Term {
  if (t.abstraction === null) t.abstraction = abstractOnce(table, t)
  return t.abstraction
}

function abstractOnce(table: TermTable, t: Term): Term {
  switch (t.kind) {
    case Kind.End:
      return table.false
    case Kind.NotEnd:
      return table.true
    case Kind.And:
      return t.args.length === 2
        ? table.and2(abstractUntimed(table, t.args[0]), abstractUntimed(table, t.args[1]))
        : table.and(t.args.map(u => abstractUntimed(table, u)))
    case Kind.Or:
      return t.args.length === 2
        ? table.or2(abstractUntimed(table, t.args[0]), abstractUntimed(table, t.args[1]))
        : table.or(t.args.map(u => abstractUntimed(table, u)))
    case Kind.Next:
    case Kind.WeakNext:
      return table.next(abstractUntimed(table, t.a!))
    case Kind.Until:
    case Kind.UntilRel:
    case Kind.UntilAbs:
      return table.until(abstractUntimed(table, t.a!), abstractUntimed(table, t.b!))
    case Kind.Release:
      return table.release(abstractUntimed(table, t.a!), abstractUntimed(table, t.b!))
    case Kind.ReleaseRel:
    case Kind.ReleaseAbs:
      return table.true
    default:
      return t
  }
}

/** `abstractUntimed(table, negate(table, t))` in one pass, without building the timed negation. */
export function abstractNegation(table: TermTable, t: Term): Term {
  if (t.negatedAbstraction === null) t.negatedAbstraction = abstractNegationOnce(table, t)
  return t.negatedAbstraction
}

function abstractNegationOnce(table: TermTable, t: Term): Term {
  switch (t.kind) {
    // END is false on an infinite trace, so its negation is true
    case Kind.True:
    case Kind.NotEnd:
      return table.false
    case Kind.False:
    case Kind.End:
      return table.true
    case Kind.Lit:
      return table.literal(t.prop, false)
    case Kind.NotLit:
      return table.literal(t.prop, true)
    case Kind.And:
      return t.args.length === 2
        ? table.or2(abstractNegation(table, t.args[0]), abstractNegation(table, t.args[1]))
        : table.or(t.args.map(u => abstractNegation(table, u)))
    case Kind.Or:
      return t.args.length === 2
        ? table.and2(abstractNegation(table, t.args[0]), abstractNegation(table, t.args[1]))
        : table.and(t.args.map(u => abstractNegation(table, u)))
    case Kind.Next:
    case Kind.WeakNext:
      return table.next(abstractNegation(table, t.a!))
    case Kind.Until:
      return table.release(abstractNegation(table, t.a!), abstractNegation(table, t.b!))
    case Kind.Release:
    case Kind.ReleaseRel:
    case Kind.ReleaseAbs:
      return table.until(abstractNegation(table, t.a!), abstractNegation(table, t.b!))
    case Kind.UntilRel:
    case Kind.UntilAbs:
      return table.true
  }
}
