import type * as PlotPackage from '@observablehq/plot'
import { describeValue } from '../src/errors'
import { checkInteger, checkOptions } from '../src/validate'
import { lightDocument } from './peers/dom'
import { Plot } from './peers/plot'

/** Options every figure takes; an unknown name is a `TypeError`. */
export interface FigureOptions {
  /**
   * The document to create the figure's elements in: the browser's, a notebook's, jsdom's. Default:
   * the global `document`, else (in Node) a linkedom document (the optional peer `linkedom`).
   */
  readonly document?: Document
  /** Width in pixels (integer >= 100). Default 640. */
  readonly width?: number
  /** Height in pixels (integer >= 60). Default depends on the figure. */
  readonly height?: number
}

/** A drawn figure: its SVG markup and the element, in the document it was drawn in. */
export interface Figure {
  /** The SVG markup (`element.outerHTML`): write it to a `.svg` file, inline it in HTML, show it in a notebook. */
  readonly svg: string
  /** The `<svg>` element, to insert in a page. */
  readonly element: SVGSVGElement
  /** Width in pixels. */
  readonly width: number
  /** Height in pixels. */
  readonly height: number
}

/** The names of `FigureOptions`, for each figure's option check. */
export const FIGURE_OPTION_NAMES: readonly string[] = ['document', 'width', 'height']

/** Margins every figure uses, so that tests and users can map pixels back to data. */
export const MARGIN = { top: 20, right: 20, bottom: 30, left: 50 } as const

/** Checked width, height and document of a figure's options. */
export interface FigureFrame {
  readonly document: Document
  readonly width: number
  readonly height: number
}

/** Checks `options` against `FIGURE_OPTION_NAMES` plus `extra` and resolves the frame. */
export function figureFrame(
  fn: string,
  options: FigureOptions | undefined,
  extra: readonly string[],
  defaultHeight: number,
): FigureFrame {
  const o = checkOptions(fn, options, [...FIGURE_OPTION_NAMES, ...extra])
  const width = checkInteger(fn, 'width', o.width ?? 640, { min: 100 })
  const height = checkInteger(fn, 'height', o.height ?? defaultHeight, { min: 60 })
  let document = o.document
  if (document !== undefined && (document === null || typeof document.createElementNS !== 'function'))
    throw new TypeError(`${fn}: document must be a DOM Document, got ${describeValue(document)}`)
  document ??= (globalThis as { document?: Document }).document ?? lightDocument()
  return { document, width, height }
}

/**
 * Draws `marks` with Observable Plot in the frame and returns the SVG. Plot's own options (scales,
 * axes) come in `plotOptions`; the margins are `MARGIN` unless given there.
 */
export function drawFigure(
  frame: FigureFrame,
  marks: PlotPackage.Markish[],
  plotOptions: PlotPackage.PlotOptions = {},
): Figure {
  const element = Plot.plot({
    marginTop: MARGIN.top,
    marginRight: MARGIN.right,
    marginBottom: MARGIN.bottom,
    marginLeft: MARGIN.left,
    ...plotOptions,
    width: frame.width,
    height: frame.height,
    document: frame.document,
    style: { background: 'white', overflow: 'visible' },
    marks,
  }) as unknown as SVGSVGElement
  element.setAttribute('xmlns', 'http://www.w3.org/2000/svg')
  return { svg: element.outerHTML, element, width: frame.width, height: frame.height }
}

export { Plot }
