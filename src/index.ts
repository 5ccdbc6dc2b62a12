export { QueueFullError, BufferOverflowError } from './errors'
export { LogHistogram } from './stats/logHistogram'
export { createPlatformClock, type Clock } from './scheduler/clock'
export { createHybridTimer, type Timer, type TimerHandle, type HybridTimerOptions, type Precision } from './scheduler/timer'
export { PRIORITIES, POLICIES, priorityLevel, type Policy, type Priority, type PriorityName } from './scheduler/policy'
export {
  SchedulerCore,
  CoreTask,
  type Runnable,
  type TaskOptions,
  type SchedulerCoreOptions,
  type SchedulerStats,
  type LatencySummary,
} from './scheduler/core'
export { VirtualTime } from './scheduler/virtualTime'
export {
  NanoScheduler,
  VirtualNanoScheduler,
  createNanoScheduler,
  createVirtualNanoScheduler,
  rxjsTimeSource,
  type NanoSchedulerOptions,
  type LaneOptions,
  type TaskSpec,
} from './scheduler/nanoScheduler'
export { dtw, dtwPath, type DtwOptions, type DtwCost, type WarpingPath } from './compare/dtw'
export { euclidean, zNormalize } from './compare/pointwise'
export { envelope, lbKim, lbKeogh, type Envelope } from './compare/lowerBounds'
export { findMatches, searchMatches, type Match, type FindMatchesOptions, type SearchStats } from './compare/findMatches'
export { editDistance, type SequenceCompareOptions } from './compare/editDistance'
export { lcsLength, lcsDistance } from './compare/lcs'
export {
  findRecurring,
  findSimilarRecurring,
  type RecurringOptions,
  type RecurringPattern,
  type SimilarRecurringOptions,
  type SimilarGroup,
} from './compare/recurring'
export { delayEmbed, type Embedding } from './attractor/embedding'
export { estimateDelay, mutualInformation, type DelayMethod, type EstimateDelayOptions, type MutualInformationOptions, type MutualInformationBinning } from './attractor/estimateDelay'
export {
  estimateDimension,
  falseNearestNeighbors,
  caoE1E2,
  type EstimateDimensionOptions,
  type FalseNearestNeighborOptions,
  type CaoOptions,
} from './attractor/estimateDimension'
export { lyapunovRosenstein, type LyapunovOptions, type LyapunovResult } from './attractor/lyapunov'
export { zeroOneTest, type ZeroOneTestOptions } from './attractor/zeroOneTest'
export { permutationEntropy, ordinalPatternCounts, SlidingPermutationEntropy } from './attractor/permutationEntropy'
export { classifyDynamics, type DynamicsReport, type Regime, type ClassifyOptions } from './attractor/classifyDynamics'
export { ltl, formatLtl, type Formula, type Interval } from './ltl/formula'
export { parseLtl, LtlSyntaxError } from './ltl/parse'
export { createMonitor, type Monitor, type MonitorOptions, type Verdict, type Violation } from './ltl/monitor'
export { PageHinkley, type PageHinkleyOptions, type PageHinkleyMode } from './learn/pageHinkley'
export { ADWIN, type ADWINOptions } from './learn/adwin'
export { KSWIN, type KSWINOptions } from './learn/kswin'
export { Hedge, UCB1, EXP3, ThompsonSampling, type Selector, type SelectorOptions } from './learn/selection'
export { RunningStats, OnlineLinearRegression, OnlineLogisticRegression, GaussianNaiveBayes, MovingAverageForecaster, type OnlineLearner } from './learn/learners'
export { MetaLearner, type MetaLearnerConfig, type MetaStep, type MetaRule, type MetaControl, type MetaState, type LevelSummary, type Task } from './learn/metaLearner'
export { Spring, type SpringMatch, type SpringOptions } from './compare/spring'
