/** midstream/sinks: where results go. */

export {
  type DashboardMessage,
  DashboardModel,
  type DashboardModelOptions,
  type DashboardSinkOptions,
  type DashboardSnapshot,
  dashboardSink,
  type LatenessSnapshot,
  type MatchInfo,
  type MatchSnapshot,
  nearestRank,
  type RateSnapshot,
  type RegimeSnapshot,
  restreamDashboard,
  type SeriesDelta,
  type SeriesHandle,
  type SeriesSnapshot,
  tapCount,
  tapSeries,
  type VerdictSnapshot,
} from './dashboard'
export {
  DEFAULT_LATENCY_BUCKETS_SECONDS,
  type MetricsOptions,
  MetricsRegistrationError,
  type MidstreamCollectors,
  MidstreamMetrics,
  metrics,
  metricsHandler,
  type PrometheusSinkKind,
  type PrometheusSinkOptions,
  prometheusSink,
  type RestreamHealthSample,
  type RestreamMetricsOptions,
  restreamMetrics,
} from './metrics'
export { quicSink, type SinkOptions, sendTo, wsSink } from './transport'
export { type WebDashboard, type WebDashboardOptions, webDashboard } from './webDashboard'
