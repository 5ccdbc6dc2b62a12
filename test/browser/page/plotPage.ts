// The page of test/browser/plot.test.ts: midstream/plot as a browser bundler sees it (the `browser`
// export condition: Plot imported plainly, the page's own document), each figure drawn, inserted,
// and rasterised by the browser so that the test can read its pixels.
import { plotCostMatrix, plotMatches } from 'midstream/plot'

export interface PlotPageResult {
  readonly error?: string
  /** RGBA of the rasterised figures, row by row. */
  readonly matches?: { width: number; height: number; rgba: number[] }
  readonly costMatrix?: { width: number; height: number; rgba: number[] }
  /** Whether each figure's element was created in this page's document. */
  readonly ownDocument?: boolean
}

declare global {
  interface Window {
    __plot?: PlotPageResult
  }
}

async function rasterise(svg: SVGSVGElement, width: number, height: number): Promise<number[]> {
  const image = new Image()
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(svg))}`
  await image.decode()
  const canvas = document.createElement('canvas')
  canvas.width = width
  canvas.height = height
  const context = canvas.getContext('2d') as CanvasRenderingContext2D
  context.drawImage(image, 0, 0)
  return Array.from(context.getImageData(0, 0, width, height).data)
}

async function main(): Promise<PlotPageResult> {
  const series = Float64Array.from({ length: 4000 }, (_, i) => 0.1 * Math.sin(i / 20))
  series[2345] = 5
  const matches = plotMatches(series, [], { width: 600 })
  document.body.append(matches.element)
  const a = Array.from({ length: 200 }, (_, i) => Math.sin(i / 15))
  const b = Array.from({ length: 200 }, (_, i) => Math.sin(i / 17))
  const cost = plotCostMatrix(a, b, { band: 30 })
  document.body.append(cost.element)
  return {
    matches: {
      width: matches.width,
      height: matches.height,
      rgba: await rasterise(matches.element, 600, matches.height),
    },
    costMatrix: {
      width: cost.width,
      height: cost.height,
      rgba: await rasterise(cost.element, cost.width, cost.height),
    },
    ownDocument: matches.element.ownerDocument === document && cost.element.ownerDocument === document,
  }
}

main().then(
  result => (window.__plot = result),
  (error: unknown) => (window.__plot = { error: String((error as Error)?.stack ?? error) }),
)
