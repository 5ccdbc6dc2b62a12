/**
 * What the terminal dashboard costs the pipeline it watches: the pipeline thread's event-loop busy
 * time (`performance.eventLoopUtilization()`) and CPU with no dashboard, and with `renderDashboard`
 * at 100 ms refresh drawing ink on the pipeline's own thread (`renderer: 'inline'`, the baseline: what
 * a plain ink `render` costs), in a worker thread (`'worker'`) and in a child process (`'process'`).
 *
 * The pipeline: 2 000 events/s (20 every 10 ms from a setInterval) through a Subject and
 * `dashboardSink` into a DashboardModel of 240 points: 6 series, 4 channels counted, the timer's
 * lateness as the lateness panel, a match every 200 events and 3 formulas' verdicts. The dashboard
 * gets a `now` clock, so every tick draws (10 frames/s); 120 x 50 columns/rows, colours forced on, to
 * /dev/null through its file descriptor (a worker or child writes to it itself; inline, ink writes
 * synchronously, as to a terminal).
 *
 * Figures per configuration, over a measuring window after a warm-up (the renderer started and
 * drawing): the pipeline thread's busy share of wall time (ELU), its CPU (Linux: /proc/self/task/<pid>/stat),
 * the whole process's CPU (process.cpuUsage: every thread, the worker's included), the child's CPU
 * (Linux: /proc/<child>/stat), frames drawn per second and how late the pipeline's 10 ms ticks fired (p99, max). Configurations run interleaved, ROUNDS
 * times; medians are printed.
 *
 * Run: npm run bench -- dashboard   (DASHBOARD_BENCH_SECONDS / _ROUNDS to change sizes)
 */

import { EventEmitter } from 'node:events'
import { openSync, readFileSync, writeSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { Subject } from 'rxjs'
import { fmt, machineLine, median, printTable, summary } from './lib/report'

process.env.FORCE_COLOR ??= '1' // before ink loads (below), and copied into the worker and the child
const { DashboardModel, dashboardSink } = await import('../sinks/index')
const { renderDashboard } = await import('../sinks/terminal')
type Renderer = 'worker' | 'process' | 'inline'

const SECONDS = Number(process.env.DASHBOARD_BENCH_SECONDS ?? 6)
const ROUNDS = Number(process.env.DASHBOARD_BENCH_ROUNDS ?? 3)
const WARMUP_MS = 2000
const EVENTS_PER_TICK = 20
const TICK_MS = 10
const REFRESH_MS = 100
const CLOCK_TICKS_PER_S = 100 // Linux USER_HZ: /proc's utime and stime unit

/** A terminal-like stream over /dev/null: ink sees 120 x 50; writes are synchronous, as to a TTY. */
class NullTerminal extends EventEmitter {
  readonly fd = openSync('/dev/null', 'w')
  readonly isTTY = true
  columns = 120
  rows = 50
  write(chunk: string | Uint8Array): boolean {
    writeSync(this.fd, typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
    return true
  }
}

/** CPU seconds of a thread or process from /proc (utime + stime), or NaN off Linux. */
function procCpuSeconds(path: string): number {
  try {
    const stat = readFileSync(path, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S
  } catch {
    return Number.NaN
  }
}
const mainThreadCpu = () => procCpuSeconds(`/proc/self/task/${process.pid}/stat`)
function childrenCpu(): number {
  try {
    const children = readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)
    return children.reduce((sum, pid) => sum + procCpuSeconds(`/proc/${pid}/stat`), 0)
  } catch {
    return Number.NaN
  }
}

interface Sample {
  busy: number // share of wall time the pipeline loop was busy
  mainCpu: number // share of one core, the pipeline thread
  processCpu: number // share of one core, every thread of this process
  childCpu: number // share of one core, child processes
  framesPerS: number
  tickLateP99: number // ms a 10 ms tick of the pipeline fired late, p99
  tickLateMax: number
}

/** The pipeline at 2 000 events/s into `model`; `lateness` receives each tick's lateness (ms). */
function runPipeline(model: InstanceType<typeof DashboardModel>, lateness: number[]): () => void {
  const events = new Subject<{ i: number; t: number; late: number }>()
  const channels = ['readings', 'tokens', 'alerts', 'acks']
  const sub = events
    .pipe(
      dashboardSink(model, {
        series: {
          cpu: e => 0.5 + 0.4 * Math.sin(e.i / 50),
          memory: e => 200 + (e.i % 300),
          latency_ms: e => 2 + ((e.i * 7919) % 97) / 10,
          tokens_per_s: e => 40 + 10 * Math.cos(e.i / 80),
          queue: e => (e.i % 1000) / 10,
          temperature: e => 40 + (e.i % 37) / 3,
        },
        count: e => channels[e.i & 3],
        lateness: e => e.late,
        time: e => e.t,
      }),
    )
    .subscribe(e => {
      if (e.i % 200 === 0)
        model.match({ pattern: e.i % 400 ? 'spike' : 'dip', start: e.i - 20, end: e.i, distance: 1.5 })
      if (e.i % 50 === 0) {
        model.verdict('G (spike -> F[0,500ms] ack)', 'true', e.i)
        model.verdict('G !overheat', e.i % 1000 < 900 ? 'true' : 'false', e.i)
        model.verdict('F done', 'unknown', e.i)
      }
    })
  let i = 0
  let due = performance.now() + TICK_MS
  const timer = setInterval(() => {
    const t = performance.now()
    const late = t - due
    lateness.push(late)
    due = t + TICK_MS
    for (let k = 0; k < EVENTS_PER_TICK; k++) events.next({ i: i++, t: Date.now(), late })
  }, TICK_MS)
  return () => {
    clearInterval(timer)
    sub.unsubscribe()
  }
}

async function measure(renderer: Renderer | 'none'): Promise<Sample> {
  const model = new DashboardModel({ points: 240 })
  const lateness: number[] = []
  const stopPipeline = runPipeline(model, lateness)
  const terminal = new NullTerminal()
  const ui =
    renderer === 'none'
      ? undefined
      : renderDashboard(model, {
          renderer,
          refreshMs: REFRESH_MS,
          now: () => Date.now(),
          stdout: terminal as unknown as NodeJS.WriteStream,
          onError: e => console.error(`renderer ${renderer} failed:`, e),
        })
  await new Promise(r => setTimeout(r, WARMUP_MS))
  // the renderer has started once it takes frames (it is sent one only after it took the last)
  while (ui !== undefined && ui.frames() < 3) await new Promise(r => setTimeout(r, 50))
  const frames0 = ui?.frames() ?? 0
  lateness.length = 0
  const elu0 = performance.eventLoopUtilization()
  const cpu0 = process.cpuUsage()
  const main0 = mainThreadCpu()
  const child0 = childrenCpu()
  const t0 = performance.now()
  await new Promise(r => setTimeout(r, SECONDS * 1000))
  const wall = (performance.now() - t0) / 1000
  const elu = performance.eventLoopUtilization(elu0)
  const cpu = process.cpuUsage(cpu0)
  const sample: Sample = {
    busy: elu.utilization,
    mainCpu: (mainThreadCpu() - main0) / wall,
    processCpu: (cpu.user + cpu.system) / 1e6 / wall,
    childCpu: (childrenCpu() - child0) / wall,
    framesPerS: ((ui?.frames() ?? 0) - frames0) / wall,
    tickLateP99: summary(lateness).p99,
    tickLateMax: summary(lateness).max,
  }
  stopPipeline()
  ui?.stop()
  await ui?.closed()
  return sample
}

const CONFIGS: { label: string; renderer: Renderer | 'none' }[] = [
  { label: 'pipeline alone (no dashboard)', renderer: 'none' },
  { label: "baseline: ink on the pipeline's thread (renderer 'inline')", renderer: 'inline' },
  { label: "ink in a worker thread (renderer 'worker', the default)", renderer: 'worker' },
  { label: "ink in a child process (renderer 'process')", renderer: 'process' },
]

console.log(machineLine())
console.log(
  `pipeline: ${fmt((EVENTS_PER_TICK * 1000) / TICK_MS)} events/s into a DashboardModel (6 series x 240 points, 4 channels, lateness, matches, 3 verdicts); dashboard refresh ${REFRESH_MS} ms with a clock (a frame every tick), 120 x 50, colours on, to /dev/null; ${SECONDS} s measured after ${WARMUP_MS / 1000} s warm-up; ${ROUNDS} interleaved rounds, medians`,
)
const samples = new Map<string, Sample[]>(CONFIGS.map(c => [c.label, []]))
for (let round = 0; round < ROUNDS; round++)
  for (const config of CONFIGS) {
    samples.get(config.label)?.push(await measure(config.renderer))
    process.stderr.write(`round ${round + 1}/${ROUNDS}: ${config.label} done\n`)
  }

const pick = (label: string, key: keyof Sample) => median((samples.get(label) ?? []).map(s => s[key]))
const alone = CONFIGS[0].label
const pct = (x: number) => (Number.isFinite(x) ? `${fmt(100 * x)} %` : 'n/a')
const added = (label: string) => pick(label, 'busy') - pick(alone, 'busy')
printTable(
  [
    'configuration',
    'pipeline loop busy (ELU)',
    'added by the dashboard',
    'added per frame',
    'pipeline thread CPU',
    'process CPU (all threads)',
    'child process CPU',
    'frames/s',
    'pipeline tick lateness p99 / max',
  ],
  CONFIGS.map(({ label }) => {
    const fps = pick(label, 'framesPerS')
    return [
      label,
      pct(pick(label, 'busy')),
      label === alone ? '-' : `${fmt(100 * added(label), 2)} points`,
      label === alone || fps === 0 ? '-' : `${fmt((added(label) * 1000) / fps)} ms`,
      pct(pick(label, 'mainCpu')),
      pct(pick(label, 'processCpu')),
      pct(pick(label, 'childCpu')),
      fmt(fps),
      `${fmt(pick(label, 'tickLateP99'))} / ${fmt(pick(label, 'tickLateMax'))} ms`,
    ]
  }),
)
console.log()
console.log(
  `goal: the dashboard adds <= 2 % of the pipeline loop's time. Added: inline ${pct(added(CONFIGS[1].label))}, worker ${pct(added(CONFIGS[2].label))}, process ${pct(added(CONFIGS[3].label))} (medians of ${ROUNDS}).`,
)
