/**
 * The kernels of midstream, free of RxJS subscriptions: plain functions and small classes over
 * arrays and typed arrays, grouped by area, plus the scheduler users create. Re-exported by the root
 * entry (`midstream`); the scheduler's parts are in `midstream/scheduler`.
 * @module
 */
// biome-ignore-all assist/source/organizeImports: exports are grouped by area under banners, sorted within each

// ---- comparison: distances, lower bounds, subsequence search ----
export { type DtwCost, type DtwOptions, dtw, dtwPath, type WarpingPath } from './compare/dtw'
export { editDistance, type SequenceCompareOptions } from './compare/editDistance'
export {
  type FindMatchesOptions,
  findMatches,
  type Match,
  type SearchStats,
  searchMatches,
} from './compare/findMatches'
export { lcsDistance, lcsLength } from './compare/lcs'
export { type Envelope, envelope, lbKeogh, lbKim } from './compare/lowerBounds'
export type { NormalizedWindowMatcherSnapshot } from './compare/normalizedWindowMatcher'
export { euclidean, zNormalize } from './compare/pointwise'
export {
  findRecurring,
  findSimilarRecurring,
  type RecurringOptions,
  type RecurringPattern,
  type SimilarGroup,
  type SimilarRecurringOptions,
} from './compare/recurring'
export { Spring, type SpringMatch, type SpringOptions, type SpringSnapshot } from './compare/spring'

// ---- attractors: embedding, delay and dimension, chaos measures ----
export {
  type ClassifyOptions,
  type ClassifySettings,
  classifyDynamics,
  type DynamicsReport,
  type Regime,
} from './attractor/classifyDynamics'
export { delayEmbed, type Embedding } from './attractor/embedding'
export {
  type DelayMethod,
  type EstimateDelayOptions,
  estimateDelay,
  type MutualInformationBinning,
  type MutualInformationOptions,
  mutualInformation,
} from './attractor/estimateDelay'
export {
  type CaoOptions,
  caoE1E2,
  type EstimateDimensionOptions,
  estimateDimension,
  type FalseNearestNeighborOptions,
  falseNearestNeighbors,
} from './attractor/estimateDimension'
export { type LyapunovOptions, type LyapunovResult, lyapunovRosenstein } from './attractor/lyapunov'
export { ordinalPatternCounts, permutationEntropy, SlidingPermutationEntropy } from './attractor/permutationEntropy'
export type { SlidingPermutationEntropySnapshot } from './attractor/permutationEntropy'
export { type ZeroOneTestOptions, zeroOneTest } from './attractor/zeroOneTest'
export {
  analyseWindow,
  type CarriedEmbedding,
  type WindowAnalysis,
  type WindowAnalysisInput,
} from './attractor/windowAnalysis'

// ---- offloading: heavy analyses in a pool off the caller's thread (the Node pool: midstream/offload) ----
export { findMatchesOffloaded } from './offload/findMatchesOffloaded'
export {
  type AttractorWindowTask,
  type FindMatchesTask,
  OffloadError,
  type OffloadPool,
  type OffloadResults,
  type OffloadRunOptions,
  type OffloadTask,
} from './offload/pool'
export { runOffloadTask } from './offload/runTask'

// ---- temporal logic: formulas, parser, monitors ----
export { type Formula, foldFormula, formatLtl, formulaChildren, type Interval, ltl, walkFormula } from './ltl/formula'
export { createMonitor, type Monitor, type MonitorOptions, type Verdict, type Violation } from './ltl/monitor'
export { type MonitorSnapshot, monitorFromSnapshot } from './ltl/monitor'
export type { PastEvaluatorSnapshot } from './ltl/past'
export type { ResidualSnapshot } from './ltl/residual'
export { LtlSyntaxError, parseLtl } from './ltl/parse'

// ---- learning: online learners, drift detectors, selection, meta-learning ----
export { ADWIN, type ADWINOptions, type ADWINSnapshot } from './learn/adwin'
export {
  KSWIN,
  type KSWINOptions,
  type KSWINRandomBelow,
  type KSWINRandomState,
  type KSWINSnapshot,
} from './learn/kswin'
export {
  type HoeffdingAdaptiveTreeOptions,
  type HoeffdingAdaptiveTreeSnapshot,
  HoeffdingAdaptiveTree,
  type HoeffdingTreeNodeSnapshot,
  type LeafPrediction,
  type TreeSplit,
} from './learn/hoeffdingTree'
export {
  GaussianNaiveBayes,
  MovingAverageForecaster,
  type OnlineLearner,
  OnlineLinearRegression,
  OnlineLogisticRegression,
  RunningStats,
} from './learn/learners'
export type {
  GaussianNaiveBayesSnapshot,
  MovingAverageForecasterSnapshot,
  OnlineLinearRegressionSnapshot,
  OnlineLogisticRegressionSnapshot,
  RunningStatsSnapshot,
} from './learn/learners'
export {
  type LearningTask,
  type LevelSummary,
  type MetaControl,
  MetaLearner,
  type MetaLearnerConfig,
  type MetaRule,
  type MetaState,
  type MetaStep,
} from './learn/metaLearner'
export type { MetaLearnerSnapshot } from './learn/metaLearner'
export {
  PageHinkley,
  type PageHinkleyMode,
  type PageHinkleyOptions,
  type PageHinkleySnapshot,
} from './learn/pageHinkley'
export {
  EXP3,
  type EXP3Snapshot,
  Hedge,
  type HedgeSnapshot,
  type Selector,
  type SelectorOptions,
  ThompsonSampling,
  type ThompsonSamplingSnapshot,
  UCB1,
  type UCB1Snapshot,
} from './learn/selection'

// ---- scheduler: what users create (its parts are in midstream/scheduler) ----
export type { LatencySummary, SchedulerStats, TaskOptions } from './scheduler/core'
export {
  createNanoScheduler,
  createVirtualNanoScheduler,
  type LaneOptions,
  NanoScheduler,
  type NanoSchedulerOptions,
  type TaskSpec,
  VirtualNanoScheduler,
  type VirtualNanoSchedulerOptions,
} from './scheduler/nanoScheduler'
export type { Policy, Priority, PriorityName } from './scheduler/policy'
export type { Precision } from './scheduler/timer'

// ---- bridges: between Observables and async iterables ----
export { type AsyncIterableSource, type FromAsyncIterableOptions, fromAsyncIterable } from './bridges/fromAsyncIterable'
export {
  type BufferedAsyncIterator,
  ObservableAsyncIterable,
  type OverflowPolicy,
  type ToAsyncIterableOptions,
  toAsyncIterable,
} from './bridges/toAsyncIterable'

// ---- errors ----
export { BufferOverflowError, QueueFullError } from './errors'
export { SnapshotError, type SnapshotHeader } from './snapshot'

// ---- media (sources): PCM framing and per-frame video summaries, as mediaSource uses them ----
export { type PcmFrameEmit, PcmFramer, type PcmFramerOptions, type PcmFramerSnapshot } from './media/pcmFramer'
export { VideoSummary, type VideoSummaryOptions, type VideoSummarySnapshot } from './media/videoSummary'

// ---- media: voice activity and freeze kernels ----
export {
  FreezeDetector,
  type FreezeDetectorOptions,
  type FreezeDetectorSnapshot,
  type FreezeReferenceSnapshot,
} from './media/freeze'
export { type VoiceActivityOptions, type VoiceActivitySnapshot, VoiceActivityDetector } from './media/voiceActivity'
export { type AudioFrame, isAudioFrame, isVideoFrame, type MediaFrame, type VideoFrame } from './media/frames'
