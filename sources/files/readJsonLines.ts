import type { AsyncIterableX } from 'ix/asynciterable/asynciterablex'
import { checkBoolean, checkOptions } from '../../src/validate'
import { loadReaderIterable } from '../peers/ix'
import { BatchedRecords, type ParseChunk } from './batchedRecords'
import { jsonErrorOffset } from './jsonErrorOffset'
import {
  FileReadError,
  inputName,
  iterationSignals,
  type NumberedRecord,
  type ReaderOptions,
  type TextInput,
} from './textChunks'

const FN = 'readJsonLines'

/** Options of {@link readJsonLines}. */
export interface ReadJsonLinesOptions extends ReaderOptions {
  /** Yield `{ line, value }` instead of the value alone. Default false. */
  numbered?: boolean
}

/**
 * Reads a JSON-lines file (one JSON value per line) as an IxJS `AsyncIterableX` of the parsed
 * values, streamed: the file is read in 64 KB chunks and split into lines as it comes, so its size
 * does not matter. Lines may end in `\n` or `\r\n`; a byte-order mark and blank lines are skipped.
 *
 * Emits: each line's value, in file order (with `numbered: true`, `{ line, value }`). Completes at
 * the end of the file. Errors: a `FileReadError` naming the file, line and column of the first
 * malformed line, or the file when it cannot be read; an aborted `signal` rejects with its reason.
 * Breaking out of the loop closes the file. Each iteration reads the file anew.
 *
 * ```ts
 * import { readJsonLines } from 'midstream/sources'
 * import { filter } from 'ix/asynciterable/operators'
 * for await (const event of readJsonLines<{ level: string }>('trace.jsonl').pipe(filter(e => e.level === 'error')))
 *   console.log(event)
 * ```
 */
export function readJsonLines<T = unknown>(
  input: TextInput,
  options: ReadJsonLinesOptions & { numbered: true },
): AsyncIterableX<NumberedRecord<T>>
export function readJsonLines<T = unknown>(input: TextInput, options?: ReadJsonLinesOptions): AsyncIterableX<T>
export function readJsonLines<T = unknown>(
  input: TextInput,
  options?: ReadJsonLinesOptions,
): AsyncIterableX<T | NumberedRecord<T>> {
  const o = checkOptions(FN, options, ['signal', 'name', 'numbered'])
  const file = inputName(FN, input, o.name, o.signal)
  const numbered = checkBoolean(FN, 'numbered', o.numbered ?? false)
  const ReaderIterable = loadReaderIterable()
  return new ReaderIterable(
    (signal?: AbortSignal) =>
      new BatchedRecords(FN, input, file, iterationSignals(o.signal, signal), jsonLinesParser<T>(file, numbered)),
  )
}

/** The error for a malformed line: the column of its first bad character, found by a grammar scan. */
function malformed(text: string, file: string, line: number, error: unknown): FileReadError {
  const column = jsonErrorOffset(text) + 1
  const at = column > text.length ? 'end of line' : JSON.stringify(text.slice(column - 1, column + 19))
  return new FileReadError(FN, file, line, column, `malformed JSON at ${at}: ${(error as Error).message}`, {
    cause: error,
  })
}

/** The parser of one reading: splits each chunk into lines and parses them, counting lines across chunks. */
function jsonLinesParser<T>(file: string, numbered: boolean): ParseChunk<T | NumberedRecord<T>> {
  let line = 0
  const parseOne = (text: string, start: number, end: number, records: (T | NumberedRecord<T>)[]): void => {
    line++
    if (end > start && text.charCodeAt(end - 1) === 13) end--
    if (end === start) return
    const lineText = text.slice(start, end)
    let value: T
    try {
      value = JSON.parse(lineText)
    } catch (error) {
      if (lineText.trim() === '') return // a blank line
      throw malformed(lineText, file, line, error)
    }
    records.push(numbered ? { line, value } : value)
  }
  return (text, atEnd) => {
    const records: (T | NumberedRecord<T>)[] = []
    let start = 0
    try {
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        parseOne(text, start, nl, records)
        start = nl + 1
      }
      if (atEnd && start < text.length) {
        parseOne(text, start, text.length, records)
        start = text.length
      }
    } catch (error) {
      return { records, rest: start, error }
    }
    return { records, rest: start }
  }
}
