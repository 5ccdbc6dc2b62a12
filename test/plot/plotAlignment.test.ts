import { fc, test } from '@fast-check/vitest'
import { plotAlignment, plotCostMatrix } from 'midstream/plot'
import { describe, expect, it } from 'vitest'
import { decodePng } from './pngDecode'
import { mark, num, parseSvg, pathPoints } from './svg'

/** Brute-force DTW (squared cost), the full matrix, as the textbook recurrence. */
function bruteDtw(a: number[], b: number[]): number {
  const D = a.map(() => b.map(() => Infinity))
  for (let i = 0; i < a.length; i++)
    for (let j = 0; j < b.length; j++) {
      const c = (a[i] - b[j]) ** 2
      const prev =
        i === 0 && j === 0
          ? 0
          : Math.min(
              i > 0 ? D[i - 1][j] : Infinity,
              j > 0 ? D[i][j - 1] : Infinity,
              i > 0 && j > 0 ? D[i - 1][j - 1] : Infinity,
            )
      D[i][j] = c + prev
    }
  return D[a.length - 1][b.length - 1]
}

/** The line x = p * u + q through the pairs of smallest and largest u; every pair must lie on it. */
function expectAffine(pairs: [u: number, x: number][]): void {
  const lo = pairs.reduce((m, p) => (p[0] < m[0] ? p : m))
  const hi = pairs.reduce((m, p) => (p[0] > m[0] ? p : m))
  if (hi[0] === lo[0]) return
  const slope = (hi[1] - lo[1]) / (hi[0] - lo[0])
  for (const [u, x] of pairs) expect(x).toBeCloseTo(lo[1] + slope * (u - lo[0]), 1)
}

const series = fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 25 })

describe('plotAlignment', () => {
  test.prop([series, series])(
    'draws one link per step of an optimal warping path (n + m - 1 or fewer), from a[i] to b[j]',
    (a, b) => {
      const root = parseSvg(plotAlignment(a, b).svg)
      const links = mark(root, 'warping-link', 'path')
      expect(links.length).toBeGreaterThanOrEqual(Math.max(a.length, b.length))
      expect(links.length).toBeLessThanOrEqual(a.length + b.length - 1)
      const ends = links.map(l => pathPoints(l.getAttribute('d') ?? ''))
      // the links' x positions are one affine map of the indices: recover the path from them
      const xs = ends.flatMap(([p, q]) => [p[0], q[0]])
      const lo = Math.min(...xs)
      const unit = (Math.max(...xs) - lo) / Math.max(1, Math.max(a.length, b.length) - 1)
      const path = ends.map(([p, q]) => [Math.round((p[0] - lo) / (unit || 1)), Math.round((q[0] - lo) / (unit || 1))])
      expect(path[0]).toEqual([0, 0])
      expect(path[path.length - 1]).toEqual([a.length - 1, b.length - 1])
      let cost = (a[0] - b[0]) ** 2
      for (let k = 1; k < path.length; k++) {
        const di = path[k][0] - path[k - 1][0]
        const dj = path[k][1] - path[k - 1][1]
        expect([di, dj]).toSatisfy(([x, y]: number[]) => x >= 0 && y >= 0 && x <= 1 && y <= 1 && x + y > 0)
        cost += (a[path[k][0]] - b[path[k][1]]) ** 2
      }
      expect(cost).toBe(bruteDtw(a, b))
      // y: the upper end of each link is at a[i] (shifted), the lower at b[j], on one y scale
      expectAffine(ends.map(([p], k) => [a[path[k][0]], p[1]]))
      expectAffine(ends.map(([, q], k) => [b[path[k][1]], q[1]]))
      expect(mark(root, 'series-a', 'path')).toHaveLength(1)
      expect(mark(root, 'series-b', 'path')).toHaveLength(1)
    },
  )

  it('thins a long path to maxLinks, keeping its ends', () => {
    const a = Array.from({ length: 300 }, (_, i) => Math.sin(i / 10))
    const b = Array.from({ length: 350 }, (_, i) => Math.sin(i / 12))
    const links = mark(parseSvg(plotAlignment(a, b, { maxLinks: 50 }).svg), 'warping-link', 'path')
    expect(links.length).toBeLessThanOrEqual(51)
    expect(links.length).toBeGreaterThanOrEqual(40)
  })

  it('names itself on bad input', () => {
    expect(() => plotAlignment([], [1])).toThrow(new RangeError('plotAlignment: a must not be empty'))
    expect(() => plotAlignment([1], [Number.NaN])).toThrow(/^plotAlignment: b\[0\] must be a finite number, got NaN/)
    expect(() => plotAlignment([1], [1], { band: -1 })).toThrow(/^plotAlignment: band must be/)
    expect(() => plotAlignment([1], [1], { cost: 'cubed' as never })).toThrow(/^plotAlignment: cost must be/)
    expect(() => plotCostMatrix([1], [])).toThrow(new RangeError('plotCostMatrix: b must not be empty'))
  })
})

describe('plotCostMatrix', () => {
  it('draws a pixel per cell coloured by cost, the path through the cells, and the band edges', () => {
    const a = [0, 1, 2, 3, 2, 1, 0, 0]
    const b = [0, 0, 1, 3, 3, 1, 0]
    const root = parseSvg(plotCostMatrix(a, b, { band: 2 }).svg)
    const [image] = mark(root, 'cost-matrix', 'image')
    const href = image.getAttribute('href') ?? ''
    expect(href).toMatch(/^data:image\/png;base64,/)
    const png = decodePng(Buffer.from(href.slice(href.indexOf(',') + 1), 'base64'))
    expect([png.width, png.height]).toEqual([b.length, a.length])
    const pixel = (i: number, j: number) => [
      ...png.rgb.subarray(((a.length - 1 - i) * b.length + j) * 3, ((a.length - 1 - i) * b.length + j) * 3 + 3),
    ]
    // viridis runs from #440154 (the smallest cost, 0) to #fde725 (the largest, (3 - 0)^2)
    expect(pixel(0, 0)).toEqual([0x44, 0x01, 0x54])
    expect(pixel(3, 0)).toEqual([0xfd, 0xe7, 0x25])
    // the image fills the frame: a pixel per cell
    expect(num(image, 'width')).toBe(640 - 50 - 20)
    const [line] = mark(root, 'warping-path', 'path')
    expect(pathPoints(line.getAttribute('d') ?? '').length).toBeLessThanOrEqual(a.length + b.length - 1)
    expect(mark(root, 'band-edge', 'path')).toHaveLength(2)
    expect(mark(parseSvg(plotCostMatrix(a, b).svg), 'band-edge', 'path')).toHaveLength(0)
  })
})
