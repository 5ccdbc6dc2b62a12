/**
 * A Clock tells the time. Schedulers read time only through one, so that tests can inject a
 * virtual clock and replays can drive time from the data (as @most/scheduler does).
 */
export interface Clock {
  /** Milliseconds as a float with sub-millisecond resolution, on the epoch (`Date.now()`) scale. */
  now(): number
  /** The same instant in whole nanoseconds. */
  nowNs(): bigint
}

interface HrProcess {
  hrtime: { bigint(): bigint }
}

function nodeProcess(): HrProcess | undefined {
  const p = (globalThis as { process?: Partial<HrProcess> }).process
  return p?.hrtime && typeof p.hrtime.bigint === 'function' ? (p as HrProcess) : undefined
}

/**
 * The platform's monotonic high-resolution clock: `process.hrtime.bigint()` in Node,
 * `performance.now()` elsewhere, anchored to `Date.now()` when created so that `now()` is
 * comparable with `Date` values (RxJS's `timer(date)` relies on that). The platform functions
 * are looked up on every call, so fake timers installed before the clock is created (vitest's
 * `toFake: ['hrtime', 'performance']`) drive it.
 *
 * ```ts
 * const clock = createPlatformClock()
 * const t0 = clock.now() // e.g. 1795770000123.4567
 * ```
 */
export function createPlatformClock(): Clock {
  const proc = nodeProcess()
  const epochMs = Date.now()
  if (proc) {
    const originNs = proc.hrtime.bigint()
    const epochNs = BigInt(epochMs) * 1_000_000n
    return {
      now: () => epochMs + Number(proc.hrtime.bigint() - originNs) / 1e6,
      nowNs: () => epochNs + (proc.hrtime.bigint() - originNs),
    }
  }
  const perf = () => (globalThis as { performance: { now(): number } }).performance
  const originMs = perf().now()
  return {
    now: () => epochMs + (perf().now() - originMs),
    nowNs: () => BigInt(epochMs) * 1_000_000n + BigInt(Math.round((perf().now() - originMs) * 1e6)),
  }
}
