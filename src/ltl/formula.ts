import { describeValue } from '../errors'

/** A time bound in milliseconds, inclusive at both ends; `upper` may be Infinity. */
export interface Interval {
  readonly lower: number
  readonly upper: number
}

/**
 * An LTL / past-time LTL / metric formula. Future: next, eventually (F), always (G), until (U),
 * release (R), weakUntil (W). Past: previous (Y), once (O), historically (H), since (S). F, G, U, O,
 * H and S take an optional `bound` over event timestamps.
 */
export type Formula =
  | { readonly kind: 'true' }
  | { readonly kind: 'false' }
  | { readonly kind: 'atom'; readonly name: string }
  | { readonly kind: 'not' | 'next' | 'previous'; readonly operand: Formula }
  | {
      readonly kind: 'eventually' | 'always' | 'once' | 'historically'
      readonly operand: Formula
      readonly bound?: Interval
    }
  | {
      readonly kind: 'and' | 'or' | 'implies' | 'iff' | 'release' | 'weakUntil'
      readonly left: Formula
      readonly right: Formula
    }
  | { readonly kind: 'until' | 'since'; readonly left: Formula; readonly right: Formula; readonly bound?: Interval }

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
 */
export const ltl = {
  true: { kind: 'true' } as Formula,
  false: { kind: 'false' } as Formula,
  atom(name: string): Formula {
    if (typeof name !== 'string' || !ATOM.test(name) || RESERVED.has(name))
      throw new TypeError(
        `an atom name must match [A-Za-z_][A-Za-z0-9_.]* and not be a reserved word, got ${describeValue(name)}`,
      )
    return { kind: 'atom', name }
  },
  not: (operand: Formula): Formula => ({ kind: 'not', operand: check(operand) }),
  and: (left: Formula, right: Formula): Formula => ({ kind: 'and', left: check(left), right: check(right) }),
  or: (left: Formula, right: Formula): Formula => ({ kind: 'or', left: check(left), right: check(right) }),
  implies: (left: Formula, right: Formula): Formula => ({ kind: 'implies', left: check(left), right: check(right) }),
  iff: (left: Formula, right: Formula): Formula => ({ kind: 'iff', left: check(left), right: check(right) }),
  next: (operand: Formula): Formula => ({ kind: 'next', operand: check(operand) }),
  previous: (operand: Formula): Formula => ({ kind: 'previous', operand: check(operand) }),
  eventually: (operand: Formula, bound?: Interval): Formula => unary('eventually', operand, bound),
  always: (operand: Formula, bound?: Interval): Formula => unary('always', operand, bound),
  once: (operand: Formula, bound?: Interval): Formula => unary('once', operand, bound),
  historically: (operand: Formula, bound?: Interval): Formula => unary('historically', operand, bound),
  until: (left: Formula, right: Formula, bound?: Interval): Formula => binaryBounded('until', left, right, bound),
  since: (left: Formula, right: Formula, bound?: Interval): Formula => binaryBounded('since', left, right, bound),
  release: (left: Formula, right: Formula): Formula => ({ kind: 'release', left: check(left), right: check(right) }),
  weakUntil: (left: Formula, right: Formula): Formula => ({
    kind: 'weakUntil',
    left: check(left),
    right: check(right),
  }),
} as const

function unary(kind: 'eventually' | 'always' | 'once' | 'historically', operand: Formula, bound?: Interval): Formula {
  return bound === undefined
    ? { kind, operand: check(operand) }
    : { kind, operand: check(operand), bound: checkInterval(bound) }
}

function binaryBounded(kind: 'until' | 'since', left: Formula, right: Formula, bound?: Interval): Formula {
  return bound === undefined
    ? { kind, left: check(left), right: check(right) }
    : { kind, left: check(left), right: check(right), bound: checkInterval(bound) }
}

function check(f: Formula): Formula {
  if (f === null || typeof f !== 'object' || typeof (f as { kind?: unknown }).kind !== 'string')
    throw new TypeError(`expected a formula, got ${describeValue(f)}`)
  return f
}

/** A RangeError unless 0 <= lower <= upper (upper may be Infinity). */
export function checkInterval(bound: Interval): Interval {
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
      `a time bound needs 0 <= lower <= upper (ms), got ${bound === null || typeof bound !== 'object' ? describeValue(bound) : `[${describeValue(bound.lower)}, ${describeValue(bound.upper)}]`}`,
    )
  return { lower: bound.lower, upper: bound.upper }
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
 */
export function formatLtl(f: Formula): string {
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
  const text = formatLtl(f)
  return f.kind === 'true' || f.kind === 'false' || f.kind === 'atom' || f.kind === 'not' ? text : `(${text})`
}

function formatBound(b: Interval): string {
  return `[${b.lower}ms,${b.upper === Infinity ? 'inf' : `${b.upper}ms`}]`
}
