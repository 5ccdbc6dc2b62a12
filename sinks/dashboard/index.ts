/** Dashboards for live pipelines: a bounded model and RxJS feeders (the ink renderer is `midstream/terminal`: ESM only). */
export {
  DashboardModel,
  type DashboardModelOptions,
  type DashboardSnapshot,
  type LatenessSnapshot,
  type MatchInfo,
  type MatchSnapshot,
  nearestRank,
  type RateSnapshot,
  type RegimeSnapshot,
  type SeriesHandle,
  type SeriesSnapshot,
  type VerdictSnapshot,
} from './model'
export { type DashboardSinkOptions, dashboardSink, restreamDashboard, tapCount, tapSeries } from './operators'
export type { DashboardMessage, SeriesDelta } from './webProtocol'
