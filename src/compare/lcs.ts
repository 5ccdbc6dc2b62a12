/**
 * Longest common subsequence length and the insertion/deletion ("indel") distance built on it,
 * by the bit-vector LCS algorithm. Same equality and input rules as `editDistance`: strings by
 * UTF-16 code unit, other sequences by SameValueZero, or a custom `options.equals`.
 */
import {
  carryBuffers,
  encodePair,
  peqTable,
  popcount32,
  readEquals,
  requireSequence,
  type SequenceCompareOptions,
  trimCommonEnds,
} from './editDistance'

/**
 * Length of a longest common subsequence of `a` and `b`: the most elements that can be matched
 * in order, `a[i1] = b[j1], a[i2] = b[j2], ...` with `i1 < i2 < ...` and `j1 < j2 < ...`.
 *
 * Bit-parallel (Allison & Dix 1986; Crochemore et al. 2001; Hyyrö 2004): one bit per element of
 * the shorter sequence, updated per element of the longer one by `V' = (V + U) | (V - U)` with
 * `U = V & Peq[c]`, in 32-bit words with the addition's carry passed between words, so
 * O(⌈m/32⌉·n) word operations after the common prefix and suffix are removed. A custom
 * `options.equals` (called as `equals(a[i], b[j])`) falls back to the O(n·m)-time,
 * O(min(n, m))-memory dynamic programme.
 *
 * ```ts
 * lcsLength('ABCBDAB', 'BDCABA')   // 4 ("BCBA")
 * lcsLength([1, 2, 3, 4], [2, 4])  // 2
 * lcsLength('', 'abc')             // 0
 * ```
 *
 * @throws TypeError when `a` or `b` is neither a string nor an array-like, or `options.equals`
 *   is given but is not a function.
 *
 * References: L. Allison, T. I. Dix, "A bit-string longest-common-subsequence algorithm", IPL 23
 * (1986); H. Hyyrö, "Bit-parallel LCS-length computation revisited" (2004).
 * @see lcsDistance, editDistance
 */
export function lcsLength<T>(a: ArrayLike<T>, b: ArrayLike<T>, options?: SequenceCompareOptions<T>): number {
  requireSequence(a, 'lcsLength', 'a')
  requireSequence(b, 'lcsLength', 'b')
  return lcsLengthChecked(a, b, readEquals(options, 'lcsLength'))
}

/**
 * The indel distance `|a| + |b| - 2 * lcsLength(a, b)`: the least number of single-element
 * insertions and deletions (no substitutions) that turn `a` into `b`. A metric when elements are
 * compared by equality; always at least `editDistance(a, b)` and at most twice it.
 *
 * ```ts
 * lcsDistance('kitten', 'sitting')  // 5 (delete k, e; insert s, i, g)
 * lcsDistance('abc', 'abc')         // 0
 * ```
 *
 * @throws TypeError as `lcsLength` does.
 * @see lcsLength, editDistance
 */
export function lcsDistance<T>(a: ArrayLike<T>, b: ArrayLike<T>, options?: SequenceCompareOptions<T>): number {
  requireSequence(a, 'lcsDistance', 'a')
  requireSequence(b, 'lcsDistance', 'b')
  return a.length + b.length - 2 * lcsLengthChecked(a, b, readEquals(options, 'lcsDistance'))
}

function lcsLengthChecked<T>(a: ArrayLike<T>, b: ArrayLike<T>, equals: ((x: T, y: T) => boolean) | undefined): number {
  if (equals !== undefined) return lcsDp(a, b, equals)
  const pair = encodePair(a, b)
  const { m, n } = pair
  if (m === 0) return pair.common
  const peq = peqTable(pair.alphabet)
  const found =
    m <= 32
      ? lcsSingle(peq, pair.p, pair.start, m, pair.t, pair.start, n)
      : lcsBlocks(peq, pair.p, pair.start, m, pair.t, pair.start, n)
  return pair.common + found
}

/**
 * One word: bit i of V is 0 where row i of the LCS table steps up, so the length is the number of
 * zero bits among the m pattern bits at the end.
 */
function lcsSingle(
  peq: Int32Array,
  p: Int32Array,
  ps: number,
  m: number,
  t: Int32Array,
  ts: number,
  n: number,
): number {
  for (let i = 0; i < m; i++) peq[p[ps + i]] |= 1 << i
  let v = -1
  for (let j = 0; j < n; j++) {
    const u = v & peq[t[ts + j]]
    v = (v + u) | (v - u)
  }
  for (let i = 0; i < m; i++) peq[p[ps + i]] = 0
  const mask = m === 32 ? -1 : (1 << m) - 1
  return popcount32(~v & mask)
}

/**
 * Multi-word: one 32-row block of the pattern at a time over the whole text, the carry out of
 * the block's addition at column j kept as bit j of `carry` and added into the next block at
 * column j (read and written a 32-column word at a time through locals).
 * As `U ⊆ V`, `V - U = V & ~U` needs no borrow.
 */
function lcsBlocks(
  peq: Int32Array,
  p: Int32Array,
  ps: number,
  m: number,
  t: Int32Array,
  ts: number,
  n: number,
): number {
  const words = (n + 31) >>> 5
  const [carry] = carryBuffers(words)
  carry.fill(0, 0, words)
  const blocks = (m + 31) >>> 5
  let length = 0
  for (let k = 0; k < blocks; k++) {
    const base = ps + (k << 5)
    const rows = k === blocks - 1 ? m - (k << 5) : 32
    for (let i = 0; i < rows; i++) peq[p[base + i]] |= 1 << i
    let v = -1
    for (let w = 0, j0 = 0; j0 < n; w++, j0 += 32) {
      let carryIn = carry[w]
      let carryOut = 0
      const end = n - j0 < 32 ? n - j0 : 32
      const tb = ts + j0
      for (let s = 0; s < end; s++) {
        const u = v & peq[t[tb + s]]
        const sum = (v + u + (carryIn & 1)) | 0
        carryIn >>>= 1
        // carry out of bit 31 of v + u + carry: the majority of the top bits, read off the sum (u ⊆ v)
        carryOut |= ((u | (v & ~sum)) >>> 31) << s
        v = sum | (v & ~u)
      }
      carry[w] = carryOut
    }
    for (let i = 0; i < rows; i++) peq[p[base + i]] = 0
    length += popcount32(~v & (rows === 32 ? -1 : (1 << rows) - 1))
  }
  return length
}

/** The LCS table by rows over the shorter sequence, for a custom predicate (prefix/suffix cut is exact for any predicate). */
function lcsDp<T>(a: ArrayLike<T>, b: ArrayLike<T>, equals: (x: T, y: T) => boolean): number {
  const { start: s, aEnd, bEnd } = trimCommonEnds(a, b, equals)
  const common = s + (a.length - aEnd)
  const n = aEnd - s
  const m = bEnd - s
  if (n === 0 || m === 0) return common
  const rowOverA = n < m
  const inner = rowOverA ? n : m
  const outer = rowOverA ? m : n
  const row = new Int32Array(inner + 1)
  for (let i = 1; i <= outer; i++) {
    let diag = 0
    let left = 0
    const x = rowOverA ? b[s + i - 1] : a[s + i - 1]
    for (let k = 1; k <= inner; k++) {
      const up = row[k]
      const match = rowOverA ? equals(a[s + k - 1], x) : equals(x, b[s + k - 1])
      const v = match ? diag + 1 : up > left ? up : left
      row[k] = v
      left = v
      diag = up
    }
  }
  return common + row[inner]
}
