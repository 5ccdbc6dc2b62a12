import { describeValue } from '../errors'
import { decodeFloat64, encodeFloat64, SnapshotError } from '../snapshot'
import { Kind, type Term, type TermTable } from './terms'

/*
 * The monitor's future residual as JSON, for snapshots. Interned (untimed) terms are written by
 * structure and rebuilt through the table's interning, so the rebuilt ones are the table's own
 * objects and their memos (the lazily built automaton) serve the restored monitor as before.
 * Timed terms of the translated formula ("origin" terms: `F[0,5] q` as written, shared between
 * residuals by identity, which window merging keys on) are written as their position in the
 * formula's term graph and rebuilt as the restoring monitor's own objects. Timed terms made by
 * progression (pending deadlines, junctions around them) are written by structure.
 *
 * The encoding is canonical: junction operands are flattened, deduplicated and sorted by their
 * structure (not by the table's ids, which depend on the order terms were first met), so two
 * monitors in the same state write the same snapshot whatever their history.
 */

/** `MonitorSnapshot.residual`: the future obligation as a list of nodes, children before parents. */
export interface ResidualSnapshot {
  /**
   * One node per distinct subterm: `['o', k]` the formula's k-th timed term; `['t']`, `['f']`,
   * `['end']`, `['!end']`; `['p', k]` / `['!p', k]` proposition k; `['&', ...]` / `['|', ...]` a
   * junction of earlier nodes; `['X', a]`, `['N', a]`, `['U', a, b]`, `['R', a, b]`; and the
   * bounded forms `['U~', a, b, t]`, `['R~', a, b, t]` (relative to the event), `['U@', a, b, t]`,
   * `['R@', a, b, t]` (absolute times), whose bounds are `times[t]` and `times[t + 1]`.
   */
  readonly nodes: ReadonlyArray<ReadonlyArray<string | number>>
  /** The node of the residual itself. */
  readonly root: number
  /** The bounds of the bounded nodes (base64 float64, exact; -Infinity for an open window). */
  readonly times: string
}

const SIMPLE: Partial<Record<Kind, string>> = {
  [Kind.True]: 't',
  [Kind.False]: 'f',
  [Kind.End]: 'end',
  [Kind.NotEnd]: '!end',
}
const TAG: Record<Kind, string> = {
  [Kind.True]: 't',
  [Kind.False]: 'f',
  [Kind.Lit]: 'p',
  [Kind.NotLit]: '!p',
  [Kind.End]: 'end',
  [Kind.NotEnd]: '!end',
  [Kind.And]: '&',
  [Kind.Or]: '|',
  [Kind.Next]: 'X',
  [Kind.WeakNext]: 'N',
  [Kind.Until]: 'U',
  [Kind.Release]: 'R',
  [Kind.UntilRel]: 'U~',
  [Kind.ReleaseRel]: 'R~',
  [Kind.UntilAbs]: 'U@',
  [Kind.ReleaseAbs]: 'R@',
}

/**
 * A term in canonical form, hash-consed by structure while one residual is written: `id` is unique
 * per structure within that writing (not canonical itself: it follows the order terms are met).
 */
interface Canon {
  readonly id: number
  readonly tag: string
  readonly kids: readonly Canon[]
  /** Proposition, or origin index for 'o'. */
  readonly index: number
  readonly lo: number
  readonly hi: number
  /** Longest path to a leaf. */
  readonly height: number
}

/** The timed terms of `initial`'s graph, numbered in a depth-first walk by identity (same formula, same numbers). */
export function originTerms(initial: Term): Term[] {
  const seen = new Set<Term>()
  const out: Term[] = []
  const visit = (t: Term): void => {
    if (!t.timed || seen.has(t)) return
    seen.add(t)
    out.push(t)
    if (t.a !== null) visit(t.a)
    if (t.b !== null) visit(t.b)
    for (const u of t.args) visit(u)
  }
  visit(initial)
  return out
}

const num = (x: number): string => (Object.is(x, -0) ? '-0' : String(x))

/**
 * Writes `root` (a residual of the formula whose timed terms are `origin`) as a `ResidualSnapshot`.
 * Node numbers are canonical: nodes are ranked height by height, each by its tag, bounds and its
 * children's ranks, so the written form depends on the structure only, and its size on the number of
 * distinct subterms (never on the size of the unfolded tree, which sharing can make exponential).
 */
export function encodeResidual(root: Term, origin: readonly Term[]): ResidualSnapshot {
  const originIndex = new Map<Term, number>()
  origin.forEach((t, k) => originIndex.set(t, k))
  const byTerm = new Map<Term, Canon>()
  const byKey = new Map<string, Canon>()
  const all: Canon[] = []
  const make = (tag: string, kids: readonly Canon[], index: number, lo: number, hi: number): Canon => {
    const key = `${tag}|${index}|${num(lo)}|${num(hi)}|${kids.map(c => c.id).join(',')}`
    let c = byKey.get(key)
    if (c === undefined) {
      const height = kids.reduce((h, k) => Math.max(h, k.height + 1), 0)
      c = { id: all.length, tag, kids, index, lo, hi, height }
      all.push(c)
      byKey.set(key, c)
    }
    return c
  }
  const canon = (t: Term): Canon => {
    let c = byTerm.get(t)
    if (c !== undefined) return c
    const k = originIndex.get(t)
    const tag = TAG[t.kind]
    if (k !== undefined) c = make('o', [], k, 0, 0)
    else if (t.kind === Kind.And || t.kind === Kind.Or) c = junction(tag, t.args.map(canon), make)
    else if (t.kind === Kind.Lit || t.kind === Kind.NotLit) c = make(tag, [], t.prop, 0, 0)
    else {
      const kids = [t.a, t.b].filter((u): u is Term => u !== null).map(canon)
      c = t.kind >= Kind.UntilRel ? make(tag, kids, -1, t.lo, t.hi) : make(tag, kids, -1, 0, 0)
    }
    byTerm.set(t, c)
    return c
  }
  const top = canon(root)
  // only what the root reaches (a junction's collapse can leave nodes behind), ranked height by height
  const reached = new Set<Canon>()
  const reach = (c: Canon): void => {
    if (reached.has(c)) return
    reached.add(c)
    for (const k of c.kids) reach(k)
  }
  reach(top)
  const rank = new Map<Canon, number>()
  const byHeight: Canon[][] = []
  for (const c of reached) (byHeight[c.height] ??= []).push(c)
  const nodes: Array<Array<string | number>> = []
  const times: number[] = []
  for (const level of byHeight) {
    if (level === undefined) continue
    const keyed = level.map(c => {
      const kids = c.kids.map(k => rank.get(k) as number)
      if (c.tag === '&' || c.tag === '|') kids.sort((x, y) => x - y)
      return { c, kids, key: `${c.tag}|${c.index}|${num(c.lo)}|${num(c.hi)}|${kids.join(',')}` }
    })
    keyed.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
    for (const { c, kids } of keyed) {
      rank.set(c, nodes.length)
      if (c.tag === 'o' || c.tag === 'p' || c.tag === '!p') nodes.push([c.tag, c.index])
      else if (c.tag === 'U~' || c.tag === 'R~' || c.tag === 'U@' || c.tag === 'R@') {
        nodes.push([c.tag, kids[0], kids[1], times.length])
        times.push(c.lo, c.hi)
      } else nodes.push([c.tag, ...kids])
    }
  }
  return { nodes, root: rank.get(top) as number, times: encodeFloat64(times) }
}

/** A junction's canonical form: operands flattened and deduplicated (as a set); one operand stands for itself. */
function junction(
  tag: string,
  parts: readonly Canon[],
  make: (tag: string, kids: readonly Canon[], index: number, lo: number, hi: number) => Canon,
): Canon {
  const flat: Canon[] = []
  for (const p of parts) {
    if (p.tag === tag) flat.push(...p.kids)
    else flat.push(p)
  }
  flat.sort((x, y) => x.id - y.id)
  const kids = flat.filter((c, i) => i === 0 || c !== flat[i - 1])
  return kids.length === 1 ? kids[0] : make(tag, kids, -1, 0, 0)
}

/**
 * Rebuilds a residual written by `encodeResidual` in `table`, whose formula's timed terms are
 * `origin`. A node that is not one `encodeResidual` writes is a `SnapshotError` naming `fn`.
 */
export function decodeResidual(fn: string, table: TermTable, origin: readonly Term[], s: ResidualSnapshot): Term {
  if (s === null || typeof s !== 'object' || !Array.isArray(s.nodes))
    throw new SnapshotError(`${fn}: residual must be { nodes, root, times }, got ${describeValue(s)}`)
  const times = decodeFloat64(fn, 'residual.times', s.times)
  const built: Term[] = []
  const bad = (i: number, why: string): SnapshotError =>
    new SnapshotError(`${fn}: residual node #${i} ${why}: ${JSON.stringify(s.nodes[i]) ?? describeValue(s.nodes[i])}`)
  s.nodes.forEach((node, i) => {
    if (!Array.isArray(node) || typeof node[0] !== 'string') throw bad(i, 'is not [tag, ...operands]')
    const tag = node[0]
    const ints = node.slice(1)
    if (!ints.every(x => Number.isInteger(x) && (x as number) >= 0)) throw bad(i, 'has an operand that is not an index')
    const ref = (k: number): Term => {
      const x = ints[k] as number | undefined
      if (x === undefined || x >= i) throw bad(i, 'refers to a node not before it')
      return built[x]
    }
    const arity = (n: number): void => {
      if (ints.length !== n) throw bad(i, `needs ${n} operands`)
    }
    const bounds = (): [number, number] => {
      const t = ints[2] as number
      if (t + 1 >= times.length) throw bad(i, 'has bounds outside residual.times')
      return [times[t], times[t + 1]]
    }
    let t: Term
    switch (tag) {
      case 'o':
        arity(1)
        if ((ints[0] as number) >= origin.length) throw bad(i, `refers to timed term ${ints[0]} of ${origin.length}`)
        t = origin[ints[0] as number]
        break
      case 'p':
      case '!p':
        arity(1)
        if ((ints[0] as number) >= table.propositions) throw bad(i, `names a proposition beyond ${table.propositions}`)
        t = table.literal(ints[0] as number, tag === 'p')
        break
      case '&':
      case '|': {
        if (ints.length < 2) throw bad(i, 'needs at least 2 operands')
        const parts = ints.map((_, k) => ref(k))
        t = tag === '&' ? table.and(parts) : table.or(parts)
        break
      }
      case 'X':
      case 'N':
        arity(1)
        t = tag === 'X' ? table.next(ref(0)) : table.weakNext(ref(0))
        break
      case 'U':
      case 'R':
        arity(2)
        t = tag === 'U' ? table.until(ref(0), ref(1)) : table.release(ref(0), ref(1))
        break
      case 'U~':
      case 'R~':
      case 'U@':
      case 'R@': {
        arity(3)
        const [lo, hi] = bounds()
        const make =
          tag === 'U~'
            ? table.untilRel
            : tag === 'R~'
              ? table.releaseRel
              : tag === 'U@'
                ? table.untilAbs
                : table.releaseAbs
        t = make.call(table, ref(0), ref(1), lo, hi)
        break
      }
      default: {
        arity(0)
        const constant = Object.entries(SIMPLE).find(([, name]) => name === tag)
        if (constant === undefined) throw bad(i, 'has an unknown tag')
        const kind = Number(constant[0]) as Kind
        t =
          kind === Kind.True
            ? table.true
            : kind === Kind.False
              ? table.false
              : kind === Kind.End
                ? table.end
                : table.notEnd
      }
    }
    built.push(t)
  })
  if (!Number.isInteger(s.root) || s.root < 0 || s.root >= built.length)
    throw new SnapshotError(
      `${fn}: residual.root must index one of ${built.length} nodes, got ${describeValue(s.root)}`,
    )
  return built[s.root]
}
