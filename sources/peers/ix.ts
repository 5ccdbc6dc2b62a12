/**
 * IxJS (`ix`), the optional peer of the file readers (`readJsonLines`, `readCsv`), loaded on the
 * first call of a reader rather than when `midstream/sources` loads: the transports and LLM streams
 * of the entry do not need it. A missing `ix` is named as every missing peer is.
 */
import { createRequire } from 'node:module'
import type { AsyncIterableX } from 'ix/asynciterable/asynciterablex'
import { MissingPeerError, unresolvedPackage } from './missing'

const requireFromHere = createRequire(import.meta.url)

/** An ix `AsyncIterableX` whose iterations are made by `iterate` (called with ix's per-iteration signal). */
export type ReaderIterableClass = new <T>(iterate: (signal?: AbortSignal) => AsyncIterator<T>) => AsyncIterableX<T>

let readerIterable: ReaderIterableClass | undefined

/** The class the readers return, built on ix's `AsyncIterableX` once ix is loaded. */
export function loadReaderIterable(): ReaderIterableClass {
  readerIterable ??= buildReaderIterable(requireFromHere)
  return readerIterable
}

/** Builds the readers' class on the `AsyncIterableX` that `load` gives; a missing ix is a `MissingPeerError`. */
export function buildReaderIterable(load: (id: string) => unknown): ReaderIterableClass {
  let ix: { AsyncIterableX: abstract new <T>() => AsyncIterableX<T> }
  try {
    ix = load('ix/asynciterable/asynciterablex') as typeof ix
  } catch (error) {
    if (unresolvedPackage(error) === 'ix')
      throw new MissingPeerError('midstream/sources (the file readers)', ['ix'], { cause: error })
    throw error
  }
  class ReaderIterable<T> extends ix.AsyncIterableX<T> {
    constructor(private readonly iterate: (signal?: AbortSignal) => AsyncIterator<T>) {
      super()
    }
    [Symbol.asyncIterator](signal?: AbortSignal): AsyncIterator<T> {
      return this.iterate(signal)
    }
  }
  return ReaderIterable as ReaderIterableClass
}
