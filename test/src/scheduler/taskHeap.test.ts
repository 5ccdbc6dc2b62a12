import { fc, test } from '@fast-check/vitest'
import { expect } from 'vitest'
import { type HeapEntry, TaskHeap } from '../../../src/scheduler/taskHeap'

type Op = { kind: 'push'; key: number } | { kind: 'pop' } | { kind: 'remove'; pick: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('push' as const), key: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ kind: fc.constant('pop' as const) }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
)

test.prop([fc.array(op, { maxLength: 200 })])(
  'pops in (key, seq) order, FIFO among equal keys, with removals, like a sorted list',
  ops => {
    const heap = new TaskHeap<HeapEntry>()
    let model: HeapEntry[] = []
    let seq = 0
    for (const o of ops) {
      if (o.kind === 'push') {
        const entry = { heapKey: o.key, seq: seq++, heapIndex: -1 }
        heap.push(entry)
        model.push(entry)
      } else if (o.kind === 'pop') {
        model.sort((a, b) => a.heapKey - b.heapKey || a.seq - b.seq)
        expect(heap.pop()).toBe(model.shift())
      } else if (model.length > 0) {
        const victim = model[o.pick % model.length]
        expect(heap.remove(victim)).toBe(true)
        expect(heap.remove(victim)).toBe(false)
        model = model.filter(e => e !== victim)
      }
      expect(heap.size).toBe(model.length)
    }
    model.sort((a, b) => a.heapKey - b.heapKey || a.seq - b.seq)
    for (const expected of model) expect(heap.pop()).toBe(expected)
    expect(heap.pop()).toBeUndefined()
  },
)
