// midstream/plot in a real browser: headless Debian chromium (playwright-core) runs a page bundled
// from the BUILT browser entry (dist/plot.browser.js through the exports map, Plot bundled in),
// which draws figures in the page's own document; the browser rasterises them and the test reads
// the pixels: the planted spike's maximum is drawn, the cost matrix's embedded PNG is decoded.
// Needs `npm run build` first and /usr/bin/chromium (elsewhere the suite is skipped).
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundlePage, hasChromium, launchChromium } from './chromium'
import type { PlotPageResult } from './page/plotPage'

const root = fileURLToPath(new URL('../../', import.meta.url))
const entry = fileURLToPath(new URL('./page/plotPage.ts', import.meta.url))

describe.skipIf(!hasChromium)('midstream/plot in headless chromium', () => {
  let browser: Browser
  let result: PlotPageResult
  let inputs: string[] = []

  beforeAll(async () => {
    const bundle = await bundlePage(entry, root)
    inputs = bundle.inputs
    browser = await launchChromium()
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', error => errors.push(error.message))
    await page.setContent('<!doctype html><meta charset="utf-8"><body></body>')
    await page.addScriptTag({ content: bundle.script, type: 'module' })
    await page.waitForFunction(() => window.__plot !== undefined, undefined, { timeout: 30_000 })
    result = (await page.evaluate(() => window.__plot)) as PlotPageResult
    expect(errors).toEqual([])
    await page.close()
  }, 90_000)

  afterAll(async () => {
    await browser?.close()
  })

  it('bundles the browser build: dist/plot.browser.js, Plot, no linkedom, no Node built-in', () => {
    expect(result.error).toBeUndefined()
    expect(inputs).toContain('dist/plot.browser.js')
    expect(inputs.some(i => i.includes('@observablehq/plot'))).toBe(true)
    expect(inputs.some(i => i.includes('linkedom'))).toBe(false)
    expect(inputs.some(i => i.startsWith('node:'))).toBe(false)
    expect(result.ownDocument).toBe(true)
  })

  it("draws the planted spike's maximum: the line reaches the top of the frame at the spike's column", () => {
    const { width, rgba } = result.matches as { width: number; rgba: number[] }
    const dark = (x: number, y: number) => {
      const k = 4 * (y * width + x)
      return rgba[k + 3] > 0 && rgba[k] + rgba[k + 1] + rgba[k + 2] < 600 // not white, not transparent
    }
    // x of index 2345 of 0..3999 on [50, 580]; the spike's top, 5, is drawn at y = 20
    const spikeX = Math.round(50 + (2345 / 3999) * 530)
    const inked = (x: number) => [20, 21, 22, 23, 24].some(y => dark(x, y))
    expect([spikeX - 1, spikeX, spikeX + 1].some(inked)).toBe(true)
    // and nothing else reaches that high: the sine (amplitude 0.1) stays at the bottom of the frame
    const others = Array.from({ length: 520 }, (_, k) => 55 + k).filter(x => Math.abs(x - spikeX) > 3)
    expect(others.filter(inked)).toEqual([])
  })

  it("shows the cost matrix's PNG: viridis' last colour at the costliest cell, its first at the cheapest off the path", () => {
    const { width, height, rgba } = result.costMatrix as { width: number; height: number; rgba: number[] }
    const a = Array.from({ length: 200 }, (_, i) => Math.sin(i / 15))
    const b = Array.from({ length: 200 }, (_, i) => Math.sin(i / 17))
    const costs = a.flatMap((x, i) => b.map((y, j) => ({ i, j, cost: (x - y) ** 2 })))
    const colourAt = ({ i, j }: { i: number; j: number }) => {
      // cell (i, j): x from 50 over 570 px for 200 columns, y up from height - 30 over height - 50 px
      const x = Math.floor(50 + ((j + 0.5) * 570) / 200)
      const y = Math.floor(height - 30 - ((i + 0.5) * (height - 50)) / 200)
      const k = 4 * (y * width + x)
      return rgba.slice(k, k + 3)
    }
    const close = (rgb: number[], [r, g, b]: number[]) =>
      Math.abs(rgb[0] - r) + Math.abs(rgb[1] - g) + Math.abs(rgb[2] - b)
    const costliest = costs.reduce((m, c) => (c.cost > m.cost ? c : m))
    expect(close(colourAt(costliest), [0xfd, 0xe7, 0x25])).toBeLessThan(40)
    // the cheapest cell far from the diagonal (the path and the band's edges are drawn over the diagonal's neighbourhood)
    const cheapest = costs.filter(c => Math.abs(c.i - c.j) > 45).reduce((m, c) => (c.cost < m.cost ? c : m))
    expect(cheapest.cost).toBeLessThan(1e-3)
    expect(close(colourAt(cheapest), [0x44, 0x01, 0x54])).toBeLessThan(60)
  })
})
