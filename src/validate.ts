/**
 * The one place where midstream checks what a caller handed it. Every check takes the public name
 * of what was called (`fn`, e.g. `'dtwMatch'`) and the option or argument name, and throws a
 * `TypeError` (wrong kind of value) or `RangeError` (right kind, outside its range) whose message
 * starts with `fn: ` and names the offending value:
 *
 * ```
 * dtwMatch: threshold must be a finite number > 0, got -1
 * attractorWindow: unknown option "workers"; known options: window, hop, select, ...
 * ```
 *
 * Each check returns the value it accepted, typed, so a caller can write
 * `const hop = checkInteger('attractorWindow', 'hop', options.hop ?? window, { min: 1, max: window })`.
 * @internal
 */
import type { SchedulerLike } from 'rxjs'
import { describeValue } from './errors'

export { describeValue }

/** Bounds for `checkInteger` and `checkNumber` (inclusive unless the `...Exclusive` form is used). */
export interface NumberBounds {
  readonly min?: number
  readonly max?: number
  /** Lower bound that the value must exceed. */
  readonly above?: number
  /** Upper bound that the value must stay under. */
  readonly below?: number
}

function boundsText(b: NumberBounds): string {
  const parts: string[] = []
  if (b.min !== undefined && b.max !== undefined) return ` in [${b.min}, ${b.max}]`
  if (b.above !== undefined && b.below !== undefined) return ` in (${b.above}, ${b.below})`
  if (b.min !== undefined) parts.push(`>= ${b.min}`)
  if (b.above !== undefined) parts.push(`> ${b.above}`)
  if (b.max !== undefined) parts.push(`<= ${b.max}`)
  if (b.below !== undefined) parts.push(`< ${b.below}`)
  return parts.length === 0 ? '' : ` ${parts.join(' and ')}`
}

function inBounds(value: number, b: NumberBounds): boolean {
  return (
    (b.min === undefined || value >= b.min) &&
    (b.max === undefined || value <= b.max) &&
    (b.above === undefined || value > b.above) &&
    (b.below === undefined || value < b.below)
  )
}

/**
 * Checks that `options` is a plain object (or `undefined` when not `required`) holding no key
 * outside `known`: in JavaScript a misspelt option must not be silently ignored.
 */
export function checkOptions<O extends object>(
  fn: string,
  options: O | undefined | null,
  known: readonly string[],
  required = false,
): O {
  if (options === undefined && !required) return {} as O
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(`${fn}: options must be an object, got ${describeValue(options)}`)
  for (const key of Object.keys(options)) {
    if (!known.includes(key))
      throw new TypeError(`${fn}: unknown option ${JSON.stringify(key)}; known options: ${known.join(', ')}`)
  }
  return options
}

/** An integer within `bounds`. */
export function checkInteger(fn: string, name: string, value: unknown, bounds: NumberBounds = {}): number {
  if (typeof value !== 'number') throw new TypeError(`${fn}: ${name} must be an integer, got ${describeValue(value)}`)
  if (!Number.isInteger(value) || !inBounds(value, bounds))
    throw new RangeError(`${fn}: ${name} must be an integer${boundsText(bounds)}, got ${describeValue(value)}`)
  return value
}

/** A finite number within `bounds`. */
export function checkNumber(fn: string, name: string, value: unknown, bounds: NumberBounds = {}): number {
  if (typeof value !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got ${describeValue(value)}`)
  if (!Number.isFinite(value) || !inBounds(value, bounds))
    throw new RangeError(`${fn}: ${name} must be a finite number${boundsText(bounds)}, got ${describeValue(value)}`)
  return value
}

/** A finite number > 0. */
export function checkPositive(fn: string, name: string, value: unknown): number {
  return checkNumber(fn, name, value, { above: 0 })
}

/** A probability: in [0, 1], or in (0, 1) when `open`. */
export function checkProbability(fn: string, name: string, value: unknown, open = false): number {
  return checkNumber(fn, name, value, open ? { above: 0, below: 1 } : { min: 0, max: 1 })
}

/** A duration in milliseconds: finite and >= 0 (fractions allowed), or `Infinity` when `infinityAllowed`. */
export function checkMilliseconds(fn: string, name: string, value: unknown, infinityAllowed = false): number {
  if (typeof value !== 'number')
    throw new TypeError(`${fn}: ${name} must be a number of milliseconds, got ${describeValue(value)}`)
  if (!(value >= 0) || (value === Infinity && !infinityAllowed))
    throw new RangeError(
      `${fn}: ${name} must be ${infinityAllowed ? 'a number >= 0 or Infinity' : 'a finite number >= 0'} (ms), got ${describeValue(value)}`,
    )
  return value
}

/** A boolean. */
export function checkBoolean(fn: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${fn}: ${name} must be a boolean, got ${describeValue(value)}`)
  return value
}

/** A string (non-empty unless `allowEmpty`). */
export function checkString(fn: string, name: string, value: unknown, allowEmpty = false): string {
  if (typeof value !== 'string') throw new TypeError(`${fn}: ${name} must be a string, got ${describeValue(value)}`)
  if (!allowEmpty && value.length === 0) throw new RangeError(`${fn}: ${name} must not be empty`)
  return value
}

/** One of `choices`. */
export function checkOneOf<C extends string>(fn: string, name: string, value: unknown, choices: readonly C[]): C {
  if (!choices.includes(value as C))
    throw new RangeError(
      `${fn}: ${name} must be ${choices.map(c => `'${c}'`).join(' or ')}, got ${describeValue(value)}`,
    )
  return value as C
}

/** A function, or `undefined` when `optional` (the default). */
export function checkFunction<F extends (...args: never[]) => unknown>(
  fn: string,
  name: string,
  value: unknown,
  optional = true,
): F | undefined {
  if (value === undefined && optional) return undefined
  if (typeof value !== 'function') throw new TypeError(`${fn}: ${name} must be a function, got ${describeValue(value)}`)
  return value as F
}

/** A `SchedulerLike` (anything with `now()`), or `undefined`. */
export function checkScheduler(fn: string, name: string, value: unknown): SchedulerLike | undefined {
  if (value === undefined) return undefined
  if (value === null || typeof (value as { now?: unknown }).now !== 'function')
    throw new TypeError(`${fn}: ${name} must be a SchedulerLike, got ${describeValue(value)}`)
  return value as SchedulerLike
}

/** The clock options every timed operator shares: `time` (a function of the element) and `scheduler`. */
export function checkClock(fn: string, time: unknown, scheduler: unknown): void {
  checkFunction(fn, 'time', time)
  checkScheduler(fn, 'scheduler', scheduler)
}
