import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { editDistance } from '../../../src/compare/editDistance'
import { lcsDistance, lcsLength } from '../../../src/compare/lcs'
import {
  binaryAlphabet,
  blockLength,
  lcgString,
  sameValueZero,
  smallAlphabet,
  stringOf,
  wideAlphabet,
} from '../../support/strings'

/** The textbook LCS table, written plainly: the oracle. Calls `equals(a[i], b[j])`. */
function referenceLcs<T>(a: ArrayLike<T>, b: ArrayLike<T>, equals: (x: T, y: T) => boolean = sameValueZero): number {
  const n = a.length
  const m = b.length
  const L: number[][] = Array.from({ length: n + 1 }, () => Array<number>(m + 1).fill(0))
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      L[i][j] = equals(a[i - 1], b[j - 1]) ? L[i - 1][j - 1] + 1 : Math.max(L[i - 1][j], L[i][j - 1])
    }
  }
  return L[n][m]
}

/** `s` with a few random deletions and insertions: close pairs with long common runs. */
const nearPair = fc
  .tuple(stringOf(smallAlphabet), fc.array(fc.tuple(fc.boolean(), fc.nat(), smallAlphabet), { maxLength: 6 }))
  .map(([s, edits]) => {
    let t = s
    for (const [insert, at, c] of edits) {
      const i = at % (t.length + 1)
      t = insert ? t.slice(0, i) + c + t.slice(i) : t.slice(0, i) + t.slice(i + 1)
    }
    return [s, t] as const
  })

describe('lcsLength', () => {
  it('matches known values', () => {
    expect(lcsLength('ABCBDAB', 'BDCABA')).toBe(4)
    expect(lcsLength('AGGTAB', 'GXTXAYB')).toBe(4)
    expect(lcsLength('', 'abc')).toBe(0)
    expect(lcsLength('abc', '')).toBe(0)
    expect(lcsLength('abc', 'abc')).toBe(3)
    expect(lcsLength([1, 2, 3, 4], [2, 4])).toBe(2)
    expect(lcsLength('ab'.repeat(50), 'ba'.repeat(50))).toBe(99)
    expect(lcsLength('a'.repeat(70), 'b'.repeat(40))).toBe(0)
  })

  test.prop([stringOf(smallAlphabet), stringOf(smallAlphabet)])(
    'equals the reference DP on strings over 4 letters',
    (a, b) => {
      expect(lcsLength(a, b)).toBe(referenceLcs(a, b))
    },
  )

  test.prop([stringOf(binaryAlphabet), stringOf(binaryAlphabet)])(
    'equals the reference DP on binary strings',
    (a, b) => {
      expect(lcsLength(a, b)).toBe(referenceLcs(a, b))
    },
  )

  test.prop([stringOf(wideAlphabet), stringOf(wideAlphabet)])(
    'equals the reference DP on strings of any UTF-16 code units',
    (a, b) => {
      expect(lcsLength(a, b)).toBe(referenceLcs(a, b))
    },
  )

  test.prop([nearPair])('equals the reference DP on near-identical strings', ([a, b]) => {
    expect(lcsLength(a, b)).toBe(referenceLcs(a, b))
  })

  it('equals the reference DP on long strings (many carry words, long text)', () => {
    for (const [n, m] of [
      [1000, 1500],
      [2000, 40],
      [700, 700],
      [1, 3000],
    ]) {
      const a = lcgString(n, n)
      const b = lcgString(m, m + 7)
      expect(lcsLength(a, b)).toBe(referenceLcs(a, b))
      expect(lcsLength(b, a)).toBe(referenceLcs(a, b))
    }
  })

  const pool = [{ id: 0 }, { id: 1 }, { id: 2 }]
  const objects = blockLength.chain(n =>
    fc.array(
      fc.integer({ min: 0, max: 2 }).map(i => pool[i]),
      { minLength: n, maxLength: n },
    ),
  )
  test.prop([objects, objects])('equals the reference DP on arrays of objects (by identity)', (a, b) => {
    expect(lcsLength(a, b)).toBe(referenceLcs(a, b))
  })

  const numbers = blockLength.chain(n => fc.array(fc.constantFrom(0, -0, 1, NaN, 2.5), { minLength: n, maxLength: n }))
  test.prop([numbers, numbers])(
    'equals the reference DP on arrays of numbers (SameValueZero: NaN = NaN, 0 = -0)',
    (a, b) => {
      expect(lcsLength(a, b)).toBe(referenceLcs(a, b))
      expect(lcsLength(Float64Array.from(a), b)).toBe(referenceLcs(a, b))
    },
  )

  const ints = blockLength.chain(n => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }))
  test.prop([ints, ints])('with a custom, non-transitive equals equals the reference DP with that equals', (a, b) => {
    const near = (x: number, y: number) => Math.abs(x - y) <= 1
    expect(lcsLength(a, b, { equals: near })).toBe(referenceLcs(a, b, near))
  })

  test.prop([ints, ints])('with an asymmetric equals it is called as equals(a[i], b[j])', (a, b) => {
    const less = (x: number, y: number) => x < y
    expect(lcsLength(a, b, { equals: less })).toBe(referenceLcs(a, b, less))
    expect(lcsDistance(b, a, { equals: less })).toBe(a.length + b.length - 2 * referenceLcs(b, a, less))
  })

  it('compares strings by UTF-16 code unit; spread to compare by code point', () => {
    expect(lcsLength('😀', '😁')).toBe(1) // the shared high surrogate \ud83d
    expect(lcsLength([...'😀'], [...'😁'])).toBe(0)
    expect(lcsDistance('😀', 'a')).toBe(3)
    expect(lcsDistance([...'😀'], [...'a'])).toBe(2)
  })

  it('rejects bad input with a TypeError naming the value', () => {
    const len = lcsLength as (a: unknown, b: unknown, options?: unknown) => number
    const dist = lcsDistance as (a: unknown, b: unknown, options?: unknown) => number
    expect(() => len(Symbol('s'), 'a')).toThrow(/lcsLength: a must be a string or an array-like.*Symbol\(s\)/)
    expect(() => len('a', 7n)).toThrow(/b must be .*7n/)
    expect(() => dist({ length: '3' }, 'a')).toThrow(/lcsDistance: a must be .*length is "3"/)
    expect(() => dist('a', 'b', { equals: 1 })).toThrow(TypeError)
    expect(() => len('a', 'b', { equals: null })).toThrow(/^lcsLength: equals must be a function, got null/)
  })
})

describe('lcsDistance', () => {
  it('matches known values', () => {
    expect(lcsDistance('kitten', 'sitting')).toBe(5)
    expect(lcsDistance('abc', 'abc')).toBe(0)
    expect(lcsDistance('', 'abc')).toBe(3)
    expect(lcsDistance('ab', 'ba')).toBe(2)
  })

  const word = stringOf(smallAlphabet)
  test.prop([word, word, word])('is a metric: identity, symmetry, triangle inequality', (a, b, c) => {
    const ab = lcsDistance(a, b)
    expect(lcsDistance(a, a)).toBe(0)
    expect(ab === 0).toBe(a === b)
    expect(lcsDistance(b, a)).toBe(ab)
    expect(ab).toBeLessThanOrEqual(lcsDistance(a, c) + lcsDistance(c, b))
  })

  test.prop([word, word])('equals |a| + |b| - 2 LCS and lies between the edit distance and twice it', (a, b) => {
    const d = lcsDistance(a, b)
    expect(d).toBe(a.length + b.length - 2 * referenceLcs(a, b))
    const ed = editDistance(a, b)
    expect(d).toBeGreaterThanOrEqual(ed)
    expect(d).toBeLessThanOrEqual(2 * ed)
  })
})
