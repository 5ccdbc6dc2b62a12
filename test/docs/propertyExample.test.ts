// The property test docs/testing.md shows: delay(5) on virtual time shifts every value by exactly 5 ms.
import { fc, test } from '@fast-check/vitest'
import { runTimed, timedStream } from 'midstream/testing'
import { delay } from 'rxjs'
import { expect } from 'vitest'

test.prop([timedStream(fc.integer(), { ends: ['complete'] })])('delay shifts every value by 5 ms', stream => {
  const out = runTimed(stream, (source, scheduler) => source.pipe(delay(5, scheduler)))
  expect(out.values).toEqual(stream.events.map(e => ({ time: e.time + 5, value: e.value })))
  expect(out.end.kind).toBe('complete')
})
