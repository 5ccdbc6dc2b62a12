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
 */
import { Subject, asyncScheduler, bufferTime, connectable, debounceTime, filter, first, from, lastValueFrom, tap, type SchedulerLike } from 'rxjs'
import { GaussianNaiveBayes, LtlViolationError, OnlineLogisticRegression, attractorWindow, createNanoScheduler, createVirtualNanoScheduler, dtwMatch, eventTime, ltlGuard, ltlVerdicts, metaLearn, scheduleOn, type OnlineLearner } from 'midstream'
import { recordedAnswer } from './data/recordedAnswer'

export interface DemoOptions {
  /** Where lines go; default console.log. */
  print?: (line: string) => void
  /** Samples per precision measurement; default 200. */
  precisionSamples?: number
}

export async function runDemo(options: DemoOptions = {}): Promise<void> {
  const print = options.print ?? ((line: string) => console.log(line))
  print('midstream demo\n')
  replayLlmAnswer(print)
  matchPatterns(print)
  regimeChanges(print)
  await prioritisedTelemetry(print)
  await timerPrecision(print, options.precisionSamples ?? 200)
  guardAnswer(print)
  learnDriftingConcept(print)
}

function learnDriftingConcept(print: (line: string) => void): void {
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
    const scaled = (x: number[]) => x.map((v) => v / 10)
    return { predict: (x) => (model.predict(scaled(x)) > 0.5 ? 1 : 0), learn: (x, y) => model.learn(scaled(x), y as 0 | 1) }
  }
  const naiveBayes = (): OnlineLearner<number[], number, number> => {
    const model = new GaussianNaiveBayes<number>(3)
    return { predict: (x) => model.predict(x) ?? 0, learn: (x, y) => model.learn(x, y) }
  }
  let correct = 0
  let windowCorrect = 0
  let applied = 0
  let refused = 0
  const rows: string[] = []
  from(observations)
    .pipe(
      metaLearn<number[], number, number>({
        task: 'classification',
        candidates: { averaged: logistic(0.5, 0.002), plain: logistic(0.5), naiveBayes },
        // when the ensemble is doing badly, start the selector over; never twice in a row
        rules: [{ name: 'restartSelector', when: (s) => s.ensembleLoss > 0.2, apply: (c) => c.resetSelector(), events: ['switch'] }],
        safety: ['G (switch -> X !switch)'],
      }),
    )
    .subscribe((step) => {
      const right = step.prediction === observations[step.index].y ? 1 : 0
      correct += right
      windowCorrect += right
      applied += step.modifications.applied.length
      refused += step.modifications.refused.length
      if (step.drift) rows.push(`   drift detected at ${step.index} (level 1 resets the candidates and the weights)`)
      if ((step.index + 1) % 2500 === 0) {
        rows.push(`   ${String(step.index + 1).padStart(6)}: last 2 500 ${((windowCorrect / 2500) * 100).toFixed(1)}% right, favoured ${step.levels[1].belief}, ${step.levels[2].belief}`)
        windowCorrect = 0
      }
    })
  for (const row of rows) print(row)
  print(`   prequential accuracy ${((correct / observations.length) * 100).toFixed(1)}%; self-modifications applied ${applied}, refused by 'G (switch -> X !switch)' ${refused}`)
  print('')
}

function guardAnswer(print: (line: string) => void): void {
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
  for (const [name, rule] of Object.entries(rules)) {
    const changes: string[] = []
    from(recordedAnswer)
      .pipe(ltlVerdicts(rule, { atoms, time }))
      .subscribe((v) => changes.push(`${v.final ? 'at the end' : `after token #${v.index} (${v.timestamp} ms)`}: ${v.verdict}`))
    print(`   ${name}: ${rule}`)
    print(`     verdicts: ${changes.join('; ')}`)
  }
  let text = ''
  let stoppedBy = 'nothing'
  from(recordedAnswer)
    .pipe(ltlGuard(rules, { atoms, time }))
    .subscribe({
      next: ([, t]) => (text += t),
      error: (e) => (stoppedBy = e instanceof LtlViolationError ? `${e.formula} at token #${e.index} (${e.timestamp} ms)` : String(e)),
    })
  print(`   guarded answer: "${text.trim()}"`)
  print(`   stopped by: ${stoppedBy}`)
  print('')
}

function replayLlmAnswer(print: (line: string) => void): void {
  print('1. A recorded LLM answer, replayed in event time')
  const scheduler = createVirtualNanoScheduler()
  // one replay shared by three analyses, each on the recording's own clock
  const tokens = connectable(from(recordedAnswer).pipe(eventTime(scheduler, ([t]) => t)))
  const windowMs = 500
  const rows: string[] = []
  let firstTokenAt = NaN
  const stalls: number[] = []
  tokens.pipe(first()).subscribe(([t]) => (firstTokenAt = t))
  let windowIndex = 0
  tokens.pipe(bufferTime(windowMs, scheduler)).subscribe((batch) => {
    const start = windowIndex++ * windowMs
    if (batch.length > 0 || start < recordedAnswer[recordedAnswer.length - 1][0]) rows.push(`   ${String(start).padStart(5)}-${String(start + windowMs).padEnd(5)} ms ${String(batch.length).padStart(3)} tokens  ${'#'.repeat(batch.length)}`)
  })
  // debounce emits a token after which 200 ms passed in silence: the model stalled there
  tokens.pipe(debounceTime(200, scheduler)).subscribe(([t]) => stalls.push(t))
  tokens.connect()
  scheduler.flush()
  const last = recordedAnswer[recordedAnswer.length - 1][0]
  print(`   time to first token ${firstTokenAt} ms; ${recordedAnswer.length} tokens in ${last} ms of recording`)
  for (const row of rows) print(row)
  const midStalls = stalls.filter((t) => t < last)
  print(`   stalls of 200 ms or more after the tokens at: ${midStalls.map((t) => `${t} ms`).join(', ') || 'none'}`)
  print('')
}

function matchPatterns(print: (line: string) => void): void {
  print('2. A spike shape found in a noisy telemetry stream (dtwMatch, SPRING), stretched copies included')
  const spike = [0, 1, 3, 7, 4, 2, 1, 0]
  // deterministic noise, and the spike planted at known places, stretched 1x, 1.5x and 2x
  let seed = 11
  const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.6
  const readings: number[] = []
  const planted: Array<[number, number]> = []
  for (const stretch of [1, 1.5, 2]) {
    for (let k = 0; k < 60; k++) readings.push(noise())
    const length = Math.round(spike.length * stretch)
    planted.push([readings.length, readings.length + length - 1])
    for (let j = 0; j < length; j++) readings.push(spike[Math.min(spike.length - 1, Math.floor(j / stretch))] + noise() * 0.3)
  }
  for (let k = 0; k < 60; k++) readings.push(noise())
  const found: string[] = []
  from(readings)
    .pipe(dtwMatch({ spike }, { threshold: 6 }))
    .subscribe((m) => found.push(`[${m.start}, ${m.end}] (distance ${m.distance.toFixed(2)})`))
  print(`   ${readings.length} readings; planted at ${planted.map(([a, b]) => `[${a}, ${b}]`).join(', ')}`)
  print(`   found ${found.length}: ${found.join(', ')}`)
  print('')
}

function regimeChanges(print: (line: string) => void): void {
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
  let windows = 0
  from(readings)
    .pipe(attractorWindow({ window: 500, hop: 250 }))
    .subscribe((w) => {
      windows++
      const figures = Number.isNaN(w.lyapunov) ? '' : `  lambda ${w.lyapunov.toFixed(3).padStart(6)}  K ${w.k01.toFixed(2).padStart(5)}`
      print(`   ${String(w.start).padStart(4)}-${String(w.end).padEnd(4)} ${w.regime.padEnd(11)} PE ${w.permutationEntropy.toFixed(2)}${figures}  ${w.reason.split(':')[0]}`)
    })
  print(`   truth: limit-cycle 0-1499, chaotic 1500-2999, noise 3000-3999, fixed-point 4000-4999; ${windows} windows in ${(performance.now() - started).toFixed(0)} ms`)
  print('')
}

async function prioritisedTelemetry(print: (line: string) => void): Promise<void> {
  const bursts = 20
  const perBurst = 2000
  print(`4. One NanoScheduler, two pipelines: ${bursts} bursts of ${perBurst} telemetry readings (priority low) and the alarms among them (critical)`)
  const scheduler = createNanoScheduler({ policy: 'priority' })
  const readings = new Subject<Reading>()
  const bulkLatency: number[] = []
  const alarmLatency: number[] = []
  let smoothed = 0
  const done = Promise.all([
    lastValueFrom(
      readings.pipe(
        scheduleOn(scheduler, { priority: 'low', batchSize: 64 }),
        tap((r) => {
          smoothed = exponentialSmoothing(smoothed, r.celsius)
          bulkLatency.push(scheduler.now() - r.at)
        }),
      ),
      { defaultValue: undefined },
    ),
    lastValueFrom(
      readings.pipe(
        filter((r) => r.celsius > 49.5),
        scheduleOn(scheduler, { priority: 'critical', deadline: 1 }),
        tap((r) => alarmLatency.push(scheduler.now() - r.at)),
      ),
      { defaultValue: undefined },
    ),
  ])
  let i = 0
  for (let b = 0; b < bursts; b++) {
    for (let k = 0; k < perBurst; k++, i++) readings.next({ i, celsius: 40 + 9 * Math.sin(i / 700) + ((i * 7919) % 13) / 13, at: scheduler.now() })
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  readings.complete()
  await done
  const stats = scheduler.stats()
  print('   pipeline   values   delivery latency p50     max')
  print(`   alarms   ${String(alarmLatency.length).padStart(8)}   ${ms(median(alarmLatency)).padStart(12)}  ${ms(Math.max(...alarmLatency)).padStart(9)}`)
  print(`   bulk     ${String(bulkLatency.length).padStart(8)}   ${ms(median(bulkLatency)).padStart(12)}  ${ms(Math.max(...bulkLatency)).padStart(9)}`)
  print(`   ${stats.completed} scheduled tasks carried ${alarmLatency.length + bulkLatency.length} values; ${stats.missedDeadlines} alarm deadlines (1 ms) missed; smoothed temperature ${smoothed.toFixed(2)} C`)
  print('')
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

async function timerPrecision(print: (line: string) => void, samples: number): Promise<void> {
  print(`5. Timer precision: ${samples} sequential timers 1 ms ahead (lateness = start - due)`)
  const nano = await lateness(createNanoScheduler(), 1, samples)
  const rx = await lateness(asyncScheduler, 1, samples)
  print('   scheduler             p50        p99        max')
  print(`   NanoScheduler   ${fmt(nano)}`)
  print(`   asyncScheduler  ${fmt(rx)}`)
  print(`   asyncScheduler p99 / NanoScheduler p99 = ${(rx.p99 / nano.p99).toFixed(1)} (medians: ${(rx.p50 / nano.p50).toFixed(0)}x)`)
}

async function lateness(scheduler: SchedulerLike, delayMs: number, n: number): Promise<{ p50: number; p99: number; max: number }> {
  const samples = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    samples[i] = await new Promise<number>((resolve) => {
      const due = performance.now() + delayMs
      scheduler.schedule(() => resolve(performance.now() - due), delayMs)
    })
  }
  samples.sort()
  const at = (q: number) => samples[Math.min(n - 1, Math.ceil(q * n) - 1)] * 1e6
  return { p50: at(0.5), p99: at(0.99), max: samples[n - 1] * 1e6 }
}

function fmt(s: { p50: number; p99: number; max: number }): string {
  return [s.p50, s.p99, s.max].map((ns) => us(ns).padStart(9)).join('  ')
}

function us(ns: number): string {
  return `${(ns / 1000).toFixed(1)} us`
}
