export { type ClassifyOptions, classifyDynamics, type DynamicsReport, type Regime } from './attractor/classifyDynamics'
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
export { type ZeroOneTestOptions, zeroOneTest } from './attractor/zeroOneTest'
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
export { euclidean, zNormalize } from './compare/pointwise'
export {
  findRecurring,
  findSimilarRecurring,
  type RecurringOptions,
  type RecurringPattern,
  type SimilarGroup,
  type SimilarRecurringOptions,
} from './compare/recurring'
export { Spring, type SpringMatch, type SpringOptions } from './compare/spring'
export { BufferOverflowError, QueueFullError } from './errors'
export { ADWIN, type ADWINOptions } from './learn/adwin'
export { KSWIN, type KSWINOptions } from './learn/kswin'
export {
  GaussianNaiveBayes,
  MovingAverageForecaster,
  type OnlineLearner,
  OnlineLinearRegression,
  OnlineLogisticRegression,
  RunningStats,
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
export { PageHinkley, type PageHinkleyMode, type PageHinkleyOptions } from './learn/pageHinkley'
export { EXP3, Hedge, type Selector, type SelectorOptions, ThompsonSampling, UCB1 } from './learn/selection'
export {
  type Formula,
  foldFormula,
  formatLtl,
  formulaChildren,
  type Interval,
  ltl,
  walkFormula,
} from './ltl/formula'
export { createMonitor, type Monitor, type MonitorOptions, type Verdict, type Violation } from './ltl/monitor'
export { LtlSyntaxError, parseLtl } from './ltl/parse'
export { type Clock, createPlatformClock } from './scheduler/clock'
export {
  CoreTask,
  type LatencySummary,
  type Runnable,
  SchedulerCore,
  type SchedulerCoreOptions,
  type SchedulerStats,
  type TaskOptions,
} from './scheduler/core'
export {
  createNanoScheduler,
  createVirtualNanoScheduler,
  type LaneOptions,
  NanoScheduler,
  type NanoSchedulerOptions,
  rxjsTimeSource,
  type TaskSpec,
  VirtualNanoScheduler,
} from './scheduler/nanoScheduler'
export { POLICIES, type Policy, PRIORITIES, type Priority, type PriorityName, priorityLevel } from './scheduler/policy'
export {
  createHybridTimer,
  type HybridTimerOptions,
  type Precision,
  type Timer,
  type TimerHandle,
} from './scheduler/timer'
export { VirtualTime } from './scheduler/virtualTime'
export { LogHistogram } from './stats/logHistogram'
