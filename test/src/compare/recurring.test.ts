import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { dtw } from '../../../src/compare/dtw'
import { zNormalize } from '../../../src/compare/pointwise'
import { findRecurring, findSimilarRecurring } from '../../../src/compare/recurring'
import { rng } from '../../support/rng'

type Found = Array<{ pattern: unknown; length: number; occurrences: number[] }>

/**
 * The oracle: every substring of each length, keyed by its tokens joined (tokens of the small test
 * alphabets never contain the separator), positions collected in a Map, kept when seen twice.
 */
function bruteRecurring(
  tokens: string | unknown[],
  minLength: number,
  maxLength: number,
  key: (x: unknown) => string = String,
): Found {
  const out: Found = []
  for (let length = minLength; length <= maxLength; length++) {
    const positions = new Map<string, number[]>()
    for (let start = 0; start + length <= tokens.length; start++) {
      const parts: string[] = []
      for (let k = 0; k < length; k++) parts.push(key(tokens[start + k]))
      const joined = parts.join('\u0001')
      const list = positions.get(joined)
      if (list) list.push(start)
      else positions.set(joined, [start])
    }
    for (const starts of positions.values()) {
      if (starts.length < 2) continue
      const first = starts[0]
      const pattern =
        typeof tokens === 'string' ? tokens.slice(first, first + length) : tokens.slice(first, first + length)
      out.push({ pattern, length, occurrences: starts })
    }
  }
  out.sort((x, y) => y.length - x.length || x.occurrences[0] - y.occurrences[0])
  return out
}

const lengths = fc
  .tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 8 }))
  .map(([lo, extra]) => [lo, lo + extra] as const)

describe('findRecurring', () => {
  test.prop([fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 60 }), lengths])(
    'equals the brute force on random strings over a small alphabet',
    (s, [lo, hi]) => {
      expect(findRecurring(s, { minLength: lo, maxLength: hi })).toEqual(bruteRecurring(s, lo, hi))
    },
  )

  test.prop([fc.array(fc.constantFrom<unknown>(0, 1, 'x', true, null), { maxLength: 50 }), lengths])(
    'equals the brute force on arrays of mixed values',
    (a, [lo, hi]) => {
      // String(x) is injective on this alphabet
      expect(findRecurring(a, { minLength: lo, maxLength: hi })).toEqual(bruteRecurring(a, lo, hi))
    },
  )

  test.prop([fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 200 }), lengths])(
    'equals the brute force on longer binary arrays (many repeats)',
    (a, [lo, hi]) => {
      expect(findRecurring(a, { minLength: lo, maxLength: hi })).toEqual(bruteRecurring(a, lo, hi))
    },
  )

  test.prop([fc.string({ unit: fc.constantFrom('a', 'A', 'b', 'B'), maxLength: 40 }), lengths])(
    'a custom equals (case-insensitive) equals the brute force on the lower-cased keys',
    (s, [lo, hi]) => {
      const got = findRecurring(s, {
        minLength: lo,
        maxLength: hi,
        equals: (x, y) => x.toLowerCase() === y.toLowerCase(),
      })
      const expected = bruteRecurring(s, lo, hi, x => String(x).toLowerCase())
      expect(got).toEqual(expected)
    },
  )

  it('reports overlapping occurrences', () => {
    expect(findRecurring('aaaa', { minLength: 2, maxLength: 2 })).toEqual([
      { pattern: 'aa', length: 2, occurrences: [0, 1, 2] },
    ])
    expect(findRecurring('aaaa', { minLength: 1, maxLength: 4 })).toEqual([
      { pattern: 'aaa', length: 3, occurrences: [0, 1] },
      { pattern: 'aa', length: 2, occurrences: [0, 1, 2] },
      { pattern: 'a', length: 1, occurrences: [0, 1, 2, 3] },
    ])
    expect(findRecurring('abababa', { minLength: 3, maxLength: 3 })).toEqual([
      { pattern: 'aba', length: 3, occurrences: [0, 2, 4] },
      { pattern: 'bab', length: 3, occurrences: [1, 3] },
    ])
  })

  it('documented examples; SameValueZero on arrays; patterns are fresh arrays', () => {
    expect(findRecurring('abcabc', { minLength: 2, maxLength: 3 })).toEqual([
      { pattern: 'abc', length: 3, occurrences: [0, 3] },
      { pattern: 'ab', length: 2, occurrences: [0, 3] },
      { pattern: 'bc', length: 2, occurrences: [1, 4] },
    ])
    expect(findRecurring([1, Number.NaN, 1, Number.NaN], { minLength: 2, maxLength: 2 })).toEqual([
      { pattern: [1, Number.NaN], length: 2, occurrences: [0, 2] },
    ])
    expect(findRecurring([0, -0], { minLength: 1, maxLength: 1 })).toEqual([
      { pattern: [0], length: 1, occurrences: [0, 1] },
    ])
    const a = { id: 1 }
    const b = { id: 1 }
    expect(findRecurring([a, b, a], { minLength: 1, maxLength: 1 })).toEqual([
      { pattern: [a], length: 1, occurrences: [0, 2] },
    ])
    expect(findRecurring(Int8Array.from([5, 5]), { minLength: 1, maxLength: 1 })[0].pattern).toEqual([5])
    expect(findRecurring('', { minLength: 1, maxLength: 3 })).toEqual([])
    expect(findRecurring('abc', { minLength: 1, maxLength: 3 })).toEqual([])
  })

  it('rejects bad options and input, naming the value', () => {
    expect(() => findRecurring('ab', { minLength: 0, maxLength: 2 })).toThrow(RangeError)
    expect(() => findRecurring('ab', { minLength: 0, maxLength: 2 })).toThrow(/minLength .* got 0/)
    expect(() => findRecurring('ab', { minLength: 1.5, maxLength: 2 })).toThrow(/minLength .* got 1.5/)
    expect(() => findRecurring('ab', { minLength: 3, maxLength: 2 })).toThrow(/maxLength .* got 2/)
    expect(() => findRecurring('ab', { minLength: 1, maxLength: 2.5 })).toThrow(/maxLength .* got 2.5/)
    expect(() => findRecurring('ab', { minLength: 1, maxLength: Number.NaN })).toThrow(RangeError)
    expect(() => findRecurring(42 as never, { minLength: 1, maxLength: 2 })).toThrow(TypeError)
    expect(() => findRecurring('ab', { minLength: 1, maxLength: 2, equals: 'yes' as never })).toThrow(
      /equals must be a function/,
    )
  })

  it('stays fast on a long periodic input (output-sensitive)', () => {
    const s = 'abcde'.repeat(4000)
    const got = findRecurring(s, { minLength: 5, maxLength: 5 })
    expect(got.map(g => g.pattern).sort()).toEqual(['abcde', 'bcdea', 'cdeab', 'deabc', 'eabcd'])
    expect(got[0]).toEqual({ pattern: 'abcde', length: 5, occurrences: Array.from({ length: 4000 }, (_, k) => 5 * k) })
  })
})

type Opts = { length: number; maxDistance: number; band?: number; cost?: 'squared' | 'absolute'; normalize?: boolean }

/**
 * The oracle: DTW for every pair of windows at least ceil(length / 2) apart, edges where it is
 * <= maxDistance, connected components by depth-first search, medoid by summed distance.
 */
function bruteSimilar(x: number[], o: Opts): Array<{ members: number[]; medoid: number }> {
  const count = x.length - o.length + 1
  if (count < 2) return []
  const windows = Array.from({ length: count }, (_, i) => {
    const w = x.slice(i, i + o.length)
    return o.normalize ? Array.from(zNormalize(w)) : w
  })
  const d = (i: number, j: number) =>
    dtw(windows[Math.min(i, j)], windows[Math.max(i, j)], { band: o.band, cost: o.cost })
  const adjacent: number[][] = windows.map(() => [])
  for (let i = 0; i < count; i++) {
    for (let j = i + 1; j < count; j++) {
      if (j - i < Math.ceil(o.length / 2)) continue
      if (d(i, j) <= o.maxDistance) {
        adjacent[i].push(j)
        adjacent[j].push(i)
      }
    }
  }
  const seen = new Array(count).fill(false)
  const groups: Array<{ members: number[]; medoid: number }> = []
  for (let s = 0; s < count; s++) {
    if (seen[s]) continue
    const members: number[] = []
    const todo = [s]
    seen[s] = true
    while (todo.length > 0) {
      const v = todo.pop() as number
      members.push(v)
      for (const u of adjacent[v]) {
        if (!seen[u]) {
          seen[u] = true
          todo.push(u)
        }
      }
    }
    if (members.length < 2) continue
    members.sort((a, b) => a - b)
    let medoid = members[0]
    let bestSum = Infinity
    for (const m of members) {
      let sum = 0
      for (const other of members) if (other !== m) sum += d(m, other)
      if (sum < bestSum) {
        bestSum = sum
        medoid = m
      }
    }
    groups.push({ members, medoid })
  }
  groups.sort((g, h) => h.members.length - g.members.length || g.members[0] - h.members[0])
  return groups
}

/** Small-integer series from a few levels, so that near repeats are common. */
const smallSeries = fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 0, maxLength: 40 })
const similarOptions = fc.record({
  length: fc.integer({ min: 1, max: 7 }),
  maxDistance: fc.integer({ min: 0, max: 12 }),
  band: fc.option(fc.oneof(fc.integer({ min: 0, max: 4 }), fc.double({ min: 0.05, max: 0.95, noNaN: true })), {
    nil: undefined,
  }),
  cost: fc.constantFrom<'squared' | 'absolute'>('squared', 'absolute'),
})

describe('findSimilarRecurring', () => {
  test.prop([smallSeries, similarOptions], { numRuns: 400 })(
    'equals the brute force (all non-trivial pairs, connected components)',
    (x, o) => {
      expect(findSimilarRecurring(x, o)).toEqual(bruteSimilar(x, o))
    },
  )

  test.prop(
    [
      fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -5, max: 5, noNaN: true })), {
        maxLength: 30,
      }),
      similarOptions,
      fc.double({ min: 0, max: 3, noNaN: true }),
    ],
    { numRuns: 400 },
  )('equals the brute force with z-normalised windows and real-valued distances', (x, o, maxDistance) => {
    const opts = { ...o, maxDistance, normalize: true }
    expect(findSimilarRecurring(x, opts)).toEqual(bruteSimilar(x, opts))
  })

  test.prop(
    [
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { minLength: 2, maxLength: 4 }),
    ],
    { numRuns: 50 },
  )('finds a motif planted in noise, and nothing else', (seed, slots) => {
    const random = rng(seed)
    const motifLength = 16
    const motif = Array.from(
      { length: motifLength },
      (_, k) => 20 * Math.sin((Math.PI * k) / (motifLength - 1)) * (k % 4 < 2 ? 1 : -1),
    )
    const x = Array.from({ length: 400 }, () => 6 * random() - 3)
    const plants = slots.map(s => 10 + 38 * s).sort((a, b) => a - b)
    for (const p of plants) motif.forEach((v, k) => (x[p + k] = v + 0.01 * (2 * random() - 1)))
    const groups = findSimilarRecurring(x, { length: motifLength, maxDistance: 0.5, band: 2 })
    const motifGroup = groups.find(g => g.members.includes(plants[0]))
    expect(motifGroup).toBeDefined()
    for (const p of plants) expect(motifGroup?.members).toContain(p)
    const nearPlant = (m: number) => plants.some(p => Math.abs(m - p) < motifLength / 2)
    expect(nearPlant(motifGroup?.medoid ?? -1)).toBe(true)
    // pure noise never recurs: every window in any group holds most of a planted motif
    for (const g of groups) for (const m of g.members) expect(nearPlant(m)).toBe(true)
  })

  it('documented example; short input; exclusion zone', () => {
    const bump = [0, 3, 6, 3, 0]
    const x = [...bump, 9, 9, 9, 9, ...bump, -7, -7, -7]
    expect(findSimilarRecurring(x, { length: 5, maxDistance: 0 })).toEqual([{ members: [0, 9], medoid: 0 }])
    // z-normalised, every single sample is 0: all windows of length 1 are alike
    expect(findSimilarRecurring([3, 0, 0], { length: 1, maxDistance: 0, normalize: true })).toEqual([
      { members: [0, 1, 2], medoid: 0 },
    ])
    expect(findSimilarRecurring([1, 2], { length: 3, maxDistance: 1 })).toEqual([])
    expect(findSimilarRecurring([1, 2, 3], { length: 3, maxDistance: 1 })).toEqual([])
    // a constant run: windows 0 and 1 overlap by 3 of 4 (trivial), 0 and 2 by half (linked)
    expect(findSimilarRecurring([5, 5, 5, 5, 5], { length: 4, maxDistance: 0 })).toEqual([])
    expect(findSimilarRecurring([5, 5, 5, 5, 5, 5], { length: 4, maxDistance: 0 })).toEqual([
      { members: [0, 2], medoid: 0 },
    ])
    // 1 joins through 3 (0-2, 0-3, 1-3): single linkage
    expect(findSimilarRecurring([5, 5, 5, 5, 5, 5, 5], { length: 4, maxDistance: 0 })).toEqual([
      { members: [0, 1, 2, 3], medoid: 0 },
    ])
  })

  it('rejects bad input, naming it', () => {
    expect(() => findSimilarRecurring([1, Number.NaN, 2], { length: 1, maxDistance: 1 })).toThrow(
      /series\[1\] must be a finite number/,
    )
    expect(() => findSimilarRecurring([1, 2, 3], { length: 0, maxDistance: 1 })).toThrow(
      /length must be an integer >= 1, got 0/,
    )
    expect(() => findSimilarRecurring([1, 2, 3], { length: 1.5, maxDistance: 1 })).toThrow(/got 1.5/)
    expect(() => findSimilarRecurring([1, 2, 3], { length: 1, maxDistance: -1 })).toThrow(
      /^findSimilarRecurring: maxDistance must be a number >= 0, got -1/,
    )
    expect(() => findSimilarRecurring([1, 2, 3], { length: 1, maxDistance: Number.NaN })).toThrow(/maxDistance/)
    expect(() => findSimilarRecurring([1, 2, 3], { length: 1, maxDistance: 1, band: -2 })).toThrow(/band .* got -2/)
    expect(() => findSimilarRecurring([1, 2, 3], { length: 1, maxDistance: 1, cost: 'cosine' as never })).toThrow(
      /cost must be/,
    )
  })
})
