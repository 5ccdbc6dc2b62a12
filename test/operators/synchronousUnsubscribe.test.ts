import { firstValueFrom, map, Observable, type OperatorFunction, take, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import {
  attractorWindow,
  createVirtualNanoScheduler,
  dtwMatch,
  eventTime,
  ltlGuard,
  ltlVerdicts,
  metaLearn,
} from '../../index'

// An endless synchronous source (capped so that a broken operator fails the test instead of hanging it):
// each operator must stop pulling as soon as the downstream has what it asked for. (scheduleOn is
// left out: it hops to its scheduler, so a synchronous burst is buffered, up to its bufferLimit, by design.)
const CAP = 200_000
function endless(): { source: Observable<number>; pulled: () => number } {
  let pulled = 0
  const source = new Observable<number>(subscriber => {
    for (let i = 0; !subscriber.closed && i < CAP; i++) {
      pulled++
      subscriber.next(i)
    }
    subscriber.complete()
  })
  return { source, pulled: () => pulled }
}

const sine = (i: number) => Math.sin(i * 0.3) + 0.001 * (i % 7)
const cases: Array<[string, OperatorFunction<number, unknown>, number]> = [
  [
    'ltlVerdicts',
    s =>
      s.pipe(
        map(i => ({ p: i === 3 })),
        ltlVerdicts('F p', { closedWorld: true }),
      ),
    1,
  ],
  [
    'ltlGuard',
    s =>
      s.pipe(
        map(i => ({ p: i % 2 === 0 })),
        ltlGuard('G (p -> X !p)', { closedWorld: true }),
      ),
    5,
  ],
  ['dtwMatch', s => s.pipe(map(sine), dtwMatch([0, 0.3, 0.6, 0.3, 0], { threshold: 100 })), 2],
  ['attractorWindow', s => s.pipe(map(sine), attractorWindow({ window: 200, hop: 100 })), 1],
  [
    'metaLearn',
    s =>
      s.pipe(
        map(i => ({ x: i % 3, y: i % 2 })),
        metaLearn<number, number, number>({
          task: 'classification',
          candidates: { constant: () => ({ predict: () => 0, learn: () => undefined }) },
        }),
      ),
    5,
  ],
  ['eventTime', s => s.pipe(eventTime(createVirtualNanoScheduler(), { time: i => i })), 5],
]

describe('operators stop an endless synchronous source when the downstream unsubscribes', () => {
  it.each(cases)('%s', async (_name, operator, wanted) => {
    const { source, pulled } = endless()
    const values = await firstValueFrom(source.pipe(operator, take(wanted), toArray()))
    expect(values).toHaveLength(wanted)
    // a window-based operator needs a window's worth of input; nothing close to the cap
    expect(pulled()).toBeLessThan(5_000)
  })
})
