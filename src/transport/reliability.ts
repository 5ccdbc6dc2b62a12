import { describeValue } from '../errors'

/**
 * The sender's side of lossless resume: every message keeps its sequence number and bytes until the
 * peer acknowledges it, so after a dropped connection the unacknowledged ones are sent again, in
 * order. Bounded: `full` turns true above `maxBytes` of unacknowledged data, and a sender should
 * wait for acknowledgements then (backpressure, never unbounded buffering).
 *
 * ```ts
 * const pending = new ResendBuffer()
 * pending.record(0, bytes0); pending.record(1, bytes1)
 * pending.acknowledge(0)      // the peer has 0
 * for (const [seq, bytes] of pending.unacknowledged()) resend(seq, bytes) // 1
 * ```
 */
export class ResendBuffer {
  private seqs: number[] = []
  private payloads: Uint8Array[] = []
  private head = 0
  private bytes = 0
  private nextSeq = 0

  constructor(readonly maxBytes = 8 << 20) {
    if (!(maxBytes > 0)) throw new RangeError(`ResendBuffer: maxBytes must be > 0, got ${describeValue(maxBytes)}`)
  }

  /** Messages recorded and not yet acknowledged. */
  get size(): number {
    return this.seqs.length - this.head
  }

  get pendingBytes(): number {
    return this.bytes
  }

  get full(): boolean {
    return this.bytes > this.maxBytes
  }

  /** Records message `seq` (numbers must be consecutive from 0). */
  record(seq: number, payload: Uint8Array): void {
    if (seq !== this.nextSeq)
      throw new RangeError(`ResendBuffer.record: expected seq ${this.nextSeq}, got ${describeValue(seq)}`)
    this.nextSeq++
    this.seqs.push(seq)
    this.payloads.push(payload)
    this.bytes += payload.length
  }

  /** The peer has every message up to and including `seq`; an old or repeated acknowledgement is harmless. */
  acknowledge(seq: number): void {
    if (!Number.isSafeInteger(seq) || seq >= this.nextSeq)
      throw new RangeError(
        `ResendBuffer.acknowledge: seq ${describeValue(seq)} was never sent (next is ${this.nextSeq})`,
      )
    while (this.head < this.seqs.length && this.seqs[this.head] <= seq) {
      this.bytes -= this.payloads[this.head].length
      this.payloads[this.head] = EMPTY
      this.head++
    }
    // compact once the acknowledged prefix dominates, so memory follows what is pending
    if (this.head > 1024 && this.head * 2 > this.seqs.length) {
      this.seqs = this.seqs.slice(this.head)
      this.payloads = this.payloads.slice(this.head)
      this.head = 0
    }
  }

  /** The unacknowledged messages, oldest first, to send again after reconnecting. */
  *unacknowledged(): IterableIterator<[number, Uint8Array]> {
    for (let i = this.head; i < this.seqs.length; i++) yield [this.seqs[i], this.payloads[i]]
  }
}

const EMPTY = new Uint8Array(0)

/**
 * The receiver's side: messages of a channel are numbered from 0 and arrive in order on a reliable
 * stream, but after a resume the sender repeats what it had not seen acknowledged. `accept` passes
 * each number once: `'new'` for the next one, `'duplicate'` for one already delivered, `'gap'` for
 * one beyond the next (a lost message: on a reliable stream, a protocol error).
 *
 * ```ts
 * const seen = new DuplicateFilter()
 * seen.accept(0) // 'new'
 * seen.accept(0) // 'duplicate'
 * seen.lastDelivered // 0: what to acknowledge
 * ```
 */
export class DuplicateFilter {
  private next = 0

  /** The highest number delivered so far (-1 before any): what the receiver acknowledges. */
  get lastDelivered(): number {
    return this.next - 1
  }

  accept(seq: number): 'new' | 'duplicate' | 'gap' {
    if (!Number.isSafeInteger(seq) || seq < 0)
      throw new RangeError(`DuplicateFilter.accept: seq must be a safe integer >= 0, got ${describeValue(seq)}`)
    if (seq < this.next) return 'duplicate'
    if (seq > this.next) return 'gap'
    this.next++
    return 'new'
  }
}

/**
 * A token bucket for per-session rate limits: `rate` tokens per second, up to `burst` at once. Time
 * comes from the caller (a scheduler's `now()` in ms), so tests run on virtual time.
 *
 * ```ts
 * const bucket = new TokenBucket(100, 20) // 100 messages/s, bursts of 20
 * if (!bucket.take(scheduler.now())) refuse('rate limit: 100 messages/s')
 * ```
 */
export class TokenBucket {
  private tokens: number
  private last = -Infinity

  constructor(
    readonly rate: number,
    readonly burst: number,
  ) {
    if (!(rate > 0 && Number.isFinite(rate)))
      throw new RangeError(`TokenBucket: rate must be a finite number > 0 (per second), got ${describeValue(rate)}`)
    if (!(burst >= 1 && Number.isFinite(burst)))
      throw new RangeError(`TokenBucket: burst must be a finite number >= 1, got ${describeValue(burst)}`)
    this.tokens = burst
  }

  /** Takes `cost` tokens at time `nowMs` if there are enough; false (and nothing taken) otherwise. */
  take(nowMs: number, cost = 1): boolean {
    if (this.last !== -Infinity && nowMs > this.last)
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.last) / 1000) * this.rate)
    if (this.last === -Infinity || nowMs > this.last) this.last = nowMs
    if (this.tokens < cost) return false
    this.tokens -= cost
    return true
  }
}
