/**
 * Replaying a recording on virtual time: `createVirtualNanoScheduler` runs the same RxJS time
 * operators as the real scheduler, but its clock only moves when told, so two seconds of recorded
 * tokens replay at once, with their recorded timing, and the result is the same on every run.
 */
import { createVirtualNanoScheduler } from 'midstream'
import { bufferTime, from, map, mergeMap, timer } from 'rxjs'

// tokens of an LLM answer with the ms at which each arrived: a stall between 600 and 1700 ms
const recorded = [
  { ts: 120, token: 'Streams' },
  { ts: 180, token: ' are' },
  { ts: 260, token: ' analysed' },
  { ts: 350, token: ' while' },
  { ts: 590, token: ' they' },
  { ts: 1710, token: ' flow' },
  { ts: 1790, token: '.' },
]

const scheduler = createVirtualNanoScheduler()
const counts: number[] = []
from(recorded)
  .pipe(
    mergeMap(r => timer(r.ts, scheduler).pipe(map(() => r))), // each record at its own time
    bufferTime(500, scheduler), // tokens per half second, on the same virtual clock
  )
  .subscribe(batch => counts.push(batch.length))

scheduler.flush() // run everything, moving the clock from one due time to the next
console.log(`tokens per 500 ms: ${counts.join(' ')}`)
console.log(`virtual clock at the end: ${scheduler.now()} ms`)
