/**
 * midstream/scheduler: the parts the nanosecond scheduler is built from, for those who build their
 * own scheduler or time source on them (as `@most/scheduler` sits beside `@most/core`). Most users
 * need none of this: `createNanoScheduler`, `createVirtualNanoScheduler`, `scheduleOn` and
 * `eventTime` come from `midstream` itself. Browser-safe, like the root.
 *
 * ```ts
 * import { createHybridTimer, createPlatformClock, SchedulerCore } from 'midstream/scheduler'
 * const clock = createPlatformClock()
 * const core = new SchedulerCore(clock, createHybridTimer(clock), { policy: 'edf' })
 * core.schedule({ run: () => console.log('ran') }, { deadline: 2 })
 * ```
 * @module
 */
// biome-ignore-all assist/source/organizeImports: exports are grouped by area under banners, sorted within each

// ---- time: clocks and timers ----
export { type Clock, createPlatformClock } from './clock'
export { type RxjsTimeSource, rxjsTimeSource } from './nanoScheduler'
export { createHybridTimer, type HybridTimerOptions, type Timer, type TimerHandle } from './timer'
export { VirtualTime } from './virtualTime'

// ---- the core: timeline, ready queue, policies ----
export { CoreTask, type Runnable, SchedulerCore, type SchedulerCoreOptions } from './core'
export { POLICIES, PRIORITIES, priorityLevel } from './policy'

// ---- statistics ----
export { LogHistogram } from '../stats/logHistogram'
