/**
 * LTL runtime verification, side by side in one run (10^6 events unless noted, event arrays built
 * before timing, every figure the median of several warmed-up runs):
 *  - the issue's goal rows: `createMonitor` on a 7-atom past formula and on `G (req -> F grant)`,
 *    atoms as predicates, events from a pool of 1 024 objects, beside a hand-written evaluator of
 *    exactly that formula calling the same predicates (the limit), timed in turn;
 *  - the past-time kernel: `PastEvaluator.step` (generated code, and the interpreter) on a ~20-node
 *    past formula with precomputed atom values, and the same formula through `createMonitor(...).step`
 *    with predicates;
 *  - future-time formulas through `createMonitor` after warm-up (the lazily built automaton is kept
 *    across `reset()`), and the first pass of a fresh monitor, timed in turn with the kernel;
 *  - metric formulas `G (req -> F[0,b] ack)` and `H (ack -> O[0,b] req)` at one event per ms for
 *    b = 10 ms .. 10 s on the same trace (every request answered within 8 ms, so within every b),
 *    and `G (req -> F[0,b] ack)` with acks only every b/2 ms, so that up to ~b/40 requests wait at
 *    once: time per event should not grow with b;
 *  - `ltlGuard` end to end through RxJS (`from(events)`, subscribed to completion), with RxJS alone
 *    beside it;
 *  - the baseline: the naive approach, re-evaluating the formula over the whole prefix
 *    after every event with a plain recursive evaluator (LTLf, future formulas at position 0, past
 *    ones at the last position), measured on 10^4 events and, on 10^6, run under a time budget and
 *    extrapolated from its measured growth (the output says which figures are extrapolated).
 * The traces keep every verdict 'unknown' (requests answered, no violation), so the monitors keep
 * working to the end; the final verdicts are printed. Goals from the issue are printed beside the
 * figures as targets, never asserted.
 *
 * Run: npx tsx bench/ltl.ts   (LTL_BENCH_GOAL_ONLY=1: the goal rows only)
 */
import { count, from } from 'rxjs'
import { createMonitor, type Formula, foldFormula, ltlGuard, type Monitor, parseLtl, type Verdict } from '../index'
import { compileMonitor } from '../src/ltl/monitor'
import { PastEvaluator } from '../src/ltl/past'
import { fmt, loglogSlope, machineLine, median, printTable, ratio, time, yieldTurn } from './lib/report'

const N = 1_000_000
/** The baseline is measured in full on this many events. */
const NAIVE_SMALL = 10_000
/** Wall-clock budget of the baseline on the 10^6-event trace, per formula; the rest is extrapolated. */
const NAIVE_BUDGET_MS = 6_000
const BOUNDS_MS = [10, 100, 1000, 10_000]

const GOAL_KERNEL = 20e6
const GOAL_FUTURE_RATIO = 3
const GOAL_METRIC = 1e6
const GOAL_GUARD = 5e6
/** Monitor speed over the hand-written evaluator's, in the same run. */
const GOAL_HAND_RATIO = 0.7

// events: one shape for every trace, so the predicates stay monomorphic
const ATOM_NAMES = ['req', 'ack', 'grant', 'err', 'reset', 'done', 'start', 'ok'] as const
type AtomName = (typeof ATOM_NAMES)[number]
type Ev = { readonly t: number } & { readonly [K in AtomName]: boolean }
const ATOMS: Record<AtomName, (e: Ev) => boolean> = {
  req: e => e.req,
  ack: e => e.ack,
  grant: e => e.grant,
  err: e => e.err,
  reset: e => e.reset,
  done: e => e.done,
  start: e => e.start,
  ok: e => e.ok,
}

function event(t: number, on: Partial<Record<AtomName, boolean>>): Ev {
  return {
    t,
    req: !!on.req,
    ack: !!on.ack,
    grant: !!on.grant,
    err: !!on.err,
    reset: !!on.reset,
    done: !!on.done,
    start: !!on.start,
    ok: !!on.ok,
  }
}

function random(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 16807) % 2147483647
    return s / 2147483647
  }
}

/**
 * For the past formula: req, ack and start at the first event, then random req, ack, grant, err,
 * done, start; ok always, reset never, so every conjunct of PAST holds at every event.
 */
function pastTrace(n: number, seed: number): Ev[] {
  const r = random(seed)
  const out: Ev[] = new Array(n)
  for (let i = 0; i < n; i++) {
    out[i] =
      i === 0
        ? event(0, { req: true, ack: true, start: true, ok: true })
        : event(i, {
            req: r() < 0.1,
            ack: r() < 0.1,
            grant: r() < 0.1,
            err: r() < 0.05,
            done: r() < 0.8,
            start: r() < 0.05,
            ok: true,
          })
  }
  return out
}

/**
 * A protocol: a request (10 % of idle events) is acknowledged 1, 2, ... events later (30 % per
 * event) with no request in between; an error (2 %) is followed by a reset (20 % per event), a
 * grant (5 %) by a done (30 % per event); start at random, ok always. Every obligation is met by
 * the last event, so the finished trace satisfies FUTURE under LTLf too.
 */
function futureTrace(n: number, seed: number): Ev[] {
  const r = random(seed)
  const out: Ev[] = new Array(n)
  let pendingReq = false
  let pendingErr = false
  let pendingGrant = false
  for (let i = 0; i < n; i++) {
    const last = i === n - 1
    let req = false,
      ack = false,
      err = false,
      reset = false,
      grant = false,
      done = false
    if (pendingReq) {
      if (r() < 0.3 || last) (ack = true), (pendingReq = false)
    } else if (!last && r() < 0.1) (req = true), (pendingReq = true)
    if (pendingErr) {
      if (r() < 0.2 || last) (reset = true), (pendingErr = false)
    } else if (!last && r() < 0.02) (err = true), (pendingErr = true)
    if (pendingGrant) {
      if (r() < 0.3 || last) (done = true), (pendingGrant = false)
    } else if (!last && r() < 0.05) (grant = true), (pendingGrant = true)
    out[i] = event(i, { req, ack, err, reset, grant, done, start: r() < 0.05, ok: true })
  }
  return out
}

/** One event per ms; a request at 5 % of them, each answered by an ack 1 to 8 ms later; none in the last 10 ms. */
function metricTrace(n: number, seed: number): Ev[] {
  const r = random(seed)
  const ackAt = new Uint8Array(n + 16)
  const out: Ev[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const req = i < n - 10 && r() < 0.05
    if (req) ackAt[i + 1 + Math.floor(r() * 8)] = 1
    out[i] = event(i, { req, ack: ackAt[i] === 1, ok: true })
  }
  return out
}

/**
 * One event per ms (times given apart: the events are four shared objects); a request at 5 % of
 * them, acks only at every multiple of b/2 ms and at the last event, so each request waits up to
 * b/2 and about b/40 requests are waiting at once.
 */
function burstTrace(n: number, b: number, seed: number): Ev[] {
  const r = random(seed)
  const kinds = [
    event(0, { ok: true }),
    event(0, { req: true, ok: true }),
    event(0, { ack: true, ok: true }),
    event(0, { req: true, ack: true, ok: true }),
  ]
  const period = b / 2
  const out: Ev[] = new Array(n)
  for (let i = 0; i < n; i++) out[i] = kinds[(r() < 0.05 ? 1 : 0) + (i % period === 0 || i === n - 1 ? 2 : 0)]
  return out
}

/** Nodes of the formula tree (shared subtrees counted each time they appear). */
function treeSize(f: Formula): number {
  return foldFormula<number>(f, (_, sizes) => sizes.reduce((a, b) => a + b, 1))
}

const perSecond = (events: number, ms: number): string => fmt((events / ms) * 1e-3)
const nsPerEvent = (events: number, ms: number): string => fmt((ms * 1e6) / events)
const seconds = (ms: number): string => (ms >= 1e5 ? `${fmt(ms / 3.6e6)} h` : `${fmt(ms / 1000)} s`)

/** Feeds every event to `m` (with its time when `timed`) and returns the last verdict. */
function feed(m: { step(e: Ev, t?: number): Verdict }, events: readonly Ev[], timed: boolean): Verdict {
  let v: Verdict = 'unknown'
  if (timed) for (let i = 0; i < events.length; i++) v = m.step(events[i], events[i].t)
  else for (let i = 0; i < events.length; i++) v = m.step(events[i])
  return v
}

/** Feeds every event to `m` with the time `times[i]`, and returns the last verdict. */
function feedAt(m: { step(e: Ev, t?: number): Verdict }, events: readonly Ev[], times: Float64Array): Verdict {
  let v: Verdict = 'unknown'
  for (let i = 0; i < events.length; i++) v = m.step(events[i], times[i])
  return v
}

/** Subscribes `from(events).pipe(op, count())` to completion: events that came out, and how it ended. */
function pipeThrough(
  events: readonly Ev[],
  op: (source: ReturnType<typeof from<readonly Ev[]>>) => ReturnType<typeof from<unknown[]>>,
): string {
  let passed = -1
  let outcome = 'did not end'
  op(from(events))
    .pipe(count())
    .subscribe({
      next: c => (passed = c),
      error: (e: Error) => (outcome = `error: ${e.message}`),
      complete: () => (outcome = 'completed'),
    })
  return `${passed.toLocaleString('en-US')} out, ${outcome}`
}

// ---------------------------------------------------------------------------------------------
// The baseline: a recursive evaluator of the formula tree over a finite prefix (LTLf: X is strong,
// nothing holds past the end), re-run over the whole prefix after every event.

/** Value of `f` at position i of the prefix trace[0 .. n-1]; time bounds over `t` in ms. */
function holds(f: Formula, trace: readonly Ev[], n: number, i: number): boolean {
  switch (f.kind) {
    case 'true':
      return true
    case 'false':
      return false
    case 'atom':
      return ATOMS[f.name as AtomName](trace[i])
    case 'not':
      return !holds(f.operand, trace, n, i)
    case 'and':
      return holds(f.left, trace, n, i) && holds(f.right, trace, n, i)
    case 'or':
      return holds(f.left, trace, n, i) || holds(f.right, trace, n, i)
    case 'implies':
      return !holds(f.left, trace, n, i) || holds(f.right, trace, n, i)
    case 'iff':
      return holds(f.left, trace, n, i) === holds(f.right, trace, n, i)
    case 'next':
      return i + 1 < n && holds(f.operand, trace, n, i + 1)
    case 'previous':
      return i > 0 && holds(f.operand, trace, n, i - 1)
    case 'eventually': {
      const lower = f.bound?.lower ?? 0
      const upper = f.bound?.upper ?? Infinity
      for (let j = i; j < n && trace[j].t - trace[i].t <= upper; j++)
        if (trace[j].t - trace[i].t >= lower && holds(f.operand, trace, n, j)) return true
      return false
    }
    case 'always': {
      const lower = f.bound?.lower ?? 0
      const upper = f.bound?.upper ?? Infinity
      for (let j = i; j < n && trace[j].t - trace[i].t <= upper; j++)
        if (trace[j].t - trace[i].t >= lower && !holds(f.operand, trace, n, j)) return false
      return true
    }
    case 'once': {
      const lower = f.bound?.lower ?? 0
      const upper = f.bound?.upper ?? Infinity
      for (let j = i; j >= 0 && trace[i].t - trace[j].t <= upper; j--)
        if (trace[i].t - trace[j].t >= lower && holds(f.operand, trace, n, j)) return true
      return false
    }
    case 'historically': {
      const lower = f.bound?.lower ?? 0
      const upper = f.bound?.upper ?? Infinity
      for (let j = i; j >= 0 && trace[i].t - trace[j].t <= upper; j--)
        if (trace[i].t - trace[j].t >= lower && !holds(f.operand, trace, n, j)) return false
      return true
    }
    case 'until': {
      // right at some j in the window, left at every position from i to before j
      const lower = f.bound?.lower ?? 0
      const upper = f.bound?.upper ?? Infinity
      for (let j = i; j < n && trace[j].t - trace[i].t <= upper; j++) {
        if (trace[j].t - trace[i].t >= lower && holds(f.right, trace, n, j)) return true
        if (!holds(f.left, trace, n, j)) return false
      }
      return false
    }
    case 'since': {
      // right at some j <= i in the window, left at every position after j up to i
      const lower = f.bound?.lower ?? 0
      const upper = f.bound?.upper ?? Infinity
      for (let j = i; j >= 0 && trace[i].t - trace[j].t <= upper; j--) {
        if (trace[i].t - trace[j].t >= lower && holds(f.right, trace, n, j)) return true
        if (!holds(f.left, trace, n, j)) return false
      }
      return false
    }
    case 'release': // a R b: b up to and including the first a, or b to the end
      for (let j = i; j < n; j++) {
        if (!holds(f.right, trace, n, j)) return false
        if (holds(f.left, trace, n, j)) return true
      }
      return true
    case 'weakUntil': // a W b: a until b, or a to the end
      for (let j = i; j < n; j++) {
        if (holds(f.right, trace, n, j)) return true
        if (!holds(f.left, trace, n, j)) return false
      }
      return true
  }
}

interface NaiveRun {
  /** Prefixes evaluated (events fed). */
  events: number
  ms: number
  /** Cumulative time at every 1 000 events. */
  at: number[]
  msAt: number[]
  /** Value after the last event fed. */
  last: boolean
  /** Events after which the value was false. */
  falses: number
}

/**
 * After each event k, evaluates `f` over trace[0 .. k-1] from scratch: at position 0 for a future
 * formula, at the last position for a past one. Stops after `budgetMs` (checked every 1 000 events).
 */
function naive(f: Formula, past: boolean, trace: readonly Ev[], n: number, budgetMs = Infinity): NaiveRun {
  const at: number[] = []
  const msAt: number[] = []
  let last = true
  let falses = 0
  let k = 0
  const t0 = performance.now()
  while (k < n) {
    k++
    last = holds(f, trace, k, past ? k - 1 : 0)
    if (!last) falses++
    if (k % 1000 === 0) {
      const ms = performance.now() - t0
      at.push(k)
      msAt.push(ms)
      if (ms > budgetMs) break
    }
  }
  return { events: k, ms: performance.now() - t0, at, msAt, last, falses }
}

// ---------------------------------------------------------------------------------------------

const PAST = 'H (req -> O ack) && !(err S reset) && (Y grant -> O req) && ((done S start) || H ok)'
const FUTURE = [
  'G (req -> F ack)',
  'G (req -> X (!req U ack)) && G (err -> F reset)',
  'G (req -> X (!req U ack)) && G (err -> F reset) && G (start -> X (ok W done))',
  'G (req -> F ack) && G (ack -> O req) && G (grant -> Y (!grant S req) || F done)',
]

console.log('## LTL runtime verification')
console.log()
console.log(machineLine())
console.log()

// 0. the issue's goal rows: createMonitor beside a hand-written evaluator of the same formula

/** The events of the goal rows: one boolean per atom, one shape, so the predicates stay monomorphic. */
interface Job {
  req: boolean
  busy: boolean
  grant: boolean
  pending: boolean
  ack: boolean
  err: boolean
  fault: boolean
}
const JOB_ATOMS = {
  req: (e: Job) => e.req,
  busy: (e: Job) => e.busy,
  grant: (e: Job) => e.grant,
  pending: (e: Job) => e.pending,
  ack: (e: Job) => e.ack,
  err: (e: Job) => e.err,
  fault: (e: Job) => e.fault,
}
const SEVEN = 'G ((req && !busy) -> (O grant || (pending S (ack && !err)) || Y ack || H !fault))'
const RESPONSE = 'G (req -> F grant)'
const POOL = 1024

/** What a programmer would write for SEVEN: its four past operators as four booleans, the same seven predicate calls. */
class HandSeven {
  private once = false
  private since = false
  private lastAck = false
  private noFault = true
  private verdict: Verdict = 'unknown'
  step(e: Job): Verdict {
    const p = JOB_ATOMS
    const req = p.req(e)
    const busy = p.busy(e)
    const grant = p.grant(e)
    const pending = p.pending(e)
    const ack = p.ack(e)
    const err = p.err(e)
    const fault = p.fault(e)
    this.once = this.once || grant
    this.since = (ack && !err) || (pending && this.since)
    this.noFault = this.noFault && !fault
    const holds = !(req && !busy) || this.once || this.since || this.lastAck || this.noFault
    this.lastAck = ack
    if (!holds) this.verdict = 'false'
    return this.verdict
  }
}

/** What a programmer would write for RESPONSE: one boolean, a request still waiting (its LTL3 verdict is always 'unknown'). */
class HandResponse {
  waiting = false
  step(e: Job): Verdict {
    const req = JOB_ATOMS.req(e)
    const grant = JOB_ATOMS.grant(e)
    this.waiting = (this.waiting || req) && !grant
    return 'unknown'
  }
}

/**
 * For SEVEN: random jobs without a grant (so `O grant` stays false and the formula is not settled
 * by it) and with a fault now and then (so `H !fault` fails early), where a request that none of
 * the disjuncts covers is marked busy. busy appears only in the antecedent, so marking changes no
 * past value; two passes suffice, since from the second pass on every pass sees the same past values.
 */
function sevenPool(seed: number): Job[] {
  const r = random(seed)
  const pool: Job[] = Array.from({ length: POOL }, () => ({
    req: r() < 0.3,
    busy: r() < 0.3,
    grant: false,
    pending: r() < 0.6,
    ack: r() < 0.3,
    err: r() < 0.2,
    fault: r() < 0.01,
  }))
  let since = false
  let lastAck = false
  let noFault = true
  for (let pass = 0; pass < 2; pass++) {
    for (const e of pool) {
      since = (e.ack && !e.err) || (e.pending && since)
      noFault = noFault && !e.fault
      if (e.req && !since && !lastAck && !noFault) e.busy = true
      lastAck = e.ack
    }
  }
  return pool
}

/** For RESPONSE: a request at 10 % of jobs and a grant at 10 %, independently. */
function responsePool(seed: number): Job[] {
  const r = random(seed)
  return Array.from({ length: POOL }, () => ({
    req: r() < 0.1,
    busy: false,
    grant: r() < 0.1,
    pending: false,
    ack: false,
    err: false,
    fault: false,
  }))
}

// one feeding loop per evaluator, so that each loop's call site sees one step function (as a
// user's loop over one monitor does) and V8 may inline it
function feedSevenHand(m: HandSeven, pool: readonly Job[]): Verdict {
  let v: Verdict = 'unknown'
  for (let i = 0; i < N; i++) v = m.step(pool[i & (POOL - 1)])
  return v
}
function feedSevenMonitor(m: Monitor<Job>, pool: readonly Job[]): Verdict {
  let v: Verdict = 'unknown'
  for (let i = 0; i < N; i++) v = m.step(pool[i & (POOL - 1)])
  return v
}
function feedSevenInterpreted(m: Monitor<Job>, pool: readonly Job[]): Verdict {
  let v: Verdict = 'unknown'
  for (let i = 0; i < N; i++) v = m.step(pool[i & (POOL - 1)])
  return v
}
function feedResponseHand(m: HandResponse, pool: readonly Job[]): Verdict {
  let v: Verdict = 'unknown'
  for (let i = 0; i < N; i++) v = m.step(pool[i & (POOL - 1)])
  return v
}
function feedResponseMonitor(m: Monitor<Job>, pool: readonly Job[]): Verdict {
  let v: Verdict = 'unknown'
  for (let i = 0; i < N; i++) v = m.step(pool[i & (POOL - 1)])
  return v
}
function feedResponseInterpreted(m: Monitor<Job>, pool: readonly Job[]): Verdict {
  let v: Verdict = 'unknown'
  for (let i = 0; i < N; i++) v = m.step(pool[i & (POOL - 1)])
  return v
}

{
  const seven = sevenPool(21)
  const response = responsePool(22)
  const sevenMonitor = createMonitor<Job>(SEVEN, { atoms: JOB_ATOMS })
  const sevenInterpreted = compileMonitor<Job>('createMonitor', SEVEN, { atoms: JOB_ATOMS }, false)()
  const responseMonitor = createMonitor<Job>(RESPONSE, { atoms: { req: JOB_ATOMS.req, grant: JOB_ATOMS.grant } })
  const responseInterpreted = compileMonitor<Job>(
    'createMonitor',
    RESPONSE,
    { atoms: { req: JOB_ATOMS.req, grant: JOB_ATOMS.grant } },
    false,
  )()
  const finishOf = (m: Monitor<Job>): string => `'${m.finish()}'`
  const runs: { formula: string; label: string; run: () => Verdict; finish: () => string }[] = [
    { formula: SEVEN, label: 'hand-written', run: () => feedSevenHand(new HandSeven(), seven), finish: () => '' },
    {
      formula: SEVEN,
      label: 'createMonitor (generated step)',
      run: () => (sevenMonitor.reset(), feedSevenMonitor(sevenMonitor, seven)),
      finish: () => finishOf(sevenMonitor),
    },
    {
      formula: SEVEN,
      label: 'createMonitor, interpreted step (no new Function)',
      run: () => (sevenInterpreted.reset(), feedSevenInterpreted(sevenInterpreted, seven)),
      finish: () => finishOf(sevenInterpreted),
    },
    {
      formula: RESPONSE,
      label: 'hand-written',
      run: () => feedResponseHand(new HandResponse(), response),
      finish: () => '',
    },
    {
      formula: RESPONSE,
      label: 'createMonitor (generated step)',
      run: () => (responseMonitor.reset(), feedResponseMonitor(responseMonitor, response)),
      finish: () => finishOf(responseMonitor),
    },
    {
      formula: RESPONSE,
      label: 'createMonitor, interpreted step (no new Function)',
      run: () => (responseInterpreted.reset(), feedResponseInterpreted(responseInterpreted, response)),
      finish: () => finishOf(responseInterpreted),
    },
  ]
  // timed in turn (run r of each, then run r + 1), so that a change in machine load falls on all alike
  const verdicts = runs.map(c => {
    let v: Verdict = 'unknown'
    for (let w = 0; w < 5; w++) v = c.run()
    return v
  })
  const samples: number[][] = runs.map(() => [])
  for (let r = 0; r < 15; r++) {
    runs.forEach((c, k) => {
      const t0 = performance.now()
      c.run()
      samples[k].push(performance.now() - t0)
    })
    await yieldTurn()
  }
  const ms = samples.map(median)
  const rows = runs.map((c, k) => {
    const hand = runs.findIndex(h => h.formula === c.formula)
    return [
      `\`${c.formula.replaceAll('|', '\\|')}\``,
      c.label,
      perSecond(N, ms[k]),
      nsPerEvent(N, ms[k]),
      k === hand ? '1x' : ratio(ms[hand] / ms[k]),
      k === hand ? '' : `>= ${GOAL_HAND_RATIO}x`,
      `'${verdicts[k]}'${c.finish() === '' ? '' : ` / ${c.finish()}`}`,
    ]
  })
  console.log(
    `goal rows: createMonitor with atoms as predicates beside a hand-written evaluator of the same formula calling the same predicates; events from a pool of ${POOL} objects,`,
  )
  console.log(
    `${N.toLocaleString('en-US')} per run, median of 15 runs timed in turn; "vs hand-written": its time per event over ours; verdict after the last event / after finish()`,
  )
  console.log()
  printTable(['formula', 'evaluator', 'M events/s', 'ns/event', 'vs hand-written', 'goal', 'verdict'], rows, [
    'l',
    'l',
    'r',
    'r',
    'r',
    'r',
    'r',
  ])
  console.log()
}
if (process.env.LTL_BENCH_GOAL_ONLY === '1') process.exit(0)
await yieldTurn()

const pastEvents = pastTrace(N, 1)
const futureEvents = futureTrace(N, 2)
const metricEvents = metricTrace(N, 3)

// 1. the past-time kernel
const atomIndex = new Map<string, number>(ATOM_NAMES.map((name, k) => [name, k]))
const A = ATOM_NAMES.length
const flat = new Uint8Array(N * A)
for (let i = 0; i < N; i++) for (let k = 0; k < A; k++) flat[i * A + k] = pastEvents[i][ATOM_NAMES[k]] ? 1 : 0
const views: Uint8Array[] = Array.from({ length: N }, (_, i) => flat.subarray(i * A, (i + 1) * A))
const pastFormula = parseLtl(PAST)

/** Steps `evaluator` over the precomputed atoms; returns the events at which the formula held. */
function kernelViews(evaluator: PastEvaluator, atoms: readonly Uint8Array[], times: ArrayLike<number> | null): number {
  const out = new Uint8Array(1)
  let held = 0
  evaluator.reset()
  for (let i = 0; i < atoms.length; i++) {
    evaluator.step(atoms[i], times === null ? i : times[i], out)
    held += out[0]
  }
  return held
}
function kernelCopy(evaluator: PastEvaluator, values: Uint8Array, width: number): number {
  const atoms = new Uint8Array(width)
  const out = new Uint8Array(1)
  const n = values.length / width
  let held = 0
  evaluator.reset()
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < width; k++) atoms[k] = values[i * width + k]
    evaluator.step(atoms, i, out)
    held += out[0]
  }
  return held
}

const generated = new PastEvaluator([pastFormula], atomIndex)
const interpreter = new PastEvaluator([pastFormula], atomIndex, { generate: false })
const kernel = time(() => kernelViews(generated, views, null), 9)
const kernelCopied = time(() => kernelCopy(generated, flat, A), 9)
const kernelInterp = time(() => kernelViews(interpreter, views, null), 7)
const pastMonitor = createMonitor<Ev>(PAST, { atoms: ATOMS })
const pastMonitorRun = time(() => (pastMonitor.reset(), feed(pastMonitor, pastEvents, false)), 7)
// what createMonitor does before the kernel: the predicates, called through one array as it calls them
const predicateList = ATOM_NAMES.map(name => ATOMS[name])
function predicatesOnly(events: readonly Ev[]): number {
  const values = new Uint8Array(A)
  let held = 0
  for (let i = 0; i < events.length; i++) {
    const e = events[i]
    for (let k = 0; k < A; k++) values[k] = predicateList[k](e) ? 1 : 0
    held += values[0]
  }
  return held
}
const predicates = time(() => predicatesOnly(pastEvents), 7)
{
  const held = (h: number) => `held at ${h.toLocaleString('en-US')} of ${N.toLocaleString('en-US')}`
  const rows = [
    [
      'PastEvaluator.step, generated code, one precomputed Uint8Array per event',
      perSecond(N, kernel.ms),
      nsPerEvent(N, kernel.ms),
      held(kernel.result),
    ],
    [
      'PastEvaluator.step, generated code, atoms copied into one buffer per event',
      perSecond(N, kernelCopied.ms),
      nsPerEvent(N, kernelCopied.ms),
      held(kernelCopied.result),
    ],
    [
      'PastEvaluator.step, interpreter (no new Function)',
      perSecond(N, kernelInterp.ms),
      nsPerEvent(N, kernelInterp.ms),
      held(kernelInterp.result),
    ],
    [
      'createMonitor(...).step(event), 8 predicates',
      perSecond(N, pastMonitorRun.ms),
      nsPerEvent(N, pastMonitorRun.ms),
      `verdict '${pastMonitorRun.result}'`,
    ],
    [
      'reference: the 8 predicates alone, into a Uint8Array per event (no monitor)',
      perSecond(N, predicates.ms),
      nsPerEvent(N, predicates.ms),
      `req at ${predicates.result.toLocaleString('en-US')}`,
    ],
  ]
  console.log(
    `past-time kernel: \`${PAST}\` (${treeSize(pastFormula)} tree nodes, ${generated.size} compiled); goal: >= ${fmt(GOAL_KERNEL / 1e6)} M events/s in the kernel`,
  )
  console.log()
  printTable(['path', 'M events/s', 'ns/event', 'result'], rows)
  console.log()
}
await yieldTurn()

// 2. future-time formulas through createMonitor, timed round-robin with the kernel (run r of each, then
// run r + 1), so that a change in machine load falls on all of them alike
{
  const rows: string[][] = []
  const timeOnce = (fn: () => unknown): number => {
    const t0 = performance.now()
    fn()
    return performance.now() - t0
  }
  const fresh: number[][] = FUTURE.map(() => [])
  FUTURE.forEach(text => feed(createMonitor<Ev>(text, { atoms: ATOMS }), futureEvents, false))
  for (let r = 0; r < 3; r++)
    FUTURE.forEach((text, k) =>
      fresh[k].push(timeOnce(() => feed(createMonitor<Ev>(text, { atoms: ATOMS }), futureEvents, false))),
    )
  const monitors = FUTURE.map(text => createMonitor<Ev>(text, { atoms: ATOMS }))
  for (const m of monitors) for (let w = 0; w < 3; w++) m.reset(), feed(m, futureEvents, false)
  const warm: number[][] = FUTURE.map(() => [])
  const kernelAgain: number[] = []
  for (let r = 0; r < 7; r++) {
    kernelAgain.push(timeOnce(() => kernelViews(generated, views, null)))
    monitors.forEach((m, k) => warm[k].push(timeOnce(() => (m.reset(), feed(m, futureEvents, false)))))
    await yieldTurn()
  }
  const kernelMs = median(kernelAgain)
  FUTURE.forEach((text, k) => {
    const ms = median(warm[k])
    const m = monitors[k]
    rows.push([
      `\`${text}\``,
      String(treeSize(parseLtl(text))),
      perSecond(N, median(fresh[k])),
      perSecond(N, ms),
      nsPerEvent(N, ms),
      `>= ${fmt(GOAL_KERNEL / GOAL_FUTURE_RATIO / 1e6)}`,
      ratio(ms / kernelMs),
      `'${m.verdict}' / '${m.finish()}'`,
    ])
  })
  console.log(
    `future-time formulas through createMonitor(...).step(event), M events/s; "fresh" is a new monitor's first pass (builds its automaton), "warm" after`,
  )
  console.log(
    `passes on the same monitor (kept across reset()); goal: warm within ${GOAL_FUTURE_RATIO}x of the ${fmt(GOAL_KERNEL / 1e6)} M events/s kernel goal; "warm / kernel" is time per event`,
  )
  console.log(
    `against the past kernel of the first table re-timed between these runs (${perSecond(N, kernelMs)} M events/s; precomputed atoms, no predicates); verdict after the last event / after finish() (LTLf)`,
  )
  console.log()
  printTable(['formula', 'nodes', 'fresh', 'warm', 'warm ns/event', 'goal', 'warm / kernel', 'verdict / finish'], rows)
  console.log()
}
await yieldTurn()

// 3. metric formulas, bound x1 .. x1000 on the same trace
{
  const rows: string[][] = []
  const times = Float64Array.from(metricEvents, e => e.t)
  const metricFlat = new Uint8Array(N * A)
  for (let i = 0; i < N; i++) for (let k = 0; k < A; k++) metricFlat[i * A + k] = metricEvents[i][ATOM_NAMES[k]] ? 1 : 0
  const metricViews: Uint8Array[] = Array.from({ length: N }, (_, i) => metricFlat.subarray(i * A, (i + 1) * A))
  // one runner per bound, timed round-robin (run r of every bound, then run r + 1) so that a change
  // in machine load during the section falls on every bound alike
  const cases: { label: string; repeats: number; make: (b: number) => () => string }[] = [
    {
      label: '`G (req -> F[0,b] ack)`, createMonitor',
      repeats: 5,
      make: b => {
        const m = createMonitor<Ev>(`G (req -> F[0,${b}ms] ack)`, { atoms: ATOMS })
        return () => (m.reset(), `'${feed(m, metricEvents, true)}'`)
      },
    },
    {
      label: '`G (req -> F[0,b] ack)`, createMonitor, acks only every b/2 ms (~b/40 requests waiting)',
      repeats: 5,
      make: b => {
        const events = burstTrace(N, b, 4)
        const m = createMonitor<Ev>(`G (req -> F[0,${b}ms] ack)`, { atoms: ATOMS })
        return () => (m.reset(), `'${feedAt(m, events, times)}'`)
      },
    },
    {
      label: '`H (ack -> O[0,b] req)`, createMonitor',
      repeats: 5,
      make: b => {
        const m = createMonitor<Ev>(`H (ack -> O[0,${b}ms] req)`, { atoms: ATOMS })
        return () => (m.reset(), `'${feed(m, metricEvents, true)}'`)
      },
    },
    {
      label: '`H (ack -> O[0,b] req)`, PastEvaluator.step kernel',
      repeats: 7,
      make: b => {
        const evaluator = new PastEvaluator([parseLtl(`H (ack -> O[0,${b}ms] req)`)], atomIndex)
        return () => {
          const held = kernelViews(evaluator, metricViews, times)
          return held === N ? 'held at every event' : `held at ${held.toLocaleString('en-US')} events`
        }
      },
    },
  ]
  for (const c of cases) {
    const runners = BOUNDS_MS.map(c.make)
    const results = new Set<string>()
    for (const run of runners) for (let w = 0; w < 2; w++) results.add(run())
    const samples: number[][] = runners.map(() => [])
    for (let r = 0; r < c.repeats; r++) {
      runners.forEach((run, k) => {
        const t0 = performance.now()
        results.add(run())
        samples[k].push(performance.now() - t0)
      })
      await yieldTurn()
    }
    const ms = samples.map(median)
    rows.push([
      c.label,
      ...ms.map(x => `${perSecond(N, x)} (${nsPerEvent(N, x)} ns)`),
      ratio(ms[ms.length - 1] / ms[0]),
      [...results].join(', '),
    ])
  }
  console.log(
    'metric formulas, one event per ms, a request at 5 % of them answered 1-8 ms later (the same trace for every b; the second row: acks only',
  )
  console.log('every b/2 ms, so at b = 10 s some 250 requests wait at once); M events/s (ns/event);')
  console.log(
    `goal: >= ${fmt(GOAL_METRIC / 1e6)} M events/s, time per event flat as b grows x10, x100, x1000 (last column: ns/event at b = 10 s over b = 10 ms)`,
  )
  console.log()
  printTable(
    ['formula', ...BOUNDS_MS.map(b => `b = ${b >= 1000 ? `${b / 1000} s` : `${b} ms`}`), 'x1000 / x1', 'verdict'],
    rows,
  )
  console.log()
}
await yieldTurn()

// 4. ltlGuard end to end through RxJS
{
  const G = FUTURE[0]
  const rows: string[][] = []
  const add = (label: string, events: readonly Ev[], op: Parameters<typeof pipeThrough>[1], target: string) => {
    const t = time(() => pipeThrough(events, op), 5)
    rows.push([label, perSecond(N, t.ms), nsPerEvent(N, t.ms), target, t.result])
  }
  const goal = `>= ${fmt(GOAL_GUARD / 1e6)}`
  add('`from(events)` alone (RxJS reference)', futureEvents, s => s, '')
  add(
    `ltlGuard(\`${G}\`, { onViolation: 'error' })`,
    futureEvents,
    s => s.pipe(ltlGuard<Ev>(G, { atoms: ATOMS, onViolation: 'error' })),
    goal,
  )
  add(
    "ltlGuard(past formula above, { onViolation: 'error' })",
    pastEvents,
    s => s.pipe(ltlGuard<Ev>(PAST, { atoms: ATOMS, onViolation: 'error' })),
    goal,
  )
  add(
    `ltlGuard(\`${G}\`, { onViolation: 'annotate' })`,
    futureEvents,
    s => s.pipe(ltlGuard<Ev>(G, { atoms: ATOMS, onViolation: 'annotate' })),
    goal,
  )
  add(
    "ltlGuard(past formula above, { onViolation: 'annotate' })",
    pastEvents,
    s => s.pipe(ltlGuard<Ev>(PAST, { atoms: ATOMS, onViolation: 'annotate' })),
    goal,
  )
  add(
    "ltlGuard(`G (req -> F[0,100ms] ack)`, { onViolation: 'error', time })",
    metricEvents,
    s => s.pipe(ltlGuard<Ev>('G (req -> F[0,100ms] ack)', { atoms: ATOMS, onViolation: 'error', time: e => e.t })),
    goal,
  )
  console.log(
    `ltlGuard end to end: from(events).pipe(ltlGuard(...), count()) subscribed to completion (on completion the formulas are finished under LTLf)`,
  )
  console.log()
  printTable(['pipeline', 'M events/s', 'ns/event', 'goal M events/s', 'outcome'], rows)
  console.log()
}
await yieldTurn()

// 5. the baseline: re-evaluation of the whole prefix after every event
{
  const cases: { text: string; past: boolean; events: Ev[]; small: Ev[]; timed: boolean }[] = [
    { text: PAST, past: true, events: pastEvents, small: pastTrace(NAIVE_SMALL, 11), timed: false },
    { text: FUTURE[0], past: false, events: futureEvents, small: futureTrace(NAIVE_SMALL, 12), timed: false },
    { text: FUTURE[2], past: false, events: futureEvents, small: futureTrace(NAIVE_SMALL, 12), timed: false },
    {
      text: 'G (req -> F[0,100ms] ack)',
      past: false,
      events: metricEvents,
      small: metricTrace(NAIVE_SMALL, 13),
      timed: true,
    },
  ]
  const rows: string[][] = []
  const notes: string[] = []
  for (const c of cases) {
    const f = parseLtl(c.text)
    const label = c.text === PAST ? 'past formula above' : `\`${c.text}\``
    // ours: a fresh monitor per run, so building its automaton is included
    const ours = (events: Ev[]) =>
      time(
        () => {
          const m = createMonitor<Ev>(c.text, { atoms: ATOMS })
          feed(m, events, c.timed)
          return m
        },
        3,
        1,
      )
    // 10^4, measured in full
    const small = naive(f, c.past, c.small, c.small.length)
    const oursSmall = ours(c.small)
    const mSmall = oursSmall.result
    // LTLf values agree? past: the monitor's G f holds iff f held at every prefix; future: finish() vs value at position 0
    const ltlf = c.past ? (small.falses === 0 ? 'true' : 'false') : String(small.last)
    const agree = mSmall.finish() === ltlf ? 'yes' : 'NO'
    rows.push([
      label,
      NAIVE_SMALL.toLocaleString('en-US'),
      seconds(small.ms),
      'measured',
      fmt(oursSmall.ms),
      ratio(small.ms / oursSmall.ms),
      `${ltlf} / ${mSmall.verdict}, ${agree}`,
    ])
    await yieldTurn()
    // 10^6, under a budget, then extrapolated from the growth over the last three quarters of the run
    const big = naive(f, c.past, c.events, N, NAIVE_BUDGET_MS)
    const oursBig = ours(c.events)
    let naiveBig = big.ms
    let how = 'measured'
    if (big.events < N) {
      const from = Math.floor(big.at.length / 4)
      const b = loglogSlope(big.at.slice(from), big.msAt.slice(from))
      const k = big.at[big.at.length - 1]
      naiveBig = big.msAt[big.msAt.length - 1] * (N / k) ** b
      how = `extrapolated from ${k.toLocaleString('en-US')} events, time ~ n^${b.toFixed(2)}`
      const quadratic = big.msAt[big.msAt.length - 1] * (N / k) ** 2
      notes.push(
        `${label}: ${k.toLocaleString('en-US')} events in ${seconds(big.msAt[big.msAt.length - 1])}; exponent ${b.toFixed(2)} fitted over ${big.at[from].toLocaleString('en-US')}..${k.toLocaleString('en-US')} events; with exactly n^2: ${seconds(quadratic)}`,
      )
    }
    rows.push([
      label,
      N.toLocaleString('en-US'),
      seconds(naiveBig),
      how,
      fmt(oursBig.ms),
      ratio(naiveBig / oursBig.ms),
      `- / ${oursBig.result.finish()}`,
    ])
    await yieldTurn()
  }
  console.log(
    'baseline: the naive approach, the formula re-evaluated over the whole prefix after every event by a recursive evaluator (LTLf;',
  )
  console.log(
    `future formulas at position 0, past ones at the last position); ours: createMonitor, a fresh monitor per run (automaton built in the run), ms (median);`,
  )
  console.log(
    `at 10^6 the baseline runs ${NAIVE_BUDGET_MS / 1000} s per formula and the rest is EXTRAPOLATED (marked); last column: LTLf value of the whole trace, baseline / ours (finish()), and agreement`,
  )
  console.log()
  printTable(['formula', 'events', 'baseline', 'baseline figure', 'ours ms', 'speed-up', 'LTLf baseline / ours'], rows)
  console.log()
  for (const line of notes) console.log(`extrapolated: ${line}`)
}
