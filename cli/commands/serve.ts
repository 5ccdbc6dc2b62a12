import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DashboardModel, metrics, metricsHandler, webDashboard } from 'midstream/sinks'
import {
  createDevCertificate,
  quicServer,
  type TransportServer,
  type TransportSession,
  wsServer,
} from 'midstream/sources'
import { type Subscription, share } from 'rxjs'
import { CliError } from '../io'
import { accessor, analysisPlan, readConfig, readText, type ServeConfig } from './pipelineConfig'

export interface ServeOptions {
  config?: string
  host: string
  port: number
  wsPort: number
  quicPort?: number
  webtransport: boolean
  cert?: string
  key?: string
  token?: string
}

/**
 * `midstream serve`: WebTransport (HTTP/3 where available, else HTTP/2) and WebSocket ingest, the
 * pipelines of a config file run on every session's channels, and on one HTTP port the web
 * dashboard (/) and Prometheus metrics (/metrics). Prints one JSON line with the addresses; stops
 * on SIGINT/SIGTERM, closing everything.
 */
export async function runServe(
  options: ServeOptions,
): Promise<{ close(): Promise<void>; addresses: Record<string, string> }> {
  const config = options.config === undefined ? defaultConfig() : await readConfig(options.config)
  const pipelines = compile(config)
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(options.host)
  if (!loopback && options.token === undefined)
    throw new CliError(`--host ${options.host} is not loopback: give --token so that clients must authenticate`)
  if ((options.cert === undefined) !== (options.key === undefined)) throw new CliError('--cert and --key go together')
  const tls =
    options.cert !== undefined
      ? {
          cert: await readText(options.cert, 'certificate'),
          key: await readText(options.key as string, 'key'),
          hash: undefined as string | undefined,
        }
      : await devTls()
  const authenticate =
    options.token === undefined
      ? undefined
      : ({ url, headers }: { url: URL; headers: Readonly<Record<string, string | undefined>> }) =>
          url.searchParams.get('token') === options.token || headers.authorization === `Bearer ${options.token}`

  // 4096 points a series: at the dashboard's 250 ms a page misses no point below ~16 000 points/s;
  // 64 matches and regimes: the page keeps its own history of them, this only bridges two snapshots
  const model = new DashboardModel({ points: 4096, matches: 64, regimes: 64 })
  const m = metrics()
  const servers: TransportServer[] = []
  const live = new Set<Subscription>()
  const attach = (session: TransportSession): void => {
    for (const subscription of pipelines(session, model, m)) live.add(subscription)
  }
  const ws = await wsServer({ host: options.host, port: options.wsPort, cert: tls.cert, key: tls.key, authenticate })
  servers.push(ws)
  if (options.webtransport)
    servers.push(
      await quicServer({ host: options.host, port: options.quicPort ?? 0, cert: tls.cert, key: tls.key, authenticate }),
    )
  for (const server of servers) server.sessions.subscribe(attach)

  const dashboard = webDashboard(model, { title: 'midstream serve' })
  const serveMetrics = metricsHandler(m)
  const sessionsGauge = setInterval(() => {
    for (const server of servers) m.setTransportSessions(server.protocol, server.stats.sessions)
  }, 1000)
  sessionsGauge.unref()
  const http: Server = createServer((request, response) => {
    if (dashboard.handle(request, response)) return
    if ((request.url ?? '').split('?')[0] === '/metrics') return serveMetrics(request, response)
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
  })
  // the dashboard and /metrics have neither TLS nor authentication: they stay on loopback whatever
  // --host says (ingest can face the network with --token); put a proxy in front to publish them
  await new Promise<void>((resolve, reject) => {
    http.once('error', error => reject(new CliError(`cannot listen on 127.0.0.1:${options.port}: ${error.message}`)))
    http.listen(options.port, '127.0.0.1', resolve)
  })
  const port = (http.address() as AddressInfo).port
  const addresses: Record<string, string> = {
    dashboard: `http://127.0.0.1:${port}/`,
    metrics: `http://127.0.0.1:${port}/metrics`,
    websocket: ws.address.url,
  }
  if (servers[1] !== undefined) addresses.webtransport = servers[1].address.url
  if (tls.hash !== undefined) addresses.certificateHash = tls.hash
  return {
    addresses,
    async close() {
      clearInterval(sessionsGauge)
      for (const subscription of live) subscription.unsubscribe()
      dashboard.close()
      http.closeAllConnections()
      await new Promise<void>(resolve => http.close(() => resolve()))
      await Promise.all(servers.map(server => server.close()))
    },
  }
}

function defaultConfig(): ServeConfig {
  return {
    channels: { readings: { value: 'value', time: 'ts', analyses: [{ attractorWindow: { window: 500, hop: 250 } }] } },
  }
}

async function devTls(): Promise<{ cert: string; key: string; hash: string }> {
  const certificate = await createDevCertificate()
  return { cert: certificate.cert, key: certificate.key, hash: certificate.hashHex }
}

type Pipelines = (session: TransportSession, model: DashboardModel, m: ReturnType<typeof metrics>) => Subscription[]

// Builds every operator once at start-up, so a bad option is reported before anything listens
// (operators check their options when called), and again per session (each gets fresh state).
function compile(config: ServeConfig): Pipelines {
  const channels = Object.entries(config.channels)
  if (channels.length === 0) throw new CliError('config: "channels" is empty')
  const plans = channels.map(([name, channel]) => {
    if (channel === null || typeof channel !== 'object')
      throw new CliError(`config: channels.${name} must be an object`)
    const value = accessor(channel.value, `channels.${name}.value`)
    const time = accessor(channel.time, `channels.${name}.time`)
    const analyses = (channel.analyses ?? []).map((analysis, i) =>
      analysisPlan(analysis, `channels.${name}.analyses[${i}]`, value, time),
    )
    for (const plan of analyses) plan.make() // validate now
    return { name, value, time, analyses }
  })
  return (session, model, m) =>
    plans.map(({ name, value, time, analyses }) => {
      const arrivals = session.channel<unknown>(name).pipe(share())
      const series = model.series(name)
      const subscription = arrivals.subscribe({
        next: message => {
          const stamped = time === undefined ? Number.NaN : Number(time(message))
          const t = Number.isFinite(stamped) ? stamped : Date.now()
          const x = Number(value ? value(message) : message)
          m.countElements(name, 'ingest')
          model.count(name, 1, t)
          if (Number.isFinite(x)) series.push(x, t)
        },
        error: () => undefined,
      })
      for (const plan of analyses) {
        subscription.add(
          arrivals.pipe(plan.make()).subscribe({
            next: result => plan.record(result, name, model, m),
            error: (error: unknown) =>
              model.verdict(`${plan.label}: ${(error as Error).message}`.slice(0, 120), 'false'),
          }),
        )
      }
      return subscription
    })
}
