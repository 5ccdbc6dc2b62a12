import { fc, test } from '@fast-check/vitest'
import {
  EXP3,
  Hedge,
  type HedgeSnapshot,
  SnapshotError,
  ThompsonSampling,
  type ThompsonSamplingSnapshot,
  UCB1,
  type UCB1Snapshot,
} from 'midstream'
import { describe, expect, it } from 'vitest'

/** What the four policies share for these tests. */
interface Policy {
  readonly size: number
  select(): number
  weights(): Float64Array
  snapshot(): object
  restore(s: never): void
}

/** One round driving a policy: pull what it selects and feed back that arm's reward, or feed a chosen arm, or only select. */
type Step =
  | { readonly op: 'play'; readonly rewards: readonly number[] }
  | { readonly op: 'update'; readonly arm: number; readonly reward: number }
  | { readonly op: 'select' }

const unit = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1))
const seed = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })

function banditSteps(n: number): fc.Arbitrary<Step[]> {
  const step: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant('play' as const),
        rewards: fc.array(unit, { minLength: n, maxLength: n }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('update' as const),
        arm: fc.integer({ min: 0, max: n - 1 }),
        reward: unit,
      }),
    },
    { weight: 1, arbitrary: fc.constant({ op: 'select' as const }) },
  )
  return fc.array(step, { maxLength: 150 })
}

/** Runs the steps on a bandit, returning what was selected and the weights after every step. */
function runBandit(policy: Policy & { update(arm: number, reward: number): void }, steps: readonly Step[]): unknown[] {
  return steps.map(step => {
    let chosen = -1
    if (step.op === 'play') {
      chosen = policy.select()
      policy.update(chosen, step.rewards[chosen])
    } else if (step.op === 'update') policy.update(step.arm, step.reward)
    else chosen = policy.select()
    return [chosen, Array.from(policy.weights())]
  })
}

/** Hedge rounds: the weights and a selection before every round's losses, as the regret tests drive it. */
function runHedge(hedge: Hedge, rounds: readonly (readonly number[])[]): unknown[] {
  return rounds.map(losses => {
    const before = [hedge.select(), Array.from(hedge.weights()), hedge.learningRate]
    hedge.update(losses)
    return before
  })
}

const roundTrip = <S>(s: S): S => JSON.parse(JSON.stringify(s))

/**
 * The snapshot property for one policy: run k steps, snapshot through JSON, restore (fromSnapshot, or in
 * place into an instance that has been used otherwise), run the rest; outputs and final snapshot equal
 * those of one uninterrupted run.
 */
function checkSplit<P extends Policy, T>(
  make: () => P,
  fromSnapshot: (s: never) => P,
  drive: (p: P, steps: readonly T[]) => unknown[],
  steps: readonly T[],
  cut: number,
  inPlace: boolean,
  disturb: (p: P) => void,
): void {
  const k = cut % (steps.length + 1)
  const whole = make()
  const expected = drive(whole, steps)
  const first = make()
  const head = drive(first, steps.slice(0, k))
  let restored: P
  if (inPlace) {
    restored = make()
    disturb(restored)
    restored.restore(roundTrip(first.snapshot()) as never)
  } else restored = fromSnapshot(roundTrip(first.snapshot()) as never)
  const tail = drive(restored, steps.slice(k))
  expect([...head, ...tail]).toEqual(expected)
  expect(restored.snapshot()).toEqual(whole.snapshot())
}

const disturbBandit = (p: Policy & { update(arm: number, reward: number): void }) => {
  for (let i = 0; i < 5; i++) p.update(p.select(), i % 2)
}

describe('Hedge snapshots', () => {
  const setup = fc.integer({ min: 1, max: 6 }).chain(n =>
    fc.record({
      n: fc.constant(n),
      options: fc.record(
        {
          learningRate: fc.double({ min: 0.01, max: 5, noNaN: true }),
          horizon: fc.integer({ min: 1, max: 500 }),
          seed,
        },
        { requiredKeys: [] },
      ),
      rounds: fc.array(fc.array(unit, { minLength: n, maxLength: n }), { maxLength: 150 }),
    }),
  )
  test.prop([setup, fc.nat(), fc.boolean()])(
    'any split k, through JSON, fromSnapshot or restore = one uninterrupted run (selections, weights, rate)',
    ({ n, options, rounds }, cut, inPlace) => {
      checkSplit(
        () => new Hedge(n, options),
        Hedge.fromSnapshot,
        runHedge,
        rounds,
        cut,
        inPlace,
        h => h.update(Array.from({ length: n }, (_, i) => i / n)),
      )
    },
  )

  it('restore(losses), as MetaLearner carries losses into a new rate, still works beside restore(snapshot)', () => {
    const hedge = new Hedge(3, { learningRate: 0.5 })
    hedge.update([1, 0, 0.5])
    const other = new Hedge(3, { learningRate: 2 })
    other.restore(hedge.losses)
    expect(Array.from(other.losses)).toEqual([1, 0, 0.5])
    const w = other.weights()
    // exp(-2 (L_i - min L)) normalised: an independent closed form
    const e = [Math.exp(-2), 1, Math.exp(-1)]
    const total = e[0] + e[1] + e[2]
    for (let i = 0; i < 3; i++) expect(w[i]).toBeCloseTo(e[i] / total, 15)
  })

  it('another kind or version is a SnapshotError naming both; other options or damaged fields too, and change nothing', () => {
    const hedge = new Hedge(3, { horizon: 100 })
    hedge.update([0.2, 0.4, 0.9])
    const s: HedgeSnapshot = roundTrip(hedge.snapshot())
    expect(() => Hedge.fromSnapshot({ ...s, kind: 'EXP3' } as never)).toThrow(
      /^Hedge.fromSnapshot: the snapshot is of kind "EXP3", expected "Hedge"/,
    )
    expect(() => new Hedge(3).restore({ ...s, version: 7 })).toThrow(
      /^Hedge.restore: the snapshot of Hedge has version 7, this version reads 1/,
    )
    expect(() => new Hedge(3, { horizon: 99 }).restore(s)).toThrow(
      /^Hedge.restore: the snapshot's horizon is 100, this Hedge's is 99/,
    )
    expect(() => new Hedge(4, { horizon: 100 }).restore(s)).toThrow(/the snapshot's size is 3, this Hedge's is 4/)
    const target = new Hedge(3, { horizon: 100 })
    const before = target.snapshot()
    const damaged: [Partial<Record<keyof HedgeSnapshot, unknown>>, RegExp][] = [
      [{ losses: 'AAAA' }, /losses/],
      [{ weights: roundTrip(new Hedge(2).snapshot()).weights }, /weights holds 2 values, expected 3/],
      [{ rounds: -1 }, /rounds must be an integer/],
      [{ random: 2 ** 32 }, /random must be an integer in \[0, 4294967295\], got 4294967296/],
      [{ random: '5' }, /random must be an integer/],
      [{ options: [] }, /options must be an object/],
    ]
    for (const [patch, message] of damaged) {
      expect(() => Hedge.fromSnapshot({ ...s, ...patch } as HedgeSnapshot)).toThrow(SnapshotError)
      expect(() => target.restore({ ...s, ...patch } as HedgeSnapshot)).toThrow(message)
      expect(target.snapshot()).toEqual(before)
    }
    expect(() => Hedge.fromSnapshot({ ...s, options: { ...s.options, size: 0 } })).toThrow(RangeError)
  })
})

describe('UCB1 snapshots', () => {
  const setup = fc
    .integer({ min: 1, max: 6 })
    .chain(n =>
      fc.record({ n: fc.constant(n), exploration: fc.double({ min: 0, max: 4, noNaN: true }), steps: banditSteps(n) }),
    )
  test.prop([setup, fc.nat(), fc.boolean()])(
    'any split k, through JSON, fromSnapshot or restore = one uninterrupted run (chosen arms, weights)',
    ({ n, exploration, steps }, cut, inPlace) => {
      checkSplit(() => new UCB1(n, exploration), UCB1.fromSnapshot, runBandit, steps, cut, inPlace, disturbBandit)
    },
  )

  it('another kind, version or exploration, or damaged fields, are SnapshotErrors that change nothing', () => {
    const ucb = new UCB1(2, 1)
    ucb.update(1, 0.5)
    const s: UCB1Snapshot = roundTrip(ucb.snapshot())
    expect(() => UCB1.fromSnapshot({ ...s, kind: 'Hedge' } as never)).toThrow(
      /^UCB1.fromSnapshot: the snapshot is of kind "Hedge", expected "UCB1"/,
    )
    expect(() => UCB1.fromSnapshot({ ...s, version: 0 })).toThrow(/has version 0, this version reads 1/)
    expect(() => new UCB1(2).restore(s)).toThrow(/^UCB1.restore: the snapshot's exploration is 1, this UCB1's is 2/)
    const target = new UCB1(2, 1)
    for (const patch of [{ pulls: '' }, { rewards: 7 }, { rounds: 0.5 }, { options: { size: 2 } }]) {
      expect(() => target.restore({ ...s, ...patch } as UCB1Snapshot)).toThrow(SnapshotError)
      expect(target.snapshot()).toEqual(new UCB1(2, 1).snapshot())
    }
  })
})

describe('EXP3 snapshots', () => {
  const setup = fc.integer({ min: 1, max: 6 }).chain(n =>
    fc.record({
      n: fc.constant(n),
      options: fc.record({ gamma: fc.double({ min: 0.01, max: 1, noNaN: true }), seed }, { requiredKeys: [] }),
      steps: banditSteps(n),
    }),
  )
  test.prop([setup, fc.nat(), fc.boolean()])(
    'any split k, through JSON, fromSnapshot or restore = one uninterrupted run (PRNG included)',
    ({ n, options, steps }, cut, inPlace) => {
      checkSplit(() => new EXP3(n, options), EXP3.fromSnapshot, runBandit, steps, cut, inPlace, disturbBandit)
    },
  )

  it('another kind, version or gamma, or damaged fields, are SnapshotErrors', () => {
    const s = roundTrip(new EXP3(3, { gamma: 0.2 }).snapshot())
    expect(() => EXP3.fromSnapshot({ ...s, kind: 'UCB1' } as never)).toThrow(
      /^EXP3.fromSnapshot: the snapshot is of kind "UCB1", expected "EXP3"/,
    )
    expect(() => new EXP3(3).restore({ ...s, version: 2 })).toThrow(/^EXP3.restore: the snapshot of EXP3 has version 2/)
    expect(() => new EXP3(3).restore(s)).toThrow(/the snapshot's gamma is 0.2, this EXP3's is 0.1/)
    expect(() => EXP3.fromSnapshot({ ...s, logWeights: 'AA==' })).toThrow(SnapshotError)
    expect(() => EXP3.fromSnapshot({ ...s, random: -1 })).toThrow(/EXP3.fromSnapshot: random must be an integer/)
  })
})

describe('ThompsonSampling snapshots', () => {
  const setup = fc.integer({ min: 1, max: 6 }).chain(n => fc.record({ n: fc.constant(n), seed, steps: banditSteps(n) }))
  test.prop([setup, fc.nat(), fc.boolean()])(
    'any split k, through JSON, fromSnapshot or restore = one uninterrupted run (PRNG included)',
    ({ n, seed, steps }, cut, inPlace) => {
      checkSplit(
        () => new ThompsonSampling(n, { seed }),
        ThompsonSampling.fromSnapshot,
        runBandit,
        steps,
        cut,
        inPlace,
        disturbBandit,
      )
    },
  )

  it('a restored sampler draws the same sequence of arms as the original for many rounds', () => {
    const a = new ThompsonSampling(4, { seed: 11 })
    for (let t = 0; t < 50; t++) a.update(a.select(), t % 3 === 0 ? 1 : 0.3)
    const b = ThompsonSampling.fromSnapshot(roundTrip(a.snapshot()))
    const arms = (p: ThompsonSampling) => Array.from({ length: 200 }, () => p.select())
    expect(arms(b)).toEqual(arms(a))
  })

  it('another kind, version or size, or damaged posteriors, are SnapshotErrors', () => {
    const s: ThompsonSamplingSnapshot = roundTrip(new ThompsonSampling(2).snapshot())
    expect(() => ThompsonSampling.fromSnapshot({ ...s, kind: 'EXP3' } as never)).toThrow(
      /^ThompsonSampling.fromSnapshot: the snapshot is of kind "EXP3", expected "ThompsonSampling"/,
    )
    expect(() => ThompsonSampling.fromSnapshot({ ...s, version: 3 })).toThrow(/has version 3, this version reads 1/)
    expect(() => new ThompsonSampling(3).restore(s)).toThrow(
      /^ThompsonSampling.restore: the snapshot's size is 2, this ThompsonSampling's is 3/,
    )
    const bad = roundTrip(new Hedge(2).snapshot()).weights // two values of 0.5: not a Beta shape >= 1
    expect(() => ThompsonSampling.fromSnapshot({ ...s, alpha: bad })).toThrow(
      /posterior 0 must have finite alpha and beta >= 1, got 0.5 and 1/,
    )
    expect(() => ThompsonSampling.fromSnapshot({ ...s, beta: 'x' })).toThrow(SnapshotError)
  })
})
