import { checkString } from '../validate'
import { checkBound, type Formula, type Interval, RESERVED } from './formula'

/**
 * A formula that does not parse: where (offset, 1-based line and column), what was expected, and
 * the line with a caret under the place. The message starts with the public name that was called
 * (`parseLtl: `, `createMonitor: `, `ltlGuard: ` ...).
 *
 * ```ts
 * try { parseLtl('G (p ->') } catch (e) { if (e instanceof LtlSyntaxError) console.log(e.line, e.column, e.expected) } // 1 8 ...
 * ```
 * @see parseLtl
 */
export class LtlSyntaxError extends SyntaxError {
  /** Always `'LtlSyntaxError'`. */
  override readonly name = 'LtlSyntaxError'
  constructor(
    /** The whole formula text. */
    readonly text: string,
    /** 0-based offset of the place in `text`. */
    readonly offset: number,
    /** What the parser expected there, and what it found. */
    readonly expected: string,
    /** 1-based line of the place. */
    readonly line: number,
    /** 1-based column of the place. */
    readonly column: number,
    /** The line, indented, with a caret under the place. */
    readonly excerpt: string,
    /** The public name that was called, which starts the message. */
    readonly caller = 'parseLtl',
  ) {
    super(`${caller}: ${expected} at line ${line}, column ${column}\n${excerpt}`)
  }

  /** The error for `offset` in `text`, with line, column and excerpt worked out. */
  static at(text: string, offset: number, expected: string, caller = 'parseLtl'): LtlSyntaxError {
    const before = text.slice(0, offset)
    const line = before.split('\n').length
    const lineStart = before.lastIndexOf('\n') + 1
    const lineEnd = text.indexOf('\n', offset) < 0 ? text.length : text.indexOf('\n', offset)
    const column = offset - lineStart + 1
    const excerpt = `  ${text.slice(lineStart, lineEnd)}\n  ${' '.repeat(column - 1)}^`
    return new LtlSyntaxError(text, offset, expected, line, column, excerpt, caller)
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
 * @param text The formula.
 * @returns Its tree, as the `ltl` builders make it.
 * @see formatLtl
 * @see ltl
 * @see LtlSyntaxError
 */
export function parseLtl(text: string): Formula {
  return parseFormula('parseLtl', text)
}

/**
 * `parseLtl` for a caller with its own public name (`createMonitor`, `ltlGuard`), which starts the
 * message of every error.
 * @internal
 */
export function parseFormula(fn: string, text: string): Formula {
  checkString(fn, 'the formula', text, true)
  return new Parser(fn, text).formula()
}

/** Recursive descent over the tokens, one method per precedence level. */
class Parser {
  private readonly tokens: Token[]
  private position = 0

  constructor(
    private readonly fn: string,
    private readonly text: string,
  ) {
    this.tokens = tokenize(fn, text)
  }

  formula(): Formula {
    const formula = this.iff()
    if (this.peek().kind !== 'end') this.fail('expected an operator or the end')
    return formula
  }

  private peek(): Token {
    return this.tokens[this.position]
  }

  private fail(expected: string, token: Token = this.peek()): never {
    throw LtlSyntaxError.at(
      this.text,
      token.offset,
      `${expected}, found ${token.kind === 'end' ? 'the end' : `'${token.text}'`}`,
      this.fn,
    )
  }

  private accept(t: string): boolean {
    const token = this.peek()
    if (token.kind !== 'end' && token.text === t) {
      this.position++
      return true
    }
    return false
  }

  private iff(): Formula {
    let left = this.implies()
    while (this.accept('<->') || this.accept('iff')) left = { kind: 'iff', left, right: this.implies() }
    return left
  }

  private implies(): Formula {
    const left = this.or()
    return this.accept('->') || this.accept('implies') ? { kind: 'implies', left, right: this.implies() } : left
  }

  private or(): Formula {
    let left = this.and()
    while (this.accept('||') || this.accept('or')) left = { kind: 'or', left, right: this.and() }
    return left
  }

  private and(): Formula {
    let left = this.temporal()
    while (this.accept('&&') || this.accept('and')) left = { kind: 'and', left, right: this.temporal() }
    return left
  }

  private temporal(): Formula {
    const left = this.unary()
    const token = this.peek()
    const kind = token.kind === 'word' ? BINARY_TEMPORAL[token.text] : undefined
    if (kind === undefined) return left
    this.position++
    const bound = BOUNDABLE.has(token.text) ? this.optionalBound() : undefined
    const right = this.temporal()
    return bound === undefined ? ({ kind, left, right } as Formula) : ({ kind, left, right, bound } as Formula)
  }

  private unary(): Formula {
    const token = this.peek()
    const kind = token.kind !== 'end' ? UNARY[token.text] : undefined
    if (kind === undefined) return this.primary()
    this.position++
    const bound = BOUNDABLE.has(token.text) ? this.optionalBound() : undefined
    const operand = this.unary()
    return bound === undefined ? ({ kind, operand } as Formula) : ({ kind, operand, bound } as Formula)
  }

  private primary(): Formula {
    const token = this.peek()
    if (this.accept('(')) {
      const inner = this.iff()
      if (!this.accept(')')) this.fail(`expected ')' to close the '(' at column ${token.offset + 1}`)
      return inner
    }
    if (token.kind === 'word') {
      if (token.text === 'true' || token.text === 'false') {
        this.position++
        return { kind: token.text }
      }
      if (!RESERVED.has(token.text) && /^[A-Za-z_]/.test(token.text)) {
        this.position++
        return { kind: 'atom', name: token.text }
      }
    }
    return this.fail("expected an atom, true, false, a unary operator or '('")
  }

  private optionalBound(): Interval | undefined {
    const open = this.peek()
    if (!this.accept('[')) return undefined
    const lower = this.duration()
    if (!this.accept(',')) this.fail("expected ',' between the bounds")
    const upper = this.duration(true)
    if (!this.accept(']')) this.fail("expected ']' to close the bound")
    if (upper.value < lower.value)
      throw LtlSyntaxError.at(
        this.text,
        open.offset,
        `expected lower <= upper in the bound, got [${lower.text}, ${upper.text}]`,
        this.fn,
      )
    return checkBound(this.fn, { lower: lower.value, upper: upper.value })
  }

  private duration(allowInfinity = false): { value: number; text: string } {
    const token = this.peek()
    if (allowInfinity && token.kind === 'word' && (token.text === 'inf' || token.text === 'Infinity')) {
      this.position++
      return { value: Infinity, text: token.text }
    }
    const match = token.kind === 'word' ? /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(token.text) : null
    if (match === null)
      return this.fail(`expected a duration such as 500ms, 2s or 1m${allowInfinity ? ', or inf' : ''} (not negative)`)
    this.position++
    return { value: Number(match[1]) * UNITS[match[2] ?? 'ms'], text: token.text }
  }
}

function tokenize(fn: string, text: string): Token[] {
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
    if (word === null)
      throw LtlSyntaxError.at(text, i, `expected an atom, an operator or a parenthesis, found '${c}'`, fn)
    let end = i + word[0].length
    while (end < text.length && /[A-Za-z0-9_.]/.test(text[end])) end++
    tokens.push({ kind: 'word', text: text.slice(i, end), offset: i })
    i = end
  }
  tokens.push({ kind: 'end', text: '', offset: text.length })
  return tokens
}
