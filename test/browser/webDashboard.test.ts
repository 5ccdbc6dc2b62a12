// The web dashboard in a real browser: headless Debian chromium (playwright-core) loads the page that
// webDashboard serves, the model changes, and the chart on the page follows over Server-Sent Events.
import { existsSync, mkdtempSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DashboardModel } from '../../sinks/dashboard/model'
import { type WebDashboard, webDashboard } from '../../sinks/webDashboard'

const CHROMIUM = '/usr/bin/chromium'

describe.skipIf(!existsSync(CHROMIUM))('web dashboard in headless chromium', () => {
  let browser: Browser
  let http: Server
  let dashboard: WebDashboard
  let base: string
  const model = new DashboardModel()
  let t = 0
  const feed = () => {
    t += 20
    model.series('sensor').push(Math.sin(t / 200) * 10, t)
    model.count('readings', 1, t)
  }

  beforeAll(async () => {
    dashboard = webDashboard(model, { title: 'midstream test', intervalMs: 50 })
    http = createServer((request, response) => {
      if (!dashboard.handle(request, response)) response.writeHead(404).end()
    })
    await new Promise<void>(resolve => http.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
  })

  afterAll(async () => {
    await browser?.close()
    dashboard?.close()
    http?.closeAllConnections()
    await new Promise<void>(resolve => http?.close(() => resolve()))
  })

  it('draws the series and updates the chart as the model changes; strings stay text', async () => {
    for (let i = 0; i < 50; i++) feed()
    model.verdict('G !error', 'unknown')
    model.verdict('<img src=x onerror="document.title=1">', true)
    model.match({ pattern: 'spike', start: 10, end: 20, distance: 0.5, time: t })
    const page = await browser.newPage()
    try {
      await page.goto(base + '/')
      await page.waitForFunction(() => Number(document.body.dataset.frames) >= 1)
      const first = await page.getAttribute('[data-series="sensor"] polyline', 'points')
      expect(first?.split(' ').length).toBe(50)
      // the model moves on: the page must follow
      for (let i = 0; i < 30; i++) feed()
      model.verdict('G !error', false, 80)
      await page.waitForFunction(() => document.querySelector('#verdicts')?.textContent?.includes('false'))
      const second = await page.getAttribute('[data-series="sensor"] polyline', 'points')
      expect(second).not.toBe(first)
      expect(second?.split(' ').length).toBe(80)
      const verdicts = await page.textContent('#verdicts')
      expect(verdicts).toContain('G !error')
      // a formula that looks like markup is shown as text, never run
      expect(verdicts).toContain('<img src=x onerror=')
      expect(await page.$('#verdicts img')).toBeNull()
      expect(await page.title()).toBe('midstream test')
      expect(await page.textContent('#matches')).toContain('spike')
      expect(await page.textContent('#rates')).toContain('readings')
      const shot = join(mkdtempSync(join(tmpdir(), 'midstream-dashboard-')), 'dashboard.png')
      await page.screenshot({ path: shot, fullPage: true })
      expect(existsSync(shot)).toBe(true)
    } finally {
      await page.close()
    }
  })

  it('answers 405 to other methods, 404 elsewhere, and 503 above maxClients', async () => {
    expect((await fetch(base + '/', { method: 'POST' })).status).toBe(405)
    expect((await fetch(base + '/nope')).status).toBe(404)
    const small = webDashboard(model, { maxClients: 1 })
    const server = createServer((request, response) => {
      if (!small.handle(request, response)) response.writeHead(404).end()
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`
    const controller = new AbortController()
    const first = await fetch(url, { signal: controller.signal })
    expect(first.headers.get('content-type')).toBe('text/event-stream')
    expect((await fetch(url)).status).toBe(503)
    controller.abort()
    small.close()
    server.closeAllConnections()
    await new Promise<void>(resolve => server.close(() => resolve()))
  })
})
