import type { SchedulerLike, Subscriber } from 'rxjs'
import { describeValue } from '../../src/errors'
import { checkFunction, checkOneOf, checkScheduler } from '../../src/validate'

/**
 * The element options shared by the operators that read one number (or vector) and one time from
 * each element of their source: `dtwMatch`, `attractorWindow`.
 * @internal
 */
export interface ElementOptions<T> {
  /** The value to analyse in each element. Default: the element itself. */
  readonly select?: (item: T) => unknown
  /** The time of each element (ms). */
  readonly time?: (item: T) => number
  /** Stamps arrivals with `scheduler.now()` when there is no `time` (only where the operator offers it). */
  readonly scheduler?: SchedulerLike
  /** An element whose value or time is invalid: `'error'` (default) or `'skip'`. */
  readonly onInvalid?: 'error' | 'skip'
  /** Called with the source index and value of each skipped element. */
  readonly onSkip?: (index: number, value: unknown) => void
}

/** The option names of `ElementOptions` without `scheduler`, for an operator's `checkOptions`. @internal */
export const ELEMENT_OPTIONS: readonly string[] = ['select', 'time', 'onInvalid', 'onSkip']

const ON_INVALID = ['error', 'skip'] as const

/** `ElementOptions` after checks. @internal */
export interface ElementSettings<T> {
  readonly select: ((item: T) => unknown) | undefined
  readonly time: ((item: T) => number) | undefined
  readonly scheduler: SchedulerLike | undefined
  readonly onInvalid: 'error' | 'skip'
  readonly onSkip: ((index: number, value: unknown) => void) | undefined
  /** Whether elements carry a time (from `time`, or from `scheduler`). */
  readonly timed: boolean
}

/**
 * Checks the element options for the public operator `fn` at call time (a wrong kind is a
 * `TypeError`, an unknown `onInvalid` a `RangeError`, both starting with `fn: `).
 * @internal
 */
export function checkElementOptions<T>(fn: string, options: ElementOptions<T>): ElementSettings<T> {
  const select = checkFunction<(item: T) => unknown>(fn, 'select', options.select)
  const time = checkFunction<(item: T) => number>(fn, 'time', options.time)
  const scheduler = checkScheduler(fn, 'scheduler', options.scheduler)
  const onInvalid = checkOneOf(fn, 'onInvalid', options.onInvalid ?? 'error', ON_INVALID)
  const onSkip = checkFunction<(index: number, value: unknown) => void>(fn, 'onSkip', options.onSkip)
  return { select, time, scheduler, onInvalid, onSkip, timed: time !== undefined || scheduler !== undefined }
}

/**
 * Reads the value and time of each element for one subscription: runs the user's `select` and
 * `time` inside try/catch (their errors go downstream), checks the results, and either errors the
 * stream with a `TypeError` naming the element's source index or, with `onInvalid: 'skip'`, counts
 * the element in `skipped` and hands it to `onSkip`. The accepted value and time are left in
 * `value` and `time` so that nothing is allocated per element.
 * @internal
 */
export class ElementReader<T> {
  /** The last accepted element's value and time (0 when untimed). */
  value: unknown = undefined
  time = 0
  /** Elements seen, valid or not: the next element's source index. */
  seen = 0
  /** Elements dropped by `onInvalid: 'skip'`. */
  skipped = 0

  /**
   * @param fn the public operator's name, which starts every error message
   * @param invalid why a selected value cannot be analysed (a phrase after "element #i"), or null
   */
  constructor(
    private readonly fn: string,
    private readonly settings: ElementSettings<T>,
    private readonly subscriber: Pick<Subscriber<unknown>, 'error'>,
    private readonly invalid: (value: unknown) => string | null,
  ) {}

  /** True when `item` gave a valid value (in `value`, `time`); false when it was skipped or errored the stream. */
  read(item: T): boolean {
    const { select, time, scheduler, timed } = this.settings
    const index = this.seen++
    let value: unknown
    let at = 0
    try {
      value = select === undefined ? item : select(item)
      if (time !== undefined) at = time(item)
      else if (scheduler !== undefined) at = scheduler.now()
    } catch (error) {
      this.subscriber.error(error)
      return false
    }
    const problem =
      this.invalid(value) ??
      (timed && (typeof at !== 'number' || !Number.isFinite(at)) ? `has time ${describeValue(at)}` : null)
    if (problem === null) {
      this.value = value
      this.time = at
      return true
    }
    if (this.settings.onInvalid === 'error') {
      this.subscriber.error(new TypeError(`${this.fn}: element #${index} ${problem}`))
      return false
    }
    this.skipped++
    try {
      this.settings.onSkip?.(index, value)
    } catch (error) {
      this.subscriber.error(error)
    }
    return false
  }
}

/** The `invalid` of a reader of numbers: null for a finite number. @internal */
export function invalidNumber(value: unknown): string | null {
  return typeof value === 'number' && Number.isFinite(value)
    ? null
    : `must be a finite number, got ${describeValue(value)}`
}
