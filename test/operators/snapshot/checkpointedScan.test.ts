import { fc, test } from '@fast-check/vitest'
import { type CheckpointedScanSnapshot, checkpointedScan, OperatorState, operatorState, SnapshotError } from 'midstream'
import { from, lastValueFrom, Subject, take, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'

type Acc = { sum: number; seen: number[] }
const step = (acc: Acc, x: number, i: number): Acc => ({ sum: acc.sum + x * (i + 1), seen: [...acc.seen, x].slice(-3) })
const seed: Acc = { sum: 0, seen: [] }

/** The oracle: a plain fold, written without the operator. */
function fold(xs: readonly number[]): Acc[] {
  const out: Acc[] = []
  let acc = seed
  xs.forEach((x, i) => {
    acc = step(acc, x, i)
    out.push(acc)
  })
  return out
}

describe('checkpointedScan', () => {
  test.prop([fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 60 }), fc.nat()])(
    'snapshot after any k values, through JSON, restored in a new handle and continued = one uninterrupted run',
    async (xs, cut) => {
      const k = cut % (xs.length + 1)
      const first = operatorState<CheckpointedScanSnapshot>()
      const head = await lastValueFrom(
        from(xs.slice(0, k)).pipe(checkpointedScan(step, seed, { state: first }), toArray()),
      )
      const saved = JSON.parse(JSON.stringify(first.snapshot() ?? null))
      const second = operatorState<CheckpointedScanSnapshot>(saved ?? undefined)
      const tail = await lastValueFrom(
        from(xs.slice(k)).pipe(checkpointedScan(step, seed, { state: second }), toArray()),
      )
      expect([...head, ...tail]).toEqual(fold(xs))
      const whole = operatorState<CheckpointedScanSnapshot>()
      await lastValueFrom(from(xs).pipe(checkpointedScan(step, seed, { state: whole }), toArray()))
      expect(second.snapshot()).toEqual(whole.snapshot())
    },
  )

  it('hands out the live state between elements, and the final state after the end', () => {
    const state = operatorState<CheckpointedScanSnapshot>()
    const input = new Subject<number>()
    const sub = input.pipe(checkpointedScan((a: number, x: number) => a + x, 0, { state })).subscribe()
    expect(state.attached).toBe(true)
    input.next(2)
    input.next(3)
    expect(state.snapshot()).toEqual({ kind: 'checkpointedScan', version: 1, index: 2, value: 5 })
    sub.unsubscribe()
    expect(state.attached).toBe(false)
    input.next(100)
    expect(state.snapshot()).toEqual({ kind: 'checkpointedScan', version: 1, index: 2, value: 5 })
  })

  it('a new subscription (a retry) continues from the latest state', async () => {
    const state = operatorState<CheckpointedScanSnapshot>()
    const sum = checkpointedScan((a: number, x: number) => a + x, 0, { state })
    await lastValueFrom(from([1, 2, 3]).pipe(sum, toArray()))
    expect(await lastValueFrom(from([4]).pipe(sum, toArray()))).toEqual([10])
  })

  it('take stops an endless synchronous source, and the state is the one at the stop', async () => {
    const state = operatorState<CheckpointedScanSnapshot>()
    const naturals = from(
      (function* () {
        for (let i = 1; ; i++) yield i
      })(),
    )
    expect(
      await lastValueFrom(
        naturals.pipe(
          checkpointedScan((a: number, x: number) => a + x, 0, { state }),
          take(4),
          toArray(),
        ),
      ),
    ).toEqual([1, 3, 6, 10])
    expect(state.snapshot()?.value).toBe(10)
  })

  it('toJSON and fromJSON carry a Map', async () => {
    const state = operatorState<CheckpointedScanSnapshot>()
    const count = (m: Map<string, number>, w: string) => new Map(m).set(w, (m.get(w) ?? 0) + 1)
    const options = {
      state,
      toJSON: (m: Map<string, number>) => [...m],
      fromJSON: (j: unknown) => new Map(j as [string, number][]),
    }
    await lastValueFrom(from(['a', 'b', 'a']).pipe(checkpointedScan(count, new Map(), options), toArray()))
    const again = operatorState(JSON.parse(JSON.stringify(state.snapshot())))
    const out = await lastValueFrom(
      from(['a']).pipe(checkpointedScan(count, new Map(), { ...options, state: again }), toArray()),
    )
    expect([...out[0]]).toEqual([
      ['a', 3],
      ['b', 1],
    ])
  })

  it('a throwing accumulator errors the stream with its error', async () => {
    const boom = new Error('boom')
    const run = lastValueFrom(
      from([1, 2]).pipe(
        checkpointedScan((_a: number, x: number) => {
          if (x === 2) throw boom
          return x
        }, 0),
      ),
    )
    await expect(run).rejects.toBe(boom)
  })

  it('a snapshot of another kind or version errors the subscription with a SnapshotError naming both', async () => {
    const other = new OperatorState({ kind: 'dtwMatch', version: 1 } as never)
    const run = lastValueFrom(from([1]).pipe(checkpointedScan((a: number) => a, 0, { state: other })))
    await expect(run).rejects.toThrow(SnapshotError)
    await expect(run).rejects.toThrow(
      /^checkpointedScan: the snapshot is of kind "dtwMatch", expected "checkpointedScan"/,
    )
    const newer = new OperatorState({ kind: 'checkpointedScan', version: 9, index: 0, value: 0 } as never)
    await expect(
      lastValueFrom(from([1]).pipe(checkpointedScan((a: number) => a, 0, { state: newer }))),
    ).rejects.toThrow(/version 9, this version reads 1/)
    expect(other.attached).toBe(false)
    expect(other.snapshot()).toEqual({ kind: 'dtwMatch', version: 1 })
  })

  it('a handle serves one subscription at a time', async () => {
    const state = operatorState<CheckpointedScanSnapshot>()
    const input = new Subject<number>()
    const scan = checkpointedScan((a: number, x: number) => a + x, 0, { state })
    const sub = input.pipe(scan).subscribe()
    await expect(lastValueFrom(from([1]).pipe(scan))).rejects.toThrow(
      /^checkpointedScan: the state handle is already in use/,
    )
    sub.unsubscribe()
  })

  it('bad options are typed errors at the call', () => {
    expect(() => checkpointedScan(5 as never, 0)).toThrow(/^checkpointedScan: accumulator must be a function/)
    expect(() => checkpointedScan((a: number) => a, 0, { state: {} as never })).toThrow(
      /^checkpointedScan: state must be a handle from operatorState/,
    )
    expect(() => checkpointedScan((a: number) => a, 0, { stat: 1 } as never)).toThrow(TypeError)
  })
})
