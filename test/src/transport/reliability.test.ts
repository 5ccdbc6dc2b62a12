import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { DuplicateFilter, ResendBuffer, TokenBucket } from '../../../src/transport/reliability'

describe('lossless resume', () => {
  test.prop([
    fc.integer({ min: 1, max: 400 }),
    fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 30 }),
    fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 30 }),
  ])(
    'cut the connection at random points: the receiver sees every message exactly once, in order',
    (n, cuts, ackEvery) => {
      const sender = new ResendBuffer()
      const receiver = new DuplicateFilter()
      const delivered: number[] = []
      let sent = 0
      let connection = 0
      // one connection: messages and acks in flight; a cut loses whatever is still in flight
      const run = (budget: number) => {
        // the resume handshake: the receiver tells the sender the last message it delivered
        if (receiver.lastDelivered >= 0) sender.acknowledge(receiver.lastDelivered)
        const inFlight: number[] = []
        for (const [seq] of sender.unacknowledged()) inFlight.push(seq) // resend after reconnecting
        while (inFlight.length + sent < n && inFlight.length < budget) {
          sender.record(sent, new Uint8Array([sent & 255]))
          inFlight.push(sent++)
        }
        const cut = cuts.length > 0 ? cuts[connection % cuts.length] : Infinity
        const every = 1 + (ackEvery.length > 0 ? ackEvery[connection % ackEvery.length] : 0)
        connection++
        for (let k = 0; k < inFlight.length; k++) {
          if (k >= cut) return false // the connection dropped: the rest and any acks are lost
          const verdict = receiver.accept(inFlight[k])
          expect(verdict).not.toBe('gap')
          if (verdict === 'new') delivered.push(inFlight[k])
          if ((k + 1) % every === 0 || k === inFlight.length - 1) sender.acknowledge(receiver.lastDelivered)
        }
        return true
      }
      for (let attempt = 0; attempt < 10_000 && (sent < n || sender.size > 0); attempt++) {
        const completed = run(25)
        if (!completed && cuts.every(c => c === 0) && attempt > 50) cuts = [] // a connection that always drops at once never progresses
      }
      expect(delivered).toEqual(Array.from({ length: n }, (_, i) => i))
      expect(sender.size).toBe(0)
      expect(sender.pendingBytes).toBe(0)
    },
  )

  it('the filter names duplicates and gaps; the buffer checks numbering and bounds its memory', () => {
    const seen = new DuplicateFilter()
    expect([seen.accept(0), seen.accept(1), seen.accept(1), seen.accept(0), seen.accept(3)]).toEqual([
      'new',
      'new',
      'duplicate',
      'duplicate',
      'gap',
    ])
    expect(seen.lastDelivered).toBe(1)
    const pending = new ResendBuffer(10)
    pending.record(0, new Uint8Array(6))
    expect(pending.full).toBe(false)
    pending.record(1, new Uint8Array(6))
    expect(pending.full).toBe(true)
    pending.acknowledge(0)
    expect([pending.full, pending.size, pending.pendingBytes]).toEqual([false, 1, 6])
    expect(() => pending.record(5, new Uint8Array(1))).toThrow(/expected seq 2, got 5/)
    expect(() => pending.acknowledge(9)).toThrow(/seq 9 was never sent \(next is 2\)/)
    pending.acknowledge(0) // an old acknowledgement is harmless
    expect(pending.size).toBe(1)
  })
})

describe('TokenBucket', () => {
  test.prop([
    fc.integer({ min: 1, max: 1000 }),
    fc.integer({ min: 1, max: 50 }),
    fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 300 }),
  ])('never admits more than burst + rate x elapsed time', (rate, burst, gaps) => {
    const bucket = new TokenBucket(rate, burst)
    let now = 0
    let admitted = 0
    for (const gap of gaps) {
      now += gap
      if (bucket.take(now)) admitted++
      expect(admitted).toBeLessThanOrEqual(burst + (rate * now) / 1000 + 1e-9)
    }
  })

  it('admits a burst, then the rate', () => {
    const bucket = new TokenBucket(10, 3)
    expect([0, 0, 0, 0].map(() => bucket.take(0))).toEqual([true, true, true, false])
    expect(bucket.take(50)).toBe(false)
    expect(bucket.take(100)).toBe(true)
    expect(() => new TokenBucket(0, 1)).toThrow(/rate must be a finite number > 0/)
  })
})
