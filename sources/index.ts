/** midstream/sources: Observables that bring data in (Node and browser I/O). */
export { connect, quicSource, wsSource, ClientSession, SESSION_PARAMETER, type ConnectOptions, type ReconnectOptions, type SourceOptions } from './transport/client'
export { quicServer, wsServer, type TransportServer, type TransportServerOptions } from './transport/servers'
export { REFUSED_FULL, REFUSED_UNAUTHORIZED, type Authenticate, type ServerLimits, type ServerStats, type TransportRequest } from './transport/hub'
export { webTransportSupport, type WebTransportSupport } from './transport/webTransportPackage'
export { createDevCertificate, type DevCertificate } from '../src/transport/devCertificate'
export { TransportSession, type ChannelOptions, type SendOptions, type SendProgress, type SessionStats, type TransportLimits } from '../src/transport/session'
export { TransportError, type TransportErrorCode, type TransportProtocol } from '../src/transport/link'
export { jsonCodec, bytesCodec, FrameError, type PayloadCodec } from '../src/transport/framing'
