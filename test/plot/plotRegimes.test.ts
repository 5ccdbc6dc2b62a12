import { fc, test } from '@fast-check/vitest'
import { type AttractorWindowReport, attractorWindow, type Regime } from 'midstream'
import { plotRegimes, plotZeroOneWalk, zeroOneWalk } from 'midstream/plot'
import { from, lastValueFrom, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { mark, num, parseSvg, pathPoints, xFromAxis, yFromAxis } from './svg'

const REGIMES: Regime[] = ['fixed-point', 'limit-cycle', 'chaotic', 'noise', 'unknown']

/** A report with the fields plotRegimes reads (the rest as a window of nothing). */
const report = (start: number, end: number, regime: Regime) => ({ start, end, regime }) as AttractorWindowReport

/** Bands as [from, to, regime label], in index units, read back through the x axis. */
function bands(svg: string): [number, number, string][] {
  const root = parseSvg(svg)
  const toX = xFromAxis(root)
  const rects = mark(root, 'regime-band', 'rect')
  const labels = mark(root, 'regime-label', 'text').map(t => t.textContent ?? '')
  expect(labels).toHaveLength(rects.length)
  return rects.map((r, k) => [toX(num(r, 'x')), toX(num(r, 'x') + num(r, 'width')), labels[k]])
}

describe('plotRegimes', () => {
  test.prop(
    [
      fc
        .integer({ min: 20, max: 200 })
        .chain(window =>
          fc.tuple(
            fc.constant(window),
            fc.integer({ min: 1, max: window }),
            fc.array(fc.constantFrom(...REGIMES), { minLength: 1, maxLength: 12 }),
          ),
        ),
    ],
    { numRuns: 40 },
  )('colours every sample by the report of the window that added it', ([window, hop, regimes]) => {
    const reports = regimes.map((regime, k) => report(k * hop, k * hop + window - 1, regime))
    const n = reports[reports.length - 1].end + 1 + 5
    const series = Array.from({ length: n }, (_, i) => Math.sin(i / 5))
    const got = bands(plotRegimes(series, reports, { width: 800 }).svg)
    // the oracle: sample i belongs to the first report whose window ends at or after it
    const expected = (i: number) => reports.find(r => r.end >= i)?.regime
    for (let i = 0; i <= reports[reports.length - 1].end; i++) {
      const covering = got.filter(([a, b]) => a - 1e-6 <= i && i <= b + 1e-6)
      expect(covering.length).toBeGreaterThan(0)
      // a sample on the boundary of two bands is the end of one (the earlier report's) and the start of the next
      expect(covering.map(c => c[2])).toContain(expected(i))
    }
    // neighbouring bands differ (runs of one regime are merged)
    for (let k = 1; k < got.length; k++) expect(got[k][2]).not.toBe(got[k - 1][2])
  })

  it("draws attractorWindow's regimes of a signal that changes from a cycle to chaos, under the series", async () => {
    const xs: number[] = []
    for (let i = 0; i < 1500; i++) xs.push(Math.sin(i / 8))
    let v = 0.3
    for (let i = 0; i < 1500; i++) {
      v = 4 * v * (1 - v)
      xs.push(2 * v - 1)
    }
    const reports = await lastValueFrom(from(xs).pipe(attractorWindow({ window: 500, hop: 250 }), toArray()))
    const svg = plotRegimes(xs, reports).svg
    const got = bands(svg)
    expect(got[0][2]).toBe('limit-cycle')
    expect(got[got.length - 1][2]).toBe('chaotic')
    expect(got[0][0]).toBeCloseTo(0, 6)
    expect(got[got.length - 1][1]).toBeCloseTo(2999, 6)
    // under the series: the strip's top is below the series' lowest drawn point
    const root = parseSvg(svg)
    const [band] = mark(root, 'regime-band', 'rect')
    const [line] = mark(root, 'series', 'path')
    const lowest = Math.max(...pathPoints(line.getAttribute('d') ?? '').map(p => p[1]))
    expect(num(band, 'y')).toBeGreaterThan(lowest)
  })

  it('names itself and the value on bad input', () => {
    expect(() => plotRegimes([], [])).toThrow(new RangeError('plotRegimes: series must not be empty'))
    expect(() => plotRegimes([1, 2], [report(0, 2, 'noise')])).toThrow(/^plotRegimes: reports\[0\] must be/)
    expect(() => plotRegimes([1, 2, 3], [report(0, 2, 'noise'), report(0, 1, 'noise')])).toThrow(
      /^plotRegimes: reports\[1\]/,
    )
    expect(() => plotRegimes([1, 2], [report(0, 1, 'odd' as Regime)])).toThrow(/^plotRegimes: reports\[0\]/)
  })
})

describe('plotZeroOneWalk', () => {
  /** The oracle: z(n) = sum_{j<=n} phi(j) e^{ijc} by complex multiplication. */
  function walkByComplex(xs: number[], c: number): [number, number][] {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length
    let [re, im] = [0, 0]
    let [wr, wi] = [1, 0]
    return xs.map(x => {
      ;[wr, wi] = [wr * Math.cos(c) - wi * Math.sin(c), wr * Math.sin(c) + wi * Math.cos(c)]
      re += (x - mean) * wr
      im += (x - mean) * wi
      return [re, im]
    })
  }

  it('draws (p, q), bounded for a cycle and diffusing for chaos', () => {
    const sine = Array.from({ length: 2000 }, (_, i) => Math.sin(i / 8))
    const logistic = [0.3]
    for (let i = 1; i < 2000; i++) logistic.push(4 * logistic[i - 1] * (1 - logistic[i - 1]))
    for (const xs of [sine, logistic]) {
      const { p, q } = zeroOneWalk(xs, 1.7)
      walkByComplex(xs, 1.7).forEach(([re, im], i) => {
        expect(p[i]).toBeCloseTo(re, 8)
        expect(q[i]).toBeCloseTo(im, 8)
      })
      const root = parseSvg(plotZeroOneWalk(xs, { c: 1.7 }).svg)
      const toX = xFromAxis(root)
      const toY = yFromAxis(root)
      const points = pathPoints(mark(root, 'walk', 'path')[0].getAttribute('d') ?? '')
      expect(points).toHaveLength(xs.length)
      const span = Math.max(...p) - Math.min(...p)
      points.forEach(([x, y], i) => {
        expect(Math.abs(toX(x) - p[i])).toBeLessThan(span / 200)
        expect(Math.abs(toY(y) - q[i])).toBeLessThan(span / 50)
      })
    }
    const radius = (xs: number[]) => Math.max(...walkByComplex(xs, 1.7).map(([a, b]) => Math.hypot(a, b)))
    expect(radius(sine)).toBeLessThan(5)
    expect(radius(logistic)).toBeGreaterThan(10)
  })

  it('names itself on bad input', () => {
    expect(() => plotZeroOneWalk([1, 2], { c: 4 })).toThrow(/^plotZeroOneWalk: c must be a finite number in \(0, 3.14/)
    expect(() => plotZeroOneWalk([])).toThrow(new RangeError('plotZeroOneWalk: series must not be empty'))
  })
})

describe('zeroOneWalk and runningAccuracy', () => {
  it('name themselves on bad input', () => {
    expect(() => zeroOneWalk([], 1)).toThrow(new RangeError('zeroOneWalk: series must not be empty'))
    expect(() => zeroOneWalk([1, 2], 0)).toThrow(/^zeroOneWalk: c must be/)
  })
})
