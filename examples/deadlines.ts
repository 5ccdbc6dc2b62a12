/**
 * Policies: the same five tasks, ready at the same instant, in the order each policy runs them. On
 * virtual time, so each task "runs" for exactly the time it says it costs and the order and the
 * missed deadlines are the same on every run.
 */
import { createVirtualNanoScheduler } from 'midstream'

const tasks = [
  { name: 'log', priority: 'background', deadline: 50, cost: 1 },
  { name: 'render', priority: 'normal', deadline: 16, cost: 8 },
  { name: 'backup', priority: 'low', deadline: 14, cost: 1 },
  { name: 'alarm', priority: 'critical', deadline: 20, cost: 2 },
  { name: 'sensor', priority: 'high', deadline: 3, cost: 2 },
] as const

for (const policy of ['priority', 'edf', 'llf'] as const) {
  const scheduler = createVirtualNanoScheduler({ policy })
  const order: string[] = []
  for (const { name, priority, deadline, cost } of tasks) {
    scheduler.scheduleTask({
      priority,
      deadline, // ms from now
      cost, // expected run time, for llf
      run: () => {
        order.push(name)
        scheduler.advanceBy(cost) // the task takes its cost of (virtual) time
      },
    })
  }
  scheduler.flush()
  console.log(`${policy}: ${order.join(', ')} (missed deadlines: ${scheduler.stats().missedDeadlines})`)
}
