/**
 * Keyed state that survives a restart. First a checkpoint by hand: `dtwMatch` runs on half the readings,
 * its state goes through JSON (a file, a database), and a new subscription resumes from it with the same
 * matches as one uninterrupted run. Then `runPartitioned`: one pipeline per sensor, over 4 partitions,
 * each key's state committed with its outputs; in-process here, on Redis with `redis: 'redis://...'`.
 */
import { checkpointedScan, type DtwMatchEvent, type DtwMatchSnapshot, dtwMatch, operatorState } from 'midstream'
import { runPartitioned } from 'midstream/redis'
import { from, lastValueFrom, map, merge, Subject, toArray } from 'rxjs'

interface Reading {
  sensor: string
  t: number
  celsius: number
}

const spike = [0, 3, 9, 3, 0]
const series = [1, 1, 0, 3, 9, 3, 0, 1, 1, 1, 0, 2.5, 9.5, 3, 0, 1, 1]

// 1. a checkpoint by hand: a live stream stops after 9 values (the process ends, say), its snapshot kept as
// JSON text; a new subscription resumes from it. (A stream that completes flushes its pending matches instead.)
const matches = (values: number[], state = operatorState<DtwMatchSnapshot>()) =>
  lastValueFrom(from(values).pipe(dtwMatch({ spike }, { threshold: 4, state }), toArray()))
const before = operatorState<DtwMatchSnapshot>()
const live = new Subject<number>()
const first: DtwMatchEvent[] = []
const subscription = live.pipe(dtwMatch({ spike }, { threshold: 4, state: before })).subscribe(m => first.push(m))
for (const x of series.slice(0, 9)) live.next(x)
subscription.unsubscribe()
const saved = JSON.stringify(before.snapshot())
const rest = await matches(series.slice(9), operatorState(JSON.parse(saved)))
const whole = await matches(series)
const ends = (list: { end: number }[]) => list.map(m => m.end).join(', ')
console.log(`resumed: matches ending at ${ends([...first, ...rest])} (uninterrupted: ${ends(whole)})`)
console.log(`the snapshot was ${saved.length} characters of JSON`)

// 2. runPartitioned: one pipeline per sensor, its state in named handles committed with its outputs
const readings: Reading[] = series.flatMap((celsius, t) => [
  { sensor: 'boiler', t, celsius: 60 + celsius },
  { sensor: 'attic', t, celsius: 20 + celsius / 2 },
])
const outputs = await lastValueFrom(
  runPartitioned<Reading, string>({
    name: 'heating',
    input: readings,
    partitions: 4,
    output: 'heating-out',
    key: r => r.sensor,
    pipeline: (readings$, ctx) =>
      merge(
        readings$.pipe(
          dtwMatch({ spike }, { threshold: 4, select: r => r.celsius - 60, time: r => r.t, state: ctx.state('dtw') }),
          map(m => `spike at t=${m.startTime}..${m.endTime}`),
        ),
        readings$.pipe(
          checkpointedScan((max, r) => Math.max(max, r.celsius), -Infinity, {
            state: ctx.state('max'),
            toJSON: max => (Number.isFinite(max) ? max : null),
            fromJSON: json => (json === null ? -Infinity : (json as number)),
          }),
          map(max => `max ${max} °C`),
        ),
      ),
  }).pipe(toArray()),
)
for (const sensor of ['attic', 'boiler']) {
  const mine = outputs.filter(o => o.key === sensor)
  const spikes = mine.filter(o => o.value.startsWith('spike')).map(o => o.value)
  console.log(`${sensor} (partition ${mine[0].partition}): ${mine.at(-1)?.value}; ${spikes.join(', ') || 'no spike'}`)
}
