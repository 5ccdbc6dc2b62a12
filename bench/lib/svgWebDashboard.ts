// The web dashboard as it was before issue 16 (hand-written SVG polylines of every kept point, a
// full snapshot per message), kept verbatim as the baseline of bench/webDashboard.ts.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { DashboardModel, DashboardSnapshot } from '../../sinks/dashboard/model'
import { describeValue } from '../../src/errors'
import { checkInteger, checkNumber, checkOptions, checkString } from '../../src/validate'

/** `webDashboard`'s options. */
export interface WebDashboardOptions {
  /** Page title. */
  title?: string
  /** How often connected pages get a snapshot, when something changed (default 250 ms). */
  intervalMs?: number
  /** Pages connected at once (default 32); one more gets HTTP 503. */
  maxClients?: number
}

/** What `webDashboard` returns: a request handler to mount, and its counters. */
export interface WebDashboard {
  /** Serves GET / (the page) and GET /events (Server-Sent Events of snapshots); returns false for other paths. */
  handle(request: IncomingMessage, response: ServerResponse): boolean
  /** Pages connected now. */
  readonly clients: number
  /** Snapshots sent so far (to all pages). */
  readonly sent: number
  /** Ends every page's event stream and the timer. */
  close(): void
}

const OPTION_NAMES: readonly string[] = ['title', 'intervalMs', 'maxClients']
const DEFAULT_TITLE = 'midstream'
/** How often pages get a snapshot by default, ms. */
const DEFAULT_INTERVAL_MS = 250
/** The shortest interval between snapshots, ms: faster would only load the server. */
const MIN_INTERVAL_MS = 10
/** Pages connected at once by default. */
const DEFAULT_MAX_CLIENTS = 32

/**
 * A live web dashboard for a DashboardModel: a self-contained page (no scripts from elsewhere) that
 * draws each series as a line chart and lists matches, verdicts, scheduler lateness and channel
 * rates, fed by Server-Sent Events. One timer for all pages; a snapshot goes out only when the
 * model changed. `midstream serve` mounts it beside /metrics.
 *
 * ```ts
 * const dashboard = webDashboard(model)
 * createServer((req, res) => dashboard.handle(req, res) || res.writeHead(404).end()).listen(8080, '127.0.0.1')
 * ```
 */
export function svgWebDashboard(
  model: Pick<DashboardModel, 'snapshot'>,
  options: WebDashboardOptions = {},
): WebDashboard {
  const fn = 'webDashboard'
  if (model === null || typeof model !== 'object' || typeof model.snapshot !== 'function')
    throw new TypeError(`${fn}: model must be a DashboardModel, got ${describeValue(model)}`)
  checkOptions(fn, options, OPTION_NAMES)
  const title = checkString(fn, 'title', options.title ?? DEFAULT_TITLE, true)
  const intervalMs = checkNumber(fn, 'intervalMs', options.intervalMs ?? DEFAULT_INTERVAL_MS, { min: MIN_INTERVAL_MS })
  const maxClients = checkInteger(fn, 'maxClients', options.maxClients ?? DEFAULT_MAX_CLIENTS, { min: 1 })
  const clients = new Set<ServerResponse>()
  let timer: ReturnType<typeof setInterval> | null = null
  let lastVersion = -1
  let sent = 0
  const page = renderPage(title)

  const send = (message: string): void => {
    for (const client of clients) {
      client.write(message)
      sent++
    }
  }
  const broadcast = (force: boolean): void => {
    // the model is the caller's: a snapshot that throws reaches the pages as an error event and
    // the next tick tries again, never an uncaught exception in a timer that ends the process
    let snapshot: DashboardSnapshot
    try {
      snapshot = model.snapshot()
    } catch (error) {
      send(`event: error\ndata: ${JSON.stringify(error instanceof Error ? error.message : describeValue(error))}\n\n`)
      return
    }
    if (!force && snapshot.version === lastVersion) return
    lastVersion = snapshot.version
    send(`data: ${JSON.stringify(snapshot)}\n\n`)
  }

  return {
    handle(request, response) {
      const path = (request.url ?? '/').split('?')[0]
      if (path !== '/' && path !== '/events') return false
      if (request.method !== 'GET') {
        response.writeHead(405, { allow: 'GET' }).end()
        return true
      }
      if (path === '/') {
        response
          .writeHead(200, {
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy':
              "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
          })
          .end(page)
        return true
      }
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
      lastVersion = -1
      broadcast(true)
      timer ??= setInterval(() => broadcast(false), intervalMs)
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

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}

// The page builds its DOM with textContent only (snapshot strings never become markup).
function renderPage(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:16px;background:#111;color:#ddd}
h1{font-size:18px;margin:0 0 12px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:12px}
.panel{background:#1b1b1b;border:1px solid #333;border-radius:6px;padding:8px}
.panel h2{font-size:13px;margin:0 0 6px;color:#aaa}
svg{width:100%;height:120px;background:#151515}
polyline{fill:none;stroke:#4fc3f7;stroke-width:1.5}
.true{color:#66bb6a}.false{color:#ef5350}.unknown{color:#ffca28}
table{border-collapse:collapse;width:100%}td{padding:2px 6px;border-bottom:1px solid #2a2a2a}
</style></head>
<body data-frames="0"><h1>${escapeHtml(title)}</h1>
<div class="grid" id="series"></div>
<div class="grid">
<div class="panel"><h2>verdicts</h2><table id="verdicts"></table></div>
<div class="panel"><h2>matches</h2><table id="matches"></table></div>
<div class="panel"><h2>scheduler lateness (ms)</h2><div id="lateness"></div></div>
<div class="panel"><h2>channel rates (per second)</h2><table id="rates"></table></div>
</div>
<script>
const $ = (id) => document.getElementById(id)
const fmt = (v) => v === undefined || v === null ? '-' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3)
function row(table, cells, cls) {
  const tr = document.createElement('tr')
  for (const text of cells) { const td = document.createElement('td'); td.textContent = String(text); if (cls) td.className = cls; tr.appendChild(td) }
  table.appendChild(tr)
}
function chart(s) {
  let panel = document.querySelector('[data-series="' + CSS.escape(s.name) + '"]')
  if (!panel) {
    panel = document.createElement('div'); panel.className = 'panel'; panel.dataset.series = s.name
    const h = document.createElement('h2'); panel.appendChild(h)
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg'); svg.setAttribute('viewBox', '0 0 400 100'); svg.setAttribute('preserveAspectRatio', 'none')
    svg.appendChild(document.createElementNS('http://www.w3.org/2000/svg', 'polyline'))
    panel.appendChild(svg); $('series').appendChild(panel)
  }
  panel.querySelector('h2').textContent = s.name + '  last ' + fmt(s.last) + '  (' + s.total + ' points)'
  const lo = s.min ?? 0, hi = s.max ?? 1, span = hi - lo || 1, n = s.values.length
  const points = s.values.map((v, i) => (n < 2 ? 0 : (i * 400) / (n - 1)).toFixed(1) + ',' + (100 - ((v - lo) / span) * 96 - 2).toFixed(1))
  panel.querySelector('polyline').setAttribute('points', points.join(' '))
}
function render(snap) {
  for (const s of snap.series) chart(s)
  const v = $('verdicts'); v.replaceChildren(); for (const x of snap.verdicts) row(v, [x.formula, x.verdict, 'changes ' + x.changes], x.verdict)
  const m = $('matches'); m.replaceChildren(); for (const x of snap.matches.slice(-8)) row(m, [x.pattern, x.start + '-' + x.end, 'd=' + fmt(x.distance)])
  const l = snap.lateness; $('lateness').textContent = 'p50 ' + fmt(l.p50) + '   p99 ' + fmt(l.p99) + '   max ' + fmt(l.max) + '   (' + l.total + ' samples)'
  const r = $('rates'); r.replaceChildren(); for (const x of snap.rates) row(r, [x.channel, fmt(x.rate), 'total ' + x.total])
  document.body.dataset.frames = String(Number(document.body.dataset.frames) + 1)
}
new EventSource('events').onmessage = (e) => render(JSON.parse(e.data))
</script></body></html>
`
}
