import { checkInterval, type Formula, type Interval, RESERVED } from './formula'

/**
 * A formula that does not parse: where (offset, 1-based line and column), what was expected, and
 * the line with a caret under the place.
 */
export class LtlSyntaxError extends SyntaxError {
  override readonly name = 'LtlSyntaxError'
  constructor(
    readonly text: string,
    readonly offset: number,
    readonly expected: string,
    readonly line: number,
    readonly column: number,
    readonly excerpt: string,
  ) {
    super(`${expected} at line ${line}, column ${column}\n${excerpt}`)
  }

  static at(text: string, offset: number, expected: string): LtlSyntaxError {
    const before = text.slice(0, offset)
    const line = before.split('\n').length
    const lineStart = before.lastIndexOf('\n') + 1
    const lineEnd = text.indexOf('\n', offset) < 0 ? text.length : text.indexOf('\n', offset)
    const column = offset - lineStart + 1
    const excerpt = `  ${text.slice(lineStart, lineEnd)}\n  ${' '.repeat(column - 1)}^`
    return new LtlSyntaxError(text, offset, expected, line, column, excerpt)
  }
}

type Token = { kind: 'word' | 'symbol' | 'end'; text: string; offset: number }

const SYMBOLS = ['<->', '->', '&&', '||', '!', '(', ')', '[', ']', ',']
const UNARY: Record<string, Formula['kind']> = {
  '!': 'not',
  not: 'not',
  X: 'next',
  Y: 'previous',
  F: 'eventually',
  G: 'always',
  O: 'once',
  H: 'historically',
}
const BOUNDABLE = new Set(['F', 'G', 'O', 'H', 'U', 'S'])
const BINARY_TEMPORAL: Record<string, 'until' | 'release' | 'weakUntil' | 'since'> = {
  U: 'until',
  R: 'release',
  W: 'weakUntil',
  S: 'since',
}
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 }

/**
 * Parses LTL with past-time and metric operators.
 *
 * Grammar, loosest binding first: `<->` (`iff`), `->` (`implies`, right-associative), `||` (`or`),
 * `&&` (`and`), the binary temporal operators `U` `R` `W` `S` (right-associative), then the unary
 * `!` (`not`) `X` `F` `G` `Y` `O` `H`, then atoms (`[A-Za-z_][A-Za-z0-9_.]*`), `true`, `false`
 * and parentheses. `F`, `G`, `U`, `O`, `H` and `S` take a bound over event timestamps right after
 * the operator: `F[0,500ms] ack`, `H[0,2s] ok`, `p U[1s,1m] q`, in `ms`, `s` or `m` (a bare
 * number is ms; `inf` is an open upper end), inclusive at both ends.
 *
 * Bad input is an `LtlSyntaxError` with the position, what was expected, and a caret excerpt.
 *
 * ```ts
 * parseLtl('G (spike -> F[0,500ms] ack)')
 * parseLtl('H (ack -> O request) && !(error S reset)')
 * ```
 */
export function parseLtl(text: string): Formula {
  if (typeof text !== 'string') throw new TypeError(`parseLtl needs a string, got ${typeof text}`)
  const tokens = tokenize(text)
  let position = 0
  const peek = (): Token => tokens[position]
  const fail = (expected: string, token: Token = peek()): never => {
    throw LtlSyntaxError.at(
      text,
      token.offset,
      `${expected}, found ${token.kind === 'end' ? 'the end' : `'${token.text}'`}`,
    )
  }
  const accept = (t: string): boolean => {
    if (peek().kind !== 'end' && peek().text === t) {
      position++
      return true
    }
    return false
  }

  const iff = (): Formula => {
    let left = implies()
    while (accept('<->') || accept('iff')) left = { kind: 'iff', left, right: implies() }
    return left
  }
  const implies = (): Formula => {
    const left = or()
    return accept('->') || accept('implies') ? { kind: 'implies', left, right: implies() } : left
  }
  const or = (): Formula => {
    let left = and()
    while (accept('||') || accept('or')) left = { kind: 'or', left, right: and() }
    return left
  }
  const and = (): Formula => {
    let left = temporal()
    while (accept('&&') || accept('and')) left = { kind: 'and', left, right: temporal() }
    return left
  }
  const temporal = (): Formula => {
    const left = unary()
    const token = peek()
    const kind = token.kind === 'word' ? BINARY_TEMPORAL[token.text] : undefined
    if (kind === undefined) return left
    position++
    const bound = BOUNDABLE.has(token.text) ? optionalBound() : undefined
    const right = temporal()
    return bound === undefined ? ({ kind, left, right } as Formula) : ({ kind, left, right, bound } as Formula)
  }
  const unary = (): Formula => {
    const token = peek()
    const kind = token.kind !== 'end' ? UNARY[token.text] : undefined
    if (kind !== undefined) {
      position++
      const bound = BOUNDABLE.has(token.text) ? optionalBound() : undefined
      const operand = unary()
      return bound === undefined ? ({ kind, operand } as Formula) : ({ kind, operand, bound } as Formula)
    }
    return primary()
  }
  const primary = (): Formula => {
    const token = peek()
    if (accept('(')) {
      const inner = iff()
      if (!accept(')')) fail(`expected ')' to close the '(' at column ${token.offset + 1}`)
      return inner
    }
    if (token.kind === 'word') {
      if (token.text === 'true' || token.text === 'false') {
        position++
        return { kind: token.text }
      }
      if (!RESERVED.has(token.text) && /^[A-Za-z_]/.test(token.text)) {
        position++
        return { kind: 'atom', name: token.text }
      }
    }
    return fail("expected an atom, true, false, a unary operator or '('")
  }
  const optionalBound = (): Interval | undefined => {
    const open = peek()
    if (!accept('[')) return undefined
    const lower = duration()
    if (!accept(',')) fail("expected ',' between the bounds")
    const upper = duration(true)
    if (!accept(']')) fail("expected ']' to close the bound")
    if (upper.value < lower.value)
      throw LtlSyntaxError.at(
        text,
        open.offset,
        `expected lower <= upper in the bound, got [${lower.text}, ${upper.text}]`,
      )
    return checkInterval({ lower: lower.value, upper: upper.value })
  }
  const duration = (allowInfinity = false): { value: number; text: string } => {
    const token = peek()
    if (allowInfinity && token.kind === 'word' && (token.text === 'inf' || token.text === 'Infinity')) {
      position++
      return { value: Infinity, text: token.text }
    }
    const match = token.kind === 'word' ? /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(token.text) : null
    if (match === null)
      return fail(`expected a duration such as 500ms, 2s or 1m${allowInfinity ? ', or inf' : ''} (not negative)`)
    position++
    return { value: Number(match[1]) * UNITS[match[2] ?? 'ms'], text: token.text }
  }

  const formula = iff()
  if (peek().kind !== 'end') fail('expected an operator or the end')
  return formula
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++
      continue
    }
    const symbol = SYMBOLS.find(s => text.startsWith(s, i))
    if (symbol !== undefined) {
      tokens.push({ kind: 'symbol', text: symbol, offset: i })
      i += symbol.length
      continue
    }
    // a leading '-' is read with its number, so a negative bound is reported as a bad duration
    const word = /^-?[A-Za-z0-9_.]+/.exec(text.slice(i, i + 256))
    if (word === null) throw LtlSyntaxError.at(text, i, `expected an atom, an operator or a parenthesis, found '${c}'`)
    let end = i + word[0].length
    while (end < text.length && /[A-Za-z0-9_.]/.test(text[end])) end++
    tokens.push({ kind: 'word', text: text.slice(i, end), offset: i })
    i = end
  }
  tokens.push({ kind: 'end', text: '', offset: text.length })
  return tokens
}
