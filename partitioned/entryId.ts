/**
 * Stream entry ids as Redis writes them, `<ms>-<seq>`: two unsigned decimal integers (up to 64 bits
 * each in Redis, so they are compared as digit strings, never through a float).
 * @module
 */

const ENTRY_ID = /^(\d+)-(\d+)$/

/**
 * Compares two entry ids numerically: negative when `a` comes first, 0 when equal, positive when `b`
 * comes first. `'10-0'` follows `'9-5'` (a plain string comparison would say otherwise).
 *
 * Throws a `TypeError` naming the value when either is not `<ms>-<seq>` (two unsigned decimal integers).
 *
 * ```ts
 * compareEntryIds('1700000000000-0', '1700000000000-1') // < 0
 * compareEntryIds('10-0', '9-5') // > 0
 * ```
 */
export function compareEntryIds(a: string, b: string): number {
  const [msA, seqA] = splitEntryId('compareEntryIds', a)
  const [msB, seqB] = splitEntryId('compareEntryIds', b)
  return compareDigits(msA, msB) || compareDigits(seqA, seqB)
}

/**
 * The milliseconds part of an entry id, as a number (exact below 2^53, which covers every clock time).
 * Throws a `TypeError` naming the value when it is not `<ms>-<seq>`.
 *
 * ```ts
 * entryIdMs('1700000000000-3') // 1700000000000
 * ```
 */
export function entryIdMs(id: string): number {
  return Number(splitEntryId('entryIdMs', id)[0])
}

/** The two digit strings of an id, without leading zeros (`'0'` stays). */
function splitEntryId(fn: string, id: unknown): [string, string] {
  const match = typeof id === 'string' ? ENTRY_ID.exec(id) : null
  if (match === null)
    throw new TypeError(`${fn}: an entry id must be <ms>-<seq> (two unsigned integers), got ${JSON.stringify(id)}`)
  return [stripZeros(match[1]), stripZeros(match[2])]
}

function stripZeros(digits: string): string {
  let i = 0
  while (i < digits.length - 1 && digits[i] === '0') i++
  return digits.slice(i)
}

/** Two digit strings without leading zeros: the longer is larger, else the first differing digit decides. */
function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length
  return a < b ? -1 : a > b ? 1 : 0
}
