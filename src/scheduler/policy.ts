import { describeValue } from '../errors'

/** Named priorities and their numeric levels (higher runs first under the `'priority'` policy). */
export const PRIORITIES = {
  critical: 100,
  high: 75,
  normal: 50,
  low: 25,
  background: 10,
} as const

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

export const POLICIES: readonly Policy[] = ['priority', 'edf', 'llf', 'rate-monotonic']

export function checkPolicy(policy: unknown): Policy {
  if (!POLICIES.includes(policy as Policy)) {
    throw new RangeError(`unknown scheduling policy ${describeValue(policy)}; expected one of ${POLICIES.join(', ')}`)
  }
  return policy as Policy
}

/** Resolves a priority name or level to its level; throws naming the value when it is neither. */
export function priorityLevel(priority: unknown): number {
  if (typeof priority === 'string') {
    const level = (PRIORITIES as Record<string, number>)[priority]
    if (level === undefined || !Object.hasOwn(PRIORITIES, priority)) {
      throw new RangeError(
        `unknown priority ${describeValue(priority)}; expected one of ${Object.keys(PRIORITIES).join(', ')} or a number in [0, 100]`,
      )
    }
    return level
  }
  if (typeof priority === 'number') {
    if (!(priority >= 0 && priority <= 100)) throw new RangeError(`priority must be in [0, 100], got ${priority}`)
    return priority
  }
  throw new TypeError(`priority must be a name or a number, got ${describeValue(priority)}`)
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
