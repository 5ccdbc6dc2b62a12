/** A small seeded PRNG (the library's mulberry32), so tests that plant patterns are reproducible from fast-check's seed. */
export { mulberry32 as rng } from '../../src/stats/random'
