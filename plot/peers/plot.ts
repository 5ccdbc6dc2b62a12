/**
 * Observable Plot for `midstream/plot` in Node, loaded when the entry loads so that a missing
 * peer is named at import. The browser build uses `plot.browser.ts` instead.
 */
import type * as PlotPackage from '@observablehq/plot'
import { requirePeers } from '../../sources/peers/require'

/** Observable Plot's module. */
export const Plot = requirePeers<[typeof PlotPackage]>('midstream/plot', ['@observablehq/plot'])[0]
