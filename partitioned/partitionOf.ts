/**
 * The partition of a key: FNV-1a (32-bit) over the key's UTF-8 bytes, modulo `partitions`. Stable
 * across processes, machines and languages (a producer in another language can compute it), unlike
 * anything built on JavaScript's string hashing.
 *
 * ```ts
 * partitionOf('sensor-17', 8) // always the same partition in [0, 8)
 * ```
 * References: Fowler, Noll, Vo, "FNV hash" (IETF draft-eastlake-fnv), 32-bit offset basis 2166136261, prime 16777619.
 */
export function partitionOf(key: string, partitions: number): number {
  return fnv1a32(key) % partitions
}

const FNV_OFFSET_BASIS = 0x811c9dc5
const FNV_PRIME = 0x01000193

/** FNV-1a, 32 bits, of the UTF-8 encoding of `text`, without allocating the bytes. */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET_BASIS
  const mix = (byte: number): void => {
    hash = Math.imul(hash ^ byte, FNV_PRIME) >>> 0
  }
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i)
    if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1)
      if (low >= 0xdc00 && low < 0xe000) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00)
        i++
      }
    } else if (code >= 0xd800 && code < 0xe000) code = 0xfffd // a lone surrogate, as TextEncoder writes it
    if (code < 0x80) mix(code)
    else if (code < 0x800) {
      mix(0xc0 | (code >> 6))
      mix(0x80 | (code & 63))
    } else if (code < 0x10000) {
      mix(0xe0 | (code >> 12))
      mix(0x80 | ((code >> 6) & 63))
      mix(0x80 | (code & 63))
    } else {
      mix(0xf0 | (code >> 18))
      mix(0x80 | ((code >> 12) & 63))
      mix(0x80 | ((code >> 6) & 63))
      mix(0x80 | (code & 63))
    }
  }
  return hash
}
