import { describeValue } from '../errors'

/** Named priorities and their numeric levels (higher runs first under the `'priority'` policy). */
export const PRIORITIES = {
  /** For work that must never wait behind anything else. */
  critical: 100,
  /** Latency-sensitive work. */
  high: 75,
  /** The default. */
  normal: 50,
  /** Work that may wait. */
  low: 25,
  /** Work that runs when nothing else is ready. */
  background: 10,
} as const

/** The names of `PRIORITIES`: `'critical'`, `'high'`, `'normal'`, `'low'`, `'background'`. */
export type PriorityName = keyof typeof PRIORITIES
/** A named priority, or a level in [0, 100]. */
export type Priority = PriorityName | number

/**
 * How the ready queue is ordered; among equal keys always FIFO.
 * - `'priority'`: fixed priority, higher first.
 * - `'edf'`: earliest absolute deadline first (tasks without a deadline last).
 * - `'llf'`: least laxity first, laxity = deadline - now - cost; since `now` is common to all
 *   ready tasks, the order is that of (deadline - cost).
 * - `'rate-monotonic'`: shorter period first (aperiodic tasks last).
 */
export type Policy = 'priority' | 'edf' | 'llf' | 'rate-monotonic'

/** Every `Policy`, in the order the docs list them. */
export const POLICIES: readonly Policy[] = ['priority', 'edf', 'llf', 'rate-monotonic']

/** The highest priority level; levels run from 0 to this. */
const MAX_LEVEL = 100

/**
 * Resolves a priority name or level to its level, throwing a `RangeError` (an unknown name, a
 * level outside [0, 100]) or a `TypeError` (neither a string nor a number) whose message starts
 * with `fn`, the public name called (default `'priorityLevel'`).
 *
 * ```ts
 * priorityLevel('high') // 75
 * priorityLevel(60) // 60
 * ```
 */
export function priorityLevel(priority: unknown, fn = 'priorityLevel'): number {
  if (typeof priority === 'string') {
    if (!Object.hasOwn(PRIORITIES, priority)) {
      throw new RangeError(
        `${fn}: unknown priority ${describeValue(priority)}; expected one of ${Object.keys(PRIORITIES).join(', ')} or a number in [0, ${MAX_LEVEL}]`,
      )
    }
    return PRIORITIES[priority as PriorityName]
  }
  if (typeof priority === 'number') {
    if (!(priority >= 0 && priority <= MAX_LEVEL))
      throw new RangeError(`${fn}: priority must be in [0, ${MAX_LEVEL}], got ${priority}`)
    return priority
  }
  throw new TypeError(`${fn}: priority must be a name or a number, got ${describeValue(priority)}`)
}

/** The ready-queue key of a task under `policy`: smaller runs first. */
export function readyKey(policy: Policy, level: number, deadline: number, cost: number, period: number): number {
  switch (policy) {
    case 'priority':
      return -level
    case 'edf':
      return deadline
    case 'llf':
      return deadline - cost
    case 'rate-monotonic':
      return period > 0 ? period : Infinity
  }
}
