import { fc, test } from '@fast-check/vitest'
import { createNanoScheduler, createVirtualNanoScheduler } from 'midstream'
import { type Clock, SchedulerCore, VirtualTime } from 'midstream/scheduler'
import type { SchedulerAction } from 'rxjs'
import { describe, expect, it } from 'vitest'

/** What one run of an actor does, in order. */
type Op =
  | { kind: 'self'; delay: number } // this.schedule(undefined, delay) on its own action
  | { kind: 'spawn'; level: number; delay: number } // a new action that runs once
  | { kind: 'unsubscribe' } // unsubscribes its own action

interface Actor {
  id: number
  level: number
  /** script[j]: the ops of the actor's j-th run. */
  script: Op[][]
}

/**
 * The reference: a scheduler written as plainly as possible over an array, on virtual time.
 * Ready entries run by (key = -level, seq), the clock jumps to the earliest due time when nothing
 * is ready; each `schedule` call takes the next seq and counts as scheduled; scheduling an action
 * that is still pending replaces (cancels) its entry. A release is timed when it has a delay, is
 * queued from outside a run, or is the first of every `every` zero-delay releases queued in runs.
 */
function reference(actors: Actor[], every: number) {
  interface Entry {
    actor: number
    level: number
    seq: number
    due: number
    timed: boolean
  }
  let now = 0
  let seq = 0
  let countdown = 0
  let inRun = false
  let nextId = actors.length
  const entries: Entry[] = []
  const scripts = new Map<number, Op[][]>(actors.map(a => [a.id, a.script]))
  const runsOf = new Map<number, number>()
  const closed = new Set<number>()
  const order: number[] = []
  const counts = { scheduled: 0, completed: 0, cancelled: 0, timedRuns: 0 }
  const schedule = (actor: number, level: number, delay: number) => {
    if (closed.has(actor)) return
    counts.scheduled++
    const pending = entries.findIndex(e => e.actor === actor)
    if (pending >= 0) {
      entries.splice(pending, 1)
      counts.cancelled++
    }
    let timed = delay > 0 || !inRun
    if (!timed && --countdown <= 0) {
      countdown = every
      timed = true
    }
    entries.push({ actor, level, seq: seq++, due: now + Math.max(0, delay), timed })
  }
  for (const a of actors) schedule(a.id, a.level, 0)
  for (;;) {
    const ready = entries.filter(e => e.due <= now)
    if (ready.length === 0) {
      if (entries.length === 0) break
      now = Math.min(...entries.map(e => e.due))
      continue
    }
    const e = ready.reduce((a, b) => (-b.level < -a.level || (b.level === a.level && b.seq < a.seq) ? b : a))
    entries.splice(entries.indexOf(e), 1)
    order.push(e.actor)
    counts.completed++
    if (e.timed) counts.timedRuns++
    const j = runsOf.get(e.actor) ?? 0
    runsOf.set(e.actor, j + 1)
    inRun = true
    for (const op of scripts.get(e.actor)?.[j] ?? []) {
      if (op.kind === 'self') schedule(e.actor, e.level, op.delay)
      else if (op.kind === 'spawn') schedule(nextId++, op.level, op.delay)
      else {
        const pending = entries.findIndex(x => x.actor === e.actor)
        if (pending >= 0) {
          entries.splice(pending, 1)
          counts.cancelled++
        }
        closed.add(e.actor)
      }
    }
    inRun = false
  }
  return { order, counts }
}

/** The same program on a virtual NanoScheduler, through RxJS actions. */
function onNanoScheduler(actors: Actor[], every: number) {
  const scheduler = createVirtualNanoScheduler({ sampleTimingEvery: every })
  const order: number[] = []
  let nextId = actors.length
  const start = (id: number, level: number, script: Op[][], delay: number) => {
    let runs = 0
    scheduler.withLane({ priority: level }).schedule(function (this: SchedulerAction<unknown>) {
      order.push(id)
      for (const op of script[runs] ?? []) {
        if (op.kind === 'self') this.schedule(undefined, op.delay)
        else if (op.kind === 'spawn') start(nextId++, op.level, [], op.delay)
        else this.unsubscribe()
      }
      runs++
    }, delay)
  }
  for (const a of actors) start(a.id, a.level, a.script, 0)
  scheduler.flush()
  const stats = scheduler.stats()
  return { order, stats }
}

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('self' as const), delay: fc.constantFrom(0, 0, 0, 1, 2) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('spawn' as const),
      level: fc.constantFrom(25, 50, 75),
      delay: fc.constantFrom(0, 1),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unsubscribe' as const) }) },
)
const actors = fc
  .array(
    fc.record({
      level: fc.constantFrom(25, 50, 75),
      script: fc.array(fc.array(op, { maxLength: 3 }), { maxLength: 12 }),
    }),
    { minLength: 1, maxLength: 5 },
  )
  .map(list => list.map((a, id): Actor => ({ id, ...a })))

describe('sampled timing and the held task', () => {
  test.prop([actors, fc.constantFrom(1, 2, 3, 64)])(
    'actions that reschedule themselves run in the reference order; counts are exact, timed runs as sampled',
    (program, every) => {
      const expected = reference(program, every)
      const { order, stats } = onNanoScheduler(program, every)
      expect(order).toEqual(expected.order)
      expect(stats.scheduled).toBe(expected.counts.scheduled)
      expect(stats.completed).toBe(expected.counts.completed)
      expect(stats.cancelled).toBe(expected.counts.cancelled)
      expect(stats.sampleTimingEvery).toBe(every)
      expect(stats.latenessNs.count).toBe(expected.counts.timedRuns)
      expect(stats.runTimeNs.count).toBe(expected.counts.timedRuns)
      expect(stats.queueSize).toBe(0)
    },
  )

  test.prop([fc.double({ min: 1e-4, max: 0.05, noNaN: true }), fc.double({ min: 0.05, max: 2, noNaN: true })])(
    'a chain of untimed runs delays a due task by at most max(10 us, one run)',
    (runMs, delayMs) => {
      // a clock that only the chain's runs move: each run takes exactly runMs
      const clock: Clock & { t: number } = { t: 0, now: () => clock.t, nowNs: () => 0n }
      const time = new VirtualTime(0)
      const core = new SchedulerCore(clock, time, { yieldAfterMs: Infinity, sampleTimingEvery: 1_000_000 })
      let startedAt = NaN
      core.schedule({ run: () => void (startedAt = clock.t) }, { delay: delayMs })
      let runs = 0
      const limit = Math.ceil((delayMs + 0.02) / runMs) + 2
      const chain = {
        run: () => {
          clock.t += runMs
          if (++runs < limit) core.requeue(task, 0)
        },
      }
      const task = core.schedule(chain)
      time.advanceBy(0)
      expect(runs).toBe(limit)
      expect(startedAt).toBeGreaterThanOrEqual(delayMs)
      expect(startedAt - delayMs).toBeLessThanOrEqual(Math.max(0.01, runMs) + 1e-9)
      expect(core.stats()).toMatchObject({ completed: limit + 1, scheduled: limit + 1, queueSize: 0 })
    },
  )

  it('an endless untimed chain still yields to the host, and stops when unsubscribed', async () => {
    const nano = createNanoScheduler()
    let runs = 0
    const sub = nano.schedule(function (this: SchedulerAction<unknown>) {
      runs++
      this.schedule()
    })
    // a timer of the host fires while the chain runs: the drain yields after yieldAfterMs
    await new Promise(resolve => setTimeout(resolve, 1))
    const seen = runs
    expect(seen).toBeGreaterThan(0)
    sub.unsubscribe()
    await new Promise(resolve => setTimeout(resolve, 1))
    expect(runs).toBe(seen)
    const stats = nano.stats()
    expect(stats.completed).toBe(runs)
    expect(stats.scheduled).toBe(runs + 1)
    expect(stats.cancelled).toBe(1)
    expect(stats.queueSize).toBe(0)
    // the first run was queued from outside a drain, then one requeue in sampleTimingEvery is timed
    expect(stats.latenessNs.count).toBe(1 + Math.ceil((runs - 1) / stats.sampleTimingEvery))
  })

  it('rejects a sampleTimingEvery that is not a positive integer, naming it', () => {
    expect(() => createNanoScheduler({ sampleTimingEvery: 0 })).toThrow(/createNanoScheduler: .*sampleTimingEvery/)
    expect(() => createNanoScheduler({ sampleTimingEvery: 1.5 })).toThrow(RangeError)
    expect(() => createVirtualNanoScheduler({ sampleTimingEvery: '8' as unknown as number })).toThrow(TypeError)
  })
})

it('a drain run from inside a task (virtual time moved by the task) loses no held task', () => {
  const time = new VirtualTime(0)
  const core = new SchedulerCore(time, time, { yieldAfterMs: Infinity })
  const ran: string[] = []
  let aRuns = 0
  let cRuns = 0
  core.schedule({ run: () => ran.push('B') }, { delay: 1 }) // arms the wake-up at 1
  const a = core.schedule({
    run: () => {
      ran.push('A')
      if (++aRuns === 1) {
        core.requeue(a, 0) // held
        time.advanceBy(1) // the wake-up drains inside this run
      }
    },
  })
  const c = core.schedule(
    {
      run: () => {
        ran.push('C')
        if (++cRuns === 1) core.requeue(c, 0) // another task requeues itself in the inner drain
      },
    },
    { delay: 1 },
  )
  time.advanceBy(0)
  time.flush()
  expect(ran.filter(x => x === 'A')).toHaveLength(2)
  expect(ran.filter(x => x === 'C')).toHaveLength(2)
  expect(ran.filter(x => x === 'B')).toHaveLength(1)
  expect(core.stats()).toMatchObject({ scheduled: 5, completed: 5, queueSize: 0 })
})
