/**
 * The web dashboard's page in headless chromium: frame rate and main-thread CPU while a model is fed
 * 2 000 and 20 000 points/s, the uPlot page (webDashboard) against the page it replaced (hand-written
 * SVG polylines of every kept point, full snapshots: bench/lib/svgWebDashboard.ts), same model, same
 * feed, same run, interleaved.
 *
 *   npm run bench -- webDashboard
 *
 * The frame rate counts requestAnimationFrame ticks in the page (chromium caps it at 60); CPU is the
 * page's main thread (Chrome DevTools Protocol `Performance.getMetrics`: TaskDuration, and the part of
 * it in script) over the wall time. "Renders/s" are the page's own redraws (one per message at most).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { DashboardModel } from '../sinks/dashboard/model'
import { webDashboard } from '../sinks/webDashboard'
import { hasChromium, launchChromium } from '../test/browser/chromium'
import { fmt, machineLine, median, printTable } from './lib/report'
import { svgWebDashboard } from './lib/svgWebDashboard'

const WARMUP_MS = 2000
const MEASURE_MS = 6000
const ROUNDS = 3
const RATES = [2000, 20_000]
/** The dashboard's snapshot interval: its default, and one that makes the page redraw 20 times a second. */
const INTERVALS_MS = [250, 50]
/** Points the model keeps: more than arrive between two snapshots (250 ms) at 20 000/s. */
const MODEL_POINTS = 8192

type Kind = 'svg' | 'uplot'
interface Measure {
  fps: number
  busy: number
  script: number
  renders: number
}

async function measure(browser: Browser, kind: Kind, rate: number, intervalMs: number): Promise<Measure> {
  const model = new DashboardModel({ points: MODEL_POINTS })
  const dashboard = kind === 'uplot' ? webDashboard(model, { intervalMs }) : svgWebDashboard(model, { intervalMs })
  const http: Server = createServer((request, response) => {
    if (!dashboard.handle(request, response)) response.writeHead(404).end()
  })
  await new Promise<void>(resolve => http.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`
  let pushed = 0
  const started = performance.now()
  const series = model.series('sensor')
  const feeder = setInterval(() => {
    const due = Math.floor(((performance.now() - started) * rate) / 1000)
    for (; pushed < due; pushed++) {
      const t = (pushed * 1000) / rate
      series.push(0.1 * Math.sin(pushed / 50) + (pushed % 4001 === 2000 ? 5 : 0), t)
      model.count('sensor', 1, t)
    }
  }, 10)
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  try {
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Performance.enable')
    await page.goto(base)
    await new Promise(resolve => setTimeout(resolve, WARMUP_MS))
    const metrics = async () => {
      const { metrics } = await cdp.send('Performance.getMetrics')
      return Object.fromEntries(metrics.map(m => [m.name, m.value]))
    }
    const renders = async () =>
      Number(await page.evaluate('window.__dashboard ? window.__dashboard.draws : document.body.dataset.frames'))
    const before = await metrics()
    const rendersBefore = await renders()
    const wall0 = performance.now()
    // a string, not a function: tsx would wrap a function's inner functions in a helper the page lacks
    const fps = (await page.evaluate(`new Promise(resolve => {
      const start = performance.now()
      let frames = 0
      const tick = () => {
        frames++
        const elapsed = performance.now() - start
        if (elapsed >= ${MEASURE_MS}) resolve((frames * 1000) / elapsed)
        else requestAnimationFrame(tick)
      }
      requestAnimationFrame(tick)
    })`)) as number
    const wall = (performance.now() - wall0) / 1000
    const after = await metrics()
    return {
      fps,
      busy: (after.TaskDuration - before.TaskDuration) / wall,
      script: (after.ScriptDuration - before.ScriptDuration) / wall,
      renders: ((await renders()) - rendersBefore) / wall,
    }
  } finally {
    clearInterval(feeder)
    await page.close()
    dashboard.close()
    http.closeAllConnections()
    await new Promise<void>(resolve => http.close(() => resolve()))
  }
}

if (!hasChromium) {
  console.log('no /usr/bin/chromium: skipped')
} else {
  console.log(machineLine())
  console.log(
    `model of ${MODEL_POINTS} points a series, ${ROUNDS} interleaved rounds of ${MEASURE_MS / 1000} s after ${WARMUP_MS / 1000} s, medians\n`,
  )
  const browser = await launchChromium()
  const results = new Map<string, Measure[]>()
  try {
    for (let round = 0; round < ROUNDS; round++)
      for (const intervalMs of INTERVALS_MS)
        for (const rate of RATES)
          for (const kind of ['svg', 'uplot'] as const) {
            const key = `${kind} ${rate} ${intervalMs}`
            const m = await measure(browser, kind, rate, intervalMs)
            results.set(key, [...(results.get(key) ?? []), m])
            console.log(`round ${round + 1}: ${key}: ${fmt(m.fps)} fps, main thread ${fmt(m.busy * 100)} %`)
          }
  } finally {
    await browser.close()
  }
  console.log()
  const rows: string[][] = []
  for (const intervalMs of INTERVALS_MS)
    for (const rate of RATES)
      for (const kind of ['svg', 'uplot'] as const) {
        const ms = results.get(`${kind} ${rate} ${intervalMs}`) ?? []
        const med = (pick: (m: Measure) => number) => median(ms.map(pick))
        rows.push([
          kind === 'svg' ? 'baseline: hand-written SVG page (before)' : 'uPlot page (webDashboard)',
          rate.toLocaleString('en-US'),
          String(intervalMs),
          fmt(med(m => m.fps)),
          `${fmt(med(m => m.busy * 100))} %`,
          `${fmt(med(m => m.script * 100))} %`,
          fmt(med(m => m.renders)),
        ])
      }
  printTable(
    ['page', 'points/s', 'snapshot every (ms)', 'frames/s', 'main thread busy', 'of it script', 'renders/s'],
    rows,
  )
}
