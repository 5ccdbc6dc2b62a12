import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { editDistance } from '../../../src/compare/editDistance'
import {
  binaryAlphabet,
  blockLength,
  lcgString,
  sameValueZero,
  smallAlphabet,
  stringOf,
  wideAlphabet,
} from '../../support/strings'

/** The textbook Wagner-Fischer table, written plainly: the oracle. Calls `equals(a[i], b[j])`. */
function referenceLevenshtein<T>(
  a: ArrayLike<T>,
  b: ArrayLike<T>,
  equals: (x: T, y: T) => boolean = sameValueZero,
): number {
  const n = a.length
  const m = b.length
  const D: number[][] = Array.from({ length: n + 1 }, (_, i) =>
    Array.from({ length: m + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      D[i][j] = Math.min(D[i - 1][j] + 1, D[i][j - 1] + 1, D[i - 1][j - 1] + (equals(a[i - 1], b[j - 1]) ? 0 : 1))
    }
  }
  return D[n][m]
}

/** `s` with a few random single-character edits: pairs that are close, with long common prefixes and suffixes. */
const nearPair = (unit: fc.Arbitrary<string>) =>
  fc
    .tuple(stringOf(unit), fc.array(fc.tuple(fc.constantFrom('ins', 'del', 'sub'), fc.nat(), unit), { maxLength: 6 }))
    .map(([s, edits]) => {
      let t = s
      for (const [op, at, c] of edits) {
        const i = t.length === 0 ? 0 : at % (t.length + (op === 'ins' ? 1 : 0))
        if (op === 'ins') t = t.slice(0, i) + c + t.slice(i)
        else if (t.length > 0) t = t.slice(0, i) + (op === 'sub' ? c : '') + t.slice(i + 1)
      }
      return [s, t] as const
    })

describe('editDistance', () => {
  it('matches known values', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3)
    expect(editDistance('sitting', 'kitten')).toBe(3)
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('abc', '')).toBe(3)
    expect(editDistance('', '')).toBe(0)
    expect(editDistance('flaw', 'lawn')).toBe(2)
    expect(editDistance('intention', 'execution')).toBe(5)
    expect(editDistance([1, 2, 3], [1, 3])).toBe(1)
    expect(editDistance('a'.repeat(100), 'b'.repeat(100))).toBe(100)
    expect(editDistance('a'.repeat(70), 'a'.repeat(33))).toBe(37)
  })

  test.prop([stringOf(smallAlphabet), stringOf(smallAlphabet)])(
    'equals the reference DP on strings over 4 letters',
    (a, b) => {
      expect(editDistance(a, b)).toBe(referenceLevenshtein(a, b))
    },
  )

  test.prop([stringOf(binaryAlphabet), stringOf(binaryAlphabet)])(
    'equals the reference DP on binary strings',
    (a, b) => {
      expect(editDistance(a, b)).toBe(referenceLevenshtein(a, b))
    },
  )

  test.prop([stringOf(wideAlphabet), stringOf(wideAlphabet)])(
    'equals the reference DP on strings of any UTF-16 code units',
    (a, b) => {
      expect(editDistance(a, b)).toBe(referenceLevenshtein(a, b))
    },
  )

  test.prop([nearPair(smallAlphabet)])('equals the reference DP on near-identical strings', ([a, b]) => {
    expect(editDistance(a, b)).toBe(referenceLevenshtein(a, b))
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
      expect(editDistance(a, b)).toBe(referenceLevenshtein(a, b))
      expect(editDistance(b, a)).toBe(referenceLevenshtein(a, b))
    }
  })

  const pool = [{ id: 0 }, { id: 1 }, { id: 2 }, { id: 3 }]
  const objects = blockLength.chain(n =>
    fc.array(
      fc.integer({ min: 0, max: 3 }).map(i => pool[i]),
      { minLength: n, maxLength: n },
    ),
  )
  test.prop([objects, objects])('equals the reference DP on arrays of objects (by identity)', (a, b) => {
    expect(editDistance(a, b)).toBe(referenceLevenshtein(a, b))
    // structurally equal copies are different objects
    const copies = a.map(o => ({ ...o }))
    expect(editDistance(a, copies)).toBe(a.length)
  })

  const numbers = blockLength.chain(n =>
    fc.array(fc.constantFrom(0, -0, 1, 2, NaN, Infinity, 1.5), { minLength: n, maxLength: n }),
  )
  test.prop([numbers, numbers])(
    'equals the reference DP on arrays of numbers (SameValueZero: NaN = NaN, 0 = -0)',
    (a, b) => {
      expect(editDistance(a, b)).toBe(referenceLevenshtein(a, b))
      expect(editDistance(Float64Array.from(a), Float64Array.from(b))).toBe(referenceLevenshtein(a, b))
    },
  )

  const ints = blockLength.chain(n => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }))
  test.prop([ints, ints])('with a custom, non-transitive equals equals the reference DP with that equals', (a, b) => {
    const near = (x: number, y: number) => Math.abs(x - y) <= 1
    expect(editDistance(a, b, { equals: near })).toBe(referenceLevenshtein(a, b, near))
  })

  test.prop([ints, ints])('with an asymmetric equals it is called as equals(a[i], b[j])', (a, b) => {
    const atMost = (x: number, y: number) => x <= y
    expect(editDistance(a, b, { equals: atMost })).toBe(referenceLevenshtein(a, b, atMost))
    expect(editDistance(b, a, { equals: atMost })).toBe(referenceLevenshtein(b, a, atMost))
  })

  test.prop([stringOf(smallAlphabet), stringOf(smallAlphabet)])(
    'a custom equals that is plain equality gives the bit-parallel answer',
    (a, b) => {
      expect(editDistance(a, b, { equals: (x, y) => x === y })).toBe(editDistance(a, b))
    },
  )

  const word = stringOf(smallAlphabet)
  test.prop([word, word, word])('is a metric: identity, symmetry, triangle inequality, bounds', (a, b, c) => {
    const ab = editDistance(a, b)
    expect(editDistance(a, a)).toBe(0)
    expect(ab === 0).toBe(a === b)
    expect(editDistance(b, a)).toBe(ab)
    expect(ab).toBeLessThanOrEqual(editDistance(a, c) + editDistance(c, b))
    expect(ab).toBeGreaterThanOrEqual(Math.abs(a.length - b.length))
    expect(ab).toBeLessThanOrEqual(Math.max(a.length, b.length))
  })

  it('compares strings by UTF-16 code unit; spread to compare by code point', () => {
    // U+1F600 and U+1F601 are \ud83d\ude00 and \ud83d\ude01: they share the high surrogate
    expect(editDistance('😀', '😁')).toBe(1)
    expect(editDistance('😀', 'a')).toBe(2)
    expect(editDistance('a😀b', 'ab')).toBe(2)
    expect(editDistance([...'😀'], [...'a'])).toBe(1)
    expect(editDistance([...'a😀b'], [...'ab'])).toBe(1)
    // a string beside an array counts as its one-code-unit strings
    expect(editDistance('abc', ['a', 'b', 'c'])).toBe(0)
    expect(editDistance('😀', ['\ud83d', '\ude00'])).toBe(0)
  })

  it('rejects bad input with a TypeError naming the value', () => {
    const call = editDistance as (a: unknown, b: unknown, options?: unknown) => number
    expect(() => call(42, 'a')).toThrow(TypeError)
    expect(() => call(42, 'a')).toThrow(/a must be a string or an array-like.*42/)
    expect(() => call('a', null)).toThrow(/b must be .*null/)
    expect(() => call('a', undefined)).toThrow(/b must be .*undefined/)
    expect(() => call([], { length: -1 })).toThrow(/length is -1/)
    expect(() => call([], { length: 1.5 })).toThrow(/length is 1.5/)
    expect(() => call({}, [])).toThrow(/length is undefined/)
    expect(() => call(() => 0, [])).toThrow(TypeError)
    expect(() => call('a', 'b', { equals: 'same' })).toThrow(/^editDistance: equals must be a function, got "same"/)
    expect(() => call('a', 'b', 5)).toThrow(/^editDistance: options must be an object, got 5/)
    expect(call('a', 'b', {})).toBe(1)
    expect(call({ length: 2, 0: 'x', 1: 'y' }, 'xy')).toBe(0)
  })

  it('is unaffected by calls made from inside an array-like getter or an equals callback', () => {
    const inner = () => editDistance('a'.repeat(40) + 'b', 'c' + 'a'.repeat(40))
    const a = new Proxy(['x', 'y', 'z', 'w'], {
      get: (target, key, receiver) => (inner(), Reflect.get(target, key, receiver)),
    })
    expect(editDistance(a, ['y', 'z'])).toBe(2)
    expect(editDistance([1, 2, 3], [1, 3, 3], { equals: (x, y) => (inner(), x === y) })).toBe(1)
  })
})
