import { describeValue } from '../errors'
import { checkSnapshot, decodeFloat64, encodeFloat64, SnapshotError, type SnapshotHeader } from '../snapshot'
import { checkBoolean, checkOptions } from '../validate'
import { type ClosedAutomaton, closeAutomaton, MAX_DENSE_PROPOSITIONS, ResidualAutomaton } from './automaton'
import { checkFormula, type Formula, formatLtl } from './formula'
import { parseFormula } from './parse'
import { PastEvaluator, type PastEvaluatorSnapshot, type PastSource } from './past'
import { abstractNegation, abstractUntimed, holdsAtEnd, progress } from './progress'
import { decodeResidual, encodeResidual, originTerms, type ResidualSnapshot } from './residual'
import { satisfiable } from './satisfiable'
import {
  VERDICT_FALSE as IMPORTED_FALSE,
  VERDICT_NOT_COMPUTED as IMPORTED_NOT_COMPUTED,
  VERDICT_TRUE as IMPORTED_TRUE,
  VERDICT_UNKNOWN as IMPORTED_UNKNOWN,
  Kind,
  type Term,
  type TermTable,
} from './terms'
import { type MonitorPlan, type Proposition, planMonitor } from './translate'

// Module-local copies of the verdict codes, read at every step: under a per-file CommonJS transform
// (tsx, vitest) an imported binding is read through a getter, which doubled the time per event of
// a warm monitor (G (req -> F ack): 118 ns with local constants, 250 ns with the imports).
const VERDICT_NOT_COMPUTED = IMPORTED_NOT_COMPUTED
const VERDICT_TRUE = IMPORTED_TRUE
const VERDICT_FALSE = IMPORTED_FALSE
const VERDICT_UNKNOWN = IMPORTED_UNKNOWN

/** LTL3: `'true'` when every continuation satisfies the formula, `'false'` when none does, else `'unknown'`. */
export type Verdict = 'true' | 'false' | 'unknown'

/** Where a formula became false. */
export interface Violation {
  /** The formula's text. */
  readonly formula: string
  /** Index of the event that decided it (0-based); -1 for a formula no trace satisfies; the event count when it failed at `finish()`. */
  readonly index: number
  /** The deciding event (undefined before any event and at `finish()`). */
  readonly event: unknown
  /** The deciding event's time in ms, when the monitor was given times. */
  readonly timestamp: number | undefined
  /** True when the violation was decided at the end of the trace (`finish()`). */
  readonly atEnd: boolean
}

/** Options of `createMonitor`. */
export interface MonitorOptions<E> {
  /** Predicates that give each atom's value on an event. */
  readonly atoms?: Readonly<Record<string, (event: E) => boolean>>
  /** Atoms not in `atoms` are read from the event as a record of booleans (missing: false). Default false: they are an error. */
  readonly closedWorld?: boolean
}

/**
 * A runtime monitor of one formula, from `createMonitor`: feed events with `step`, read the LTL3
 * verdict, `finish()` for the LTLf verdict of the finished trace.
 * @see createMonitor
 */
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
  /** Forgets every event, as a fresh monitor (the lazily built automaton is kept). */
  reset(): void
  /** Set once the verdict is `'false'`. */
  readonly violation: Violation | null
  /** The formula monitored. */
  readonly formula: Formula
  /** The formula's text: as given, or `formatLtl` of a tree. */
  readonly text: string
  /** Events stepped so far. */
  readonly index: number
  /**
   * The monitor's state as a JSON-safe object: the formula (as `formatLtl` writes it), the future
   * obligation left (the residual, with its pending metric deadlines exact), the past operators'
   * memory, the verdict and the counters. `restore` on a monitor of the same formula continues
   * exactly as this one would. The deciding event of a violation is user data and is not kept: a
   * restored violation has `event` undefined.
   *
   * ```ts
   * const saved = JSON.stringify(monitor.snapshot())
   * createMonitor(sameFormula, sameOptions).restore(JSON.parse(saved)) // continues where `monitor` was
   * ```
   */
  snapshot(): MonitorSnapshot
  /**
   * Puts this monitor in the state of `snapshot` (from `snapshot()` of a monitor of the same formula,
   * possibly through JSON, in another process). A snapshot of another kind or version, of another
   * formula (both named in the message), or damaged, is a `SnapshotError`, and the monitor is unchanged.
   */
  restore(snapshot: MonitorSnapshot): void
}

/** The layout version of `MonitorSnapshot`. */
const MONITOR_SNAPSHOT_VERSION = 1

/**
 * `Monitor.snapshot()`: a monitor's run state, JSON-safe and exact.
 * @see Monitor.snapshot
 */
export interface MonitorSnapshot extends SnapshotHeader {
  /** Always `'LtlMonitor'`. */
  readonly kind: 'LtlMonitor'
  /** The layout's version (1). */
  readonly version: number
  /** The formula monitored, as `formatLtl` writes it; a monitor of another formula refuses the snapshot. */
  readonly formula: string
  /** Events stepped. */
  readonly index: number
  /** Whether `finish()` was called. */
  readonly finished: boolean
  /** The verdict (LTL3, or LTLf once finished). */
  readonly verdict: Verdict
  /** Where the formula became false (the event itself is not kept), or null. */
  readonly violation: {
    /** The deciding event's index (-1: no trace satisfies the formula). */
    readonly index: number
    /** Whether the violation has a timestamp (kept in `times`). */
    readonly timed: boolean
    /** Whether the formula failed only at the end of the trace. */
    readonly atEnd: boolean
  } | null
  /** The previous event's time and the violation's time (base64 float64: -Infinity before any timed event). */
  readonly times: string
  /** The future obligation left. */
  readonly residual: ResidualSnapshot
  /** The past operators' memory, when the formula has any. */
  readonly past: PastEvaluatorSnapshot | null
}

const VERDICTS: readonly Verdict[] = ['true', 'false', 'unknown']

/**
 * A monitor of `spec` in the state of `snapshot` (from `Monitor.snapshot()`, possibly through JSON):
 * `createMonitor(spec, options)` then `restore(snapshot)`. Bad formulas or options throw as in
 * `createMonitor`; a snapshot of another formula, kind or version, or a damaged one, is a `SnapshotError`.
 *
 * ```ts
 * const m = createMonitor('G (req -> F ack)', { closedWorld: true })
 * m.step({ req: true })
 * const saved = JSON.stringify(m.snapshot())
 * const again = monitorFromSnapshot('G (req -> F ack)', JSON.parse(saved), { closedWorld: true })
 * again.step({ ack: true }) // continues as m would
 * ```
 * @see Monitor.snapshot
 */
export function monitorFromSnapshot<E = unknown>(
  spec: string | Formula,
  snapshot: MonitorSnapshot,
  options?: MonitorOptions<E>,
): Monitor<E> {
  const monitor = compileMonitor<E>('monitorFromSnapshot', spec, options)()
  monitor.restore(snapshot)
  return monitor
}

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
 *
 * References: Bauer, Leucker & Schallhart, "Runtime verification for LTL and TLTL", TOSEM 2011 (LTL3);
 * Bacchus & Kabanza, "Using temporal logics to express search control knowledge for planning", AIJ 2000
 * (progression); De Giacomo & Vardi, "Linear temporal logic and linear dynamic logic on finite traces",
 * IJCAI 2013 (LTLf).
 *
 * @param spec The formula: text in `parseLtl`'s grammar, or a tree from the `ltl` builders.
 * @param options `atoms`: a predicate per atom; `closedWorld`: read atoms without a predicate from the event as a record of booleans.
 * @returns A fresh monitor; its verdict before any event is already decided for a formula no trace satisfies (or every trace does).
 * @see parseLtl
 * @see ltlGuard
 * @see ltlVerdicts
 */
export function createMonitor<E = unknown>(spec: string | Formula, options?: MonitorOptions<E>): Monitor<E> {
  return compileMonitor<E>('createMonitor', spec, options)()
}

/** The option names `createMonitor` accepts. */
export const MONITOR_OPTIONS: readonly string[] = ['atoms', 'closedWorld']

/**
 * Parses, checks and translates `spec` once, and returns a factory of fresh monitors of it, which
 * share the translation and its lazily built automaton. Every error names `fn`, the public name
 * the caller used. Operators call it when they are created, so that bad input throws then, and
 * each subscription takes a monitor from the factory.
 * @internal
 */
export function compileMonitor<E>(
  fn: string,
  spec: string | Formula,
  options: MonitorOptions<E> | undefined,
  generateCode = true,
): () => Monitor<E> {
  let formula: Formula
  let text: string
  if (typeof spec === 'string') {
    formula = parseFormula(fn, spec)
    text = spec
  } else {
    if (spec === null || typeof spec !== 'object' || typeof (spec as { kind?: unknown }).kind !== 'string')
      throw new TypeError(`${fn}: the formula must be a Formula or its text, got ${describeValue(spec)}`)
    formula = checkFormula(fn, spec)
    text = formatLtl(spec)
  }
  const { atoms = {}, closedWorld = false } = checkOptions(fn, options, MONITOR_OPTIONS)
  if (atoms === null || typeof atoms !== 'object' || Array.isArray(atoms))
    throw new TypeError(`${fn}: atoms must be a record of predicates, got ${describeValue(atoms)}`)
  checkBoolean(fn, 'closedWorld', closedWorld)
  const plan = planMonitor<E>(fn, formula, text, atoms, closedWorld)
  // one generated step per formula, bound to each monitor's state (undefined: the interpreted step)
  const factory = generateCode ? generateStep(plan, null) : undefined
  const automaton =
    factory !== undefined && plan.propositions.length <= MAX_DENSE_PROPOSITIONS
      ? new ResidualAutomaton(plan.propositions.length)
      : null
  // a small automaton, explored whole now, becomes constants in its own step
  const closed =
    automaton !== null && !plan.initial.timed
      ? closeAutomaton(
          automaton,
          plan.initial,
          (t, bits) => progress(plan.table, t, bits, 0),
          t => verdictCode(plan.table, t),
        )
      : null
  const closedFactory = closed !== null ? generateStep(plan, closed) : undefined
  return () => new LtlMonitor<E>(plan, factory, automaton, closed === null ? undefined : closedFactory, closed)
}

class LtlMonitor<E> implements Monitor<E> {
  readonly formula: Formula
  readonly text: string
  /** The generated step where `new Function` is allowed, else `stepInterpreted`; both give the same verdicts. */
  step: (event: E, timestamp?: number) => Verdict
  /** True if `step` runs code generated for the formula. */
  readonly generated: boolean
  /** The step that reads the automaton's table, where `step` holds the closed automaton's constants. */
  private readonly tableStep: ((event: E, timestamp?: number) => Verdict) | undefined
  /** `step` while not finished; `finish()` swaps in `refuseFinished`, so the step need not check. */
  private runningStep: (event: E, timestamp?: number) => Verdict
  /** States of the closed automaton the constant step knows; 0 without one. */
  private readonly closedStates: number
  private readonly table: TermTable
  private readonly initial: Term
  /** The residual (the obligation left) when `stateIndex` is -1; else stale, and the automaton's state holds it. */
  private current: Term
  /** The residual's state in `automaton`, or -1 (no automaton, or a timed residual). */
  private stateIndex = -1
  private readonly automaton: ResidualAutomaton | null
  private readonly atomNames: readonly string[]
  private readonly predicates: ReadonlyArray<((event: E) => boolean) | null>
  private readonly atomValues: Uint8Array
  private readonly pastValues: Uint8Array
  private readonly past: PastEvaluator | null
  private readonly propositions: readonly Proposition[]
  private readonly timed: boolean
  private state: Verdict
  private events = 0
  private lastTime = -Infinity
  private finished = false
  violation: Violation | null = null

  constructor(
    plan: MonitorPlan<E>,
    factory: StepFactory<E> | undefined,
    automaton: ResidualAutomaton | null,
    closedFactory: StepFactory<E> | undefined,
    closed: ClosedAutomaton | null,
  ) {
    this.formula = plan.formula
    this.text = plan.text
    this.table = plan.table
    this.initial = plan.initial
    this.current = this.initial
    this.automaton = automaton
    this.stateIndex = automaton?.stateOf(this.initial) ?? -1
    this.atomNames = plan.atomNames
    this.predicates = plan.predicates
    this.propositions = plan.propositions
    this.atomValues = new Uint8Array(this.atomNames.length)
    this.past = plan.pastRoots.length > 0 ? new PastEvaluator(plan.pastRoots, plan.atomIndex) : null
    this.pastValues = new Uint8Array(plan.pastRoots.length)
    this.timed = this.initial.timed || (this.past?.timed ?? false)
    this.state = this.verdictOf(this.initial)
    if (this.state === 'false')
      this.violation = { formula: this.text, index: -1, event: undefined, timestamp: undefined, atEnd: false }
    // the past kernel's memory must be this monitor's generated one (a CSP may forbid it for the evaluator only)
    const memory = this.past?.memory() ?? null
    const generated = factory !== undefined && (this.past === null || this.past.generated)
    const bind = (f: StepFactory<E>) => f(this, plan.predicates, memory?.S, memory?.L, memory?.R, automaton)
    const bound = generated ? bind(factory) : undefined
    const constant = generated && closedFactory !== undefined ? bind(closedFactory) : undefined
    this.closedStates = constant !== undefined ? (closed as ClosedAutomaton).states : 0
    this.tableStep = bound
    this.runningStep = constant ?? bound ?? this.stepInterpreted
    this.step = this.runningStep
    this.generated = bound !== undefined
  }

  get verdict(): Verdict {
    return this.state
  }

  get index(): number {
    return this.events
  }

  /** `step` without generated code: the same work through the predicate array and the valuation loop. */
  private stepInterpreted(event: E, timestamp?: number): Verdict {
    if (this.finished) this.refuseFinished()
    const index = this.events++
    const time = this.timed || timestamp !== undefined ? this.checkTime(index, timestamp) : index
    this.readAtoms(event)
    if (this.past !== null) this.past.step(this.atomValues, time, this.pastValues)
    // progression goes on after a decision: finish() reads LTLf from the residual
    return this.advance(this.valuation(), time, event, index, timestamp)
  }

  /**
   * Progresses the residual by the valuation `bits` of event #`index` at `time`, records the
   * transition in the automaton, and judges the new residual while the verdict is 'unknown'; returns
   * the verdict. The generated step calls it for a transition not in the automaton yet.
   */
  private advance(bits: number, time: number, event: E, index: number, timestamp: number | undefined): Verdict {
    const from = this.stateIndex
    // progression goes on after a decision: finish() reads LTLf from the residual
    const next = progress(this.table, this.residual(), bits, time)
    this.current = next
    if (this.state === 'unknown' && next.verdict !== VERDICT_UNKNOWN) this.judge(next, event, index, timestamp)
    const automaton = this.automaton
    if (automaton !== null) {
      const to = automaton.stateOf(next)
      if (from >= 0 && to >= 0) automaton.link(from, bits, to, next.verdict)
      this.stateIndex = to
    }
    return this.state
  }

  /**
   * While the verdict is 'unknown': `judge` for the automaton's transition from state `from` under
   * `bits` to `to`, whose entry then carries the verdict code (the generated step calls it).
   */
  judgeTransition(
    from: number,
    bits: number,
    to: number,
    event: E,
    index: number,
    timestamp: number | undefined,
  ): void {
    const automaton = this.automaton as ResidualAutomaton
    const next = automaton.states[to]
    this.judge(next, event, index, timestamp)
    automaton.link(from, bits, to, next.verdict)
  }

  /** The obligation left for the rest of the trace. */
  private residual(): Term {
    return this.stateIndex >= 0 ? (this.automaton as ResidualAutomaton).states[this.stateIndex] : this.current
  }

  /** Makes `t` the residual. */
  private setResidual(t: Term): void {
    this.current = t
    this.stateIndex = this.automaton?.stateOf(t) ?? -1
    // a restored residual the closed automaton does not reach: the table's step handles any state
    if (this.closedStates > 0 && this.stateIndex >= this.closedStates && this.tableStep !== undefined)
      this.runningStep = this.tableStep
    this.armStep()
  }

  /** `step` as `finished` says: the running step, or one that refuses. */
  private armStep(): void {
    this.step = this.finished ? this.refuseFinished : this.runningStep
  }

  /** Throws: `step` after `finish()`. */
  private refuseFinished = (): never => {
    throw new Error(
      `Monitor.step: the monitor for ${JSON.stringify(this.text)} has finished; reset() it to start again`,
    )
  }

  /** Checks event #`index`'s timestamp (finite, not before the previous one) and returns it. */
  private checkTime(index: number, timestamp: number | undefined): number {
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
      throw new TypeError(
        `Monitor.step: event #${index}: ${JSON.stringify(this.text)} has time bounds, so step needs a finite timestamp (ms), got ${describeValue(timestamp)}`,
      )
    }
    if (timestamp < this.lastTime)
      throw new RangeError(
        `Monitor.step: event #${index}: timestamp ${timestamp} is before the previous one (${this.lastTime})`,
      )
    this.lastTime = timestamp
    return timestamp
  }

  /** While the verdict is 'unknown': the verdict of the residual `next`, reached at event #`index`. */
  private judge(next: Term, event: E, index: number, timestamp: number | undefined): void {
    this.state = this.verdictOf(next)
    if (this.state === 'false') this.violation = { formula: this.text, index, event, timestamp, atEnd: false }
  }

  peek(event: E, timestamp?: number): Verdict {
    if (this.past !== null)
      throw new RangeError(`Monitor.peek: peek needs a formula without past operators: ${JSON.stringify(this.text)}`)
    if (this.finished)
      throw new Error(
        `Monitor.peek: the monitor for ${JSON.stringify(this.text)} has finished; reset() it to start again`,
      )
    if (this.state !== 'unknown') return this.state
    if (this.timed && (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp < this.lastTime)) {
      throw new RangeError(
        `Monitor.peek: ${JSON.stringify(this.text)} has time bounds, so it needs a finite timestamp not before ${this.lastTime}, got ${describeValue(timestamp)}`,
      )
    }
    this.readAtoms(event)
    return this.verdictOf(progress(this.table, this.residual(), this.valuation(), timestamp ?? this.events))
  }

  finish(): Verdict {
    if (!this.finished) {
      this.finished = true
      this.armStep()
      const decided = this.state
      this.state = holdsAtEnd(this.residual()) ? 'true' : 'false'
      if (this.state === 'false' && decided !== 'false')
        this.violation = { formula: this.text, index: this.events, event: undefined, timestamp: undefined, atEnd: true }
    }
    return this.state
  }

  reset(): void {
    this.setResidual(this.initial)
    this.events = 0
    this.lastTime = -Infinity
    this.finished = false
    this.armStep()
    this.past?.reset()
    this.state = this.verdictOf(this.initial)
    this.violation =
      this.state === 'false'
        ? { formula: this.text, index: -1, event: undefined, timestamp: undefined, atEnd: false }
        : null
  }

  snapshot(): MonitorSnapshot {
    const v = this.violation
    return {
      kind: 'LtlMonitor',
      version: MONITOR_SNAPSHOT_VERSION,
      formula: formatLtl(this.formula),
      index: this.events,
      finished: this.finished,
      verdict: this.state,
      violation: v === null ? null : { index: v.index, timed: v.timestamp !== undefined, atEnd: v.atEnd },
      times: encodeFloat64([this.lastTime, v?.timestamp ?? 0]),
      residual: encodeResidual(this.residual(), this.origin()),
      past: this.pastSnapshot(),
    }
  }

  /** The past evaluator's snapshot; the generated step does not mark it as started, the event count says. */
  private pastSnapshot(): PastEvaluatorSnapshot | null {
    if (this.past === null) return null
    this.past.markStarted(this.events > 0)
    return this.past.snapshot()
  }

  restore(snapshot: MonitorSnapshot): void {
    const fn = 'Monitor.restore'
    const s = checkSnapshot<MonitorSnapshot>(fn, snapshot, 'LtlMonitor', MONITOR_SNAPSHOT_VERSION)
    const formula = formatLtl(this.formula)
    if (s.formula !== formula)
      throw new SnapshotError(
        `${fn}: the snapshot is of formula ${describeValue(s.formula)}, this monitor's is ${JSON.stringify(formula)}`,
      )
    if (!Number.isInteger(s.index) || s.index < 0)
      throw new SnapshotError(`${fn}: index must be an integer >= 0, got ${describeValue(s.index)}`)
    if (typeof s.finished !== 'boolean')
      throw new SnapshotError(`${fn}: finished must be a boolean, got ${describeValue(s.finished)}`)
    if (!VERDICTS.includes(s.verdict))
      throw new SnapshotError(`${fn}: verdict must be 'true', 'false' or 'unknown', got ${describeValue(s.verdict)}`)
    const times = decodeFloat64(fn, 'times', s.times)
    if (times.length !== 2) throw new SnapshotError(`${fn}: times holds ${times.length} values, expected 2`)
    const v = s.violation
    if (
      v !== null &&
      (v === undefined ||
        typeof v !== 'object' ||
        !Number.isInteger(v.index) ||
        v.index < -1 ||
        typeof v.timed !== 'boolean' ||
        typeof v.atEnd !== 'boolean')
    )
      throw new SnapshotError(`${fn}: violation must be null or { index, timed, atEnd }, got ${describeValue(v)}`)
    if ((s.past === null) !== (this.past === null))
      throw new SnapshotError(`${fn}: past must be ${this.past === null ? 'null' : 'a PastEvaluator snapshot'}`)
    const current = decodeResidual(fn, this.table, this.origin(), s.residual)
    // the past evaluator checks its part before changing anything; then nothing below can throw
    if (s.past !== null) this.past?.restore(s.past)
    this.setResidual(current)
    this.events = s.index
    this.finished = s.finished
    this.armStep()
    this.state = s.verdict
    this.lastTime = times[0]
    this.violation =
      v === null
        ? null
        : {
            formula: this.text,
            index: v.index,
            event: undefined,
            timestamp: v.timed ? times[1] : undefined,
            atEnd: v.atEnd,
          }
  }

  /** The formula's timed terms, numbered for snapshots (computed once per plan). */
  private origin(): readonly Term[] {
    let terms = ORIGINS.get(this.initial)
    if (terms === undefined) {
      terms = originTerms(this.initial)
      ORIGINS.set(this.initial, terms)
    }
    return terms
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
    const code = verdictCode(this.table, t)
    return code === VERDICT_TRUE ? 'true' : code === VERDICT_FALSE ? 'false' : 'unknown'
  }
}

/** The LTL3 verdict code of residual `t`, computed once and kept in `t.verdict`. */
function verdictCode(table: TermTable, t: Term): number {
  if (t.verdict === VERDICT_NOT_COMPUTED) {
    if (t.kind === Kind.True) t.verdict = VERDICT_TRUE
    else if (t.kind === Kind.False) t.verdict = VERDICT_FALSE
    else if (!satisfiable(table, abstractUntimed(table, t))) t.verdict = VERDICT_FALSE
    else if (!satisfiable(table, abstractNegation(table, t))) t.verdict = VERDICT_TRUE
    else t.verdict = VERDICT_UNKNOWN
  }
  return t.verdict
}

/**
 * A generated step, bound to one monitor: `factory(monitor, predicates, S, L, R, automaton)`,
 * `S`, `L`, `R` the memory of the monitor's past evaluator (see `PastEvaluator.memory`), undefined
 * without past operators.
 */
type StepFactory<E> = (
  self: LtlMonitor<E>,
  predicates: ReadonlyArray<((event: E) => boolean) | null>,
  S: Uint8Array | undefined,
  L: Float64Array | undefined,
  R: unknown,
  automaton: ResidualAutomaton | null,
) => (event: E, timestamp?: number) => Verdict

/**
 * Writes the monitor's step for one formula as a single JavaScript function: each atom's predicate
 * called at its own call site (so V8 inlines each, where a loop over the predicate array makes one
 * call site that sees them all), the past kernel inline on those values, the valuation as one
 * expression, and the successor state: from constants for a `closed` automaton, else read from the
 * automaton's table, with `progress` only for a valuation not seen yet or a timed residual.
 * Nothing is allocated on that path. It does what `stepInterpreted` does, in the same order, but
 * for the check of `finish()`, which swaps the step instead. The step is kept short: V8 inlines a
 * function of up to 460 bytes of bytecode into the caller's loop (a 7-atom past formula's step
 * was 543 bytes and ran 1.4x slower than after these cuts). Returns undefined where `new Function`
 * is forbidden (CSP), or for a past part too large to inline (it runs the past kernel's own chunks
 * then).
 */
function generateStep<E>(plan: MonitorPlan<E>, closed: ClosedAutomaton | null): StepFactory<E> | undefined {
  const evaluator = plan.pastRoots.length > 0 ? new PastEvaluator(plan.pastRoots, plan.atomIndex) : null
  const past = evaluator === null ? null : evaluator.source()
  if (past === undefined) return undefined
  const timed = plan.initial.timed || (evaluator?.timed ?? false)
  const lines: string[] = []
  const bind: string[] = []
  plan.predicates.forEach((predicate, k) => {
    if (predicate !== null) {
      bind.push(`var P${k} = P[${k}]`)
      lines.push(`const a${k} = P${k}(event) ? 1 : 0`)
    } else {
      const name = JSON.stringify(plan.atomNames[k])
      lines.push(`const a${k} = event !== null && typeof event === 'object' && event[${name}] === true ? 1 : 0`)
    }
  })
  if (past !== null) lines.push(...past.body)
  const bits = plan.propositions.map((p, k) => {
    const value = p.atom >= 0 ? `a${p.atom}` : (past as PastSource).roots[p.past]
    return k === 0 ? value : `(${value} << ${k})`
  })
  lines.push(`const bits = ${bits.length === 0 ? '0' : bits.join(' | ')}`)
  if (closed !== null) {
    // the successor from constants: no load on the path that carries the state between events
    const width = plan.propositions.length
    const shift = closed.bitsPerState === 1 ? `(from << ${width}) | bits` : `((from << ${width}) | bits) << 1`
    lines.push(
      'const from = self.stateIndex',
      `const to = (${closed.transitions} >>> (${shift})) & ${closed.bitsPerState === 1 ? 1 : 3}`,
      'self.stateIndex = to',
    )
    if (closed.decided !== 0)
      lines.push(
        `if (((${closed.decided} >>> to) & 1) !== 0 && self.state === 'unknown') self.judgeTransition(from, bits, to, event, index, timestamp)`,
      )
    lines.push('return self.state')
  } else if (plan.propositions.length <= MAX_DENSE_PROPOSITIONS) {
    // one load per event: the transition's entry in the automaton, the successor state and the verdict
    // code of its residual (-1: progression has not computed it yet, or no state: a timed residual)
    lines.push(
      'const from = self.stateIndex',
      `const entry = from >= 0 ? A.succ[(from << ${plan.propositions.length}) | bits] : -1`,
      'if (entry < 0) return self.advance(bits, time, event, index, timestamp)',
      'self.stateIndex = entry >> 2',
      `if ((entry & 3) !== ${VERDICT_UNKNOWN} && self.state === 'unknown') self.judgeTransition(from, bits, entry >> 2, event, index, timestamp)`,
      'return self.state',
    )
  } else lines.push('return self.advance(bits, time, event, index, timestamp)')
  // the closed step reads no time (its residual is untimed), so it only checks one that is given
  const time = timed
    ? 'const time = self.checkTime(index, timestamp)'
    : closed !== null
      ? 'if (timestamp !== undefined) self.checkTime(index, timestamp)'
      : 'const time = timestamp === undefined ? index : self.checkTime(index, timestamp)'
  // the monitor and the past memory in locals: each access is then one instruction shorter than through the closure
  const memory = past === null ? '' : 'const S = S0, L = L0'
  const source = `'use strict'
return function bindStep(self0, P, S0, L0, R, A) {
${bind.join('\n')}
${past?.bind ?? ''}return function step(event, timestamp) {
  const self = self0
  const index = self.events++
  ${time}
  ${memory}
  ${lines.join('\n  ')}
}
}`
  try {
    return new Function(source)() as StepFactory<E>
  } catch {
    return undefined
  }
}

/** The timed terms of each translated formula, by its initial term, for snapshots. */
const ORIGINS = new WeakMap<Term, readonly Term[]>()

function readRecord(event: unknown, name: string): boolean {
  return event !== null && typeof event === 'object' && (event as Record<string, unknown>)[name] === true
}
