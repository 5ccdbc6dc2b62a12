/**
 * Input handling shared by the `midstream` commands: reading files (whole, or streamed record by
 * record through midstream's readers), parsing numeric series, and the one error type a command throws for bad input. Every
 * error here carries a message meant for a person at a terminal: the file, the line, the value.
 */
import { open, readFile, stat } from 'node:fs/promises'
import { InvalidArgumentError } from 'commander'
import { FileReadError, readCsv } from 'midstream/sources'

/**
 * Bad usage or bad input: printed as its message alone (no stack) on stderr, and the process exits
 * with `exitCode` (2 unless said otherwise).
 */
export class CliError extends Error {
  override readonly name = 'CliError'
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message)
  }
}

/** A file name as shown in messages: `-` is standard input. */
export function describeFile(path: string): string {
  return path === '-' ? 'standard input' : `'${path}'`
}

function unreadable(path: string, what: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException | null)?.code
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory'
          : error instanceof Error
            ? error.message
            : String(error)
  return new CliError(`cannot read ${what} ${describeFile(path)}: ${reason}`)
}

/** Checks that `path` names a readable regular file (or is `-`), before a stream is opened on it. */
async function checkReadable(path: string, what: string): Promise<void> {
  if (path === '-') return
  try {
    const info = await stat(path)
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' })
    const handle = await open(path, 'r')
    await handle.close()
  } catch (error) {
    throw unreadable(path, what, error)
  }
}

/** The whole text of a file (`-`: standard input); an unreadable file is a `CliError` naming it. */
export async function readText(path: string, what = 'file'): Promise<string> {
  await checkReadable(path, what)
  try {
    if (path === '-') {
      const chunks: Buffer[] = []
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    }
    return await readFile(path, 'utf8')
  } catch (error) {
    throw unreadable(path, what, error)
  }
}

/**
 * What a reader of `midstream/sources` (`readJsonLines`, `readCsv`) is handed for `path`: standard
 * input for `-`, else the path, checked first so that a missing file is named as the commands name it.
 */
export async function readerInput(path: string, what = 'file'): Promise<string | NodeJS.ReadableStream> {
  await checkReadable(path, what)
  return path === '-' ? process.stdin : path
}

/**
 * A reader's error as a `CliError`: a malformed record with the file, line and column; a file that
 * could not be read as `readText` words it. Anything else is rethrown.
 */
export function readerError(error: unknown, path: string, what = 'file'): never {
  if (error instanceof FileReadError) {
    if (error.line === undefined) throw unreadable(path, what, error.cause ?? error)
    throw new CliError(`${describeFile(path)}, line ${error.line}, column ${error.column}: ${error.reason}`)
  }
  throw error
}

/** The first character of a file other than white space and a byte-order mark ('' for none or standard input). */
export async function firstCharacter(path: string): Promise<string> {
  if (path === '-') return ''
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(4096)
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
    return (
      buffer
        .toString('utf8', 0, bytesRead)
        .replace(/^\uFEFF/, '')
        .trimStart()[0] ?? ''
    )
  } finally {
    await handle.close()
  }
}

/** Reads a finite number written in decimal or exponent notation; `undefined` for anything else. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim()
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined
  const x = Number(t)
  return Number.isFinite(x) ? x : undefined
}

/** Abbreviates a value for an error message. */
export function preview(value: string, max = 40): string {
  const s = JSON.stringify(value.length > max ? `${value.slice(0, max)}...` : value)
  return s
}

/**
 * A numeric series from a file's text, in any of the forms the commands accept: a JSON array of
 * numbers; one number per line; or CSV, of which the first column is read (a first row that is not
 * a number is taken as a header). Blank lines and lines starting with `#` are skipped. A value
 * that is not a finite number is a `CliError` with its line and text.
 */
export function parseSeries(text: string, path: string): Float64Array {
  const name = describeFile(path)
  const trimmed = text.trim()
  if (trimmed.startsWith('[')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(trimmed)
    } catch (error) {
      throw new CliError(`${name}: not valid JSON: ${(error as Error).message}`)
    }
    if (!Array.isArray(parsed)) throw new CliError(`${name}: expected a JSON array of numbers`)
    const out = new Float64Array(parsed.length)
    for (let i = 0; i < parsed.length; i++) {
      const v = parsed[i]
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new CliError(`${name}: element ${i} of the JSON array is not a finite number: ${JSON.stringify(v)}`)
      out[i] = v
    }
    return out
  }
  const values: number[] = []
  const lines = text.split(/\r?\n/)
  for (let k = 0; k < lines.length; k++) {
    const raw = lines[k]
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const cell = firstCell(line)
    const x = parseNumber(cell)
    if (x === undefined) {
      // a CSV header: the first non-blank row of a file with columns
      if (values.length === 0 && line.includes(',') && isFirstContentLine(lines, k)) continue
      throw new CliError(`${name}, line ${k + 1}: not a number: ${preview(cell)}`)
    }
    values.push(x)
  }
  return Float64Array.from(values)
}

/**
 * A numeric series from a file, as `parseSeries` reads it, but streamed where it can be: a file of
 * numbers, one per line or as the first column of CSV, is read by midstream's CSV reader record by
 * record (never held whole as text); a JSON array (or standard input) is read whole.
 */
export async function readSeries(path: string, what = 'series'): Promise<Float64Array> {
  const input = await readerInput(path, what)
  if (path === '-' || (await firstCharacter(path)) === '[') return parseSeries(await readText(path, what), path)
  const name = describeFile(path)
  const values: number[] = []
  let firstContent = true
  try {
    for await (const { value: fields, line } of readCsv(input, { numbered: true, name, comment: '#' })) {
      const cell = fields[0]
      const trimmed = cell.trim()
      if ((fields.length === 1 && trimmed === '') || trimmed.startsWith('#')) continue
      const x = parseNumber(cell)
      const header = firstContent && fields.length > 1
      firstContent = false
      if (x !== undefined) values.push(x)
      // a CSV header: the first non-blank row of a file with columns
      else if (!header) throw new CliError(`${name}, line ${line}: not a number: ${preview(cell)}`)
    }
  } catch (error) {
    readerError(error, path, what)
  }
  return Float64Array.from(values)
}

function isFirstContentLine(lines: string[], k: number): boolean {
  for (let i = 0; i < k; i++) {
    const t = lines[i].trim()
    if (t !== '' && !t.startsWith('#')) return false
  }
  return true
}

/** The first field of a CSV row (double-quoted fields allowed). */
function firstCell(line: string): string {
  if (line.startsWith('"')) {
    const end = line.indexOf('"', 1)
    return end < 0 ? line : line.slice(1, end)
  }
  const comma = line.indexOf(',')
  return comma < 0 ? line : line.slice(0, comma)
}

/** A command-line integer option, for commander's argument parsers. */
export function integerOption(name: string, min: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value)
    if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`)
    }
    return n
  }
}

/** Writes one line to stdout. */
export function out(line: string): void {
  process.stdout.write(`${line}\n`)
}

/** JSON.stringify that writes non-finite numbers as strings ("Infinity", "NaN") instead of null. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))
}
