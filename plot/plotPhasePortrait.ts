import { delayEmbed, estimateDelay, type LyapunovResult } from 'midstream'
import { describeValue } from '../src/errors'
import { checkInteger, checkNumber } from '../src/validate'
import { drawFigure, type Figure, type FigureOptions, figureFrame, Plot } from './figure'
import { checkPlotSeries } from './plotMatches'

/** Options of `plotPhasePortrait`. */
export interface PhasePortraitOptions extends FigureOptions {
  /** Embedding delay in samples. Default: `estimateDelay(series)` (first minimum of mutual information). */
  readonly delay?: number
  /** 2 (x(t), x(t + delay)) or 3 (a projection of x(t), x(t + delay), x(t + 2 delay)). Default 2. */
  readonly dimension?: 2 | 3
  /** 3-D only: rotation about the vertical axis, degrees. Default 35. */
  readonly azimuth?: number
  /** 3-D only: height of the eye above the horizontal plane, degrees (0: side view, 90: from above). Default 25. */
  readonly elevation?: number
}

/**
 * Orthographic projection of 3-D points: rotate by `azimuth` about the z axis, then view from
 * `elevation` above the x-y plane. Screen u = x', v = z cos(el) + y' sin(el).
 */
export function project3d(
  data: Float64Array,
  azimuth: number,
  elevation: number,
): { u: Float64Array; v: Float64Array } {
  const count = data.length / 3
  const u = new Float64Array(count)
  const v = new Float64Array(count)
  const ca = Math.cos((azimuth * Math.PI) / 180)
  const sa = Math.sin((azimuth * Math.PI) / 180)
  const ce = Math.cos((elevation * Math.PI) / 180)
  const se = Math.sin((elevation * Math.PI) / 180)
  for (let i = 0; i < count; i++) {
    const x = data[3 * i]
    const y = data[3 * i + 1]
    const z = data[3 * i + 2]
    u[i] = x * ca - y * sa
    v[i] = z * ce + (x * sa + y * ca) * se
  }
  return { u, v }
}

/**
 * Draws the phase portrait of a delay embedding: the trajectory through the points (x(t),
 * x(t + delay)) in 2-D, or, in 3-D, an orthographic projection of (x(t), x(t + delay), x(t + 2
 * delay)) seen from `azimuth` and `elevation`. A limit cycle draws a closed loop, chaos a folded
 * band, noise a cloud.
 *
 * Bad input: an empty series or one with a NaN, a delay or dimension the series is too short for:
 * a `RangeError` or `TypeError` naming `plotPhasePortrait`.
 *
 * ```ts
 * const x = Array.from({ length: 2000 }, (_, i) => Math.sin(i / 10) + 0.5 * Math.sin(i / 23))
 * writeFileSync('portrait.svg', plotPhasePortrait(x, { delay: 15, dimension: 3 }).svg)
 * ```
 */
export function plotPhasePortrait(series: ArrayLike<number>, options?: PhasePortraitOptions): Figure {
  const fn = 'plotPhasePortrait'
  const frame = figureFrame(fn, options, ['delay', 'dimension', 'azimuth', 'elevation'], 480)
  checkPlotSeries(fn, 'series', series)
  const o = options ?? {}
  const dimension = o.dimension ?? 2
  if (dimension !== 2 && dimension !== 3)
    throw new RangeError(`${fn}: dimension must be 2 or 3, got ${describeValue(dimension)}`)
  const delay = checkInteger(fn, 'delay', o.delay ?? estimateDelay(series), { min: 1 })
  const azimuth = checkNumber(fn, 'azimuth', o.azimuth ?? 35)
  const elevation = checkNumber(fn, 'elevation', o.elevation ?? 25, { min: -90, max: 90 })
  if (series.length <= (dimension - 1) * delay)
    throw new RangeError(
      `${fn}: a delay of ${delay} in ${dimension} dimensions needs more than ${(dimension - 1) * delay} values, got ${series.length}`,
    )
  const { data, count } = delayEmbed(series, dimension, delay)
  let u: Float64Array
  let v: Float64Array
  if (dimension === 2) {
    u = new Float64Array(count)
    v = new Float64Array(count)
    for (let i = 0; i < count; i++) {
      u[i] = data[2 * i]
      v[i] = data[2 * i + 1]
    }
  } else ({ u, v } = project3d(data, azimuth, elevation))
  const index = { length: count }
  const marks = [
    Plot.line(index, {
      x: u,
      y: v,
      stroke: 'steelblue',
      strokeWidth: 0.8,
      strokeOpacity: 0.8,
      className: 'trajectory',
    }),
  ]
  const labels =
    dimension === 2
      ? { x: 'x(t)', y: `x(t + ${delay})` }
      : { x: `projection (azimuth ${azimuth}°)`, y: `elevation ${elevation}°` }
  return drawFigure(frame, marks, { x: { label: labels.x }, y: { label: labels.y } })
}

/** Least squares y = slope k + intercept over k = from..to of `y`. */
function fitLine(y: Float64Array, from: number, to: number): { slope: number; intercept: number } {
  let n = 0
  let sx = 0
  let sy = 0
  let sxx = 0
  let sxy = 0
  for (let k = from; k <= to; k++) {
    n++
    sx += k
    sy += y[k]
    sxx += k * k
    sxy += k * y[k]
  }
  const slope = (sxy - (sx * sy) / n) / (sxx - (sx * sx) / n)
  return { slope, intercept: (sy - slope * sx) / n }
}

/**
 * Draws Rosenstein's divergence curve of a `lyapunovRosenstein` result: the mean log distance of
 * neighbour pairs against the step k (steps where every pair met are left out), the fitted range
 * shaded, and the least-squares line over it, whose slope per step is the exponent times `dt`.
 * The exponent, the range and r² are in the title.
 *
 * Bad input: something that is not a `LyapunovResult`: a `TypeError` naming `plotDivergence`.
 *
 * ```ts
 * const result = lyapunovRosenstein(logisticMap(3000), { dimension: 2, delay: 1 })
 * writeFileSync('divergence.svg', plotDivergence(result).svg)
 * ```
 */
export function plotDivergence(result: LyapunovResult, options?: FigureOptions): Figure {
  const fn = 'plotDivergence'
  const frame = figureFrame(fn, options, [], 320)
  const r = result as Partial<LyapunovResult> | null
  if (r === null || typeof r !== 'object' || !(r.divergence instanceof Float64Array) || typeof r.fit !== 'object')
    throw new TypeError(`${fn}: result must be a lyapunovRosenstein result, got ${describeValue(result)}`)
  const { divergence, fit, exponent } = result
  const steps = Array.from(divergence.keys()).filter(k => Number.isFinite(divergence[k]))
  const fitted = !result.exactRepeats && fit.to > fit.from
  const line = fitted ? fitLine(divergence, fit.from, fit.to) : undefined
  const marks = [
    Plot.rect([fit], { x1: 'from', x2: 'to', fill: 'orange', fillOpacity: 0.2, className: 'fit-range' }),
    Plot.line(steps, {
      x: (k: number) => k,
      y: (k: number) => divergence[k],
      stroke: 'steelblue',
      className: 'divergence',
    }),
    Plot.dot(steps, { x: (k: number) => k, y: (k: number) => divergence[k], r: 2, fill: 'steelblue' }),
  ]
  if (line !== undefined)
    marks.push(
      Plot.line([fit.from, fit.to], {
        x: (k: number) => k,
        y: (k: number) => line.slope * k + line.intercept,
        stroke: 'crimson',
        strokeWidth: 2,
        className: 'fit-line',
      }),
    )
  marks.push(
    Plot.text([`λ = ${exponent.toPrecision(3)}; fit k = ${fit.from}..${fit.to}, r² = ${fit.r2.toFixed(3)}`], {
      frameAnchor: 'top-right',
      dy: -12,
      className: 'title',
    }),
  )
  return drawFigure(frame, marks, { x: { label: 'step k' }, y: { label: 'mean ln distance' } })
}
