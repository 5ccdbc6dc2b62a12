import { type Term, VERDICT_UNKNOWN } from './terms'

/**
 * Up to this many propositions a formula's residuals get a dense successor table (2^10 entries,
 * 4 KB per residual); beyond, the generated step follows the terms' own memos through `progress`.
 */
export const MAX_DENSE_PROPOSITIONS = 10

/**
 * The lazily built automaton of one formula's untimed residuals, numbered as they are reached:
 * `succ[(state << width) | valuation]` is the transition's entry, `(successor << 2) | verdict`
 * with the successor's LTL3 verdict code as last known (`Term.verdict`, 0 while not computed), or
 * -1 until progression has computed the successor. The monitor's step reads one entry per event,
 * where following the terms (residual, its memo, the memo's entry, the term of that id) is a chain
 * of four dependent loads. Shared by the monitors of one formula, as the terms and their memos
 * are; timed residuals have no state.
 */
export class ResidualAutomaton {
  /** Bits per valuation: the formula's propositions. */
  readonly width: number
  /** The residual of each state. */
  readonly states: Term[] = []
  succ: Int32Array
  private readonly numbers = new Map<Term, number>()

  constructor(propositions: number) {
    this.width = propositions
    this.succ = new Int32Array(4 << propositions).fill(-1)
  }

  /** The state of `t`, numbered on first sight; -1 for a timed term, which progression rebuilds at every event. */
  stateOf(t: Term): number {
    if (t.timed) return -1
    let n = this.numbers.get(t)
    if (n === undefined) {
      n = this.states.length
      if (n << this.width === this.succ.length) this.grow()
      this.states.push(t)
      this.numbers.set(t, n)
    }
    return n
  }

  /** Records `to`, whose residual has verdict code `verdict`, as the successor of state `from` under valuation `bits`. */
  link(from: number, bits: number, to: number, verdict: number): void {
    this.succ[(from << this.width) | bits] = (to << 2) | verdict
  }

  private grow(): void {
    const succ = new Int32Array(this.succ.length * 2).fill(-1)
    succ.set(this.succ)
    this.succ = succ
  }
}

/**
 * A complete automaton small enough to hold in constants: `transitions` packs the successor of
 * every (state, valuation) pair, `bitsPerState` bits each at `((state << width) | valuation) *
 * bitsPerState`, and bit s of `decided` is set when state s has a decided LTL3 verdict. The
 * generated step then computes the successor with a shift and a mask, where a table read would put
 * a load on the path that carries the state from one event to the next.
 */
export interface ClosedAutomaton {
  readonly states: number
  readonly bitsPerState: 1 | 2
  readonly transitions: number
  readonly decided: number
}

/**
 * Explores every state reachable from `initial` under every valuation, linking each transition in
 * `automaton`, while the result still fits in 32 bits of constants (2 states with up to 4
 * propositions, or 4 states with up to 2); returns it, or null when it does not fit or reaches a
 * timed residual (the automaton then keeps what was explored, and goes on being built lazily).
 * `successor` progresses a residual; `verdictCode` computes and memoises its LTL3 verdict code.
 */
export function closeAutomaton(
  automaton: ResidualAutomaton,
  initial: Term,
  successor: (t: Term, valuation: number) => Term,
  verdictCode: (t: Term) => number,
): ClosedAutomaton | null {
  const width = automaton.width
  const maxStates = width <= 2 ? 4 : width <= 4 ? 2 : 0
  if (maxStates === 0 || automaton.stateOf(initial) !== 0) return null
  const order: Term[] = [initial]
  const number = new Map<Term, number>([[initial, 0]])
  const successors: number[] = []
  for (let s = 0; s < order.length; s++) {
    for (let v = 0; v < 1 << width; v++) {
      const next = successor(order[s], v)
      if (next.timed) return null
      let to = number.get(next)
      if (to === undefined) {
        if (order.length === maxStates) return null
        to = order.length
        order.push(next)
        number.set(next, to)
      }
      successors.push(to)
    }
  }
  // number the states in `automaton` as here (the first state is `initial`, 0 in both)
  for (const t of order) if (automaton.stateOf(t) !== number.get(t)) return null
  const bitsPerState = order.length <= 2 ? 1 : 2
  let transitions = 0
  let decided = 0
  order.forEach((t, s) => {
    if (verdictCode(t) !== VERDICT_UNKNOWN) decided |= 1 << s
    for (let v = 0; v < 1 << width; v++) {
      const to = successors[(s << width) | v]
      automaton.link(s, v, to, verdictCode(order[to]))
      transitions |= to << (((s << width) | v) * bitsPerState)
    }
  })
  return { states: order.length, bitsPerState, transitions: transitions >>> 0, decided }
}
