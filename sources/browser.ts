/**
 * midstream/sources for browsers (the `browser` export condition): the clients only. WebTransport is
 * the browser's own; without it, `connect` falls back to WebSocket. Servers are Node-only.
 */
export { connect, quicSource, wsSource, ClientSession, SESSION_PARAMETER, type ConnectOptions, type ReconnectOptions, type SourceOptions } from './transport/client'
export { webTransportSupport, type WebTransportSupport } from './transport/webTransportPackage'
export { TransportSession, type ChannelOptions, type SendOptions, type SendProgress, type SessionStats, type TransportLimits } from '../src/transport/session'
export { TransportError, type TransportErrorCode, type TransportProtocol } from '../src/transport/link'
export { jsonCodec, bytesCodec, FrameError, type PayloadCodec } from '../src/transport/framing'
export { sseSource, SseError, type SseEvent, type SseSourceOptions, type SseReconnectOptions, type SseTarget, type SseErrorCode } from './llm/sseSource'
export { llmStream, LlmError, type LlmStreamOptions, type LlmChunk, type LlmTokenChunk, type LlmToolCallChunk, type LlmFinishChunk, type LlmUsageChunk, type LlmMessage, type LlmTool } from './llm/llmStream'
