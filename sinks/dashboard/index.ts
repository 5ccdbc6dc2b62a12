/** Terminal dashboard for live pipelines: a bounded model, an ink renderer and RxJS feeders. */
export { DashboardModel, nearestRank, type DashboardModelOptions, type DashboardSnapshot, type SeriesHandle, type SeriesSnapshot, type MatchInfo, type MatchSnapshot, type VerdictSnapshot, type LatenessSnapshot, type RateSnapshot } from './model'
export { renderDashboard, Dashboard, sparkline, formatNumber, type RenderDashboardOptions, type DashboardHandle, type DashboardProps } from './terminal'
export { dashboardSink, tapSeries, tapCount, type DashboardSinkOptions } from './operators'
