/**
 * Sinks: a pipeline that counts what passes in Prometheus metrics and feeds a dashboard model, and
 * one local HTTP server (127.0.0.1) with `/metrics` for Prometheus and the web dashboard on `/`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dtwMatch } from 'midstream'
import { DashboardModel, dashboardSink, metrics, metricsHandler, prometheusSink, webDashboard } from 'midstream/sinks'
import { from, lastValueFrom } from 'rxjs'

const spike = [0, 3, 9, 3, 0]
const readings = Array.from({ length: 100 }, (_, t) => ({ t, cpu: 0 }))
for (const start of [20, 60]) spike.forEach((v, k) => (readings[start + k].cpu = v))

const m = metrics({ prefix: 'edge_' }) // on a registry of its own, never prom-client's global one
const model = new DashboardModel()
await lastValueFrom(
  from(readings).pipe(
    prometheusSink(m, { pipeline: 'cpu', kind: 'elements', stage: 'in' }),
    dashboardSink(model, { series: { cpu: r => r.cpu }, count: 'cpu', time: r => r.t }),
    dtwMatch({ spike }, { threshold: 4, select: r => r.cpu, time: r => r.t }),
    prometheusSink(m, { pipeline: 'cpu', kind: 'matches' }),
    dashboardSink(model, { match: e => e }),
  ),
  { defaultValue: undefined },
)

const snapshot = model.snapshot()
console.log(
  `dashboard: ${snapshot.series[0].total} points of ${snapshot.series[0].name}, ${snapshot.matches.length} matches`,
)

const dashboard = webDashboard(model, { title: 'cpu' })
const handleMetrics = metricsHandler(m)
const server = createServer((request, response) => {
  if (!dashboard.handle(request, response)) handleMetrics(request, response)
})
await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

const exposition = await (await fetch(`${base}/metrics`)).text()
for (const line of exposition.split('\n')) if (/^edge_(elements|matches)_total\{/.test(line)) console.log(line)
const page = await fetch(`${base}/`)
console.log(`GET / -> ${page.status} ${page.headers.get('content-type')}`)
await page.text()

dashboard.close()
server.close()
