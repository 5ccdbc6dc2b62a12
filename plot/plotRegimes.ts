import type { AttractorWindowReport, Regime } from 'midstream'
import { describeValue } from '../src/errors'
import { checkNumber } from '../src/validate'
import { drawFigure, type Figure, type FigureOptions, figureFrame, Plot } from './figure'
import { checkPlotSeries, seriesLine } from './plotMatches'

/** The colour of each regime's band. */
const REGIME_COLOURS: Record<Regime, string> = {
  'fixed-point': '#9ecae1',
  'limit-cycle': '#a1d99b',
  chaotic: '#fc9272',
  noise: '#d9d9d9',
  unknown: '#fff3b0',
}

/** A run of samples that one regime holds. */
interface Band {
  readonly regime: Regime
  readonly from: number
  readonly to: number
}

/**
 * Each report's band: the samples its window added to the one before (the whole window for the
 * first), so overlapping windows tile the series; consecutive bands of one regime merged.
 */
function regimeBands(fn: string, reports: readonly AttractorWindowReport[], length: number): Band[] {
  const bands: Band[] = []
  let previousEnd = -1
  reports.forEach((r, i) => {
    const ok =
      r !== null &&
      typeof r === 'object' &&
      r.regime in REGIME_COLOURS &&
      Number.isInteger(r.start) &&
      Number.isInteger(r.end) &&
      r.start >= 0 &&
      r.start <= r.end &&
      r.end < length &&
      r.end > previousEnd
    if (!ok)
      throw new RangeError(
        `${fn}: reports[${i}] must be an attractorWindow report within the series' ${length} indices, ending after the one before, got ${describeValue(JSON.stringify(r))}`,
      )
    // a window that starts right after the one before continues its band (no one-sample gap)
    const from = i === 0 || r.start > previousEnd + 1 ? r.start : previousEnd
    const last = bands[bands.length - 1]
    if (last !== undefined && last.regime === r.regime && last.to === from)
      bands[bands.length - 1] = { ...last, to: r.end }
    else bands.push({ regime: r.regime, from, to: r.end })
    previousEnd = r.end
  })
  return bands
}

/**
 * Draws a series with the regimes that `attractorWindow` found as a strip of coloured bands under
 * it: each window's report colours the samples it added to the window before (so overlapping
 * windows tile the series; the first colours its whole window), runs of one regime merged and
 * labelled. x is
 * the sample index, as the reports' `start` and `end`; the series is decimated as in `plotMatches`.
 *
 * Bad input: an empty series or one with a NaN, a report outside the series or not after the one
 * before: a `RangeError` or `TypeError` naming `plotRegimes`.
 *
 * ```ts
 * const reports = await lastValueFrom(from(series).pipe(attractorWindow({ window: 500, hop: 250 }), toArray()))
 * writeFileSync('regimes.svg', plotRegimes(series, reports).svg)
 * ```
 */
export function plotRegimes(
  series: ArrayLike<number>,
  reports: readonly AttractorWindowReport[],
  options?: FigureOptions,
): Figure {
  const fn = 'plotRegimes'
  const frame = figureFrame(fn, options, [], 280)
  checkPlotSeries(fn, 'series', series)
  if (!Array.isArray(reports)) throw new TypeError(`${fn}: reports must be an array, got ${describeValue(reports)}`)
  const bands = regimeBands(fn, reports, series.length)
  const { line, xDomain } = seriesLine(series, frame, { stroke: '#333' })
  let lo = Infinity
  let hi = -Infinity
  for (let i = 0; i < series.length; i++) {
    lo = Math.min(lo, series[i])
    hi = Math.max(hi, series[i])
  }
  const span = hi > lo ? hi - lo : 1
  // the strip of bands under the series, in the series' units
  const strip = { top: lo - 0.08 * span, bottom: lo - 0.3 * span }
  const marks = [
    Plot.rect(bands, {
      x1: 'from',
      x2: 'to',
      y1: strip.bottom,
      y2: strip.top,
      fill: (b: Band) => REGIME_COLOURS[b.regime],
      className: 'regime-band',
    }),
    line,
    Plot.text(bands, {
      x: (b: Band) => (b.from + b.to) / 2,
      y: (strip.top + strip.bottom) / 2,
      text: 'regime',
      className: 'regime-label',
    }),
  ]
  return drawFigure(frame, marks, {
    x: { domain: xDomain, label: 'index' },
    y: { domain: [strip.bottom, hi], label: null },
  })
}

/** Options of `plotZeroOneWalk`. */
export interface ZeroOneWalkOptions extends FigureOptions {
  /** The frequency c, in (0, pi). Default 1.7 (Gottwald and Melbourne draw c from (pi/5, 4pi/5)). */
  readonly c?: number
}

/**
 * The translation variables of the 0-1 test for chaos at one frequency c: with phi the series
 * minus its mean, p(n) = sum_{j=1..n} phi(j) cos(j c) and q(n) = sum_{j=1..n} phi(j) sin(j c).
 * An empty series or a NaN, or c outside (0, pi): a `RangeError` or `TypeError` naming `zeroOneWalk`.
 *
 * ```ts
 * const { p, q } = zeroOneWalk([1, -1, 1, -1], Math.PI / 2)
 * ```
 */
export function zeroOneWalk(
  series: ArrayLike<number>,
  c: number,
): {
  /** p(n) for n = 1..N, at index n - 1. */
  p: Float64Array
  /** q(n) for n = 1..N, at index n - 1. */
  q: Float64Array
} {
  checkPlotSeries('zeroOneWalk', 'series', series)
  checkNumber('zeroOneWalk', 'c', c, { above: 0, below: Math.PI })
  const n = series.length
  let mean = 0
  for (let i = 0; i < n; i++) mean += series[i]
  mean /= n
  const p = new Float64Array(n)
  const q = new Float64Array(n)
  let sp = 0
  let sq = 0
  for (let i = 0; i < n; i++) {
    const phi = series[i] - mean
    sp += phi * Math.cos((i + 1) * c)
    sq += phi * Math.sin((i + 1) * c)
    p[i] = sp
    q[i] = sq
  }
  return { p, q }
}

/**
 * Draws the walk (p, q) of the 0-1 test for chaos at one frequency c: bounded (a circle or a
 * rosette) for regular dynamics, diffusing like Brownian motion for chaos, which is what the
 * test's K measures.
 *
 * Bad input: an empty series or one with a NaN, c outside (0, pi): a `RangeError` or `TypeError`
 * naming `plotZeroOneWalk`.
 *
 * ```ts
 * writeFileSync('walk.svg', plotZeroOneWalk(logisticMap(2000), { c: 1.7 }).svg)
 * ```
 *
 * References: G. A. Gottwald, I. Melbourne, "A new test for chaos in deterministic systems",
 * Proc. R. Soc. A 460 (2004) 603-611.
 */
export function plotZeroOneWalk(series: ArrayLike<number>, options?: ZeroOneWalkOptions): Figure {
  const fn = 'plotZeroOneWalk'
  const frame = figureFrame(fn, options, ['c'], 480)
  checkPlotSeries(fn, 'series', series)
  const c = checkNumber(fn, 'c', options?.c ?? 1.7, { above: 0, below: Math.PI })
  const { p, q } = zeroOneWalk(series, c)
  const marks = [
    Plot.line({ length: p.length }, { x: p, y: q, stroke: 'steelblue', strokeWidth: 0.8, className: 'walk' }),
    Plot.text([`0-1 test walk, c = ${c}`], { frameAnchor: 'top-right', dy: -12, className: 'title' }),
  ]
  return drawFigure(frame, marks, { x: { label: 'p' }, y: { label: 'q' } })
}
