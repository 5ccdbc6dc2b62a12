import type { AsyncIterableX } from 'ix/asynciterable/asynciterablex'
import { describeValue } from '../../src/errors'
import { checkBoolean, checkOptions } from '../../src/validate'
import { loadReaderIterable } from '../peers/ix'
import { BatchedRecords, type ParseChunk } from './batchedRecords'
import { type CsvCursor, type CsvGrammar, type ParsedRecord, parseRecords } from './csvParser'
import {
  FileReadError,
  inputName,
  iterationSignals,
  type NumberedRecord,
  type ReaderOptions,
  type TextInput,
} from './textChunks'

const FN = 'readCsv'

/** Options of {@link readCsv}. */
export interface ReadCsvOptions extends ReaderOptions {
  /**
   * `false` (the default): each record is an array of its fields. `true`: the first record names the
   * columns and each later one is an object keyed by them. An array: those names, the file having no
   * header row. With names, every record must have as many fields as there are names.
   */
  header?: boolean | readonly string[]
  /** The field delimiter, one character. Default `','`. */
  delimiter?: string
  /** The quote character. Default `'"'`. */
  quote?: string
  /** Lines starting with this character are skipped; default none. */
  comment?: string
  /** Skip lines with nothing on them. Default true (when false, each is a record with no fields). */
  skipEmptyLines?: boolean
  /** Yield `{ line, value }` instead of the record alone. Default false. */
  numbered?: boolean
}

/** A CSV record: its fields by column name when the file has a header, else in order. */
export type CsvRecord = Record<string, string>

/**
 * Reads a CSV file (RFC 4180: fields quoted with `"` may hold delimiters, quotes written twice and
 * line breaks) as an IxJS `AsyncIterableX` of records, streamed: the file is read in 64 KB chunks
 * and parsed as it comes, so its size does not matter. Lines may end in `\n`, `\r\n` or `\r`; a
 * byte-order mark and (unless `skipEmptyLines: false`) empty lines are skipped.
 *
 * Emits: each record in file order, an array of fields or (with `header`) an object keyed by column
 * name; with `numbered: true`, `{ line, value }` where `line` is where the record starts. Completes
 * at the end of the file. Errors: a `FileReadError` naming the file, line and column of the first
 * malformed record (a quote never closed, text after a closing quote, a quote inside an unquoted
 * field, a record with more or fewer fields than the header), or the file when it cannot be read;
 * an aborted `signal` rejects with its reason. Breaking out of the loop closes the file.
 *
 * ```ts
 * import { readCsv } from 'midstream/sources'
 * for await (const row of readCsv('readings.csv', { header: true })) console.log(Number(row.value))
 * ```
 */
export function readCsv(
  input: TextInput,
  options: ReadCsvOptions & { header: true | readonly string[]; numbered: true },
): AsyncIterableX<NumberedRecord<CsvRecord>>
export function readCsv(
  input: TextInput,
  options: ReadCsvOptions & { header: true | readonly string[] },
): AsyncIterableX<CsvRecord>
export function readCsv(
  input: TextInput,
  options: ReadCsvOptions & { numbered: true },
): AsyncIterableX<NumberedRecord<string[]>>
export function readCsv(input: TextInput, options?: ReadCsvOptions): AsyncIterableX<string[]>
export function readCsv(
  input: TextInput,
  options?: ReadCsvOptions,
): AsyncIterableX<string[] | CsvRecord | NumberedRecord<string[] | CsvRecord>> {
  const o = checkOptions(FN, options, [
    'signal',
    'name',
    'header',
    'delimiter',
    'quote',
    'comment',
    'skipEmptyLines',
    'numbered',
  ])
  const file = inputName(FN, input, o.name, o.signal)
  const delimiter = character('delimiter', o.delimiter ?? ',')
  const quote = character('quote', o.quote ?? '"')
  const comment = o.comment === undefined ? -1 : character('comment', o.comment)
  if (delimiter === quote || comment === delimiter || comment === quote)
    throw new RangeError(`${FN}: delimiter, quote and comment must be different characters`)
  for (const c of [delimiter, quote, comment])
    if (c === 10 || c === 13) throw new RangeError(`${FN}: delimiter, quote and comment cannot be a line break`)
  const grammar: CsvGrammar = {
    delimiter,
    quote,
    comment,
    skipEmptyLines: checkBoolean(FN, 'skipEmptyLines', o.skipEmptyLines ?? true),
  }
  const header = o.header ?? false
  if (typeof header !== 'boolean') checkColumnNames(header, 'header')
  const reading: CsvReading = { file, grammar, header, numbered: checkBoolean(FN, 'numbered', o.numbered ?? false) }
  const ReaderIterable = loadReaderIterable()
  return new ReaderIterable(
    (signal?: AbortSignal) =>
      new BatchedRecords(FN, input, file, iterationSignals(o.signal, signal), csvParser(reading)),
  )
}

function character(name: string, value: unknown): number {
  if (typeof value !== 'string' || value.length !== 1)
    throw new RangeError(`${FN}: ${name} must be a single character, got ${describeValue(value)}`)
  return value.charCodeAt(0)
}

/** Column names must be strings, distinct, and not `__proto__` (which an object key cannot hold). */
function checkColumnNames(names: unknown, where: string): readonly string[] {
  if (!Array.isArray(names) || names.length === 0)
    throw new TypeError(
      `${FN}: ${where} must be true, false or a non-empty array of names, got ${describeValue(names)}`,
    )
  const seen = new Set<string>()
  for (const name of names) {
    if (typeof name !== 'string')
      throw new TypeError(`${FN}: ${where}: column name ${describeValue(name)} is not a string`)
    if (seen.has(name)) throw new RangeError(`${FN}: ${where}: column ${JSON.stringify(name)} is named twice`)
    if (name === '__proto__') throw new RangeError(`${FN}: ${where}: "__proto__" cannot name a column`)
    seen.add(name)
  }
  return names
}

/** What one reading needs to know. */
interface CsvReading {
  readonly file: string
  readonly grammar: CsvGrammar
  readonly header: boolean | readonly string[]
  readonly numbered: boolean
}

/** Shapes a parsed record for the consumer; `names` is null while the header is still to come (or there is none). */
function shape(record: ParsedRecord, names: readonly string[] | null, file: string): string[] | CsvRecord {
  if (names === null) return record.fields
  const fields = record.fields
  if (fields.length !== names.length)
    throw new FileReadError(
      FN,
      file,
      record.line,
      1,
      `the record has ${fields.length} field${fields.length === 1 ? '' : 's'}, the header ${names.length}`,
    )
  const row: CsvRecord = {}
  for (let i = 0; i < names.length; i++) row[names[i]] = fields[i]
  return row
}

type CsvItem = string[] | CsvRecord | NumberedRecord<string[] | CsvRecord>

/** The parser of one reading: RFC 4180 records, shaped by the header, counting lines across chunks. */
function csvParser(reading: CsvReading): ParseChunk<CsvItem> {
  const { file, grammar, header, numbered } = reading
  let names: readonly string[] | null = typeof header === 'boolean' ? null : header
  let headerPending = header === true
  const cursor: CsvCursor = { line: 1 }
  return (text, atEnd) => {
    // the records before a malformed one are handed out first
    const parsed = parseRecords(text, cursor, grammar, atEnd)
    const records: CsvItem[] = []
    try {
      for (const record of parsed.records) {
        if (headerPending) {
          headerPending = false
          names = headerNames(record, file)
          continue
        }
        const value = shape(record, names, file)
        records.push(numbered ? { line: record.line, value } : value)
      }
    } catch (error) {
      return { records, rest: 0, error }
    }
    const e = parsed.error
    if (e !== undefined) return { records, rest: 0, error: new FileReadError(FN, file, e.line, e.column, e.reason) }
    return { records, rest: parsed.rest }
  }
}

function headerNames(record: ParsedRecord, file: string): readonly string[] {
  try {
    return checkColumnNames(record.fields, 'header row')
  } catch (error) {
    throw new FileReadError(FN, file, record.line, 1, (error as Error).message.replace(`${FN}: header row: `, ''))
  }
}
