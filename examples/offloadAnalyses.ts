/**
 * Heavy analyses off the event loop: attractorWindow's windows and a search of a long archive run
 * in worker threads (midstream/offload, on the optional peer tinypool), while the main thread's
 * timers keep firing. The reports are exactly those of the in-thread operator.
 */
import { attractorWindow, findMatchesOffloaded } from 'midstream'
import { workerPool } from 'midstream/offload'
import { from, lastValueFrom, toArray } from 'rxjs'

/** The logistic map x -> r x (1 - x): a period-4 cycle at r = 3.5, chaos at r = 3.9. */
function logistic(n: number, r: number, x0 = 0.3): number[] {
  const xs: number[] = []
  for (let i = 0, x = x0; i < n; i++, x = r * x * (1 - x)) xs.push(x)
  return xs
}

const series = [...logistic(1000, 3.5), ...logistic(1000, 3.9)]
const pool = workerPool({ workers: 2 }) // one pool for every operator and search that uses it

let ticks = 0
const timer = setInterval(() => ticks++, 1)
const inThread = await lastValueFrom(from(series).pipe(attractorWindow({ window: 500, hop: 250 }), toArray()))
console.log(`timer ticks during the in-thread analysis: ${ticks}`)

ticks = 0
const offloaded = await lastValueFrom(
  from(series).pipe(attractorWindow({ window: 500, hop: 250, offload: pool }), toArray()),
)
console.log(`timer ticks during the offloaded analysis: ${ticks > 0 ? 'some' : 'none'}`)
clearInterval(timer)
for (const r of offloaded) console.log(`values ${r.start}-${r.end}: ${r.regime}`)
console.log(`same reports as in-thread: ${JSON.stringify(offloaded) === JSON.stringify(inThread)}`)

// a long archive, searched in a worker: a bump planted at 123 456
const archive = Array.from({ length: 200_000 }, (_, i) => Math.sin(i / 40))
const bump = [0, 0.5, 1.5, 3, 1.5, 0.5, 0]
archive.splice(123_456, bump.length, ...bump)
const [best] = await findMatchesOffloaded(pool, archive, bump, { k: 1 })
console.log(`best match at ${best.start}, distance ${best.distance.toFixed(3)}`)

// nothing holds the pool now: its threads are closed and the process exits by itself
console.log(pool.stats())
