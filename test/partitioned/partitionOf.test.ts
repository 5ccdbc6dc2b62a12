import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { fnv1a32, partitionOf } from '../../partitioned/partitionOf'

/** The oracle: FNV-1a over TextEncoder's bytes, written plainly. */
function reference(text: string): number {
  let hash = 2166136261
  for (const byte of new TextEncoder().encode(text)) hash = Number((BigInt(hash ^ byte) * 16777619n) % 2n ** 32n)
  return hash >>> 0
}

describe('partitionOf', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5)
    expect(fnv1a32('a')).toBe(0xe40c292c)
    expect(fnv1a32('foobar')).toBe(0xbf9cf968)
  })
  test.prop([fc.string({ unit: 'binary' }), fc.integer({ min: 1, max: 64 })])(
    'equals FNV-1a over the UTF-8 bytes (lone surrogates as U+FFFD), in range',
    (key, partitions) => {
      expect(fnv1a32(key)).toBe(reference(key))
      const p = partitionOf(key, partitions)
      expect(Number.isInteger(p) && p >= 0 && p < partitions).toBe(true)
    },
  )
})
