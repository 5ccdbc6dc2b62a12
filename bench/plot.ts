/**
 * What `midstream/plot` costs: the browser bundle of the entry (esbuild, minified, gzip) with
 * Observable Plot and d3 left to the application and with them bundled; and the time to draw a
 * 4 000-point series (600 px wide) and a 200 x 200 DTW cost matrix in Node, in linkedom and in
 * happy-dom (and a 100 000-point series), beside the baselines a user would write with Plot alone: a line through every sample,
 * and a cell mark of one rectangle per matrix cell. Also the SVG's size. Medians of ROUNDS draws
 * after warm-up, all in one run.
 *
 * Run: npm run bench -- plot   (PLOT_BENCH_ROUNDS to change the count)
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import * as Plot from '@observablehq/plot'
import { build, type Plugin } from 'esbuild'
import { Window } from 'happy-dom'
import { parseHTML } from 'linkedom'
import { plotCostMatrix, plotMatches } from '../plot/index'
import { fmt, machineLine, median, printTable } from './lib/report'

const ROUNDS = Number(process.env.PLOT_BENCH_ROUNDS ?? 15)
const root = fileURLToPath(new URL('..', import.meta.url))

/** As tsup's browser build: `peers/X` becomes `peers/X.browser.ts`. */
const browserPeers: Plugin = {
  name: 'browser-peers',
  setup(b) {
    b.onResolve({ filter: /[\\/]peers[\\/][^\\/]+$/ }, args => {
      const browser = resolve(args.resolveDir, `${args.path}.browser.ts`)
      return existsSync(browser) ? { path: browser } : undefined
    })
  },
}

async function bundleSize(external: string[]): Promise<{ min: number; gz: number; node: string[] }> {
  const result = await build({
    entryPoints: [`${root}/plot/index.ts`],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    external,
    plugins: [browserPeers],
    logLevel: 'silent',
  })
  const node = Object.values(result.metafile.inputs)
    .flatMap(input => input.imports)
    .map(i => i.path)
    .filter(p => p.startsWith('node:'))
  const code = result.outputFiles[0].contents
  return { min: code.length, gz: gzipSync(code, { level: 9 }).length, node }
}

function timeMs(draw: () => { length: number }, rounds = ROUNDS): { ms: number; bytes: number } {
  let bytes = 0
  for (let i = 0; i < 2; i++) bytes = draw().length
  const times: number[] = []
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now()
    draw()
    times.push(performance.now() - t0)
  }
  return { ms: median(times), bytes }
}

const series = Float64Array.from({ length: 4000 }, (_, i) => 0.1 * Math.sin(i / 20))
series[2345] = 5
const long = Float64Array.from({ length: 100_000 }, (_, i) => 0.1 * Math.sin(i / 20))
long[54_321] = 5
const a = Float64Array.from({ length: 200 }, (_, i) => Math.sin(i / 15))
const b = Float64Array.from({ length: 200 }, (_, i) => Math.sin(i / 17))

/** Plot alone: a line through every sample. */
function plainLine(document: Document, xs: Float64Array): string {
  return Plot.plot({ document, width: 600, height: 260, marks: [Plot.lineY(xs)] }).outerHTML
}

/** Plot alone: a rectangle per cell of the 200 x 200 cost matrix. */
function plainCells(document: Document): string {
  const index = { length: a.length * b.length }
  return Plot.plot({
    document,
    width: 640,
    height: 480,
    color: { scheme: 'viridis', type: 'sqrt' },
    marks: [
      Plot.cell(index, {
        x: (_: unknown, k: number) => k % b.length,
        y: (_: unknown, k: number) => Math.floor(k / b.length),
        fill: (_: unknown, k: number) => (a[Math.floor(k / b.length)] - b[k % b.length]) ** 2,
      }),
    ],
  }).outerHTML
}

const doms: [string, Document][] = [
  ['linkedom', parseHTML('<!doctype html><html><body></body></html>').document as unknown as Document],
  ['happy-dom', new Window().document as unknown as Document],
]

// one draw of each kind first, so that no row pays for loading and compiling Plot's code
for (const [, document] of doms) {
  plotMatches(series, [], { document })
  plainLine(document, series)
  plotCostMatrix(a, b, { document })
}
console.log(machineLine())
console.log('(the machine was shared with other work while this ran: ratios hold, absolute times are high)\n')
const sizes = [
  ['midstream/plot, Plot, d3 and midstream external', await bundleSize(['@observablehq/plot', 'midstream', 'rxjs'])],
  ['with Plot and d3 bundled (midstream external)', await bundleSize(['midstream', 'rxjs'])],
] as const
printTable(
  ['browser bundle', 'min KB', 'gzip KB', 'node: imports'],
  sizes.map(([name, s]) => [name, fmt(s.min / 1024), fmt(s.gz / 1024), String(s.node.length)]),
  ['l', 'r', 'r', 'r'],
)
console.log()
const rows: string[][] = []
for (const [name, document] of doms) {
  const ours = timeMs(() => plotMatches(series, [], { width: 600, document }).svg)
  const plain = timeMs(() => plainLine(document, series))
  rows.push([
    `4 000-point series, ${name}`,
    fmt(ours.ms),
    fmt(ours.bytes / 1024),
    fmt(plain.ms),
    fmt(plain.bytes / 1024),
  ])
  const oursLong = timeMs(() => plotMatches(long, [], { width: 600, document }).svg)
  const plainLong = timeMs(() => plainLine(document, long))
  rows.push([
    `100 000-point series, ${name}`,
    fmt(oursLong.ms),
    fmt(oursLong.bytes / 1024),
    fmt(plainLong.ms),
    fmt(plainLong.bytes / 1024),
  ])
  const matrix = timeMs(() => plotCostMatrix(a, b, { band: 30, document }).svg)
  const cells = timeMs(() => plainCells(document), 3) // seconds a draw: 3 are enough
  rows.push([
    `200 x 200 cost matrix, ${name}`,
    fmt(matrix.ms),
    fmt(matrix.bytes / 1024),
    fmt(cells.ms),
    fmt(cells.bytes / 1024),
  ])
}
printTable(['figure', 'midstream/plot ms', 'SVG KB', 'Plot alone ms', 'SVG KB'], rows, ['l', 'r', 'r', 'r', 'r'])
console.log('\nPlot alone: a line through every sample; a cell mark, one <rect> per matrix cell.')
