import { fc, test } from '@fast-check/vitest'
import { expect } from 'vitest'
import { ChunkedQueue } from '../../../src/structures/chunkedQueue'

// Runs of pushes and shifts long enough to cross chunk boundaries (1024) many times.
const ops = fc.array(
  fc.oneof(
    fc.record({ push: fc.integer({ min: 1, max: 3000 }) }),
    fc.record({ shift: fc.integer({ min: 1, max: 3000 }) }),
    fc.constant('clear' as const),
  ),
  { maxLength: 30 },
)

test.prop([ops])('behaves as an array used as a FIFO queue', program => {
  const q = new ChunkedQueue<number>()
  const model: number[] = []
  let next = 0
  for (const op of program) {
    if (op === 'clear') {
      q.clear()
      model.length = 0
    } else if ('push' in op) {
      for (let i = 0; i < op.push; i++) {
        q.push(next)
        model.push(next++)
      }
    } else {
      for (let i = 0; i < op.shift; i++) expect(q.shift()).toBe(model.shift())
    }
    expect(q.size).toBe(model.length)
  }
  while (model.length > 0) expect(q.shift()).toBe(model.shift())
  expect(q.shift()).toBeUndefined()
})
