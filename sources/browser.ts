/**
 * midstream/sources for browsers (the `browser` export condition): the clients only. WebTransport is
 * the browser's own; without it, `connect` falls back to WebSocket. Servers are Node-only.
 */

export { bytesCodec, FrameError, jsonCodec, type PayloadCodec } from '../src/transport/framing'
export { TransportError, type TransportErrorCode, type TransportProtocol } from '../src/transport/link'
export {
  type ChannelOptions,
  type SendOptions,
  type SendProgress,
  type SessionStats,
  type TransportLimits,
  TransportSession,
} from '../src/transport/session'
export {
  type LlmChunk,
  LlmError,
  type LlmFinishChunk,
  type LlmMessage,
  type LlmStreamOptions,
  type LlmTokenChunk,
  type LlmTool,
  type LlmToolCallChunk,
  type LlmUsageChunk,
  llmStream,
} from './llm/llmStream'
export {
  SseError,
  type SseErrorCode,
  type SseEvent,
  type SseReconnectOptions,
  type SseSourceOptions,
  type SseTarget,
  sseSource,
} from './llm/sseSource'
export {
  ClientSession,
  type ConnectOptions,
  connect,
  quicSource,
  type ReconnectOptions,
  SESSION_PARAMETER,
  type SourceOptions,
  wsSource,
} from './transport/client'
export { type WebTransportSupport, webTransportSupport } from './transport/webTransportPackage'
