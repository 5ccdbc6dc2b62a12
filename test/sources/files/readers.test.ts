import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fc, test } from '@fast-check/vitest'
import { FileReadError, readCsv, readJsonLines } from 'midstream/sources'
import { afterAll, describe, expect, it } from 'vitest'
import { buildReaderIterable } from '../../../sources/peers/ix'

const dir = mkdtempSync(join(tmpdir(), 'midstream-readers-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let fileCount = 0
function writeTemp(content: string | Buffer): string {
  const path = join(dir, `f${fileCount++}`)
  writeFileSync(path, content)
  return path
}

/** The bytes of `text` cut at the given fractions: chunks that split lines, CRLFs and UTF-8 characters. */
function chunked(bytes: Buffer, cuts: number[]): AsyncIterable<Uint8Array> {
  const offsets = [...new Set(cuts.map(c => Math.floor(c * bytes.length)))].sort((a, b) => a - b)
  return (async function* () {
    let from = 0
    for (const at of [...offsets, bytes.length]) {
      if (at > from) yield bytes.subarray(from, at)
      from = at
    }
  })()
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of iterable) out.push(x)
  return out
}

async function failure(iterable: AsyncIterable<unknown>): Promise<FileReadError> {
  try {
    for await (const _ of iterable);
  } catch (error) {
    expect(error).toBeInstanceOf(FileReadError)
    return error as FileReadError
  }
  throw new Error('expected a FileReadError')
}

const openFds = () => readdirSync('/proc/self/fd').length

const layout = fc.record({
  bom: fc.boolean(),
  crlf: fc.boolean(),
  trailingNewline: fc.boolean(),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
})

describe('readJsonLines', () => {
  test.prop([fc.array(fc.tuple(fc.jsonValue(), fc.nat(2)), { maxLength: 30 }), layout])(
    'reads back any values written one per line, with their line numbers, however the bytes are chunked',
    async (items, { bom, crlf, trailingNewline, cuts }) => {
      const eol = crlf ? '\r\n' : '\n'
      const lines: string[] = []
      const expected: { line: number; value: unknown }[] = []
      for (const [value, blanks] of items) {
        for (let b = 0; b < blanks; b++) lines.push(b === 0 ? '' : '  \t')
        const text = JSON.stringify(value)
        lines.push(text)
        expected.push({ line: lines.length, value: JSON.parse(text) })
      }
      const text = (bom ? '\ufeff' : '') + lines.join(eol) + (trailingNewline ? eol : '')
      const bytes = Buffer.from(text, 'utf8')
      expect(await collect(readJsonLines(chunked(bytes, cuts), { numbered: true }))).toEqual(expected)
      expect(await collect(readJsonLines(writeTemp(bytes)))).toEqual(expected.map(e => e.value))
    },
  )

  test.prop([fc.array(fc.jsonValue(), { minLength: 1, maxLength: 10 }), fc.nat(), fc.jsonValue(), fc.nat()])(
    'a line cut short is named with its line and the column where it ends',
    async (before, k, broken, cut) => {
      const full = JSON.stringify(broken)
      const prefix = full.slice(0, cut % full.length)
      let valid = true
      try {
        JSON.parse(prefix)
      } catch {
        valid = false
      }
      fc.pre(!valid && prefix.trim() !== '')
      const lines = before.map(v => JSON.stringify(v))
      const at = k % (lines.length + 1)
      lines.splice(at, 0, prefix)
      const error = await failure(readJsonLines(writeTemp(lines.join('\n'))))
      expect(error.line).toBe(at + 1)
      // a prefix of valid JSON goes wrong only where it ends
      expect(error.column).toBe(prefix.length + 1)
      expect(error.message).toContain(`line ${at + 1}, column ${prefix.length + 1}`)
    },
  )

  it('names the column of a bad character, the file, and a file that cannot be read', async () => {
    const path = writeTemp('{"a": 1}\n{"a": 2, "b": tru}\n')
    const error = await failure(readJsonLines(path))
    expect(error.message).toBe(
      `readJsonLines: '${path}', line 2, column 18: malformed JSON at "}": ${(() => {
        try {
          JSON.parse('{"a": 2, "b": tru}')
        } catch (e) {
          return (e as Error).message
        }
      })()}`,
    )
    expect((await failure(readJsonLines(writeTemp('{"a":1} x\n')))).column).toBe(9)
    const missing = await failure(readJsonLines(join(dir, 'missing.jsonl')))
    expect(missing.message).toBe(`readJsonLines: cannot read '${join(dir, 'missing.jsonl')}': no such file`)
    expect(missing.line).toBeUndefined()
    expect((await failure(readJsonLines(dir))).reason).toBe('it is a directory')
  })

  it('break and an aborted signal close the file; the signal rejects with its reason', async () => {
    const path = writeTemp(Array.from({ length: 200_000 }, (_, i) => JSON.stringify({ i })).join('\n'))
    const fds = openFds()
    let seen = 0
    for await (const _ of readJsonLines(path)) if (++seen === 10) break
    expect(seen).toBe(10)
    expect(openFds()).toBe(fds)
    const controller = new AbortController()
    let got = 0
    await expect(
      (async () => {
        for await (const _ of readJsonLines(path, { signal: controller.signal }))
          if (++got === 1000) controller.abort(new Error('enough'))
      })(),
    ).rejects.toThrow('enough')
    expect(got).toBe(1000)
    expect(openFds()).toBe(fds)
  })

  it('rejects bad arguments naming the function and the value', () => {
    expect(() => readJsonLines(42 as never)).toThrow(
      'readJsonLines: input must be a path, a file URL or an async iterable of bytes, got 42',
    )
    expect(() => readJsonLines('')).toThrow('readJsonLines: the path must not be empty')
    expect(() => readJsonLines('x', { signal: 'no' as never })).toThrow(
      'readJsonLines: signal must be an AbortSignal, got "no"',
    )
    expect(() => readJsonLines('x', { numbred: true } as never)).toThrow('readJsonLines: unknown option "numbred"')
  })
})

// ---- CSV ----

const cell = fc.string({
  unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\n', '\r', '\r\n', 'é', '😀', ';'),
  maxLength: 6,
})
const records = fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { maxLength: 20 })

/** The writer: RFC 4180, quoting a field when it must (or when `always`); a lone empty field is quoted so the line is not empty. */
function writeCsv(rows: string[][], eol: string, always: boolean): string {
  const field = (f: string, lone: boolean) =>
    always || /[",\r\n]/.test(f) || (lone && f === '') ? `"${f.replaceAll('"', '""')}"` : f
  return rows.map(r => r.map(f => field(f, r.length === 1)).join(',')).join(eol)
}

type RefResult = { records: { line: number; fields: string[] }[] } | { error: { line: number; column: number } }

/**
 * The reference parse: the whole text at once, one character at a time, with the reader's rules
 * (records end at \n, \r\n or \r; empty lines skipped; a quote only at a field's start).
 */
function referenceCsv(text: string): RefResult {
  const out: { line: number; fields: string[] }[] = []
  let i = 0
  let line = 1
  let lineStart = 0
  const breakAt = (k: number) => text[k] === '\n' || text[k] === '\r'
  const skipBreak = () => {
    i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1
    line++
    lineStart = i
  }
  while (i < text.length) {
    if (breakAt(i)) {
      skipBreak()
      continue
    }
    const start = line
    const fields: string[] = []
    for (;;) {
      let f = ''
      if (text[i] === '"') {
        const open = { line, column: i - lineStart + 1 }
        i++
        for (;;) {
          if (i >= text.length) return { error: open }
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              f += '"'
              i += 2
              continue
            }
            i++
            break
          }
          if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] !== '\n')) {
            f += text[i++]
            line++
            lineStart = i
            continue
          }
          f += text[i++]
        }
        if (i < text.length && text[i] !== ',' && !breakAt(i)) return { error: { line, column: i - lineStart + 1 } }
      } else {
        while (i < text.length && text[i] !== ',' && !breakAt(i)) {
          if (text[i] === '"') return { error: { line, column: i - lineStart + 1 } }
          f += text[i++]
        }
      }
      fields.push(f)
      if (text[i] === ',') {
        i++
        continue
      }
      break
    }
    out.push({ line: start, fields })
    if (i < text.length) skipBreak()
  }
  return { records: out }
}

describe('readCsv', () => {
  test.prop([records, layout, fc.boolean()])(
    'reads back any records written as CSV (quotes, commas, line breaks in fields, CRLF, BOM), however chunked',
    async (rows, { bom, crlf, trailingNewline, cuts }, always) => {
      const eol = crlf ? '\r\n' : '\n'
      const text = (bom ? '\ufeff' : '') + writeCsv(rows, eol, always) + (trailingNewline && rows.length > 0 ? eol : '')
      const bytes = Buffer.from(text, 'utf8')
      // the writer writes no empty line, so keeping empty lines must change nothing
      expect(await collect(readCsv(chunked(bytes, cuts), { skipEmptyLines: false }))).toEqual(rows)
      expect(await collect(readCsv(writeTemp(bytes)))).toEqual(rows)
    },
  )

  test.prop([
    fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', '\r\n', 'é'), maxLength: 40 }),
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 5 }),
  ])(
    'any text: the records and their lines of a reference parse, or its error at the same line and column',
    async (text, cuts) => {
      const want = referenceCsv(text)
      const source = readCsv(chunked(Buffer.from(text, 'utf8'), cuts), { numbered: true })
      if ('records' in want) {
        const got = await collect(source)
        expect(got.map(r => ({ line: r.line, fields: r.value }))).toEqual(want.records)
      } else {
        const error = await failure(source)
        expect({ line: error.line, column: error.column }).toEqual(want.error)
      }
    },
  )

  test.prop([fc.array(fc.tuple(cell, cell), { maxLength: 10 }), fc.boolean()])(
    'with a header: objects keyed by its names; a record of another length is named by its line',
    async (pairs, broken) => {
      const rows = pairs.map(([a, b]) => [a, b])
      const text = writeCsv([['first', 'second'], ...rows], '\n', false)
      if (!broken || rows.length === 0) {
        expect(await collect(readCsv(writeTemp(text), { header: true }))).toEqual(
          rows.map(([first, second]) => ({ first, second })),
        )
        return
      }
      const extra = `${text}\nx,y,z`
      const error = await failure(readCsv(writeTemp(extra), { header: true }))
      expect(error.line).toBe(extra.split(/\r\n|\n|\r/).length)
      expect(error.reason).toBe('the record has 3 fields, the header 2')
    },
  )

  it("agrees with Python's csv module on files the writer made", async () => {
    let python = true
    try {
      execFileSync('python3', ['-c', 'import csv'], { stdio: 'ignore' })
    } catch {
      python = false
    }
    if (!python) return
    const paths = fc.sample(records, { numRuns: 40, seed: 7 }).map(rows => writeTemp(writeCsv(rows, '\r\n', false)))
    // one interpreter for every file: python3 starts slowly
    const script =
      'import csv,json,sys\nout=[]\nfor p in sys.argv[1:]:\n  with open(p, newline="", encoding="utf-8") as f: out.append(list(csv.reader(f)))\nprint(json.dumps(out))'
    const reference = JSON.parse(execFileSync('python3', ['-c', script, ...paths], { encoding: 'utf8' }))
    for (let k = 0; k < paths.length; k++)
      expect(await collect(readCsv(paths[k], { skipEmptyLines: false }))).toEqual(reference[k])
  })

  it('names malformed records: an unclosed quote at its opening, text after a closing quote', async () => {
    const unclosed = writeTemp('a,b\n1,"two\nthree\n')
    const e1 = await failure(readCsv(unclosed))
    expect(e1.message).toBe(`readCsv: '${unclosed}', line 2, column 3: a quoted field is never closed`)
    const after = await failure(readCsv(writeTemp('a,"b"c\n')))
    expect([after.line, after.column, after.reason]).toEqual([1, 6, 'unexpected character "c" after a closing quote'])
    const dup = await failure(readCsv(writeTemp('x,x\n1,2\n'), { header: true }))
    expect(dup.reason).toBe('column "x" is named twice')
  })

  it('a chunk that ends between \\r and \\n: one line break, not two', async () => {
    const chunks = async function* () {
      yield Buffer.from('a,"x\r')
      yield Buffer.from('\ny"\r')
      yield Buffer.from('\nb\r')
      yield Buffer.from('\r\nc')
    }
    const rows = await collect(readCsv(chunks(), { skipEmptyLines: false, numbered: true }))
    expect(rows).toEqual([
      { line: 1, value: ['a', 'x\r\ny'] },
      { line: 3, value: ['b'] },
      { line: 4, value: [] },
      { line: 5, value: ['c'] },
    ])
    const lines = async function* () {
      yield Buffer.from('1\r')
      yield Buffer.from('\n{"a":')
      yield Buffer.from('2}\r')
      yield Buffer.from('\n')
    }
    expect(await collect(readJsonLines(lines(), { numbered: true }))).toEqual([
      { line: 1, value: 1 },
      { line: 2, value: { a: 2 } },
    ])
  })

  it('delimiter, comment lines, given column names and numbered records', async () => {
    const path = writeTemp('# readings\n1;"a;b"\n\n# more\n2;c\n')
    const rows = await collect(readCsv(path, { delimiter: ';', comment: '#', header: ['n', 's'], numbered: true }))
    expect(rows).toEqual([
      { line: 2, value: { n: '1', s: 'a;b' } },
      { line: 5, value: { n: '2', s: 'c' } },
    ])
  })

  it('break and an aborted signal close the file', async () => {
    const path = writeTemp(Array.from({ length: 100_000 }, (_, i) => `${i},"x, ${i}"`).join('\n'))
    const fds = openFds()
    for await (const row of readCsv(path)) if (row[0] === '5') break
    expect(openFds()).toBe(fds)
    await expect(collect(readCsv(path, { signal: AbortSignal.abort(new Error('no')) }))).rejects.toThrow('no')
    expect(openFds()).toBe(fds)
  })

  it('rejects bad options naming the function and the value', () => {
    expect(() => readCsv('x', { delimiter: ';;' })).toThrow('readCsv: delimiter must be a single character, got ";;"')
    expect(() => readCsv('x', { delimiter: '"' })).toThrow('readCsv: delimiter, quote and comment must be different')
    expect(() => readCsv('x', { header: ['a', 'a'] })).toThrow('readCsv: header: column "a" is named twice')
    expect(() => readCsv('x', { header: 'yes' as never })).toThrow(
      'readCsv: header must be true, false or a non-empty array',
    )
  })
})

describe('the readers without ix', () => {
  it('name the missing optional peer, and let any other failure through', () => {
    const missing = () => {
      throw Object.assign(new Error("Cannot find module 'ix/asynciterable/asynciterablex'"), {
        code: 'MODULE_NOT_FOUND',
      })
    }
    expect(() => buildReaderIterable(missing)).toThrow(
      'midstream/sources (the file readers) needs the optional peer dependency "ix": npm install ix',
    )
    const broken = new SyntaxError('Unexpected token')
    expect(() =>
      buildReaderIterable(() => {
        throw broken
      }),
    ).toThrow(broken)
  })
})
