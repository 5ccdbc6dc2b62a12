import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { dtw } from '../../../src/compare/dtw'
import { findMatches, type Match, searchMatches } from '../../../src/compare/findMatches'
import { zNormalize } from '../../../src/compare/pointwise'

/** Brute force: DTW of every window, sorted by (distance, start), taken greedily outside the exclusion zone. */
function bruteForce(
  series: number[],
  query: number[],
  o: {
    k?: number
    threshold?: number
    band?: number
    normalize?: boolean
    exclusionZone?: number
    cost?: 'squared' | 'absolute'
  },
): Match[] {
  const m = query.length
  const q = o.normalize ? Array.from(zNormalize(query)) : query
  const zone = o.exclusionZone ?? Math.floor(m / 2)
  const threshold = o.threshold ?? Infinity
  const k = o.k ?? (o.threshold === undefined ? 1 : Infinity)
  const all: Match[] = []
  for (let s = 0; s + m <= series.length; s++) {
    const raw = series.slice(s, s + m)
    const c = o.normalize ? Array.from(zNormalize(raw)) : raw
    all.push({ start: s, end: s + m - 1, distance: dtw(c, q, { band: o.band, cost: o.cost }) })
  }
  all.sort((a, b) => a.distance - b.distance || a.start - b.start)
  const taken: Match[] = []
  for (const cand of all) {
    if (taken.length >= k || cand.distance > threshold) break
    if (taken.some(t => Math.abs(t.start - cand.start) <= zone)) continue
    taken.push(cand)
  }
  return taken
}

const walk = (steps: number[]) => {
  let x = 0
  return steps.map(d => (x += d))
}
const series = fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 70 }).map(walk)
const query = fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 10 }).map(walk)
const options = fc.record(
  {
    k: fc.integer({ min: 1, max: 4 }),
    // off the integers: distances of small integer series tie exactly with integer thresholds, where
    // rounding (rolling window moments in the bounds) may fall either way
    threshold: fc.integer({ min: 0, max: 60 }).map(t => t + 0.37),
    band: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(0.1, 0.5)),
    normalize: fc.boolean(),
    exclusionZone: fc.integer({ min: 0, max: 6 }),
    cost: fc.constantFrom<'squared' | 'absolute'>('squared', 'absolute'),
  },
  { requiredKeys: [] },
)

const sameMatches = (got: Match[], expected: Match[]) => {
  expect(got.map(x => [x.start, x.end])).toEqual(expected.map(x => [x.start, x.end]))
  got.forEach((x, i) =>
    expect(Math.abs(x.distance - expected[i].distance)).toBeLessThanOrEqual(1e-7 * Math.max(1, expected[i].distance)),
  )
}

describe('findMatches', () => {
  test.prop([series, query, options], { numRuns: 300 })(
    'equals brute force (DTW of every window, greedy by distance then start)',
    (s, q, o) => {
      sameMatches(findMatches(s, q, o), bruteForce(s, q, o))
    },
  )

  it('finds planted copies of a shape in a random walk and prunes nearly every window', () => {
    let seed = 7
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647
    const shape = Array.from({ length: 64 }, (_, i) => 10 * Math.sin((i / 64) * 2 * Math.PI) * Math.exp(-i / 40))
    const s: number[] = []
    let x = 0
    for (let i = 0; i < 20_000; i++) s.push((x += rnd() - 0.5))
    const planted = [3000, 9000, 15500]
    for (const at of planted) for (let i = 0; i < 64; i++) s[at + i] = s[at] + shape[i] * 3 + 5 // scaled and shifted copies
    const { matches, stats } = searchMatches(s, shape, { k: 3, band: 0.1, normalize: true })
    expect(matches.map(m => m.start).sort((a, b) => a - b)).toEqual(planted)
    expect(stats.dtwComputed / stats.windows).toBeLessThan(0.01)
  })

  it('rejects bad input', () => {
    expect(() => findMatches([1, 2], [])).toThrow(/^findMatches: the query is empty/)
    expect(() => findMatches([1, Number.NaN], [1])).toThrow(/^findMatches: series\[1\] must be a finite number/)
    expect(() => findMatches([1], [1], { k: 0 })).toThrow(/^findMatches: k must be an integer >= 1, got 0/)
    expect(() => findMatches([1], [1], { band: -1 })).toThrow(/^findMatches: band/)
    expect(() => findMatches([1], [1], { treshold: 1 } as never)).toThrow(/^findMatches: unknown option "treshold"/)
    expect(findMatches([1, 2], [1, 2, 3])).toEqual([])
  })
})
