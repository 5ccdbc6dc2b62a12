import { describeValue } from '../errors'
import type { PayloadCodec } from './framing'

export interface TransportLimits {
  /** Largest frame accepted or sent, header included (default 1 MiB). */
  maxFrameBytes?: number
  /** Lanes the peer may have open at once on one session (default 1024). */
  maxStreamsPerSession?: number
  /** Messages per second the peer may send on one session, all channels together (default unlimited). */
  messagesPerSecond?: number
  /** Messages the peer may send at once above the rate (default: one second's worth). */
  burst?: number
  /** Bytes a channel may have sent and not yet acknowledged before its sender waits (default 8 MiB). */
  maxUnackedBytes?: number
  /** Bytes an Observable source may run ahead of the acknowledgements before the send fails with 'overflow' (default 64 MiB). */
  maxQueuedBytes?: number
}

export interface ResolvedLimits {
  readonly maxFrameBytes: number
  readonly maxStreamsPerSession: number
  readonly messagesPerSecond: number
  readonly burst: number
  readonly maxUnackedBytes: number
  readonly maxQueuedBytes: number
}

export function resolveLimits(limits: TransportLimits = {}): ResolvedLimits {
  const positive = (name: keyof TransportLimits, fallback: number, min = 1): number => {
    const value = limits[name] ?? fallback
    if (typeof value !== 'number' || Number.isNaN(value) || value < min)
      throw new RangeError(`limits.${name} must be a number >= ${min}, got ${describeValue(limits[name])}`)
    return value
  }
  const messagesPerSecond = positive('messagesPerSecond', Infinity)
  return {
    maxFrameBytes: positive('maxFrameBytes', 1 << 20, 64),
    maxStreamsPerSession: positive('maxStreamsPerSession', 1024),
    messagesPerSecond,
    burst: positive('burst', Number.isFinite(messagesPerSecond) ? messagesPerSecond : Infinity),
    maxUnackedBytes: positive('maxUnackedBytes', 8 << 20),
    maxQueuedBytes: positive('maxQueuedBytes', 64 << 20),
  }
}

export interface ChannelOptions<T> {
  /** How payloads become values (default JSON). */
  codec?: PayloadCodec<T>
}

export interface SendOptions<T> extends ChannelOptions<T> {
  /** Higher goes first under contention (WebTransport `sendOrder`); default 0. */
  priority?: number
  /** 'reliable' (default: numbered, acknowledged, resumed) or 'datagram' (lossy, for telemetry: drops are counted). */
  reliability?: 'reliable' | 'datagram'
}

/** What a send reports: messages sent, acknowledged by the peer, and (datagrams) dropped. */
export interface SendProgress {
  readonly channel: string
  readonly sent: number
  readonly acknowledged: number
  readonly dropped: number
}

/** What a session counts, so nothing refused or dropped goes unseen. */
export interface SessionStats {
  /** Lanes reset, by the reason code ('too-large', 'malformed', 'unknown-channel', 'rate-limited', ...). */
  readonly refused: Record<string, number>
  /** Repeats dropped after a resume. */
  duplicates: number
  datagramsReceived: number
  /** Datagrams that arrived for a channel nobody listens on, or over the rate. */
  datagramsDropped: number
  /** Links attached after the first (reconnections). */
  resumes: number
}
