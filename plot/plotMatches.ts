import type * as PlotPackage from '@observablehq/plot'
import type { DtwMatchEvent, Match } from 'midstream'
import { checkFiniteSeries } from '../src/compare/pointwise'
import { describeValue, errorMessage } from '../src/errors'
import { decimateMinMax } from '../src/plot/decimate'
import { checkFunction } from '../src/validate'
import { drawFigure, type Figure, type FigureFrame, type FigureOptions, figureFrame, MARGIN, Plot } from './figure'

/** A span of a series to shade: a `Match` of `findMatches`, or a `DtwMatchEvent` of `dtwMatch` (labelled by its pattern). */
export type MatchSpan = Match | DtwMatchEvent

/** Options of `plotMatches`. */
export interface MatchesFigureOptions extends FigureOptions {
  /** Each span's label. Default: the pattern (for `dtwMatch` events) and the distance to 3 significant digits. */
  readonly label?: (match: MatchSpan, index: number) => string
}

/** Checks a series for `fn`: finite numbers, not empty. */
export function checkPlotSeries(fn: string, name: string, series: ArrayLike<number>): void {
  checkFiniteSeries(fn, name, series)
  if (series.length === 0) throw new RangeError(`${fn}: ${name} must not be empty`)
}

/**
 * The line mark of a series over x = sample index, decimated min/max per pixel column of the
 * frame (so a one-sample spike shows), and the x domain that keeps index i at its column.
 */
export function seriesLine(
  series: ArrayLike<number>,
  frame: FigureFrame,
  mark: PlotPackage.LineYOptions = {},
): { line: PlotPackage.Markish; xDomain: [number, number] } {
  const columns = Math.max(1, frame.width - MARGIN.left - MARGIN.right)
  const { index, value } = decimateMinMax(series, columns)
  const line = Plot.line(index, { x: index, y: value, stroke: 'steelblue', className: 'series', ...mark })
  return { line, xDomain: [0, Math.max(1, series.length - 1)] }
}

/** The default label of a span: its pattern, if any, and its distance. */
function defaultLabel(match: MatchSpan): string {
  const pattern = (match as DtwMatchEvent).pattern
  const distance = `d=${Number(match.distance).toPrecision(3)}`
  return typeof pattern === 'string' ? `${pattern} ${distance}` : distance
}

/** Calls the user's label function; what it throws comes back naming `fn` and the span. */
function callLabel(
  fn: string,
  label: (match: MatchSpan, index: number) => string,
  match: MatchSpan,
  i: number,
): string {
  try {
    return String(label(match, i))
  } catch (error) {
    throw new Error(`${fn}: label threw for matches[${i}]: ${errorMessage(error)}`, { cause: error })
  }
}

function checkMatches(fn: string, matches: readonly MatchSpan[], length: number): void {
  if (!Array.isArray(matches)) throw new TypeError(`${fn}: matches must be an array, got ${describeValue(matches)}`)
  matches.forEach((m, i) => {
    const ok =
      m !== null &&
      typeof m === 'object' &&
      Number.isInteger(m.start) &&
      Number.isInteger(m.end) &&
      m.start >= 0 &&
      m.start <= m.end &&
      m.end < length
    if (!ok)
      throw new RangeError(
        `${fn}: matches[${i}] must have integer start <= end within the series' ${length} indices, got ${describeValue(JSON.stringify(m))}`,
      )
  })
}

/**
 * Draws a series with its matches shaded and labelled: x is the sample index, each match a band
 * from its `start` to its `end` index (inclusive), labelled with its pattern and distance. A long
 * series is decimated min/max per pixel column (`decimateMinMax`), so a one-sample spike shows.
 *
 * Bad input: an empty series or one with a NaN or infinity, a match outside the series or with
 * `start > end`: a `RangeError` or `TypeError` naming `plotMatches` and the value.
 *
 * ```ts
 * const series = Float64Array.from({ length: 4000 }, (_, i) => 0.1 * Math.sin(i / 20))
 * const figure = plotMatches(series, findMatches(series, series.slice(100, 140), { k: 3 }))
 * writeFileSync('matches.svg', figure.svg)
 * ```
 */
export function plotMatches(
  series: ArrayLike<number>,
  matches: readonly MatchSpan[] = [],
  options?: MatchesFigureOptions,
): Figure {
  const fn = 'plotMatches'
  const frame = figureFrame(fn, options, ['label'], 260)
  checkPlotSeries(fn, 'series', series)
  checkMatches(fn, matches, series.length)
  const label = options?.label ?? defaultLabel
  checkFunction(fn, 'label', label, false)
  const labels = matches.map((m, i) => callLabel(fn, label, m, i))
  const { line, xDomain } = seriesLine(series, frame)
  const spans = Plot.rect(matches, {
    x1: 'start',
    x2: 'end',
    fill: 'orange',
    fillOpacity: 0.25,
    className: 'match-span',
  })
  const texts = Plot.text(matches, {
    x: (m: MatchSpan) => (m.start + m.end) / 2,
    text: (_: MatchSpan, i: number) => labels[i],
    frameAnchor: 'top',
    dy: -10,
    fill: 'darkorange',
    className: 'match-label',
  })
  return drawFigure(frame, [spans, line, texts], {
    x: { domain: xDomain, label: 'index' },
    y: { label: null },
  })
}
