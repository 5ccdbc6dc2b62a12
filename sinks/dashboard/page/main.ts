// The web dashboard's page script, bundled with uPlot into one file that webDashboard serves as
// /dashboard.js (scripts/dashboard-page.mjs). It builds its DOM with textContent only: strings from
// the snapshot never become markup.
import uPlot from 'uplot'
import uplotCss from 'uplot/dist/uPlot.min.css'
import type { LatenessSnapshot, MatchSnapshot, RateSnapshot, RegimeSnapshot, VerdictSnapshot } from '../model'
import type { DashboardMessage } from '../webProtocol'
import { minMaxDecimate } from './decimate'
import { SeriesHistory } from './series'

const PAGE_CSS = `
body{font:14px system-ui,sans-serif;margin:16px;background:#111;color:#ddd}
h1{font-size:18px;margin:0 0 8px}
#status{margin:0 0 8px;color:#888;font-size:12px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:12px;margin-top:12px}
.panel{background:#1b1b1b;border:1px solid #333;border-radius:6px;padding:8px;margin-bottom:12px}
.grid .panel{margin-bottom:0}
.panel h2{font-size:13px;margin:0 0 6px;color:#aaa;font-weight:600}
.empty{color:#777;font-style:italic;margin:4px 0}
.true{color:#66bb6a}.false{color:#ef5350}.unknown{color:#ffca28}
table{border-collapse:collapse;width:100%}td{padding:2px 6px;border-bottom:1px solid #2a2a2a}
.legend{font-size:12px;color:#999;margin-top:4px}.legend span{margin-right:12px}
.swatch{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
canvas.timeline{display:block;width:100%}
.u-legend{display:none}
`
const AXIS = { stroke: '#999', grid: { stroke: '#2a2a2a', width: 1 }, ticks: { stroke: '#444', width: 1 } }
const SERIES_COLOR = '#4fc3f7'
const RATE_COLORS = ['#4fc3f7', '#ffb74d', '#81c784', '#ba68c8', '#e57373', '#fff176']
const REGIME_COLORS: Record<string, string> = {
  'fixed-point': '#78909c',
  'limit-cycle': '#66bb6a',
  chaotic: '#ef5350',
  noise: '#ffca28',
  unknown: '#555',
}
const VERDICT_COLORS: Record<string, string> = { true: '#66bb6a', false: '#ef5350', unknown: '#ffca28' }
/** Draws a series' points as dots while there are too few to see a line. */
const FEW_POINTS = (_u: uPlot, _series: number, first: number, last: number): boolean => last - first < 8
const CHART_HEIGHT = 200
const SMALL_CHART_HEIGHT = 120
/** Event times above this (ms) are taken for wall-clock epochs and labelled as dates. */
const EPOCH_MS = 1e11
/** Rate and lateness points kept. */
const SAMPLE_HISTORY = 600
const MATCH_HISTORY = 512
const REGIME_HISTORY = 512
const VERDICT_HISTORY = 256

const $ = (id: string): HTMLElement => document.getElementById(id) as HTMLElement
const fmt = (v: number | undefined): string =>
  v === undefined || v === null ? '-' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3)

interface SeriesView {
  history: SeriesHistory
  panel: HTMLElement
  heading: HTMLElement
  chart: uPlot | undefined
  scratch: Float64Array
  xs: Float64Array
  ys: Float64Array
  dirty: boolean
  /** The pixel columns the drawn data was decimated to. */
  columns: number
}

/** What tests read back from the page (`window.__dashboard`). */
export interface DashboardPageState {
  messages: number
  draws: number
  charts: Record<string, uPlot>
  series: Record<string, SeriesHistory>
  /** Per formula, the verdicts seen and when, oldest first. */
  verdicts: Record<string, { time: number; verdict: string }[]>
  /** Matches and regimes held. */
  matches: MatchSnapshot[]
  regimes: RegimeSnapshot[]
}

declare global {
  interface Window {
    __dashboard: DashboardPageState
  }
}

const historyPoints = Number(document.body.dataset.history) || 20_000
const views = new Map<string, SeriesView>()
const matches = new Map<string, MatchSnapshot>()
const regimes = new Map<string, RegimeSnapshot>()
const verdictTimelines = new Map<string, { time: number; verdict: string }[]>()
const verdictUpdates = new Map<string, number>()
const rateSamples: { time: number; rates: Map<string, number> }[] = []
const latenessSamples: { time: number; p50: number; p99: number; max: number }[] = []
let latest: DashboardMessage | undefined
let epoch = false
let drawPending = false
let matchesChanged = true
const state: DashboardPageState = {
  messages: 0,
  draws: 0,
  charts: {},
  series: {},
  verdicts: {},
  get matches() {
    return [...matches.values()]
  },
  get regimes() {
    return [...regimes.values()]
  },
}
window.__dashboard = state

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  if (text !== undefined) node.textContent = text
  if (cls !== undefined) node.className = cls
  return node
}

function row(table: HTMLElement, cells: string[], cls?: string): void {
  const tr = el('tr')
  for (const text of cells) tr.appendChild(el('td', text, cls))
  table.appendChild(tr)
}

function emptyNote(target: HTMLElement, text: string): void {
  target.replaceChildren(el('p', text, 'empty'))
}

/** Axis labels: dates for wall-clock times, else seconds from the stream's epoch. */
function timeAxis(): uPlot.Axis {
  if (epoch) return { ...AXIS }
  return { ...AXIS, values: (_u, splits) => splits.map(v => `${+(v / 1000).toFixed(3)} s`) }
}

function chartWidth(container: HTMLElement): number {
  return Math.max(200, Math.floor(container.clientWidth - 16))
}

// Shades each match's span (and names its pattern) behind the series.
function drawMatchSpans(u: uPlot, series: string): void {
  const { ctx } = u
  const { top, height } = u.bbox
  const [xMin, xMax] = [u.scales.x.min ?? 0, u.scales.x.max ?? 0]
  ctx.save()
  ctx.font = `${11 * devicePixelRatio}px system-ui,sans-serif`
  for (const m of matches.values()) {
    if (m.series !== undefined && m.series !== series) continue
    const end = m.time
    const start = m.startTime ?? end
    if (start === undefined || end === undefined || end < xMin || start > xMax) continue
    const x0 = u.valToPos(start, 'x', true)
    const x1 = u.valToPos(end, 'x', true)
    const w = Math.max(3 * devicePixelRatio, x1 - x0)
    ctx.fillStyle = 'rgba(255, 183, 77, 0.22)'
    ctx.fillRect(x0, top, w, height)
    ctx.fillStyle = '#ffb74d'
    ctx.fillText(m.pattern, x0 + 2, top + 12 * devicePixelRatio)
  }
  ctx.restore()
}

// A band at the foot of the plot, coloured by the regime each window was found in.
function drawRegimeBand(u: uPlot, series: string): void {
  const { ctx } = u
  const { top, height } = u.bbox
  const band = 6 * devicePixelRatio
  ctx.save()
  for (const r of regimes.values()) {
    if (r.series !== series) continue
    const x0 = u.valToPos(r.startTime, 'x', true)
    const x1 = u.valToPos(r.endTime, 'x', true)
    ctx.fillStyle = REGIME_COLORS[r.regime] ?? '#9575cd'
    ctx.fillRect(x0, top + height - band, Math.max(1, x1 - x0), band)
  }
  ctx.restore()
}

function seriesView(name: string): SeriesView {
  let view = views.get(name)
  if (view !== undefined) return view
  const panel = el('section', undefined, 'panel')
  panel.dataset.series = name
  const heading = el('h2')
  panel.appendChild(heading)
  $('series').appendChild(panel)
  const columns = 4096
  view = {
    history: new SeriesHistory(historyPoints),
    panel,
    heading,
    chart: undefined,
    scratch: new Float64Array(4 * columns),
    xs: new Float64Array(2 * columns),
    ys: new Float64Array(2 * columns),
    dirty: true,
    columns: 0,
  }
  views.set(name, view)
  state.series[name] = view.history
  return view
}

// Names the colours of the regimes drawn under a series.
function regimeLegend(name: string, view: SeriesView): void {
  const seen = new Set<string>()
  for (const r of regimes.values()) if (r.series === name) seen.add(r.regime)
  let legend = view.panel.querySelector<HTMLElement>('.legend')
  if (seen.size === 0) return legend?.remove()
  if (legend === null) {
    legend = el('div', undefined, 'legend')
    view.panel.appendChild(legend)
  }
  legend.replaceChildren(el('span', 'regimes (band under the chart):'))
  for (const regime of seen) {
    const item = el('span')
    const swatch = el('span', undefined, 'swatch')
    swatch.style.background = REGIME_COLORS[regime] ?? '#9575cd'
    item.append(swatch, regime)
    legend.appendChild(item)
  }
}

function createSeriesChart(name: string, view: SeriesView): uPlot {
  const chart = new uPlot(
    {
      width: chartWidth(view.panel),
      height: CHART_HEIGHT,
      ms: 1,
      scales: { x: { time: epoch } },
      axes: [timeAxis(), { ...AXIS, size: 60 }],
      series: [{}, { label: name, stroke: SERIES_COLOR, width: 1.5, points: { show: FEW_POINTS } }],
      legend: { show: false },
      hooks: {
        drawClear: [u => drawMatchSpans(u, name)],
        draw: [u => drawRegimeBand(u, name), u => relayout(u, view)],
      },
    },
    [[], []],
    view.panel,
  )
  state.charts[name] = chart
  return chart
}

function drawSeries(name: string, view: SeriesView): void {
  const h = view.history
  view.heading.textContent = `${name}   last ${fmt(h.size ? h.values[(h.head - 1 + h.values.length) % h.values.length] : undefined)}   (${h.next} points${h.missed ? `, ${h.missed} not received` : ''})`
  if (h.size === 0) return
  view.chart ??= createSeriesChart(name, view)
  const [t0, t1] = h.range()
  const columns = Math.min(view.xs.length / 2, Math.max(1, Math.round(view.chart.bbox.width || chartWidth(view.panel))))
  view.columns = columns
  const n = minMaxDecimate(h.times, h.values, h.head, h.size, t0, t1, columns, view.scratch, view.xs, view.ys)
  view.chart.setData([view.xs.slice(0, n), view.ys.slice(0, n)] as unknown as uPlot.AlignedData)
  regimeLegend(name, view)
}

// uPlot lays a chart out after its data is set (the axes' labels decide the plot's width): when the
// plot turns out narrower or wider than the columns decimated for, the series is decimated again
function relayout(u: uPlot, view: SeriesView): void {
  if (Math.round(u.bbox.width) === view.columns || u.bbox.width === 0) return
  view.dirty = true
  scheduleDraw()
}

/** The time range of every series held (and the latest snapshot's time). */
function dataRange(): [number, number] {
  let tMin = Number.POSITIVE_INFINITY
  let tMax = latest?.timeMs ?? Number.NEGATIVE_INFINITY
  for (const view of views.values()) {
    if (view.history.size === 0) continue
    const [t0, t1] = view.history.range()
    tMin = Math.min(tMin, t0)
    tMax = Math.max(tMax, t1)
  }
  return [tMin, tMax]
}

function drawVerdicts(): void {
  const target = $('verdicts')
  if (verdictTimelines.size === 0) return emptyNote(target, 'no formulas: these pipelines check no LTL formula')
  let canvas = target.querySelector('canvas')
  if (canvas === null) {
    target.replaceChildren()
    canvas = el('canvas', undefined, 'timeline')
    target.appendChild(canvas)
    target.appendChild(el('div', undefined, 'legend'))
  }
  const rowHeight = 22
  const width = Math.max(200, target.clientWidth)
  const dpr = devicePixelRatio
  // resizing a canvas reallocates it: only when its size changed
  if (canvas.width !== width * dpr || canvas.height !== rowHeight * verdictTimelines.size * dpr) {
    canvas.width = width * dpr
    canvas.height = rowHeight * verdictTimelines.size * dpr
    canvas.style.height = `${rowHeight * verdictTimelines.size}px`
  }
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.clearRect(0, 0, width, rowHeight * verdictTimelines.size)
  // the same time range as the series (a verdict is known from when it was reported to now)
  let [tMin, tMax] = dataRange()
  for (const line of verdictTimelines.values())
    for (const p of line) {
      tMin = Math.min(tMin, p.time)
      tMax = Math.max(tMax, p.time)
    }
  const span = tMax - tMin || 1
  const x = (t: number) => (width * (t - tMin)) / span
  let y = 0
  ctx.font = '12px system-ui,sans-serif'
  for (const [formula, line] of verdictTimelines) {
    ctx.fillStyle = '#222'
    ctx.fillRect(0, y + 2, width, rowHeight - 4)
    for (let i = 0; i < line.length; i++) {
      const end = i + 1 < line.length ? line[i + 1].time : tMax
      ctx.fillStyle = VERDICT_COLORS[line[i].verdict] ?? '#555'
      ctx.globalAlpha = 0.55
      ctx.fillRect(x(line[i].time), y + 2, Math.max(2, x(end) - x(line[i].time)), rowHeight - 4)
      ctx.globalAlpha = 1
    }
    ctx.fillStyle = '#eee'
    ctx.fillText(formula, 6, y + rowHeight - 7, width - 12)
    y += rowHeight
  }
  const legend = target.querySelector('.legend') as HTMLElement
  legend.replaceChildren()
  for (const v of latest?.verdicts ?? []) {
    const item = el('span', `${v.formula}: ${v.verdict} (changes ${v.changes})`, v.verdict)
    legend.appendChild(item)
  }
}

function drawMatches(): void {
  const table = $('matches')
  table.replaceChildren()
  if (matches.size === 0) {
    row(table, ['no matches yet'], 'empty')
    return
  }
  const recent = [...matches.values()].slice(-8)
  for (const m of recent)
    row(table, [m.pattern, m.series ?? '', `${m.start}-${m.end}`, `d=${fmt(m.distance)}`, `${matches.size} kept`])
}

let ratesChart: uPlot | undefined
let rateChannels = ''
function drawRates(rates: readonly RateSnapshot[]): void {
  const table = $('rates')
  table.replaceChildren()
  for (const r of rates) row(table, [r.channel, fmt(r.rate), `total ${r.total}`])
  const box = $('rates-chart')
  if (rates.length === 0 || rateSamples.length === 0) {
    emptyNote(box, 'no channels counted yet')
    ratesChart?.destroy()
    ratesChart = undefined
    return
  }
  const channels = rates.map(r => r.channel)
  if (ratesChart === undefined || rateChannels !== channels.join('\n')) {
    ratesChart?.destroy()
    box.replaceChildren()
    rateChannels = channels.join('\n')
    ratesChart = new uPlot(
      {
        width: chartWidth(box),
        height: SMALL_CHART_HEIGHT,
        ms: 1,
        scales: { x: { time: epoch } },
        axes: [timeAxis(), { ...AXIS, size: 50 }],
        series: [
          {},
          ...channels.map((c, i) => ({
            label: c,
            stroke: RATE_COLORS[i % RATE_COLORS.length],
            width: 1.5,
            points: { show: FEW_POINTS },
          })),
        ],
        legend: { show: false },
      },
      [[], ...channels.map(() => [])],
      box,
    )
    state.charts['channel rates'] = ratesChart
  }
  ratesChart.setData([
    rateSamples.map(s => s.time),
    ...channels.map(c => rateSamples.map(s => s.rates.get(c) ?? null)),
  ] as uPlot.AlignedData)
}

let latenessChart: uPlot | undefined
function drawLateness(l: LatenessSnapshot): void {
  const box = $('lateness-chart')
  if (l.total === 0) {
    emptyNote(box, 'no samples: these pipelines run without a scheduler (scheduleOn reports lateness)')
    $('lateness').textContent = ''
    return
  }
  $('lateness').textContent = `p50 ${fmt(l.p50)}   p99 ${fmt(l.p99)}   max ${fmt(l.max)}   (${l.total} samples)`
  if (latenessChart === undefined) {
    box.replaceChildren()
    latenessChart = new uPlot(
      {
        width: chartWidth(box),
        height: SMALL_CHART_HEIGHT,
        ms: 1,
        scales: { x: { time: epoch } },
        axes: [timeAxis(), { ...AXIS, size: 50 }],
        series: [
          {},
          { label: 'p50', stroke: '#81c784', width: 1.5, points: { show: false } },
          { label: 'p99', stroke: '#ffb74d', width: 1.5, points: { show: false } },
          { label: 'max', stroke: '#e57373', width: 1, points: { show: false } },
        ],
        legend: { show: false },
      },
      [[], [], [], []],
      box,
    )
    state.charts['scheduler lateness'] = latenessChart
  }
  latenessChart.setData([
    latenessSamples.map(s => s.time),
    latenessSamples.map(s => s.p50),
    latenessSamples.map(s => s.p99),
    latenessSamples.map(s => s.max),
  ])
}

function draw(): void {
  drawPending = false
  if (latest === undefined) return
  for (const [name, view] of views)
    if (view.dirty) {
      drawSeries(name, view)
      view.dirty = false
    }
  if (views.size === 0) emptyNote($('series'), 'no series yet')
  drawVerdicts()
  if (matchesChanged) drawMatches()
  matchesChanged = false
  drawRates(latest.rates)
  drawLateness(latest.lateness)
  state.draws++
}

function scheduleDraw(): void {
  if (drawPending) return
  drawPending = true
  requestAnimationFrame(draw)
}

/** Adds `key` (dropping the oldest beyond `limit`); true when it was new. */
function keep<K, V>(map: Map<K, V>, key: K, value: V, limit: number): boolean {
  if (map.has(key)) return false
  map.set(key, value)
  if (map.size > limit) map.delete(map.keys().next().value as K)
  return true
}

function trim<T>(list: T[], limit: number): void {
  if (list.length > limit) list.splice(0, list.length - limit)
}

function mergeVerdicts(verdicts: readonly VerdictSnapshot[], now: number | undefined): void {
  for (const v of verdicts) {
    if (verdictUpdates.get(v.formula) === v.updates) continue
    verdictUpdates.set(v.formula, v.updates)
    let line = verdictTimelines.get(v.formula)
    if (line === undefined) {
      line = []
      verdictTimelines.set(v.formula, line)
      state.verdicts[v.formula] = line
    }
    // since: when the current verdict began (verdicts between two snapshots are not seen)
    const time = v.since ?? v.time ?? now ?? 0
    if (line.length === 0 || line[line.length - 1].verdict !== v.verdict) line.push({ time, verdict: v.verdict })
    trim(line, VERDICT_HISTORY)
  }
}

function receive(message: DashboardMessage): void {
  state.messages++
  if (latest === undefined) {
    const first = message.series.find(s => s.times.length > 0)?.times[0] ?? message.timeMs
    epoch = first !== undefined && first > EPOCH_MS
  }
  latest = message
  $('status').textContent =
    `${message.series.length} series, ${message.verdicts.length} formulas, ${message.rates.length} channels`
  for (const s of message.series) {
    const view = seriesView(s.name)
    if (view.history.merge(s, message.welcome === true) > 0) view.dirty = true
  }
  let added = false
  for (const m of message.matches)
    if (keep(matches, `${m.series}\u0000${m.pattern}\u0000${m.start}\u0000${m.end}`, m, MATCH_HISTORY))
      matchesChanged = added = true
  for (const r of message.regimes) if (keep(regimes, `${r.series}\u0000${r.startTime}`, r, REGIME_HISTORY)) added = true
  // new spans or bands: every chart redraws (a chart's data may not have changed)
  if (added) for (const view of views.values()) view.dirty = true
  mergeVerdicts(message.verdicts, message.timeMs)
  if (message.timeMs !== undefined && message.rates.length > 0) {
    rateSamples.push({ time: message.timeMs, rates: new Map(message.rates.map(r => [r.channel, r.rate])) })
    trim(rateSamples, SAMPLE_HISTORY)
  }
  const l = message.lateness
  if (l.total > 0 && l.p50 !== undefined && l.p99 !== undefined && l.max !== undefined) {
    latenessSamples.push({ time: message.timeMs ?? performance.now(), p50: l.p50, p99: l.p99, max: l.max })
    trim(latenessSamples, SAMPLE_HISTORY)
  }
  scheduleDraw()
}

const style = document.createElement('style')
style.textContent = uplotCss + PAGE_CSS
document.head.appendChild(style)
const events = new EventSource('events')
events.onmessage = event => receive(JSON.parse(event.data) as DashboardMessage)
events.addEventListener('error', event => {
  const data = (event as MessageEvent).data
  $('status').textContent =
    typeof data === 'string' ? `the model failed: ${JSON.parse(data)}` : 'disconnected, reconnecting…'
})
addEventListener('resize', () => {
  for (const view of views.values()) {
    view.chart?.setSize({ width: chartWidth(view.panel), height: CHART_HEIGHT })
    view.dirty = true
  }
  scheduleDraw()
})
