/** midstream/sinks: where results go. */
export { quicSink, wsSink, sendTo, type SinkOptions } from './transport'
export { metrics, prometheusSink, metricsHandler, MidstreamMetrics, MetricsRegistrationError, DEFAULT_LATENCY_BUCKETS_SECONDS, type MetricsOptions, type MidstreamCollectors, type PrometheusSinkOptions, type PrometheusSinkKind } from './metrics'
