import { fc } from '@fast-check/vitest'

/** SameValueZero, as `Map` keys and `Array.prototype.includes` compare. */
export const sameValueZero = (x: unknown, y: unknown): boolean => x === y || (x !== x && y !== y)

/** Lengths that straddle the 32-bit block boundaries of bit-parallel kernels, or any length up to 200. */
export const blockLength = fc.oneof(
  fc.constantFrom(0, 1, 2, 31, 32, 33, 63, 64, 65, 95, 96, 97, 128, 160),
  fc.integer({ min: 0, max: 200 }),
)
export const smallAlphabet = fc.constantFrom('a', 'b', 'c', 'd')
export const binaryAlphabet = fc.constantFrom('0', '1')
/** Any UTF-16 code unit, lone surrogates included, biased towards a few so that some match. */
export const wideAlphabet = fc.oneof(
  fc.constantFrom('x', 'y', '\ud83d', '\ude00'),
  fc.integer({ min: 0, max: 0xffff }).map(c => String.fromCharCode(c)),
)
/** Strings of `unit` characters with a `blockLength` length. */
export const stringOf = (unit: fc.Arbitrary<string>) =>
  blockLength.chain(n => fc.string({ unit, minLength: n, maxLength: n }))

/** A deterministic DNA-like string of length n (an LCG), for long-input example tests. */
export function lcgString(n: number, seed: number): string {
  let x = seed
  let s = ''
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    s += 'acgt'[x >>> 30]
  }
  return s
}
