import { type MonoTypeOperatorFunction, tap } from 'rxjs'
import { describeValue } from '../../src/errors'
import type { Verdict } from '../../src/ltl/monitor'
import { checkFunction, checkOptions, checkString } from '../../src/validate'
import type { RestreamHealthSample } from '../metrics'
import type { DashboardModel, MatchInfo } from './model'

const SINK_OPTION_NAMES: readonly string[] = ['series', 'count', 'match', 'verdicts', 'lateness', 'time']

/** What `dashboardSink` reads from each value; every field is optional. */
export interface DashboardSinkOptions<T> {
  /** Series to feed: name -> the value's number (return undefined to skip). */
  readonly series?: Readonly<Record<string, (value: T) => number | undefined>>
  /** Counts each value on this channel (or on the channel a function returns). */
  readonly count?: string | ((value: T) => string | undefined)
  /** A match carried by the value, if any (e.g. `(e) => e` after `dtwMatch`). */
  readonly match?: (value: T) => MatchInfo | undefined
  /** Verdicts carried by the value: formula -> verdict (e.g. `(a) => a.verdicts` after `ltlGuard(..., { onViolation: 'annotate' })`). */
  readonly verdicts?: (value: T) => Readonly<Record<string, Verdict>> | undefined
  /** Scheduler lateness in ms carried by the value, if any. */
  readonly lateness?: (value: T) => number | undefined
  /** Each value's time in ms. Default `Date.now()` at arrival (the model itself never reads a clock). */
  readonly time?: (value: T) => number
}

/**
 * Feeds `model` from a stream and passes every value through unchanged (a `tap`). A selector that
 * throws, or bad data (NaN, empty name), errors the stream with the model's TypeError/RangeError.
 * Emits each value; completes and errors with the source. Bad arguments throw a
 * `TypeError`/`RangeError` starting `dashboardSink: `.
 *
 * ```ts
 * readings$.pipe(dashboardSink(model, { series: { cpu: (r) => r.cpu }, count: 'cpu', time: (r) => r.at }))
 * ```
 */
export function dashboardSink<T>(model: DashboardModel, options: DashboardSinkOptions<T>): MonoTypeOperatorFunction<T> {
  return feedModel('dashboardSink', model, options)
}

function feedModel<T>(
  fn: string,
  model: DashboardModel,
  options: DashboardSinkOptions<T>,
): MonoTypeOperatorFunction<T> {
  if (model === null || typeof model !== 'object' || typeof model.snapshot !== 'function')
    throw new TypeError(`${fn}: model must be a DashboardModel, got ${describeValue(model)}`)
  checkOptions(fn, options, SINK_OPTION_NAMES, true)
  const { count, match, verdicts, lateness } = options
  if (options.series !== undefined && (options.series === null || typeof options.series !== 'object'))
    throw new TypeError(`${fn}: series must be an object of name -> function, got ${describeValue(options.series)}`)
  for (const [name, select] of Object.entries(options.series ?? {})) {
    checkString(fn, 'series name', name)
    checkFunction(fn, `series ${JSON.stringify(name)}`, select, false)
  }
  if (typeof count !== 'function' && count !== undefined) checkString(fn, 'count', count)
  for (const [name, value] of [
    ['match', match],
    ['verdicts', verdicts],
    ['lateness', lateness],
    ['time', options.time],
  ])
    checkFunction(fn, name as string, value)
  const series = Object.entries(options.series ?? {}).map(([name, select]) => [model.series(name), select] as const)
  const time = options.time ?? (() => Date.now())
  let index = 0
  return tap((value: T) => {
    const t = time(value)
    for (const [handle, select] of series) {
      const x = select(value)
      if (x !== undefined) handle.push(x, t)
    }
    const channel = typeof count === 'function' ? count(value) : count
    if (channel !== undefined) model.count(channel, 1, t)
    const m = match?.(value)
    if (m !== undefined) model.match(m.time === undefined && m.endTime === undefined ? { ...m, time: t } : m)
    const v = verdicts?.(value)
    if (v !== undefined) for (const formula of Object.keys(v)) model.verdict(formula, v[formula], index, t)
    const l = lateness?.(value)
    if (l !== undefined) model.lateness(l)
    index++
  })
}

/** Pushes `select(value)` onto series `name` and passes the value through. */
export function tapSeries<T>(
  model: DashboardModel,
  name: string,
  select: (value: T) => number,
  time?: (value: T) => number,
): MonoTypeOperatorFunction<T> {
  checkString('tapSeries', 'name', name)
  return feedModel<T>('tapSeries', model, { series: { [name]: select }, time })
}

/** Counts each value on `channel` (for its rate) and passes it through. */
export function tapCount<T>(
  model: DashboardModel,
  channel: string,
  time?: (value: T) => number,
): MonoTypeOperatorFunction<T> {
  checkString('tapCount', 'channel', channel)
  return feedModel<T>('tapCount', model, { count: channel, time })
}

/**
 * Feeds a dashboard from a `restream`'s health (`midstream/media`) and passes every value through:
 * series `<name> fps`, `<name> speed`, `<name> kbit/s` (when ffmpeg reports a bitrate; not through
 * its tee muxer) and `<name> out s` (output time of the current run), and counts `<name> restarts`
 * on each reconnect and `<name> output failures` on each output that failed. Times are arrival
 * times unless `time` is given. Emits each value; completes and errors with the source.
 *
 * ```ts
 * restream(input, outputs).pipe(restreamDashboard(model, 'show')).subscribe()
 * ```
 */
export function restreamDashboard<T extends RestreamHealthSample>(
  model: DashboardModel,
  name = 'restream',
  time?: (value: T) => number,
): MonoTypeOperatorFunction<T> {
  checkString('restreamDashboard', 'name', name)
  return feedModel<T>('restreamDashboard', model, {
    series: {
      [`${name} fps`]: h => h.fps,
      [`${name} speed`]: h => h.speed,
      [`${name} kbit/s`]: h => h.bitrateKbps,
      [`${name} out s`]: h => (h.outTimeMs === undefined ? undefined : h.outTimeMs / 1000),
    },
    count: h =>
      h.event === 'reconnecting' ? `${name} restarts` : h.event === 'output' ? `${name} output failures` : undefined,
    time,
  })
}
