/**
 * The demo pipeline end to end, and the dashboard's cost per frame, side by side with baselines
 * measured in the same run:
 *
 *  1. Events ({ i, t, v }: index, send time from performance.now(), a reading with a spike shape
 *     planted every 200 events) go client -> server over midstream's WebSocket transport (`wsServer` +
 *     `connect`, TLS on 127.0.0.1, one process, JSON codec), then through the demo pipeline on the
 *     server, one shared channel feeding three branches (subscribed in this order, so the timestamp at
 *     the end of the main branch comes after every branch has seen the event):
 *       - dtwMatch({ spike }, threshold 6) -> prometheusSink(kind 'matches') -> dashboardSink(match);
 *       - attractorWindow(window 500, hop 250) -> dashboardSink(series lyapunov, k01);
 *       - main: ltlGuard({ settle: 'G (spike -> F[0,1s] settle)', range: 'G !overrange' }, time,
 *         'annotate') -> prometheusSink(kind 'elements', latency) -> dashboardSink(series, count,
 *         verdicts) -> end of pipeline (latency = performance.now() - t).
 *     Baselines: bare RxJS `map`/`filter`/`tap` (trivial arithmetic, a plain counter as the output)
 *     (a) over the same midstream WebSocket transport, and (b) over plain `ws` (JSON.stringify /
 *     JSON.parse per message, the client waiting on `bufferedAmount` like bench/transport.ts).
 *     Figures: latency p50/p99 at a fixed 2 000 events/s for 5 s (paced by setTimeout batches), and
 *     events/s at full speed (client AsyncIterable source; plain ws: sends with backpressure).
 *  2. Per-operator cost, in memory (a Subject driven in a loop, no transport): ns/event as the
 *     operators are added one at a time.
 *  3. Dashboard per frame, a full model (4 series x 240 points, 8 matches, 3 verdicts, 1 024 lateness
 *     samples, 2 channels): snapshot(), ink's renderToString(<Dashboard>), the web dashboard's SSE
 *     frame (`data: JSON.stringify(snapshot)`); baselines: plain string joins of the same data.
 *
 * With attractorWindow offloaded to a worker pool (`workerPool` of midstream/offload, 1 and 2 workers)
 * the demo pipeline is measured again, and the goal row is printed: its p99 against baseline (a)'s.
 * Section 1b: attractorWindow's windows per second in-thread against 1 and 2 workers.
 *
 * Run: npm run bench -- pipeline   (PIPELINE_BENCH_N / _RATE / _SECONDS / _PACED_REPEATS to change sizes)
 */

import { once } from 'node:events'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { render, renderToString } from 'ink'
import * as React from 'react'
import { filter, firstValueFrom, from, lastValueFrom, map, type Observable, Subject, share, tap, toArray } from 'rxjs'
import WebSocket, { WebSocketServer } from 'ws'
import {
  type Annotated,
  type AttractorWindowReport,
  attractorWindow,
  dtwMatch,
  ltlGuard,
  type OffloadPool,
} from '../index'
import { type WorkerPool, workerPool } from '../offload/index'
import { DashboardModel, dashboardSink, metrics, prometheusSink } from '../sinks/index'
import { Dashboard, formatNumber, sparkline } from '../sinks/terminal'
import {
  type ClientSession,
  connect,
  createDevCertificate,
  type TransportServer,
  type TransportSession,
  wsServer,
} from '../sources/index'
import type { WindowAnalysis } from '../src/attractor/windowAnalysis'
import type { AttractorWindowTask } from '../src/offload/pool'
import { fmt, machineLine, median, printTable, ratio, summary, yieldTurn } from './lib/report'

const RATE = Number(process.env.PIPELINE_BENCH_RATE ?? 2000) // events/s for the latency figure
const SECONDS = Number(process.env.PIPELINE_BENCH_SECONDS ?? 5)
const N = Number(process.env.PIPELINE_BENCH_N ?? 40_000) // events per full-speed run
const REPEATS = 5
const PACED_REPEATS = Number(process.env.PIPELINE_BENCH_PACED_REPEATS ?? 3) // paced rounds per pipeline
const MEM_N = 50_000 // events per in-memory run
const FRAMES = 100
const TIMEOUT_MS = 30_000
const WS_LIMITS = { maxUnackedBytes: 2 << 20 } // as bench/transport.ts: keep coalesced writes under ws's maxPayload

// ---------------------------------------------------------------- data

interface Ev {
  i: number
  t: number
  /** A reading with spikes (dtwMatch, ltlGuard). */
  v: number
  /** A second sensor with dynamics (attractorWindow): a logistic map, period 4 (r 3.5) and chaotic (r 3.9) in turns of 2 500 events. */
  x: number
}

const SPIKE = [0, 1, 3, 7, 4, 2, 1, 0]
const PERIOD = 200
let seed = 11
const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.6
const VALUES = new Float64Array(Math.max(N, RATE * SECONDS, MEM_N))
for (let i = 0; i < VALUES.length; i++) {
  const k = i % PERIOD
  VALUES[i] = (k >= 100 && k < 100 + SPIKE.length ? SPIKE[k - 100] : 0) + noise() + 0.2 * Math.sin(i / 7)
}
const XS = new Float64Array(VALUES.length)
for (let i = 0, x = 0.4; i < XS.length; i++) XS[i] = x = (Math.floor(i / 2500) % 2 === 0 ? 3.5 : 3.9) * x * (1 - x)
const event = (i: number): Ev => ({ i, t: performance.now(), v: VALUES[i], x: XS[i] })

// ---------------------------------------------------------------- the pipelines

interface Sink {
  /** Events that reached the end of the pipeline. */
  count: number
  /** Latency per event index, ms. */
  latency: Float64Array
  /** Resolves when `expected` events arrived. */
  done: Promise<void>
  /** Output figures, to check the pipelines did their work. */
  matches: number
  windows: number
  /** ms spent in the event turn that completed each attractor window (the window's analysis). */
  windowMs: number[]
  /** Regime -> windows classified so. */
  regimes: Record<string, number>
  /** Resolves when every branch completed (with offload, the attractor windows come after the last event). */
  finished: Promise<void>
}

function makeSink(expected: number): { sink: Sink; arrive: (e: Ev) => void; fail: (error: unknown) => void } {
  let resolve!: () => void
  let reject!: (error: unknown) => void
  const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)))
  const sink: Sink = {
    count: 0,
    latency: new Float64Array(expected),
    done,
    matches: 0,
    windows: 0,
    windowMs: [],
    regimes: {},
    finished: Promise.resolve(),
  }
  const arrive = (e: Ev): void => {
    sink.latency[e.i] = performance.now() - e.t
    if (++sink.count === expected) resolve()
  }
  return { sink, arrive, fail: reject }
}

const atoms = { spike: (e: Ev) => e.v > 5, settle: (e: Ev) => e.v < 1.5, overrange: (e: Ev) => e.v > 100 }
const FORMULAS = { settle: 'G (spike -> F[0,1s] settle)', range: 'G !overrange' }

/** Which parts of the demo pipeline run; all false is the bare-RxJS baseline. */
interface Stage {
  dtw: boolean
  attractor: boolean
  /** attractorWindow's hop (window 500); default 250. */
  hop?: number
  /** A pool that runs attractorWindow's analyses (its `offload` option); default in-thread. */
  offload?: OffloadPool
  ltl: boolean
  sinks: boolean
}
const BARE: Stage = { dtw: false, attractor: false, ltl: false, sinks: false }
const FULL: Stage = { dtw: true, attractor: true, ltl: true, sinks: true }
const NO_ATTRACTOR: Stage = { ...FULL, attractor: false }
const LIGHT: Stage = { ...FULL, hop: 500 }

/**
 * Subscribes the demo pipeline (the parts `stage` names) to `source` (which must multicast) and
 * returns the sink. With no part, the baseline: map/filter/tap with trivial work and a plain counter
 * as the output.
 */
function subscribePipeline(source: Observable<Ev>, expected: number, stage: Stage): Sink {
  const { sink, arrive, fail } = makeSink(expected)
  if (!stage.dtw && !stage.attractor && !stage.ltl && !stage.sinks) {
    let sum = 0
    source
      .pipe(
        map(e => ({ e, x: e.v * 2 })),
        filter(o => Number.isFinite(o.x)),
        tap(o => (sum += o.x)),
      )
      .subscribe({ next: o => arrive(o.e), error: fail })
    return sink
  }
  const m = stage.sinks ? metrics() : null
  const model = stage.sinks ? new DashboardModel() : null
  // branch 1: pattern matches
  if (stage.dtw) {
    source
      .pipe(
        dtwMatch<Ev>({ spike: SPIKE }, { threshold: 6, select: e => e.v, time: e => e.t }),
        stage.sinks ? prometheusSink(m!, { pipeline: 'demo', kind: 'matches' }) : tap(),
        stage.sinks ? dashboardSink(model!, { match: x => x }) : tap(),
      )
      .subscribe({ next: () => sink.matches++, error: fail })
  }
  // branch 2: dynamics per window
  if (stage.attractor) {
    let entered = 0
    let attractorDone!: () => void
    sink.finished = new Promise<void>(resolve => (attractorDone = resolve))
    source
      .pipe(
        tap(() => (entered = performance.now())),
        attractorWindow<Ev>({
          window: 500,
          hop: stage.hop ?? 250,
          select: e => e.x,
          time: e => e.t,
          offload: stage.offload,
        }),
        stage.sinks
          ? dashboardSink(model!, {
              series: {
                lyapunov: w => (Number.isFinite(w.lyapunov) ? w.lyapunov : undefined),
                k01: w => (Number.isFinite(w.k01) ? w.k01 : undefined),
              },
              time: w => w.endTime ?? 0,
            })
          : tap(),
      )
      .subscribe({
        next: w => {
          sink.regimes[w.regime] = (sink.regimes[w.regime] ?? 0) + 1
          sink.windows++
          // in-thread: the turn of the event that completed the window; offloaded: that event's send to the report
          sink.windowMs.push(performance.now() - (stage.offload ? (w.endTime ?? 0) : entered))
        },
        error: fail,
        complete: () => attractorDone(),
      })
  }
  // main branch: the guard, metrics and the dashboard feed
  const main: Observable<Annotated<Ev>> = stage.ltl
    ? source.pipe(ltlGuard<Ev>(FORMULAS, { atoms, time: e => e.t, onViolation: 'annotate' }))
    : source.pipe(map(value => ({ value, verdicts: {} })))
  main
    .pipe(
      stage.sinks
        ? prometheusSink<Annotated<Ev>>(m!, {
            pipeline: 'demo',
            kind: 'elements',
            stage: 'out',
            latency: a => Math.max(0, performance.now() - a.value.t),
          })
        : tap(),
      stage.sinks
        ? dashboardSink<Annotated<Ev>>(model!, {
            series: { value: a => a.value.v },
            count: 'readings',
            verdicts: a => a.verdicts,
            time: a => a.value.t,
          })
        : tap(),
    )
    .subscribe({ next: a => arrive(a.value), error: fail })
  return sink
}

// ---------------------------------------------------------------- helpers

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

function withTimeout<T>(promise: Promise<T>, what: string, ms = TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout>
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms))),
  ]).finally(() => clearTimeout(timer))
}

function progress(line: string): void {
  if (process.env.PIPELINE_BENCH_QUIET !== '1') process.stderr.write(`  [pipeline] ${line}\n`)
}

/** Calls `emit(event(i))` for i in 0..total-1 at `rate` per second, in setTimeout batches every ~2 ms. */
async function paced(emit: (e: Ev) => void, rate: number, total: number): Promise<void> {
  const t0 = performance.now()
  let sent = 0
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1)
    while (sent < due) emit(event(sent++))
    if (sent < total) await sleep(2)
  }
}

async function* burst(total: number): AsyncGenerator<Ev> {
  for (let i = 0; i < total; i++) yield event(i)
}

interface RunResult {
  seconds: number // first send to last event processed
  latency: Float64Array
  matches: number
  windows: number
  windowMs: number[]
  regimes: Record<string, number>
}

// ---------------------------------------------------------------- over midstream's WebSocket transport

interface Pair {
  server: TransportServer
  client: ClientSession
  peer: TransportSession
}

async function openPair(cert: string, key: string): Promise<Pair> {
  const server = await wsServer({ cert, key, limits: WS_LIMITS })
  const peerPromise = firstValueFrom(server.sessions)
  const client = connect(server.address.url, { ca: cert, transport: 'websocket', limits: WS_LIMITS })
  await withTimeout(client.ready, 'connect')
  const peer = await withTimeout(peerPromise, 'server session')
  return { server, client, peer }
}

let channels = 0

/** One run over our transport: the pipeline on the server's channel, the client sending `total` events paced or at full speed. */
async function runOurs(pair: Pair, stage: Stage, total: number, rate: number | null): Promise<RunResult> {
  const name = `readings-${++channels}`
  const source = pair.peer.channel<Ev>(name).pipe(share())
  const sink = subscribePipeline(source, total, stage)
  const t0 = performance.now()
  let sent: Promise<unknown>
  if (rate === null) {
    sent = lastValueFrom(pair.client.send(name, burst(total)), { defaultValue: null })
  } else {
    const subject = new Subject<Ev>()
    sent = lastValueFrom(pair.client.send(name, subject), { defaultValue: null })
    await paced(e => subject.next(e), rate, total)
    subject.complete()
  }
  await withTimeout(
    sink.done,
    `${JSON.stringify({ ...stage, offload: !!stage.offload })}: ${total} events (${sink.count} arrived)`,
  )
  const seconds = (performance.now() - t0) / 1000
  await withTimeout(sent, 'send acknowledged')
  await withTimeout(sink.finished, 'every branch completed') // offloaded windows still in the pool
  return {
    seconds,
    latency: sink.latency,
    matches: sink.matches,
    windows: sink.windows,
    windowMs: sink.windowMs,
    regimes: sink.regimes,
  }
}

// ---------------------------------------------------------------- over plain ws

interface Plain {
  server: ReturnType<typeof createHttpsServer>
  wss: WebSocketServer
  client: WebSocket
  onEvent: (e: Ev) => void
  close(): Promise<void>
}

async function openPlain(cert: string, key: string): Promise<Plain> {
  const https = createHttpsServer({ cert, key })
  const wss = new WebSocketServer({ server: https, perMessageDeflate: false, maxPayload: 4 << 20 })
  https.listen(0, '127.0.0.1')
  await once(https, 'listening')
  const connected = once(wss, 'connection') as Promise<[WebSocket]>
  const client = new WebSocket(`wss://127.0.0.1:${(https.address() as AddressInfo).port}/`, {
    ca: cert,
    perMessageDeflate: false,
  })
  await once(client, 'open')
  const [socket] = await connected
  const plain: Plain = {
    server: https,
    wss,
    client,
    onEvent: () => undefined,
    async close() {
      client.close()
      for (const c of wss.clients) c.terminate()
      await new Promise<void>(resolve => wss.close(() => resolve()))
      https.closeAllConnections()
      await new Promise<void>(resolve => https.close(() => resolve()))
    },
  }
  socket.on('message', (data: Buffer) => plain.onEvent(JSON.parse(data.toString()) as Ev))
  return plain
}

async function runPlain(plain: Plain, total: number, rate: number | null): Promise<RunResult> {
  const subject = new Subject<Ev>()
  const sink = subscribePipeline(subject, total, BARE)
  plain.onEvent = e => subject.next(e)
  const send = (e: Ev) => plain.client.send(JSON.stringify(e))
  const t0 = performance.now()
  if (rate === null) {
    for (let i = 0; i < total; i++) {
      const body = JSON.stringify(event(i))
      if (plain.client.bufferedAmount > WS_LIMITS.maxUnackedBytes)
        await new Promise<void>((resolve, reject) =>
          plain.client.send(body, error => (error ? reject(error) : resolve())),
        )
      else plain.client.send(body)
    }
  } else {
    await paced(send, rate, total)
  }
  await withTimeout(sink.done, `plain ws: ${total} events (${sink.count} arrived)`)
  const seconds = (performance.now() - t0) / 1000
  plain.onEvent = () => undefined
  return { seconds, latency: sink.latency, matches: 0, windows: 0, windowMs: [], regimes: {} }
}

// ---------------------------------------------------------------- run: end to end

console.log('## Demo pipeline end to end, and the dashboard per frame')
console.log()
console.log(machineLine())
console.log()

const started = performance.now()
const { cert, key } = await createDevCertificate()

interface E2E {
  label: string
  latency: { p50: number; p99: number; max: number } // us, paced: medians over the rounds, max of all
  p99s: number[] // us, p99 of each paced round
  rate: number // events/s, full speed (median)
  loadedP50: number // us, full speed, median run
  matches: number
  windows: number
  windowMs: number[] // attractor window analysis, paced run
  regimes: Record<string, number>
  rates: number[] // every full-speed run
}

const e2e: E2E[] = []
const paceTotal = RATE * SECONDS

type Run = (total: number, rate: number | null) => Promise<RunResult>

/**
 * Every configuration warmed up, then the paced runs (rounds, interleaved), then the full-speed runs
 * interleaved (ours, baselines, ours, ...) so that load drifting on the machine hits them alike.
 */
async function e2eFigures(configs: { label: string; run: Run }[]): Promise<void> {
  for (const c of configs) await c.run(5000, null) // warm-up
  // paced runs interleaved, PACED_REPEATS rounds: a burst of load from elsewhere on the machine
  // spoils one run's tail, not a configuration's figure (the median p99 over the rounds)
  const paced: RunResult[][] = configs.map(() => [])
  for (let r = 0; r < PACED_REPEATS; r++) {
    for (let k = 0; k < configs.length; k++) paced[k].push(await configs[k].run(paceTotal, RATE))
    progress(`paced, round ${r + 1} of ${PACED_REPEATS} done`)
  }
  const rates: number[][] = configs.map(() => [])
  const loaded: number[][] = configs.map(() => [])
  for (let r = 0; r < REPEATS; r++) {
    for (let k = 0; k < configs.length; k++) {
      const res = await configs[k].run(N, null)
      rates[k].push(N / res.seconds)
      loaded[k].push(summary(res.latency).p50 * 1000)
      await yieldTurn()
    }
    progress(`full speed, round ${r + 1} of ${REPEATS} done`)
  }
  configs.forEach((c, k) => {
    const rounds = paced[k].map(run => summary(run.latency))
    const p99s = rounds.map(s => s.p99 * 1000)
    e2e.push({
      label: c.label,
      latency: {
        p50: median(rounds.map(s => s.p50 * 1000)),
        p99: median(p99s),
        max: Math.max(...rounds.map(s => s.max * 1000)),
      },
      p99s,
      rate: median(rates[k]),
      rates: rates[k],
      loadedP50: median(loaded[k]),
      matches: paced[k][0].matches,
      windows: paced[k][0].windows,
      windowMs: paced[k].flatMap(run => run.windowMs),
      regimes: paced[k][0].regimes,
    })
  })
}

/**
 * A diagnostic pool: it answers each window with the analysis the real `pool` gave for the same
 * window (same values, same input), after the time the worker took for it, without using a CPU in
 * this process or another (a timer). The first time a window is seen it asks `pool` (the warm-up
 * runs see every window). Beside the real worker, it tells what the worker's CPU and messages cost
 * the pipeline's tail from what the rest of the offloaded path costs.
 */
function cachedStandIn(pool: WorkerPool): OffloadPool {
  const seen = new Map<string, { analysis: WindowAnalysis; ms: number }>()
  const keyOf = (task: AttractorWindowTask): string =>
    `${task.values.length}:${task.values[0]}:${task.values[task.values.length >> 1]}:${task.values.at(-1)}:${JSON.stringify(task.input.carried)}`
  return {
    acquire: () => pool.acquire(),
    release: () => pool.release(),
    run(task, options) {
      if (task.kind !== 'attractorWindow') return pool.run(task, options)
      const key = keyOf(task as AttractorWindowTask)
      const known = seen.get(key)
      if (known === undefined) {
        const t0 = performance.now()
        return pool.run(task, options).then(analysis => {
          seen.set(key, { analysis: analysis as WindowAnalysis, ms: performance.now() - t0 })
          return analysis
        }) as never
      }
      return new Promise(resolve => setTimeout(() => resolve(known.analysis as never), known.ms))
    },
  }
}

const pair = await openPair(cert, key)
const plain = await openPlain(cert, key)
// the pools are held for the whole section, as an application holds one: each run's subscription
// acquires and releases them too, but their threads start once, not per run
const oneWorker = workerPool({ workers: 1 })
const twoWorkers = workerPool({ workers: 2 })
const standIn = cachedStandIn(oneWorker)
oneWorker.acquire()
twoWorkers.acquire()
try {
  await e2eFigures([
    {
      label: 'demo pipeline (dtwMatch + attractorWindow 500/250 + ltlGuard + metrics + dashboard), midstream WS',
      run: (total, rate) => runOurs(pair, FULL, total, rate),
    },
    {
      label: '  same, attractorWindow offloaded: workerPool({ workers: 1 })',
      run: (total, rate) => runOurs(pair, { ...FULL, offload: oneWorker }, total, rate),
    },
    {
      label: '  same, attractorWindow offloaded: workerPool({ workers: 2 })',
      run: (total, rate) => runOurs(pair, { ...FULL, offload: twoWorkers }, total, rate),
    },
    {
      label: '  same, offloaded to a stand-in that answers after the worker time, using no CPU (diagnostic)',
      run: (total, rate) => runOurs(pair, { ...FULL, offload: standIn }, total, rate),
    },
    {
      label: '  same, attractorWindow lighter: window 500, hop 500 (no overlap)',
      run: (total, rate) => runOurs(pair, LIGHT, total, rate),
    },
    {
      label: '  same without attractorWindow (dtwMatch + ltlGuard + metrics + dashboard)',
      run: (total, rate) => runOurs(pair, NO_ATTRACTOR, total, rate),
    },
    {
      label: 'baseline (a): bare RxJS map/filter/tap, midstream WS',
      run: (total, rate) => runOurs(pair, BARE, total, rate),
    },
    {
      label: 'baseline (b): bare RxJS map/filter/tap, plain ws + JSON',
      run: (total, rate) => runPlain(plain, total, rate),
    },
  ])
} finally {
  pair.client.close()
  await withTimeout(pair.server.close(), 'server close', 10_000).catch((error: Error) => progress(error.message))
  await plain.close()
  oneWorker.release()
  twoWorkers.release()
}

// ---------------------------------------------------------------- run: attractor analyses per second

const ANALYSIS_VALUES = 12_000 // 47 windows of 500, hop 250, per stream

/**
 * Windows per second through attractorWindow (500/250) over the logistic series, `streams` operators
 * fed at once from arrays, until every report is out: median of 3 runs after a warm-up.
 */
async function analysesPerSecond(pool: WorkerPool | undefined, streams: number, reestimateEvery?: number) {
  pool?.acquire()
  const xs = Array.from(XS.subarray(0, ANALYSIS_VALUES))
  const once_ = async (): Promise<{ seconds: number; windows: number; reports: AttractorWindowReport[] }> => {
    const t0 = performance.now()
    const runs = Array.from({ length: streams }, () =>
      lastValueFrom(
        from(xs).pipe(attractorWindow({ window: 500, hop: 250, reestimateEvery, offload: pool }), toArray()),
      ),
    )
    const reports = await Promise.all(runs)
    return { seconds: (performance.now() - t0) / 1000, windows: reports.flat().length, reports: reports[0] }
  }
  await once_()
  const rates: number[] = []
  let reports: AttractorWindowReport[] = []
  for (let r = 0; r < 3; r++) {
    const run = await once_()
    rates.push(run.windows / run.seconds)
    reports = run.reports
    await yieldTurn()
  }
  pool?.release()
  return { rate: median(rates), reports }
}

const analysisRows: { label: string; rates: number[]; same: boolean }[] = []
for (const [label, streams, reestimateEvery] of [
  ['one stream, embedding carried (reestimateEvery 2, the default): windows in turn', 1, undefined],
  ['one stream, reestimateEvery 1: windows independent', 1, 1],
  ['two streams at once (two operators, one pool)', 2, undefined],
] as [string, number, number | undefined][]) {
  const inThread = await analysesPerSecond(undefined, streams, reestimateEvery)
  const rates = [inThread.rate]
  let same = true
  for (const workers of [1, 2]) {
    const result = await analysesPerSecond(workerPool({ workers }), streams, reestimateEvery)
    rates.push(result.rate)
    same &&= JSON.stringify(result.reports) === JSON.stringify(inThread.reports)
  }
  analysisRows.push({ label, rates, same })
  progress(`analyses per second: ${label}: done`)
}

// ---------------------------------------------------------------- run: per operator, in memory

/** ns/event of `stage` over MEM_N events pushed through a Subject (median of 5 runs after one warm-up). */
function inMemory(stage: Stage): number {
  const events: Ev[] = Array.from({ length: MEM_N }, (_, i) => ({ i, t: i * 0.5, v: VALUES[i], x: XS[i] }))
  const once_ = (): number => {
    const subject = new Subject<Ev>()
    const sink = subscribePipeline(subject.pipe(share()), MEM_N, stage)
    const t0 = performance.now()
    for (let i = 0; i < MEM_N; i++) subject.next(events[i])
    subject.complete()
    const ms = performance.now() - t0
    if (sink.count !== MEM_N) throw new Error(`in memory: ${sink.count} of ${MEM_N} events arrived`)
    return ms
  }
  once_()
  const runs: number[] = []
  for (let r = 0; r < 5; r++) runs.push(once_())
  return (median(runs) / MEM_N) * 1e6
}

const memRows: [string, Stage][] = [
  ['baseline: bare RxJS map/filter/tap', BARE],
  ['+ dtwMatch (8-point pattern, threshold 6)', { ...BARE, dtw: true }],
  ['+ ltlGuard (2 formulas, metric F[0,1s], annotate)', { ...BARE, dtw: true, ltl: true }],
  ['+ prometheusSink x2 + dashboardSink x3', { ...BARE, dtw: true, ltl: true, sinks: true }],
  ['+ attractorWindow (window 500, hop 250) (= demo pipeline)', FULL],
]
const mem: { label: string; ns: number }[] = []
for (const [label, stage] of memRows) {
  mem.push({ label, ns: inMemory(stage) })
  await yieldTurn()
}
const alone = [
  ['dtwMatch alone', { ...BARE, dtw: true, ltl: false }],
  ['attractorWindow alone (window 500, hop 250)', { ...BARE, attractor: true }],
  ['attractorWindow alone, lighter (window 500, hop 500)', { ...BARE, attractor: true, hop: 500 }],
  ['ltlGuard alone', { ...BARE, ltl: true }],
  ['metrics + dashboard sinks alone (no ltlGuard: verdicts {})', { ...BARE, sinks: true }],
] as [string, Stage][]
const memAlone: { label: string; ns: number }[] = []
for (const [label, stage] of alone) {
  memAlone.push({ label, ns: inMemory(stage) })
  await yieldTurn()
}
progress(`in memory: done`)

// ---------------------------------------------------------------- run: dashboard per frame

const h = React.createElement
const model = new DashboardModel()
const T0 = 1_700_000_000_000
let clock = T0
const seriesNames = ['value', 'lyapunov', 'k01', 'latency_ms']
const handles = seriesNames.map(name => model.series(name))
for (let k = 0; k < 300; k++) {
  clock += 10
  handles.forEach((s, j) => s.push(Math.sin(k / (5 + j)) * (j + 1) + noise(), clock))
  model.count('readings', 20, clock)
  model.count('matches', k % 30 === 0 ? 1 : 0, clock)
}
for (let k = 0; k < 10; k++)
  model.match({
    pattern: k % 2 ? 'spike' : 'dip',
    start: 100 * k,
    end: 100 * k + 9,
    distance: 1 + k / 10,
    time: clock - 100 * (10 - k),
  })
model.verdict('G (spike -> F[0,1s] settle)', 'unknown', 5000)
model.verdict('G !overrange', 'unknown', 5000)
model.verdict('F[0,500ms] first', 'true', 3)
for (let k = 0; k < 1024; k++) model.lateness(0.05 + Math.abs(noise()))

/** One write so the next snapshot is not the cached one (a frame follows a change). */
let writes = 0
const write = (): void => {
  clock += 10
  handles[writes++ % handles.length].push(noise(), clock)
}
const COLUMNS = 100

/** Baseline A: the same text a frame shows (same sparklines from asciichart), joined as plain strings, no React/ink. */
function plainFrame(s: ReturnType<DashboardModel['snapshot']>): string {
  const out: string[] = [` midstream   v${s.version}`, '── series']
  for (const x of s.series) {
    out.push(
      `${x.name}  last ${formatNumber(x.last)}  min ${formatNumber(x.min)}  max ${formatNumber(x.max)}  (${x.total} pts)`,
    )
    out.push(sparkline(x.values, COLUMNS, 4).join('\n'))
  }
  out.push('── matches')
  for (const m of s.matches) out.push(`${m.pattern} [${m.start}..${m.end}] d=${formatNumber(m.distance)}`)
  out.push('── verdicts')
  for (const v of s.verdicts) out.push(`${v.verdict.padEnd(7)} ${v.formula} (${v.changes} changes, @${v.index})`)
  const L = s.lateness
  out.push(
    '── lateness',
    `p50 ${formatNumber(L.p50)} ms   p99 ${formatNumber(L.p99)} ms   max ${formatNumber(L.max)} ms   (${L.count} samples)`,
  )
  out.push('── rates', s.rates.map(r => `${r.channel} ${formatNumber(r.rate)}/s (${r.total})`).join('   '))
  return out.join('\n')
}

/** Baseline B: every number of the frame joined, no charts. */
function rawFrame(s: ReturnType<DashboardModel['snapshot']>): string {
  const out: string[] = []
  for (const x of s.series) out.push(`${x.name} ${x.values.join(' ')}`)
  for (const m of s.matches) out.push(`${m.pattern} ${m.start} ${m.end} ${m.distance}`)
  for (const v of s.verdicts) out.push(`${v.formula} ${v.verdict}`)
  out.push(`${s.lateness.p50} ${s.lateness.p99} ${s.lateness.max}`)
  for (const r of s.rates) out.push(`${r.channel} ${r.rate}`)
  return out.join('\n')
}

/** Median us per frame of `fn(snapshot)` over FRAMES frames (after 20 warm-up), a write before each; the snapshot is taken outside the timing. */
function perFrame(fn: (s: ReturnType<DashboardModel['snapshot']>) => string): {
  us: number
  p99: number
  bytes: number
} {
  let out = ''
  for (let k = 0; k < 20; k++) write(), (out = fn(model.snapshot()))
  const times: number[] = []
  for (let k = 0; k < FRAMES; k++) {
    write()
    const s = model.snapshot()
    const t0 = performance.now()
    out = fn(s)
    times.push((performance.now() - t0) * 1000)
  }
  const sum = summary(times)
  return { us: sum.p50, p99: sum.p99, bytes: Buffer.byteLength(out) }
}

const snapshotTimes: number[] = []
for (let k = 0; k < FRAMES + 20; k++) {
  write()
  const t0 = performance.now()
  model.snapshot()
  if (k >= 20) snapshotTimes.push((performance.now() - t0) * 1000)
}
const snap = summary(snapshotTimes)
const ink = perFrame(s => renderToString(h(Dashboard, { snapshot: s, columns: COLUMNS }), { columns: COLUMNS }))
// the live path: one long-lived ink instance re-rendered per frame, as renderDashboard does (debug mode so
// every rerender lays out and writes its frame at once instead of on ink's throttle), to a null stream
let inkBytes = 0
const nullOut = Object.assign(
  new Writable({ write: (chunk: Buffer, _encoding, callback) => ((inkBytes += chunk.length), callback()) }),
  { columns: COLUMNS, rows: 60, isTTY: false },
)
const instance = render(h(Dashboard, { snapshot: model.snapshot(), columns: COLUMNS }), {
  stdout: nullOut as unknown as NodeJS.WriteStream,
  debug: true,
  patchConsole: false,
  exitOnCtrlC: false,
  incrementalRendering: false,
})
const live = perFrame(s => {
  instance.rerender(h(Dashboard, { snapshot: s, columns: COLUMNS }))
  return ''
})
instance.unmount()
live.bytes = Math.round(inkBytes / (FRAMES + 21))
const plainA = perFrame(plainFrame)
const plainB = perFrame(rawFrame)
const sse = perFrame(s => `data: ${JSON.stringify(s)}\n\n`)
const check = model.snapshot()
progress('dashboard: done')

// ---------------------------------------------------------------- print

const [ours, oursOne, oursTwo, oursStandIn, oursLight, oursNoAttr, bareOurs, barePlain] = e2e
const us = (x: number) => `${fmt(x)} us`
const windowFigure = (r: E2E) =>
  r.windowMs.length === 0
    ? '-'
    : `${fmt(r.windowMs.reduce((a, b) => a + b, 0) / r.windowMs.length)} / ${fmt(Math.max(...r.windowMs))} ms`
const regimes = (r: E2E) =>
  Object.entries(r.regimes)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')
const spread = (r: E2E) => `${fmt(Math.min(...r.rates))}-${fmt(Math.max(...r.rates))}`
console.log(
  `### 1. End to end: client -> server over TLS on 127.0.0.1 (one process), then the pipeline on the server\n\n` +
    `latency = performance.now() at the end of the pipeline - performance.now() at send, per event; paced: ${fmt(RATE)} events/s for ${SECONDS} s (${fmt(paceTotal)} events) in setTimeout batches every ~2 ms, ${PACED_REPEATS} rounds interleaved (p50 and p99: median over the rounds; max: of all); ` +
    `full speed: ${fmt(N)} events, client AsyncIterable (plain ws: send with bufferedAmount backpressure), events/s = N / (first send -> last event processed), median of ${REPEATS} runs per pipeline, interleaved, after a warm-up. ` +
    `Output in every pipeline is in memory (ours: prom-client counters/histogram + DashboardModel; baselines: a plain counter).\n`,
)
printTable(
  [
    'pipeline',
    'latency send -> end p50',
    'p99',
    'p99 per round',
    'max',
    'events/s full speed (median)',
    'range over runs',
    'vs baseline (a)',
    'p50 latency at full speed',
    'matches / windows (first paced round)',
    'attractor window: analysis turn (in-thread) or send -> report (offloaded), mean / max',
  ],
  e2e.map(r => [
    r.label,
    us(r.latency.p50),
    us(r.latency.p99),
    r.p99s.map(x => fmt(x)).join(' / '),
    us(r.latency.max),
    fmt(r.rate),
    spread(r),
    ratio(r.rate / bareOurs.rate),
    `${fmt(r.loadedP50 / 1000)} ms`,
    r === ours || r === oursOne || r === oursTwo || r === oursStandIn || r === oursLight || r === oursNoAttr
      ? `${r.matches} / ${r.windows}${r.windows > 0 ? ` (${regimes(r)})` : ''}`
      : '-',
    windowFigure(r),
  ]),
)
console.log()
console.log(
  `added by the demo pipeline over baseline (a), paced: p50 +${us(ours.latency.p50 - bareOurs.latency.p50)}, p99 +${us(ours.latency.p99 - bareOurs.latency.p99)}; ` +
    `hop 500: p50 +${us(oursLight.latency.p50 - bareOurs.latency.p50)}, p99 +${us(oursLight.latency.p99 - bareOurs.latency.p99)}; ` +
    `without attractorWindow: p50 +${us(oursNoAttr.latency.p50 - bareOurs.latency.p50)}, p99 +${us(oursNoAttr.latency.p99 - bareOurs.latency.p99)}. ` +
    `midstream WS transport vs plain ws (both bare): p50 ${us(bareOurs.latency.p50)} vs ${us(barePlain.latency.p50)}, throughput ${ratio(bareOurs.rate / barePlain.rate)}`,
)
console.log()
console.log(
  `goal (p99 of the demo pipeline <= 1.5x bare RxJS over the same transport, same run): in-thread ${ratio(ours.latency.p99 / bareOurs.latency.p99)}; ` +
    `attractorWindow offloaded, 1 worker ${ratio(oursOne.latency.p99 / bareOurs.latency.p99)}, 2 workers ${ratio(oursTwo.latency.p99 / bareOurs.latency.p99)}; ` +
    `diagnostic: offloaded to the no-CPU stand-in ${ratio(oursStandIn.latency.p99 / bareOurs.latency.p99)}, without attractorWindow ${ratio(oursNoAttr.latency.p99 / bareOurs.latency.p99)}`,
)
console.log()
console.log(
  `### 1b. attractorWindow (window 500, hop 250) analyses per second, in memory: ${fmt(ANALYSIS_VALUES)} values per stream fed from an array, until every report is out, median of 3 runs after a warm-up; offloaded reports checked equal to the in-thread ones\n`,
)
printTable(
  [
    'analyses',
    'in-thread windows/s',
    '1 worker',
    '2 workers',
    '1 worker / in-thread',
    '2 workers / in-thread',
    'same reports',
  ],
  analysisRows.map(r => [
    r.label,
    fmt(r.rates[0]),
    fmt(r.rates[1]),
    fmt(r.rates[2]),
    ratio(r.rates[1] / r.rates[0]),
    ratio(r.rates[2] / r.rates[0]),
    r.same ? 'yes' : 'NO',
  ]),
)
console.log()
console.log(
  `### 2. Per operator, in memory (a Subject driven in a loop, ${fmt(MEM_N)} events, branches as in the demo pipeline), ns/event, median of 5 runs\n`,
)
printTable(
  ['pipeline', 'ns/event', 'added by this step', 'max events/s (1 core)'],
  [
    ...mem.map((r, k) => [r.label, fmt(r.ns), k === 0 ? '-' : fmt(r.ns - mem[k - 1].ns), fmt(1e9 / r.ns)]),
    ...memAlone.map(r => [`  ${r.label} (+ baseline plumbing)`, fmt(r.ns), fmt(r.ns - mem[0].ns), fmt(1e9 / r.ns)]),
  ],
)
console.log()
console.log(
  `### 3. Dashboard per frame: a model with ${check.series.length} series x ${check.series[0].values.length} points, ${check.matches.length} matches, ${check.verdicts.length} verdicts, ${check.lateness.count} lateness samples, ${check.rates.length} channels; ${COLUMNS} columns; median (p99) over ${FRAMES} frames after 20 warm-up, one model write before each frame\n`,
)
printTable(
  ['per frame', 'median', 'p99', 'output bytes', 'vs baseline A'],
  [
    ['DashboardModel.snapshot() after a write (not cached)', us(snap.p50), us(snap.p99), '-', '-'],
    [
      'terminal: ink renderToString(<Dashboard>) (snapshot excluded)',
      us(ink.us),
      us(ink.p99),
      fmt(ink.bytes),
      ratio(ink.us / plainA.us),
    ],
    [
      'terminal: one live ink instance, rerender(<Dashboard>) per frame (as renderDashboard; debug mode, null stream)',
      us(live.us),
      us(live.p99),
      `~${fmt(live.bytes)}`,
      ratio(live.us / plainA.us),
    ],
    [
      'baseline A: plain string join, same text and asciichart sparklines, no React/ink',
      us(plainA.us),
      us(plainA.p99),
      fmt(plainA.bytes),
      '1x',
    ],
    [
      'baseline B: plain string join of the raw numbers, no charts',
      us(plainB.us),
      us(plainB.p99),
      fmt(plainB.bytes),
      ratio(plainB.us / plainA.us),
    ],
    [
      'web: SSE frame `data: <JSON of the snapshot>` (snapshot excluded)',
      us(sse.us),
      us(sse.p99),
      fmt(sse.bytes),
      ratio(sse.us / plainA.us),
    ],
  ],
)
console.log()
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`)

// everything is closed: the process should exit by itself; if not, say what keeps it alive and leave
setTimeout(() => {
  console.error(
    `still running 5 s after the last figure; active resources: ${process.getActiveResourcesInfo().join(', ')}`,
  )
  process.exit(1)
}, 5000).unref()
