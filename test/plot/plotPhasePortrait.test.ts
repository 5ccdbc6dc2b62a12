import { fc, test } from '@fast-check/vitest'
import { lyapunovRosenstein } from 'midstream'
import { plotDivergence, plotPhasePortrait } from 'midstream/plot'
import { describe, expect, it } from 'vitest'
import { mark, num, parseSvg, pathPoints, xFromAxis, yFromAxis } from './svg'

/** The trajectory's points, back in data units through the axes. */
function trajectory(svg: string): [number, number][] {
  const root = parseSvg(svg)
  const [path] = mark(root, 'trajectory', 'path')
  const toX = xFromAxis(root)
  const toY = yFromAxis(root)
  return pathPoints(path.getAttribute('d') ?? '').map(([x, y]) => [toX(x), toY(y)])
}

const tolerance = (xs: ArrayLike<number>) => 0.01 * (Math.max(...Array.from(xs)) - Math.min(...Array.from(xs)) || 1)

describe('plotPhasePortrait', () => {
  test.prop([
    fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 12, maxLength: 200 }),
    fc.integer({ min: 1, max: 5 }),
  ])('draws in 2-D the points (x(t), x(t + delay)) in order', (xs, delay) => {
    // a scale needs two ticks to be read back: values spread over at least 1
    fc.pre(Math.max(...xs.slice(0, -delay)) - Math.min(...xs.slice(0, -delay)) >= 1)
    fc.pre(Math.max(...xs.slice(delay)) - Math.min(...xs.slice(delay)) >= 1)
    const points = trajectory(plotPhasePortrait(xs, { delay }).svg)
    expect(points).toHaveLength(xs.length - delay)
    const tol = tolerance(xs)
    points.forEach(([u, v], t) => {
      expect(Math.abs(u - xs[t])).toBeLessThan(tol)
      expect(Math.abs(v - xs[t + delay])).toBeLessThan(tol)
    })
  })

  it('draws in 3-D the projections of (x(t), x(t + d), x(t + 2d)) by rotation matrices', () => {
    const xs = Array.from({ length: 300 }, (_, i) => Math.sin(i / 7) + 0.3 * Math.cos(i / 3))
    const d = 4
    const rad = Math.PI / 180
    for (const [azimuth, elevation] of [
      [0, 0],
      [90, 90],
      [35, 25],
    ]) {
      const points = trajectory(plotPhasePortrait(xs, { delay: d, dimension: 3, azimuth, elevation }).svg)
      expect(points).toHaveLength(300 - 2 * d)
      // the oracle: R_x(-elevation) R_z(azimuth) applied to the point, then (x, z) on screen
      points.forEach(([u, v], t) => {
        const [x, y, z] = [xs[t], xs[t + d], xs[t + 2 * d]]
        const a = azimuth * rad
        const e = elevation * rad
        const rotated = [x * Math.cos(a) - y * Math.sin(a), x * Math.sin(a) + y * Math.cos(a), z]
        const screen = [rotated[0], rotated[2] * Math.cos(e) + rotated[1] * Math.sin(e)]
        expect(Math.abs(u - screen[0])).toBeLessThan(0.02)
        expect(Math.abs(v - screen[1])).toBeLessThan(0.02)
      })
    }
    // at azimuth 0 and elevation 0 the projection is (x(t), x(t + 2d)) itself
    const side = trajectory(plotPhasePortrait(xs, { delay: d, dimension: 3, azimuth: 0, elevation: 0 }).svg)
    expect(Math.abs(side[10][1] - xs[10 + 2 * d])).toBeLessThan(0.02)
  })

  it('names itself and the value on bad input', () => {
    expect(() => plotPhasePortrait([])).toThrow(new RangeError('plotPhasePortrait: series must not be empty'))
    expect(() => plotPhasePortrait([1, Number.NaN, 3], { delay: 1 })).toThrow(/^plotPhasePortrait: series\[1\]/)
    expect(() => plotPhasePortrait([1, 2, 3], { delay: 3 })).toThrow(
      'plotPhasePortrait: a delay of 3 in 2 dimensions needs more than 3 values, got 3',
    )
    expect(() => plotPhasePortrait([1, 2, 3], { delay: 1, dimension: 4 as never })).toThrow(
      'plotPhasePortrait: dimension must be 2 or 3, got 4',
    )
  })
})

describe('plotDivergence', () => {
  it('draws the divergence curve and a line over the fitted range whose slope is the exponent (logistic map: ln 2)', () => {
    const xs = [0.3]
    for (let i = 1; i < 3000; i++) xs.push(4 * xs[i - 1] * (1 - xs[i - 1]))
    const result = lyapunovRosenstein(xs, { dimension: 2, delay: 1 })
    expect(Math.abs(result.exponent - Math.LN2)).toBeLessThan(0.05)
    const root = parseSvg(plotDivergence(result).svg)
    const toX = xFromAxis(root)
    const toY = yFromAxis(root)
    const [fitLine] = mark(root, 'fit-line', 'path')
    const [[x1, y1], [x2, y2]] = pathPoints(fitLine.getAttribute('d') ?? '').map(([x, y]) => [toX(x), toY(y)])
    expect(x1).toBeCloseTo(result.fit.from, 1)
    expect(x2).toBeCloseTo(result.fit.to, 1)
    expect((y2 - y1) / (x2 - x1)).toBeCloseTo(result.exponent, 2)
    const [range] = mark(root, 'fit-range', 'rect')
    expect(toX(num(range, 'x'))).toBeCloseTo(result.fit.from, 1)
    expect(toX(num(range, 'x') + num(range, 'width'))).toBeCloseTo(result.fit.to, 1)
    const [curve] = mark(root, 'divergence', 'path')
    const points = pathPoints(curve.getAttribute('d') ?? '').map(([x, y]) => [toX(x), toY(y)])
    expect(points).toHaveLength(result.divergence.length)
    points.forEach(([k, y]) => expect(y).toBeCloseTo(result.divergence[Math.round(k)], 1))
    expect(mark(root, 'title', 'text')[0].textContent).toContain(`λ = ${result.exponent.toPrecision(3)}`)
  })

  it('names itself on bad input', () => {
    expect(() => plotDivergence({} as never)).toThrow(/^plotDivergence: result must be a lyapunovRosenstein result/)
  })
})
