// Reading figures back in tests: a strict XML well-formedness check (fast-xml-parser's validator,
// independent of the DOM that wrote the markup) and a DOM to query the marks (linkedom's XML parser).
import { XMLValidator } from 'fast-xml-parser'
import { DOMParser } from 'linkedom'
import { expect } from 'vitest'
import { MARGIN } from '../../plot/figure'

export { MARGIN }

/** Parses `svg`, failing the test if it is not well-formed XML with an `<svg>` root. */
export function parseSvg(svg: string): Element {
  const valid = XMLValidator.validate(svg)
  expect(valid, JSON.stringify(valid)).toBe(true)
  const root = new DOMParser().parseFromString(svg, 'image/svg+xml').documentElement as unknown as Element
  expect(root.tagName.toLowerCase()).toBe('svg')
  return root
}

/** The elements of the mark drawn with `className: name`. */
export function mark(root: Element, name: string, tag: string): Element[] {
  const group = root.querySelector(`g.${name}`)
  if (group === null) return []
  return Array.from(group.querySelectorAll(tag))
}

/** The points of a path made of M and L commands (Plot's linear curve). */
export function pathPoints(d: string): [number, number][] {
  expect(d).toMatch(/^M[-\d.e,ML]*$/)
  return d
    .slice(1)
    .split(/[ML]/)
    .map(p => p.split(',').map(Number) as [number, number])
}

/** x (or y) in pixels of a data value on a linear axis from `domain` to `range`. */
export function linear(value: number, domain: [number, number], range: [number, number]): number {
  return range[0] + ((value - domain[0]) / (domain[1] - domain[0])) * (range[1] - range[0])
}

/** A rect's numeric attribute. */
export const num = (el: Element, name: string): number => Number(el.getAttribute(name))

/** The x scale's inverse (pixels to data), read from the x axis' tick labels (their positions and numbers). */
export function xFromAxis(root: Element): (px: number) => number {
  return fromAxis(root, 'x')
}

/** The y scale's inverse (pixels to data), read from the y axis' tick labels. */
export function yFromAxis(root: Element): (px: number) => number {
  return fromAxis(root, 'y')
}

function fromAxis(root: Element, axis: 'x' | 'y'): (px: number) => number {
  const ticks = Array.from(root.querySelectorAll(`[aria-label="${axis}-axis tick label"] text`)).map(t => {
    const [, tx, ty] = /translate\(([-\d.e]+),([-\d.e]+)\)/.exec(t.getAttribute('transform') ?? '') ?? []
    const x = Number(axis === 'x' ? tx : ty)
    return [x, Number((t.textContent ?? '').replace(/,/g, '').replace('−', '-'))] as const
  })
  expect(ticks.length).toBeGreaterThanOrEqual(2)
  const [[p0, v0], [p1, v1]] = [ticks[0], ticks[ticks.length - 1]]
  return px => v0 + ((px - p0) / (p1 - p0)) * (v1 - v0)
}
