/** midstream/sources: Observables that bring data in (Node and browser I/O). */

export { createDevCertificate, type DevCertificate, type DevCertificateOptions } from '../src/transport/devCertificate'
export { bytesCodec, FrameError, jsonCodec, type PayloadCodec } from '../src/transport/framing'
export { TransportError, type TransportErrorCode, type TransportProtocol } from '../src/transport/link'
export {
  type ChannelOptions,
  type ResolvedLimits,
  type SendOptions,
  type SendProgress,
  type SessionStats,
  type TransportLimits,
  TransportSession,
} from '../src/transport/session'
export { type CsvRecord, type ReadCsvOptions, readCsv } from './files/readCsv'
export { type ReadJsonLinesOptions, readJsonLines } from './files/readJsonLines'
export { FileReadError, type NumberedRecord, type ReaderOptions, type TextInput } from './files/textChunks'
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
  type RealtimeClientEvent,
  type RealtimeConnection,
  RealtimeError,
  type RealtimeOptions,
  type RealtimeServerEvent,
  realtimeSource,
} from './llm/realtimeSource'
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
  type CertificateHash,
  type CertificateHashValue,
  ClientSession,
  type ConnectOptions,
  connect,
  quicSource,
  type ReconnectOptions,
  SESSION_PARAMETER,
  type SessionMode,
  type SourceOptions,
  wsSource,
} from './transport/client'
export {
  type Authenticate,
  REFUSED_FULL,
  REFUSED_UNAUTHORIZED,
  type ServerLimits,
  type ServerStats,
  type TransportRequest,
} from './transport/hub'
export { quicServer, type TransportServer, type TransportServerOptions, wsServer } from './transport/servers'
export { type WebTransportSupport, webTransportSupport } from './transport/webTransportPackage'
