import { describeValue } from '../errors'
import { checkFunction } from '../validate'

/** A time bound in milliseconds, inclusive at both ends; `upper` may be Infinity. */
export interface Interval {
  /** Least time after (or before, for past operators) the current event, in ms. */
  readonly lower: number
  /** Greatest such time in ms; may be Infinity. */
  readonly upper: number
}

/**
 * An LTL / past-time LTL / metric formula. Future: next, eventually (F), always (G), until (U),
 * release (R), weakUntil (W). Past: previous (Y), once (O), historically (H), since (S). F, G, U, O,
 * H and S take an optional `bound` over event timestamps.
 */
export type Formula =
  | {
      /** The constant true. */
      readonly kind: 'true'
    }
  | {
      /** The constant false. */
      readonly kind: 'false'
    }
  | {
      /** An atom. */
      readonly kind: 'atom'
      /** Its name, as the grammar spells names. */
      readonly name: string
    }
  | {
      /** `!`, `X` or `Y`. */
      readonly kind: 'not' | 'next' | 'previous'
      /** The formula the operator applies to. */
      readonly operand: Formula
    }
  | {
      /** `F`, `G`, `O` or `H`. */
      readonly kind: 'eventually' | 'always' | 'once' | 'historically'
      /** The formula the operator applies to. */
      readonly operand: Formula
      /** The time bound in ms; none for [0, inf]. */
      readonly bound?: Interval
    }
  | {
      /** `&&`, `||`, `->`, `<->`, `R` or `W`. */
      readonly kind: 'and' | 'or' | 'implies' | 'iff' | 'release' | 'weakUntil'
      /** The left operand. */
      readonly left: Formula
      /** The right operand. */
      readonly right: Formula
    }
  | {
      /** `U` or `S`. */
      readonly kind: 'until' | 'since'
      /** The left operand (what must hold meanwhile). */
      readonly left: Formula
      /** The right operand (what must happen). */
      readonly right: Formula
      /** The time bound in ms; none for [0, inf]. */
      readonly bound?: Interval
    }

/** The kinds of formula node: `'atom'`, `'not'`, `'until'`, ... */
export type FormulaKind = Formula['kind']

const ATOM = /^[A-Za-z_][A-Za-z0-9_.]*$/
/** Words the grammar reserves: they cannot name atoms. */
export const RESERVED = new Set([
  'X',
  'F',
  'G',
  'U',
  'R',
  'W',
  'Y',
  'O',
  'H',
  'S',
  'true',
  'false',
  'not',
  'and',
  'or',
  'implies',
  'iff',
])

/**
 * Builders for formulas, the same trees `parseLtl` makes.
 *
 * ```ts
 * const { always, implies, atom, eventually } = ltl
 * always(implies(atom('spike'), eventually(atom('ack'), { lower: 0, upper: 500 }))) // G (spike -> F[0,500ms] ack)
 * ```
 * @see parseLtl
 * @see formatLtl
 */
export const ltl = {
  /** The constant true. */
  true: { kind: 'true' } as Formula,
  /** The constant false. */
  false: { kind: 'false' } as Formula,
  /** An atom: a proposition about one event, named as the grammar spells names. */
  atom(name: string): Formula {
    if (typeof name !== 'string' || !ATOM.test(name) || RESERVED.has(name))
      throw new TypeError(
        `ltl.atom: an atom name must match [A-Za-z_][A-Za-z0-9_.]* and not be a reserved word, got ${describeValue(name)}`,
      )
    return { kind: 'atom', name }
  },
  /** `!f` */
  not: (operand: Formula): Formula => ({ kind: 'not', operand: check('ltl.not', operand) }),
  /** `a && b` */
  and: (left: Formula, right: Formula): Formula => binary('and', left, right),
  /** `a || b` */
  or: (left: Formula, right: Formula): Formula => binary('or', left, right),
  /** `a -> b` */
  implies: (left: Formula, right: Formula): Formula => binary('implies', left, right),
  /** `a <-> b` */
  iff: (left: Formula, right: Formula): Formula => binary('iff', left, right),
  /** `X f`: f at the next event (strong: false when the trace ends first). */
  next: (operand: Formula): Formula => ({ kind: 'next', operand: check('ltl.next', operand) }),
  /** `Y f`: f at the previous event (false at the first). */
  previous: (operand: Formula): Formula => ({ kind: 'previous', operand: check('ltl.previous', operand) }),
  /** `F f`, `F[a,b] f`: f at some event from now (within the bound, in ms). */
  eventually: (operand: Formula, bound?: Interval): Formula => unary('eventually', operand, bound),
  /** `G f`, `G[a,b] f`: f at every event from now (within the bound, in ms). */
  always: (operand: Formula, bound?: Interval): Formula => unary('always', operand, bound),
  /** `O f`, `O[a,b] f`: f at some event up to now (within the bound, in ms). */
  once: (operand: Formula, bound?: Interval): Formula => unary('once', operand, bound),
  /** `H f`, `H[a,b] f`: f at every event up to now (within the bound, in ms). */
  historically: (operand: Formula, bound?: Interval): Formula => unary('historically', operand, bound),
  /** `a U b`, `a U[l,u] b`: b at some event from now (within the bound), a at every event before it. */
  until: (left: Formula, right: Formula, bound?: Interval): Formula => binaryBounded('until', left, right, bound),
  /** `a S b`, `a S[l,u] b`: b at some event up to now (within the bound), a at every event after it. */
  since: (left: Formula, right: Formula, bound?: Interval): Formula => binaryBounded('since', left, right, bound),
  /** `a R b`: b holds up to and including the first event where a holds (forever if none). */
  release: (left: Formula, right: Formula): Formula => binary('release', left, right),
  /** `a W b`: a U b, or a forever. */
  weakUntil: (left: Formula, right: Formula): Formula => binary('weakUntil', left, right),
} as const

function binary(
  kind: 'and' | 'or' | 'implies' | 'iff' | 'release' | 'weakUntil',
  left: Formula,
  right: Formula,
): Formula {
  return { kind, left: check(`ltl.${kind}`, left), right: check(`ltl.${kind}`, right) }
}

function unary(kind: 'eventually' | 'always' | 'once' | 'historically', operand: Formula, bound?: Interval): Formula {
  const fn = `ltl.${kind}`
  return bound === undefined
    ? { kind, operand: check(fn, operand) }
    : { kind, operand: check(fn, operand), bound: checkBound(fn, bound) }
}

function binaryBounded(kind: 'until' | 'since', left: Formula, right: Formula, bound?: Interval): Formula {
  const fn = `ltl.${kind}`
  return bound === undefined
    ? { kind, left: check(fn, left), right: check(fn, right) }
    : { kind, left: check(fn, left), right: check(fn, right), bound: checkBound(fn, bound) }
}

function check(fn: string, f: Formula): Formula {
  if (f === null || typeof f !== 'object' || typeof (f as { kind?: unknown }).kind !== 'string')
    throw new TypeError(`${fn}: expected a formula, got ${describeValue(f)}`)
  return f
}

/**
 * The bound, copied, after checking that 0 <= lower <= upper (ms; upper may be Infinity): a
 * `RangeError` otherwise.
 *
 * ```ts
 * checkInterval({ lower: 0, upper: 500 }) // { lower: 0, upper: 500 }
 * checkInterval({ lower: 5, upper: 1 })   // RangeError
 * ```
 */
export function checkInterval(bound: Interval): Interval {
  return checkBound('checkInterval', bound)
}

/**
 * `checkInterval` for a caller with its own public name, which starts the message.
 * @internal
 */
export function checkBound(fn: string, bound: Interval): Interval {
  const ok =
    bound !== null &&
    typeof bound === 'object' &&
    typeof bound.lower === 'number' &&
    typeof bound.upper === 'number' &&
    Number.isFinite(bound.lower) &&
    bound.lower >= 0 &&
    !Number.isNaN(bound.upper) &&
    bound.upper >= bound.lower
  if (!ok)
    throw new RangeError(
      `${fn}: a time bound needs 0 <= lower <= upper (ms), got ${bound === null || typeof bound !== 'object' ? describeValue(bound) : `[${describeValue(bound.lower)}, ${describeValue(bound.upper)}]`}`,
    )
  return { lower: bound.lower, upper: bound.upper }
}

/**
 * The operands of `f`, left to right: none for constants and atoms, one for the unary operators, two
 * for the binary ones. Throws a `TypeError` when `f` is not a formula node at all, so a walk over a
 * hand-built tree fails at the bad node instead of reading `undefined` further down.
 *
 * ```ts
 * formulaChildren(parseLtl('p U q')) // [atom p, atom q]
 * ```
 * @see walkFormula
 * @see foldFormula
 */
export function formulaChildren(f: Formula): readonly Formula[] {
  return childrenOf('formulaChildren', f)
}

function childrenOf(fn: string, f: Formula): readonly Formula[] {
  if (f === null || typeof f !== 'object' || typeof (f as { kind?: unknown }).kind !== 'string')
    throw new TypeError(`${fn}: expected a formula, got ${describeValue(f)}`)
  if ('operand' in f) return [f.operand]
  if ('left' in f) return [f.left, f.right]
  return []
}

// Both walks use an explicit stack and meet each node object once: builder-made chains can be
// deeper than the call stack, and a tree that reuses subtree objects is a DAG whose paths can be
// exponentially many.

/**
 * Visits every node of `f` once, parents before children, left before right (a node object that
 * appears several times in the tree is visited once). `visit` may return `false` to stop the walk;
 * `walkFormula` then returns `false`, otherwise `true`.
 *
 * ```ts
 * const atoms = new Set<string>()
 * walkFormula(parseLtl('G (req -> F ack)'), g => { if (g.kind === 'atom') atoms.add(g.name) }) // atoms: req, ack
 * walkFormula(f, g => g.kind !== 'next') // false when f uses X
 * ```
 * @see formulaChildren
 * @see foldFormula
 */
export function walkFormula(f: Formula, visit: (node: Formula) => unknown): boolean {
  checkFunction('walkFormula', 'visit', visit, false)
  return walkNodes('walkFormula', f, visit)
}

/**
 * `walkFormula` for a caller with its own public name, which starts the message of a `TypeError`
 * on a node that is not a formula.
 * @internal
 */
export function walkNodes(fn: string, f: Formula, visit: (node: Formula) => unknown): boolean {
  const seen = new Set<Formula>()
  const stack = [f]
  while (stack.length > 0) {
    const g = stack.pop() as Formula
    if (seen.has(g)) continue
    seen.add(g)
    const kids = childrenOf(fn, g)
    if (visit(g) === false) return false
    for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k])
  }
  return true
}

/**
 * Computes a value bottom-up: `combine(node, values)` receives the values already computed for the
 * node's children, in order, and is called once per distinct node object (a shared subtree is
 * folded once, its value reused). Children are folded before their parent, left before right.
 * `enter(node)`, if given, is called when the fold first reaches a node, before its children: a
 * place to refuse a node early. `memo`, if given, keeps the values across several folds (of
 * formulas that share subtrees). A tree that contains itself is a `TypeError`.
 *
 * ```ts
 * const size = foldFormula(parseLtl('p U (q && r)'), (_, kids) => kids.reduce((a, b) => a + b, 1)) // 5
 * ```
 * @see formulaChildren
 * @see walkFormula
 */
export function foldFormula<R>(
  f: Formula,
  combine: (node: Formula, values: readonly R[]) => R,
  enter?: (node: Formula) => void,
  memo?: Map<Formula, R>,
): R {
  checkFunction('foldFormula', 'combine', combine, false)
  checkFunction('foldFormula', 'enter', enter)
  if (memo !== undefined && !(memo instanceof Map))
    throw new TypeError(`foldFormula: memo must be a Map, got ${describeValue(memo)}`)
  return foldNodes('foldFormula', f, combine, enter, memo)
}

/**
 * `foldFormula` for a caller with its own public name, which starts the message of a `TypeError`
 * on a node that is not a formula or a tree that contains itself.
 * @internal
 */
export function foldNodes<R>(
  fn: string,
  f: Formula,
  combine: (node: Formula, values: readonly R[]) => R,
  enter?: (node: Formula) => void,
  memo: Map<Formula, R> = new Map(),
): R {
  const open = new Set<Formula>()
  const stack = [f]
  while (stack.length > 0) {
    const g = stack[stack.length - 1]
    if (memo.has(g)) {
      stack.pop()
      continue
    }
    const kids = childrenOf(fn, g)
    if (!open.has(g)) {
      enter?.(g)
      open.add(g)
      for (let k = kids.length - 1; k >= 0; k--) {
        // open nodes are exactly the ancestors of the stack top
        if (open.has(kids[k])) throw new TypeError(`${fn}: a formula may not contain itself`)
        stack.push(kids[k])
      }
      continue
    }
    stack.pop()
    open.delete(g)
    memo.set(
      g,
      combine(
        g,
        kids.map(kid => memo.get(kid) as R),
      ),
    )
  }
  return memo.get(f) as R
}

const UNARY_KINDS = new Set(['not', 'next', 'previous', 'eventually', 'always', 'once', 'historically'])
const BINARY_KINDS = new Set(['and', 'or', 'implies', 'iff', 'release', 'weakUntil', 'until', 'since'])
const BOUNDED_KINDS = new Set(['eventually', 'always', 'once', 'historically', 'until', 'since'])

/**
 * Checks a hand-built formula tree before a monitor is made of it: every node of a known kind with
 * its operands, atom names as the grammar spells them, bounds with 0 <= lower <= upper, and no
 * node that contains itself. Errors start with `fn`, the public name the caller used.
 * @internal
 */
export function checkFormula(fn: string, f: Formula): Formula {
  foldNodes<null>(
    fn,
    f,
    () => null,
    g => {
      const kind: string = g.kind
      const fields = g as { operand?: unknown; left?: unknown; right?: unknown; bound?: Interval; name?: unknown }
      if (kind === 'atom') {
        if (typeof fields.name !== 'string' || !ATOM.test(fields.name) || RESERVED.has(fields.name))
          throw new TypeError(
            `${fn}: an atom name must match ${ATOM.source} and not be reserved, got ${describeValue(fields.name)}`,
          )
      } else if (UNARY_KINDS.has(kind)) {
        if (!('operand' in g)) throw new TypeError(`${fn}: a '${kind}' node needs an operand`)
      } else if (BINARY_KINDS.has(kind)) {
        if (!('left' in g) || !('right' in g)) throw new TypeError(`${fn}: a '${kind}' node needs left and right`)
      } else if (kind !== 'true' && kind !== 'false') {
        throw new TypeError(`${fn}: unknown formula kind ${describeValue(kind)}`)
      }
      if (fields.bound !== undefined) {
        if (!BOUNDED_KINDS.has(kind)) throw new TypeError(`${fn}: a '${kind}' node takes no bound`)
        checkBound(fn, fields.bound)
      }
    },
  )
  return f
}

const SYMBOL: Record<string, string> = {
  not: '!',
  and: '&&',
  or: '||',
  implies: '->',
  iff: '<->',
  next: 'X',
  previous: 'Y',
  eventually: 'F',
  always: 'G',
  once: 'O',
  historically: 'H',
  until: 'U',
  since: 'S',
  release: 'R',
  weakUntil: 'W',
}

/**
 * The formula as text that `parseLtl` reads back to the same tree: fully parenthesised binary
 * operators, bounds in milliseconds.
 *
 * ```ts
 * formatLtl(parseLtl('G(spike -> F[0,0.5s] ack)')) // 'G (spike -> F[0,500ms] ack)'
 * ```
 * @see parseLtl
 */
export function formatLtl(f: Formula): string {
  return format(checkFormula('formatLtl', f))
}

function format(f: Formula): string {
  switch (f.kind) {
    case 'true':
    case 'false':
      return f.kind
    case 'atom':
      return f.name
    case 'not':
      return `!${formatOperand(f.operand)}`
    case 'next':
    case 'previous':
    case 'eventually':
    case 'always':
    case 'once':
    case 'historically':
      return `${SYMBOL[f.kind]}${'bound' in f && f.bound ? formatBound(f.bound) : ''} ${formatOperand(f.operand)}`
    default: {
      const bound = 'bound' in f && f.bound ? formatBound(f.bound) : ''
      return `${formatOperand(f.left)} ${SYMBOL[f.kind]}${bound} ${formatOperand(f.right)}`
    }
  }
}

function formatOperand(f: Formula): string {
  const text = format(f)
  return f.kind === 'true' || f.kind === 'false' || f.kind === 'atom' || f.kind === 'not' ? text : `(${text})`
}

function formatBound(b: Interval): string {
  return `[${b.lower}ms,${b.upper === Infinity ? 'inf' : `${b.upper}ms`}]`
}
