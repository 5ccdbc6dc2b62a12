import { describeValue } from '../errors'
import { checkSnapshot, decodeFloat64, encodeFloat64, SnapshotError, type SnapshotHeader } from '../snapshot'
import { checkBoolean, checkOptions } from '../validate'
import { checkBound, type Formula, foldNodes, type Interval, walkNodes } from './formula'

/*
 * Past-time (metric) LTL by dynamic programming, after Havelund & Rosu, "Synthesizing monitors for
 * safety properties" (TACAS 2002): every past operator's value at event i is a function of its
 * children's values at i and its own value at i-1, so a monitor needs one bit per subformula and
 * O(formula size) work per event. Time bounds add, per bounded node, a queue of the timestamps that
 * can still make it true.
 */

const FUTURE: Readonly<Record<string, string>> = {
  next: 'X',
  eventually: 'F',
  always: 'G',
  until: 'U',
  release: 'R',
  weakUntil: 'W',
}
const PAST = new Set(['previous', 'once', 'historically', 'since'])

// Opcodes (the interpreter's switch spells them as literals). Bounded operators split three ways at
// compile time so the loop never tests a bound: [0, inf] is the untimed operator, [0, b] needs only
// the latest witness time, [a, b] with a > 0 needs a queue of runs of witness times.
const TRUE = 0
const FALSE = 1
const ATOM = 2
const NOT = 3
const AND = 4
const OR = 5
const IMPLIES = 6
const IFF = 7
const PREVIOUS = 8
const ONCE = 9
const HISTORICALLY = 10
const SINCE = 11
const ONCE_LAST = 12
const HISTORICALLY_LAST = 13
const SINCE_LAST = 14
const ONCE_RUNS = 15
const HISTORICALLY_RUNS = 16
const _SINCE_RUNS = 17

const BINARY: Readonly<Record<string, number>> = { and: AND, or: OR, implies: IMPLIES, iff: IFF }

/**
 * True if `f` uses no future operator (X, F, G, U, R, W), so that its value at an event depends
 * only on the events up to it and `PastEvaluator` can monitor it.
 *
 * ```ts
 * isPastFormula(parseLtl('H (ack -> O request)')) // true
 * isPastFormula(parseLtl('G (req -> F ack)'))     // false
 * ```
 * @see containsPast
 */
export function isPastFormula(f: Formula): boolean {
  return walkNodes('isPastFormula', f, g => !(g.kind in FUTURE))
}

/**
 * True if `f` uses a past operator (Y, O, H, S) anywhere.
 *
 * ```ts
 * containsPast(parseLtl('G (grant -> O request)')) // true
 * containsPast(parseLtl('p && !q'))                // false
 * ```
 * @see isPastFormula
 */
export function containsPast(f: Formula): boolean {
  return !walkNodes('containsPast', f, g => !PAST.has(g.kind))
}

/**
 * The timestamps at which an O/H/S node had a witness, kept as runs [start, end] in a ring buffer
 * of Float64 pairs that doubles when full. Two witness times at most `upper - lower` apart have
 * windows [t + lower, t + upper] that overlap, so a run of them answers exactly like its members
 * together: true at T iff start + lower <= T <= end + upper. Merging bounds the queue by about
 * upper / (upper - lower) runs instead of the number of events in the window, and makes [a, inf]
 * one run forever. (With fractional times the merge test rounds like any other difference, so a
 * window edge may move by an ulp.)
 */
class WitnessRuns {
  private buf = new Float64Array(8)
  private mask = 3
  private head = 0
  private count = 0

  clear(): void {
    this.head = 0
    this.count = 0
  }

  /** Drops runs out of reach, adds `time` if `present`, and says whether a witness is in [time - upper, time - lower]. */
  update(present: number, time: number, lower: number, upper: number): number {
    let buf = this.buf
    let mask = this.mask
    let head = this.head
    let count = this.count
    // time never decreases, so a run whose newest witness is more than `upper` back is gone for good
    while (count > 0 && time - buf[(head << 1) + 1] > upper) {
      head = (head + 1) & mask
      count--
    }
    if (present !== 0) {
      const lastEnd = (((head + count - 1) & mask) << 1) + 1
      if (count > 0 && time - buf[lastEnd] <= upper - lower) {
        buf[lastEnd] = time
      } else {
        if (count > mask) {
          this.grow(head, count)
          buf = this.buf
          mask = this.mask
          head = 0
        }
        const at = ((head + count) & mask) << 1
        buf[at] = time
        buf[at + 1] = time
        count++
      }
    }
    this.head = head
    this.count = count
    return count > 0 && time - buf[head << 1] >= lower ? 1 : 0
  }

  /** The runs, oldest first, as [start, end] pairs appended to `out`; returns how many. */
  save(out: number[]): number {
    for (let k = 0; k < this.count; k++) {
      const at = ((this.head + k) & this.mask) << 1
      out.push(this.buf[at], this.buf[at + 1])
    }
    return this.count
  }

  /** Replaces the runs with `count` pairs of `times` from pair index `from` (as `save` wrote them). */
  load(times: Float64Array, from: number, count: number): void {
    let capacity = 4
    while (capacity < count) capacity <<= 1
    this.buf = times.slice(from << 1, (from + count) << 1)
    if (this.buf.length < capacity << 1) {
      const buf = new Float64Array(capacity << 1)
      buf.set(this.buf)
      this.buf = buf
    }
    this.mask = capacity - 1
    this.head = 0
    this.count = count
  }

  private grow(head: number, count: number): void {
    const capacity = this.mask + 1
    const next = new Float64Array(capacity << 2)
    for (let k = 0; k < count; k++) {
      const from = ((head + k) & this.mask) << 1
      next[k << 1] = this.buf[from]
      next[(k << 1) + 1] = this.buf[from + 1]
    }
    this.buf = next
    this.mask = (capacity << 1) - 1
  }
}

/** The formula forest flattened in post-order, each structurally distinct subformula once. */
interface Program {
  op: Uint8Array
  left: Int32Array
  right: Int32Array
  lower: Float64Array
  upper: Float64Array
  /** Index into `last` (for *_LAST) or `runs` (for *_RUNS); -1 otherwise. */
  slot: Int32Array
  roots: Int32Array
  lastCount: number
  runsCount: number
  atomCount: number
  timed: boolean
}

/**
 * Flattens formulas into a `Program`: one node per structurally distinct subformula (keyed on
 * opcode, operands and bound), memory slots numbered per temporal node as they are emitted.
 */
class ProgramBuilder {
  readonly op: number[] = []
  readonly left: number[] = []
  readonly right: number[] = []
  readonly lower: number[] = []
  readonly upper: number[] = []
  readonly slot: number[] = []
  private readonly shared = new Map<string, number>()
  lastCount = 0
  runsCount = 0
  atomCount = 0
  timed = false

  constructor(private readonly atomIndex: ReadonlyMap<string, number>) {}

  emit(code: number, l: number, r: number, lo = 0, hi = Infinity): number {
    const key = `${code},${l},${r},${lo},${hi}`
    const known = this.shared.get(key)
    if (known !== undefined) return known
    const id = this.op.length
    this.op.push(code)
    this.left.push(l)
    this.right.push(r)
    this.lower.push(lo)
    this.upper.push(hi)
    this.slot.push(code >= ONCE_RUNS ? this.runsCount++ : code >= ONCE_LAST ? this.lastCount++ : -1)
    this.shared.set(key, id)
    return id
  }

  /** The untimed, latest-witness or runs form of O/H/S (`base` is the untimed opcode). */
  bounded(base: number, f: { bound?: Interval }, l: number, r: number): number {
    if (f.bound === undefined) return this.emit(base, l, r)
    this.timed = true
    const { lower: lo, upper: hi } = checkBound('PastEvaluator', f.bound)
    if (lo === 0 && hi === Infinity) return this.emit(base, l, r)
    return this.emit(base + (lo === 0 ? ONCE_LAST - ONCE : ONCE_RUNS - ONCE), l, r, lo, hi)
  }

  atom(name: string): number {
    const k = this.atomIndex.get(name)
    if (k === undefined) throw new RangeError(`PastEvaluator: atom ${describeValue(name)} is not in the atom index`)
    if (!Number.isInteger(k) || k < 0)
      throw new RangeError(
        `PastEvaluator: atom ${describeValue(name)} has index ${describeValue(k)}, expected a non-negative integer`,
      )
    this.atomCount = Math.max(this.atomCount, k + 1)
    return this.emit(ATOM, k, -1)
  }

  /** The node for `f`, whose operands are already the nodes `kids`. */
  node(f: Formula, kids: readonly number[]): number {
    switch (f.kind) {
      case 'true':
        return this.emit(TRUE, -1, -1)
      case 'false':
        return this.emit(FALSE, -1, -1)
      case 'atom':
        return this.atom(f.name)
      case 'not':
        return this.emit(NOT, kids[0], -1)
      case 'previous':
        return this.emit(PREVIOUS, kids[0], -1)
      case 'once':
        return this.bounded(ONCE, f, kids[0], -1)
      case 'historically':
        return this.bounded(HISTORICALLY, f, kids[0], -1)
      case 'since':
        return this.bounded(SINCE, f, kids[0], kids[1])
      case 'and':
      case 'or':
      case 'implies':
      case 'iff':
        return this.emit(BINARY[f.kind], kids[0], kids[1])
      default:
        throw new TypeError(
          `PastEvaluator: expected a formula, got kind ${describeValue((f as { kind: unknown }).kind)}`,
        )
    }
  }
}

function refuseFuture(f: Formula): void {
  if (f.kind in FUTURE)
    throw new RangeError(
      `PastEvaluator: '${f.kind}' (${FUTURE[f.kind]}) is a future operator; a past formula may use only Y, O, H, S and boolean connectives`,
    )
}

function compile(roots: readonly Formula[], atomIndex: ReadonlyMap<string, number>): Program {
  const b = new ProgramBuilder(atomIndex)
  // one memo for every root, so that a subformula object shared between roots is compiled once
  const ids = new Map<Formula, number>()
  const node = (f: Formula, kids: readonly number[]): number => b.node(f, kids)
  const rootIds = Int32Array.from(roots, root => foldNodes('PastEvaluator', root, node, refuseFuture, ids))
  return {
    op: Uint8Array.from(b.op),
    left: Int32Array.from(b.left),
    right: Int32Array.from(b.right),
    lower: Float64Array.from(b.lower),
    upper: Float64Array.from(b.upper),
    slot: Int32Array.from(b.slot),
    roots: rootIds,
    lastCount: b.lastCount,
    runsCount: b.runsCount,
    atomCount: b.atomCount,
    timed: b.timed,
  }
}

type Kernel = (atoms: Uint8Array, time: number, out: Uint8Array) => void

/**
 * Nodes per generated function. V8 does not optimise a function with more than 60 KB of bytecode
 * (--max-optimized-bytecode-size) and a bounded S costs ~150 bytes, so one function for a large
 * formula would run unoptimised, 20x slower than the interpreter; 200 nodes keep any mix well under.
 */
const CHUNK_NODES = 200

/** `x` as a JavaScript literal. */
const literal = (x: number): string => (x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : String(x))

/**
 * One node's step as a JavaScript statement that declares the local `v${n}`: `ref(m)` is the
 * expression of node m's value at this event, `atom(k)` that of atom k (0 or 1). Temporal memory
 * lives in `S` (own previous value; for Y the operand's previous value), `L` (latest witness time)
 * and `R${slot}` (a `WitnessRuns`); the event's time is `time`.
 */
function nodeSource(p: Program, n: number, ref: (m: number) => string, atom: (k: number) => string): string {
  const a = ref(p.left[n])
  const b = ref(p.right[n])
  const k = p.slot[n]
  const lo = literal(p.lower[n])
  const hi = literal(p.upper[n])
  switch (p.op[n]) {
    case TRUE:
      return `const v${n} = 1`
    case FALSE:
      return `const v${n} = 0`
    case ATOM:
      return `const v${n} = ${atom(p.left[n])}`
    case NOT:
      return `const v${n} = ${a} ^ 1`
    case AND:
      return `const v${n} = ${a} & ${b}`
    case OR:
      return `const v${n} = ${a} | ${b}`
    case IMPLIES:
      return `const v${n} = (${a} ^ 1) | ${b}`
    case IFF:
      return `const v${n} = ${a} ^ ${b} ^ 1`
    case PREVIOUS:
      return `const v${n} = S[${n}]; S[${n}] = ${a}`
    case ONCE:
      return `const v${n} = ${a} | S[${n}]; S[${n}] = v${n}`
    case HISTORICALLY:
      return `const v${n} = ${a} & S[${n}]; S[${n}] = v${n}`
    case SINCE:
      return `const v${n} = ${b} | (${a} & S[${n}]); S[${n}] = v${n}`
    case ONCE_LAST:
      return `if (${a} !== 0) L[${k}] = time; const v${n} = time - L[${k}] <= ${hi} ? 1 : 0`
    case HISTORICALLY_LAST:
      return `if (${a} === 0) L[${k}] = time; const v${n} = time - L[${k}] <= ${hi} ? 0 : 1`
    case SINCE_LAST:
      return `if (${a} === 0) L[${k}] = -Infinity; if (${b} !== 0) L[${k}] = time; const v${n} = time - L[${k}] <= ${hi} ? 1 : 0`
    case ONCE_RUNS:
      return `const v${n} = R${k}.update(${a}, time, ${lo}, ${hi})`
    case HISTORICALLY_RUNS:
      return `const v${n} = R${k}.update(${a} ^ 1, time, ${lo}, ${hi}) ^ 1`
    default:
      return `if (${a} === 0) R${k}.clear(); const v${n} = R${k}.update(${b}, time, ${lo}, ${hi})`
  }
}

/** Declarations `const R${k} = R[k]` of the runs the nodes [from, to) use, so the step reads them from its closure. */
function runsBindings(p: Program, from: number, to: number): string {
  let bind = ''
  for (let n = from; n < to; n++) if (p.op[n] >= ONCE_RUNS) bind += `var R${p.slot[n]} = R[${p.slot[n]}]\n`
  return bind
}

/**
 * Writes the program as straight-line JavaScript: each node's value is a local, each temporal
 * node's memory a slot of `S`, `L` or a `WitnessRuns` (see `nodeSource`). V8 keeps the locals in
 * registers, which an interpreter over node arrays cannot. Large programs are cut into functions
 * of CHUNK_NODES nodes that pass the values a later chunk reads through `V`. Returns undefined
 * where `new Function` is forbidden (CSP).
 */
function generate(p: Program, S: Uint8Array, L: Float64Array, runs: readonly WitnessRuns[]): Kernel | undefined {
  const size = p.op.length
  const chunkOf = (n: number): number => Math.floor(n / CHUNK_NODES)
  const lastChunk = Math.max(0, chunkOf(size - 1))
  // nodes whose value a later chunk (or the roots, written by the last chunk) reads
  const exported = new Uint8Array(size)
  for (let n = 0; n < size; n++) {
    for (const m of [p.left[n], p.right[n]]) if (m >= 0 && p.op[n] !== ATOM && chunkOf(m) < chunkOf(n)) exported[m] = 1
  }
  for (const root of p.roots) if (chunkOf(root) < lastChunk) exported[root] = 1
  const atom = (k: number): string => `-atoms[${k}] >>> 31`

  const sources: string[] = []
  for (let c = 0; c <= lastChunk; c++) {
    const lines: string[] = []
    const ref = (m: number): string => (chunkOf(m) === c ? `v${m}` : `V[${m}]`)
    const to = Math.min(size, (c + 1) * CHUNK_NODES)
    for (let n = c * CHUNK_NODES; n < to; n++) {
      lines.push(`  ${nodeSource(p, n, ref, atom)}`)
      if (exported[n] !== 0) lines.push(`  V[${n}] = v${n}`)
    }
    if (c === lastChunk) p.roots.forEach((root, r) => lines.push(`  out[${r}] = ${ref(root)}`))
    const bind = runsBindings(p, c * CHUNK_NODES, to)
    sources.push(`'use strict'\n${bind}return function pastStep${c}(atoms, time, out) {\n${lines.join('\n')}\n}`)
  }
  try {
    const V = new Uint8Array(size)
    const chunks = sources.map(source => new Function('S', 'L', 'R', 'V', source)(S, L, runs, V) as Kernel)
    if (chunks.length === 1) return chunks[0]
    return (atoms, time, out) => {
      for (let c = 0; c < chunks.length; c++) chunks[c](atoms, time, out)
    }
  } catch {
    return undefined
  }
}

/**
 * A past program as code for a caller that writes its own step function (`createMonitor` does, to
 * call the atoms' predicates and run the past kernel in one function): `bind` declares the runs
 * from `R` (once per closure), `body` runs every node for the event at `time` with atom k's value
 * (0 or 1) in the local `a${k}`, and `roots[r]` is root r's value after it. The memory arrays are
 * named `S`, `L` and `R`: pass `PastEvaluator.memory()` for them.
 * @internal
 */
export interface PastSource {
  readonly bind: string
  readonly body: readonly string[]
  readonly roots: readonly string[]
}

/** The layout version of `PastEvaluatorSnapshot`. */
const PAST_SNAPSHOT_VERSION = 1

/** `PastEvaluator.snapshot()`: the memory of every past operator, bit for bit. */
export interface PastEvaluatorSnapshot extends SnapshotHeader {
  /** Always `'PastEvaluator'`. */
  readonly kind: 'PastEvaluator'
  /** The layout's version (1). */
  readonly version: number
  /** Compiled nodes, to refuse a snapshot of another formula. */
  readonly size: number
  /** Whether an event has been seen (Y is false at the first one). */
  readonly started: boolean
  /** Per node, '1' or '0': for Y the operand's value at the last event, for O/H/S their own value there. */
  readonly memory: string
  /** Latest witness time per [0, b] bounded node (base64 float64; -Infinity for none). */
  readonly last: string
  /** Number of witness runs per [a, b] bounded node. */
  readonly runs: readonly number[]
  /** The runs' [start, end] times, node after node (base64 float64). */
  readonly runTimes: string
}

/** Options for `PastEvaluator`. */
export interface PastEvaluatorOptions {
  /**
   * Generate a specialised step function with `new Function` (default true). Falls back to the
   * interpreter by itself where a Content Security Policy forbids it; false forces the interpreter.
   */
  readonly generate?: boolean
}

/**
 * Monitors pure past-time LTL formulas (Y, O, H, S with optional time bounds in ms, boolean
 * connectives, atoms) over a stream of events, one `step` per event, in O(formula size) time per
 * event and constant memory for unbounded operators. All roots share one compiled program, in
 * which structurally equal subformulas are evaluated once.
 *
 * Semantics over the events seen so far, at event i with times t_0 <= ... <= t_i: `Y f` is f at
 * i-1 (false at the first event); `O[a,b] f`: f at some j <= i with t_i - t_j in [a,b];
 * `H[a,b] f`: f at every such j (true if there is none); `f S[a,b] g`: g at some such j and f at
 * every k in (j, i]. Unbounded means [0, inf].
 *
 * Throws a RangeError naming the operator if a future operator (X, F, G, U, R, W) appears, and a
 * RangeError for an atom missing from `atomIndex`.
 *
 * `step` runs JavaScript generated for the formulas where `new Function` is allowed (several times
 * faster), else an interpreter over the compiled arrays; both give the same values.
 *
 * ```ts
 * const atoms = new Map([['req', 0], ['ack', 1]])
 * const monitor = new PastEvaluator([parseLtl('H (ack -> O[0,100ms] req)')], atoms)
 * const values = new Uint8Array(2), out = new Uint8Array(1)
 * values[0] = 1; monitor.step(values, 0, out)           // out[0] === 1
 * values[0] = 0; values[1] = 1; monitor.step(values, 50, out)  // out[0] === 1
 * monitor.step(values, 500, out)                        // out[0] === 0: the ack at 500 has no req since 400
 * ```
 *
 * References: Havelund & Rosu, "Synthesizing monitors for safety properties", TACAS 2002.
 * @see createMonitor
 * @see isPastFormula
 */
export class PastEvaluator {
  /** Number of distinct compiled subformula nodes. */
  readonly size: number
  /** True if any time bound appears on O, H or S. */
  readonly timed: boolean
  /** True if `step` runs a generated function, false if it runs the interpreter. */
  readonly generated: boolean

  private readonly program: Program
  // interpreter: values of every node at this event and at the previous one, swapped per event
  private now: Uint8Array
  private prev: Uint8Array
  // per-node memory of Y/O/H/S for the generated kernel, then (at index size) 1 once an event was seen, for both
  private readonly state: Uint8Array
  private readonly last: Float64Array
  private readonly runs: WitnessRuns[]
  private readonly kernel: Kernel | undefined

  constructor(roots: readonly Formula[], atomIndex: ReadonlyMap<string, number>, options?: PastEvaluatorOptions) {
    if (!Array.isArray(roots))
      throw new TypeError(`PastEvaluator: roots must be an array of formulas, got ${describeValue(roots)}`)
    if (atomIndex === null || typeof atomIndex !== 'object' || typeof atomIndex.get !== 'function')
      throw new TypeError(
        `PastEvaluator: atomIndex must be a Map from atom names to indices, got ${describeValue(atomIndex)}`,
      )
    const { generate: generateCode = true } = checkOptions('PastEvaluator', options, ['generate'])
    checkBoolean('PastEvaluator', 'generate', generateCode)
    this.program = compile(roots, atomIndex)
    this.size = this.program.op.length
    this.timed = this.program.timed
    this.now = new Uint8Array(this.size)
    this.prev = new Uint8Array(this.size)
    this.state = new Uint8Array(this.size + 1)
    this.last = new Float64Array(this.program.lastCount)
    this.runs = Array.from({ length: this.program.runsCount }, () => new WitnessRuns())
    this.reset()
    this.kernel = generateCode ? generate(this.program, this.state, this.last, this.runs) : undefined
    this.generated = this.kernel !== undefined
  }

  /**
   * Advances by one event. `atoms[k]` is atom k's value at this event (0 false, anything else
   * true), `time` its timestamp in ms, which must not decrease (not checked here). Writes
   * `out[r]` = value (0 or 1) of `roots[r]` at this event.
   */
  step(atoms: Uint8Array, time: number, out: Uint8Array): void {
    if (atoms.length < this.program.atomCount)
      throw new RangeError(
        `PastEvaluator.step: atoms has length ${atoms.length}, the formulas need ${this.program.atomCount}`,
      )
    if (out.length < this.program.roots.length)
      throw new RangeError(
        `PastEvaluator.step: out has length ${out.length}, there are ${this.program.roots.length} roots`,
      )
    if (this.kernel !== undefined) {
      this.kernel(atoms, time, out)
      this.state[this.size] = 1
    } else this.interpret(atoms, time, out)
  }

  /**
   * The kernel as code for a caller that generates its own step function (see `PastSource`), or
   * undefined when this evaluator interprets or its program is cut into chunks. An atom node is
   * the caller's local `a<k>` itself (no copy: the step's bytecode stays small enough for V8 to
   * inline it). The body does not mark the evaluator as started, as `step` does: the caller calls
   * `markStarted` before `snapshot()`.
   * @internal
   */
  source(): PastSource | undefined {
    const p = this.program
    const size = p.op.length
    if (this.kernel === undefined || size > CHUNK_NODES) return undefined
    const ref = (m: number): string => (p.op[m] === ATOM ? `a${p.left[m]}` : `v${m}`)
    const body: string[] = []
    for (let n = 0; n < size; n++) if (p.op[n] !== ATOM) body.push(nodeSource(p, n, ref, k => `a${k}`))
    return { bind: runsBindings(p, 0, size), body, roots: Array.from(p.roots, ref) }
  }

  /**
   * Records whether an event has been seen, for `snapshot()`, where a caller runs `source()`'s
   * code instead of `step`.
   * @internal
   */
  markStarted(started: boolean): void {
    this.state[this.size] = started ? 1 : 0
  }

  /**
   * The memory the code of `source()` runs on, under the names it uses.
   * @internal
   */
  memory(): {
    readonly S: Uint8Array
    readonly L: Float64Array
    readonly R: readonly WitnessRuns[]
  } {
    return { S: this.state, L: this.last, R: this.runs }
  }

  /** Forgets all events, as if freshly constructed. */
  reset(): void {
    const op = this.program.op
    this.now.fill(0)
    this.prev.fill(0)
    this.state.fill(0)
    // H's value before the first event is true (the empty conjunction); O's and S's are false.
    // step swaps the buffers first, so the first event reads this.now as prev
    for (let n = 0; n < op.length; n++) if (op[n] === HISTORICALLY) this.now[n] = this.state[n] = 1
    this.last.fill(-Infinity)
    for (const r of this.runs) r.clear()
  }

  /**
   * The evaluator's state as a JSON-safe object (the memory bit of every Y/O/H/S node, the latest
   * witness times, the witness runs, bit for bit); `restore` puts it back into an evaluator of the
   * same formulas. Generated and interpreted evaluators write and read the same snapshot.
   */
  snapshot(): PastEvaluatorSnapshot {
    const { op, left } = this.program
    let memory = ''
    for (let n = 0; n < this.size; n++) {
      // the generated kernel keeps it in `state`; the interpreter in `now`, the values of the last event
      let bit = 0
      if (this.kernel !== undefined) bit = op[n] >= PREVIOUS && op[n] <= SINCE ? this.state[n] : 0
      else if (op[n] === PREVIOUS) bit = this.state[this.size] & this.now[left[n]]
      else if (op[n] > PREVIOUS && op[n] <= SINCE) bit = this.now[n]
      memory += bit === 0 ? '0' : '1'
    }
    const times: number[] = []
    const runs = this.runs.map(r => r.save(times))
    return {
      kind: 'PastEvaluator',
      version: PAST_SNAPSHOT_VERSION,
      size: this.size,
      started: this.state[this.size] === 1,
      memory,
      last: encodeFloat64(this.last),
      runs,
      runTimes: encodeFloat64(times),
    }
  }

  /**
   * Puts back the state of `snapshot` (from `snapshot()` of an evaluator of the same formulas,
   * possibly through JSON). Another kind or version, or a snapshot whose layout does not fit this
   * program (another formula), is a `SnapshotError`; the evaluator is unchanged then.
   */
  restore(snapshot: PastEvaluatorSnapshot): void {
    const fn = 'PastEvaluator.restore'
    const s = checkSnapshot<PastEvaluatorSnapshot>(fn, snapshot, 'PastEvaluator', PAST_SNAPSHOT_VERSION)
    const { op, left, lastCount, runsCount } = this.program
    if (s.size !== this.size)
      throw new SnapshotError(
        `${fn}: the snapshot has ${describeValue(s.size)} nodes, this evaluator ${this.size}: another formula`,
      )
    if (typeof s.started !== 'boolean')
      throw new SnapshotError(`${fn}: started must be a boolean, got ${describeValue(s.started)}`)
    if (typeof s.memory !== 'string' || s.memory.length !== this.size || !/^[01]*$/.test(s.memory))
      throw new SnapshotError(`${fn}: memory must be ${this.size} characters 0 or 1, got ${describeValue(s.memory)}`)
    const last = decodeFloat64(fn, 'last', s.last)
    if (last.length !== lastCount)
      throw new SnapshotError(`${fn}: last holds ${last.length} times, this evaluator needs ${lastCount}`)
    const times = decodeFloat64(fn, 'runTimes', s.runTimes)
    if (!Array.isArray(s.runs) || s.runs.length !== runsCount)
      throw new SnapshotError(`${fn}: runs must list ${runsCount} counts, got ${describeValue(s.runs)}`)
    let pairs = 0
    for (const count of s.runs) {
      if (!Number.isInteger(count) || count < 0)
        throw new SnapshotError(`${fn}: a run count must be an integer >= 0, got ${describeValue(count)}`)
      pairs += count
    }
    if (pairs * 2 !== times.length)
      throw new SnapshotError(`${fn}: runTimes holds ${times.length} times, the counts need ${pairs * 2}`)
    this.reset()
    this.last.set(last)
    let from = 0
    s.runs.forEach((count, k) => {
      this.runs[k].load(times, from, count)
      from += count
    })
    if (!s.started) return
    // both representations, so the snapshot reads the same whichever runs
    this.state[this.size] = 1
    this.now.fill(0)
    for (let n = 0; n < this.size; n++) {
      const bit = s.memory.charCodeAt(n) - 48
      if (op[n] < PREVIOUS || op[n] > SINCE) continue
      this.state[n] = bit
      if (op[n] === PREVIOUS) this.now[left[n]] = bit
      else this.now[n] = bit
    }
  }

  private interpret(atoms: Uint8Array, time: number, out: Uint8Array): void {
    const now = this.prev
    const prev = this.now
    this.now = now
    this.prev = prev
    const { op, left, right, lower, upper, slot, roots } = this.program
    const last = this.last
    const runs = this.runs
    const started = this.state[this.size]
    const size = op.length
    for (let n = 0; n < size; n++) {
      // literal case labels: V8 compiles a switch over small integer literals to a jump table, over
      // named constants to a chain of comparisons (2x slower here, as bundlers keep the names)
      switch (op[n]) {
        case 0:
          now[n] = 1
          break // TRUE
        case 1:
          now[n] = 0
          break // FALSE
        case 2:
          now[n] = -atoms[left[n]] >>> 31
          break // ATOM
        case 3:
          now[n] = now[left[n]] ^ 1
          break // NOT
        case 4:
          now[n] = now[left[n]] & now[right[n]]
          break // AND
        case 5:
          now[n] = now[left[n]] | now[right[n]]
          break // OR
        case 6:
          now[n] = (now[left[n]] ^ 1) | now[right[n]]
          break // IMPLIES
        case 7:
          now[n] = now[left[n]] ^ now[right[n]] ^ 1
          break // IFF
        // before the first event prev holds initial states (1 for H), not values: Y must read false there
        case 8:
          now[n] = prev[left[n]] & started
          break // PREVIOUS
        case 9:
          now[n] = now[left[n]] | prev[n]
          break // ONCE
        case 10:
          now[n] = now[left[n]] & prev[n]
          break // HISTORICALLY
        case 11:
          now[n] = now[right[n]] | (now[left[n]] & prev[n])
          break // SINCE
        case 12: {
          // ONCE_LAST
          const k = slot[n]
          if (now[left[n]] !== 0) last[k] = time
          now[n] = time - last[k] <= upper[n] ? 1 : 0
          break
        }
        case 13: {
          // HISTORICALLY_LAST
          const k = slot[n]
          if (now[left[n]] === 0) last[k] = time
          now[n] = time - last[k] <= upper[n] ? 0 : 1
          break
        }
        case 14: {
          // SINCE_LAST
          const k = slot[n]
          if (now[left[n]] === 0) last[k] = -Infinity
          if (now[right[n]] !== 0) last[k] = time
          now[n] = time - last[k] <= upper[n] ? 1 : 0
          break
        }
        case 15:
          now[n] = runs[slot[n]].update(now[left[n]], time, lower[n], upper[n])
          break // ONCE_RUNS
        case 16:
          now[n] = runs[slot[n]].update(now[left[n]] ^ 1, time, lower[n], upper[n]) ^ 1
          break // HISTORICALLY_RUNS
        case 17: {
          // SINCE_RUNS
          const r = runs[slot[n]]
          if (now[left[n]] === 0) r.clear()
          now[n] = r.update(now[right[n]], time, lower[n], upper[n])
          break
        }
      }
    }
    this.state[this.size] = 1
    for (let r = 0; r < roots.length; r++) out[r] = now[roots[r]]
  }
}
