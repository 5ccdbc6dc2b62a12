/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): a tiny seeded PRNG whose whole state is one
 * 32-bit integer held in the returned closure, so two generators never share state and a kernel
 * that draws random parameters (the 0-1 test's frequencies c) is reproducible from its seed. Not
 * for cryptography. The seed is taken modulo 2^32.
 *
 * ```ts
 * const random = mulberry32(42)
 * random() // a number in [0, 1), the same on every run
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    // 32 random bits over 2^32: at most 1 - 2^-32, never 1
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
