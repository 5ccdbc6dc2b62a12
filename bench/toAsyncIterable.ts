/**
 * What pulling an Observable costs per value: `toAsyncIterable` (a ring buffer bounded by
 * highWaterMark) against IxJS's own `from(observable)` (an unbounded queue read through an async
 * generator), the bridge a user of ix would pick. A synchronous source of 100 000 numbers (all of
 * them queue before the first is pulled), the loop summing them; `highWaterMark: Infinity` so that
 * both buffer everything. Medians of 3 runs after a warm-up, alternating. ix's queue shifts an array
 * per value (O(queue length) each), so its time grows with the square of a backlog: 1 000 000
 * did not finish in 5 minutes; `toAsyncIterable` alone is also run on 1 000 000.
 *
 * Run: npm run bench -- toAsyncIterable
 */
import { from as ixFrom } from 'ix/asynciterable'
import { range } from 'rxjs'
import { toAsyncIterable } from '../src/bridges/toAsyncIterable'
import { fmt, machineLine, median, printTable, ratio } from './lib/report'

const N = 100_000
const BIG = 1_000_000

async function sum(iterable: AsyncIterable<number>): Promise<number> {
  let s = 0
  for await (const x of iterable) s += x
  return s
}

const runs = {
  toAsyncIterable: () => sum(toAsyncIterable(range(0, N), { highWaterMark: Infinity })),
  'ix from(observable)': () => sum(ixFrom(range(0, N))),
}

async function main(): Promise<void> {
  console.log(machineLine())
  const times: Record<string, number[]> = { toAsyncIterable: [], 'ix from(observable)': [] }
  const expected = (N * (N - 1)) / 2
  for (let r = 0; r < 4; r++) {
    for (const [name, run] of Object.entries(runs)) {
      const t0 = performance.now()
      const s = await run()
      const ms = performance.now() - t0
      if (s !== expected) throw new Error(`${name}: sum ${s}, expected ${expected}`)
      if (r > 0) times[name].push(ms)
    }
  }
  const ours = median(times.toAsyncIterable)
  const ix = median(times['ix from(observable)'])
  const big: number[] = []
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now()
    if ((await sum(toAsyncIterable(range(0, BIG), { highWaterMark: Infinity }))) !== (BIG * (BIG - 1)) / 2)
      throw new Error('toAsyncIterable: wrong sum on 1 000 000')
    big.push(performance.now() - t0)
  }
  const ours1m = median(big)
  printTable(
    ['bridge, values queued at once', 'ns per value', 'M values/s', 'vs ix from(observable)'],
    [
      ['toAsyncIterable, 100 000', fmt((ours * 1e6) / N), fmt(N / ours / 1e3), ratio(ix / ours)],
      ['ix from(observable), 100 000', fmt((ix * 1e6) / N), fmt(N / ix / 1e3), '1x'],
      ['toAsyncIterable, 1 000 000', fmt((ours1m * 1e6) / BIG), fmt(BIG / ours1m / 1e3), 'ix: not finished in 5 min'],
    ],
  )
}

await main()
