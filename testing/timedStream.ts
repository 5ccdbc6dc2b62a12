import fc from 'fast-check'

/** One value at a virtual time (ms). */
export interface TimedEvent<T> {
  time: number
  value: T
}

/** How a timed stream ends: completion or error at `time`, or not at all. */
export type TimedEnd =
  | { kind: 'complete'; time: number }
  | { kind: 'error'; time: number; error: unknown }
  | { kind: 'none' }

/** A finite recording of a stream: values at non-decreasing times, then its end. */
export interface TimedStream<T> {
  events: TimedEvent<T>[]
  end: TimedEnd
}

export interface TimedStreamOptions {
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

/** The error a generated stream ends with; tests can check that it came out unchanged. */
export class GeneratedStreamError extends Error {
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
  const { minLength = 0, maxLength = 50, maxGap = 100, burstProbability = 0.3, fractional = true } = options
  const ends = options.ends ?? ['complete', 'error', 'none']
  if (!(maxGap > 0)) throw new RangeError(`maxGap must be > 0, got ${maxGap}`)
  if (!(burstProbability >= 0 && burstProbability <= 1))
    throw new RangeError(`burstProbability must be in [0, 1], got ${burstProbability}`)
  if (ends.length === 0) throw new RangeError('ends must list at least one kind')
  const step = fractional ? 0.25 : 1
  const maxSteps = Math.max(1, Math.floor(maxGap / step))
  const burstWeight = Math.round(burstProbability * 100)
  const gap = fc.oneof(
    { arbitrary: fc.constant(0), weight: burstWeight },
    { arbitrary: fc.integer({ min: 1, max: maxSteps }).map(n => n * step), weight: 100 - burstWeight },
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
