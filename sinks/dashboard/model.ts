import { describeValue } from '../../src/errors'
import type { Verdict } from '../../src/ltl/monitor'
import { checkInteger, checkNumber, checkOptions, checkPositive, checkString } from '../../src/validate'

/**
 * Bounded state a live pipeline writes into and a dashboard reads from. No React, no timers, no
 * clock: every time is passed in by the caller (ms, any epoch), so the model is deterministic and
 * testable with plain arrays. Every write is O(1) and memory is bounded by the options.
 */

export interface DashboardModelOptions {
  /** Points kept per series (the ring buffer behind a sparkline). Default 240. */
  readonly points?: number
  /** Matches kept (the most recent ones). Default 8. */
  readonly matches?: number
  /** Lateness samples kept (the sliding window behind p50/p99/max). Default 1024. */
  readonly latenessWindow?: number
  /** Width of the rate window in ms. Default 1000 (rates are per second over the last second). */
  readonly rateWindowMs?: number
  /** Buckets the rate window is cut into (its resolution). Default 10. */
  readonly rateBuckets?: number
  /** Most distinct series, formulas and channels each (a new name beyond it is a RangeError). Default 64. */
  readonly maxNames?: number
  /** Regime segments kept (the most recent ones). Default 64. */
  readonly regimes?: number
}

/** A match as `dtwMatch` emits it (extra fields are ignored). */
export interface MatchInfo {
  /** The pattern's name. */
  readonly pattern: string
  /** Index of the match's first element. */
  readonly start: number
  /** Index of the match's last element. */
  readonly end: number
  /** Distance between the pattern and the match. */
  readonly distance: number
  /** When it was found; defaults to `endTime`, else the latest time the model has seen. */
  readonly time?: number
  /** Time of the match's last element, ms (`dtwMatch` events carry it). */
  readonly endTime?: number
  /** Time of the match's first element, ms (`dtwMatch` events carry it); lets a chart shade the span. */
  readonly startTime?: number
  /** The series the match was found in, when known (a chart of that name shades it). */
  readonly series?: string
}

export interface SeriesSnapshot {
  /** The series' name. */
  readonly name: string
  /** The last `points` values, oldest first. */
  readonly values: readonly number[]
  /** The times of `values`, ms. */
  readonly times: readonly number[]
  /** Values pushed since creation (not only those kept). */
  readonly total: number
  /** The newest value; undefined when empty. */
  readonly last: number | undefined
  /** Smallest kept value; undefined when empty. */
  readonly min: number | undefined
  /** Largest kept value; undefined when empty. */
  readonly max: number | undefined
}

export interface MatchSnapshot {
  /** The pattern's name. */
  readonly pattern: string
  /** Index of the match's first element. */
  readonly start: number
  /** Index of the match's last element. */
  readonly end: number
  /** Distance between the pattern and the match. */
  readonly distance: number
  /** When it was found, ms; undefined when no time was known. */
  readonly time: number | undefined
  /** Time of the match's first element, ms; undefined when not given. */
  readonly startTime: number | undefined
  /** The series it was found in; undefined when not given. */
  readonly series: string | undefined
}

/** A stretch of time a series spent in one regime (`attractorWindow`'s window report). */
export interface RegimeSnapshot {
  /** The series (channel) it describes. */
  readonly series: string
  /** The regime's name ('chaotic', 'periodic', ...). */
  readonly regime: string
  /** Time of the window's first value, ms. */
  readonly startTime: number
  /** Time of the window's last value, ms. */
  readonly endTime: number
}

export interface VerdictSnapshot {
  /** The formula, as given. */
  readonly formula: string
  /** The latest verdict. */
  readonly verdict: Verdict
  /** The event index the verdict was reached at, when given. */
  readonly index: number | undefined
  /** How many times the verdict changed (the first verdict is not a change). */
  readonly changes: number
  /** How many verdicts were reported. */
  readonly updates: number
  /** When the latest verdict was reported, ms: as given, else the latest time the model had seen. */
  readonly time: number | undefined
  /** When the formula got its current verdict (its last change, or its first report), ms, likewise. */
  readonly since: number | undefined
}

export interface LatenessSnapshot {
  /** Samples in the window (at most `latenessWindow`). */
  readonly count: number
  /** Samples reported since creation. */
  readonly total: number
  /** Nearest-rank percentiles over the window; undefined when empty. */
  readonly p50: number | undefined
  /** 99th percentile (nearest rank) over the window, ms. */
  readonly p99: number | undefined
  /** Largest sample in the window, ms. */
  readonly max: number | undefined
}

export interface RateSnapshot {
  /** The channel's name. */
  readonly channel: string
  /** Messages per second over the window ending at the snapshot's time. */
  readonly rate: number
  /** Messages in the window. */
  readonly inWindow: number
  /** Messages counted since creation. */
  readonly total: number
}

export interface DashboardSnapshot {
  /** Increases with every write; equal versions mean equal snapshots. */
  readonly version: number
  /** The time the rates are computed at: the latest time seen (or later, if asked). */
  readonly timeMs: number | undefined
  /** Every series, in the order first written. */
  readonly series: readonly SeriesSnapshot[]
  /** The last `matches` matches, oldest first. */
  readonly matches: readonly MatchSnapshot[]
  /** Every formula's current verdict. */
  readonly verdicts: readonly VerdictSnapshot[]
  /** Scheduler lateness over the window. */
  readonly lateness: LatenessSnapshot
  /** Every channel's rate. */
  readonly rates: readonly RateSnapshot[]
  /** The last `regimes` regime segments, oldest first. */
  readonly regimes: readonly RegimeSnapshot[]
}

/** A handle to one named series. */
export interface SeriesHandle {
  /** The series' name. */
  readonly name: string
  /** Appends a point; drops the oldest beyond `points`. O(1). */
  push(value: number, timeMs: number): void
}

const MODEL_OPTION_NAMES: readonly string[] = [
  'points',
  'matches',
  'latenessWindow',
  'rateWindowMs',
  'rateBuckets',
  'maxNames',
  'regimes',
]
/** Defaults of `DashboardModelOptions`. */
const DEFAULT_POINTS = 240
const DEFAULT_MATCHES = 8
const DEFAULT_LATENESS_WINDOW = 1024
const DEFAULT_RATE_WINDOW_MS = 1000
const DEFAULT_RATE_BUCKETS = 10
const DEFAULT_MAX_NAMES = 64
const DEFAULT_REGIMES = 64
const MS_PER_SECOND = 1000

/** Nearest-rank percentile of an ascending array (p in (0, 100]). */
export function nearestRank(sorted: ArrayLike<number>, p: number): number | undefined {
  const n = sorted.length
  if (n === 0) return undefined
  const rank = Math.max(1, Math.ceil((p / 100) * n))
  return sorted[Math.min(n, rank) - 1]
}

class SeriesRing implements SeriesHandle {
  private readonly values: Float64Array
  private readonly times: Float64Array
  private head = 0 // next write
  private size = 0
  total = 0

  constructor(
    readonly name: string,
    private readonly model: DashboardModel,
    capacity: number,
  ) {
    this.values = new Float64Array(capacity)
    this.times = new Float64Array(capacity)
  }

  push(value: number, timeMs: number): void {
    if (!Number.isFinite(value)) checkNumber('SeriesHandle.push', `series ${JSON.stringify(this.name)} value`, value)
    if (!Number.isFinite(timeMs)) checkNumber('SeriesHandle.push', `series ${JSON.stringify(this.name)} timeMs`, timeMs)
    const cap = this.values.length
    this.values[this.head] = value
    this.times[this.head] = timeMs
    this.head = this.head + 1 === cap ? 0 : this.head + 1
    if (this.size < cap) this.size++
    this.total++
    this.model.touch(timeMs)
  }

  snapshot(): SeriesSnapshot {
    const cap = this.values.length
    const values: number[] = new Array(this.size)
    const times: number[] = new Array(this.size)
    let start = this.head - this.size
    if (start < 0) start += cap
    let min = Infinity
    let max = -Infinity
    for (let i = 0; i < this.size; i++) {
      const j = (start + i) % cap
      const v = this.values[j]
      values[i] = v
      times[i] = this.times[j]
      if (v < min) min = v
      if (v > max) max = v
    }
    const empty = this.size === 0
    return Object.freeze({
      name: this.name,
      values: Object.freeze(values),
      times: Object.freeze(times),
      total: this.total,
      last: empty ? undefined : values[this.size - 1],
      min: empty ? undefined : min,
      max: empty ? undefined : max,
    })
  }
}

class RateCounter {
  private readonly counts: Float64Array
  private readonly epochs: Float64Array // bucket index held by each slot, NaN when empty
  total = 0

  constructor(
    readonly channel: string,
    buckets: number,
  ) {
    this.counts = new Float64Array(buckets)
    this.epochs = new Float64Array(buckets).fill(NaN)
  }

  add(n: number, bucket: number): void {
    this.total += n
    const b = this.counts.length
    const slot = ((bucket % b) + b) % b
    const held = this.epochs[slot]
    if (held === bucket) {
      this.counts[slot] += n
    } else if (Number.isNaN(held) || bucket > held) {
      this.epochs[slot] = bucket
      this.counts[slot] = n
    }
    // else: older than a whole window behind the newest data in this slot: outside every window from now on
  }

  inWindow(nowBucket: number): number {
    const b = this.counts.length
    let sum = 0
    for (let i = 0; i < b; i++) {
      const e = this.epochs[i]
      if (e <= nowBucket && e > nowBucket - b) sum += this.counts[i]
    }
    return sum
  }
}

const VERDICTS: ReadonlySet<string> = new Set(['true', 'false', 'unknown'])

/**
 * Bounded state for a live dashboard.
 *
 * ```ts
 * const model = new DashboardModel({ points: 120 })
 * model.series('cpu').push(0.42, now)
 * model.count('cpu', 1, now)
 * model.verdict('G (spike -> F ack)', 'unknown')
 * model.lateness(0.8)
 * const s = model.snapshot() // frozen plain object
 * ```
 *
 * Rates: the window of `rateWindowMs` is cut into `rateBuckets` buckets of `rateWindowMs / rateBuckets`
 * ms; a message at time t lands in bucket `floor(t / bucketMs)`, and the rate at time `now` counts
 * the buckets in `(floor(now / bucketMs) - rateBuckets, floor(now / bucketMs)]` — exact at bucket
 * resolution, in O(1) per message and O(rateBuckets) memory per channel. Times may arrive out of
 * order; a message older than the window is counted in `total` only.
 *
 * Lateness: the last `latenessWindow` samples; p50/p99 are nearest-rank percentiles of them,
 * computed at snapshot time (O(window log window) per snapshot, O(1) per sample).
 */
export class DashboardModel {
  private readonly points: number
  private readonly maxMatches: number
  private readonly maxNames: number
  private readonly rateWindowMs: number
  private readonly rateBuckets: number
  private readonly bucketMs: number

  private readonly seriesByName = new Map<string, SeriesRing>()
  private readonly matchRing: (MatchSnapshot | undefined)[]
  private matchHead = 0
  private matchSize = 0
  private readonly verdictByFormula = new Map<
    string,
    {
      verdict: Verdict
      index: number | undefined
      changes: number
      updates: number
      time: number | undefined
      since: number | undefined
    }
  >()
  private readonly regimeRing: (RegimeSnapshot | undefined)[]
  private regimeHead = 0
  private regimeSize = 0
  private readonly lateRing: Float64Array
  private lateHead = 0
  private lateSize = 0
  private lateTotal = 0
  private readonly rateByChannel = new Map<string, RateCounter>()

  private latestTime: number | undefined
  private _version = 0
  private cached: DashboardSnapshot | undefined
  private cachedAt: number | undefined

  constructor(options: DashboardModelOptions = {}) {
    const fn = 'DashboardModel'
    checkOptions(fn, options, MODEL_OPTION_NAMES)
    const positive = (name: keyof DashboardModelOptions, fallback: number) =>
      checkInteger(fn, name, options[name] ?? fallback, { min: 1 })
    this.points = positive('points', DEFAULT_POINTS)
    this.maxMatches = positive('matches', DEFAULT_MATCHES)
    this.maxNames = positive('maxNames', DEFAULT_MAX_NAMES)
    this.lateRing = new Float64Array(positive('latenessWindow', DEFAULT_LATENESS_WINDOW))
    this.rateBuckets = positive('rateBuckets', DEFAULT_RATE_BUCKETS)
    const windowMs = checkPositive(fn, 'rateWindowMs', options.rateWindowMs ?? DEFAULT_RATE_WINDOW_MS)
    this.rateWindowMs = windowMs
    this.bucketMs = windowMs / this.rateBuckets
    this.matchRing = new Array(this.maxMatches).fill(undefined)
    this.regimeRing = new Array(positive('regimes', DEFAULT_REGIMES)).fill(undefined)
  }

  /** Increases with every write. */
  get version(): number {
    return this._version
  }

  /** @internal called by writes */
  touch(timeMs?: number): void {
    this._version++
    if (timeMs !== undefined && (this.latestTime === undefined || timeMs > this.latestTime)) this.latestTime = timeMs
  }

  /** The named series (created on first use). */
  series(name: string): SeriesHandle {
    checkString('DashboardModel.series', 'series name', name)
    let s = this.seriesByName.get(name)
    if (s === undefined) {
      if (this.seriesByName.size >= this.maxNames)
        throw new RangeError(
          `DashboardModel.series: too many series: ${this.maxNames} already (options.maxNames), cannot add ${JSON.stringify(name)}`,
        )
      s = new SeriesRing(name, this, this.points)
      this.seriesByName.set(name, s)
    }
    return s
  }

  /** Records a match; keeps the last `matches`. */
  match(info: MatchInfo): void {
    const fn = 'DashboardModel.match'
    if (info === null || typeof info !== 'object')
      throw new TypeError(`${fn}: match info must be an object, got ${describeValue(info)}`)
    const pattern = checkString(fn, 'match pattern', info.pattern)
    const start = checkNumber(fn, 'match start', info.start)
    const end = checkNumber(fn, 'match end', info.end)
    const distance = checkNumber(fn, 'match distance', info.distance)
    const given = info.time ?? info.endTime
    const time = given === undefined ? this.latestTime : checkNumber(fn, 'match time', given)
    const startTime = info.startTime === undefined ? undefined : checkNumber(fn, 'match startTime', info.startTime)
    const series = info.series === undefined ? undefined : checkString(fn, 'match series', info.series)
    this.matchRing[this.matchHead] = Object.freeze({ pattern, start, end, distance, time, startTime, series })
    this.matchHead = (this.matchHead + 1) % this.maxMatches
    if (this.matchSize < this.maxMatches) this.matchSize++
    this.touch(given === undefined ? undefined : time)
  }

  /**
   * Records a formula's current verdict (`true`/`false` booleans are accepted too), reached at event
   * `index` and time `timeMs` (default: the latest time seen), both optional.
   */
  verdict(formula: string, verdict: Verdict | boolean, index?: number, timeMs?: number): void {
    const fn = 'DashboardModel.verdict'
    checkString(fn, 'formula', formula)
    const v = verdict === true ? 'true' : verdict === false ? 'false' : verdict
    if (typeof v !== 'string' || !VERDICTS.has(v))
      throw new TypeError(
        `${fn}: verdict for ${JSON.stringify(formula)} must be 'true', 'false' or 'unknown', got ${describeValue(verdict)}`,
      )
    if (index !== undefined) checkNumber(fn, 'verdict index', index)
    if (timeMs !== undefined) checkNumber(fn, 'verdict timeMs', timeMs)
    const time = timeMs ?? this.latestTime
    const entry = this.verdictByFormula.get(formula)
    if (entry === undefined) {
      if (this.verdictByFormula.size >= this.maxNames)
        throw new RangeError(
          `${fn}: too many formulas: ${this.maxNames} already (options.maxNames), cannot add ${JSON.stringify(formula)}`,
        )
      this.verdictByFormula.set(formula, { verdict: v, index, changes: 0, updates: 1, time, since: time })
    } else {
      if (entry.verdict !== v) {
        entry.changes++
        entry.since = time
      }
      entry.verdict = v
      entry.index = index
      entry.updates++
      entry.time = time
    }
    this.touch(timeMs)
  }

  /**
   * Records that `series` was in `regime` from `startMs` to `endMs` (an `attractorWindow` report's
   * window); keeps the last `regimes`.
   */
  regime(series: string, regime: string, startMs: number, endMs: number): void {
    const fn = 'DashboardModel.regime'
    checkString(fn, 'series', series)
    checkString(fn, `regime of ${JSON.stringify(series)}`, regime)
    checkNumber(fn, `startMs of ${JSON.stringify(series)}`, startMs)
    checkNumber(fn, `endMs of ${JSON.stringify(series)}`, endMs, { min: startMs })
    this.regimeRing[this.regimeHead] = Object.freeze({ series, regime, startTime: startMs, endTime: endMs })
    this.regimeHead = (this.regimeHead + 1) % this.regimeRing.length
    if (this.regimeSize < this.regimeRing.length) this.regimeSize++
    this.touch(endMs)
  }

  /** Records a scheduler lateness sample (ms; negative means early). */
  lateness(ms: number): void {
    if (!Number.isFinite(ms)) checkNumber('DashboardModel.lateness', 'lateness', ms)
    this.lateRing[this.lateHead] = ms
    this.lateHead = (this.lateHead + 1) % this.lateRing.length
    if (this.lateSize < this.lateRing.length) this.lateSize++
    this.lateTotal++
    this.touch()
  }

  /** Counts `n` messages on `channel` at `timeMs`. */
  count(channel: string, n: number = 1, timeMs?: number): void {
    const fn = 'DashboardModel.count'
    checkString(fn, 'channel', channel)
    checkNumber(fn, `count for ${JSON.stringify(channel)}`, n, { min: 0 })
    const t = timeMs === undefined ? this.latestTime : checkNumber(fn, `timeMs for ${JSON.stringify(channel)}`, timeMs)
    if (t === undefined)
      throw new TypeError(`${fn}: count(${JSON.stringify(channel)}) needs timeMs: the model has seen no time yet`)
    let c = this.rateByChannel.get(channel)
    if (c === undefined) {
      if (this.rateByChannel.size >= this.maxNames)
        throw new RangeError(
          `${fn}: too many channels: ${this.maxNames} already (options.maxNames), cannot add ${JSON.stringify(channel)}`,
        )
      c = new RateCounter(channel, this.rateBuckets)
      this.rateByChannel.set(channel, c)
    }
    c.add(n, Math.floor(t / this.bucketMs))
    this.touch(t)
  }

  /**
   * A frozen plain object of the current state. Rates are computed at `nowMs` (default: the latest
   * time seen; an earlier `nowMs` is raised to it). Cached while nothing changes.
   */
  snapshot(nowMs?: number): DashboardSnapshot {
    if (nowMs !== undefined) checkNumber('DashboardModel.snapshot', 'nowMs', nowMs)
    const now =
      nowMs === undefined ? this.latestTime : this.latestTime === undefined ? nowMs : Math.max(nowMs, this.latestTime)
    if (this.cached !== undefined && this.cached.version === this._version && this.cachedAt === now) return this.cached

    const series = [...this.seriesByName.values()].map(s => s.snapshot())

    const matches = oldestFirst(this.matchRing, this.matchHead, this.matchSize)
    const regimes = oldestFirst(this.regimeRing, this.regimeHead, this.regimeSize)

    const verdicts = [...this.verdictByFormula].map(([formula, e]) =>
      Object.freeze({
        formula,
        verdict: e.verdict,
        index: e.index,
        changes: e.changes,
        updates: e.updates,
        time: e.time,
        since: e.since,
      }),
    )

    const sample =
      this.lateSize === this.lateRing.length ? this.lateRing.slice() : this.lateRing.slice(0, this.lateSize)
    sample.sort()
    const lateness = Object.freeze({
      count: this.lateSize,
      total: this.lateTotal,
      p50: nearestRank(sample, 50),
      p99: nearestRank(sample, 99),
      max: this.lateSize === 0 ? undefined : sample[this.lateSize - 1],
    })

    const nowBucket = now === undefined ? undefined : Math.floor(now / this.bucketMs)
    const rates = [...this.rateByChannel.values()].map(c => {
      const inWindow = nowBucket === undefined ? 0 : c.inWindow(nowBucket)
      return Object.freeze({
        channel: c.channel,
        rate: (inWindow * MS_PER_SECOND) / this.rateWindowMs,
        inWindow,
        total: c.total,
      })
    })

    const snap: DashboardSnapshot = Object.freeze({
      version: this._version,
      timeMs: now,
      series: Object.freeze(series),
      matches: Object.freeze(matches),
      verdicts: Object.freeze(verdicts),
      lateness,
      rates: Object.freeze(rates),
      regimes: Object.freeze(regimes),
    })
    this.cached = snap
    this.cachedAt = now
    return snap
  }
}

/** The `size` newest entries of a ring whose next write goes to `head`, oldest first. */
function oldestFirst<T>(ring: readonly (T | undefined)[], head: number, size: number): T[] {
  const out: T[] = []
  const n = ring.length
  for (let i = size; i >= 1; i--) {
    const entry = ring[(head - i + n) % n]
    if (entry !== undefined) out.push(entry)
  }
  return out
}
