// The web dashboard page's kernels, in Node: min/max decimation per pixel column against a brute
// force, and the page's series history fed by the server's deltas against the plain list of every
// point pushed.
import { readFileSync } from 'node:fs'
import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import { generatedModule, output } from '../../scripts/dashboard-page.mjs'
import { DashboardModel } from '../../sinks/dashboard/model'
import { minMaxDecimate } from '../../sinks/dashboard/page/decimate'
import { SeriesHistory } from '../../sinks/dashboard/page/series'
import { seriesSince } from '../../sinks/dashboard/webProtocol'

const value = fc.double({ min: -1e6, max: 1e6, noNaN: true })

/** The column a time falls in, as the kernel defines it (or -1 outside [t0, t1]). */
function columnOf(t: number, t0: number, t1: number, columns: number): number {
  if (!(t >= t0 && t <= t1)) return -1
  const span = t1 - t0
  return span > 0 ? Math.min(columns - 1, Math.floor((t - t0) * (columns / span))) : 0
}

describe('minMaxDecimate', () => {
  test.prop([
    fc.integer({ min: 1, max: 50 }), // ring capacity
    fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), value), { maxLength: 120 }), // pushes (time, value)
    fc.integer({ min: 1, max: 40 }), // columns
    fc.integer({ min: -100, max: 600 }),
    fc.integer({ min: 0, max: 700 }),
  ])(
    'keeps exactly each column’s min and max (a point of the input, in column order): every extreme survives',
    (capacity, pushes, columns, t0, width) => {
      const t1 = t0 + width
      // the points as a ring would hold them after these pushes
      const times = new Float64Array(capacity)
      const values = new Float64Array(capacity)
      let head = 0
      let size = 0
      for (const [t, v] of pushes) {
        times[head] = t
        values[head] = v
        head = (head + 1) % capacity
        size = Math.min(capacity, size + 1)
      }
      const held = pushes.slice(pushes.length - size)
      const scratch = new Float64Array(4 * columns)
      const outT = new Float64Array(2 * columns)
      const outV = new Float64Array(2 * columns)
      const n = minMaxDecimate(times, values, head, size, t0, t1, columns, scratch, outT, outV)
      expect(n).toBeLessThanOrEqual(2 * columns)
      // brute force: per column, the smallest and largest value among the held points in it
      const lo = new Map<number, number>()
      const hi = new Map<number, number>()
      for (const [t, v] of held) {
        const c = columnOf(t, t0, t1, columns)
        if (c < 0) continue
        lo.set(c, Math.min(lo.get(c) ?? Number.POSITIVE_INFINITY, v))
        hi.set(c, Math.max(hi.get(c) ?? Number.NEGATIVE_INFINITY, v))
      }
      const outLo = new Map<number, number>()
      const outHi = new Map<number, number>()
      let lastColumn = -1
      for (let i = 0; i < n; i++) {
        const c = columnOf(outT[i], t0, t1, columns)
        expect(c).toBeGreaterThanOrEqual(lastColumn) // in column order
        lastColumn = c
        expect(held.some(([t, v]) => t === outT[i] && v === outV[i])).toBe(true) // a real point
        outLo.set(c, Math.min(outLo.get(c) ?? Number.POSITIVE_INFINITY, outV[i]))
        outHi.set(c, Math.max(outHi.get(c) ?? Number.NEGATIVE_INFINITY, outV[i]))
      }
      expect(outLo).toEqual(lo)
      expect(outHi).toEqual(hi)
      // one point for a column whose min and max are the same point, else two
      let expected = 0
      for (const c of lo.keys()) expected += lo.get(c) === hi.get(c) ? 1 : 2
      expect(n).toBe(expected)
    },
  )

  test('a one-sample spike of 5 in 4 000 points of a 0.1 sine, drawn in 300 columns, is kept at full height', () => {
    const times = Float64Array.from({ length: 4000 }, (_, i) => i * 10)
    const values = Float64Array.from({ length: 4000 }, (_, i) => (i === 2345 ? 5 : 0.1 * Math.sin(i / 20)))
    const outT = new Float64Array(600)
    const outV = new Float64Array(600)
    const n = minMaxDecimate(times, values, 0, 4000, 0, 39_990, 300, new Float64Array(1200), outT, outV)
    expect(n).toBeLessThanOrEqual(600)
    expect(Math.max(...outV.subarray(0, n))).toBe(5)
    expect(outT[outV.subarray(0, n).indexOf(5)]).toBe(23_450)
    // what taking every 14th point (4 000 / 300) would draw: the spike is gone
    expect(Math.max(...values.filter((_, i) => i % 14 === 0))).toBeLessThan(0.11)
  })

  test('a single instant (t0 = t1) is one column; an empty ring writes nothing', () => {
    const out = [new Float64Array(4), new Float64Array(4)] as const
    const n = minMaxDecimate([7, 7, 7], [1, 3, 2], 0, 3, 7, 7, 2, new Float64Array(8), out[0], out[1])
    expect([n, [...out[1].subarray(0, n)]]).toEqual([2, [1, 3]])
    expect(minMaxDecimate([0], [0], 0, 0, 0, 1, 2, new Float64Array(8), out[0], out[1])).toBe(0)
  })
})

describe('the page history fed by deltas', () => {
  test.prop([
    fc.integer({ min: 1, max: 30 }), // model ring
    fc.integer({ min: 2, max: 60 }), // page history
    fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 30 }), // points pushed between broadcasts
    fc.array(fc.nat({ max: 30 }), { maxLength: 5 }), // the page reconnects (gets a welcome) before these broadcasts
  ])(
    'holds the last points it was sent, in order, each once; counts as missed exactly the points never sent to it',
    (points, history, batches, reconnects) => {
      const model = new DashboardModel({ points })
      const series = model.series('s')
      const page = new SeriesHistory(history)
      const all: number[] = []
      const delivered = new Set<number>() // positions of the points some message carried
      const deliver = (delta: ReturnType<typeof seriesSince>, welcome: boolean) => {
        for (let i = 0; i < delta.values.length; i++) delivered.add(delta.from + i)
        page.merge(delta, welcome)
      }
      let sentUpTo = 0
      for (const [b, batch] of batches.entries()) {
        for (let i = 0; i < batch; i++) {
          all.push(all.length * 3 - 7)
          series.push(all[all.length - 1], all.length)
        }
        const snap = model.snapshot().series[0]
        // a reconnection (after some data: a first connection starts where the model's ring does)
        if (reconnects.includes(b) && page.next > 0) deliver(seriesSince(snap, 0), true)
        deliver(seriesSince(snap, sentUpTo), false) // the broadcast: points since the last one
        sentUpTo = snap.total
      }
      expect(page.next).toBe(all.length)
      const held = Array.from(
        { length: page.size },
        (_, i) => page.values[(page.head - page.size + i + history) % history],
      )
      const expected = [...delivered].sort((a, b) => a - b).map(i => all[i])
      expect(held).toEqual(expected.slice(-history))
      // the page was there from the start: every point no message carried is one it missed
      expect(page.missed).toBe(all.length - delivered.size)
    },
  )

  test("a first welcome starts the history where the model's ring starts: nothing counts as missed", () => {
    const model = new DashboardModel({ points: 2 })
    for (let i = 0; i < 5; i++) model.series('s').push(i, i)
    const page = new SeriesHistory(10)
    page.merge(seriesSince(model.snapshot().series[0], 0), true)
    expect([page.size, page.next, page.missed]).toEqual([2, 5, 0])
  })

  test('seriesSince: a cursor before what the model keeps gives all it keeps; past the end, nothing', () => {
    const model = new DashboardModel({ points: 3 })
    for (let i = 0; i < 5; i++) model.series('s').push(i, i)
    const snap = model.snapshot().series[0]
    expect(seriesSince(snap, 0)).toMatchObject({ from: 2, values: [2, 3, 4], times: [2, 3, 4] })
    expect(seriesSince(snap, 4)).toMatchObject({ from: 4, values: [4], times: [4] })
    expect(seriesSince(snap, 9)).toMatchObject({ from: 5, values: [], times: [] })
  })
})

test('the committed page script is the bundle of the page sources and uPlot (else: node scripts/dashboard-page.mjs)', async () => {
  expect(readFileSync(output, 'utf8') === (await generatedModule())).toBe(true)
})
