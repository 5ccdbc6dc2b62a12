const CHUNK = 1024

/**
 * A FIFO queue stored in fixed-size chunks that are recycled, so that a queue which grows to
 * millions of elements never copies or re-allocates one large array (a plain array used as a
 * queue re-allocates as it grows, and `shift()` is O(n)). Push and shift are O(1).
 *
 * ```ts
 * const q = new ChunkedQueue<number>()
 * q.push(1); q.push(2)
 * q.shift() // 1
 * q.size    // 1
 * ```
 */
export class ChunkedQueue<T> {
  private chunks: T[][] = [new Array<T>(CHUNK)]
  /** Index of the first element in chunks[0]. */
  private head = 0
  /** Index after the last element in the last chunk. */
  private tail = 0
  private spare: T[] | undefined
  size = 0

  push(value: T): void {
    let last = this.chunks[this.chunks.length - 1]
    if (this.tail === CHUNK) {
      last = this.spare ?? new Array<T>(CHUNK)
      this.spare = undefined
      this.chunks.push(last)
      this.tail = 0
    }
    last[this.tail++] = value
    this.size++
  }

  /** Removes and returns the oldest element; undefined when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined
    const first = this.chunks[0]
    const value = first[this.head]
    first[this.head++] = undefined as T
    this.size--
    if (this.size === 0) {
      this.head = this.tail = 0
      if (this.chunks.length > 1) this.chunks.length = 1
    } else if (this.head === CHUNK) {
      this.spare = this.chunks.shift()
      this.head = 0
    }
    return value
  }

  clear(): void {
    this.chunks = [new Array<T>(CHUNK)]
    this.head = this.tail = this.size = 0
    this.spare = undefined
  }
}
