/**
 * The main job, on embedded data: what midstream does today, end to end.
 *  1. Replays a recorded LLM answer stream in event time (its own timestamps drive a virtual
 *     scheduler), measuring time to first token, throughput per window and stalls, in milliseconds of
 *     the recording but without waiting for them.
 *  2. Finds a spike shape in a noisy telemetry stream with dtwMatch (SPRING), stretched copies included.
 *  3. Watches a sensor whose dynamics change (a cycle, chaos, a fault that is pure noise, a decay to
 *     rest) with attractorWindow: Lyapunov exponent, 0-1 test and permutation entropy per window.
 *  4. Runs a telemetry burst and a few alarms through two pipelines on one real NanoScheduler:
 *     alarms are delivered ahead of the backlog, and the scheduler reports its lateness.
 *  5. Measures timer precision: NanoScheduler against RxJS's asyncScheduler, same run.
 *  6. Guards the recorded LLM answer with temporal-logic rules (ltlGuard): a latency rule holds,
 *     a content rule cuts the answer off at the first token that breaks it.
 *  7. Learns a drifting concept online with metaLearn: candidates weighed by Hedge, ADWIN on the
 *     ensemble's loss, a self-modification rule held back by an LTL safety constraint.
 *
 * Each section prints its lines and returns a structured result (`DemoResult`); with `json: true`
 * only the results are printed, one JSON line each. Given a `DashboardModel`, the sections also feed
 * it while they run (see `cli/commands/demoDashboard.ts`, which draws it in the terminal).
 */

import {
  attractorWindow,
  createNanoScheduler,
  createVirtualNanoScheduler,
  dtwMatch,
  eventTime,
  GaussianNaiveBayes,
  LtlViolationError,
  ltlGuard,
  ltlVerdicts,
  metaLearn,
  type OnlineLearner,
  OnlineLogisticRegression,
  scheduleOn,
} from 'midstream'
import type { DashboardModel } from 'midstream/sinks'
import {
  asyncScheduler,
  bufferTime,
  connectable,
  debounceTime,
  filter,
  first,
  from,
  lastValueFrom,
  type SchedulerLike,
  Subject,
  tap,
} from 'rxjs'
import { recordedAnswer } from '../data/recordedAnswer'

export interface DemoOptions {
  /** Where lines go; default console.log. */
  print?: (line: string) => void
  /** Samples per precision measurement; default 200. */
  precisionSamples?: number
  /** Print one JSON line per section result instead of the prose. */
  json?: boolean
  /** A dashboard model the sections feed while they run (series, matches, verdicts, lateness, counts). */
  model?: DashboardModel
  /** A pause after each section, in ms, so a dashboard drawing `model` can redraw; default 0. */
  pauseMs?: number
  /** Called with each section's result as soon as it is ready. */
  onResult?: (result: DemoResult) => void
}

export interface ReplayResult {
  section: 'replay'
  tokens: number
  firstTokenMs: number
  durationMs: number
  windowMs: number
  windows: Array<{ startMs: number; endMs: number; tokens: number }>
  /** Tokens (their time in the recording) after which the model was silent for 200 ms or more. */
  stallsAfterMs: number[]
}

export interface DtwMatchResult {
  section: 'dtwMatch'
  readings: number
  pattern: string
  planted: Array<{ start: number; end: number; stretch: number }>
  matches: Array<{ pattern: string; start: number; end: number; distance: number }>
}

export interface AttractorWindowResult {
  section: 'attractorWindow'
  readings: number
  truth: Array<{ start: number; end: number; regime: string }>
  windows: Array<{
    start: number
    end: number
    regime: string
    permutationEntropy: number
    lyapunov: number | null
    k01: number | null
    reason: string
  }>
  elapsedMs: number
}

export interface SchedulerResult {
  section: 'scheduler'
  bursts: number
  perBurst: number
  alarms: { values: number; p50Ms: number; maxMs: number }
  bulk: { values: number; p50Ms: number; maxMs: number }
  tasks: number
  missedDeadlines: number
  smoothedCelsius: number
}

export interface TimerPrecisionResult {
  section: 'timerPrecision'
  samples: number
  delayMs: number
  nanoScheduler: LatenessSummary
  asyncScheduler: LatenessSummary
}

/** Lateness percentiles in microseconds. */
export interface LatenessSummary {
  p50Us: number
  p99Us: number
  maxUs: number
}

export interface LtlGuardResult {
  section: 'ltlGuard'
  rules: Array<{
    name: string
    formula: string
    verdicts: Array<{ verdict: string; final: boolean; index: number; timestampMs: number | null }>
  }>
  guardedText: string
  guardedTokens: number
  stoppedBy: { formula: string; index: number; timestampMs: number | null } | null
}

export interface MetaLearnResult {
  section: 'metaLearn'
  samples: number
  windows: Array<{ end: number; accuracy: number; favoured: string[] }>
  drifts: number[]
  accuracy: number
  modificationsApplied: number
  modificationsRefused: number
}

export type DemoResult =
  | ReplayResult
  | DtwMatchResult
  | AttractorWindowResult
  | SchedulerResult
  | TimerPrecisionResult
  | LtlGuardResult
  | MetaLearnResult

/** What a section gets: where its prose goes, and the model to feed (if any). */
interface Ctx {
  print: (line: string) => void
  model: DashboardModel | undefined
}

/** The wall clock the dashboard model is fed with (its rates are per second of it). */
const clock = (): number => Date.now()

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult[]> {
  const out = options.print ?? ((line: string) => console.log(line))
  const ctx: Ctx = { print: options.json ? () => undefined : out, model: options.model }
  const pauseMs = options.pauseMs ?? 0
  const results: DemoResult[] = []
  const done = async (result: DemoResult): Promise<void> => {
    results.push(result)
    if (options.json) out(JSON.stringify(result))
    options.onResult?.(result)
    if (pauseMs > 0) await new Promise(resolve => setTimeout(resolve, pauseMs))
  }
  ctx.print('midstream demo\n')
  await done(replayLlmAnswer(ctx))
  await done(matchPatterns(ctx))
  await done(regimeChanges(ctx))
  await done(await prioritisedTelemetry(ctx))
  await done(await timerPrecision(ctx, options.precisionSamples ?? 200))
  await done(guardAnswer(ctx))
  await done(learnDriftingConcept(ctx))
  return results
}

function learnDriftingConcept({ print, model }: Ctx): MetaLearnResult {
  print('7. A drifting concept learned online (metaLearn): SEA, thresholds 8, 9, 7, 9.5, 10% label noise (ceiling 90%)')
  // the SEA concepts stream: label 1 when x1 + x2 <= theta, theta changing every 5 000 samples
  let seed = 3
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647
  const observations: Array<{ x: number[]; y: number }> = []
  for (const theta of [8, 9, 7, 9.5]) {
    for (let i = 0; i < 5000; i++) {
      const x = [10 * random(), 10 * random(), 10 * random()]
      const label = x[0] + x[1] <= theta ? 1 : 0
      observations.push({ x, y: random() < 0.1 ? 1 - label : label })
    }
  }
  const logistic = (rate: number, averaging?: number) => (): OnlineLearner<number[], number, number> => {
    const model = new OnlineLogisticRegression(3, { learningRate: rate, averaging })
    const scaled = (x: number[]) => x.map(v => v / 10)
    return {
      predict: x => (model.predict(scaled(x)) > 0.5 ? 1 : 0),
      learn: (x, y) => model.learn(scaled(x), y as 0 | 1),
    }
  }
  const naiveBayes = (): OnlineLearner<number[], number, number> => {
    const model = new GaussianNaiveBayes<number>(3)
    return { predict: x => model.predict(x) ?? 0, learn: (x, y) => model.learn(x, y) }
  }
  let correct = 0
  let windowCorrect = 0
  let applied = 0
  let refused = 0
  const rows: string[] = []
  const windows: MetaLearnResult['windows'] = []
  const drifts: number[] = []
  from(observations)
    .pipe(
      metaLearn<number[], number, number>({
        task: 'classification',
        candidates: { averaged: logistic(0.5, 0.002), plain: logistic(0.5), naiveBayes },
        // when the ensemble is doing badly, start the selector over; never twice in a row
        rules: [
          {
            name: 'restartSelector',
            when: s => s.ensembleLoss > 0.2,
            apply: c => c.resetSelector(),
            events: ['switch'],
          },
        ],
        safety: ['G (switch -> X !switch)'],
      }),
    )
    .subscribe(step => {
      const right = step.prediction === observations[step.index].y ? 1 : 0
      correct += right
      windowCorrect += right
      applied += step.modifications.applied.length
      refused += step.modifications.refused.length
      if (step.drift) {
        drifts.push(step.index)
        rows.push(`   drift detected at ${step.index} (level 1 resets the candidates and the weights)`)
      }
      if ((step.index + 1) % 2500 === 0) {
        const favoured = [String(step.levels[1].belief), String(step.levels[2].belief)]
        windows.push({ end: step.index + 1, accuracy: windowCorrect / 2500, favoured })
        rows.push(
          `   ${String(step.index + 1).padStart(6)}: last 2 500 ${((windowCorrect / 2500) * 100).toFixed(1)}% right, favoured ${favoured[0]}, ${favoured[1]}`,
        )
        model?.series('metaLearn accuracy %').push((windowCorrect / 2500) * 100, clock())
        model?.count('SEA samples', 2500, clock())
        windowCorrect = 0
      }
    })
  for (const row of rows) print(row)
  print(
    `   prequential accuracy ${((correct / observations.length) * 100).toFixed(1)}%; self-modifications applied ${applied}, refused by 'G (switch -> X !switch)' ${refused}`,
  )
  print('')
  return {
    section: 'metaLearn',
    samples: observations.length,
    windows,
    drifts,
    accuracy: correct / observations.length,
    modificationsApplied: applied,
    modificationsRefused: refused,
  }
}

function guardAnswer({ print, model }: Ctx): LtlGuardResult {
  print('6. The recorded answer under temporal-logic guards (ltlGuard, ltlVerdicts)')
  type Token = readonly [number, string]
  const atoms = {
    token: () => true,
    // a stand-in for a policy: the answer must not speak of yesterday
    yesterday: ([, text]: Token) => text.trim() === 'yesterday',
    stop: ([, text]: Token) => text.trim() === '.',
  }
  const time = ([t]: Token) => t
  const rules = {
    // the first token within 500 ms, and a sentence never left open for more than 2 s
    latency: 'F[0,500ms] token && G (token -> F[0,2s] stop)',
    policy: 'G !yesterday',
  }
  const checked: LtlGuardResult['rules'] = []
  for (const [name, rule] of Object.entries(rules)) {
    const changes: string[] = []
    const verdicts: LtlGuardResult['rules'][number]['verdicts'] = []
    from(recordedAnswer)
      .pipe(ltlVerdicts(rule, { atoms, time }))
      .subscribe(v => {
        changes.push(`${v.final ? 'at the end' : `after token #${v.index} (${v.timestamp} ms)`}: ${v.verdict}`)
        verdicts.push({ verdict: v.verdict, final: v.final, index: v.index, timestampMs: v.timestamp ?? null })
        // the dashboard keeps the event that decided the verdict (a final verdict that repeats it adds nothing)
        if (!v.final || verdicts.length === 1) model?.verdict(rule, v.verdict, v.index)
      })
    checked.push({ name, formula: rule, verdicts })
    print(`   ${name}: ${rule}`)
    print(`     verdicts: ${changes.join('; ')}`)
  }
  let text = ''
  let tokens = 0
  let stoppedBy: LtlGuardResult['stoppedBy'] = null
  let stoppedText = 'nothing'
  from(recordedAnswer)
    .pipe(ltlGuard(rules, { atoms, time }))
    .subscribe({
      next: ([, t]) => {
        text += t
        tokens++
        model?.count('guarded tokens', 1, clock())
      },
      error: e => {
        if (e instanceof LtlViolationError) {
          stoppedBy = { formula: e.formula, index: e.index, timestampMs: e.timestamp ?? null }
          stoppedText = `${e.formula} at token #${e.index} (${e.timestamp} ms)`
        } else stoppedText = String(e)
      },
    })
  print(`   guarded answer: "${text.trim()}"`)
  print(`   stopped by: ${stoppedText}`)
  print('')
  return { section: 'ltlGuard', rules: checked, guardedText: text.trim(), guardedTokens: tokens, stoppedBy }
}

function replayLlmAnswer({ print, model }: Ctx): ReplayResult {
  print('1. A recorded LLM answer, replayed in event time')
  const scheduler = createVirtualNanoScheduler()
  // one replay shared by three analyses, each on the recording's own clock
  const tokens = connectable(from(recordedAnswer).pipe(eventTime(scheduler, { time: ([t]) => t })))
  const windowMs = 500
  const rows: string[] = []
  const windows: ReplayResult['windows'] = []
  let firstTokenAt = NaN
  const stalls: number[] = []
  tokens.pipe(first()).subscribe(([t]) => (firstTokenAt = t))
  let windowIndex = 0
  tokens.pipe(bufferTime(windowMs, scheduler)).subscribe(batch => {
    const start = windowIndex++ * windowMs
    if (batch.length > 0 || start < recordedAnswer[recordedAnswer.length - 1][0]) {
      rows.push(
        `   ${String(start).padStart(5)}-${String(start + windowMs).padEnd(5)} ms ${String(batch.length).padStart(3)} tokens  ${'#'.repeat(batch.length)}`,
      )
      windows.push({ startMs: start, endMs: start + windowMs, tokens: batch.length })
      model?.series(`LLM tokens per ${windowMs} ms`).push(batch.length, clock())
      model?.count('LLM tokens', batch.length, clock())
    }
  })
  // debounce emits a token after which 200 ms passed in silence: the model stalled there
  tokens.pipe(debounceTime(200, scheduler)).subscribe(([t]) => stalls.push(t))
  tokens.connect()
  scheduler.flush()
  const last = recordedAnswer[recordedAnswer.length - 1][0]
  print(`   time to first token ${firstTokenAt} ms; ${recordedAnswer.length} tokens in ${last} ms of recording`)
  for (const row of rows) print(row)
  const midStalls = stalls.filter(t => t < last)
  print(`   stalls of 200 ms or more after the tokens at: ${midStalls.map(t => `${t} ms`).join(', ') || 'none'}`)
  print('')
  return {
    section: 'replay',
    tokens: recordedAnswer.length,
    firstTokenMs: firstTokenAt,
    durationMs: last,
    windowMs,
    windows,
    stallsAfterMs: midStalls,
  }
}

function matchPatterns({ print, model }: Ctx): DtwMatchResult {
  print('2. A spike shape found in a noisy telemetry stream (dtwMatch, SPRING), stretched copies included')
  const spike = [0, 1, 3, 7, 4, 2, 1, 0]
  // deterministic noise, and the spike planted at known places, stretched 1x, 1.5x and 2x
  let seed = 11
  const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.6
  const readings: number[] = []
  const planted: DtwMatchResult['planted'] = []
  for (const stretch of [1, 1.5, 2]) {
    for (let k = 0; k < 60; k++) readings.push(noise())
    const length = Math.round(spike.length * stretch)
    planted.push({ start: readings.length, end: readings.length + length - 1, stretch })
    for (let j = 0; j < length; j++)
      readings.push(spike[Math.min(spike.length - 1, Math.floor(j / stretch))] + noise() * 0.3)
  }
  for (let k = 0; k < 60; k++) readings.push(noise())
  const matches: DtwMatchResult['matches'] = []
  from(readings)
    .pipe(
      tap(v => {
        model?.series('telemetry').push(v, clock())
        model?.count('telemetry', 1, clock())
      }),
      dtwMatch({ spike }, { threshold: 6 }),
    )
    .subscribe(m => {
      matches.push({ pattern: m.pattern, start: m.start, end: m.end, distance: m.distance })
      model?.match({ pattern: m.pattern, start: m.start, end: m.end, distance: m.distance, time: clock() })
    })
  print(
    `   ${readings.length} readings; planted at ${planted.map(({ start, end }) => `[${start}, ${end}]`).join(', ')}`,
  )
  print(
    `   found ${matches.length}: ${matches.map(m => `[${m.start}, ${m.end}] (distance ${m.distance.toFixed(2)})`).join(', ')}`,
  )
  print('')
  return { section: 'dtwMatch', readings: readings.length, pattern: 'spike', planted, matches }
}

function regimeChanges({ print, model }: Ctx): AttractorWindowResult {
  print('3. A sensor whose dynamics change, watched with attractorWindow (500 values, every 250)')
  // a logistic-map oscillator at r = 3.5 (period 4), then r = 3.9 (chaos), then a fault that reads
  // pure noise, then a ring-down to rest: 5 000 readings with known regimes
  const readings: number[] = []
  let x = 0.4
  for (const r of [3.5, 3.9]) {
    for (let i = 0; i < 1500; i++) readings.push((x = r * x * (1 - x)))
  }
  let seed = 7
  for (let i = 0; i < 1000; i++) readings.push((seed = (seed * 16807) % 2147483647) / 2147483647)
  for (let i = 0; i < 1000; i++) readings.push(0.5 + 0.4 * Math.exp(-i / 120) * Math.cos(i / 3))
  const started = performance.now()
  const windows: AttractorWindowResult['windows'] = []
  from(readings)
    .pipe(
      tap({
        next: (() => {
          let i = 0
          // every 40th reading on the chart (125 points for the 5 000), every one in the count
          return (v: number) => {
            if (i++ % 40 === 0) model?.series('sensor').push(v, clock())
            model?.count('sensor', 1, clock())
          }
        })(),
      }),
      attractorWindow({ window: 500, hop: 250 }),
    )
    .subscribe(w => {
      const chaotic = !Number.isNaN(w.lyapunov)
      windows.push({
        start: w.start,
        end: w.end,
        regime: w.regime,
        permutationEntropy: w.permutationEntropy,
        lyapunov: chaotic ? w.lyapunov : null,
        k01: chaotic ? w.k01 : null,
        reason: w.reason,
      })
      const figures = chaotic ? `  lambda ${w.lyapunov.toFixed(3).padStart(6)}  K ${w.k01.toFixed(2).padStart(5)}` : ''
      print(
        `   ${String(w.start).padStart(4)}-${String(w.end).padEnd(4)} ${w.regime.padEnd(11)} PE ${w.permutationEntropy.toFixed(2)}${figures}  ${w.reason.split(':')[0]}`,
      )
    })
  const elapsedMs = performance.now() - started
  print(
    `   truth: limit-cycle 0-1499, chaotic 1500-2999, noise 3000-3999, fixed-point 4000-4999; ${windows.length} windows in ${elapsedMs.toFixed(0)} ms`,
  )
  print('')
  const truth = [
    { start: 0, end: 1499, regime: 'limit-cycle' },
    { start: 1500, end: 2999, regime: 'chaotic' },
    { start: 3000, end: 3999, regime: 'noise' },
    { start: 4000, end: 4999, regime: 'fixed-point' },
  ]
  return { section: 'attractorWindow', readings: readings.length, truth, windows, elapsedMs }
}

async function prioritisedTelemetry({ print, model }: Ctx): Promise<SchedulerResult> {
  const bursts = 20
  const perBurst = 2000
  print(
    `4. One NanoScheduler, two pipelines: ${bursts} bursts of ${perBurst} telemetry readings (priority low) and the alarms among them (critical)`,
  )
  const scheduler = createNanoScheduler({ policy: 'priority' })
  const readings = new Subject<Reading>()
  const bulkLatency: number[] = []
  const alarmLatency: number[] = []
  let smoothed = 0
  const done = Promise.all([
    lastValueFrom(
      readings.pipe(
        scheduleOn(scheduler, { priority: 'low', batchSize: 64 }),
        tap(r => {
          smoothed = exponentialSmoothing(smoothed, r.celsius)
          bulkLatency.push(scheduler.now() - r.at)
        }),
      ),
      { defaultValue: undefined },
    ),
    lastValueFrom(
      readings.pipe(
        filter(r => r.celsius > 49.5),
        scheduleOn(scheduler, { priority: 'critical', deadline: 1 }),
        tap(r => {
          const late = scheduler.now() - r.at
          alarmLatency.push(late)
          // the dashboard's lateness panel: how long after it was read each alarm was delivered
          model?.lateness(late)
          model?.count('alarms', 1, clock())
        }),
      ),
      { defaultValue: undefined },
    ),
  ])
  let i = 0
  for (let b = 0; b < bursts; b++) {
    for (let k = 0; k < perBurst; k++, i++)
      readings.next({ i, celsius: 40 + 9 * Math.sin(i / 700) + ((i * 7919) % 13) / 13, at: scheduler.now() })
    model?.count('bulk readings', perBurst, clock())
    await new Promise(resolve => setTimeout(resolve, 1))
  }
  readings.complete()
  await done
  const stats = scheduler.stats()
  const alarms = { values: alarmLatency.length, p50Ms: median(alarmLatency), maxMs: Math.max(...alarmLatency) }
  const bulk = { values: bulkLatency.length, p50Ms: median(bulkLatency), maxMs: Math.max(...bulkLatency) }
  print('   pipeline   values   delivery latency p50     max')
  print(
    `   alarms   ${String(alarms.values).padStart(8)}   ${ms(alarms.p50Ms).padStart(12)}  ${ms(alarms.maxMs).padStart(9)}`,
  )
  print(
    `   bulk     ${String(bulk.values).padStart(8)}   ${ms(bulk.p50Ms).padStart(12)}  ${ms(bulk.maxMs).padStart(9)}`,
  )
  print(
    `   ${stats.completed} scheduled tasks carried ${alarms.values + bulk.values} values; ${stats.missedDeadlines} alarm deadlines (1 ms) missed; smoothed temperature ${smoothed.toFixed(2)} C`,
  )
  print('')
  return {
    section: 'scheduler',
    bursts,
    perBurst,
    alarms,
    bulk,
    tasks: stats.completed,
    missedDeadlines: stats.missedDeadlines,
    smoothedCelsius: smoothed,
  }
}

interface Reading {
  i: number
  celsius: number
  at: number
}

/** The bulk pipeline's per-reading work: a deliberately heavy smoothing step, so a backlog forms. */
function exponentialSmoothing(previous: number, x: number): number {
  let s = previous
  for (let k = 0; k < 200; k++) s = 0.999 * s + 0.001 * x + 1e-9 * Math.sin(s)
  return s
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

function ms(value: number): string {
  return `${value.toFixed(3)} ms`
}

async function timerPrecision({ print }: Ctx, samples: number): Promise<TimerPrecisionResult> {
  print(`5. Timer precision: ${samples} sequential timers 1 ms ahead (lateness = start - due)`)
  const nano = await lateness(createNanoScheduler(), 1, samples)
  const rx = await lateness(asyncScheduler, 1, samples)
  print('   scheduler             p50        p99        max')
  print(`   NanoScheduler   ${fmt(nano)}`)
  print(`   asyncScheduler  ${fmt(rx)}`)
  print(
    `   asyncScheduler p99 / NanoScheduler p99 = ${(rx.p99 / nano.p99).toFixed(1)} (medians: ${(rx.p50 / nano.p50).toFixed(0)}x)`,
  )
  const us = (s: { p50: number; p99: number; max: number }): LatenessSummary => ({
    p50Us: s.p50 / 1000,
    p99Us: s.p99 / 1000,
    maxUs: s.max / 1000,
  })
  return { section: 'timerPrecision', samples, delayMs: 1, nanoScheduler: us(nano), asyncScheduler: us(rx) }
}
async function lateness(
  scheduler: SchedulerLike,
  delayMs: number,
  n: number,
): Promise<{ p50: number; p99: number; max: number }> {
  const samples = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    samples[i] = await new Promise<number>(resolve => {
      const due = performance.now() + delayMs
      scheduler.schedule(() => resolve(performance.now() - due), delayMs)
    })
  }
  samples.sort()
  const at = (q: number) => samples[Math.min(n - 1, Math.ceil(q * n) - 1)] * 1e6
  return { p50: at(0.5), p99: at(0.99), max: samples[n - 1] * 1e6 }
}

function fmt(s: { p50: number; p99: number; max: number }): string {
  return [s.p50, s.p99, s.max].map(ns => us(ns).padStart(9)).join('  ')
}

function us(ns: number): string {
  return `${(ns / 1000).toFixed(1)} us`
}
