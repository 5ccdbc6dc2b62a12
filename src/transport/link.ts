import type { Frame } from './framing'

/**
 * One lane of a link: a reliable, ordered byte pipe each way for one channel. (Named so as not to
 * be taken for the scheduler's lanes, `LaneOptions`.)
 */
export interface LinkStream {
  /** Resolves once the transport has taken the bytes (this is where backpressure is felt); rejects when the lane is gone. */
  write(bytes: Uint8Array): Promise<void>
  /** Called with each frame that arrives, in order (the link decodes; a framing error ends the lane). */
  onFrame: ((frame: Frame) => void) | null
  /** Called once when the peer ends or resets the lane, a frame could not be read, or the link drops. */
  onEnd: ((error?: Error) => void) | null
  /** Ends our half after the writes already made. */
  end(): void
  /** Abandons both halves at once. */
  reset(reason: string): void
}

/**
 * What the session layer needs from a transport: a connection ("link") that carries lanes
 * (`LinkStream`s), each a reliable, ordered byte pipe each way for one channel, plus unreliable
 * datagrams. A WebTransport session carries a lane on a pair of unidirectional streams (priority =
 * `sendOrder`); a WebSocket multiplexes lanes by the frame's channel id and schedules writes by
 * priority itself. Plumbing between the transports and `TransportSession`, not part of the API.
 * @internal
 */
export interface Link {
  /** 'webtransport' or 'websocket', and for WebTransport the HTTP version under it. */
  readonly protocol: TransportProtocol
  /**
   * Opens a lane for channel id `channel` (the opener's: odd ids for clients, even for servers);
   * writes wait until it is open. Lanes with a higher priority are served first under contention.
   */
  openLane(channel: number, priority: number): LinkStream
  /** Set by the session: called for each lane the peer opens. */
  onLane: ((lane: LinkStream) => void) | null
  /** Sends one unreliable message; false when it was dropped (the link is congested or closed). */
  sendDatagram(bytes: Uint8Array): boolean
  onDatagram: ((bytes: Uint8Array) => void) | null
  /** Called for bytes that name no lane (a stream or message whose first frame cannot be read). */
  onUnroutable?: (() => void) | null
  /** Called once when the link is gone, for whatever reason. */
  onClose: ((reason: string) => void) | null
  close(reason?: string): void
}

/** The transport under a link: WebTransport (native, or over HTTP/3 or HTTP/2) or WebSocket. */
export type TransportProtocol = 'webtransport-http3' | 'webtransport-http2' | 'webtransport' | 'websocket'

/** Why a transport refused, dropped or reset something; `code` is stable, the message is for people. */
export class TransportError extends Error {
  /** Always `'TransportError'`. */
  override readonly name = 'TransportError'
  constructor(
    /** What went wrong, stable across releases (see `TransportErrorCode`); the same words count refused lanes in `stats.refused`. */
    readonly code: TransportErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** Why a transport refused, dropped or reset something (stable; see `TransportError`). */
export type TransportErrorCode =
  | 'refused' // authentication failed or the server is full: the session never opened
  | 'unreachable' // no connection could be made (after the retries)
  | 'closed' // the session was closed
  | 'too-large' // a frame above maxFrameBytes
  | 'malformed' // bytes that are not frames, or a payload the codec cannot read
  | 'truncated' // a lane ended inside a frame
  | 'unknown-channel' // nobody listens on that channel name
  | 'too-many-streams' // maxStreamsPerSession reached
  | 'rate-limited' // the session's messages-per-second budget ran out
  | 'protocol' // frames out of order (a gap in the numbering, data before Open)
  | 'overflow' // the sender's bounded queue was full
  | 'remote' // the peer's source failed; the message is the peer's

/** Reads an error frame's payload: `code` then a space then the message. */
export function parseErrorPayload(text: string): TransportError {
  const space = text.indexOf(' ')
  const code = (space > 0 ? text.slice(0, space) : 'remote') as TransportErrorCode
  return new TransportError(code, space > 0 ? text.slice(space + 1) : text)
}
