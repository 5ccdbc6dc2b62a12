/**
 * Testing your own pipelines: `timedStream` generates timed streams (gaps, bursts of values at one
 * instant, and an end that is a completion, an error or nothing) and `runTimed` plays one through
 * a pipeline on virtual time, returning what came out and when. With fast-check (in a vitest suite,
 * `test.prop` from @fast-check/vitest does the same) a property is checked on many streams, and a
 * failing one is shrunk to a small counterexample.
 */
import fc from 'fast-check'
import { runTimed, timedStream } from 'midstream/testing'
import { bufferTime, debounceTime, delay } from 'rxjs'

// delay(5) shifts every value by exactly 5 ms and keeps the order: holds
const shifted = fc.property(timedStream(fc.integer(), { ends: ['complete'] }), stream => {
  const out = runTimed(stream, (source, scheduler) => source.pipe(delay(5, scheduler)))
  const expected = stream.events.map(e => ({ time: e.time + 5, value: e.value }))
  return JSON.stringify(out.values) === JSON.stringify(expected) && out.leftover === 0
})
console.log(
  `delay(5) shifts every value by 5 ms: ${fc.check(shifted, { seed: 1, numRuns: 200 }).failed ? 'fails' : 'holds on 200 streams'}`,
)

// bufferTime(10) loses no value: holds
const keepsAll = fc.property(timedStream(fc.integer(), { ends: ['complete'] }), stream => {
  const out = runTimed(stream, (source, scheduler) => source.pipe(bufferTime(10, scheduler)))
  return out.values.flatMap(v => v.value).length === stream.events.length
})
console.log(
  `bufferTime(10) keeps every value: ${fc.check(keepsAll, { seed: 1, numRuns: 200 }).failed ? 'fails' : 'holds on 200 streams'}`,
)

// debounceTime(5) keeps every value: false, and fast-check finds the smallest stream that shows it
const debounced = fc.property(timedStream(fc.integer(), { ends: ['complete'] }), stream => {
  const out = runTimed(stream, (source, scheduler) => source.pipe(debounceTime(5, scheduler)))
  return out.values.length === stream.events.length
})
const result = fc.check(debounced, { seed: 1, numRuns: 200 })
const [smallest] = result.counterexample ?? [{ events: [] }]
console.log(
  `debounceTime(5) keeps every value: fails, e.g. on ${smallest.events.length} events at times ${smallest.events.map(e => e.time).join(', ')}`,
)
