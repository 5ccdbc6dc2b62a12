/**
 * Renders the figures shown in docs/plot.md to PNG with headless Chromium (the SVG of each figure
 * screenshotted at its size): `npx tsx scripts/plotImages.ts` writes docs/images/plot-*.png.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { attractorWindow, findMatches } from 'midstream'
import { type Figure, plotCostMatrix, plotMarbles, plotMatches, plotRegimes } from 'midstream/plot'
import { runTimed, type TimedStream } from 'midstream/testing'
import { delay, from, lastValueFrom, map, mergeMap, of, throwError, toArray } from 'rxjs'

const CHROMIUM = '/usr/bin/chromium'
const work = mkdtempSync(join(tmpdir(), 'midstream-plot-images-'))

function screenshot(name: string, figure: Figure): void {
  const svg = join(work, `${name}.svg`)
  writeFileSync(svg, figure.svg)
  execFileSync(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      `--window-size=${figure.width},${figure.height}`,
      `--screenshot=docs/images/plot-${name}.png`,
      svg,
    ],
    { stdio: 'ignore' },
  )
}

const series = Float64Array.from({ length: 4000 }, (_, i) => 0.1 * Math.sin(i / 20))
series[2345] = 5
const bump = [0, 0.5, 1, 1.5, 1, 0.5, 0]
series.set(bump, 800)
series.set(bump, 3100)
screenshot('matches', plotMatches(series, findMatches(series, bump, { k: 2 }), { width: 600 }))

const input: TimedStream<number> = {
  events: [0, 5, 5, 12].map((time, i) => ({ time, value: i + 1 })),
  end: { kind: 'complete', time: 20 },
}
const failing = (x: number) => (x === 4 ? throwError(() => new Error('four!')) : of(x))
screenshot(
  'marbles',
  plotMarbles({
    input,
    'map ×10, delay 2': runTimed(input, (s, scheduler) =>
      s.pipe(
        map(x => x * 10),
        delay(2, scheduler),
      ),
    ),
    'mergeMap, throws on 4': runTimed(input, s => s.pipe(mergeMap(failing))),
  }),
)

const a = Array.from({ length: 60 }, (_, i) => Math.sin(i / 6))
const b = Array.from({ length: 80 }, (_, i) => Math.sin((((i / 80) ** 1.5 * 80) / 6) * 0.75))
screenshot('cost-matrix', plotCostMatrix(a, b, { band: 0.2, height: 400 }))

const xs: number[] = []
for (let i = 0; i < 1500; i++) xs.push(Math.sin(i / 8))
let v = 0.3
for (let i = 0; i < 1500; i++) {
  v = 4 * v * (1 - v)
  xs.push(2 * v - 1)
}
const reports = await lastValueFrom(from(xs).pipe(attractorWindow({ window: 500, hop: 250 }), toArray()))
screenshot('regimes', plotRegimes(xs, reports))
