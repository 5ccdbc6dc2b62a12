/** midstream/sinks: where results go. */
export { quicSink, wsSink, sendTo, type SinkOptions } from './transport'
export { metrics, prometheusSink, metricsHandler, MidstreamMetrics, MetricsRegistrationError, DEFAULT_LATENCY_BUCKETS_SECONDS, type MetricsOptions, type MidstreamCollectors, type PrometheusSinkOptions, type PrometheusSinkKind } from './metrics'
export { DashboardModel, dashboardSink, tapSeries, tapCount, nearestRank, type DashboardModelOptions, type DashboardSnapshot, type SeriesHandle, type SeriesSnapshot, type MatchInfo, type MatchSnapshot, type VerdictSnapshot, type LatenessSnapshot, type RateSnapshot, type DashboardSinkOptions } from './dashboard'
export { webDashboard, type WebDashboard, type WebDashboardOptions } from './webDashboard'
