import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { compareEntryIds, entryIdMs } from '../../partitioned/entryId'

/** The oracle: both parts as BigInt, compared as pairs. */
function reference(a: string, b: string): number {
  const [ma, sa] = a.split('-').map(BigInt)
  const [mb, sb] = b.split('-').map(BigInt)
  if (ma !== mb) return ma < mb ? -1 : 1
  return sa === sb ? 0 : sa < sb ? -1 : 1
}

const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })
const part = fc.oneof(u64, fc.bigInt({ min: 0n, max: 20n })) // small parts make ties common
const padded = fc.tuple(part, fc.nat({ max: 3 })).map(([n, zeros]) => '0'.repeat(zeros) + n.toString())
const entryId = fc.tuple(padded, padded).map(([ms, seq]) => `${ms}-${seq}`)

describe('compareEntryIds', () => {
  test.prop([entryId, entryId])('orders ids as pairs of unsigned integers, like BigInt', (a, b) => {
    expect(Math.sign(compareEntryIds(a, b))).toBe(reference(a, b))
    expect(Math.sign(compareEntryIds(b, a))).toBe(reference(b, a))
    expect(compareEntryIds(a, a)).toBe(0)
  })

  it('is numeric, not textual', () => {
    expect(compareEntryIds('10-0', '9-5')).toBeGreaterThan(0)
    expect(compareEntryIds('5-10', '5-9')).toBeGreaterThan(0)
    expect(compareEntryIds('0-0', '0-1')).toBeLessThan(0)
    expect(compareEntryIds('007-1', '7-1')).toBe(0)
    expect(entryIdMs('1700000000000-3')).toBe(1700000000000)
  })

  it('rejects what is not <ms>-<seq>, naming the value', () => {
    for (const bad of ['', '1', '1-', '-1', '1-2-3', 'a-1', '1.5-0', ' 1-0', '+1-0'])
      expect(() => compareEntryIds(bad, '0-0')).toThrow(
        `compareEntryIds: an entry id must be <ms>-<seq> (two unsigned integers), got ${JSON.stringify(bad)}`,
      )
    expect(() => compareEntryIds('0-0', 7 as never)).toThrow(TypeError)
    expect(() => entryIdMs('x')).toThrow(/^entryIdMs: .* got "x"$/)
  })
})
