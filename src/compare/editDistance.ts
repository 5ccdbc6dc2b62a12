/**
 * Levenshtein distance with Myers' bit-parallel algorithm, plus the input handling shared with
 * `lcs.ts` (validation, mapping values to small integer ids, common prefix and suffix removal).
 *
 * Equality: without `options.equals`, two strings are compared by UTF-16 code unit (so an emoji
 * written as a surrogate pair is two symbols: `editDistance('😀', '😁')` is 1, as the two share
 * their high surrogate, and `editDistance('😀', 'a')` is 2; pass `[...a]` and `[...b]` to compare
 * by code point). Anything else is compared element by element with SameValueZero, the equality
 * of `Map` keys and `Array.prototype.includes` (so `NaN` equals `NaN`, `0` equals `-0`, objects
 * by identity); a string mixed with an array counts as its one-code-unit strings.
 */
import { describeValue } from '../errors'
import { checkFunction, checkOptions } from '../validate'

/** Options of `editDistance`, `lcsLength` and `lcsDistance`. */
export interface SequenceCompareOptions<T> {
  /**
   * Match predicate, called as `equals(a[i], b[j])` (an element of the first argument first).
   * It need not be an equivalence (for example `|x - y| <= 0.5`), so it cannot be hashed: giving
   * one switches from the bit-parallel path to the O(n·m)-time, O(min(n, m))-memory dynamic
   * programme, which calls it up to n·m times.
   */
  equals?: (x: T, y: T) => boolean
}

/**
 * Levenshtein distance between two sequences: the least number of single-element insertions,
 * deletions and substitutions (each of cost 1) that turn `a` into `b`.
 *
 * Uses Myers' bit-parallel algorithm (Myers 1999, in Hyyrö's 2001 formulation for edit distance,
 * with Hyyrö's 2003 blocks of 32 bits for patterns longer than 32): O(⌈m/32⌉·n) word operations
 * for lengths m ≤ n after the common prefix and suffix are removed, with the shorter sequence as
 * the bit pattern. Arrays are first mapped to small integer ids with a `Map` (SameValueZero),
 * so arrays of objects, numbers or mixed values take the same path as strings. Strings compare
 * UTF-16 code units (see the module comment for surrogate pairs). A custom `options.equals`
 * falls back to the O(n·m) dynamic programme.
 *
 * ```ts
 * editDistance('kitten', 'sitting')  // 3
 * editDistance('', 'abc')            // 3
 * editDistance([1, 2, 3], [1, 3])    // 1
 * editDistance([1.0, 2.1], [1.2, 2.0], { equals: (x, y) => Math.abs(x - y) < 0.25 }) // 0
 * ```
 *
 * @throws TypeError when `a` or `b` is neither a string nor an array-like (an object with a
 *   non-negative integer `length`), or when `options.equals` is given but is not a function.
 *
 * References: G. Myers, "A fast bit-vector algorithm for approximate string matching based on
 * dynamic programming", J. ACM 46(3) (1999); H. Hyyrö, "Explaining and extending the bit-parallel
 * approximate string matching algorithm of Myers" (2001).
 * @see lcsLength, lcsDistance
 */
export function editDistance<T>(a: ArrayLike<T>, b: ArrayLike<T>, options?: SequenceCompareOptions<T>): number {
  requireSequence(a, 'editDistance', 'a')
  requireSequence(b, 'editDistance', 'b')
  const equals = readEquals(options, 'editDistance')
  if (equals !== undefined) return editDistanceDp(a, b, equals)
  const pair = encodePair(a, b)
  const { m, n } = pair
  if (m === 0) return n
  const peq = peqTable(pair.alphabet)
  return m <= 32
    ? myersSingle(peq, pair.p, pair.start, m, pair.t, pair.start, n)
    : myersBlocks(peq, pair.p, pair.start, m, pair.t, pair.start, n)
}

// ---------------------------------------------------------------------------------------------
// Shared with lcs.ts (not part of the public API)
// ---------------------------------------------------------------------------------------------

/**
 * Two sequences as integer ids, the shorter one as pattern `p`, the longer as text `t`, with their
 * common prefix and suffix cut off: the pattern is `p[start .. start + m)`, the text
 * `t[start .. start + n)`, and `common` elements were cut. Ids are below `alphabet`; id 0 in the
 * text of an array pair stands for every value absent from the pattern.
 * @internal
 */
export interface EncodedPair {
  p: Int32Array
  t: Int32Array
  start: number
  m: number
  n: number
  common: number
  alphabet: number
}

/** Throws a TypeError naming `value` unless it is a string or an array-like. @internal */
export function requireSequence(value: unknown, fn: string, name: string): void {
  if (typeof value === 'string') return
  if (typeof value === 'object' && value !== null) {
    const length = (value as { length?: unknown }).length
    if (typeof length === 'number' && Number.isSafeInteger(length) && length >= 0) return
    throw new TypeError(
      `${fn}: ${name} must be a string or an array-like, got ${describeValue(value)} whose length is ${describeValue(length)}`,
    )
  }
  throw new TypeError(
    `${fn}: ${name} must be a string or an array-like (array, typed array, { length, 0: ... }), got ${describeValue(value)}`,
  )
}

/** `options.equals`, checked; undefined when absent. @internal */
export function readEquals<T>(
  options: SequenceCompareOptions<T> | undefined,
  fn: string,
): ((x: T, y: T) => boolean) | undefined {
  if (options === null) return undefined
  return checkFunction<(x: T, y: T) => boolean>(fn, 'equals', checkOptions(fn, options, ['equals']).equals)
}

/** Scratch buffers reused between calls up to this many elements; longer inputs get their own. */
const SCRATCH_LIMIT = 1 << 16
let scratchP: Int32Array = new Int32Array(0)
let scratchT: Int32Array = new Int32Array(0)
let scratchPlus: Int32Array = new Int32Array(0)
let scratchMinus: Int32Array = new Int32Array(0)
/** Bit masks of the current 32-symbol block of the pattern by symbol id; all zero between uses. */
let peq: Int32Array = new Int32Array(0)

function scratch(current: Int32Array, length: number): Int32Array {
  if (length <= current.length) return current
  return new Int32Array(Math.max(length, Math.min(SCRATCH_LIMIT, current.length * 2), 64))
}

/**
 * Maps `a` and `b` to integer ids (code units for two strings, otherwise ids handed out by a
 * SameValueZero `Map` over the shorter sequence) and removes their common prefix and suffix.
 * Reads each element once; the returned arrays may be scratch buffers, valid until the next call.
 * @internal
 */
export function encodePair(a: ArrayLike<unknown>, b: ArrayLike<unknown>): EncodedPair {
  const aIsPattern = a.length <= b.length
  const P = aIsPattern ? a : b
  const T = aIsPattern ? b : a
  const m = P.length
  const n = T.length
  let p: Int32Array
  let t: Int32Array
  let alphabet: number
  if (typeof P === 'string' && typeof T === 'string') {
    // no user code runs from here to the end of the kernel, so the scratch buffers are safe to share
    if (n <= SCRATCH_LIMIT) {
      p = scratchP = scratch(scratchP, m)
      t = scratchT = scratch(scratchT, n)
    } else {
      p = new Int32Array(m)
      t = new Int32Array(n)
    }
    for (let i = 0; i < m; i++) p[i] = P.charCodeAt(i)
    for (let j = 0; j < n; j++) t[j] = T.charCodeAt(j)
    alphabet = 65536
  } else {
    // reading elements may run user code (getters, proxies) that calls us again: own buffers
    p = new Int32Array(m)
    t = new Int32Array(n)
    const ids = new Map<unknown, number>()
    for (let i = 0; i < m; i++) {
      const x = P[i]
      let id = ids.get(x)
      if (id === undefined) {
        id = ids.size + 1
        ids.set(x, id)
      }
      p[i] = id
    }
    for (let j = 0; j < n; j++) t[j] = ids.get(T[j]) ?? 0
    alphabet = ids.size + 1
  }
  let start = 0
  while (start < m && p[start] === t[start]) start++
  let pEnd = m
  let tEnd = n
  while (pEnd > start && p[pEnd - 1] === t[tEnd - 1]) {
    pEnd--
    tEnd--
  }
  return { p, t, start, m: pEnd - start, n: tEnd - start, common: start + m - pEnd, alphabet }
}

/**
 * The common prefix `[0, start)` and suffix (`[aEnd, a.length)` against `[bEnd, b.length)`) under
 * `equals`, which the DP fallbacks cut before filling their table. @internal
 */
export function trimCommonEnds<T>(
  a: ArrayLike<T>,
  b: ArrayLike<T>,
  equals: (x: T, y: T) => boolean,
): { start: number; aEnd: number; bEnd: number } {
  let aEnd = a.length
  let bEnd = b.length
  let start = 0
  while (start < aEnd && start < bEnd && equals(a[start], b[start])) start++
  while (aEnd > start && bEnd > start && equals(a[aEnd - 1], b[bEnd - 1])) {
    aEnd--
    bEnd--
  }
  return { start, aEnd, bEnd }
}

/** The zeroed Peq table, large enough for ids below `alphabet`. @internal */
export function peqTable(alphabet: number): Int32Array {
  if (peq.length < alphabet) peq = new Int32Array(Math.max(alphabet, 65536))
  return peq
}

/** Two zeroed-or-filled bit arrays of `words` 32-bit words for horizontal carries between blocks. @internal */
export function carryBuffers(words: number): [Int32Array, Int32Array] {
  if (words > SCRATCH_LIMIT) return [new Int32Array(words), new Int32Array(words)]
  scratchPlus = scratch(scratchPlus, words)
  scratchMinus = scratch(scratchMinus, words)
  return [scratchPlus, scratchMinus]
}

/** Number of set bits in a 32-bit integer. @internal */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  x = (x + (x >>> 4)) & 0x0f0f0f0f
  return Math.imul(x, 0x01010101) >>> 24
}

// ---------------------------------------------------------------------------------------------
// Kernels
// ---------------------------------------------------------------------------------------------

/**
 * Myers/Hyyrö for a pattern of 1..32 symbols: one word per column. Pv/Mv are the vertical
 * deltas +1/-1 of the current column, Ph/Mh the horizontal ones; the score follows the last row.
 */
function myersSingle(
  peq: Int32Array,
  p: Int32Array,
  ps: number,
  m: number,
  t: Int32Array,
  ts: number,
  n: number,
): number {
  for (let i = 0; i < m; i++) peq[p[ps + i]] |= 1 << i
  const last = 1 << (m - 1)
  let pv = -1
  let mv = 0
  let score = m
  for (let j = 0; j < n; j++) {
    const eq = peq[t[ts + j]]
    const xv = eq | mv
    const xh = (((eq & pv) + pv) ^ pv) | eq
    let ph = mv | ~(xh | pv)
    const mh = pv & xh
    if ((ph & last) !== 0) score++
    else if ((mh & last) !== 0) score--
    ph = (ph << 1) | 1
    pv = (mh << 1) | ~(xv | ph)
    mv = ph & xv
  }
  for (let i = 0; i < m; i++) peq[p[ps + i]] = 0
  return score
}

/**
 * Blocked Myers/Hyyrö for patterns longer than 32, one 32-row block of the pattern at a time
 * over the whole text (so the Peq table only ever holds 32 symbols): the horizontal delta leaving
 * the bottom of block k at column j is kept as bit j of `plus` (+1) or `minus` (-1) and enters
 * block k+1 at that column. The top boundary row has all deltas +1. Carry bits are read and
 * written a 32-column word at a time through locals.
 */
function myersBlocks(
  peq: Int32Array,
  p: Int32Array,
  ps: number,
  m: number,
  t: Int32Array,
  ts: number,
  n: number,
): number {
  const words = (n + 31) >>> 5
  const [plus, minus] = carryBuffers(words)
  plus.fill(-1, 0, words)
  minus.fill(0, 0, words)
  const blocks = (m + 31) >>> 5
  for (let k = 0; k < blocks - 1; k++) {
    const base = ps + (k << 5)
    for (let i = 0; i < 32; i++) peq[p[base + i]] |= 1 << i
    let pv = -1
    let mv = 0
    for (let w = 0, j0 = 0; j0 < n; w++, j0 += 32) {
      let plusIn = plus[w]
      let minusIn = minus[w]
      let plusOut = 0
      let minusOut = 0
      const end = n - j0 < 32 ? n - j0 : 32
      const tb = ts + j0
      for (let s = 0; s < end; s++) {
        const eq = peq[t[tb + s]]
        const pin = plusIn & 1
        const min = minusIn & 1
        plusIn >>>= 1
        minusIn >>>= 1
        const xv = eq | mv
        const eqh = eq | min
        const xh = (((eqh & pv) + pv) ^ pv) | eqh
        const ph = mv | ~(xh | pv)
        const mh = pv & xh
        plusOut |= (ph >>> 31) << s
        minusOut |= (mh >>> 31) << s
        const phs = (ph << 1) | pin
        pv = (mh << 1) | min | ~(xv | phs)
        mv = phs & xv
      }
      plus[w] = plusOut
      minus[w] = minusOut
    }
    for (let i = 0; i < 32; i++) peq[p[base + i]] = 0
  }
  const base = ps + ((blocks - 1) << 5)
  const rows = m - ((blocks - 1) << 5)
  for (let i = 0; i < rows; i++) peq[p[base + i]] |= 1 << i
  const last = 1 << (rows - 1)
  let pv = -1
  let mv = 0
  let score = m
  for (let w = 0, j0 = 0; j0 < n; w++, j0 += 32) {
    let plusIn = plus[w]
    let minusIn = minus[w]
    const end = n - j0 < 32 ? n - j0 : 32
    const tb = ts + j0
    for (let s = 0; s < end; s++) {
      const eq = peq[t[tb + s]]
      const pin = plusIn & 1
      const min = minusIn & 1
      plusIn >>>= 1
      minusIn >>>= 1
      const xv = eq | mv
      const eqh = eq | min
      const xh = (((eqh & pv) + pv) ^ pv) | eqh
      const ph = mv | ~(xh | pv)
      const mh = pv & xh
      if ((ph & last) !== 0) score++
      else if ((mh & last) !== 0) score--
      const phs = (ph << 1) | pin
      pv = (mh << 1) | min | ~(xv | phs)
      mv = phs & xv
    }
  }
  for (let i = 0; i < rows; i++) peq[p[base + i]] = 0
  return score
}

/**
 * Wagner-Fischer with one row over the shorter sequence, for a custom match predicate. The common
 * prefix and suffix are cut first; that is exact for any predicate, since neighbouring cells of
 * the table differ by at most 1.
 */
function editDistanceDp<T>(a: ArrayLike<T>, b: ArrayLike<T>, equals: (x: T, y: T) => boolean): number {
  const { start: s, aEnd, bEnd } = trimCommonEnds(a, b, equals)
  const n = aEnd - s
  const m = bEnd - s
  if (n === 0) return m
  if (m === 0) return n
  const rowOverA = n < m
  const inner = rowOverA ? n : m
  const outer = rowOverA ? m : n
  const row = new Int32Array(inner + 1)
  for (let k = 0; k <= inner; k++) row[k] = k
  for (let i = 1; i <= outer; i++) {
    let diag = row[0]
    let left = i
    row[0] = i
    const x = rowOverA ? b[s + i - 1] : a[s + i - 1]
    for (let k = 1; k <= inner; k++) {
      const up = row[k]
      const match = rowOverA ? equals(a[s + k - 1], x) : equals(x, b[s + k - 1])
      let v = match ? diag : diag + 1
      if (up + 1 < v) v = up + 1
      if (left + 1 < v) v = left + 1
      row[k] = v
      left = v
      diag = up
    }
  }
  return row[inner]
}
