/**
 * `midstream/plot`: figures (SVG) of midstream's analyses, for Node, browsers and notebooks, drawn
 * with Observable Plot (an optional peer, as is `linkedom`, the light DOM used in Node when no
 * document is given). Each function returns the SVG markup and the element.
 * @module
 */
// biome-ignore-all assist/source/organizeImports: grouped by figure
export type { Figure, FigureOptions } from './figure'
export { type Decimated, decimateMinMax } from '../src/plot/decimate'
export { type MatchesFigureOptions, type MatchSpan, plotMatches } from './plotMatches'
export { type MarbleRow, type MarblesFigureOptions, plotMarbles } from './plotMarbles'
export { type AlignmentFigureOptions, plotAlignment, plotCostMatrix } from './plotAlignment'
export { base64, encodePng } from '../src/plot/png'
export { plotVerdicts, type VerdictsFigureOptions } from './plotVerdicts'
export { type PhasePortraitOptions, plotDivergence, plotPhasePortrait } from './plotPhasePortrait'
export { plotRegimes, plotZeroOneWalk, type ZeroOneWalkOptions, zeroOneWalk } from './plotRegimes'
export { type MetaLearnFigureOptions, plotMetaLearn, runningAccuracy } from './plotMetaLearn'
