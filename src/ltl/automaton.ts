import type { Term } from './terms'

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
