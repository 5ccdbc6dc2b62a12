import { fc, test } from '@fast-check/vitest'
import {
  GaussianNaiveBayes,
  MetaLearner,
  type MetaLearnerConfig,
  type MetaLearnerSnapshot,
  type MetaRule,
  type MetaStep,
  MovingAverageForecaster,
  type OnlineLearner,
  OnlineLinearRegression,
  OnlineLogisticRegression,
  SnapshotError,
} from 'midstream'
import { describe, expect, it } from 'vitest'

type X = readonly [number, number]
type Obs = { x: X; y?: number }

/** A user's own learner: logistic regression thresholded at 0.5, snapshotted through its inner model. */
const thresholded = (learningRate: number) => (): OnlineLearner<X, number, number> => {
  const inner = new OnlineLogisticRegression(2, { learningRate, averaging: 0.05 })
  return {
    predict: x => (inner.predict(x) > 0.5 ? 1 : 0),
    learn: (x, y) => inner.learn(x, y as 0 | 1),
    snapshot: () => inner.snapshot(),
    restore: s => inner.restore(s as never),
  }
}

const classifiers = {
  nb: () => new GaussianNaiveBayes<number>(2) as OnlineLearner<X, number, number | undefined>,
  wide: () => new GaussianNaiveBayes<number>(2, { varianceFloor: 1 }) as OnlineLearner<X, number, number | undefined>,
  fast: thresholded(0.5) as () => OnlineLearner<X, number, number | undefined>,
  slow: thresholded(0.05) as () => OnlineLearner<X, number, number | undefined>,
}
/** A moving average that forecasts 0 before its first value (the MetaLearner's loss needs a number). */
const movingAverage = (window: number) => (): OnlineLearner<X, number, number> => {
  const inner = new MovingAverageForecaster(window)
  return {
    predict: () => {
      const p = inner.predict()
      return Number.isNaN(p) ? 0 : p
    },
    learn: (x, y) => inner.learn(x, y),
    snapshot: () => inner.snapshot(),
    restore: s => inner.restore(s as never),
  }
}
const regressors = {
  linear: () => new OnlineLinearRegression(2, { learningRate: 0.05 }) as OnlineLearner<X, number, number>,
  last: movingAverage(1),
  mean5: movingAverage(5),
}

/** Pure rules (functions of the state only), so that a restored run can equal an uninterrupted one. */
function makeRules(names: readonly string[]): MetaRule[] {
  return [
    { name: 'faster', when: s => s.drift, apply: c => c.setLearningRate(8), events: ['rate'] },
    { name: 'refresh', when: s => s.index % 40 === 39, apply: c => c.resetCandidate(names[0]), events: ['reset'] },
    { name: 'calm', when: s => s.index % 25 === 24, apply: c => c.resetSelector(), events: ['reset'] },
    {
      name: 'drop',
      when: s => s.index === 90 && (names.at(-1) as string) in s.weights,
      apply: c => c.removeCandidate(names.at(-1) as string),
      events: ['remove'],
    },
  ]
}

/** A stream with concept drifts: the label (or target) flips its relation to the features at each drift. */
function stream(n: number, seed: number, drifts: readonly number[], task: 'classification' | 'regression'): Obs[] {
  let state = seed >>> 0 || 1
  const random = () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 2 ** 32
  }
  const out: Obs[] = []
  for (let i = 0; i < n; i++) {
    const x: X = [random() * 4 - 2, random() * 4 - 2]
    const flipped = drifts.filter(d => d <= i).length % 2 === 1
    const y =
      task === 'classification'
        ? x[0] + x[1] > 0 !== flipped
          ? 1
          : 0
        : (flipped ? -3 : 3) * x[0] + x[1] + (random() - 0.5) * 0.2
    out.push(random() < 0.1 ? { x } : { x, y })
  }
  return out
}

const configs = fc.record({
  task: fc.constantFrom('classification' as const, 'regression' as const),
  selector: fc.constantFrom('hedge' as const, 'ucb1' as const, 'exp3' as const, 'thompson' as const),
  detector: fc.constantFrom('adwin' as const, 'page-hinkley' as const, 'none' as const),
  onDrift: fc.constantFrom('reset' as const, 'reweigh' as const),
  maxDepth: fc.constantFrom(2 as const, 3 as const),
  period: fc.integer({ min: 10, max: 40 }),
  seed: fc.integer({ min: -1000, max: 1000 }),
  withRules: fc.boolean(),
  maxModificationsPerWindow: fc.constantFrom(Infinity, 2),
})

type Config = MetaLearnerConfig<X, number, number | undefined>

function makeConfig(c: { withRules: boolean } & Omit<Config, 'candidates'>): Config {
  const { withRules, ...rest } = c
  const candidates = (rest.task === 'classification' ? classifiers : regressors) as Config['candidates']
  return {
    ...rest,
    candidates,
    ...(withRules
      ? {
          rules: makeRules(Object.keys(candidates)),
          modificationWindow: 60,
          safety: ['G (reset -> X !reset)', 'G (drift -> !remove)'],
        }
      : {}),
  }
}

const roundTrip = <S>(s: S): S => JSON.parse(JSON.stringify(s))
const run = (meta: MetaLearner<X, number, number | undefined>, data: readonly Obs[]) =>
  data.map(({ x, y }) => meta.step(x, y))

describe('MetaLearner snapshots', () => {
  test.prop(
    [
      configs,
      fc.integer({ min: 0, max: 260 }),
      fc.integer({ min: 1, max: 2 ** 31 }),
      fc.array(fc.integer({ min: 20, max: 250 }), { maxLength: 3 }),
      fc.nat(),
    ],
    { numRuns: 60 },
  )(
    'snapshot after any k inputs, through JSON, restored and continued = one uninterrupted run (outputs and final snapshot)',
    (c, n, seed, drifts, cut) => {
      const config = makeConfig(c)
      const data = stream(n, seed, drifts, config.task)
      const k = cut % (n + 1)
      const whole = new MetaLearner(config)
      const expected = run(whole, data)
      const first = new MetaLearner(config)
      const head = run(first, data.slice(0, k))
      const restored = MetaLearner.fromSnapshot(config, roundTrip(first.snapshot()))
      const tail = run(restored, data.slice(k))
      expect([...head, ...tail]).toEqual(expected)
      expect(restored.snapshot()).toEqual(whole.snapshot())
      expect(restored.refusals).toBe(whole.refusals)
    },
  )

  it('the runs the property draws do drift, reset, tune and apply rules (the split crosses real events)', () => {
    const config = makeConfig({
      task: 'classification',
      selector: 'hedge',
      detector: 'adwin',
      onDrift: 'reset',
      maxDepth: 3,
      period: 10,
      seed: 3,
      withRules: true,
      maxModificationsPerWindow: 2,
    })
    const steps: MetaStep<number | undefined>[] = run(
      new MetaLearner(config),
      stream(260, 7, [100, 180], 'classification'),
    )
    expect(steps.some(s => s.drift)).toBe(true)
    expect(steps.some(s => s.modifications.applied.length > 0)).toBe(true)
    expect(steps.some(s => s.modifications.refused.length > 0)).toBe(true)
    expect(steps.at(-1)?.levels[2].events).toBeGreaterThan(0)
    expect(Object.keys(steps.at(-1)?.weights ?? {})).toHaveLength(3) // 'drop' removed one
  })

  const base: Config = {
    task: 'classification',
    candidates: classifiers as Config['candidates'],
    rules: [{ name: 'noop', when: () => false, apply: () => {} }],
  }

  it('a snapshot of another kind or version is a SnapshotError naming both', () => {
    const s = new MetaLearner(base).snapshot()
    const meta = new MetaLearner(base)
    expect(() => meta.restore({ ...s, kind: 'Hedge' } as never)).toThrow(SnapshotError)
    expect(() => meta.restore({ ...s, kind: 'Hedge' } as never)).toThrow(
      /^MetaLearner.restore: the snapshot is of kind "Hedge", expected "MetaLearner"/,
    )
    expect(() => meta.restore({ ...s, version: 3 })).toThrow(/has version 3, this version reads 1/)
    expect(() => meta.restore(null as never)).toThrow(TypeError)
  })

  it('a snapshot of a config with other options or rules is a SnapshotError naming both values', () => {
    const meta = new MetaLearner(base)
    run(meta, stream(30, 1, [], 'classification'))
    const s = roundTrip(meta.snapshot())
    expect(() => MetaLearner.fromSnapshot({ ...base, selector: 'exp3' }, s)).toThrow(
      /^MetaLearner.restore: the snapshot's selector is "hedge", this MetaLearner's is "exp3"/,
    )
    expect(() => MetaLearner.fromSnapshot({ ...base, period: 30 }, s)).toThrow(
      /period is 500, this MetaLearner's is 30/,
    )
    expect(() => MetaLearner.fromSnapshot({ ...base, rules: [] }, s)).toThrow(
      /the snapshot's rules are "\[\\"noop\\"\]", this MetaLearner's are "\[\]"/,
    )
    const { nb: _nb, ...fewer } = classifiers
    expect(() => MetaLearner.fromSnapshot({ ...base, candidates: fewer as Config['candidates'] }, s)).toThrow(
      /^MetaLearner.restore: the snapshot has candidate "nb", which config.candidates \(wide, fast, slow\) does not name/,
    )
    expect(() =>
      MetaLearner.fromSnapshot({ ...base, candidates: { ...classifiers, nb: regressors.linear } as never }, s),
    ).toThrow(
      /^GaussianNaiveBayes.restore|OnlineLinearRegression.restore: the snapshot is of kind "GaussianNaiveBayes"/,
    )
  })

  it('restores a config whose candidates are a superset, in the snapshot order, after a rule removed one', () => {
    const config: Config = {
      ...base,
      rules: [{ name: 'drop', when: s => s.index === 5, apply: c => c.removeCandidate('wide') }],
    }
    const data = stream(60, 5, [30], 'classification')
    const whole = new MetaLearner(config)
    const expected = run(whole, data)
    const first = new MetaLearner(config)
    run(first, data.slice(0, 20))
    const s = roundTrip(first.snapshot())
    expect(s.candidates.map(c => c.name)).toEqual(['nb', 'fast', 'slow'])
    const restored = MetaLearner.fromSnapshot(config, s)
    expect(run(restored, data.slice(20))).toEqual(expected.slice(20))
  })

  it('safety monitors travel: a constraint that refuses after the split refuses in the restored run too', () => {
    const config: Config = {
      ...base,
      rules: [{ name: 'every', when: () => true, apply: c => c.resetSelector(), events: ['reset'] }],
      safety: ['G (reset -> X !reset)'],
    }
    const data = stream(30, 6, [], 'classification')
    const whole = new MetaLearner(config)
    const expected = run(whole, data)
    // the rule applies every other step: the monitor's residual carries the "not next" across the split
    expect(expected.slice(0, 4).map(s => s.modifications.applied.length)).toEqual([1, 0, 1, 0])
    for (const k of [1, 2]) {
      const first = new MetaLearner(config)
      run(first, data.slice(0, k))
      const restored = MetaLearner.fromSnapshot(config, roundTrip(first.snapshot()))
      expect(run(restored, data.slice(k))).toEqual(expected.slice(k))
      expect(restored.snapshot()).toEqual(whole.snapshot())
    }
  })

  it('a snapshot of other safety constraints is a SnapshotError naming both formulas', () => {
    const meta = new MetaLearner({ ...base, safety: ['G (reset -> X !reset)'] })
    const s = roundTrip(meta.snapshot())
    expect(() => MetaLearner.fromSnapshot({ ...base, safety: ['G !remove'] }, s)).toThrow(SnapshotError)
    expect(() => MetaLearner.fromSnapshot({ ...base, safety: ['G !remove'] }, s)).toThrow(/formula/)
    expect(() => MetaLearner.fromSnapshot(base, s)).toThrow(/holds 1 safety monitors, this MetaLearner has 0/)
  })

  it('a candidate a rule added cannot be restored: a SnapshotError naming it', () => {
    const config: Config = {
      ...base,
      rules: [{ name: 'grow', when: s => s.index === 2, apply: c => c.addCandidate('extra', classifiers.nb) }],
    }
    const meta = new MetaLearner(config)
    run(meta, stream(5, 2, [], 'classification'))
    expect(() => MetaLearner.fromSnapshot(config, roundTrip(meta.snapshot()))).toThrow(
      /candidate "extra", which config.candidates \(nb, wide, fast, slow\) does not name; a candidate a rule added cannot be restored/,
    )
  })

  it('a candidate without snapshot() and restore() is a TypeError naming it, at snapshot()', () => {
    const plain = (): OnlineLearner<X, number, number> => ({ predict: () => 0, learn: () => {} })
    const meta = new MetaLearner<X, number, number>({
      task: 'classification',
      candidates: { nb: classifiers.nb as never, plain },
    })
    expect(() => meta.snapshot()).toThrow(TypeError)
    expect(() => meta.snapshot()).toThrow(
      /^MetaLearner.snapshot: candidate "plain" has no snapshot\(\) and restore\(\)/,
    )
  })

  it('damaged fields are SnapshotErrors naming them, and leave the learner unchanged', () => {
    const meta = new MetaLearner(base)
    run(meta, stream(40, 3, [], 'classification'))
    const s = roundTrip(meta.snapshot())
    const other = new MetaLearner(base)
    run(other, stream(10, 4, [], 'classification'))
    const before = other.snapshot()
    const damaged: Array<[Partial<MetaLearnerSnapshot>, RegExp]> = [
      [{ state: 'AAAA' }, /state/],
      [{ recent: 'AAAAAAAAAAA=' }, /recent holds 1 values, expected 4/],
      [{ index: -1 }, /index must be an integer in \[0, /],
      [{ appliedAt: [5, 'x' as never] }, /appliedAt\[1\]/],
      [{ levels: { ...s.levels, drifts: 1.5 } }, /levels.drifts/],
      [{ levels: null as never }, /levels must be an object, got null/],
      [{ candidates: [] }, /candidates must be a non-empty array/],
      [{ candidates: [s.candidates[0], s.candidates[0]] }, /candidate "nb" appears twice/],
      [{ selector: null as never }, /selector must be a snapshot, got null/],
      [{ detector: null }, /ADWIN.restore/],
      [{ safety: [s.selector as never] }, /the snapshot holds 1 safety monitors, this MetaLearner has 0/],
    ]
    for (const [change, message] of damaged) {
      expect(() => other.restore({ ...s, ...change }), String(message)).toThrow(message)
      expect(other.snapshot()).toEqual(before)
    }
  })

  it('the restored learner hands out the same steps as the original from the very next input', () => {
    const config: Config = { ...base, selector: 'thompson', seed: 9 }
    const data = stream(80, 11, [40], 'classification')
    const a = new MetaLearner(config)
    run(a, data.slice(0, 50))
    const b = MetaLearner.fromSnapshot(config, roundTrip(a.snapshot()))
    const next = data[50]
    expect(b.step(next.x, next.y)).toEqual(a.step(next.x, next.y))
  })
})
