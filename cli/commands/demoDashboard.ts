/**
 * The demo with the terminal dashboard: runs `runDemo` while it feeds a `DashboardModel` (LLM tokens
 * per window, the telemetry and sensor series, dtwMatch matches, ltlGuard verdicts, alarm delivery
 * lateness on the NanoScheduler, per-channel counts) and draws it with `renderDashboard`, then stops
 * the dashboard (no interval, no ink instance left behind) and prints a short summary per section.
 *
 * `midstream/terminal` (ink, React) and `midstream/sinks` are imported here lazily, only when this
 * runs, so `midstream demo --json` and runs without a dashboard never load them.
 */
import { type DemoOptions, type DemoResult, runDemo } from './demo'

export interface DemoDashboardOptions extends Pick<DemoOptions, 'precisionSamples'> {
  /** Where the summary goes after the dashboard stopped; default console.log. */
  print?: (line: string) => void
  /** Where the dashboard draws; default process.stdout. */
  stdout?: NodeJS.WriteStream
  /** Pause after each section so the dashboard shows it, in ms; default 500. */
  pauseMs?: number
  /** Dashboard refresh period in ms; default 100 (ink draws in a worker thread: a frame costs the demo a snapshot). */
  refreshMs?: number
}

export const DASHBOARD_TITLE = 'midstream demo'

export async function runDemoWithDashboard(options: DemoDashboardOptions = {}): Promise<DemoResult[]> {
  const print = options.print ?? ((line: string) => console.log(line))
  const [{ DashboardModel }, { renderDashboard }] = await Promise.all([
    import('midstream/sinks'),
    import('midstream/terminal'),
  ])
  const model = new DashboardModel({ points: 125, matches: 8 })
  const ui = renderDashboard(model, {
    title: DASHBOARD_TITLE,
    refreshMs: options.refreshMs ?? 100,
    stdout: options.stdout,
    now: () => Date.now(),
  })
  let results: DemoResult[]
  try {
    // the sections' prose would tear through ink's frames: keep it, show the summary afterwards
    results = await runDemo({
      print: () => undefined,
      precisionSamples: options.precisionSamples,
      model,
      pauseMs: options.pauseMs ?? 500,
    })
  } finally {
    ui.stop()
    await ui.closed() // the renderer's last frame is out before the summary below
  }
  print('')
  print(`${DASHBOARD_TITLE}: ${ui.frames()} dashboard frames`)
  for (const result of results) print(`  ${summarise(result)}`)
  return results
}

/** One line per section result. */
export function summarise(r: DemoResult): string {
  switch (r.section) {
    case 'replay':
      return `replay: first token at ${r.firstTokenMs} ms, ${r.tokens} tokens in ${r.durationMs} ms; stalls after ${r.stallsAfterMs.map(t => `${t} ms`).join(', ') || 'none'}`
    case 'dtwMatch':
      return `dtwMatch: ${r.matches.length} of ${r.planted.length} planted spikes found in ${r.readings} readings: ${r.matches.map(m => `[${m.start}, ${m.end}]`).join(', ')}`
    case 'attractorWindow': {
      const regimes = r.windows.map(w => w.regime).filter((x, i, all) => i === 0 || all[i - 1] !== x)
      return `attractorWindow: ${r.windows.length} windows, regimes in order: ${regimes.join(' > ')}`
    }
    case 'scheduler':
      return `scheduler: alarms p50 ${r.alarms.p50Ms.toFixed(3)} ms (${r.alarms.values}), bulk p50 ${r.bulk.p50Ms.toFixed(3)} ms (${r.bulk.values}); ${r.missedDeadlines} deadlines missed`
    case 'timerPrecision':
      return `timer precision: p50 NanoScheduler ${r.nanoScheduler.p50Us.toFixed(1)} us, asyncScheduler ${r.asyncScheduler.p50Us.toFixed(1)} us (${r.samples} timers)`
    case 'ltlGuard':
      return `ltlGuard: ${r.stoppedBy ? `stopped by ${r.stoppedBy.formula} at token #${r.stoppedBy.index} (${r.stoppedBy.timestampMs} ms)` : 'the answer passed every rule'}, ${r.guardedTokens} tokens let through`
    case 'metaLearn':
      return `metaLearn: prequential accuracy ${(r.accuracy * 100).toFixed(1)}%, ${r.drifts.length} drifts, self-modifications applied ${r.modificationsApplied}, refused ${r.modificationsRefused}`
  }
}
