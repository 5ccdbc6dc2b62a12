/**
 * The peers of `midstream/sources` in Node, loaded when the entry loads so that a missing one is
 * named at import. `@fails-components/webtransport` is not among them: it is optional even here
 * (it is loaded when a WebTransport session is first dialled or served; `connect` falls back to
 * WebSocket without it and `quicServer` says to install it). The browser build uses
 * `sources.browser.ts` instead.
 */
import type * as EventSourceParserPackage from 'eventsource-parser'
import type * as WsPackage from 'ws'
import { requirePeers } from './require'

const [eventSourceParser, ws] = requirePeers<[typeof EventSourceParserPackage, typeof WsPackage]>('midstream/sources', [
  'eventsource-parser',
  'ws',
])

export type { EventSourceParser } from 'eventsource-parser'
/** eventsource-parser's `createParser`: sseSource and llmStream read event streams with it. */
export const createParser = eventSourceParser.createParser
/** ws's server class: wsServer and quicServer's WebSocket side listen with it. */
export const WebSocketServer = ws.WebSocketServer
