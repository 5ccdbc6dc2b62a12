/**
 * The iterator both readers hand out. A chunk of text is parsed into a batch of records at once;
 * `next()` then hands them out one by one as already-resolved promises, so a record costs one
 * promise rather than the several turns of an async generator's `yield` (which made the readers 2x
 * slower than `readline` + `JSON.parse` in bench/readers.ts).
 */
import { type TextInput, textChunks, throwIfAborted } from './textChunks'

/** What parsing one chunk gave: whole records, the offset of the unparsed rest, and the error that stopped it. */
export interface ParsedBatch<T> {
  readonly records: T[]
  readonly rest: number
  readonly error?: unknown
}

/** Parses the whole records of `text`; `atEnd` when no more text will follow. */
export type ParseChunk<T> = (text: string, atEnd: boolean) => ParsedBatch<T>

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined })

export class BatchedRecords<T> implements AsyncIterableIterator<T> {
  private batch: T[] = []
  private index = 0
  /** Thrown once the batch before it is handed out. */
  private failure: { error: unknown } | null = null
  private finished = false
  private carry = ''
  private refilling: Promise<IteratorResult<T, undefined>> | null = null
  private readonly chunks: AsyncGenerator<string, void, undefined>

  constructor(
    reader: string,
    input: TextInput,
    file: string,
    private readonly signals: readonly AbortSignal[],
    private readonly parse: ParseChunk<T>,
  ) {
    this.chunks = textChunks(reader, input, file, signals)
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.index < this.batch.length) {
      try {
        throwIfAborted(this.signals)
      } catch (reason) {
        return this.stop().then(() => Promise.reject(reason))
      }
      const value = this.batch[this.index]
      this.batch[this.index++] = undefined as T
      return Promise.resolve({ done: false, value })
    }
    if (this.refilling !== null) return this.refilling.then(() => this.next())
    this.refilling = this.refill().finally(() => {
      this.refilling = null
    })
    return this.refilling
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    await this.stop()
    return DONE
  }

  private async stop(): Promise<void> {
    this.finished = true
    this.batch = []
    this.index = 0
    this.failure = null
    await this.chunks.return()
  }

  private async refill(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      if (this.failure !== null) {
        const { error } = this.failure
        await this.stop()
        throw error
      }
      if (this.finished) return DONE
      let next: IteratorResult<string, void>
      try {
        next = await this.chunks.next()
      } catch (error) {
        this.finished = true
        throw error
      }
      const atEnd = next.done === true
      const text = atEnd ? this.carry : this.carry === '' ? (next.value as string) : this.carry + next.value
      const parsed = text === '' ? { records: [], rest: 0 } : this.parse(text, atEnd)
      this.carry = parsed.rest === 0 ? text : text.slice(parsed.rest)
      if (parsed.error !== undefined) this.failure = { error: parsed.error }
      if (atEnd) this.finished = true
      if (parsed.records.length > 0) {
        this.batch = parsed.records
        this.index = 0
        return this.next()
      }
    }
  }
}
