import fc from 'fast-check'
import { describeValue } from '../src/errors'
import { checkBoolean, checkInteger, checkOneOf, checkOptions, checkPositive, checkProbability } from '../src/validate'

/** One value at a virtual time (ms). */
export interface TimedEvent<T> {
  /** Virtual time, ms. */
  time: number
  /** The value. */
  value: T
}

/** How a timed stream ends: completion or error at `time`, or not at all. */
export type TimedEnd = TimedCompletion | TimedFailure | TimedOpenEnd

/** A timed stream that never ends (the recording stops with it still open). */
export interface TimedOpenEnd {
  /** No end. */
  kind: 'none'
}

/** A timed stream's completion at `time`. */
export interface TimedCompletion {
  /** Completion. */
  kind: 'complete'
  /** Virtual time, ms. */
  time: number
}

/** A timed stream's error at `time`. */
export interface TimedFailure {
  /** Error. */
  kind: 'error'
  /** Virtual time, ms. */
  time: number
  /** What the stream errors with. */
  error: unknown
}

/** A finite recording of a stream: values at non-decreasing times, then its end. */
export interface TimedStream<T> {
  /** The values, at non-decreasing times. */
  events: TimedEvent<T>[]
  /** How and when the stream ends. */
  end: TimedEnd
}

/** `timedStream`'s options: how many events, how far apart, how bursty, and how the stream ends. */
export interface TimedStreamOptions {
  /** Fewest events. Default 0. */
  minLength?: number
  /** Default 50. */
  maxLength?: number
  /** Largest gap between consecutive events, ms. Default 100. */
  maxGap?: number
  /** Chance that an event arrives at the same instant as the previous one (a burst). Default 0.3. */
  burstProbability?: number
  /** Gaps in quarter milliseconds rather than whole ones. Default true. */
  fractional?: boolean
  /** Which ends to generate. Default all three. */
  ends?: ReadonlyArray<TimedEnd['kind']>
}

const OPTION_NAMES: readonly string[] = ['minLength', 'maxLength', 'maxGap', 'burstProbability', 'fractional', 'ends']
const END_KINDS: readonly TimedEnd['kind'][] = ['complete', 'error', 'none']
const DEFAULT_MAX_LENGTH = 50
const DEFAULT_MAX_GAP_MS = 100
const DEFAULT_BURST_PROBABILITY = 0.3
/** The gap unit when `fractional`: a quarter millisecond. */
const FRACTIONAL_STEP_MS = 0.25
/** fast-check's oneof takes integer weights: probabilities are scaled to this total. */
const WEIGHT_SCALE = 100

/** The error a generated stream ends with; tests can check that it came out unchanged. */
export class GeneratedStreamError extends Error {
  /** The error's name, for logs. */
  override readonly name = 'GeneratedStreamError'
}

/**
 * A fast-check arbitrary of timed streams: values from `value` separated by gaps and bursts,
 * ending in completion, an error, or nothing. Shrinks toward fewer events and shorter gaps.
 *
 * ```ts
 * test.prop([timedStream(fc.integer())])('map keeps timing', (stream) => {
 *   const out = runTimed(stream, (s) => s.pipe(map((x) => x * 2)))
 *   expect(out.values.map((e) => e.time)).toEqual(stream.events.map((e) => e.time))
 * })
 * ```
 */
export function timedStream<T>(value: fc.Arbitrary<T>, options: TimedStreamOptions = {}): fc.Arbitrary<TimedStream<T>> {
  const fn = 'timedStream'
  if (!(value instanceof fc.Arbitrary))
    throw new TypeError(`${fn}: value must be a fast-check Arbitrary, got ${describeValue(value)}`)
  checkOptions(fn, options, OPTION_NAMES)
  const minLength = checkInteger(fn, 'minLength', options.minLength ?? 0, { min: 0 })
  const maxLength = checkInteger(fn, 'maxLength', options.maxLength ?? DEFAULT_MAX_LENGTH, { min: minLength })
  const maxGap = checkPositive(fn, 'maxGap', options.maxGap ?? DEFAULT_MAX_GAP_MS)
  const burstProbability = checkProbability(
    fn,
    'burstProbability',
    options.burstProbability ?? DEFAULT_BURST_PROBABILITY,
  )
  const fractional = checkBoolean(fn, 'fractional', options.fractional ?? true)
  const ends = options.ends ?? END_KINDS
  if (!Array.isArray(ends) || ends.length === 0)
    throw new RangeError(`${fn}: ends must list at least one of ${END_KINDS.join(', ')}, got ${describeValue(ends)}`)
  for (const kind of ends) checkOneOf(fn, 'ends[]', kind, END_KINDS)
  const step = fractional ? FRACTIONAL_STEP_MS : 1
  const maxSteps = Math.max(1, Math.floor(maxGap / step))
  const burstWeight = Math.round(burstProbability * WEIGHT_SCALE)
  const gap = fc.oneof(
    { arbitrary: fc.constant(0), weight: burstWeight },
    { arbitrary: fc.integer({ min: 1, max: maxSteps }).map(n => n * step), weight: WEIGHT_SCALE - burstWeight },
  )
  const end = fc.record({ kind: fc.constantFrom(...ends), gap, message: fc.string({ maxLength: 8 }) })
  return fc.tuple(fc.array(fc.tuple(gap, value), { minLength, maxLength }), end).map(([pairs, last]) => {
    let time = 0
    const events = pairs.map(([g, v]) => ({ time: (time += g), value: v }))
    const endTime = time + last.gap
    const streamEnd: TimedEnd =
      last.kind === 'none'
        ? { kind: 'none' }
        : last.kind === 'complete'
          ? { kind: 'complete', time: endTime }
          : {
              kind: 'error',
              time: endTime,
              error: new GeneratedStreamError(`generated error ${JSON.stringify(last.message)}`),
            }
    return { events, end: streamEnd }
  })
}
