/**
 * Run by test/offload/processExit.test.ts in a child process, from the sources: a pipeline and a
 * search offloaded to a worker pool, with no cleanup of any kind. The parent checks the process
 * exits by itself (no worker thread left) and that the results equal the in-thread ones.
 */
import { from, lastValueFrom, toArray } from 'rxjs'
import { attractorWindow, findMatches, findMatchesOffloaded } from '../../index'
import { workerPool } from '../../offload/index'
import { logistic } from './dynamics'

const pool = workerPool({ workers: 2 })
const xs = Array.from(logistic(600, 3.9, 9))
const opts = { window: 100, hop: 50, minLength: 50, cCount: 16 }
const offloaded = await lastValueFrom(from(xs).pipe(attractorWindow({ ...opts, offload: pool }), toArray()))
const inThread = await lastValueFrom(from(xs).pipe(attractorWindow(opts), toArray()))
const query = xs.slice(200, 230)
const matches = await findMatchesOffloaded(pool, xs, query, { k: 3 })
console.log(
  JSON.stringify({
    windows: offloaded.length,
    same: JSON.stringify(offloaded) === JSON.stringify(inThread),
    matches: JSON.stringify(matches) === JSON.stringify(findMatches(xs, query, { k: 3 })) ? matches.length : -1,
    stats: pool.stats(),
  }),
)
