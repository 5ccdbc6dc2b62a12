import { dtwPath, type WarpingPath } from 'midstream'
import { bandHalfWidth } from '../src/compare/dtw'
import { base64, encodePng } from '../src/plot/png'
import { checkInteger, checkOneOf } from '../src/validate'
import { drawFigure, type Figure, type FigureOptions, figureFrame, MARGIN, Plot } from './figure'
import { checkPlotSeries } from './plotMatches'

/** Options of `plotAlignment` and `plotCostMatrix`: the DTW's, as `dtwPath` takes them. */
export interface AlignmentFigureOptions extends FigureOptions {
  /** Sakoe-Chiba half-width: samples, or a fraction (< 1) of the longer length, as `dtw`'s `band`. Default: none. */
  readonly band?: number
  /** Per-pair cost: `'squared'` (default) or `'absolute'`. */
  readonly cost?: 'squared' | 'absolute'
  /** `plotAlignment` draws at most this many links, every k-th of a longer path (the first and last always). Default 400. */
  readonly maxLinks?: number
}

const ALIGNMENT_OPTION_NAMES = ['band', 'cost', 'maxLinks']

interface Aligned {
  readonly distance: number
  readonly path: WarpingPath
  /** The band's half-width as the DTW used it (the longer length without a band). */
  readonly halfWidth: number
  readonly cost: 'squared' | 'absolute'
}

function align(fn: string, a: ArrayLike<number>, b: ArrayLike<number>, options: AlignmentFigureOptions): Aligned {
  checkPlotSeries(fn, 'a', a)
  checkPlotSeries(fn, 'b', b)
  const cost = checkOneOf(fn, 'cost', options.cost ?? 'squared', ['squared', 'absolute'])
  const longer = Math.max(a.length, b.length)
  const halfWidth = Math.max(bandHalfWidth(fn, options.band, longer), Math.abs(a.length - b.length))
  const { distance, path } = dtwPath(a, b, { band: options.band, cost })
  return { distance, path, halfWidth, cost }
}

/** Every k-th step of the path, with its last, so that at most about `max` remain. */
function thin(path: WarpingPath, max: number): WarpingPath {
  if (path.length <= max) return path
  const step = Math.ceil(path.length / max)
  const kept = path.filter((_, k) => k % step === 0)
  if (kept[kept.length - 1] !== path[path.length - 1]) kept.push(path[path.length - 1])
  return kept
}

/**
 * Draws a DTW alignment: `a` above `b` (shifted up so they do not overlap, x the sample index),
 * joined by the warping path's links, one from a[i] to b[j] for each step (i, j) of the path that
 * `dtwPath` finds (at most n + m - 1 of them; a longer path than `maxLinks` is thinned). The
 * distance is in the title.
 *
 * Bad input: an empty series, a NaN, a bad band or cost: a `RangeError` or `TypeError` naming
 * `plotAlignment`.
 *
 * ```ts
 * const a = [0, 1, 2, 3, 2, 1, 0]
 * const b = [0, 0, 1, 2, 3, 3, 2, 1, 0]
 * writeFileSync('alignment.svg', plotAlignment(a, b).svg)
 * ```
 */
export function plotAlignment(a: ArrayLike<number>, b: ArrayLike<number>, options?: AlignmentFigureOptions): Figure {
  const fn = 'plotAlignment'
  const frame = figureFrame(fn, options, ALIGNMENT_OPTION_NAMES, 300)
  const o = options ?? {}
  const maxLinks = checkInteger(fn, 'maxLinks', o.maxLinks ?? 400, { min: 2 })
  const { distance, path } = align(fn, a, b, o)
  const [aLo, aHi] = extent(a)
  const [bLo, bHi] = extent(b)
  const gap = 0.25 * Math.max(aHi - aLo, bHi - bLo, 1e-12)
  const shift = bHi - aLo + gap
  const upper = Array.from(a, (v, i) => [i, v + shift])
  const lower = Array.from(b, (v, j) => [j, v])
  const links = thin(path, maxLinks)
  const marks = [
    Plot.link(links, {
      x1: (p: [number, number]) => p[0],
      y1: (p: [number, number]) => a[p[0]] + shift,
      x2: (p: [number, number]) => p[1],
      y2: (p: [number, number]) => b[p[1]],
      stroke: '#bbb',
      className: 'warping-link',
    }),
    Plot.line(upper, { x: '0', y: '1', stroke: 'steelblue', strokeWidth: 2, className: 'series-a' }),
    Plot.line(lower, { x: '0', y: '1', stroke: 'darkorange', strokeWidth: 2, className: 'series-b' }),
    Plot.text([`DTW distance ${distance.toPrecision(4)} (${path.length} steps)`], {
      frameAnchor: 'top-left',
      dy: -12,
      className: 'title',
    }),
  ]
  return drawFigure(frame, marks, { x: { label: 'index' }, y: { axis: null } })
}

function extent(x: ArrayLike<number>): [number, number] {
  let lo = Infinity
  let hi = -Infinity
  for (let i = 0; i < x.length; i++) {
    if (x[i] < lo) lo = x[i]
    if (x[i] > hi) hi = x[i]
  }
  return [lo, hi]
}

/**
 * Draws the DTW cost matrix of `a` (rows, upwards) against `b` (columns): a cell per pair (i, j)
 * coloured by its cost (a[i] - b[j])² (or |a[i] - b[j]|), the warping path through the cells'
 * centres, and the Sakoe-Chiba band's edges (|i - j| = half-width) dashed. Colours run along
 * viridis by the square root of the cost, from the smallest to the largest. The cells are one
 * embedded PNG image, a pixel per cell (Plot's raster mark needs a canvas, which a light DOM has
 * not; a rectangle per cell made 4 MB and took 3 s for 200 x 200 cells).
 *
 * Bad input: as `plotAlignment`, naming `plotCostMatrix`.
 *
 * ```ts
 * writeFileSync('cost.svg', plotCostMatrix([0, 1, 2, 1], [0, 0, 1, 2, 1], { band: 1 }).svg)
 * ```
 */
export function plotCostMatrix(a: ArrayLike<number>, b: ArrayLike<number>, options?: AlignmentFigureOptions): Figure {
  const fn = 'plotCostMatrix'
  const frame = figureFrame(fn, options, ALIGNMENT_OPTION_NAMES, 480)
  const { path, halfWidth, cost } = align(fn, a, b, options ?? {})
  const n = a.length
  const m = b.length
  const image = costImage(a, b, cost)
  const inner = { width: frame.width - MARGIN.left - MARGIN.right, height: frame.height - MARGIN.top - MARGIN.bottom }
  const marks = [
    Plot.image([image], {
      x: m / 2,
      y: n / 2,
      src: image.href,
      width: inner.width,
      height: inner.height,
      preserveAspectRatio: 'none',
      imageRendering: 'pixelated',
      className: 'cost-matrix',
    }),
    Plot.line(path, {
      x: (p: [number, number]) => p[1] + 0.5,
      y: (p: [number, number]) => p[0] + 0.5,
      stroke: 'white',
      strokeWidth: 2,
      className: 'warping-path',
    }),
  ]
  if (halfWidth < Math.max(n, m)) {
    const w = halfWidth
    const edges = [
      [0, w, 1],
      [m, m + w, 1],
      [0, -w, -1],
      [m, m - w, -1],
    ]
    marks.push(
      Plot.line(edges, {
        x: (d: number[]) => d[0] + 0.5,
        y: (d: number[]) => d[1] + 0.5,
        z: (d: number[]) => d[2],
        stroke: 'red',
        strokeDasharray: '4 3',
        clip: true,
        className: 'band-edge',
      }),
    )
  }
  return drawFigure(frame, marks, {
    x: { domain: [0, m], label: 'b index' },
    y: { domain: [0, n], label: 'a index' },
  })
}

/** Parses a CSS colour that d3 writes: `#rrggbb` or `rgb(r, g, b)`. */
function rgbOf(colour: string): [number, number, number] {
  if (colour.startsWith('#'))
    return [1, 3, 5].map(k => Number.parseInt(colour.slice(k, k + 2), 16)) as [number, number, number]
  return (colour.match(/\d+/g) ?? ['0', '0', '0']).slice(0, 3).map(Number) as [number, number, number]
}

/** The cost matrix as a PNG data URL, a pixel per cell, row a[0] at the bottom. */
function costImage(a: ArrayLike<number>, b: ArrayLike<number>, cost: 'squared' | 'absolute'): { href: string } {
  const n = a.length
  const m = b.length
  const cells = new Float64Array(n * m)
  let lo = Infinity
  let hi = -Infinity
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      const d = a[i] - b[j]
      const c = cost === 'squared' ? d * d : Math.abs(d)
      cells[i * m + j] = c
      if (c < lo) lo = c
      if (c > hi) hi = c
    }
  const scale = Plot.scale({ color: { scheme: 'viridis', domain: [0, 1] } })
  const palette = new Uint8Array(256 * 3)
  for (let k = 0; k < 256; k++) palette.set(rgbOf(String(scale.apply(k / 255))), 3 * k)
  const rgb = new Uint8Array(n * m * 3)
  const span = hi > lo ? hi - lo : 1
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      const k = Math.round(Math.sqrt((cells[i * m + j] - lo) / span) * 255)
      rgb.set(palette.subarray(3 * k, 3 * k + 3), ((n - 1 - i) * m + j) * 3)
    }
  return { href: `data:image/png;base64,${base64(encodePng(rgb, m, n))}` }
}
