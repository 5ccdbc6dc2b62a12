import type { VerdictChange } from 'midstream'
import { describeValue } from '../src/errors'
import { checkInteger } from '../src/validate'
import { drawFigure, type Figure, type FigureOptions, figureFrame, Plot } from './figure'

/** Options of `plotVerdicts`. */
export interface VerdictsFigureOptions extends FigureOptions {
  /** Events in the stream (the x axis runs to it). Default: one past the last change's index. */
  readonly events?: number
}

/** A verdict held over a run of events. */
interface Segment {
  readonly formula: string
  readonly verdict: VerdictChange['verdict']
  readonly from: number
  readonly to: number
}

/** Where a formula was violated: the event whose verdict turned false, or the end (LTLf). */
interface Violation {
  readonly formula: string
  readonly index: number
  readonly final: boolean
}

const COLOURS = { true: 'seagreen', false: 'crimson', unknown: '#bbb' }

function checkChanges(fn: string, formula: string, changes: readonly VerdictChange[]): void {
  if (!Array.isArray(changes))
    throw new TypeError(
      `${fn}: the verdicts of ${JSON.stringify(formula)} must be an array, got ${describeValue(changes)}`,
    )
  changes.forEach((c, i) => {
    const ok =
      c !== null &&
      typeof c === 'object' &&
      (c.verdict === 'true' || c.verdict === 'false' || c.verdict === 'unknown') &&
      Number.isInteger(c.index) &&
      c.index >= -1 &&
      (i === 0 || c.index >= changes[i - 1].index)
    if (!ok)
      throw new RangeError(
        `${fn}: verdicts of ${JSON.stringify(formula)} [${i}] must be a VerdictChange with an index >= -1 not below the one before, got ${describeValue(JSON.stringify(c))}`,
      )
  })
}

/** Each formula's verdicts as runs of events, and where each was first violated. */
function segmentsOf(
  rows: [string, readonly VerdictChange[]][],
  events: number,
): { segments: Segment[]; violations: Violation[] } {
  const segments: Segment[] = []
  const violations: Violation[] = []
  for (const [formula, changes] of rows) {
    const running = changes.filter(c => !c.final)
    // ltlVerdicts emits changes only: until the first, the verdict was unknown
    const firstAt = running.length > 0 ? running[0].index : events - 0.5
    if (firstAt > -0.5) segments.push({ formula, verdict: 'unknown', from: -0.5, to: firstAt })
    running.forEach((c, k) => {
      const from = Math.max(c.index, -0.5)
      const to = k + 1 < running.length ? running[k + 1].index : events - 0.5
      segments.push({ formula, verdict: c.verdict, from, to: Math.max(to, from) })
    })
    const firstFalse = changes.find(c => c.verdict === 'false')
    if (firstFalse !== undefined)
      violations.push({ formula, index: firstFalse.final ? events : firstFalse.index, final: firstFalse.final })
    const final = changes.find(c => c.final)
    if (final !== undefined) segments.push({ formula, verdict: final.verdict, from: events, to: events + 0.5 })
  }
  return { segments, violations }
}

/**
 * Draws the verdicts of `ltlVerdicts` over a stream, one row per formula: x is the event index,
 * a bar coloured by the verdict held from the event where it changed (grey unknown, as before the
 * first change, green true, red false; -0.5 for a verdict held before any event) to the next change (the last to half an
 * event past the last event), the final verdict (LTLf, on completion) as a short bar from x =
 * `events`, and a red cross labelled with the event where each formula was first violated.
 *
 * Bad input: a row that is not an array of `VerdictChange`s in order of index: a `RangeError` or
 * `TypeError` naming `plotVerdicts` and the formula.
 *
 * ```ts
 * const changes = await lastValueFrom(events$.pipe(ltlVerdicts('G (request -> F[0,2s] response)', opts), toArray()))
 * writeFileSync('verdicts.svg', plotVerdicts({ 'G (request -> F[0,2s] response)': changes }).svg)
 * ```
 */
export function plotVerdicts(
  verdicts: Readonly<Record<string, readonly VerdictChange[]>>,
  options?: VerdictsFigureOptions,
): Figure {
  const fn = 'plotVerdicts'
  if (verdicts === null || typeof verdicts !== 'object' || Array.isArray(verdicts))
    throw new TypeError(
      `${fn}: verdicts must be a record of formula to VerdictChange[], got ${describeValue(verdicts)}`,
    )
  const rows = Object.entries(verdicts)
  if (rows.length === 0) throw new RangeError(`${fn}: verdicts must hold at least one formula`)
  for (const [formula, changes] of rows) checkChanges(fn, formula, changes)
  const lastIndex = Math.max(0, ...rows.flatMap(([, cs]) => cs.map(c => (c.final ? c.index : c.index + 1))))
  const events = checkInteger(fn, 'events', options?.events ?? lastIndex, { min: 0 })
  const frame = figureFrame(fn, options, ['events'], 50 + 40 * rows.length)
  const { segments, violations } = segmentsOf(rows, events)
  const marks = [
    Plot.barX(segments, {
      x1: 'from',
      x2: 'to',
      y: 'formula',
      fill: (s: Segment) => COLOURS[s.verdict],
      inset: 0.5,
      className: 'verdict',
    }),
    Plot.dot(violations, {
      x: 'index',
      y: 'formula',
      symbol: 'times',
      r: 8,
      stroke: 'black',
      strokeWidth: 3,
      className: 'violation',
    }),
    Plot.text(violations, {
      x: 'index',
      y: 'formula',
      text: (v: Violation) => (v.final ? 'false at the end' : `violated at #${v.index}`),
      dy: -14,
      className: 'violation-label',
    }),
  ]
  const longest = Math.max(...rows.map(([f]) => f.length))
  return drawFigure(frame, marks, {
    x: { domain: [-1, events + 0.75], label: 'event index' },
    y: { domain: rows.map(([f]) => f), label: null, padding: 0.3 },
    marginLeft: Math.min(260, 20 + 6 * longest),
  })
}
