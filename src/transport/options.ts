import { checkNumber, checkOptions } from '../validate'
import { DEFAULT_MAX_FRAME_BYTES, type PayloadCodec } from './framing'

/**
 * What a peer may do on a session: frame size, streams, message rate, bytes in flight. Each side
 * enforces its own limits on what it receives; unknown names are refused.
 */
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

/**
 * The limits a session enforces (`session.limits`): `TransportLimits` with every default filled in.
 * `Infinity` means no limit.
 */
export interface ResolvedLimits {
  /** Largest frame accepted or sent, in bytes, header included (default 1 MiB, at least 64). */
  readonly maxFrameBytes: number
  /** Lanes the peer may have open at once on this session (default 1024). */
  readonly maxStreamsPerSession: number
  /** Messages per second the peer may send on this session, all channels together (default `Infinity`). */
  readonly messagesPerSecond: number
  /** Messages the peer may send at once above the rate (default `messagesPerSecond`, so `Infinity` without a rate). */
  readonly burst: number
  /** Bytes a channel may have sent and not yet acknowledged before its sender waits (default 8 MiB). */
  readonly maxUnackedBytes: number
  /** Bytes an Observable source may run ahead of the acknowledgements before the send fails with 'overflow' (default 64 MiB). */
  readonly maxQueuedBytes: number
}

/** The names `TransportLimits` knows (an unknown one is refused: a misspelt limit must not be ignored). */
export const TRANSPORT_LIMIT_NAMES: readonly (keyof TransportLimits)[] = [
  'maxFrameBytes',
  'maxStreamsPerSession',
  'messagesPerSecond',
  'burst',
  'maxUnackedBytes',
  'maxQueuedBytes',
]

/** The smallest `maxFrameBytes` accepted: a frame header and a short payload. */
export const MIN_MAX_FRAME_BYTES = 64
/** Default lanes a peer may hold open on one session. */
export const DEFAULT_MAX_STREAMS_PER_SESSION = 1024
/** Default unacknowledged bytes per channel before its sender waits: 8 MiB. */
export const DEFAULT_MAX_UNACKED_BYTES = 8 << 20
/** Default bytes an Observable source may run ahead of the acknowledgements: 64 MiB. */
export const DEFAULT_MAX_QUEUED_BYTES = 64 << 20

/**
 * Fills in the defaults of `limits` and checks them; `fn` is the public name the limits were
 * handed to (the start of every error message), e.g. `connect` or `quicServer`.
 *
 * ```ts
 * resolveLimits({ maxFrameBytes: 4096 }, 'connect').maxStreamsPerSession // 1024
 * ```
 */
export function resolveLimits(limits: TransportLimits = {}, fn = 'resolveLimits'): ResolvedLimits {
  checkOptions(fn, limits, TRANSPORT_LIMIT_NAMES)
  const positive = (name: keyof TransportLimits, fallback: number, min = 1): number => {
    const value = limits[name]
    if (value === undefined) return fallback
    if (value === Infinity) return value
    return checkNumber(fn, `limits.${name}`, value, { min })
  }
  const messagesPerSecond = positive('messagesPerSecond', Infinity)
  return {
    maxFrameBytes: positive('maxFrameBytes', DEFAULT_MAX_FRAME_BYTES, MIN_MAX_FRAME_BYTES),
    maxStreamsPerSession: positive('maxStreamsPerSession', DEFAULT_MAX_STREAMS_PER_SESSION),
    messagesPerSecond,
    burst: positive('burst', Number.isFinite(messagesPerSecond) ? messagesPerSecond : Infinity),
    maxUnackedBytes: positive('maxUnackedBytes', DEFAULT_MAX_UNACKED_BYTES),
    maxQueuedBytes: positive('maxQueuedBytes', DEFAULT_MAX_QUEUED_BYTES),
  }
}

/** How a channel's payloads become values. */
export interface ChannelOptions<T> {
  /** How payloads become values (default JSON). */
  codec?: PayloadCodec<T>
}

/** How a stream is sent on a channel: codec, priority, reliable or datagram. */
export interface SendOptions<T> extends ChannelOptions<T> {
  /** Higher goes first under contention (WebTransport `sendOrder`); default 0. */
  priority?: number
  /** 'reliable' (default: numbered, acknowledged, resumed) or 'datagram' (lossy, for telemetry: drops are counted). */
  reliability?: 'reliable' | 'datagram'
}

/** What a send reports: messages sent, acknowledged by the peer, and (datagrams) dropped. */
export interface SendProgress {
  /** The channel name the send is on. */
  readonly channel: string
  /** Messages taken from the source so far (reliable: numbered and queued, whether or not on the wire yet; datagram: handed to the link or dropped). */
  readonly sent: number
  /** Messages the peer has confirmed receiving, counted from the start of the channel; always 0 for datagrams, which are never acknowledged. */
  readonly acknowledged: number
  /** Datagrams not handed to the link (congested or between connections); always 0 for a reliable send, which loses nothing. */
  readonly dropped: number
}

/** What a session counts, so nothing refused or dropped goes unseen. */
export interface SessionStats {
  /** Lanes reset, by the reason code ('too-large', 'malformed', 'unknown-channel', 'rate-limited', ...). */
  readonly refused: Record<string, number>
  /** Repeats dropped after a resume. */
  duplicates: number
  /** Datagrams delivered to a channel's subscribers. */
  datagramsReceived: number
  /** Datagrams that arrived for a channel nobody listens on, or over the rate. */
  datagramsDropped: number
  /** Links attached after the first (reconnections). */
  resumes: number
}
