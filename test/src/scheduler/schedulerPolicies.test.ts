import { fc, test } from '@fast-check/vitest'
import { createVirtualNanoScheduler, type Policy, type PriorityName } from 'midstream'
import { PRIORITIES } from 'midstream/scheduler'
import { describe, expect } from 'vitest'

interface Spec {
  delay: number
  priority: PriorityName
  deadline: number | undefined
  period: number | undefined
  cost: number
}

const spec: fc.Arbitrary<Spec> = fc.record({
  // few distinct delays, so that several tasks become ready at the same instant
  delay: fc.constantFrom(0, 0, 1, 2.5, 4),
  priority: fc.constantFrom(...(Object.keys(PRIORITIES) as PriorityName[])),
  deadline: fc.option(fc.constantFrom(1, 3, 3, 7, 20), { nil: undefined }),
  period: fc.option(fc.constantFrom(5, 10, 10, 40), { nil: undefined }),
  cost: fc.constantFrom(0, 0.5, 2),
})

/** The order a policy must produce, computed plainly: group by due time, sort each group by key, FIFO on ties. */
function expectedOrder(policy: Policy, specs: Spec[]): number[] {
  const key = (s: Spec): number => {
    const deadlineAt = s.delay + (s.deadline ?? Infinity)
    switch (policy) {
      case 'priority':
        return -PRIORITIES[s.priority]
      case 'edf':
        return deadlineAt
      case 'llf':
        return deadlineAt - s.cost
      case 'rate-monotonic':
        return s.period ?? Infinity
    }
  }
  const indices = specs.map((_, i) => i)
  const cmp = (a: number, b: number) => {
    const byDue = specs[a].delay - specs[b].delay
    if (byDue !== 0) return byDue
    const ka = key(specs[a])
    const kb = key(specs[b])
    return ka < kb ? -1 : ka > kb ? 1 : a - b
  }
  return indices.sort(cmp)
}

describe.each<Policy>(['priority', 'edf', 'llf', 'rate-monotonic'])('policy %s', policy => {
  test.prop([fc.array(spec, { maxLength: 60 })])(
    'runs tasks released together in key order, FIFO among equal keys',
    specs => {
      const scheduler = createVirtualNanoScheduler({ policy })
      const ran: number[] = []
      specs.forEach((s, i) => {
        // periodic tasks are run once here: the first release is what the ordering is about
        const sub = scheduler.scheduleTask({
          run: () => {
            ran.push(i)
            sub.unsubscribe()
          },
          delay: s.delay,
          priority: s.priority,
          deadline: s.deadline,
          period: s.period,
          cost: s.cost,
        })
      })
      scheduler.flush()
      expect(ran).toEqual(expectedOrder(policy, specs))
      const stats = scheduler.stats()
      expect(stats.completed).toBe(specs.length)
      expect(stats.queueSize).toBe(0)
    },
  )
})

test.prop([
  fc.array(
    fc.record({
      delay: fc.double({ min: -5, max: 50, noNaN: true }),
      priority: fc.constantFrom<PriorityName>('low', 'high'),
    }),
    { maxLength: 80 },
  ),
])('every task starts at its due time on virtual time (negative delays as 0), and never before', specs => {
  const scheduler = createVirtualNanoScheduler({ startTime: 1000 })
  const started: Array<[number, number]> = []
  specs.forEach((s, i) =>
    scheduler.scheduleTask({ run: () => started.push([i, scheduler.now()]), delay: s.delay, priority: s.priority }),
  )
  scheduler.flush()
  expect(started).toHaveLength(specs.length)
  for (const [i, time] of started) expect(time).toBe(1000 + Math.max(0, specs[i].delay))
  // start times never go backwards
  for (let k = 1; k < started.length; k++) expect(started[k][1]).toBeGreaterThanOrEqual(started[k - 1][1])
})

test.prop([
  fc.array(fc.record({ delay: fc.integer({ min: 0, max: 10 }), period: fc.constantFrom(2, 3, 5, 7, 10) }), {
    minLength: 1,
    maxLength: 12,
  }),
  fc.integer({ min: 0, max: 60 }),
])(
  'rate-monotonic periodic tasks release at delay + k * period; at each instant the shorter period runs first',
  (specs, horizon) => {
    const scheduler = createVirtualNanoScheduler({ policy: 'rate-monotonic' })
    const runs: Array<[number, number]> = []
    specs.forEach((s, i) =>
      scheduler.scheduleTask({ run: () => runs.push([scheduler.now(), i]), delay: s.delay, period: s.period }),
    )
    scheduler.advanceTo(horizon)
    // oracle: every release up to the horizon, ordered by time, then period, then the order the
    // tasks were first scheduled in (a periodic task keeps its place among equals)
    const expected: Array<[number, number]> = []
    specs.forEach((s, i) => {
      for (let t = s.delay; t <= horizon; t += s.period) expected.push([t, i])
    })
    expected.sort((a, b) => a[0] - b[0] || specs[a[1]].period - specs[b[1]].period || a[1] - b[1])
    expect(runs).toEqual(expected)
  },
)
