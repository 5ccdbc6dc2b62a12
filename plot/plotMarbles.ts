import type { TimedEnd, TimedEvent, TimedResult, TimedStream } from 'midstream/testing'
import { describeValue, errorMessage } from '../src/errors'
import { checkFunction } from '../src/validate'
import { drawFigure, type Figure, type FigureOptions, figureFrame, Plot } from './figure'

/** A row of a marble diagram: what `runTimed` returned, or a `TimedStream` (its input, say). */
export type MarbleRow = Pick<TimedResult<unknown>, 'values' | 'end'> | TimedStream<unknown>

/** Options of `plotMarbles`. */
export interface MarblesFigureOptions extends FigureOptions {
  /** The text in each marble. Default: numbers and strings as they are, other values as JSON, cut to 6 characters. */
  readonly label?: (value: unknown) => string
}

interface Marble {
  readonly row: number
  readonly time: number
  /** Position within a burst of values at one time (0 for the first). */
  readonly stack: number
  readonly text: string
}

interface Ending {
  readonly row: number
  readonly time: number
  readonly text: string
}

/** Vertical distance between marbles of one burst, in rows. */
const STACK_STEP = 0.28

function defaultLabel(value: unknown): string {
  const text = typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value)
  const s = text ?? String(value)
  return s.length > 6 ? `${s.slice(0, 5)}…` : s
}

function rowEvents(
  fn: string,
  name: string,
  row: MarbleRow,
): { events: readonly TimedEvent<unknown>[]; end: TimedEnd } {
  const r = row as Partial<TimedResult<unknown> & TimedStream<unknown>> | null
  const events = r !== null && typeof r === 'object' ? (r.values ?? r.events) : undefined
  const end = r?.end
  if (!Array.isArray(events) || end === null || typeof end !== 'object')
    throw new TypeError(
      `${fn}: ${name} must be a runTimed result { values, end } or a TimedStream { events, end }, got ${describeValue(row)}`,
    )
  events.forEach((e, i) => {
    if (e === null || typeof e !== 'object' || !Number.isFinite(e.time))
      throw new TypeError(`${fn}: ${name} event #${i} must have a finite time, got ${describeValue(e?.time)}`)
  })
  if (end.kind !== 'none' && !Number.isFinite(end.time))
    throw new TypeError(`${fn}: ${name} end.time must be finite, got ${describeValue(end.time)}`)
  return { events, end }
}

function callLabel(fn: string, label: (value: unknown) => string, value: unknown): string {
  try {
    return String(label(value))
  } catch (error) {
    throw new Error(`${fn}: label threw for ${describeValue(value)}: ${errorMessage(error)}`, { cause: error })
  }
}

/** The marbles and endings of every row, each marble stacked above the earlier ones at its time. */
function layout(
  fn: string,
  rows: [string, MarbleRow][],
  label: (value: unknown) => string,
): { marbles: Marble[]; completions: Ending[]; errors: Ending[]; ends: (number | undefined)[]; last: number } {
  const marbles: Marble[] = []
  const completions: Ending[] = []
  const errors: Ending[] = []
  const ends: (number | undefined)[] = []
  let last = 0
  rows.forEach(([name, row], r) => {
    const { events, end } = rowEvents(fn, name, row)
    let stack = 0
    events.forEach((e, i) => {
      stack = i > 0 && events[i - 1].time === e.time ? stack + 1 : 0
      marbles.push({ row: r, time: e.time, stack, text: callLabel(fn, label, e.value) })
      last = Math.max(last, e.time)
    })
    if (end.kind === 'complete') completions.push({ row: r, time: end.time, text: '' })
    if (end.kind === 'error') errors.push({ row: r, time: end.time, text: errorMessage(end.error).slice(0, 40) })
    if (end.kind !== 'none') last = Math.max(last, end.time)
    ends.push(end.kind === 'none' ? undefined : end.time)
  })
  return { marbles, completions, errors, ends, last }
}

/**
 * Draws a marble diagram: one row per stream (named when a record is given), time in ms along x,
 * a marble per value at the time it came out (values of one synchronous burst stacked below the first), a
 * bar where the stream completed and a red cross, with the error's message, where it errored. So
 * a failing property test can show its counterexample as a picture.
 *
 * Bad input: a row that is neither a `runTimed` result nor a `TimedStream`, a time that is not
 * finite: a `TypeError` naming `plotMarbles` and the row.
 *
 * ```ts
 * const input = { events: [{ time: 0, value: 1 }, { time: 5, value: 2 }], end: { kind: 'complete', time: 8 } }
 * const output = runTimed(input, source => source.pipe(map(x => x * 10)))
 * writeFileSync('marbles.svg', plotMarbles({ input, output }).svg)
 * ```
 */
export function plotMarbles(
  runs: MarbleRow | Readonly<Record<string, MarbleRow>>,
  options?: MarblesFigureOptions,
): Figure {
  const fn = 'plotMarbles'
  if (runs === null || typeof runs !== 'object')
    throw new TypeError(
      `${fn}: runs must be a runTimed result, a TimedStream or a record of them, got ${describeValue(runs)}`,
    )
  const single = 'end' in runs && ('values' in runs || 'events' in runs)
  const rows = (single ? [['runs', runs]] : Object.entries(runs)) as [string, MarbleRow][]
  if (rows.length === 0) throw new RangeError(`${fn}: runs must hold at least one row`)
  const label = checkFunction<(value: unknown) => string>(fn, 'label', options?.label) ?? defaultLabel
  const frame = figureFrame(fn, options, ['label'], 50 + 60 * rows.length)
  const { marbles, completions, errors, ends, last } = layout(fn, rows, label)
  const pad = Math.max(1, last * 0.04)
  const y = (d: { row: number; stack?: number }) => d.row + (d.stack ?? 0) * STACK_STEP
  const marks = [
    Plot.ruleY(ends, {
      y: (_: unknown, i: number) => i,
      x1: -pad,
      x2: (end: number | undefined) => end ?? last + pad,
      stroke: '#999',
      className: 'timeline',
    }),
    Plot.ruleX(completions, {
      x: 'time',
      y1: (d: Ending) => d.row - 0.3,
      y2: (d: Ending) => d.row + 0.3,
      strokeWidth: 3,
      className: 'completion',
    }),
    Plot.dot(errors, { x: 'time', y, symbol: 'times', r: 9, stroke: 'crimson', strokeWidth: 3, className: 'error' }),
    Plot.text(errors, { x: 'time', y, text: 'text', dy: 18, fill: 'crimson', className: 'error-message' }),
    Plot.dot(marbles, { x: 'time', y, r: 10, fill: '#fdf0c4', stroke: '#333', className: 'marble' }),
    Plot.text(marbles, { x: 'time', y, text: 'text', className: 'marble-label' }),
  ]
  const names = rows.map(([name]) => name)
  return drawFigure(frame, marks, {
    x: { domain: [-pad, last + pad], label: 'time (ms)' },
    y: {
      domain: [rows.length - 0.5 + STACK_STEP, -0.5],
      axis: single ? null : 'left',
      ticks: names.map((_, i) => i),
      tickFormat: (i: number) => names[i],
      label: null,
    },
    marginLeft: single ? 20 : Math.min(160, 20 + 7 * Math.max(...names.map(n => n.length))),
  })
}
