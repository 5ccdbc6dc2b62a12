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

/** A term in canonical form: its key (the structure as text) and what to write. */
interface Canon {
  readonly key: string
  readonly tag: string
  readonly kids: readonly Canon[]
  /** Proposition, or origin index for 'o'. */
  readonly index: number
  readonly lo: number
  readonly hi: number
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

/** Writes `root` (a residual of the formula whose timed terms are `origin`) as a `ResidualSnapshot`. */
export function encodeResidual(root: Term, origin: readonly Term[]): ResidualSnapshot {
  const originIndex = new Map<Term, number>()
  origin.forEach((t, k) => originIndex.set(t, k))
  const memo = new Map<Term, Canon>()
  const canon = (t: Term): Canon => {
    let c = memo.get(t)
    if (c !== undefined) return c
    const k = originIndex.get(t)
    const tag = TAG[t.kind]
    if (k !== undefined) c = { key: `o${k}`, tag: 'o', kids: [], index: k, lo: 0, hi: 0 }
    else if (t.kind === Kind.And || t.kind === Kind.Or) c = junction(tag, t.args.map(canon))
    else if (t.kind === Kind.Lit || t.kind === Kind.NotLit)
      c = { key: `${tag}${t.prop}`, tag, kids: [], index: t.prop, lo: 0, hi: 0 }
    else {
      const kids = [t.a, t.b].filter((u): u is Term => u !== null).map(canon)
      const bounded = t.kind >= Kind.UntilRel
      const bounds = bounded ? `[${num(t.lo)},${num(t.hi)}]` : ''
      c = { key: `${tag}${bounds}(${kids.map(u => u.key).join(',')})`, tag, kids, index: -1, lo: t.lo, hi: t.hi }
    }
    memo.set(t, c)
    return c
  }
  // a written node per distinct key, children first
  const nodes: Array<Array<string | number>> = []
  const times: number[] = []
  const written = new Map<string, number>()
  const write = (c: Canon): number => {
    const known = written.get(c.key)
    if (known !== undefined) return known
    const kids = c.kids.map(write)
    let node: Array<string | number>
    if (c.tag === 'o' || c.tag === 'p' || c.tag === '!p') node = [c.tag, c.index]
    else if (c.tag === 'U~' || c.tag === 'R~' || c.tag === 'U@' || c.tag === 'R@') {
      node = [c.tag, kids[0], kids[1], times.length]
      times.push(c.lo, c.hi)
    } else node = [c.tag, ...kids]
    written.set(c.key, nodes.length)
    nodes.push(node)
    return nodes.length - 1
  }
  const top = write(canon(root))
  return { nodes, root: top, times: encodeFloat64(times) }
}

/** A junction's canonical form: operands flattened, deduplicated, sorted by key; one operand stands for itself. */
function junction(tag: string, parts: readonly Canon[]): Canon {
  const flat: Canon[] = []
  for (const p of parts) {
    if (p.tag === tag) flat.push(...p.kids)
    else flat.push(p)
  }
  flat.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
  const kids = flat.filter((c, i) => i === 0 || c.key !== flat[i - 1].key)
  if (kids.length === 1) return kids[0]
  return { key: `${tag}(${kids.map(c => c.key).join(',')})`, tag, kids, index: -1, lo: 0, hi: 0 }
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
