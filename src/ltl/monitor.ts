import { describeValue } from '../errors'
import { type Formula, formatLtl } from './formula'
import { parseLtl } from './parse'
import { containsPast, isPastFormula, PastEvaluator } from './past'
import { abstractNegation, abstractUntimed, holdsAtEnd, progress } from './progress'
import { satisfiable } from './satisfiable'
import { Kind, type Term, TermTable } from './terms'

/** LTL3: `'true'` when every continuation satisfies the formula, `'false'` when none does, else `'unknown'`. */
export type Verdict = 'true' | 'false' | 'unknown'

/** Where a formula became false. */
export interface Violation {
  /** The formula's text. */
  readonly formula: string
  /** Index of the event that decided it (0-based); -1 for a formula no trace satisfies; the event count when it failed at `finish()`. */
  readonly index: number
  readonly event: unknown
  readonly timestamp: number | undefined
  /** True when the violation was decided at the end of the trace (`finish()`). */
  readonly atEnd: boolean
}

export interface MonitorOptions<E> {
  /** Predicates that give each atom's value on an event. */
  readonly atoms?: Readonly<Record<string, (event: E) => boolean>>
  /** Atoms not in `atoms` are read from the event as a record of booleans (missing: false). Default false: they are an error. */
  readonly closedWorld?: boolean
}

export interface Monitor<E> {
  /** Feeds one event (with its time in ms for metric formulas; non-decreasing) and returns the verdict. */
  step(event: E, timestamp?: number): Verdict
  /**
   * The verdict `step(event)` would give, without stepping: to refuse an action that would break a
   * rule before taking it. Formulas without past operators only (a RangeError otherwise).
   */
  peek(event: E, timestamp?: number): Verdict
  /** The verdict on the events so far. */
  readonly verdict: Verdict
  /**
   * The verdict of the finished trace under LTLf (X is strong), which `verdict` then holds. It can
   * differ from an earlier LTL3 verdict only through the next operator (`X true` is 'true' on
   * every infinite trace, false on a trace that ends after one event); for formulas without X, an
   * LTL3 verdict is also the LTLf verdict of every finished extension (they are stutter-invariant).
   */
  finish(): Verdict
  reset(): void
  /** Set once the verdict is `'false'`. */
  readonly violation: Violation | null
  readonly formula: Formula
  readonly text: string
  /** Events stepped so far. */
  readonly index: number
}

/** Valuations are bit masks in a 32-bit integer. */
const MAX_PROPOSITIONS = 30

/**
 * A runtime monitor for an LTL formula with past-time and metric operators (`parseLtl`'s language).
 *
 * Verdicts follow LTL3 (Bauer, Leucker & Schallhart 2011): impartial (a decided verdict never
 * changes) and anticipatory (`G p && F !p` is `'false'` before any event). Future operators are
 * progressed; each untimed residual formula is interned and remembers its successor per
 * valuation and its verdict, so after warm-up a step is an array look-up (a lazily built
 * automaton). A residual is `'false'` when it is unsatisfiable and `'true'` when its negation is
 * (a tableau check, memoised per residual). Past subformulas are evaluated by dynamic programming in
 * O(size) per event and enter the future part as propositions; a formula with past operators and no
 * future one is a past-time property that must hold at every event (it is monitored as `G f`).
 * Metric bounds are over event timestamps; their deadlines are decided by progression as time
 * passes, and the satisfiability checks see them through an untimed abstraction, so verdicts with
 * metric or past parts are sound but may come later than the earliest possible.
 *
 * `finish()` gives the verdict under LTLf (De Giacomo & Vardi 2013). Bad input: an unknown atom
 * (without `closedWorld`), a past operator over a future formula, or more than 30 propositions
 * throw at creation; a missing, non-finite or decreasing timestamp on a metric formula throws at
 * `step`, naming the index.
 *
 * ```ts
 * const m = createMonitor('G (request -> F response)', { atoms: { request: (e) => e.kind === 'req', response: (e) => e.kind === 'res' } })
 * m.step({ kind: 'req' }) // 'unknown'
 * m.finish()              // 'false': the request was never answered
 * ```
 */
export function createMonitor<E = unknown>(spec: string | Formula, options: MonitorOptions<E> = {}): Monitor<E> {
  return new LtlMonitor<E>(spec, options)
}

interface Proposition {
  /** Index into the atom values, or -1 for a past subformula. */
  readonly atom: number
  /** Index into the past evaluator's outputs, or -1. */
  readonly past: number
}

class LtlMonitor<E> implements Monitor<E> {
  readonly formula: Formula
  readonly text: string
  private readonly table: TermTable
  private readonly initial: Term
  private current: Term
  private readonly atomNames: string[] = []
  private readonly predicates: Array<((event: E) => boolean) | null> = []
  private readonly atomValues: Uint8Array
  private readonly pastValues: Uint8Array
  private readonly past: PastEvaluator | null
  private readonly propositions: Proposition[] = []
  private readonly timed: boolean
  private state: Verdict
  private events = 0
  private lastTime = -Infinity
  private finished = false
  violation: Violation | null = null

  constructor(spec: string | Formula, options: MonitorOptions<E>) {
    if (typeof spec === 'string') {
      this.formula = parseLtl(spec)
      this.text = spec
    } else {
      if (spec === null || typeof spec !== 'object' || typeof (spec as { kind?: unknown }).kind !== 'string')
        throw new TypeError(`createMonitor needs a formula or its text, got ${describeValue(spec)}`)
      this.formula = spec
      this.text = formatLtl(spec)
    }
    if (options === null || typeof options !== 'object')
      throw new TypeError(`createMonitor: options must be an object, got ${describeValue(options)}`)
    const atoms = options.atoms ?? {}
    const closedWorld = options.closedWorld ?? false
    const atomIndex = new Map<string, number>()
    const pastRoots: Formula[] = []
    const pastIndex = new Map<string, number>()
    const propIndex = new Map<string, number>()

    const atom = (name: string): number => {
      let k = atomIndex.get(name)
      if (k === undefined) {
        const predicate = Object.hasOwn(atoms, name) ? atoms[name] : undefined
        if (predicate !== undefined && typeof predicate !== 'function')
          throw new TypeError(
            `createMonitor: atom ${JSON.stringify(name)} must map to a predicate, got ${describeValue(predicate)}`,
          )
        if (predicate === undefined && !closedWorld)
          throw new RangeError(
            `createMonitor: atom ${JSON.stringify(name)} in ${JSON.stringify(this.text)} has no predicate in options.atoms (or set closedWorld: true)`,
          )
        k = this.atomNames.length
        atomIndex.set(name, k)
        this.atomNames.push(name)
        this.predicates.push(predicate ?? null)
      }
      return k
    }
    const collectAtoms = (f: Formula): void => {
      if (f.kind === 'atom') atom(f.name)
      else if ('operand' in f) collectAtoms(f.operand)
      else if ('left' in f) collectAtoms(f.left), collectAtoms(f.right)
    }
    collectAtoms(this.formula)

    const proposition = (key: string, p: Proposition): number => {
      let k = propIndex.get(key)
      if (k === undefined) {
        k = this.propositions.length
        if (k >= MAX_PROPOSITIONS)
          throw new RangeError(
            `createMonitor: ${JSON.stringify(this.text)} has more than ${MAX_PROPOSITIONS} atoms and past subformulas`,
          )
        propIndex.set(key, k)
        this.propositions.push(p)
      }
      return k
    }
    const pastProposition = (f: Formula): number => {
      const key = formatLtl(f)
      let r = pastIndex.get(key)
      if (r === undefined) {
        r = pastRoots.length
        pastIndex.set(key, r)
        pastRoots.push(f)
      }
      return proposition(`past:${key}`, { atom: -1, past: r })
    }

    const build = (table: TermTable): Term => {
      const term = (f: Formula, positive: boolean): Term => {
        if (containsPast(f)) {
          if (isPastFormula(f)) return table.literal(pastProposition(f), positive)
          if (f.kind === 'previous' || f.kind === 'once' || f.kind === 'historically' || f.kind === 'since') {
            throw new RangeError(
              `createMonitor: a past operator over a future formula is not supported: ${formatLtl(f)}`,
            )
          }
        }
        const bounded = 'bound' in f && f.bound !== undefined ? f.bound : null
        switch (f.kind) {
          case 'true':
            return positive ? table.true : table.false
          case 'false':
            return positive ? table.false : table.true
          case 'atom':
            return table.literal(proposition(`atom:${f.name}`, { atom: atomIndex.get(f.name)!, past: -1 }), positive)
          case 'not':
            return term(f.operand, !positive)
          case 'and':
            return positive
              ? table.and2(term(f.left, true), term(f.right, true))
              : table.or2(term(f.left, false), term(f.right, false))
          case 'or':
            return positive
              ? table.or2(term(f.left, true), term(f.right, true))
              : table.and2(term(f.left, false), term(f.right, false))
          case 'implies':
            return positive
              ? table.or2(term(f.left, false), term(f.right, true))
              : table.and2(term(f.left, true), term(f.right, false))
          case 'iff':
            return positive
              ? table.and2(
                  table.or2(term(f.left, false), term(f.right, true)),
                  table.or2(term(f.left, true), term(f.right, false)),
                )
              : table.or2(
                  table.and2(term(f.left, true), term(f.right, false)),
                  table.and2(term(f.left, false), term(f.right, true)),
                )
          case 'next':
            return positive ? table.next(term(f.operand, true)) : table.weakNext(term(f.operand, false))
          case 'eventually':
          case 'always': {
            const existential = (f.kind === 'eventually') === positive
            const operand = term(f.operand, positive)
            if (bounded === null)
              return existential ? table.until(table.true, operand) : table.release(table.false, operand)
            return existential
              ? table.untilRel(table.true, operand, bounded.lower, bounded.upper)
              : table.releaseRel(table.false, operand, bounded.lower, bounded.upper)
          }
          case 'until': {
            const a = term(f.left, positive)
            const b = term(f.right, positive)
            if (bounded === null) return positive ? table.until(a, b) : table.release(a, b)
            return positive
              ? table.untilRel(a, b, bounded.lower, bounded.upper)
              : table.releaseRel(a, b, bounded.lower, bounded.upper)
          }
          case 'release':
            return positive
              ? table.release(term(f.left, true), term(f.right, true))
              : table.until(term(f.left, false), term(f.right, false))
          case 'weakUntil': {
            // a W b = b R (a || b); its negation is !b U (!a && !b)
            const b = term(f.right, positive)
            const either = positive ? table.or2(term(f.left, true), b) : table.and2(term(f.left, false), b)
            return positive ? table.release(b, either) : table.until(b, either)
          }
          default:
            throw new RangeError(`createMonitor: unexpected formula kind ${describeValue(f.kind)}`)
        }
      }
      // a past-time property must hold at every event
      const root =
        isPastFormula(this.formula) && containsPast(this.formula)
          ? table.release(table.false, term(this.formula, true))
          : term(this.formula, true)
      return root
    }
    this.table = new TermTable(0)
    this.initial = build(this.table)
    // propositions are numbered while the future part is built; the memos sized by their count come later, with progression
    this.table.propositions = this.propositions.length
    this.current = this.initial
    this.atomValues = new Uint8Array(this.atomNames.length)
    this.past = pastRoots.length > 0 ? new PastEvaluator(pastRoots, atomIndex) : null
    this.pastValues = new Uint8Array(pastRoots.length)
    this.timed = this.initial.timed || (this.past?.timed ?? false)
    this.state = this.verdictOf(this.initial)
    if (this.state === 'false')
      this.violation = { formula: this.text, index: -1, event: undefined, timestamp: undefined, atEnd: false }
  }

  get verdict(): Verdict {
    return this.state
  }

  get index(): number {
    return this.events
  }

  step(event: E, timestamp?: number): Verdict {
    if (this.finished)
      throw new Error(`monitor for ${JSON.stringify(this.text)} has finished; reset() it to start again`)
    const index = this.events++
    if (this.timed || timestamp !== undefined) {
      if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
        throw new TypeError(
          `event #${index}: ${JSON.stringify(this.text)} has time bounds, so step needs a finite timestamp (ms), got ${describeValue(timestamp)}`,
        )
      }
      if (timestamp < this.lastTime)
        throw new RangeError(`event #${index}: timestamp ${timestamp} is before the previous one (${this.lastTime})`)
      this.lastTime = timestamp
    }
    this.readAtoms(event)
    if (this.past !== null) this.past.step(this.atomValues, timestamp ?? index, this.pastValues)
    const bits = this.valuation()
    // progression goes on after a decision: finish() reads LTLf from the residual
    this.current = progress(this.table, this.current, bits, timestamp ?? index)
    if (this.state === 'unknown') {
      this.state = this.verdictOf(this.current)
      if (this.state === 'false') this.violation = { formula: this.text, index, event, timestamp, atEnd: false }
    }
    return this.state
  }

  peek(event: E, timestamp?: number): Verdict {
    if (this.past !== null)
      throw new RangeError(`peek needs a formula without past operators: ${JSON.stringify(this.text)}`)
    if (this.finished)
      throw new Error(`monitor for ${JSON.stringify(this.text)} has finished; reset() it to start again`)
    if (this.state !== 'unknown') return this.state
    if (this.timed && (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp < this.lastTime)) {
      throw new RangeError(
        `peek: ${JSON.stringify(this.text)} has time bounds, so it needs a finite timestamp not before ${this.lastTime}, got ${describeValue(timestamp)}`,
      )
    }
    this.readAtoms(event)
    return this.verdictOf(progress(this.table, this.current, this.valuation(), timestamp ?? this.events))
  }

  finish(): Verdict {
    if (!this.finished) {
      this.finished = true
      const decided = this.state
      this.state = holdsAtEnd(this.current) ? 'true' : 'false'
      if (this.state === 'false' && decided !== 'false')
        this.violation = { formula: this.text, index: this.events, event: undefined, timestamp: undefined, atEnd: true }
    }
    return this.state
  }

  reset(): void {
    this.current = this.initial
    this.events = 0
    this.lastTime = -Infinity
    this.finished = false
    this.past?.reset()
    this.state = this.verdictOf(this.initial)
    this.violation =
      this.state === 'false'
        ? { formula: this.text, index: -1, event: undefined, timestamp: undefined, atEnd: false }
        : null
  }

  /** Each atom's value on `event`, into `atomValues`. */
  private readAtoms(event: E): void {
    const values = this.atomValues
    for (let k = 0; k < values.length; k++) {
      const predicate = this.predicates[k]
      values[k] = (predicate !== null ? predicate(event) : readRecord(event, this.atomNames[k])) ? 1 : 0
    }
  }

  /** The valuation bit mask of the propositions, from `atomValues` and the past subformulas' values. */
  private valuation(): number {
    let bits = 0
    const props = this.propositions
    for (let k = 0; k < props.length; k++) {
      const p = props[k]
      if ((p.atom >= 0 ? this.atomValues[p.atom] : this.pastValues[p.past]) !== 0) bits |= 1 << k
    }
    return bits
  }

  private verdictOf(t: Term): Verdict {
    if (t.verdict === 0) {
      if (t.kind === Kind.True) t.verdict = 1
      else if (t.kind === Kind.False) t.verdict = 2
      else if (!satisfiable(this.table, abstractUntimed(this.table, t))) t.verdict = 2
      else if (!satisfiable(this.table, abstractNegation(this.table, t))) t.verdict = 1
      else t.verdict = 3
    }
    return t.verdict === 1 ? 'true' : t.verdict === 2 ? 'false' : 'unknown'
  }
}

function readRecord(event: unknown, name: string): boolean {
  return event !== null && typeof event === 'object' && (event as Record<string, unknown>)[name] === true
}
