import { fc, test } from '@fast-check/vitest'
import {
  GaussianNaiveBayes,
  MovingAverageForecaster,
  OnlineLinearRegression,
  OnlineLogisticRegression,
  RunningStats,
  SnapshotError,
} from 'midstream'
import { describe, expect, it } from 'vitest'

const finite = fc.double({ min: -1e3, max: 1e3, noNaN: true })
const vector = (d: number) => fc.array(finite, { minLength: d, maxLength: d })
const roundTrip = <S>(s: S): S => JSON.parse(JSON.stringify(s))
const cutAt = (length: number, cut: number) => cut % (length + 1)

/**
 * The split-at-k property for a learner: run the first k examples on `make()`, snapshot, JSON round
 * trip, continue on both a `fromSnapshot` copy and a fresh `make()` restored in place; both must give
 * the predictions and the final snapshot of one uninterrupted run.
 */
function checkSplit<L extends { snapshot(): unknown; restore(s: never): void }, E, O>(
  make: () => L,
  fromSnapshot: (s: never) => L,
  examples: readonly E[],
  k: number,
  step: (learner: L, example: E) => O,
): void {
  const whole = make()
  const expected = examples.map(e => step(whole, e))
  const first = make()
  const head = examples.slice(0, k).map(e => step(first, e))
  const saved = roundTrip(first.snapshot())
  const copy = fromSnapshot(saved as never)
  const inPlace = make()
  inPlace.restore(saved as never)
  for (const learner of [copy, inPlace]) {
    const tail = examples.slice(k).map(e => step(learner, e))
    expect([...head, ...tail]).toEqual(expected)
    expect(learner.snapshot()).toEqual(whole.snapshot())
  }
}

describe('learner snapshots: any split, through JSON, continued = one uninterrupted run', () => {
  test.prop([fc.array(finite, { maxLength: 200 }), fc.nat()])('RunningStats', (xs, cut) => {
    checkSplit(
      () => new RunningStats(),
      s => RunningStats.fromSnapshot(s),
      xs,
      cutAt(xs.length, cut),
      (stats, x) => {
        stats.update(x)
        return [stats.count, stats.mean, stats.variance, stats.sampleVariance, stats.min, stats.max]
      },
    )
  })

  test.prop([
    fc
      .integer({ min: 1, max: 4 })
      .chain(d =>
        fc.tuple(
          fc.constant(d),
          fc.record({ learningRate: fc.double({ min: 1e-4, max: 0.1, noNaN: true }), l2: fc.constantFrom(0, 0.01) }),
          fc.array(fc.tuple(vector(d), finite), { maxLength: 80 }),
        ),
      ),
    fc.nat(),
  ])('OnlineLinearRegression', ([d, options, examples], cut) => {
    checkSplit(
      () => new OnlineLinearRegression(d, options),
      s => OnlineLinearRegression.fromSnapshot(s),
      examples,
      cutAt(examples.length, cut),
      (model, [x, y]) => {
        const p = model.predict(x)
        model.learn(x, y)
        return p
      },
    )
  })

  test.prop([
    fc.integer({ min: 1, max: 4 }).chain(d =>
      fc.tuple(
        fc.constant(d),
        fc.record(
          {
            learningRate: fc.double({ min: 1e-3, max: 1, noNaN: true }),
            averaging: fc.double({ min: 0.001, max: 0.5, noNaN: true }),
          },
          { requiredKeys: [] },
        ),
        fc.array(fc.tuple(vector(d), fc.constantFrom<0 | 1 | boolean>(0, 1, true, false)), { maxLength: 80 }),
      ),
    ),
    fc.nat(),
  ])('OnlineLogisticRegression, with and without averaging', ([d, options, examples], cut) => {
    checkSplit(
      () => new OnlineLogisticRegression(d, options),
      s => OnlineLogisticRegression.fromSnapshot(s),
      examples,
      cutAt(examples.length, cut),
      (model, [x, y]) => {
        const p = model.predict(x)
        model.learn(x, y)
        return p
      },
    )
  })

  test.prop([
    fc.integer({ min: 1, max: 3 }).chain(d =>
      fc.tuple(
        fc.constant(d),
        fc.constantFrom(1e-9, 0.5, 0),
        fc.array(fc.tuple(vector(d), fc.constantFrom<string | number>('low', 'high', 3, -1.5, '')), {
          maxLength: 60,
        }),
      ),
    ),
    fc.nat(),
  ])('GaussianNaiveBayes, string and number labels', ([d, varianceFloor, examples], cut) => {
    checkSplit(
      () => new GaussianNaiveBayes(d, { varianceFloor }),
      s => GaussianNaiveBayes.fromSnapshot(s),
      examples,
      cutAt(examples.length, cut),
      (model, [x, y]) => {
        const out = [model.predict(x), [...model.predictProba(x)]]
        model.learn(x, y)
        return out
      },
    )
  })

  test.prop([fc.integer({ min: 1, max: 7 }), fc.array(finite, { maxLength: 100 }), fc.nat()])(
    'MovingAverageForecaster',
    (window, ys, cut) => {
      checkSplit(
        () => new MovingAverageForecaster(window),
        s => MovingAverageForecaster.fromSnapshot(s),
        ys,
        cutAt(ys.length, cut),
        (f, y) => {
          const p = f.predict()
          f.learn(undefined, y)
          return p
        },
      )
    },
  )
})

describe('learner snapshots: what travels', () => {
  it('RunningStats keeps its infinite sentinels, and a restored empty one is empty', () => {
    const empty = RunningStats.fromSnapshot(roundTrip(new RunningStats().snapshot()))
    expect([empty.count, empty.min, empty.max]).toEqual([0, Infinity, -Infinity])
  })

  it('a number label stays a number and a string label a string', () => {
    const nb = new GaussianNaiveBayes<string | number>(1)
    nb.learn([0], 1)
    nb.learn([10], '1')
    const copy = GaussianNaiveBayes.fromSnapshot<string | number>(roundTrip(nb.snapshot()))
    expect(copy.predict([0.1])).toBe(1)
    expect(copy.predict([9.9])).toBe('1')
  })

  it('an averaged logistic regression keeps the 1/n phase (seen) across the split', () => {
    const x = [1, -2]
    const whole = new OnlineLogisticRegression(2, { averaging: 0.1 })
    const first = new OnlineLogisticRegression(2, { averaging: 0.1 })
    for (let i = 0; i < 3; i++) whole.learn(x, 1), first.learn(x, 1)
    const second = OnlineLogisticRegression.fromSnapshot(roundTrip(first.snapshot()))
    expect(second.snapshot().seen).toBe(3)
    whole.learn(x, 0)
    second.learn(x, 0)
    expect(second.predict(x)).toBe(whole.predict(x))
  })
})

describe('learner snapshots: errors', () => {
  it('another kind or version is a SnapshotError naming both', () => {
    const s = new RunningStats().snapshot()
    expect(() => RunningStats.fromSnapshot({ ...s, kind: 'PageHinkley' } as never)).toThrow(SnapshotError)
    expect(() => RunningStats.fromSnapshot({ ...s, kind: 'PageHinkley' } as never)).toThrow(
      /^RunningStats.restore: the snapshot is of kind "PageHinkley", expected "RunningStats"/,
    )
    const lr = new OnlineLinearRegression(2).snapshot()
    expect(() => OnlineLinearRegression.fromSnapshot({ ...lr, version: 2 })).toThrow(
      /^OnlineLinearRegression.fromSnapshot: the snapshot of OnlineLinearRegression has version 2, this version reads 1/,
    )
    expect(() => new MovingAverageForecaster(2).restore(lr as never)).toThrow(
      /^MovingAverageForecaster.restore: the snapshot is of kind "OnlineLinearRegression", expected "MovingAverageForecaster"/,
    )
    expect(() => new GaussianNaiveBayes(1).restore(null as never)).toThrow(TypeError)
  })

  it('restoring in place into a learner built with other options is a SnapshotError naming both values', () => {
    expect(() => new OnlineLinearRegression(3).restore(new OnlineLinearRegression(2).snapshot())).toThrow(
      /^OnlineLinearRegression.restore: the snapshot is of a OnlineLinearRegression with dimension 2, this one has 3/,
    )
    expect(() =>
      new OnlineLogisticRegression(2).restore(new OnlineLogisticRegression(2, { averaging: 0.1 }).snapshot()),
    ).toThrow(/with averaging 0.1, this one has null/)
    expect(() => new MovingAverageForecaster(3).restore(new MovingAverageForecaster(4).snapshot())).toThrow(
      /with window 4, this one has 3/,
    )
    expect(() => new GaussianNaiveBayes(1).restore(new GaussianNaiveBayes(1, { varianceFloor: 1 }).snapshot())).toThrow(
      /with varianceFloor 1, this one has 1e-9/,
    )
  })

  it('damaged fields are SnapshotErrors naming the field, and leave the learner untouched', () => {
    const f = new MovingAverageForecaster(2)
    for (const y of [1, 2, 3]) f.learn(undefined, y)
    const before = f.snapshot()
    expect(() => f.restore({ ...before, state: 'AAAA' })).toThrow(SnapshotError)
    expect(() => f.restore({ ...before, state: new MovingAverageForecaster(5).snapshot().state })).toThrow(
      /^MovingAverageForecaster.restore: state holds 6 values, expected 3/,
    )
    expect(() => f.restore({ ...before, count: -1 })).toThrow(/count must be an integer >= 0, got -1/)
    expect(() => f.restore({ ...before, options: null as never })).toThrow(/options must be an object, got null/)
    expect(f.snapshot()).toEqual(before)

    const nb = new GaussianNaiveBayes(1)
    nb.learn([1], 'a')
    const s = nb.snapshot()
    expect(() => nb.restore({ ...s, classes: [s.classes[0], s.classes[0]] })).toThrow(/class "a" appears twice/)
    expect(() => nb.restore({ ...s, classes: [{ ...s.classes[0], label: null as never }] })).toThrow(
      /class #0 has label null, not a string or finite number/,
    )
    expect(() => nb.restore({ ...s, classes: [{ ...s.classes[0], stats: 'AAAA' }] })).toThrow(/classes\[0\]\.stats/)
    expect(nb.snapshot()).toEqual(s)

    const clf = new OnlineLogisticRegression(1)
    expect(() => clf.restore({ ...clf.snapshot(), averaged: 'AAAAAAAAAAA=' })).toThrow(
      /averaged must be null without averaging/,
    )
    expect(() => clf.restore({ ...clf.snapshot(), seen: 1.5 })).toThrow(/seen must be an integer >= 0, got 1.5/)
    const stats = new RunningStats()
    const bad = new RunningStats()
    bad.update(1)
    const text = bad.snapshot().state
    // a count of 0.5: the first float64 replaced
    const half = Buffer.from(text, 'base64')
    half.writeDoubleLE(0.5, 0)
    expect(() => stats.restore({ ...bad.snapshot(), state: half.toString('base64') })).toThrow(
      /^RunningStats.restore: the count must be an integer >= 0, got 0.5/,
    )
  })

  it('options a constructor refuses are its typed errors', () => {
    const s = new OnlineLinearRegression(2).snapshot()
    expect(() => OnlineLinearRegression.fromSnapshot({ ...s, options: { ...s.options, learningRate: -1 } })).toThrow(
      /^OnlineLinearRegression: learningRate/,
    )
  })

  it('a label JSON cannot carry exactly is a TypeError at snapshot()', () => {
    const nb = new GaussianNaiveBayes<number>(1)
    nb.learn([1], Number.NaN)
    expect(() => nb.snapshot()).toThrow(/^GaussianNaiveBayes.snapshot: class label NaN cannot be saved/)
  })
})
