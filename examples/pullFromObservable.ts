/**
 * Reading an Observable by pulling: `toAsyncIterable` hands the values of a push source to a
 * `for await` loop, holding at most `highWaterMark` of them while the loop is busy. An Observable
 * cannot be paused, so a value past that bound ends the loop with an error naming the bound, or is
 * dropped and counted; a `break` unsubscribes the source.
 */
import { from as ixFrom } from 'ix/asynciterable'
import { filter, map as ixMap } from 'ix/asynciterable/operators'
import { type BufferedAsyncIterator, BufferOverflowError, toAsyncIterable } from 'midstream'
import { finalize, interval, range } from 'rxjs'

// a slow loop over a fast source: break after three values, and the source is unsubscribed
const ticks = interval(5).pipe(finalize(() => console.log('interval unsubscribed')))
for await (const tick of toAsyncIterable(ticks, { highWaterMark: 16 })) {
  console.log(`tick ${tick}`)
  if (tick === 2) break
}

// range() emits all 20 values at once: more than 8 waiting is an error that names the bound...
try {
  for await (const _ of toAsyncIterable(range(0, 20), { highWaterMark: 8 }));
} catch (error) {
  if (error instanceof BufferOverflowError) console.log(error.message)
}

// ...or, by choice, the oldest values make way and are counted
const iterator = toAsyncIterable(range(0, 20), { highWaterMark: 8, overflow: 'drop-oldest' })[
  Symbol.asyncIterator
]() as BufferedAsyncIterator<number>
const kept: number[] = []
for (let r = await iterator.next(); r.done !== true; r = await iterator.next()) kept.push(r.value)
console.log(`kept ${kept.join(' ')}; dropped ${iterator.dropped}`)

// IxJS operators work on it: from() makes it an AsyncIterableX
const evens = ixFrom(toAsyncIterable(range(1, 10))).pipe(
  filter(x => x % 2 === 0),
  ixMap(x => x * x),
)
const squares: number[] = []
for await (const x of evens) squares.push(x)
console.log(`squares of the even numbers: ${squares.join(' ')}`)
