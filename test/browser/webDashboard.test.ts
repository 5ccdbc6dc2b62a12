// The web dashboard in a real browser: headless Debian chromium (playwright-core) loads the page that
// webDashboard serves, the model changes, and the uPlot charts on the page follow over Server-Sent
// Events. What is drawn is read back from the page: uPlot's data and scales, and canvas pixels.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { from, lastValueFrom } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runServe } from '../../cli/commands/serve'
import { DashboardModel } from '../../sinks/dashboard/model'
import { type WebDashboard, webDashboard } from '../../sinks/webDashboard'
import { connect } from '../../sources/index'
import { hasChromium, launchChromium } from './chromium'

/** Serves `dashboard` on 127.0.0.1; returns the base URL and a close function. */
async function serveDashboard(dashboard: WebDashboard): Promise<{ base: string; close(): Promise<void> }> {
  const http: Server = createServer((request, response) => {
    if (!dashboard.handle(request, response)) response.writeHead(404).end()
  })
  await new Promise<void>(resolve => http.listen(0, '127.0.0.1', resolve))
  return {
    base: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    async close() {
      dashboard.close()
      http.closeAllConnections()
      await new Promise<void>(resolve => http.close(() => resolve()))
    },
  }
}

/** For each time in `times`: the largest value uPlot holds there for chart `name`, and whether the series' colour is painted at value `at` in that time's pixel column. */
function probeChart(page: Page, name: string, times: number[], at: number) {
  return page.evaluate(
    ({ name, times, at }) => {
      const u = window.__dashboard.charts[name]
      const xs = u.data[0] as ArrayLike<number>
      const ys = u.data[1] as ArrayLike<number>
      const painted = (t: number): boolean => {
        const x = Math.round(u.valToPos(t, 'x', true))
        const y = Math.round(u.valToPos(at, 'y', true))
        const px = u.ctx.getImageData(x - 2, y, 5, 1).data
        // the series' colour is #4fc3f7: strong blue and green, little red
        for (let i = 0; i < px.length; i += 4) if (px[i + 2] > 180 && px[i + 1] > 120 && px[i] < 140) return true
        return false
      }
      return {
        yMax: u.scales.y.max as number,
        drawnPoints: xs.length,
        columns: u.bbox.width,
        at: times.map(t => {
          let drawn = Number.NEGATIVE_INFINITY
          for (let i = 0; i < xs.length; i++) if (xs[i] === t) drawn = Math.max(drawn, ys[i])
          return { drawn, painted: painted(t) }
        }),
        // between the spikes the line is the sine, far below `at`: nothing of the series' colour there
        between: times.slice(1).map((t, i) => painted((t + times[i]) / 2)),
      }
    },
    { name, times, at },
  )
}

describe.skipIf(!hasChromium)('web dashboard in headless chromium', () => {
  let browser: Browser

  beforeAll(async () => {
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
  })

  it('draws the series and updates the chart as the model changes; strings stay text', async () => {
    const model = new DashboardModel()
    let t = 0
    const feed = () => {
      t += 20
      model.series('sensor').push(Math.sin(t / 200) * 10, t)
      model.count('readings', 1, t)
    }
    const server = await serveDashboard(webDashboard(model, { title: 'midstream test', intervalMs: 50 }))
    for (let i = 0; i < 50; i++) feed()
    model.verdict('G !error', 'unknown')
    model.verdict('<img src=x onerror="document.title=1">', true)
    model.match({ pattern: 'spike', start: 10, end: 20, distance: 0.5, time: t, series: 'sensor' })
    const page = await browser.newPage()
    try {
      await page.goto(`${server.base}/`)
      await page.waitForFunction(() => window.__dashboard?.draws >= 1)
      const first = await page.evaluate(() => ({
        held: window.__dashboard.series.sensor.size,
        drawn: window.__dashboard.charts.sensor.data[0].length,
        xMax: window.__dashboard.charts.sensor.scales.x.max,
      }))
      expect(first).toEqual({ held: 50, drawn: 50, xMax: 1000 })
      // the model moves on: the page must follow
      for (let i = 0; i < 30; i++) feed()
      model.verdict('G !error', false, 80)
      await page.waitForFunction(() => document.querySelector('#verdicts')?.textContent?.includes('false'))
      await page.waitForFunction(() => window.__dashboard.charts.sensor.scales.x.max === 1600)
      expect(await page.evaluate(() => window.__dashboard.series.sensor.size)).toBe(80)
      const verdicts = await page.textContent('#verdicts')
      expect(verdicts).toContain('G !error')
      // a formula that looks like markup is shown as text, never run
      expect(verdicts).toContain('<img src=x onerror=')
      expect(await page.$('#verdicts img')).toBeNull()
      expect(await page.title()).toBe('midstream test')
      expect(await page.textContent('#matches')).toContain('spike')
      expect(await page.textContent('#rates')).toContain('readings')
      // no scheduler fed the model: the lateness panel says so instead of an empty chart
      expect(await page.textContent('#lateness-panel')).toContain('without a scheduler')
      // once a scheduler reports lateness, the panel shows its percentiles (nearest rank) and a chart
      model.lateness(1.5)
      model.lateness(3)
      model.lateness(0.5)
      await page.waitForFunction(() => document.querySelector('#lateness')?.textContent?.includes('3 samples'))
      expect(await page.textContent('#lateness')).toContain('p50 1.500   p99 3.000   max 3.000')
      expect(await page.evaluate(() => window.__dashboard.charts['scheduler lateness'].data[2])).toEqual([3])
    } finally {
      await page.close()
      await server.close()
    }
  })

  it('midstream serve fed 4 000 readings with five spikes of 5 on a sine of 0.1: every spike reaches the drawn data and the canvas', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'midstream-dashboard-'))
    const config = join(dir, 'pipelines.yaml')
    writeFileSync(
      config,
      `channels:
  readings:
    value: value
    time: ts
    analyses:
      - dtwMatch: { patterns: { spike: [0, 0, 5, 0, 0] }, threshold: 1 }
      - attractorWindow: { window: 500, hop: 250 }
`,
    )
    const server = await runServe({ config, host: '127.0.0.1', port: 0, wsPort: 0, quicPort: 0, webtransport: true })
    const client = connect(server.addresses.webtransport, { certificateHashes: [server.addresses.certificateHash] })
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
    try {
      const spikeAt = [500, 1300, 2100, 2900, 3700]
      const readings = Array.from({ length: 4000 }, (_, i) => ({
        ts: i * 10,
        value: spikeAt.includes(i) ? 5 : 0.1 * Math.sin(i / 20),
      }))
      await lastValueFrom(client.send('readings', from(readings)))
      await page.goto(server.addresses.dashboard)
      await page.waitForFunction(
        // the analyses run behind the ingest: wait for all of their results too
        () =>
          window.__dashboard?.series.readings?.next === 4000 &&
          window.__dashboard.matches.length === 5 &&
          window.__dashboard.regimes.length === 15, // windows of 500 every 250 over 4 000 readings
        undefined,
        { timeout: 20_000 },
      )
      // two frames: a chart drawn for the first time is drawn again once uPlot has laid it out
      for (let frame = 0; frame < 3; frame++) await page.evaluate(() => new Promise(requestAnimationFrame))
      const probe = await probeChart(
        page,
        'readings',
        spikeAt.map(i => i * 10),
        4.5,
      )
      // decimated: at most two points per pixel column, fewer than the 4 000, and yet every spike is there
      expect(probe.drawnPoints).toBeLessThanOrEqual(2 * probe.columns)
      expect(probe.drawnPoints).toBeLessThan(4000)
      expect(probe.at.map(s => s.drawn)).toEqual([5, 5, 5, 5, 5])
      expect(probe.at.map(s => s.painted)).toEqual([true, true, true, true, true])
      expect(probe.between).toEqual([false, false, false, false])
      expect(probe.yMax).toBeGreaterThanOrEqual(5)
      // the matches' spans sit on the spikes, the regimes cover the series' time
      const held = await page.evaluate(() => ({
        matches: window.__dashboard.matches.map(m => [m.startTime, m.time]),
        regimes: window.__dashboard.regimes.map(r => [r.startTime, r.endTime]),
        missed: window.__dashboard.series.readings.missed,
      }))
      for (const [i, [start, end]] of held.matches.entries()) {
        expect(start).toBeLessThanOrEqual(spikeAt[i] * 10)
        expect(end).toBeGreaterThanOrEqual(spikeAt[i] * 10)
      }
      for (const [start, end] of held.regimes) expect(end - start).toBe(4990) // 500 readings 10 ms apart
      expect(held.missed).toBe(0)
      const shots = process.env.MIDSTREAM_SCREENSHOTS ?? dir
      mkdirSync(shots, { recursive: true })
      await page.screenshot({ path: join(shots, 'web-dashboard.png'), fullPage: true })
    } finally {
      await page.close()
      client.close()
      await server.close()
    }
  }, 60_000)

  it('keeps up with 2 000 points/s: no frame rate below 10/s over 5 s, and every point reaches the page', async () => {
    const model = new DashboardModel({ points: 4096 })
    const server = await serveDashboard(webDashboard(model))
    const page = await browser.newPage()
    let pushed = 0
    const started = performance.now()
    const feed = () => {
      // catch up to 2 000 points per second of wall time, however late the timer fires
      const due = Math.floor((performance.now() - started) * 2)
      for (; pushed < due; pushed++) {
        model.series('sensor').push(Math.sin(pushed / 50) + (pushed % 997 === 0 ? 5 : 0), pushed / 2)
        model.count('sensor', 1, pushed / 2)
      }
    }
    const feeder = setInterval(feed, 10)
    try {
      await page.goto(`${server.base}/`)
      await page.waitForFunction(() => window.__dashboard?.draws >= 1)
      const measured = await page.evaluate(
        () =>
          new Promise<{ fps: number; draws: number }>(resolve => {
            const draws = window.__dashboard.draws
            const start = performance.now()
            let frames = 0
            const tick = () => {
              frames++
              const elapsed = performance.now() - start
              if (elapsed >= 5000) resolve({ fps: (frames * 1000) / elapsed, draws: window.__dashboard.draws - draws })
              else requestAnimationFrame(tick)
            }
            requestAnimationFrame(tick)
          }),
      )
      clearInterval(feeder)
      feed()
      expect(measured.fps).toBeGreaterThanOrEqual(10)
      expect(measured.draws).toBeGreaterThanOrEqual(10) // the charts were redrawn as data came (4 snapshots/s)
      await page.waitForFunction(total => window.__dashboard.series.sensor.next === total, pushed, { timeout: 10_000 })
      expect(await page.evaluate(() => window.__dashboard.series.sensor.missed)).toBe(0)
      expect(pushed).toBeGreaterThanOrEqual(10_000)
    } finally {
      clearInterval(feeder)
      await page.close()
      await server.close()
    }
  }, 60_000)

  it('serves its script from the package (no other origin) under a strict content security policy', async () => {
    const server = await serveDashboard(webDashboard(new DashboardModel()))
    const page = await browser.newPage()
    const requested: string[] = []
    page.on('request', request => requested.push(request.url()))
    try {
      const response = await page.goto(`${server.base}/`)
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'")
      await page.waitForFunction(() => window.__dashboard?.draws >= 1)
      expect(requested.every(url => url.startsWith(server.base))).toBe(true)
      expect(await page.evaluate(() => typeof (window as unknown as { uPlot?: unknown }).uPlot)).toBe('undefined')
      const script = await (await fetch(`${server.base}/dashboard.js`)).text()
      // uPlot's licence notice: uPlot is inside (an assertion on a boolean: the script is 60 KB)
      expect(script.startsWith('/*! uPlot 1.6.32 (c) Leon Sorokin, MIT License')).toBe(true)
      expect(await page.textContent('#series')).toContain('no series yet')
      expect(await page.textContent('#matches')).toContain('no matches yet')
    } finally {
      await page.close()
      await server.close()
    }
  })

  it('answers 405 to other methods, 404 elsewhere, and 503 above maxClients', async () => {
    const model = new DashboardModel()
    const server = await serveDashboard(webDashboard(model))
    expect((await fetch(`${server.base}/`, { method: 'POST' })).status).toBe(405)
    expect((await fetch(`${server.base}/nope`)).status).toBe(404)
    await server.close()
    const small = await serveDashboard(webDashboard(model, { maxClients: 1 }))
    const url = `${small.base}/events`
    const controller = new AbortController()
    const first = await fetch(url, { signal: controller.signal })
    expect(first.headers.get('content-type')).toBe('text/event-stream')
    expect((await fetch(url)).status).toBe(503)
    controller.abort()
    await small.close()
  })
})
