/**
 * What the file readers share: the input they accept (a path or a byte stream), the error they
 * throw (naming the file, line and column), and the loop that pulls decoded text from a file in
 * fixed-size chunks, so that no file is ever held whole in memory.
 */
import { open } from 'node:fs/promises'
import { StringDecoder } from 'node:string_decoder'
import { fileURLToPath } from 'node:url'
import { describeValue } from '../../src/errors'

/** A file to read: its path (or `file:` URL), or an open byte or text stream such as `process.stdin`. */
export type TextInput = string | URL | AsyncIterable<Uint8Array | string>

/** Options every reader takes. */
export interface ReaderOptions {
  /** Aborting it stops the reading: the file is closed and the iteration rejects with the signal's reason. */
  signal?: AbortSignal
  /** How errors name the input; default the path in quotes, or `'the stream'`. */
  name?: string
}

/** A record with the 1-based line of the file it starts on. */
export interface NumberedRecord<T> {
  /** The 1-based line of the file on which the record starts. */
  readonly line: number
  /** The record. */
  readonly value: T
}

/**
 * A file a reader could not read, or malformed content in it. `line` and `column` (1-based, the
 * column in characters of that line) say where; both are `undefined` when the file itself could
 * not be opened or read.
 */
export class FileReadError extends Error {
  /** The error's name, for logs and `instanceof`-free checks. */
  override readonly name = 'FileReadError'
  constructor(
    /** The reader that threw (`readJsonLines`, `readCsv`). */
    readonly reader: string,
    /** The input as named in the message: a quoted path, or the `name` option. */
    readonly file: string,
    /** The 1-based line where the malformed record goes wrong; undefined when the file could not be read. */
    readonly line: number | undefined,
    /** The 1-based column (in characters of that line); undefined when the file could not be read. */
    readonly column: number | undefined,
    /** What is wrong, without the position. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      line === undefined
        ? `${reader}: cannot read ${file}: ${reason}`
        : `${reader}: ${file}, line ${line}, column ${column}: ${reason}`,
      options,
    )
  }
}

/** Checks a reader's input and options, and returns the input's name for messages. */
export function inputName(reader: string, input: unknown, name: unknown, signal: unknown): string {
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new TypeError(`${reader}: signal must be an AbortSignal, got ${describeValue(signal)}`)
  if (name !== undefined && typeof name !== 'string')
    throw new TypeError(`${reader}: name must be a string, got ${describeValue(name)}`)
  if (typeof input === 'string') {
    if (input === '') throw new RangeError(`${reader}: the path must not be empty`)
    return name ?? `'${input}'`
  }
  if (input instanceof URL) return name ?? `'${fileURLToPath(input)}'`
  if (input !== null && typeof input === 'object' && Symbol.asyncIterator in input) return name ?? 'the stream'
  throw new TypeError(
    `${reader}: input must be a path, a file URL or an async iterable of bytes, got ${describeValue(input)}`,
  )
}

// 64 KB, as Node's read streams: with 64 KB chunks the readers ran 2-3x slower (presumably as a string
// over 128 KB lives in V8's large-object space, and every record was sliced from one)
const CHUNK_BYTES = 64 * 1024

/** Throws the reason of the first aborted signal (the reader's own, or the one ix hands an iteration). */
export function throwIfAborted(signals: readonly AbortSignal[]): void {
  for (const signal of signals) signal.throwIfAborted()
}

/** The reader's own signal and ix's per-iteration one, whichever are given. */
export function iterationSignals(own: AbortSignal | undefined, ix: AbortSignal | undefined): AbortSignal[] {
  return [own, ix].filter((s): s is AbortSignal => s !== undefined)
}

function ioReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'it is a directory'
  return error instanceof Error ? error.message : describeValue(error)
}

/**
 * The text of `input`, decoded as UTF-8 (a leading byte-order mark dropped, a character split
 * between chunks kept whole), in chunks of at most 64 KB. Stopping the iteration closes the file.
 */
export async function* textChunks(
  reader: string,
  input: TextInput,
  file: string,
  signals: readonly AbortSignal[],
): AsyncGenerator<string, void, undefined> {
  throwIfAborted(signals)
  const decoder = new StringDecoder('utf8')
  let first = true
  const decoded = (text: string): string => {
    if (!first || text.length === 0) return text
    first = false
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  }
  if (typeof input !== 'string' && !(input instanceof URL)) {
    try {
      for await (const chunk of input) {
        throwIfAborted(signals)
        const text = decoded(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer))
        if (text.length > 0) yield text
      }
    } catch (error) {
      throwIfAborted(signals)
      throw new FileReadError(reader, file, undefined, undefined, ioReason(error), { cause: error })
    }
    const tail = decoded(decoder.end())
    if (tail.length > 0) yield tail
    return
  }
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(input, 'r')
  } catch (error) {
    throw new FileReadError(reader, file, undefined, undefined, ioReason(error), { cause: error })
  }
  try {
    // one buffer for the whole file: the decoder copies every chunk into a string
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES)
    for (;;) {
      throwIfAborted(signals)
      let bytesRead: number
      try {
        ;({ bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null))
      } catch (error) {
        throw new FileReadError(reader, file, undefined, undefined, ioReason(error), { cause: error })
      }
      if (bytesRead === 0) break
      const text = decoded(decoder.write(buffer.subarray(0, bytesRead)))
      if (text.length > 0) yield text
    }
    const tail = decoded(decoder.end())
    if (tail.length > 0) yield tail
  } finally {
    await handle.close()
  }
}
