import { describeValue } from '../errors'

/**
 * A mulberry32 generator: call it for the next number in [0, 1); `state` reads or sets its whole
 * state, one unsigned 32-bit integer, so a kernel can put the generator into a snapshot and resume
 * the same sequence after a restore.
 */
export interface Mulberry32 {
  /** The next number in [0, 1). */
  (): number
  /**
   * The generator's state, an integer in [0, 2^32). Setting it makes the following draws those that
   * followed when it was read; anything but such an integer throws a `RangeError` naming the value.
   */
  state: number
}

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): a tiny seeded PRNG whose whole state is one
 * 32-bit integer held in the returned closure, so two generators never share state and a kernel
 * that draws random parameters (the 0-1 test's frequencies c) is reproducible from its seed. Not
 * for cryptography. The seed is taken modulo 2^32. The state can be read and set through `state`
 * (for snapshots).
 *
 * ```ts
 * const random = mulberry32(42)
 * random() // a number in [0, 1), the same on every run
 * const saved = random.state
 * const next = random()
 * random.state = saved
 * random() === next // true
 * ```
 */
export function mulberry32(seed: number): Mulberry32 {
  let a = seed >>> 0
  const next = (() => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    // 32 random bits over 2^32: at most 1 - 2^-32, never 1
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }) as Mulberry32
  Object.defineProperty(next, 'state', {
    enumerable: true,
    get: () => a,
    set: (value: unknown) => {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff)
        throw new RangeError(`mulberry32.state: must be an integer in [0, 2^32), got ${describeValue(value)}`)
      a = value
    },
  })
  return next
}
