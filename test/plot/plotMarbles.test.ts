import { fc, test } from '@fast-check/vitest'
import { plotMarbles } from 'midstream/plot'
import { runTimed, type TimedStream, timedStream } from 'midstream/testing'
import { delay, map } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { mark, num, parseSvg } from './svg'

/** x of the path's translate(x,y), or of a circle's cx. */
function xOf(el: Element): number {
  const cx = el.getAttribute('cx')
  if (cx !== null) return Number(cx)
  const t = /translate\(([-\d.e]+),/.exec(el.getAttribute('transform') ?? '')
  return Number(t?.[1])
}

/** Checks that pixel x is one affine function of time for all (time, x) pairs (the line through the earliest and latest). */
function expectAffine(pairs: [time: number, x: number][]): void {
  if (pairs.length === 0) return
  const lo = pairs.reduce((m, p) => (p[0] < m[0] ? p : m))
  const hi = pairs.reduce((m, p) => (p[0] > m[0] ? p : m))
  if (hi[0] === lo[0]) return
  const slope = (hi[1] - lo[1]) / (hi[0] - lo[0])
  expect(slope).toBeGreaterThan(0)
  for (const [t, x] of pairs) expect(x).toBeCloseTo(lo[1] + slope * (t - lo[0]), 2)
}

describe('plotMarbles', () => {
  test.prop([timedStream(fc.integer({ min: -99, max: 999 }), { maxLength: 30, fractional: true })])(
    'draws one marble per value, labelled, at its time, and the completion or error at its time',
    stream => {
      const root = parseSvg(plotMarbles(stream).svg)
      const marbles = mark(root, 'marble', 'circle')
      expect(marbles).toHaveLength(stream.events.length)
      const labels = mark(root, 'marble-label', 'text').map(t => t.textContent)
      expect(labels).toEqual(stream.events.map(e => String(e.value)))
      const pairs: [number, number][] = stream.events.map((e, i) => [e.time, xOf(marbles[i])])
      const completions = mark(root, 'completion', 'line')
      const errors = mark(root, 'error', 'path')
      expect(completions).toHaveLength(stream.end.kind === 'complete' ? 1 : 0)
      expect(errors).toHaveLength(stream.end.kind === 'error' ? 1 : 0)
      if (stream.end.kind === 'complete') pairs.push([stream.end.time, num(completions[0], 'x1')])
      if (stream.end.kind === 'error') pairs.push([stream.end.time, xOf(errors[0])])
      expectAffine(pairs)
      // a burst (values at one time) is stacked: no two marbles of the row share a centre
      const centres = new Set(marbles.map(m => `${m.getAttribute('cx')},${m.getAttribute('cy')}`))
      expect(centres.size).toBe(marbles.length)
    },
  )

  it("draws a runTimed result beside its input, one row each, with the error's message", () => {
    const input: TimedStream<number> = {
      events: [
        { time: 0, value: 1 },
        { time: 5, value: 2 },
      ],
      end: { kind: 'error', time: 9, error: new Error('sensor lost') },
    }
    const output = runTimed(input, (source, scheduler) =>
      source.pipe(
        map(x => x * 10),
        delay(2, scheduler),
      ),
    )
    expect(output.values.map(v => v.time)).toEqual([2, 7])
    const root = parseSvg(plotMarbles({ input, output }).svg)
    expect(mark(root, 'marble-label', 'text').map(t => t.textContent)).toEqual(['1', '2', '10', '20'])
    expect(mark(root, 'error-message', 'text').map(t => t.textContent)).toEqual(['sensor lost', 'sensor lost'])
    const ticks = Array.from(root.querySelectorAll('[aria-label="y-axis tick label"] text')).map(t => t.textContent)
    expect(ticks).toEqual(['input', 'output'])
    const marbles = mark(root, 'marble', 'circle')
    // the input row is drawn above the output row
    expect(num(marbles[0], 'cy')).toBeLessThan(num(marbles[2], 'cy'))
  })

  it('names itself and the value on bad input', () => {
    expect(() => plotMarbles(null as never)).toThrow(/^plotMarbles: runs must be/)
    expect(() => plotMarbles({})).toThrow(new RangeError('plotMarbles: runs must hold at least one row'))
    expect(() => plotMarbles({ a: { events: 3 } as never })).toThrow(/^plotMarbles: a must be a runTimed result/)
    expect(() => plotMarbles({ events: [{ time: Number.NaN, value: 1 }], end: { kind: 'none' } })).toThrow(
      /^plotMarbles: runs event #0 must have a finite time, got NaN/,
    )
    expect(() => plotMarbles({ events: [], end: { kind: 'none' } }, { label: 'x' as never })).toThrow(
      /^plotMarbles: label must be a function/,
    )
  })
})
