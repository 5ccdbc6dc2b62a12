import { fc, test } from '@fast-check/vitest'
import { createNanoScheduler, createVirtualNanoScheduler, QueueFullError } from 'midstream'
import { type Clock, SchedulerCore, VirtualTime } from 'midstream/scheduler'
import type { SchedulerAction } from 'rxjs'
import { afterEach, describe, expect, it, vi } from 'vitest'

/** A clock that tasks can move forward by hand: lets a test give a task a known run time. */
function manualClock(): Clock & { t: number } {
  const clock = { t: 0, now: () => clock.t, nowNs: () => BigInt(Math.round(clock.t * 1e6)) }
  return clock
}

describe('cancellation', () => {
  test.prop([fc.array(fc.record({ delay: fc.integer({ min: 0, max: 20 }), cancel: fc.boolean() }), { maxLength: 50 })])(
    'cancelled tasks never run; the rest all do; counts add up',
    specs => {
      const scheduler = createVirtualNanoScheduler()
      const ran = new Set<number>()
      const subs = specs.map((s, i) => scheduler.scheduleTask({ run: () => ran.add(i), delay: s.delay }))
      specs.forEach((s, i) => s.cancel && subs[i].unsubscribe())
      scheduler.flush()
      const expected = specs.flatMap((s, i) => (s.cancel ? [] : [i]))
      expect([...ran].sort((a, b) => a - b)).toEqual(expected)
      const stats = scheduler.stats()
      expect(stats.cancelled).toBe(specs.length - expected.length)
      expect(stats.completed).toBe(expected.length)
      expect(stats.queueSize).toBe(0)
      expect(scheduler.time.pending).toBe(0)
    },
  )

  it('leaves no platform timer or immediate alive once the last action is gone', async () => {
    const kinds = () => process.getActiveResourcesInfo().filter(k => k === 'Timeout' || k === 'Immediate').length
    const before = kinds()
    const nano = createNanoScheduler()
    const subs = [60_000, 5, 0.5, 1000].map(d => nano.schedule(() => {}, d))
    expect(kinds()).toBeGreaterThan(before)
    for (const s of subs) s.unsubscribe()
    expect(kinds()).toBe(before)
    // and after tasks that ran
    await new Promise<void>(resolve => nano.schedule(() => resolve(), 1))
    await new Promise(resolve => setImmediate(resolve))
    expect(kinds()).toBe(before)
    expect(nano.stats()).toMatchObject({ cancelled: 4, completed: 1, queueSize: 0 })
  })

  it('a periodic task stops when unsubscribed, even from inside its own run', () => {
    const scheduler = createVirtualNanoScheduler()
    const times: number[] = []
    const sub = scheduler.scheduleTask({
      run: () => {
        times.push(scheduler.now())
        if (times.length === 4) sub.unsubscribe()
      },
      delay: 1,
      period: 10,
    })
    scheduler.advanceTo(100)
    expect(times).toEqual([1, 11, 21, 31])
    expect(scheduler.stats().queueSize).toBe(0)
  })
})

describe('statistics', () => {
  it('measures run time, lateness and deadline misses from the clock', () => {
    const clock = manualClock()
    const time = new VirtualTime(0)
    // virtual timers, but a clock the tasks move: run times become known exactly
    const core = new SchedulerCore(clock, time, { policy: 'edf', yieldAfterMs: Infinity })
    const order: string[] = []
    core.schedule(
      {
        run: () => {
          order.push('slow')
          clock.t += 5
        },
      },
      { deadline: 2 },
    )
    core.schedule(
      {
        run: () => {
          order.push('fast')
          clock.t += 1
        },
      },
      { deadline: 10 },
    )
    time.advanceBy(0)
    const stats = core.stats()
    expect(order).toEqual(['slow', 'fast'])
    expect(stats.completed).toBe(2)
    expect(stats.missedDeadlines).toBe(1) // slow ends at 5 > 2; fast ends at 6 <= 10
    expect(stats.runTimeNs.max).toBe(5e6)
    expect(stats.latenessNs.max).toBe(5e6) // fast was due at 0 and started at 5
    expect(stats.latenessNs.p50).toBeLessThan(1) // 1 ns histogram bucket
  })

  it('counts a task that throws, reports the error, and goes on', () => {
    const errors: unknown[] = []
    const scheduler = createVirtualNanoScheduler({ onTaskError: e => errors.push(e) })
    const ran: string[] = []
    scheduler.schedule(() => {
      throw new Error('boom')
    })
    scheduler.schedule(() => ran.push('after'))
    scheduler.flush()
    expect(ran).toEqual(['after'])
    expect(errors).toHaveLength(1)
    expect(String(errors[0])).toContain('boom')
    expect(scheduler.stats().failed).toBe(1)
  })
})

describe('bounded queue and bad input', () => {
  it('throws QueueFullError beyond maxQueueSize and accepts work again once drained', () => {
    const scheduler = createVirtualNanoScheduler({ maxQueueSize: 3 })
    for (let i = 0; i < 3; i++) scheduler.schedule(() => {}, i)
    expect(() => scheduler.schedule(() => {})).toThrow(QueueFullError)
    expect(() => scheduler.schedule(() => {})).toThrow(/^NanoScheduler.schedule: the scheduler queue is full: 3 tasks/)
    scheduler.flush()
    expect(() => scheduler.schedule(() => {})).not.toThrow()
  })

  it('names the bad value', () => {
    const s = createVirtualNanoScheduler()
    expect(() => s.schedule(() => {}, Number.NaN)).toThrow(RangeError)
    expect(() => s.schedule(() => {}, Number.NaN)).toThrow(/delay.*NaN/)
    expect(() => s.schedule(() => {}, Infinity)).toThrow(/delay.*Infinity/)
    expect(() => s.schedule(() => {}, '5' as unknown as number)).toThrow(TypeError)
    expect(() => s.scheduleTask({ run: () => {}, priority: 'urgent' as 'high' })).toThrow(
      /^NanoScheduler\.scheduleTask: unknown priority "urgent"/,
    )
    expect(() => s.scheduleTask({ run: () => {}, priority: 101 })).toThrow(RangeError)
    expect(() => s.scheduleTask({ run: () => {}, period: 0 })).toThrow(
      /^NanoScheduler\.scheduleTask: period must be a finite number > 0, got 0$/,
    )
    expect(() => s.scheduleTask({ run: () => {}, deadline: Number.NaN })).toThrow(/deadline/)
    expect(() => createNanoScheduler({ policy: 'fifo' as 'edf' })).toThrow(
      /^createNanoScheduler: policy must be 'priority' or .*, got "fifo"$/,
    )
    expect(() => createNanoScheduler({ precision: 'exact' as 'fine' })).toThrow(/precision/)
    expect(() => createNanoScheduler({ maxQueueSize: 0 })).toThrow(/maxQueueSize/)
    expect(() => s.scheduleTask(null as never)).toThrow(TypeError)
  })

  it('treats a negative delay as 0, and never runs work synchronously inside schedule', () => {
    const s = createVirtualNanoScheduler({ startTime: 50 })
    const ran: number[] = []
    s.schedule(() => ran.push(s.now()), -10)
    expect(ran).toEqual([])
    s.advanceBy(0)
    expect(ran).toEqual([50])
  })
})

describe('under vitest fake timers (hrtime and performance faked too)', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('runs fractional and whole delays in due order as fake time advances', () => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'hrtime', 'performance', 'Date'],
    })
    const nano = createNanoScheduler()
    const t0 = nano.now()
    const seen: Array<[string, number]> = []
    nano.schedule(() => seen.push(['10', nano.now() - t0]), 10)
    nano.schedule(() => seen.push(['0.5', nano.now() - t0]), 0.5)
    nano.schedule(() => seen.push(['5', nano.now() - t0]), 5)
    vi.advanceTimersByTime(4)
    expect(seen.map(s => s[0])).toEqual(['0.5'])
    vi.advanceTimersByTime(20)
    expect(seen.map(s => s[0])).toEqual(['0.5', '5', '10'])
    for (const [label, at] of seen) expect(at).toBeGreaterThanOrEqual(Number(label))
    expect(nano.stats().queueSize).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('fairness to the host', () => {
  it('a drain that runs past yieldAfterMs lets the event loop turn before it goes on', async () => {
    const nano = createNanoScheduler({ yieldAfterMs: 5 })
    const events: string[] = []
    const busyFor = (ms: number) => {
      const until = performance.now() + ms
      while (performance.now() < until);
    }
    await new Promise<void>(resolve => {
      // a chain of 20 tasks of 2 ms each, rescheduling itself at once: 40 ms of work
      nano.schedule(
        function (this: SchedulerAction<number>, i?: number) {
          busyFor(2)
          events.push(`task ${i}`)
          if (i! < 19) this.schedule(i! + 1)
          else resolve()
        },
        0,
        0,
      )
      setImmediate(() => events.push('host turn'))
    })
    const turn = events.indexOf('host turn')
    // without yielding the host turn would come after all 20 tasks
    expect(turn).toBeGreaterThan(0)
    expect(turn).toBeLessThan(20)
    expect(nano.stats().completed).toBe(20)
  })

  it('rejects a yieldAfterMs that is not positive', () => {
    expect(() => createNanoScheduler({ yieldAfterMs: 0 })).toThrow(
      /^createNanoScheduler: yieldAfterMs must be a finite number > 0, got 0$/,
    )
  })
})

describe('periodic tasks that overrun their period', () => {
  test.prop([fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 8 })])(
    'skip the releases that passed while they ran, and count them; never run back to back',
    (period, runTime, runs) => {
      // one manual clock for the core and for a plain timer list the test fires in due order
      const clock = manualClock()
      const timers: Array<{ at: number; fn: () => void }> = []
      const timer = {
        setTimer: (fn: () => void, delayMs: number) => {
          const entry = { at: clock.t + Math.max(0, delayMs), fn }
          timers.push(entry)
          return entry
        },
        clearTimer: (handle: object) => void timers.splice(timers.indexOf(handle as (typeof timers)[number]), 1),
      }
      // with yielding off, every start lands exactly on a release time (a yield costs a turn)
      const core = new SchedulerCore(clock, timer, { yieldAfterMs: Infinity })
      const starts: number[] = []
      const task = core.schedule(
        {
          run: () => {
            starts.push(clock.t)
            clock.t += runTime
            if (starts.length === runs) core.cancel(task)
          },
        },
        { period },
      )
      for (let guard = 0; guard < 10_000 && timers.length > 0; guard++) {
        timers.sort((a, b) => a.at - b.at)
        const next = timers.shift()!
        clock.t = Math.max(clock.t, next.at)
        next.fn()
      }
      // oracle: after a start s, the next start is the first release s + k * period (k >= 1) at or after s + runTime
      const expected = [0]
      let skipped = 0
      while (expected.length < runs) {
        const s = expected[expected.length - 1]
        let next = s + period
        while (next < s + runTime) {
          next += period
          skipped++
        }
        expected.push(next)
      }
      expect(starts).toEqual(expected)
      expect(core.stats().skippedReleases).toBe(skipped)
      expect(core.stats().queueSize).toBe(0)
    },
  )
})
