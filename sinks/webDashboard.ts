import type { IncomingMessage, ServerResponse } from 'node:http'
import { describeValue } from '../src/errors'
import { checkInteger, checkNumber, checkOptions, checkString } from '../src/validate'
import type { DashboardModel, DashboardSnapshot } from './dashboard/model'
import { dashboardPageScript } from './dashboard/page/script.generated'
import { type DashboardMessage, seriesSince } from './dashboard/webProtocol'

/** `webDashboard`'s options. */
export interface WebDashboardOptions {
  /** Page title. */
  title?: string
  /** How often connected pages get a snapshot, when something changed (default 250 ms). */
  intervalMs?: number
  /** Pages connected at once (default 32); one more gets HTTP 503. */
  maxClients?: number
  /** Points each page keeps per series (default 20 000): its charts span them, decimated min/max per pixel column. */
  historyPoints?: number
}

/** What `webDashboard` returns: a request handler to mount, and its counters. */
export interface WebDashboard {
  /**
   * Serves GET / (the page), GET /dashboard.js (its script, uPlot inside) and GET /events
   * (Server-Sent Events of snapshots); returns false for other paths.
   */
  handle(request: IncomingMessage, response: ServerResponse): boolean
  /** Pages connected now. */
  readonly clients: number
  /** Snapshots sent so far (to all pages). */
  readonly sent: number
  /** Ends every page's event stream and the timer. */
  close(): void
}

const OPTION_NAMES: readonly string[] = ['title', 'intervalMs', 'maxClients', 'historyPoints']
const DEFAULT_TITLE = 'midstream'
/** How often pages get a snapshot by default, ms. */
const DEFAULT_INTERVAL_MS = 250
/** The shortest interval between snapshots, ms: faster would only load the server. */
const MIN_INTERVAL_MS = 10
/** Pages connected at once by default. */
const DEFAULT_MAX_CLIENTS = 32
/** Points a page keeps per series by default. */
const DEFAULT_HISTORY_POINTS = 20_000
const PATHS: ReadonlySet<string> = new Set(['/', '/dashboard.js', '/events'])
// scripts only from this server (the page's own, uPlot inside it); uPlot sizes its elements with
// style attributes and the page adds uPlot's stylesheet, hence inline styles
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'"

/**
 * A live web dashboard for a DashboardModel: a self-contained page (its script, uPlot included, is
 * served from here: no CDN, works offline) that draws each series as a uPlot chart with time and
 * value axes, decimated min/max per pixel column (a one-sample spike always shows), the matches'
 * spans shaded and the regimes as a band under it; a verdict timeline per formula, channel rates
 * and scheduler lateness (a panel without data says so). Fed by Server-Sent Events: a page's first
 * message carries what the model keeps, later ones only the points pushed since, so each page keeps
 * a history of `historyPoints` per series, longer than the model's. One timer for all pages; a
 * message goes out only when the model changed. `midstream serve` mounts it beside /metrics.
 *
 * ```ts
 * const dashboard = webDashboard(model)
 * createServer((req, res) => dashboard.handle(req, res) || res.writeHead(404).end()).listen(8080, '127.0.0.1')
 * ```
 */
export function webDashboard(model: Pick<DashboardModel, 'snapshot'>, options: WebDashboardOptions = {}): WebDashboard {
  const fn = 'webDashboard'
  if (model === null || typeof model !== 'object' || typeof model.snapshot !== 'function')
    throw new TypeError(`${fn}: model must be a DashboardModel, got ${describeValue(model)}`)
  checkOptions(fn, options, OPTION_NAMES)
  const title = checkString(fn, 'title', options.title ?? DEFAULT_TITLE, true)
  const intervalMs = checkNumber(fn, 'intervalMs', options.intervalMs ?? DEFAULT_INTERVAL_MS, { min: MIN_INTERVAL_MS })
  const maxClients = checkInteger(fn, 'maxClients', options.maxClients ?? DEFAULT_MAX_CLIENTS, { min: 1 })
  const historyPoints = checkInteger(fn, 'historyPoints', options.historyPoints ?? DEFAULT_HISTORY_POINTS, {
    min: 2,
  })
  const clients = new Set<ServerResponse>()
  let timer: ReturnType<typeof setInterval> | null = null
  let lastVersion = -1
  let sent = 0
  // per series, the position of the first point the next broadcast has to carry
  const sentUpTo = new Map<string, number>()
  const page = renderPage(title, historyPoints)

  const send = (message: string): void => {
    for (const client of clients) {
      client.write(message)
      sent++
    }
  }
  const broadcast = (): void => {
    const snapshot = snapshotOrError(model)
    if (typeof snapshot === 'string') return send(snapshot)
    if (snapshot.version === lastVersion) return
    lastVersion = snapshot.version
    const message: DashboardMessage = {
      ...snapshot,
      series: snapshot.series.map(series => {
        const delta = seriesSince(series, sentUpTo.get(series.name) ?? 0)
        sentUpTo.set(series.name, series.total)
        return delta
      }),
    }
    send(`data: ${JSON.stringify(message)}\n\n`)
  }
  // a page that just connected gets everything the model keeps; the broadcasts after it may repeat
  // some of those points (they start where the last broadcast ended): the page skips what it has
  const welcome = (response: ServerResponse): void => {
    const snapshot = snapshotOrError(model)
    const message: DashboardMessage | string =
      typeof snapshot === 'string'
        ? snapshot
        : { ...snapshot, series: snapshot.series.map(s => seriesSince(s, 0)), welcome: true }
    response.write(typeof message === 'string' ? message : `data: ${JSON.stringify(message)}\n\n`)
    sent++
  }

  return {
    handle(request, response) {
      const path = (request.url ?? '/').split('?')[0]
      if (!PATHS.has(path)) return false
      if (request.method !== 'GET') {
        response.writeHead(405, { allow: 'GET' }).end()
        return true
      }
      if (path === '/') return serveFile(response, 'text/html; charset=utf-8', page)
      if (path === '/dashboard.js') return serveFile(response, 'text/javascript; charset=utf-8', dashboardPageScript)
      if (clients.size >= maxClients) {
        response.writeHead(503, { 'content-type': 'text/plain' }).end(`more than ${maxClients} dashboard pages\n`)
        return true
      }
      response.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      })
      response.write(`retry: 1000\n\n`)
      clients.add(response)
      request.on('close', () => {
        clients.delete(response)
        if (clients.size === 0 && timer !== null) {
          clearInterval(timer)
          timer = null
        }
      })
      welcome(response)
      timer ??= setInterval(broadcast, intervalMs)
      return true
    },
    get clients() {
      return clients.size
    },
    get sent() {
      return sent
    },
    close() {
      if (timer !== null) clearInterval(timer)
      timer = null
      for (const client of clients) client.end()
      clients.clear()
    },
  }
}

// The model is the caller's: a snapshot that throws reaches the pages as an error event and the next
// tick tries again, never an uncaught exception in a timer that ends the process.
function snapshotOrError(model: Pick<DashboardModel, 'snapshot'>): DashboardSnapshot | string {
  try {
    return model.snapshot()
  } catch (error) {
    return `event: error\ndata: ${JSON.stringify(error instanceof Error ? error.message : describeValue(error))}\n\n`
  }
}

function serveFile(response: ServerResponse, contentType: string, body: string): true {
  response
    .writeHead(200, {
      'content-type': contentType,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    })
    .end(body)
  return true
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}

// The page: its panels' frames; the script (sinks/dashboard/page/main.ts) fills them, building its
// DOM with textContent only (snapshot strings never become markup).
function renderPage(title: string, historyPoints: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body data-history="${historyPoints}"><h1>${escapeHtml(title)}</h1>
<p id="status">connecting…</p>
<div id="series"></div>
<div class="grid">
<section class="panel" id="verdicts-panel"><h2>verdicts</h2><div id="verdicts"></div></section>
<section class="panel" id="matches-panel"><h2>matches</h2><table id="matches"></table></section>
<section class="panel" id="rates-panel"><h2>channel rates (per second)</h2><div id="rates-chart"></div><table id="rates"></table></section>
<section class="panel" id="lateness-panel"><h2>scheduler lateness (ms)</h2><div id="lateness-chart"></div><p id="lateness"></p></section>
</div>
<script src="dashboard.js"></script>
</body></html>
`
}
