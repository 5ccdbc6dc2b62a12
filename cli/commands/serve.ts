import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { attractorWindow, dtwMatch, ltlVerdicts } from 'midstream'
import { DashboardModel, metrics, metricsHandler, webDashboard } from 'midstream/sinks'
import {
  createDevCertificate,
  quicServer,
  type TransportServer,
  type TransportSession,
  wsServer,
} from 'midstream/sources'
import { type OperatorFunction, type Subscription, share } from 'rxjs'
import { parse as parseYaml } from 'yaml'
import { CliError } from '../io'

/** One analysis of a channel's values, as written in the config file. */
type AnalysisConfig =
  | { dtwMatch: { patterns: Record<string, number[]>; threshold: number; band?: number; normalize?: boolean } }
  | { attractorWindow: { window: number; hop?: number } }
  | { ltl: { formula: string; atoms?: Record<string, string> } }

export interface ServeConfig {
  /** Channels clients send on; each message is a number or an object. */
  channels: Record<
    string,
    {
      /** Field holding the number to analyse (dotted path); default: the message itself. */
      value?: string
      /** Field holding the event time in ms; default: arrival time. */
      time?: string
      analyses?: AnalysisConfig[]
    }
  >
}

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

  const model = new DashboardModel()
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

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    throw new CliError(
      `cannot read the ${what} ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    )
  }
}

async function readConfig(path: string): Promise<ServeConfig> {
  const text = await readText(path, 'config')
  let parsed: unknown
  try {
    parsed = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text)
  } catch (error) {
    throw new CliError(
      `config ${JSON.stringify(path)} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(error as Error).message.split('\n')[0]}`,
    )
  }
  if (
    parsed === null ||
    typeof parsed !== 'object' ||
    typeof (parsed as ServeConfig).channels !== 'object' ||
    (parsed as ServeConfig).channels === null
  )
    throw new CliError(`config ${JSON.stringify(path)}: needs a "channels" object`)
  return parsed as ServeConfig
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

interface AnalysisPlan {
  label: string
  make(): OperatorFunction<unknown, unknown>
  record(result: unknown, channel: string, model: DashboardModel, m: ReturnType<typeof metrics>): void
}

function analysisPlan(
  analysis: AnalysisConfig,
  at: string,
  value: ((x: unknown) => unknown) | undefined,
  time: ((x: unknown) => unknown) | undefined,
): AnalysisPlan {
  const select = (message: unknown): number => Number(value ? value(message) : message)
  const timeOf = time === undefined ? undefined : (message: unknown): number => Number(time(message))
  const guarded = <T>(make: () => T): T => {
    try {
      return make()
    } catch (error) {
      throw new CliError(`config ${at}: ${(error as Error).message}`)
    }
  }
  if ('dtwMatch' in analysis) {
    const { patterns, ...rest } = analysis.dtwMatch ?? ({} as never)
    return {
      label: 'dtwMatch',
      make: () =>
        guarded(() => dtwMatch(patterns, { ...rest, select, time: timeOf }) as OperatorFunction<unknown, unknown>),
      record: (result, channel, model, m) => {
        const match = result as { pattern: string; start: number; end: number; distance: number; endTime?: number }
        model.match({
          pattern: match.pattern,
          start: match.start,
          end: match.end,
          distance: match.distance,
          time: match.endTime,
        })
        m.countMatch(channel, match.pattern)
      },
    }
  }
  if ('attractorWindow' in analysis) {
    return {
      label: 'attractorWindow',
      make: () =>
        guarded(
          () =>
            attractorWindow({ ...analysis.attractorWindow, select, time: timeOf }) as OperatorFunction<
              unknown,
              unknown
            >,
        ),
      record: (result, channel, model) => {
        const report = result as { regime: string; lyapunov: number }
        model.verdict(`${channel} regime`, report.regime === 'chaotic' ? 'false' : 'true')
        if (Number.isFinite(report.lyapunov)) model.series(`${channel} lyapunov`).push(report.lyapunov, Date.now())
      },
    }
  }
  if ('ltl' in analysis) {
    const { formula, atoms = {} } = analysis.ltl ?? ({} as never)
    const predicates = Object.fromEntries(
      Object.entries(atoms).map(([atom, field]) => [
        atom,
        truthy(accessor(field, `${at}.ltl.atoms.${atom}`) as (x: unknown) => unknown),
      ]),
    )
    return {
      label: formula,
      make: () =>
        guarded(
          () =>
            ltlVerdicts<unknown>(formula, {
              atoms: predicates,
              closedWorld: Object.keys(atoms).length === 0,
              time: timeOf,
            }) as OperatorFunction<unknown, unknown>,
        ),
      record: (result, channel, model, m) => {
        const change = result as { verdict: 'true' | 'false' | 'unknown'; index: number }
        model.verdict(formula, change.verdict, change.index)
        m.countVerdict(channel, formula, change.verdict)
      },
    }
  }
  throw new CliError(
    `config ${at}: an analysis is one of dtwMatch, attractorWindow, ltl; got ${JSON.stringify(Object.keys(analysis ?? {}))}`,
  )
}

function truthy(read: (x: unknown) => unknown): (event: unknown) => boolean {
  return event => Boolean(read(event))
}

function accessor(path: string | undefined, at: string): ((x: unknown) => unknown) | undefined {
  if (path === undefined) return undefined
  if (typeof path !== 'string' || path === '')
    throw new CliError(`config ${at}: must be a field name (dotted path), got ${JSON.stringify(path)}`)
  const keys = path.split('.')
  return x => {
    let current: unknown = x
    for (const key of keys)
      current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined
    return current
  }
}
