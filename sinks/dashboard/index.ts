/** Dashboards for live pipelines: a bounded model and RxJS feeders (the ink renderer is `midstream/terminal`: ESM only). */
export { DashboardModel, nearestRank, type DashboardModelOptions, type DashboardSnapshot, type SeriesHandle, type SeriesSnapshot, type MatchInfo, type MatchSnapshot, type VerdictSnapshot, type LatenessSnapshot, type RateSnapshot } from './model'
export { dashboardSink, tapSeries, tapCount, type DashboardSinkOptions } from './operators'
