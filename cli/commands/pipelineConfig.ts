/**
 * The pipelines config shared by `midstream serve` and `midstream worker`: channels, the field that
 * holds each message's value and time, and the analyses (dtwMatch, attractorWindow, ltl) run on them.
 */
import { readFile } from 'node:fs/promises'
import { attractorWindow, dtwMatch, ltlVerdicts, type OperatorState } from 'midstream'
import type { DashboardModel, metrics } from 'midstream/sinks'
import type { OperatorFunction } from 'rxjs'
import { parse as parseYaml } from 'yaml'
import { CliError } from '../io'

/** One analysis of a channel's values, as written in the config file. */
export type AnalysisConfig =
  | { dtwMatch: { patterns: Record<string, number[]>; threshold: number; band?: number; normalize?: boolean } }
  | { attractorWindow: { window: number; hop?: number } }
  | { ltl: { formula: string; atoms?: Record<string, string> } }

/** A pipelines config file: `{ channels: { <name>: { value, time, analyses } } }`. */
export interface ServeConfig {
  /** Channels clients send on; each message is a number or an object. */
  channels: Record<
    string,
    {
      /** Field holding the number to analyse (dotted path); default: the message itself. */
      value?: string
      /** Field holding the event time in ms; default: arrival time (`serve`), no time (`worker`). */
      time?: string
      analyses?: AnalysisConfig[]
      /** `worker` only: the field whose value is each message's key (each key gets its own pipelines and state). */
      key?: string
      /** `worker` only: how many partitions the channel's stream is split into (default the --partitions option). */
      partitions?: number
      /** `worker` only: the Redis stream the channel's messages are appended to (default the channel's name). */
      input?: string
      /** `worker` only: the output streams' base name (default `<channel>:out`). */
      output?: string
    }
  >
}

/** A file's text, or a CliError naming `what` and the path. */
export async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    throw new CliError(
      `cannot read the ${what} ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    )
  }
}

/** Reads and parses a config file (YAML by extension, else JSON). */
export async function readConfig(path: string): Promise<ServeConfig> {
  const text = await readText(path, 'config')
  let parsed: unknown
  try {
    parsed = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text)
  } catch (error) {
    throw new CliError(
      `config ${JSON.stringify(path)} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(error as Error).message.split('\n')[0]}`,
    )
  }
  if (
    parsed === null ||
    typeof parsed !== 'object' ||
    typeof (parsed as ServeConfig).channels !== 'object' ||
    (parsed as ServeConfig).channels === null
  )
    throw new CliError(`config ${JSON.stringify(path)}: needs a "channels" object`)
  return parsed as ServeConfig
}

/** One analysis, ready to build per stream: its label, the operator, and how its results are recorded. */
export interface AnalysisPlan {
  label: string
  /** The operator, fresh; with `state`, started from and checkpointed through that handle. */
  make(state?: OperatorState): OperatorFunction<unknown, unknown>
  record(result: unknown, channel: string, model: DashboardModel, m: ReturnType<typeof metrics>): void
}

/** Builds the plan of one analysis of the config (at: its position, for error messages). */
export function analysisPlan(
  analysis: AnalysisConfig,
  at: string,
  value: ((x: unknown) => unknown) | undefined,
  time: ((x: unknown) => unknown) | undefined,
): AnalysisPlan {
  const select = (message: unknown): number => Number(value ? value(message) : message)
  const timeOf = time === undefined ? undefined : (message: unknown): number => Number(time(message))
  const guarded = <T>(make: () => T): T => {
    try {
      return make()
    } catch (error) {
      throw new CliError(`config ${at}: ${(error as Error).message}`)
    }
  }
  if ('dtwMatch' in analysis) {
    const { patterns, ...rest } = analysis.dtwMatch ?? ({} as never)
    return {
      label: 'dtwMatch',
      make: state =>
        guarded(
          () =>
            dtwMatch(patterns, { ...rest, select, time: timeOf, state: state as never }) as OperatorFunction<
              unknown,
              unknown
            >,
        ),
      record: recordMatch,
    }
  }
  if ('attractorWindow' in analysis) {
    return {
      label: 'attractorWindow',
      make: state =>
        guarded(
          () =>
            attractorWindow({
              ...analysis.attractorWindow,
              select,
              time: timeOf,
              state: state as never,
            }) as OperatorFunction<unknown, unknown>,
        ),
      record: recordRegime,
    }
  }
  if ('ltl' in analysis) {
    const { formula, atoms = {} } = analysis.ltl ?? ({} as never)
    const predicates = Object.fromEntries(
      Object.entries(atoms).map(([atom, field]) => [
        atom,
        truthy(accessor(field, `${at}.ltl.atoms.${atom}`) as (x: unknown) => unknown),
      ]),
    )
    return {
      label: formula,
      make: state =>
        guarded(
          () =>
            ltlVerdicts<unknown>(formula, {
              atoms: predicates,
              closedWorld: Object.keys(atoms).length === 0,
              time: timeOf,
              state: state as never,
            }) as OperatorFunction<unknown, unknown>,
        ),
      record: (result, channel, model, m) => {
        const change = result as { verdict: 'true' | 'false' | 'unknown'; index: number; timestamp?: number }
        model.verdict(formula, change.verdict, change.index, change.timestamp)
        m.countVerdict(channel, formula, change.verdict)
      },
    }
  }
  throw new CliError(
    `config ${at}: an analysis is one of dtwMatch, attractorWindow, ltl; got ${JSON.stringify(Object.keys(analysis ?? {}))}`,
  )
}

/** Records a `dtwMatch` event: in the model with its span and channel, and in the metrics. */
function recordMatch(result: unknown, channel: string, model: DashboardModel, m: ReturnType<typeof metrics>): void {
  const match = result as {
    pattern: string
    start: number
    end: number
    distance: number
    startTime?: number
    endTime?: number
  }
  model.match({
    pattern: match.pattern,
    start: match.start,
    end: match.end,
    distance: match.distance,
    time: match.endTime,
    startTime: match.startTime,
    series: channel,
  })
  m.countMatch(channel, match.pattern)
}

/** Records an `attractorWindow` report: the regime as a verdict and a band, lambda as a series. */
function recordRegime(result: unknown, channel: string, model: DashboardModel): void {
  const report = result as { regime: string; lyapunov: number; startTime?: number; endTime?: number }
  model.verdict(`${channel} regime`, report.regime === 'chaotic' ? 'false' : 'true', undefined, report.endTime)
  // the window's own times when the channel has event times: a wall-clock time here would put the
  // dashboard's clock (its rate window) in another epoch than the channel's data
  if (report.startTime !== undefined && report.endTime !== undefined)
    model.regime(channel, report.regime, report.startTime, report.endTime)
  if (Number.isFinite(report.lyapunov))
    model.series(`${channel} lyapunov`).push(report.lyapunov, report.endTime ?? Date.now())
}

function truthy(read: (x: unknown) => unknown): (event: unknown) => boolean {
  return event => Boolean(read(event))
}

/** A reader of the dotted field `path`, or undefined without one. */
export function accessor(path: string | undefined, at: string): ((x: unknown) => unknown) | undefined {
  if (path === undefined) return undefined
  if (typeof path !== 'string' || path === '')
    throw new CliError(`config ${at}: must be a field name (dotted path), got ${JSON.stringify(path)}`)
  const keys = path.split('.')
  return x => {
    let current: unknown = x
    for (const key of keys)
      current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined
    return current
  }
}
