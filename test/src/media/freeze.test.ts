import { fc, test } from '@fast-check/vitest'
import { FreezeDetector, type FreezeDetectorSnapshot, SnapshotError } from 'midstream'
import { describe, expect, it } from 'vitest'

/** Pictures as runs: [picture id, frames]; consecutive runs differ. Frames every `stepMs`. */
const runs = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 40 })), { maxLength: 12 })

function lumaOf(picture: number): Uint8Array {
  return new Uint8Array(12).fill(40 * picture + 10)
}

/**
 * Brute force over the runs: frame j of a run that began at frame `start` is `durationMs` into it
 * when j * stepMs - start * stepMs >= durationMs; the first such frame (frozen, or the next run's
 * first) reports the start, the next run's first frame the end.
 */
function expected(pictures: readonly number[], stepMs: number, durationMs: number): unknown[] {
  const out: unknown[] = []
  let start = 0
  const long = (j: number): boolean => j * stepMs - start * stepMs >= durationMs
  for (let i = 1; i < pictures.length; i++) {
    const firstLong = long(i) && (i - 1 === start || !long(i - 1))
    if (firstLong) out.push(['start', i, start * stepMs])
    if (pictures[i] !== pictures[start]) {
      if (long(i)) out.push(['end', i, start * stepMs, i * stepMs])
      start = i
    }
  }
  return out
}

function feed(d: FreezeDetector, pictures: readonly number[], stepMs: number, from = 0): unknown[] {
  const out: unknown[] = []
  for (let i = from; i < pictures.length; i++) {
    if (!d.pushLuma(i * stepMs, lumaOf(pictures[i]), 4, 3)) continue
    if (d.started) out.push(['start', i, d.startMs])
    if (d.ended) out.push(['end', i, d.startMs, d.endMs])
  }
  return out
}

const expand = (rs: ReadonlyArray<readonly [number, number]>): number[] => {
  const pictures: number[] = []
  for (const [id, n] of rs) {
    if (pictures.length > 0 && pictures[pictures.length - 1] === id) continue // consecutive runs differ
    for (let k = 0; k < n; k++) pictures.push(id)
  }
  return pictures
}

describe('FreezeDetector', () => {
  test.prop([runs, fc.constantFrom(40, 100, 1000 / 30), fc.integer({ min: 0, max: 1500 })])(
    'freezes are the runs of one picture lasting durationMs or more (brute force over the runs)',
    (rs, stepMs, durationMs) => {
      const pictures = expand(rs)
      expect(feed(new FreezeDetector({ durationMs }), pictures, stepMs)).toEqual(expected(pictures, stepMs, durationMs))
    },
  )

  test.prop([runs, fc.nat(), fc.boolean()])(
    'a snapshot after any frame, through JSON, continues as the uninterrupted run',
    (rs, cut, byDifference) => {
      const pictures = expand(rs)
      const k = cut % (pictures.length + 1)
      const go = (d: FreezeDetector, from: number, to: number) =>
        byDifference
          ? pictures.slice(from, to).map((p, j) => {
              const i = from + j
              d.pushDifference(i * 100, i > 0 && pictures[i - 1] !== p ? 0.5 : 0)
              return [d.started, d.ended, d.startMs, d.endMs, d.frozen]
            })
          : feed(d, pictures.slice(0, to), 100, from)
      const whole = go(new FreezeDetector({ durationMs: 500 }), 0, pictures.length)
      const first = new FreezeDetector({ durationMs: 500 })
      const head = go(first, 0, k)
      const saved = JSON.parse(JSON.stringify(first.snapshot())) as FreezeDetectorSnapshot
      const tail = go(FreezeDetector.fromSnapshot(saved), k, pictures.length)
      expect([...head, ...tail]).toEqual(whole)
    },
  )

  it('a time going back starts over; bad input is a typed error naming it', () => {
    const d = new FreezeDetector({ durationMs: 200 })
    for (let t = 1000; t <= 1300; t += 100) d.pushDifference(t, 0)
    expect(d.frozen).toBe(true)
    expect(d.pushDifference(0, 0)).toBe(false)
    expect(d.frozen).toBe(false)
    expect(() => d.pushDifference(Number.NaN, 0)).toThrow(/ptsMs must be a finite number, got NaN/)
    expect(() => d.pushDifference(1, 2)).toThrow(/mafd must be a number in \[0, 1\], got 2/)
    expect(() => d.pushLuma(1, new Uint8Array(3), 2, 2)).toThrow(/luma holds 3 bytes/)
    expect(() => new FreezeDetector({ noise: -1 })).toThrow(RangeError)
    expect(() => FreezeDetector.fromSnapshot({ ...d.snapshot(), frozen: 'yes' } as never)).toThrow(SnapshotError)
  })
})
