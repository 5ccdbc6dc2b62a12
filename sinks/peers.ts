/**
 * The peers of `midstream/sinks`, loaded when the entry loads so that a missing one is named at
 * import: prom-client for the metrics, and ws, which the transport sinks dial with (in
 * sources/transport/client.ts, when they connect) and is checked here so that a missing `ws` is
 * not found only later, as a failed connection. Types come from prom-client itself (`import type`).
 */
import type * as PromClient from 'prom-client'
import type * as WsPackage from 'ws'
import { requirePeers } from '../sources/peers/require'

const [promClientModule] = requirePeers<[typeof PromClient, typeof WsPackage]>('midstream/sinks', ['prom-client', 'ws'])

/** prom-client, for its collector and registry classes. */
export const promClient: typeof PromClient = promClientModule
