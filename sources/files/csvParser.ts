/**
 * The CSV grammar of RFC 4180, parsed incrementally: `parseRecords` reads as many whole records as a
 * piece of text holds and says where the first incomplete one starts, so a reader can carry that
 * rest over to the next chunk. Fields are quoted with `quote` (a quote inside written twice) and may
 * then hold delimiters and line breaks; records end at `\n`, `\r\n` or `\r`.
 */

/** Where the parser stands in the file: the 1-based line the next record starts on. */
export interface CsvCursor {
  line: number
}

/** A malformed record: what is wrong, and where (1-based line and column). */
export class CsvSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(reason)
  }
}

export interface CsvGrammar {
  /** Char code of the field delimiter. */
  readonly delimiter: number
  /** Char code of the quote. */
  readonly quote: number
  /** Char code that starts a comment line, or -1. */
  readonly comment: number
  readonly skipEmptyLines: boolean
}

const LF = 10
const CR = 13

/** A record parsed from the text, with the line it started on. */
export interface ParsedRecord {
  readonly fields: string[]
  readonly line: number
}

/** The result of one call: the records found, the offset where the unparsed rest starts, and the error that stopped it. */
export interface ParseResult {
  readonly records: ParsedRecord[]
  readonly rest: number
  readonly error?: CsvSyntaxError
}

/**
 * Parses the whole records of `text`; the rest (an incomplete last record, unless `atEnd`) starts at
 * the offset returned. Malformed input stops it with a `CsvSyntaxError` in `error`, the records
 * before it returned.
 */
export function parseRecords(text: string, cursor: CsvCursor, grammar: CsvGrammar, atEnd: boolean): ParseResult {
  const records: ParsedRecord[] = []
  const parser = new RecordParser(text, grammar, atEnd)
  let pos = 0
  try {
    while (pos < text.length) {
      parser.line = cursor.line
      parser.lineStart = pos
      const fields = parser.record(pos)
      if (fields === null) break
      if (fields !== SKIPPED) records.push({ fields, line: cursor.line })
      pos = parser.pos
      cursor.line = parser.line
    }
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error
    return { records, rest: pos, error }
  }
  return { records, rest: pos }
}

const SKIPPED: string[] = []

class RecordParser {
  pos = 0
  line = 1
  lineStart = 0
  private readonly delimiterChar: string
  private readonly quoteChar: string
  constructor(
    private readonly text: string,
    private readonly g: CsvGrammar,
    private readonly atEnd: boolean,
  ) {
    this.delimiterChar = String.fromCharCode(g.delimiter)
    this.quoteChar = String.fromCharCode(g.quote)
  }

  /** One record from `start`: its fields, `SKIPPED` (blank or comment line), or null when incomplete. */
  record(start: number): string[] | null {
    const text = this.text
    this.pos = start
    const first = text.charCodeAt(start)
    if (first === LF || first === CR) {
      if (!this.lineEnd()) return null
      return this.g.skipEmptyLines ? SKIPPED : []
    }
    if (first === this.g.comment) {
      const nl = this.nextLineBreak(start)
      if (nl === text.length && !this.atEnd) return null
      this.pos = nl
      if (nl < text.length && !this.lineEnd()) return null
      return SKIPPED
    }
    const fields: string[] = []
    for (;;) {
      const field = text.charCodeAt(this.pos) === this.g.quote ? this.quoted() : this.unquoted()
      if (field === null) return null
      fields.push(field)
      if (this.pos === text.length) return fields // atEnd: the file's last record has no line break
      const c = text.charCodeAt(this.pos)
      if (c === this.g.delimiter) {
        this.pos++
        continue
      }
      if (c === LF || c === CR) return this.lineEnd() ? fields : null
      throw this.error(`unexpected character ${JSON.stringify(text[this.pos])} after a closing quote`)
    }
  }

  private nextLineBreak(from: number): number {
    const text = this.text
    let i = from
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c === LF || c === CR) return i
      i++
    }
    return i
  }

  /** Consumes the line break at `pos`; false when a `\r` ends the text and a `\n` may follow. */
  private lineEnd(): boolean {
    const text = this.text
    if (text.charCodeAt(this.pos) === CR) {
      if (this.pos + 1 === text.length && !this.atEnd) return false
      if (text.charCodeAt(this.pos + 1) === LF) this.pos++
    }
    this.pos++
    this.line++
    this.lineStart = this.pos
    return true
  }

  /** Next offsets of a line feed, a carriage return and a quote at or after the last asked-for place (the text's length for none). */
  private readonly found = [-1, -1, -1]

  /** `text.indexOf(char, from)`, remembered until `from` passes it: a record's fields ask again and again. */
  private nextOf(slot: number, char: string, from: number): number {
    let at = this.found[slot]
    if (at < from) {
      at = this.text.indexOf(char, from)
      if (at === -1) at = this.text.length
      this.found[slot] = at
    }
    return at
  }

  private unquoted(): string | null {
    const text = this.text
    const start = this.pos
    // the field ends at the first delimiter or line break: found with indexOf, not a loop per character
    let end = text.indexOf(this.delimiterChar, start)
    if (end === -1) end = text.length
    const lf = this.nextOf(0, '\n', start)
    if (lf < end) end = lf
    const cr = this.nextOf(1, '\r', start)
    if (cr < end) end = cr
    const quote = this.nextOf(2, this.quoteChar, start)
    if (quote < end) {
      this.pos = quote
      throw this.error('a quote inside an unquoted field (quote the whole field and double the quote)')
    }
    if (end === text.length && !this.atEnd) return null
    this.pos = end
    return text.slice(start, end)
  }

  private quoted(): string | null {
    const text = this.text
    const quote = this.quoteChar
    const open = { line: this.line, column: this.pos - this.lineStart + 1 }
    let value = ''
    let from = this.pos + 1
    for (;;) {
      const close = text.indexOf(quote, from)
      if (close === -1) {
        if (!this.atEnd) return null
        throw new CsvSyntaxError('a quoted field is never closed', open.line, open.column)
      }
      this.countLines(from, close)
      if (close + 1 === text.length && !this.atEnd) return null
      if (text.charCodeAt(close + 1) === this.g.quote) {
        value += text.slice(from, close + 1)
        from = close + 2
        continue
      }
      this.pos = close + 1
      return value + text.slice(from, close)
    }
  }

  /** Counts the line breaks inside a quoted field, so positions after it are right. */
  private countLines(from: number, to: number): void {
    const text = this.text
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i)
      if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) {
        this.line++
        this.lineStart = i + 1
      }
    }
  }

  private error(reason: string): CsvSyntaxError {
    return new CsvSyntaxError(reason, this.line, this.pos - this.lineStart + 1)
  }
}
