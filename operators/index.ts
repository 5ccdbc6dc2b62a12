/**
 * The RxJS operators of midstream, one per file, each a thin adapter from a kernel in `src/` to an
 * `OperatorFunction`: they say what they emit, when they complete, and what they do on bad input.
 * Re-exported by the root entry (`midstream`).
 * @module
 */
// biome-ignore-all assist/source/organizeImports: exports are grouped by area under banners, sorted within each

// ---- comparison ----
export { type DtwMatchEvent, type DtwMatchOptions, type DtwMatchSnapshot, type DtwQuery, dtwMatch } from './dtwMatch'

// ---- attractors ----
export { type AttractorWindowOptions, type AttractorWindowReport, attractorWindow } from './attractorWindow'
export type {
  AttractorWindowCarried,
  AttractorWindowPendingSnapshot,
  AttractorWindowSnapshot,
  AttractorWindowSnapshotOptions,
} from './attractorWindow'

// ---- temporal logic ----
export { type Annotated, type LtlGuardOptions, type LtlSpec, LtlViolationError, ltlGuard } from './ltlGuard'
export { ltlVerdicts, type VerdictChange } from './ltlVerdicts'
export type { LtlGuardSnapshot } from './ltlGuard'
export type { LtlVerdictsOptions, LtlVerdictsSnapshot } from './ltlVerdicts'

// ---- learning ----
export { metaLearn, type Observation } from './metaLearn'
export type { MetaLearnConfig, MetaLearnSnapshot } from './metaLearn'

// ---- scheduling and time ----
export { type EventTimeOptions, eventTime } from './eventTime'
export { type ScheduleOnOptions, scheduleOn } from './scheduleOn'

// ---- checkpoints: state handles, a user's own state ----
export { type CheckpointedScanOptions, type CheckpointedScanSnapshot, checkpointedScan } from './checkpointedScan'
export { OperatorState, operatorState } from './state'

// ---- media: voice activity and freezes (over MediaFrames) ----
export { type FreezeEvent, type FreezeOptions, type FreezeSnapshot, freeze } from './freeze'
export {
  type VoiceActivityEvent,
  type VoiceActivityOperatorOptions,
  type VoiceActivityOperatorSnapshot,
  voiceActivity,
} from './voiceActivity'
