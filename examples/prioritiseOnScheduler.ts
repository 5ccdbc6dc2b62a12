/**
 * Two pipelines on one scheduler: `scheduleOn` re-emits each stream through `createNanoScheduler`
 * with a priority, so when both have work ready the alarms go first, whatever order they arrived in.
 * The scheduler is also a real RxJS scheduler: `interval` takes fractional milliseconds.
 */
import { createNanoScheduler, scheduleOn } from 'midstream'
import { from, interval, lastValueFrom, merge, take, tap, toArray } from 'rxjs'

const scheduler = createNanoScheduler({ policy: 'priority' })
const delivered: string[] = []

// The bulk readings are subscribed first, yet the critical alarm is delivered before them.
const bulk$ = from(['reading 1', 'reading 2', 'reading 3']).pipe(scheduleOn(scheduler, { priority: 'low' }))
const alarms$ = from(['ALARM']).pipe(scheduleOn(scheduler, { priority: 'critical', deadline: 1 }))
await lastValueFrom(merge(bulk$, alarms$).pipe(tap(v => delivered.push(v))))
console.log(`delivered: ${delivered.join(', ')}`)

// 250 us ticks
const started = scheduler.now()
const ticks = await lastValueFrom(interval(0.25, scheduler).pipe(take(4), toArray()))
const elapsed = scheduler.now() - started
console.log(`ticks: ${ticks.join(' ')}, at least 1 ms elapsed: ${elapsed >= 1}`)

const stats = scheduler.stats()
console.log(`tasks completed: ${stats.completed}, lateness samples: ${stats.latenessNs.count}`)
