import {
  SAT_NO as IMPORTED_NO,
  SAT_NOT_COMPUTED as IMPORTED_NOT_COMPUTED,
  SAT_YES as IMPORTED_YES,
  Kind,
  type Term,
  type TermTable,
} from './terms'

// module-local copies: an imported binding is read through a getter under a per-file CommonJS
// transform (tsx, vitest), which doubled the time per step where the monitor read its verdict codes
const SAT_NOT_COMPUTED = IMPORTED_NOT_COMPUTED
const SAT_YES = IMPORTED_YES
const SAT_NO = IMPORTED_NO

/**
 * Whether some infinite word satisfies the untimed term `t`, propositions being free (any
 * valuation may occur at any position). Exact: the tableau of Gerth, Peled, Vardi & Wolper,
 * "Simple on-the-fly automatic verification of linear temporal logic" (1995), builds the
 * generalised Büchi automaton of `t` on the fly (one acceptance set per until), and a depth-first
 * search finds a reachable cycle that meets every acceptance set, stopping at the first one.
 *
 * Three liberties, none of which changes an answer: nodes are merged when they agree on Next and
 * on acceptance (GPVW merges on Old and Next, a finer split that emptiness cannot observe); the
 * strongly connected components are Tarjan's in Couvreur's on-the-fly form, which reports an
 * accepting component as soon as its cycle closes; and the conjunction of each node's Next set is
 * a term of `table` whose `sat` memo is read (a known answer prunes the node or ends the search)
 * and written (every node is unsatisfiable when the root is; every node on the search path is
 * satisfiable when the root is). Progression residuals are mostly such conjunctions, so one search
 * usually answers for many of the residuals a monitor asks about next.
 *
 * Only True, False, literals, And, Or, X, U and R are accepted; anything else (END, the weak
 * next N, the metric operators) throws a `RangeError`, since it has no meaning here on its own:
 * callers map it away first, as `abstractUntimed` does.
 *
 * Cost: exponential in the number n of distinct subterms (up to 2^O(n) nodes, each found by an
 * expansion that may branch 2^O(n) ways), fine for the residuals of formulas of a few dozen
 * operators: G (p_i -> F p_i+1) for i < 6 and its residuals take about a millisecond each, an
 * unsatisfiable variant tens of milliseconds the first time. The answer is stored in `t.sat`, so
 * each distinct residual pays once however often a monitor asks.
 *
 * ```ts
 * const table = new TermTable(1)
 * const p = table.literal(0, true)
 * satisfiable(table, table.and([table.release(table.false, p), table.until(table.true, table.literal(0, false))])) // G p && F !p: false
 * ```
 *
 * References: Gerth, Peled, Vardi & Wolper, "Simple on-the-fly automatic verification of linear
 * temporal logic", PSTV 1995; Couvreur, "On-the-fly verification of linear temporal logic", FM 1999.
 */
export function satisfiable(table: TermTable, t: Term): boolean {
  if (t.sat !== SAT_NOT_COMPUTED) return t.sat === SAT_YES
  checkUntimed(t, new Set())
  return decide(table, t)
}

const KIND_NAMES = [
  'True',
  'False',
  'Lit',
  'NotLit',
  'End',
  'NotEnd',
  'And',
  'Or',
  'Next',
  'WeakNext',
  'Until',
  'Release',
  'UntilRel',
  'ReleaseRel',
  'UntilAbs',
  'ReleaseAbs',
]

// Checked up front, so that an Or or an until decided by one operand still rejects the rest.
function checkUntimed(t: Term, seen: Set<number>): void {
  if (t.sat !== SAT_NOT_COMPUTED || seen.has(t.id)) return
  seen.add(t.id)
  switch (t.kind) {
    case Kind.True:
    case Kind.False:
    case Kind.Lit:
    case Kind.NotLit:
      return
    case Kind.And:
    case Kind.Or:
      for (const u of t.args) checkUntimed(u, seen)
      return
    case Kind.Next:
      return checkUntimed(t.a!, seen)
    case Kind.Until:
    case Kind.Release:
      checkUntimed(t.a!, seen)
      return checkUntimed(t.b!, seen)
    default:
      throw new RangeError(
        `satisfiable: term #${t.id} is of kind ${KIND_NAMES[t.kind]}; only untimed LTL (true, false, literals, and, or, X, U, R) is accepted — map END, N and metric operators away first (abstractUntimed)`,
      )
  }
}

/**
 * Or is satisfiable when one operand is, X f when f is, and a U b when b is (a model of b
 * satisfies a U b at its first position), so those reduce to smaller terms whose answers other
 * residuals can share; And and R need the tableau.
 */
function decide(table: TermTable, t: Term): boolean {
  if (t.sat !== SAT_NOT_COMPUTED) return t.sat === SAT_YES
  let yes: boolean
  switch (t.kind) {
    case Kind.True:
    case Kind.Lit:
    case Kind.NotLit:
      yes = true
      break
    case Kind.False:
      yes = false
      break
    case Kind.Or:
      yes = t.args.some(u => decide(table, u))
      break
    case Kind.Next:
      yes = decide(table, t.a!)
      break
    case Kind.Until:
      yes = decide(table, t.b!)
      break
    default:
      yes = tableau(table, t)
  }
  t.sat = yes ? SAT_YES : SAT_NO
  return yes
}

/**
 * A node of the automaton, as far as emptiness can tell it apart: its Next set (what its successors
 * must satisfy) and which acceptance sets it belongs to. GPVW keys nodes on Old and Next; with free
 * propositions the literals of Old never block a word (a node with a contradiction is already
 * gone), so Old matters only through acceptance, and nodes that agree on Next and acceptance have
 * the same successors and the same accepting runs: merging them gives the same answer on a smaller
 * graph.
 */
interface Node {
  readonly next: Uint32Array
  /** Bit j: the node is in the acceptance set of the j-th until. */
  readonly accepts: Uint32Array
  /** The conjunction of Next, whose `sat` memo this search reads and fills in. */
  readonly rest: Term
  /** Pending untils in Next, then the size of Next: the search tries successors that promise less first. */
  readonly burden: number
  succ: number[] | null
  /** The last expansion that produced this node, to list it once. */
  stamp: number
  /** Order of discovery, -1 before. */
  index: number
  /** In a component the search has not closed yet. */
  live: boolean
}

/** A node still being expanded: subterms left to process (GPVW's New), and Old and Next so far. */
interface Pending {
  readonly unexpanded: number[]
  readonly old: Uint32Array
  readonly next: Uint32Array
}

const has = (set: Uint32Array, i: number): boolean => ((set[i >>> 5] >>> (i & 31)) & 1) === 1
const add = (set: Uint32Array, i: number): void => {
  set[i >>> 5] |= 1 << (i & 31)
}

function keyOf(set: Uint32Array, more: Uint32Array | null): string {
  let key = ''
  for (let i = 0; i < set.length; i++) key += set[i].toString(36) + ','
  if (more !== null) for (let i = 0; i < more.length; i++) key += ';' + more[i].toString(36)
  return key
}

function tableau(table: TermTable, t: Term): boolean {
  return new Tableau(table, t).search()
}

/**
 * GPVW's graph of one term, built on the fly as the emptiness search asks for successors. Split
 * into the closure (constructor), the expansion of a node (`expand`) and the search (`search`),
 * which share the closure's arrays through fields.
 */
class Tableau {
  // the closure: every term a node can hold is a subterm of t, numbered locally so sets are bitsets
  private readonly terms: Term[] = []
  private readonly local = new Map<number, number>()
  private readonly root: number
  private readonly n: number
  private readonly words: number
  private readonly kind: Int32Array
  private readonly left: Int32Array
  private readonly right: Int32Array
  private readonly operands: number[][] = []
  private readonly complement: Int32Array
  /** One acceptance set per a U b: the nodes that do not promise it, or fulfil it with b now. */
  private readonly untils: number[] = []
  private readonly nodes: Node[] = []
  private readonly nodeByKey = new Map<string, number>()
  /** Successors depend only on the Next set, which many nodes share. */
  private readonly expansionByNext = new Map<string, number[]>()
  private expansions = 0
  /** Set when a node's future is known to be satisfiable: the reachable prefix completes to a model. */
  private witness = false

  constructor(
    private readonly table: TermTable,
    t: Term,
  ) {
    this.root = this.number(t)
    const n = (this.n = this.terms.length)
    this.words = (n + 31) >>> 5
    this.kind = new Int32Array(n)
    this.left = new Int32Array(n).fill(-1)
    this.right = new Int32Array(n).fill(-1)
    this.complement = new Int32Array(n).fill(-1)
    const literalAt = new Map<number, number>() // prop * 2 + (positive ? 1 : 0) -> local index
    for (let i = 0; i < n; i++) {
      const u = this.terms[i]
      this.kind[i] = u.kind
      if (u.a !== null) this.left[i] = this.local.get(u.a.id)!
      if (u.b !== null) this.right[i] = this.local.get(u.b.id)!
      this.operands.push(u.args.map(v => this.local.get(v.id)!))
      if (u.kind === Kind.Lit || u.kind === Kind.NotLit) literalAt.set(u.prop * 2 + (u.kind === Kind.Lit ? 1 : 0), i)
      if (u.kind === Kind.Until) this.untils.push(i)
    }
    for (let i = 0; i < n; i++) {
      const u = this.terms[i]
      if (u.kind === Kind.Lit || u.kind === Kind.NotLit)
        this.complement[i] = literalAt.get(u.prop * 2 + (u.kind === Kind.Lit ? 0 : 1)) ?? -1
    }
  }

  /** Numbers `u` and its subterms, depth first. */
  private number(u: Term): number {
    let i = this.local.get(u.id)
    if (i !== undefined) return i
    i = this.terms.length
    this.local.set(u.id, i)
    this.terms.push(u)
    if (u.a !== null) this.number(u.a)
    if (u.b !== null) this.number(u.b)
    for (const v of u.args) this.number(v)
    return i
  }

  /** GPVW's expansion of a node whose New is `start`: the completed, consistent nodes it splits into. */
  private expand(start: number[]): number[] {
    const stamp = ++this.expansions
    const found: number[] = []
    const stack: Pending[] = [
      { unexpanded: start, old: new Uint32Array(this.words), next: new Uint32Array(this.words) },
    ]
    while (stack.length > 0) {
      const p = stack.pop()!
      if (!this.complete(p, stack)) continue
      const id = this.nodeOf(p)
      const rest = this.nodes[id].rest
      // a node whose future is known to be impossible carries no run; one whose future is known to
      // be possible completes the reachable prefix to a model
      if (rest.sat === SAT_NO) continue
      if (rest.sat === SAT_YES) this.witness = true
      if (this.nodes[id].stamp !== stamp) {
        this.nodes[id].stamp = stamp
        found.push(id)
      }
    }
    // Only the order of the search changes: successors left with fewer eventualities to fulfil close
    // an accepting cycle sooner when there is one (on residuals of G (p_i -> F p_i+1), i < 6, one
    // expansion instead of thirty).
    return found.sort((x, y) => this.nodes[x].burden - this.nodes[y].burden)
  }

  /**
   * Processes `p`'s New until it is empty, pushing the other branch of each split onto `stack`;
   * false when the branch meets a contradiction.
   */
  private complete(p: Pending, stack: Pending[]): boolean {
    const { kind, left, right } = this
    while (p.unexpanded.length > 0) {
      const f = p.unexpanded.pop()!
      // a subterm already processed on this branch has made its choice; doing it again adds nothing
      if (has(p.old, f)) continue
      add(p.old, f)
      switch (kind[f]) {
        case Kind.False:
          return false
        case Kind.Lit:
        case Kind.NotLit:
          if (this.complement[f] >= 0 && has(p.old, this.complement[f])) return false
          break
        case Kind.And:
          for (const g of this.operands[f]) p.unexpanded.push(g)
          break
        case Kind.Or: {
          const gs = this.operands[f]
          for (let k = 1; k < gs.length; k++)
            stack.push({ unexpanded: [...p.unexpanded, gs[k]], old: p.old.slice(), next: p.next.slice() })
          p.unexpanded.push(gs[0])
          break
        }
        case Kind.Next:
          add(p.next, left[f])
          break
        case Kind.Until: {
          // b now, or a now and a U b again next; fulfilling first tends to reach an accepting cycle sooner
          const next = p.next.slice()
          add(next, f)
          stack.push({ unexpanded: [...p.unexpanded, left[f]], old: p.old.slice(), next })
          p.unexpanded.push(right[f])
          break
        }
        case Kind.Release: {
          // a and b now, or b now and a R b again next
          const next = p.next.slice()
          add(next, f)
          stack.push({ unexpanded: [...p.unexpanded, right[f]], old: p.old.slice(), next })
          p.unexpanded.push(left[f], right[f])
          break
        }
      }
    }
    return true
  }

  /** The node a completed branch stands for, made on first sight. */
  private nodeOf(p: Pending): number {
    const { untils, right } = this
    const accepts = new Uint32Array((untils.length + 31) >>> 5)
    for (let j = 0; j < untils.length; j++) if (!has(p.old, untils[j]) || has(p.old, right[untils[j]])) add(accepts, j)
    const key = keyOf(p.next, accepts)
    let id = this.nodeByKey.get(key)
    if (id !== undefined) return id
    let pending = 0
    const parts: Term[] = []
    for (let i = 0; i < this.n; i++)
      if (has(p.next, i)) parts.push(this.terms[i]), this.kind[i] === Kind.Until && pending++
    id = this.nodes.length
    this.nodes.push({
      next: p.next,
      accepts,
      rest: this.table.and(parts),
      burden: pending * (this.n + 1) + parts.length,
      succ: null,
      stamp: 0,
      index: -1,
      live: false,
    })
    this.nodeByKey.set(key, id)
    return id
  }

  private successors(v: number): number[] {
    const node = this.nodes[v]
    if (node.succ !== null) return node.succ
    const key = keyOf(node.next, null)
    let succ = this.expansionByNext.get(key)
    if (succ === undefined) {
      const start: number[] = []
      for (let i = 0; i < this.n; i++) if (has(node.next, i)) start.push(i)
      succ = this.expand(start)
      this.expansionByNext.set(key, succ)
    }
    node.succ = succ
    return succ
  }

  /**
   * Couvreur's on-the-fly form of Tarjan's algorithm: the live strongly connected components
   * (visited, not yet closed) sit on a stack of roots, each with the union of its nodes' acceptance
   * sets. An edge back into a live component closes a cycle through every component above it, which
   * merge into it; the answer is yes as soon as a merged component meets every acceptance set,
   * without waiting for the component to close as plain Tarjan would.
   */
  search(): boolean {
    const nodes = this.nodes
    const full = new Uint32Array((this.untils.length + 31) >>> 5)
    for (let j = 0; j < this.untils.length; j++) add(full, j)
    const scc = new Components(nodes, full)
    const starts = this.expand([this.root])
    const path: number[] = []
    const found = (): boolean => {
      // every node on the search path reaches the accepting cycle (or the known model)
      for (const v of path) nodes[v].rest.sat = SAT_YES
      return true
    }
    if (this.witness) return true
    for (const start of starts) {
      if (nodes[start].index >= 0) continue
      path.push(start)
      const cursor: number[] = [0]
      scc.enter(start)
      while (path.length > 0) {
        const v = path[path.length - 1]
        const succ = this.successors(v)
        if (this.witness) return found()
        const i = cursor[cursor.length - 1]
        if (i < succ.length) {
          cursor[cursor.length - 1] = i + 1
          const w = nodes[succ[i]]
          if (w.index < 0) {
            scc.enter(succ[i])
            path.push(succ[i])
            cursor.push(0)
          } else if (w.live && scc.closeCycle(w.index)) return found()
          continue
        }
        path.pop()
        cursor.pop()
        scc.leave(v)
      }
    }
    // every node is reachable from the root, so none has a model left
    for (const node of nodes) node.rest.sat = SAT_NO
    return false
  }
}

/** The stacks of Couvreur's algorithm: live components by root, with their acceptance sets. */
class Components {
  private counter = 0
  /** DFS index of each live component's root. */
  private readonly roots: number[] = []
  private readonly rootAccepts: Uint32Array[] = []
  private readonly live: number[] = []

  constructor(
    private readonly nodes: Node[],
    private readonly full: Uint32Array,
  ) {}

  enter(v: number): void {
    const node = this.nodes[v]
    node.index = this.counter++
    node.live = true
    this.live.push(v)
    this.roots.push(node.index)
    this.rootAccepts.push(node.accepts.slice())
  }

  /**
   * An edge back to the live node with DFS index `index` (a self-loop included): merges every live
   * component above its component into it; true when the merged component meets every acceptance set.
   */
  closeCycle(index: number): boolean {
    const { roots, rootAccepts } = this
    while (roots[roots.length - 1] > index) {
      const above = rootAccepts.pop()!
      roots.pop()
      const below = rootAccepts[rootAccepts.length - 1]
      for (let k = 0; k < below.length; k++) below[k] |= above[k]
    }
    const acc = rootAccepts[rootAccepts.length - 1]
    for (let i = 0; i < acc.length; i++) if (acc[i] !== this.full[i]) return false
    return true
  }

  /** The search backs out of `v`: if v roots its component, the component closes without an accepting cycle. */
  leave(v: number): void {
    if (this.roots[this.roots.length - 1] !== this.nodes[v].index) return
    this.roots.pop()
    this.rootAccepts.pop()
    let w: number
    do {
      w = this.live.pop()!
      this.nodes[w].live = false
    } while (w !== v)
  }
}
