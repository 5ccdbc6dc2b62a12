import { AsyncIterableX } from 'ix/asynciterable/asynciterablex'
import { checkBoolean, checkOptions } from '../../src/validate'
import { jsonErrorOffset } from './jsonErrorOffset'
import {
  FileReadError,
  inputName,
  iterationSignals,
  type NumberedRecord,
  type ReaderOptions,
  type TextInput,
  textChunks,
  throwIfAborted,
} from './textChunks'

const FN = 'readJsonLines'

/** Options of {@link readJsonLines}. */
export interface ReadJsonLinesOptions extends ReaderOptions {
  /** Yield `{ line, value }` instead of the value alone. Default false. */
  numbered?: boolean
}

/**
 * Reads a JSON-lines file (one JSON value per line) as an IxJS `AsyncIterableX` of the parsed
 * values, streamed: the file is read in 256 KB chunks and split into lines as it comes, so its size
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
  return new JsonLinesIterable<T>(input, file, numbered, o.signal)
}

class JsonLinesIterable<T> extends AsyncIterableX<T | NumberedRecord<T>> {
  constructor(
    private readonly input: TextInput,
    private readonly file: string,
    private readonly numbered: boolean,
    private readonly signal: AbortSignal | undefined,
  ) {
    super()
  }

  [Symbol.asyncIterator](signal?: AbortSignal): AsyncGenerator<T | NumberedRecord<T>, void, undefined> {
    return jsonLines<T>(this.input, this.file, this.numbered, iterationSignals(this.signal, signal))
  }
}

/** Parses one line; a malformed one is a `FileReadError` at the first bad character, a blank one `undefined`. */
function parseLine(text: string, file: string, line: number): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) }
  } catch (error) {
    if (text.trim() === '') return undefined
    const column = jsonErrorOffset(text) + 1
    const at = column > text.length ? 'end of line' : JSON.stringify(text.slice(column - 1, column + 19))
    throw new FileReadError(FN, file, line, column, `malformed JSON at ${at}: ${(error as Error).message}`, {
      cause: error,
    })
  }
}

async function* jsonLines<T>(
  input: TextInput,
  file: string,
  numbered: boolean,
  signals: readonly AbortSignal[],
): AsyncGenerator<T | NumberedRecord<T>, void, undefined> {
  let carry = ''
  let line = 0
  for await (const chunk of textChunks(FN, input, file, signals)) {
    const text = carry === '' ? chunk : carry + chunk
    let start = 0
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      line++
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl
      if (end > start) {
        const parsed = parseLine(text.slice(start, end), file, line)
        if (parsed !== undefined) {
          throwIfAborted(signals)
          yield numbered ? { line, value: parsed.value as T } : (parsed.value as T)
        }
      }
      start = nl + 1
    }
    carry = start === 0 ? text : text.slice(start)
  }
  if (carry !== '') {
    line++
    const end = carry.charCodeAt(carry.length - 1) === 13 ? carry.length - 1 : carry.length
    const parsed = parseLine(carry.slice(0, end), file, line)
    if (parsed !== undefined) yield numbered ? { line, value: parsed.value as T } : (parsed.value as T)
  }
}
