import type { MetaStep } from 'midstream'
import { describeValue } from '../src/errors'
import { decimateMinMax } from '../src/plot/decimate'
import { checkInteger } from '../src/validate'
import { drawFigure, type Figure, type FigureOptions, figureFrame, MARGIN, Plot } from './figure'

/** Options of `plotMetaLearn`. */
export interface MetaLearnFigureOptions extends FigureOptions {
  /** The true targets, one per step (`targets[step.index]`): with them the running accuracy of the predictions is drawn. */
  readonly targets?: ArrayLike<unknown>
  /** Steps in the running accuracy's window. Default 100. */
  readonly window?: number
}

interface WeightPoint {
  readonly index: number
  readonly candidate: string
  readonly share: number
}

function checkSteps<P>(fn: string, steps: readonly MetaStep<P>[]): void {
  if (!Array.isArray(steps))
    throw new TypeError(`${fn}: steps must be an array of MetaStep, got ${describeValue(steps)}`)
  if (steps.length === 0) throw new RangeError(`${fn}: steps must not be empty`)
  steps.forEach((s, i) => {
    const ok =
      s !== null &&
      typeof s === 'object' &&
      Number.isInteger(s.index) &&
      s.weights !== null &&
      typeof s.weights === 'object' &&
      Object.values(s.weights).every(w => typeof w === 'number' && w >= 0 && Number.isFinite(w))
    if (!ok)
      throw new TypeError(
        `${fn}: steps[${i}] must be a MetaStep with an integer index and finite weights >= 0, got ${describeValue(JSON.stringify(s))}`,
      )
  })
}

/** Each candidate's share of the weights (w / sum of w) at each step. */
/**
 * The weight points of each candidate decimated min/max per pixel column (`decimateMinMax`), so a
 * long stream draws a few points a column (a 50 000-step stream drew 1.9 MB of SVG before) and a
 * one-step swing still shows.
 */
function decimateShares(points: readonly WeightPoint[], columns: number): WeightPoint[] {
  const byCandidate = new Map<string, WeightPoint[]>()
  for (const p of points) {
    let list = byCandidate.get(p.candidate)
    if (list === undefined) byCandidate.set(p.candidate, (list = []))
    list.push(p)
  }
  const kept: WeightPoint[] = []
  for (const list of byCandidate.values()) {
    const { index } = decimateMinMax(
      list.map(p => p.share),
      columns,
    )
    for (const k of index) kept.push(list[k])
  }
  return kept
}

/** Room for the candidates' labels at the lines' ends. */
const RIGHT_MARGIN = 90

function weightShares<P>(steps: readonly MetaStep<P>[]): WeightPoint[] {
  const points: WeightPoint[] = []
  for (const s of steps) {
    let total = 0
    for (const w of Object.values(s.weights)) total += w
    for (const [candidate, w] of Object.entries(s.weights))
      points.push({ index: s.index, candidate, share: total > 0 ? w / total : 0 })
  }
  return points
}

/**
 * Running accuracy over the last `window` steps: the fraction whose prediction equals
 * (`Object.is`) the target `targets[step.index]`. A `window` that is not an integer >= 1 is a
 * `RangeError` naming `runningAccuracy`.
 *
 * ```ts
 * runningAccuracy(steps, observations.map(o => o.y), 100).accuracy // one value per step
 * ```
 */
export function runningAccuracy<P>(
  steps: readonly MetaStep<P>[],
  targets: ArrayLike<unknown>,
  window: number,
): {
  /** Each step's `index`. */
  index: Int32Array
  /** The share of correct predictions among the step and the `window - 1` before it (fewer at the start). */
  accuracy: Float64Array
} {
  checkInteger('runningAccuracy', 'window', window, { min: 1 })
  const hits = new Uint8Array(steps.length)
  const index = new Int32Array(steps.length)
  const accuracy = new Float64Array(steps.length)
  let inWindow = 0
  for (let k = 0; k < steps.length; k++) {
    hits[k] = Object.is(steps[k].prediction, targets[steps[k].index]) ? 1 : 0
    inWindow += hits[k]
    if (k >= window) inWindow -= hits[k - window]
    index[k] = steps[k].index
    accuracy[k] = inWindow / Math.min(k + 1, window)
  }
  return { index, accuracy }
}

/**
 * Draws what `metaLearn` did over a stream: each candidate's share of level 1's weights (its
 * weight over their sum) against the step index, a vertical rule at each step where a drift was
 * detected, and, given the targets, the running accuracy of the ensemble's predictions (a dashed
 * black line on the same 0-1 axis), each candidate's line labelled at its end.
 *
 * Bad input: no steps, a step without an index or with weights that are not finite numbers >= 0,
 * targets shorter than the steps' indices: a `RangeError` or `TypeError` naming `plotMetaLearn`.
 *
 * ```ts
 * const steps = await lastValueFrom(from(observations).pipe(metaLearn(config), toArray()))
 * writeFileSync('meta.svg', plotMetaLearn(steps, { targets: observations.map(o => o.y) }).svg)
 * ```
 */
export function plotMetaLearn<P>(steps: readonly MetaStep<P>[], options?: MetaLearnFigureOptions): Figure {
  const fn = 'plotMetaLearn'
  const frame = figureFrame(fn, options, ['targets', 'window'], 320)
  checkSteps(fn, steps)
  const window = checkInteger(fn, 'window', options?.window ?? 100, { min: 1 })
  const targets = options?.targets
  if (targets !== undefined) {
    const needed = Math.max(...steps.map(s => s.index)) + 1
    if (targets === null || typeof targets.length !== 'number' || targets.length < needed)
      throw new RangeError(`${fn}: targets must hold one target per step (${needed}), got ${describeValue(targets)}`)
  }
  const columns = Math.max(1, frame.width - MARGIN.left - RIGHT_MARGIN)
  const weights = decimateShares(weightShares(steps), columns)
  const last = steps[steps.length - 1]
  const drifts = steps.filter(s => s.drift).map(s => s.index)
  const marks = [
    Plot.line(weights, { x: 'index', y: 'share', z: 'candidate', stroke: 'candidate', className: 'weight' }),
    Plot.ruleX(drifts, { stroke: 'crimson', strokeWidth: 1.5, strokeDasharray: '3 3', className: 'drift' }),
    Plot.text(
      weights.filter(w => w.index === last.index),
      {
        x: 'index',
        y: 'share',
        text: 'candidate',
        fill: 'candidate',
        textAnchor: 'start',
        dx: 4,
        className: 'candidate-label',
      },
    ),
  ]
  if (targets !== undefined) {
    const running = runningAccuracy(steps, targets, window)
    const kept = decimateMinMax(running.accuracy, columns).index
    const index = Array.from(kept, k => running.index[k])
    const accuracy = Array.from(kept, k => running.accuracy[k])
    marks.push(
      Plot.line(index, { x: index, y: accuracy, stroke: 'black', strokeDasharray: '5 3', className: 'accuracy' }),
      Plot.text([`accuracy over ${window} steps (dashed)`], { frameAnchor: 'top-right', dy: -12, className: 'title' }),
    )
  }
  return drawFigure(frame, marks, {
    x: { label: 'step' },
    y: { domain: [0, 1], label: 'weight share' },
    marginRight: RIGHT_MARGIN,
  })
}
