import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { EXP3, Hedge, ThompsonSampling, UCB1 } from '../../../src/learn/selection'
import { rng } from '../../support/rng'

describe('Hedge', () => {
  test.prop([
    fc.integer({ min: 2, max: 6 }).chain(n =>
      fc.tuple(
        fc.constant(n),
        fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }), {
          minLength: 1,
          maxLength: 300,
        }),
      ),
    ),
  ])(
    'expected cumulative loss within sqrt(T ln N / 2) of the best expert in hindsight, on any sequence',
    ([n, rounds]) => {
      const T = rounds.length
      const hedge = new Hedge(n, { horizon: T })
      let mixture = 0
      const totals = new Array(n).fill(0)
      for (const losses of rounds) {
        const p = hedge.weights()
        for (let i = 0; i < n; i++) mixture += p[i] * losses[i]
        losses.forEach((l, i) => (totals[i] += l))
        hedge.update(losses)
      }
      expect(mixture - Math.min(...totals)).toBeLessThanOrEqual(Math.sqrt((T * Math.log(n)) / 2) + 1e-9)
    },
  )

  it('an adversary that punishes the leader: regret still within the bound', () => {
    const n = 3
    const T = 3000
    const hedge = new Hedge(n, { horizon: T })
    let mixture = 0
    const totals = new Array(n).fill(0)
    for (let t = 0; t < T; t++) {
      const p = hedge.weights()
      const leader = p.indexOf(Math.max(...p))
      const losses = Array.from({ length: n }, (_, i) => (i === leader ? 1 : 0))
      for (let i = 0; i < n; i++) mixture += p[i] * losses[i]
      losses.forEach((l, i) => (totals[i] += l))
      hedge.update(losses)
    }
    expect(mixture - Math.min(...totals)).toBeLessThanOrEqual(Math.sqrt((T * Math.log(n)) / 2))
  })

  it('weights are a distribution with the uniform start; select follows them; bad input is named', () => {
    const hedge = new Hedge(4, { seed: 9 })
    expect(Array.from(hedge.weights())).toEqual([0.25, 0.25, 0.25, 0.25])
    for (let t = 0; t < 200; t++) hedge.update([0.9, 0.1, 0.5, 0.7])
    const w = hedge.weights()
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
    const counts = [0, 0, 0, 0]
    for (let k = 0; k < 5000; k++) counts[hedge.select()]++
    for (let i = 0; i < 4; i++) expect(Math.abs(counts[i] / 5000 - w[i])).toBeLessThan(0.03)
    expect(() => hedge.update([0.1, 0.2])).toThrow(/^Hedge.update: losses must hold 4 numbers/)
    expect(() => hedge.update([0.1, 0.2, 2, 0])).toThrow(/loss 2 must be a finite number in \[0, 1\], got 2/)
    expect(() => new Hedge(0)).toThrow(/integer >= 1, got 0/)
  })
})

/** Bernoulli arms: pull `rounds` times, return the pulls per arm. */
function play(
  selector: { select(): number; update(arm: number, reward: number): void },
  means: number[],
  rounds: number,
  seed: number,
): number[] {
  // the environment's own stream: the selectors use the same generator, and equal seeds would correlate choice and reward
  const random = rng(seed + 7919)
  const pulls = means.map(() => 0)
  for (let t = 0; t < rounds; t++) {
    const arm = selector.select()
    pulls[arm]++
    selector.update(arm, random() < means[arm] ? 1 : 0)
  }
  return pulls
}

describe('bandits on Bernoulli arms', () => {
  const means = [0.2, 0.5, 0.7]
  for (const seed of [1, 2, 3]) {
    it(`UCB1 pulls the best arm most, and the worst least (seed ${seed})`, () => {
      const pulls = play(new UCB1(3), means, 10_000, seed)
      expect(pulls[2]).toBeGreaterThan(0.8 * 10_000)
      expect(pulls[0]).toBeLessThan(pulls[1])
      // logarithmic regret: a suboptimal arm with gap d is pulled O(ln T / d^2) times
      expect(pulls[0]).toBeLessThan((8 * Math.log(10_000)) / 0.25 + 10)
    })
    it(`EXP3 and Thompson sampling end up on the best arm (seed ${seed})`, () => {
      const exp3 = new EXP3(3, { gamma: 0.05, seed })
      const e = play(exp3, means, 10_000, seed)
      expect(e[2]).toBeGreaterThan(e[1])
      expect(exp3.weights()[2]).toBeGreaterThan(0.8)
      const ts = new ThompsonSampling(3, { seed })
      const t = play(ts, means, 10_000, seed)
      expect(t[2]).toBeGreaterThan(0.9 * 10_000)
      expect(Array.from(ts.weights()).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
    })
  }

  it('bad arms and rewards are named', () => {
    expect(() => new UCB1(2).update(2, 1)).toThrow(/arm must be an integer in \[0, 1\], got 2/)
    expect(() => new EXP3(2).update(0, -0.5)).toThrow(/reward must be a finite number in \[0, 1\], got -0.5/)
    expect(() => new EXP3(2, { gamma: 0 })).toThrow(/^EXP3: gamma must be a finite number > 0 and <= 1, got 0/)
    expect(() => new ThompsonSampling(2).update(0, Number.NaN)).toThrow(
      /reward must be a finite number in \[0, 1\], got NaN/,
    )
  })
})
