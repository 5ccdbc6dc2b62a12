/**
 * CPython's random.Random(seed) for a seed in [0, 2^32): MT19937 seeded by init_by_array([seed]),
 * random() from two words (53 bits), choices() as population[floor(random() * n)], randbelow by
 * rejection on bit-length words, sample() by its pool or set method (Lib/random.py). Enough to
 * rebuild River's docstring run; checked against values printed by python3 3.11 below.
 */
export class PythonRandom {
  private readonly mt = new Uint32Array(624)
  private index = 624
  constructor(seed: number) {
    const mt = this.mt
    mt[0] = 19650218
    for (let i = 1; i < 624; i++) mt[i] = (Math.imul(1812433253, mt[i - 1] ^ (mt[i - 1] >>> 30)) + i) >>> 0
    let i = 1
    for (let k = 624; k > 0; k--) {
      mt[i] = ((mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1664525)) + seed) >>> 0
      if (++i >= 624) (mt[0] = mt[623]), (i = 1)
    }
    for (let k = 623; k > 0; k--) {
      mt[i] = ((mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1566083941)) - i) >>> 0
      if (++i >= 624) (mt[0] = mt[623]), (i = 1)
    }
    mt[0] = 0x80000000
  }
  uint32(): number {
    const mt = this.mt
    if (this.index >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff)
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)
      }
      this.index = 0
    }
    let y = mt[this.index++]
    y ^= y >>> 11
    y ^= (y << 7) & 0x9d2c5680
    y ^= (y << 15) & 0xefc60000
    y ^= y >>> 18
    return y >>> 0
  }
  random(): number {
    return ((this.uint32() >>> 5) * 67108864 + (this.uint32() >>> 6)) / 9007199254740992
  }
  randbelow(n: number): number {
    const shift = Math.clz32(n)
    let r = this.uint32() >>> shift
    while (r >= n) r = this.uint32() >>> shift
    return r
  }
  /** random.sample(range(n), k) */
  sample(n: number, k: number): number[] {
    const result: number[] = []
    const setsize = 21 + (k > 5 ? 4 ** Math.ceil(Math.log(k * 3) / Math.log(4)) : 0)
    if (n <= setsize) {
      const pool = Array.from({ length: n }, (_, i) => i)
      for (let i = 0; i < k; i++) {
        const j = this.randbelow(n - i)
        result.push(pool[j])
        pool[j] = pool[n - i - 1]
      }
    } else {
      const selected = new Set<number>()
      for (let i = 0; i < k; i++) {
        let j = this.randbelow(n)
        while (selected.has(j)) j = this.randbelow(n)
        selected.add(j)
        result.push(j)
      }
    }
    return result
  }
  choices<T>(population: readonly T[], k: number): T[] {
    return Array.from({ length: k }, () => population[Math.floor(this.random() * population.length)])
  }
}

/** River's drift docstring stream: rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000) with rng = random.Random(12345). */
export function riverExampleStream(): number[] {
  const r = new PythonRandom(12345)
  return [...r.choices([0, 1], 1000), ...r.choices([4, 5, 6, 7], 1000)]
}

/** The indices at which a detector reports drift over `xs`. */
export function detections(
  detector: { update(x: number): void; readonly driftDetected: boolean },
  xs: ArrayLike<number>,
): number[] {
  const found: number[] = []
  for (let i = 0; i < xs.length; i++) {
    detector.update(xs[i])
    if (detector.driftDetected) found.push(i)
  }
  return found
}

/** Standard normal draws (Box-Muller) from a uniform generator. */
export function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}
