/**
 * The peers of `midstream/sinks`, loaded when the entry loads so that a missing one is named at
 * import: prom-client for the metrics, and ws, which the transport sinks dial with (in
 * sources/transport/client.ts, when they connect) and is checked here so that a missing `ws` is
 * not found only later, as a failed connection. The types are prom-client's own.
 */
import type * as PromClient from 'prom-client'
import type * as WsPackage from 'ws'
import { requirePeers } from '../sources/peers/require'

const [promClient] = requirePeers<[typeof PromClient, typeof WsPackage]>('midstream/sinks', ['prom-client', 'ws'])

/** prom-client's `Counter`. */
export const Counter = promClient.Counter
/** A prom-client counter. */
export type Counter<T extends string = string> = PromClient.Counter<T>
/** prom-client's `Gauge`. */
export const Gauge = promClient.Gauge
/** A prom-client gauge. */
export type Gauge<T extends string = string> = PromClient.Gauge<T>
/** prom-client's `Histogram`. */
export const Histogram = promClient.Histogram
/** A prom-client histogram. */
export type Histogram<T extends string = string> = PromClient.Histogram<T>
/** prom-client's `Registry`. */
export const Registry = promClient.Registry
/** A prom-client registry. */
export type Registry<T extends PromClient.RegistryContentType = PromClient.PrometheusContentType> =
  PromClient.Registry<T>
