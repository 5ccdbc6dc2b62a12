import { fc, test } from '@fast-check/vitest'
import { createMonitor, ltlVerdicts, type VerdictChange } from 'midstream'
import { plotVerdicts } from 'midstream/plot'
import { from, lastValueFrom, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { mark, num, parseSvg, xFromAxis } from './svg'

interface Event {
  kind: string
  at: number
}
const atoms = { request: (e: Event) => e.kind === 'request', response: (e: Event) => e.kind === 'response' }
const formula = 'G (request -> F[0,2s] response)'
const trace: Event[] = [
  { kind: 'request', at: 0 },
  { kind: 'response', at: 800 },
  { kind: 'request', at: 1000 },
  { kind: 'request', at: 3500 },
  { kind: 'response', at: 3600 },
]
const COLOUR = { true: 'seagreen', false: 'crimson', unknown: '#bbb' }

/** Bars of the figure as [from, to, fill] in event-index units, back through the x scale. */
function bars(root: Element): [number, number, string][] {
  const back = xFromAxis(root)
  return mark(root, 'verdict', 'rect').map(r => [
    back(num(r, 'x')),
    back(num(r, 'x') + num(r, 'width')),
    r.getAttribute('fill') ?? '',
  ])
}

describe('plotVerdicts', () => {
  it("marks the event where ltlVerdicts' formula was violated, the one createMonitor names", async () => {
    const changes = await lastValueFrom(from(trace).pipe(ltlVerdicts(formula, { atoms, time: e => e.at }), toArray()))
    const monitor = createMonitor<Event>(formula, { atoms })
    for (const e of trace) monitor.step(e, e.at)
    expect(monitor.violation?.index).toBe(3)
    const figure = plotVerdicts({ [formula]: changes }, { events: trace.length })
    // the left margin depends on the formula's length: read the frame from the x axis' tick at 0
    const root = parseSvg(figure.svg)
    expect(mark(root, 'violation-label', 'text').map(t => t.textContent)).toEqual(['violated at #3'])
    const ticks = Array.from(root.querySelectorAll('[aria-label="y-axis tick label"] text')).map(t => t.textContent)
    expect(ticks).toEqual([formula])
    const fills = mark(root, 'verdict', 'rect').map(r => r.getAttribute('fill'))
    expect(fills).toEqual([COLOUR.unknown, COLOUR.false, COLOUR.false]) // unknown, false from #3, final false
  })

  test.prop([
    fc
      .uniqueArray(fc.integer({ min: -1, max: 40 }), { minLength: 1, maxLength: 6 })
      .map(xs => xs.sort((a, b) => a - b))
      .chain(indices =>
        fc.tuple(
          fc.constant(indices),
          fc.array(fc.constantFrom('true', 'false', 'unknown') as fc.Arbitrary<VerdictChange['verdict']>, {
            minLength: indices.length,
            maxLength: indices.length,
          }),
        ),
      ),
  ])(
    'tiles the row from before the first event to past the last, each change coloured from its event on',
    ([indices, verdicts]) => {
      const changes: VerdictChange[] = indices.map((index, k) => ({
        verdict: verdicts[k],
        index,
        timestamp: undefined,
        final: false,
      }))
      const events = Math.max(1, indices[indices.length - 1] + 1)
      const root = parseSvg(plotVerdicts({ f: changes }, { events }).svg)
      const got = bars(root).sort((a, b) => a[0] - b[0])
      // no gap, no overlap: from -0.5 to events - 0.5 (bars are inset by half a pixel each side)
      const px = xFromAxis(root)(1) - xFromAxis(root)(0)
      expect(got[0][0]).toBeCloseTo(-0.5 + 0.5 * px, 6)
      expect(got[got.length - 1][1]).toBeCloseTo(events - 0.5 - 0.5 * px, 6)
      for (let k = 1; k < got.length; k++) expect(got[k][0] - got[k - 1][1]).toBeCloseTo(px, 6)
      // at each change's event (just after it), the bar's colour is the change's verdict
      for (const c of changes) {
        const at = Math.max(c.index, -0.5) + 0.01
        const bar = got.filter(b => b[0] - 0.5 * px <= at && at < b[1] + 0.5 * px && b[1] > b[0])
        if (c === changes.find(d => d.index === c.index)) expect(bar.map(b => b[2])).toContain(COLOUR[c.verdict])
      }
    },
  )

  it('names itself and the value on bad input', () => {
    expect(() => plotVerdicts({})).toThrow(new RangeError('plotVerdicts: verdicts must hold at least one formula'))
    expect(() => plotVerdicts([] as never)).toThrow(/^plotVerdicts: verdicts must be a record/)
    expect(() => plotVerdicts({ f: 3 as never })).toThrow(/^plotVerdicts: the verdicts of "f" must be an array/)
    const bad = [{ verdict: 'maybe', index: 0, timestamp: undefined, final: false }] as never
    expect(() => plotVerdicts({ f: bad })).toThrow(/^plotVerdicts: verdicts of "f" \[0\] must be a VerdictChange/)
    const backwards: VerdictChange[] = [
      { verdict: 'true', index: 4, timestamp: undefined, final: false },
      { verdict: 'false', index: 2, timestamp: undefined, final: false },
    ]
    expect(() => plotVerdicts({ f: backwards })).toThrow(/^plotVerdicts: verdicts of "f" \[1\]/)
  })
})
