import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type WebTransportLike, webTransportLink } from '../../../src/transport/wtLink'

// A WebTransport session whose peer never says anything: no streams, no datagrams, never closed.
// What the link does with that silence is what is under test.
function silentPeer(): { session: WebTransportLike; closes: { closeCode?: number; reason?: string }[] } {
  const closes: { closeCode?: number; reason?: string }[] = []
  const session: WebTransportLike = {
    ready: Promise.resolve(),
    closed: new Promise(() => undefined),
    incomingUnidirectionalStreams: new ReadableStream(),
    datagrams: { readable: new ReadableStream(), writable: new WritableStream() },
    createUnidirectionalStream: async () => new WritableStream(),
    close: info => void closes.push(info ?? {}),
  }
  return { session, closes }
}

const HEARTBEAT_MS = 1000

describe('webTransportLink heartbeat', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] }))
  afterEach(() => vi.useRealTimers())

  it('gives the link up after three silent heartbeat periods', () => {
    const { session, closes } = silentPeer()
    const reasons: string[] = []
    const link = webTransportLink(session, 'webtransport-http2', 1 << 20, 'client', HEARTBEAT_MS)
    link.onClose = reason => reasons.push(reason)
    vi.advanceTimersByTime(3 * HEARTBEAT_MS)
    expect(reasons).toEqual([])
    vi.advanceTimersByTime(HEARTBEAT_MS)
    expect(reasons).toEqual(['lost (no heartbeat)'])
    expect(closes).toEqual([{ closeCode: 4000, reason: 'no heartbeat' }])
  })

  it('does not count a stall of this process (a late tick) as the peer being silent', () => {
    const { session, closes } = silentPeer()
    const reasons: string[] = []
    const link = webTransportLink(session, 'webtransport-http2', 1 << 20, 'client', HEARTBEAT_MS)
    link.onClose = reason => reasons.push(reason)
    // the event loop is blocked for 5 s: the clock moves, no timer runs; then the next tick comes late
    vi.setSystemTime(Date.now() + 5 * HEARTBEAT_MS)
    vi.advanceTimersByTime(HEARTBEAT_MS)
    expect(reasons).toEqual([])
    expect(closes).toEqual([])
    // from then on, silence counts again
    vi.advanceTimersByTime(4 * HEARTBEAT_MS)
    expect(reasons).toEqual(['lost (no heartbeat)'])
    link.close()
  })
})
