import {
  DashboardModel,
  dashboardSink,
  type MidstreamMetrics,
  metrics,
  metricsHandler,
  prometheusSink,
  tapCount,
  tapSeries,
  webDashboard,
} from 'midstream/sinks'
import { renderDashboard } from 'midstream/terminal'
import { Registry } from 'prom-client'
import { describe, it } from 'vitest'
import { type ErrorClass, expectRefused as refuses } from '../support/refused'

const m = (): MidstreamMetrics => metrics({ registry: new Registry() })
const model = new DashboardModel()

describe('sinks and dashboards refuse bad input with a typed error prefixed by the public name', () => {
  it.each<[string, () => unknown, ErrorClass]>([
    ['metrics', () => metrics(null as never), TypeError],
    ['metrics', () => metrics({ registry: {} as never }), TypeError],
    ['metrics', () => metrics({ prefix: '9x' }), TypeError],
    ['metrics', () => metrics({ buckets: [1, 0.5] }), RangeError],
    ['metrics', () => metrics({ regsitry: new Registry() } as never), TypeError],
    ['MidstreamMetrics.countElements', () => m().countElements('p', 's', -1), RangeError],
    ['MidstreamMetrics.countElements', () => m().countElements(5 as never, 's'), TypeError],
    ['MidstreamMetrics.countMatch', () => m().countMatch('p', ''), RangeError],
    ['MidstreamMetrics.countVerdict', () => m().countVerdict('p', 'G a', 'maybe' as never), RangeError],
    ['MidstreamMetrics.countDropped', () => m().countDropped('p', 'r', 0.5), RangeError],
    ['MidstreamMetrics.countDrift', () => m().countDrift('p', null as never), TypeError],
    ['MidstreamMetrics.observeLateness', () => m().observeLateness('p', -1), RangeError],
    ['MidstreamMetrics.observeElementLatency', () => m().observeElementLatency('p', 's', 'x' as never), TypeError],
    ['MidstreamMetrics.setTransportSessions', () => m().setTransportSessions('srv', -2), RangeError],
    ['prometheusSink', () => prometheusSink({} as never, { pipeline: 'p', kind: 'elements' }), TypeError],
    ['prometheusSink', () => prometheusSink(m(), { pipeline: 'p', kind: 'gauges' as never }), RangeError],
    ['prometheusSink', () => prometheusSink(m(), { pipeline: 'p', kind: 'elements', lable: 'x' } as never), TypeError],
    ['prometheusSink', () => prometheusSink(m(), { pipeline: 'p', kind: 'matches', stage: 's' }), TypeError],
    ['prometheusSink', () => prometheusSink(m(), undefined as never), TypeError],
    ['metricsHandler', () => metricsHandler({} as never), TypeError],
    ['webDashboard', () => webDashboard({} as never), TypeError],
    ['webDashboard', () => webDashboard(model, { intervalMs: 1 }), RangeError],
    ['webDashboard', () => webDashboard(model, { maxClients: 0 }), RangeError],
    ['webDashboard', () => webDashboard(model, { title: 5 as never }), TypeError],
    ['webDashboard', () => webDashboard(model, { port: 8080 } as never), TypeError],
    ['DashboardModel', () => new DashboardModel({ points: 0 }), RangeError],
    ['DashboardModel', () => new DashboardModel({ rateWindowMs: -5 }), RangeError],
    ['DashboardModel', () => new DashboardModel({ point: 10 } as never), TypeError],
    ['DashboardModel.series', () => new DashboardModel().series(''), RangeError],
    ['DashboardModel.match', () => new DashboardModel().match(null as never), TypeError],
    ['DashboardModel.verdict', () => new DashboardModel().verdict('G a', 'maybe' as never), TypeError],
    ['DashboardModel.lateness', () => new DashboardModel().lateness(Number.NaN), RangeError],
    ['DashboardModel.count', () => new DashboardModel().count('c', -1, 0), RangeError],
    ['DashboardModel.snapshot', () => new DashboardModel().snapshot(Number.NaN), RangeError],
    ['SeriesHandle.push', () => new DashboardModel().series('x').push(Number.NaN, 0), RangeError],
    ['dashboardSink', () => dashboardSink({} as never, {}), TypeError],
    ['dashboardSink', () => dashboardSink(model, { series: { cpu: 5 as never } }), TypeError],
    ['dashboardSink', () => dashboardSink(model, { count: '' }), RangeError],
    ['dashboardSink', () => dashboardSink(model, { time: 'now' as never }), TypeError],
    ['dashboardSink', () => dashboardSink(model, { seris: {} } as never), TypeError],
    ['tapSeries', () => tapSeries(model, '', (v: number) => v), RangeError],
    ['tapSeries', () => tapSeries(model, 'x', 5 as never), TypeError],
    ['tapCount', () => tapCount(model, 5 as never), TypeError],
    ['renderDashboard', () => renderDashboard({} as never), TypeError],
    ['renderDashboard', () => renderDashboard(model, { refreshMs: 0 }), RangeError],
    ['renderDashboard', () => renderDashboard(model, { now: 5 as never }), TypeError],
    ['renderDashboard', () => renderDashboard(model, { refresh: 5 } as never), TypeError],
  ])('%s (case %#)', (name, call, expected) => refuses(call, expected, name))
})
