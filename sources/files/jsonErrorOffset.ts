/**
 * Where a JSON text goes wrong. `JSON.parse` says that a text is invalid, but its message names the
 * position only for some mistakes (and differs between V8 versions); this scanner, run only after
 * `JSON.parse` has thrown, walks the JSON grammar (RFC 8259) and returns the offset of the first
 * character that cannot continue a valid text (the text's length when it ends too early).
 */

const WS = new Set([0x20, 0x09, 0x0a, 0x0d])

class JsonScanner {
  pos = 0
  constructor(private readonly text: string) {}

  skipWhitespace(): void {
    while (this.pos < this.text.length && WS.has(this.text.charCodeAt(this.pos))) this.pos++
  }

  /** Scans one value; returns false at the first character it cannot accept (left at `pos`). */
  value(): boolean {
    this.skipWhitespace()
    const c = this.text[this.pos]
    if (c === '{') return this.object()
    if (c === '[') return this.array()
    if (c === '"') return this.string()
    if (c === '-' || (c >= '0' && c <= '9')) return this.number()
    for (const word of ['true', 'false', 'null']) {
      if (c === word[0]) return this.literal(word)
    }
    return false
  }

  private literal(word: string): boolean {
    for (let i = 0; i < word.length; i++, this.pos++) if (this.text[this.pos] !== word[i]) return false
    return true
  }

  private digits(): boolean {
    const start = this.pos
    while (this.text[this.pos] >= '0' && this.text[this.pos] <= '9') this.pos++
    return this.pos > start
  }

  private number(): boolean {
    if (this.text[this.pos] === '-') this.pos++
    if (this.text[this.pos] === '0') this.pos++
    else if (!this.digits()) return false
    if (this.text[this.pos] === '.') {
      this.pos++
      if (!this.digits()) return false
    }
    if (this.text[this.pos] === 'e' || this.text[this.pos] === 'E') {
      this.pos++
      if (this.text[this.pos] === '+' || this.text[this.pos] === '-') this.pos++
      if (!this.digits()) return false
    }
    return true
  }

  private string(): boolean {
    this.pos++
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos)
      if (c === 0x22) {
        this.pos++
        return true
      }
      if (c < 0x20) return false
      if (c === 0x5c) {
        this.pos++
        const e = this.text[this.pos]
        if (e === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(this.text[this.pos + k] ?? '')) return this.fail(k)
          this.pos += 4
        } else if (e === undefined || !'"\\/bfnrt'.includes(e)) return false
      }
      this.pos++
    }
    return false
  }

  private fail(advance: number): boolean {
    this.pos += advance
    return false
  }

  private members(close: string, member: () => boolean): boolean {
    this.pos++
    this.skipWhitespace()
    if (this.text[this.pos] === close) {
      this.pos++
      return true
    }
    for (;;) {
      if (!member()) return false
      this.skipWhitespace()
      const c = this.text[this.pos]
      if (c === close) {
        this.pos++
        return true
      }
      if (c !== ',') return false
      this.pos++
    }
  }

  private object(): boolean {
    return this.members('}', () => {
      this.skipWhitespace()
      if (this.text[this.pos] !== '"' || !this.string()) return false
      this.skipWhitespace()
      if (this.text[this.pos] !== ':') return false
      this.pos++
      return this.value()
    })
  }

  private array(): boolean {
    return this.members(']', () => this.value())
  }
}

/** The 0-based offset of the first character of `text` that is not valid JSON (the length when it ends too early). */
export function jsonErrorOffset(text: string): number {
  const scanner = new JsonScanner(text)
  try {
    // a complete value followed by more text: the first extra character is the mistake
    if (scanner.value()) scanner.skipWhitespace()
  } catch {
    // nesting deeper than the call stack: the place is not known, the start is named
    return 0
  }
  return Math.min(scanner.pos, text.length)
}
