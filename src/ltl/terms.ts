/**
 * Formulas as the monitor works with them: in negation normal form over numbered propositions
 * (atoms, and past subformulas evaluated by dynamic programming), hash-consed so that equal
 * formulas are one object with one id, and simplified as they are built (flattened, sorted and
 * deduplicated conjunctions and disjunctions, constants absorbed, p && !p = false), so that the
 * residuals of progressing an untimed formula are finitely many and each can carry its own memo.
 *
 * Kinds: constants; literals; END, the proposition "the trace has ended", which progression of
 * the strong next X (f && !END) and the weak next N (f || END) leave behind for LTLf's end of
 * trace; X; U and R (F f = true U f, G f = false R f, f W g = g R (f || g)); and their metric forms,
 * relative to the current event (UREL, RREL: bound [lo, hi] after now) or anchored to absolute times
 * (UABS, RABS: an event at a time in [lo, hi]), which progression creates from relative ones.
 */
export enum Kind {
  True,
  False,
  Lit,
  NotLit,
  End,
  NotEnd,
  And,
  Or,
  Next,
  WeakNext,
  Until,
  Release,
  UntilRel,
  ReleaseRel,
  UntilAbs,
  ReleaseAbs,
}

/** `Term.verdict` codes: the LTL3 verdict of a residual, memoised once computed. */
export const VERDICT_NOT_COMPUTED = 0
/** Every continuation satisfies the term. */
export const VERDICT_TRUE = 1
/** No continuation satisfies the term. */
export const VERDICT_FALSE = 2
/** Some continuations satisfy the term and some do not. */
export const VERDICT_UNKNOWN = 3

/** `Term.sat` codes: whether some infinite word satisfies the (untimed) term, memoised once known. */
export const SAT_NOT_COMPUTED = 0
/** Satisfiable. */
export const SAT_YES = 1
/** Unsatisfiable. */
export const SAT_NO = 2

/** One hash-consed formula in negation normal form, with the memos the monitor keeps on it. */
export class Term {
  /** Progression memo of an untimed term: next term id by valuation (array while propositions are few). */
  next: Int32Array | Map<number, number> | null = null
  /** LTL3 verdict memo: `VERDICT_NOT_COMPUTED`, `VERDICT_TRUE`, `VERDICT_FALSE` or `VERDICT_UNKNOWN`. */
  verdict: number = VERDICT_NOT_COMPUTED
  /** Satisfiability memo of an untimed term: `SAT_NOT_COMPUTED`, `SAT_YES` or `SAT_NO`. */
  sat: number = SAT_NOT_COMPUTED
  /** Memo of `abstractUntimed`. */
  abstraction: Term | null = null
  /** Memo of `abstractUntimed(negate(this))`. */
  negatedAbstraction: Term | null = null
  /** The last conjunction / disjunction built with this term on the left (see TermTable.pair). */
  andWith: { other: Term; result: Term } | null = null
  orWith: { other: Term; result: Term } | null = null
  constructor(
    readonly id: number,
    readonly kind: Kind,
    /** Proposition index for literals. */
    readonly prop: number,
    readonly a: Term | null,
    readonly b: Term | null,
    /** Operands of And / Or: untimed ones by id, then timed ones. */
    readonly args: readonly Term[],
    readonly lo: number,
    readonly hi: number,
    /** Progression depends on the event's time (a metric operator inside). */
    readonly timed: boolean,
    /** Size of the tree, for limits and reports. */
    readonly size: number,
  ) {}
}

const NO_ARGS: readonly Term[] = []

/**
 * Untimed operands first (by id, so interned junctions have one key), then timed ones: progression
 * stops at the first operand that decides a junction, and an untimed one decides from its memo
 * without allocating (in `!req || F[0,b] ack`, a false `req` settles it before the deadline is touched).
 */
function byProgressionOrder(x: Term, y: Term): number {
  return x.timed === y.timed ? x.id - y.id : x.timed ? 1 : -1
}

/** The hash-consing table: every term a monitor builds comes from here. */
export class TermTable {
  private readonly byKey = new Map<string, Term>()
  /** Interned (untimed) terms by id. */
  readonly terms: Term[] = []
  private readonly positive: Term[] = []
  private readonly negative: Term[] = []
  /** Timed terms get negative ids, distinct from interned ones. */
  private nextTimedId = -1
  readonly true: Term
  readonly false: Term
  readonly end: Term
  readonly notEnd: Term

  constructor(
    /**
     * Number of propositions valuations range over (bit k of a valuation is proposition k); it sizes
     * the progression memos, so it may be set once the formula's propositions are numbered.
     */
    public propositions: number,
  ) {
    this.true = this.make(Kind.True, -1, null, null, NO_ARGS, 0, 0)
    this.false = this.make(Kind.False, -1, null, null, NO_ARGS, 0, 0)
    this.end = this.make(Kind.End, -1, null, null, NO_ARGS, 0, 0)
    this.notEnd = this.make(Kind.NotEnd, -1, null, null, NO_ARGS, 0, 0)
  }

  /** Interned terms: the residuals and subformulas seen, a finite set for a given formula. */
  get count(): number {
    return this.terms.length
  }

  private make(
    kind: Kind,
    prop: number,
    a: Term | null,
    b: Term | null,
    args: readonly Term[],
    lo: number,
    hi: number,
  ): Term {
    let timed = kind >= Kind.UntilRel
    let size = 1
    if (a !== null) (timed ||= a.timed), (size += a.size)
    if (b !== null) (timed ||= b.timed), (size += b.size)
    for (const t of args) (timed ||= t.timed), (size += t.size)
    // a timed term carries deadlines that are new at almost every event: it is not interned (nor
    // memoised), so it is garbage as soon as the monitor moves on, and the table stays finite
    if (timed) return new Term(this.nextTimedId--, kind, prop, a, b, args, lo, hi, true, size)
    let key = `${kind}:${prop}:${a === null ? '' : a.id}:${b === null ? '' : b.id}:${lo}:${hi}`
    for (const t of args) key += `,${t.id}`
    const found = this.byKey.get(key)
    if (found !== undefined) return found
    const term = new Term(this.terms.length, kind, prop, a, b, args, lo, hi, false, size)
    this.terms.push(term)
    this.byKey.set(key, term)
    return term
  }

  literal(prop: number, positive: boolean): Term {
    const cache = positive ? this.positive : this.negative
    return (cache[prop] ??= this.make(positive ? Kind.Lit : Kind.NotLit, prop, null, null, NO_ARGS, 0, 0))
  }

  and(parts: readonly Term[]): Term {
    return this.junction(Kind.And, parts)
  }

  or(parts: readonly Term[]): Term {
    return this.junction(Kind.Or, parts)
  }

  and2(a: Term, b: Term): Term {
    if (a === this.true || b === this.false || a === b) return b
    if (b === this.true || a === this.false) return a
    return this.pair(Kind.And, a, b)
  }

  or2(a: Term, b: Term): Term {
    if (a === this.false || b === this.true || a === b) return b
    if (b === this.false || a === this.true) return a
    return this.pair(Kind.Or, a, b)
  }

  /**
   * A junction of two terms, remembered by identity (the last one per left term): a residual keeps
   * its parts from one event to the next (a G that holds, a pending deadline), so the same pair
   * comes back, and the junction (with its memoised abstractions) is reused instead of rebuilt.
   */
  private pair(kind: Kind.And | Kind.Or, a: Term, b: Term): Term {
    const cache = kind === Kind.And ? a.andWith : a.orWith
    if (cache !== null && cache.other === b) return cache.result
    const result = this.junction(kind, [a, b])
    if (kind === Kind.And) a.andWith = { other: b, result }
    else a.orWith = { other: b, result }
    return result
  }

  next(f: Term): Term {
    return this.make(Kind.Next, -1, f, null, NO_ARGS, 0, 0)
  }

  weakNext(f: Term): Term {
    return this.make(Kind.WeakNext, -1, f, null, NO_ARGS, 0, 0)
  }

  until(a: Term, b: Term): Term {
    if (b === this.true || b === this.false || a === this.false) return b
    if (a === b) return b
    return this.make(Kind.Until, -1, a, b, NO_ARGS, 0, 0)
  }

  release(a: Term, b: Term): Term {
    if (b === this.true || b === this.false || a === this.true) return b
    if (a === b) return b
    return this.make(Kind.Release, -1, a, b, NO_ARGS, 0, 0)
  }

  /** Bounded until relative to the current event: b at an event lo..hi ms after now, a at every event before it. */
  untilRel(a: Term, b: Term, lo: number, hi: number): Term {
    if (b === this.false) return b
    return this.make(Kind.UntilRel, -1, a, b, NO_ARGS, lo, hi)
  }

  releaseRel(a: Term, b: Term, lo: number, hi: number): Term {
    if (b === this.true) return b
    return this.make(Kind.ReleaseRel, -1, a, b, NO_ARGS, lo, hi)
  }

  /** Bounded until anchored to absolute times; lo = -Infinity once the window has opened. */
  untilAbs(a: Term, b: Term, lo: number, hi: number): Term {
    if (b === this.false) return b
    return this.make(Kind.UntilAbs, -1, a, b, NO_ARGS, lo, hi)
  }

  releaseAbs(a: Term, b: Term, lo: number, hi: number): Term {
    if (b === this.true) return b
    return this.make(Kind.ReleaseAbs, -1, a, b, NO_ARGS, lo, hi)
  }

  private junction(kind: Kind.And | Kind.Or, parts: readonly Term[]): Term {
    const unit = kind === Kind.And ? this.true : this.false
    const zero = kind === Kind.And ? this.false : this.true
    const flat: Term[] = []
    const push = (t: Term): boolean => {
      if (t === zero) return false
      if (t === unit) return true
      if (t.kind === kind) {
        for (const u of t.args) flat.push(u)
        return true
      }
      flat.push(t)
      return true
    }
    for (const t of parts) if (!push(t)) return zero
    if (flat.length === 0) return unit
    flat.sort(byProgressionOrder)
    const out: Term[] = []
    for (let i = 0; i < flat.length; i++) {
      const t = flat[i]
      if (i > 0 && t === flat[i - 1]) continue
      out.push(t)
    }
    // p && !p, END && !END: contradictions (for Or, tautologies)
    for (const t of out) {
      if (t.kind === Kind.Lit && out.some(u => u.kind === Kind.NotLit && u.prop === t.prop)) return zero
      if (t.kind === Kind.End && out.includes(this.notEnd)) return zero
    }
    const merged = this.mergeWindows(kind, out)
    if (merged.length === 1) return merged[0]
    return this.make(kind, -1, null, null, merged, 0, 0)
  }

  /**
   * Open windows (lo = -Infinity) of the same bounded operator and operands collapse: of two
   * pending "b before time h" obligations only the earlier deadline matters in a conjunction, the
   * later in a disjunction (and the reverse for release). Without this, G (p -> F[0,d] q) would
   * carry one obligation per p inside the window, and time per event would grow with d.
   */
  private mergeWindows(kind: Kind.And | Kind.Or, parts: Term[]): Term[] {
    let open = 0
    for (const t of parts) if ((t.kind === Kind.UntilAbs || t.kind === Kind.ReleaseAbs) && t.lo === -Infinity) open++
    if (open < 2) return parts
    const best = new Map<string, Term>()
    const rest: Term[] = []
    for (const t of parts) {
      if ((t.kind !== Kind.UntilAbs && t.kind !== Kind.ReleaseAbs) || t.lo !== -Infinity) {
        rest.push(t)
        continue
      }
      const key = `${t.kind}:${t.a!.id}:${t.b!.id}`
      const other = best.get(key)
      // until wants the earliest deadline in a conjunction; release the latest
      const earliest = (kind === Kind.And) === (t.kind === Kind.UntilAbs)
      if (other === undefined || (earliest ? t.hi < other.hi : t.hi > other.hi)) best.set(key, t)
    }
    if (best.size === open) return parts
    for (const t of best.values()) rest.push(t)
    rest.sort(byProgressionOrder)
    return rest
  }
}
