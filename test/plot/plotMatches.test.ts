import { fc, test } from '@fast-check/vitest'
import { Window } from 'happy-dom'
import { dtwMatch, findMatches } from 'midstream'
import { plotMatches } from 'midstream/plot'
import { from, lastValueFrom, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { linear, MARGIN, mark, num, parseSvg, pathPoints } from './svg'

const sine = (n: number) => Float64Array.from({ length: n }, (_, i) => 0.1 * Math.sin(i / 20))

describe('plotMatches', () => {
  it('draws the maximum of a one-sample spike of a 4 000-point sine, 600 px wide, at its index', () => {
    const series = sine(4000)
    const spike = 2345
    series[spike] = 5
    const root = parseSvg(plotMatches(series, [], { width: 600 }).svg)
    const [path] = mark(root, 'series', 'path')
    const points = pathPoints(path.getAttribute('d') ?? '')
    expect(points.length).toBeLessThanOrEqual(4 * (600 - MARGIN.left - MARGIN.right))
    // y is linear from the series' extent [min, 5] onto [height - bottom, top]: 5 is drawn at the top
    const top = Math.min(...points.map(p => p[1]))
    expect(top).toBeCloseTo(MARGIN.top, 2)
    const atTop = points.find(p => p[1] === top) ?? [Number.NaN]
    expect(atTop[0]).toBeCloseTo(linear(spike, [0, 3999], [MARGIN.left, 600 - MARGIN.right]), 2)
    // and the sine's troughs are drawn too (the bottom of the frame is the series' minimum)
    expect(Math.max(...points.map(p => p[1]))).toBeCloseTo(260 - MARGIN.bottom, 2)
  })

  test.prop([
    fc.integer({ min: 2, max: 3000 }).chain(n =>
      fc.tuple(
        fc.constant(n),
        fc.array(
          fc.tuple(fc.nat(n - 1), fc.nat(n - 1)).map(([a, b]) => ({
            start: Math.min(a, b),
            end: Math.max(a, b),
            distance: Math.abs(a - b) / 7,
          })),
          { maxLength: 8 },
        ),
      ),
    ),
    fc.integer({ min: 200, max: 1200 }),
  ])('shades each match over exactly its index range, and labels each', ([n, matches], width) => {
    const root = parseSvg(plotMatches(sine(n), matches, { width }).svg)
    const rects = mark(root, 'match-span', 'rect')
    expect(rects).toHaveLength(matches.length)
    const range: [number, number] = [MARGIN.left, width - MARGIN.right]
    rects.forEach((rect, i) => {
      const x1 = linear(matches[i].start, [0, n - 1], range)
      const x2 = linear(matches[i].end, [0, n - 1], range)
      expect(num(rect, 'x')).toBeCloseTo(x1, 6)
      expect(num(rect, 'x') + num(rect, 'width')).toBeCloseTo(x2, 6)
    })
    const labels = mark(root, 'match-label', 'text').map(t => t.textContent)
    expect(labels).toEqual(matches.map(m => `d=${m.distance.toPrecision(3)}`))
  })

  it("shades findMatches' and dtwMatch's matches of a planted shape, labelled by pattern", async () => {
    const series = sine(1000)
    const shape = [0, 1, 2, 3, 2, 1, 0]
    series.set(shape, 300)
    series.set(shape, 700)
    const found = findMatches(series, shape, { k: 2 })
    const root = parseSvg(plotMatches(series, found).svg)
    expect(mark(root, 'match-span', 'rect')).toHaveLength(2)
    const events = await lastValueFrom(from(series).pipe(dtwMatch({ bump: shape }, { threshold: 0.5 }), toArray()))
    expect(events.map(e => e.start)).toEqual([300, 700])
    const labels = mark(parseSvg(plotMatches(series, events).svg), 'match-label', 'text').map(t => t.textContent)
    expect(labels.every(l => l?.startsWith('bump d='))).toBe(true)
    expect(labels).toHaveLength(2)
  })

  it('draws in the document it is given (happy-dom here), and its markup is that element', () => {
    const document = new Window().document as unknown as Document
    const figure = plotMatches([0, 1, 0], [{ start: 0, end: 1, distance: 0 }], { document })
    expect(figure.element.ownerDocument).toBe(document)
    expect(figure.svg).toBe(figure.element.outerHTML)
    expect(mark(parseSvg(figure.svg), 'match-span', 'rect')).toHaveLength(1)
    expect(() => plotMatches([1], [], { document: {} as Document })).toThrow(
      /^plotMatches: document must be a DOM Document/,
    )
  })

  it('names itself and the value on bad input', () => {
    expect(() => plotMatches([])).toThrow(new RangeError('plotMatches: series must not be empty'))
    expect(() => plotMatches([1, Number.NaN, 2])).toThrow(/^plotMatches: series\[1\] must be a finite number, got NaN/)
    expect(() => plotMatches([1, 2, 3], [{ start: 2, end: 3, distance: 0 }])).toThrow(
      /^plotMatches: matches\[0\] must have integer start <= end within the series' 3 indices/,
    )
    expect(() => plotMatches([1, 2, 3], [{ start: 2, end: 1, distance: 0 }])).toThrow(/^plotMatches: matches\[0\]/)
    expect(() => plotMatches([1, 2], [], { width: 10 })).toThrow(/^plotMatches: width must be an integer >= 100/)
    expect(() => plotMatches([1, 2], [], { colour: 'red' } as never)).toThrow(/^plotMatches: unknown option "colour"/)
    const throwing = () => {
      throw new Error('boom')
    }
    expect(() => plotMatches([1, 2], [{ start: 0, end: 1, distance: 0 }], { label: throwing })).toThrow(
      'plotMatches: label threw for matches[0]: boom',
    )
  })
})
