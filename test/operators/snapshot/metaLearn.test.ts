import { fc, test } from '@fast-check/vitest'
import {
  GaussianNaiveBayes,
  type MetaLearnConfig,
  MetaLearner,
  type MetaLearnerConfig,
  type MetaLearnSnapshot,
  metaLearn,
  type Observation,
  type OnlineLearner,
  OnlineLinearRegression,
  OnlineLogisticRegression,
  OperatorState,
  operatorState,
  SnapshotError,
} from 'midstream'
import { from, lastValueFrom, Subject, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'

type X = readonly [number, number]
type Obs = Observation<X, number>
type Config = MetaLearnerConfig<X, number, number | undefined>

/** Logistic regression thresholded at 0.5: a user's own learner, snapshotted through its inner model. */
const thresholded = (learningRate: number) => (): OnlineLearner<X, number, number | undefined> => {
  const inner = new OnlineLogisticRegression(2, { learningRate })
  return {
    predict: x => (inner.predict(x) > 0.5 ? 1 : 0),
    learn: (x, y) => inner.learn(x, y as 0 | 1),
    snapshot: () => inner.snapshot(),
    restore: s => inner.restore(s as never),
  }
}
const classifiers = {
  nb: () => new GaussianNaiveBayes<number>(2) as OnlineLearner<X, number, number | undefined>,
  fast: thresholded(0.5),
  slow: thresholded(0.05),
}
const regressors = {
  a: () => new OnlineLinearRegression(2, { learningRate: 0.1 }) as OnlineLearner<X, number, number | undefined>,
  b: () => new OnlineLinearRegression(2, { learningRate: 0.01 }) as OnlineLearner<X, number, number | undefined>,
}

/** Labels (or targets) that flip their relation to the features at each drift; some observations unlabelled. */
function stream(n: number, seed: number, drifts: readonly number[], task: Config['task']): Obs[] {
  let state = seed >>> 0 || 1
  const random = () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 2 ** 32
  }
  return Array.from({ length: n }, (_, i) => {
    const x: X = [random() * 4 - 2, random() * 4 - 2]
    const flipped = drifts.filter(d => d <= i).length % 2 === 1
    const y = task === 'classification' ? Number(x[0] + x[1] > 0 !== flipped) : (flipped ? -2 : 2) * x[0] + x[1]
    return random() < 0.1 ? { x } : { x, y }
  })
}

const configs = fc.record({
  task: fc.constantFrom('classification' as const, 'regression' as const),
  selector: fc.constantFrom('hedge' as const, 'ucb1' as const, 'exp3' as const, 'thompson' as const),
  detector: fc.constantFrom('adwin' as const, 'page-hinkley' as const, 'none' as const),
  period: fc.integer({ min: 10, max: 30 }),
  seed: fc.integer({ min: 0, max: 100 }),
})
const withCandidates = (c: Omit<Config, 'candidates'>): Config => ({
  ...c,
  candidates: (c.task === 'classification' ? classifiers : regressors) as Config['candidates'],
  rules: [
    { name: 'calm', when: s => s.index % 30 === 29, apply: control => control.resetSelector(), events: ['reset'] },
    { name: 'again', when: s => s.drift, apply: control => control.resetSelector(), events: ['reset'] },
  ],
  safety: ['G (reset -> X !reset)'],
})

const roundTrip = <S>(s: S): S => JSON.parse(JSON.stringify(s))
const runOperator = (data: readonly Obs[], config: MetaLearnConfig<X, number, number | undefined>) =>
  lastValueFrom(from(data).pipe(metaLearn(config), toArray()))

describe('metaLearn with a state handle', () => {
  test.prop([configs, fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 2 ** 31 }), fc.nat()], {
    numRuns: 40,
  })(
    'snapshot after any k observations, through JSON, in a new handle, continued = one uninterrupted run',
    async (c, n, seed, cut) => {
      const config = withCandidates(c)
      const data = stream(n, seed, [60, 140], config.task)
      const k = cut % (n + 1)
      const first = operatorState<MetaLearnSnapshot>()
      const head = await runOperator(data.slice(0, k), { ...config, state: first })
      const second = operatorState<MetaLearnSnapshot>(roundTrip(first.snapshot()))
      const tail = await runOperator(data.slice(k), { ...config, state: second })
      // the oracle: the kernel stepped by hand, without the operator or a checkpoint
      const kernel = new MetaLearner(config)
      const expected = data.map(({ x, y }) => kernel.step(x, y))
      expect([...head, ...tail]).toEqual(expected)
      expect(second.snapshot()).toEqual({ kind: 'metaLearn', version: 1, index: n, learner: kernel.snapshot() })
    },
  )

  it('an empty handle starts fresh, and a run without a handle emits the same', async () => {
    const config = withCandidates({ task: 'classification' })
    const data = stream(50, 3, [25], 'classification')
    expect(await runOperator(data, { ...config, state: operatorState() })).toEqual(await runOperator(data, config))
  })

  it('hands out the live state between observations, and the final state after the end', () => {
    const config = withCandidates({ task: 'classification' })
    const data = stream(12, 5, [], 'classification')
    const state = operatorState<MetaLearnSnapshot>()
    const input = new Subject<Obs>()
    const sub = input.pipe(metaLearn({ ...config, state })).subscribe()
    const kernel = new MetaLearner(config)
    for (const o of data.slice(0, 7)) input.next(o), kernel.step(o.x, o.y)
    expect(state.snapshot()).toEqual({ kind: 'metaLearn', version: 1, index: 7, learner: kernel.snapshot() })
    sub.unsubscribe()
    input.next(data[7])
    expect(state.attached).toBe(false)
    expect(state.snapshot()?.index).toBe(7)
    expect(state.snapshot()?.learner).toEqual(kernel.snapshot())
  })

  it('a retry continues from the latest state', async () => {
    const config = withCandidates({ task: 'regression' })
    const data = stream(40, 8, [], 'regression')
    const state = operatorState<MetaLearnSnapshot>()
    const op = metaLearn({ ...config, state })
    const a = await lastValueFrom(from(data.slice(0, 15)).pipe(op, toArray()))
    const b = await lastValueFrom(from(data.slice(15)).pipe(op, toArray()))
    expect([...a, ...b]).toEqual(await runOperator(data, config))
    expect(b[0].index).toBe(15)
  })

  it('a snapshot of another operator or version errors the subscription with a SnapshotError naming both', async () => {
    const config = withCandidates({ task: 'classification' })
    const other = new OperatorState({ kind: 'dtwMatch', version: 1 } as never)
    const run = runOperator(stream(3, 1, [], 'classification'), { ...config, state: other })
    await expect(run).rejects.toThrow(SnapshotError)
    await expect(run).rejects.toThrow(/^metaLearn: the snapshot is of kind "dtwMatch", expected "metaLearn"/)
    expect(other.attached).toBe(false)
    expect(other.snapshot()).toEqual({ kind: 'dtwMatch', version: 1 })
    const newer = new OperatorState({ kind: 'metaLearn', version: 4, index: 0 } as never)
    await expect(runOperator([], { ...config, state: newer })).rejects.toThrow(/version 4, this version reads 1/)
    const bad = new OperatorState({ kind: 'metaLearn', version: 1, index: -2 } as never)
    await expect(runOperator([], { ...config, state: bad })).rejects.toThrow(
      /^metaLearn: the snapshot's index must be an integer >= 0, got -2/,
    )
  })

  it('a snapshot of a config with other options errors the subscription naming both values', async () => {
    const config = withCandidates({ task: 'classification' })
    const state = operatorState<MetaLearnSnapshot>()
    await runOperator(stream(10, 2, [], 'classification'), { ...config, state })
    const again = operatorState(roundTrip(state.snapshot()))
    await expect(
      runOperator(stream(3, 2, [], 'classification'), { ...config, selector: 'ucb1', state: again }),
    ).rejects.toThrow(/the snapshot's selector is "hedge", this MetaLearner's is "ucb1"/)
  })

  it('a candidate without snapshot() and restore() errors the subscription with a TypeError naming it', async () => {
    const plain = (): OnlineLearner<X, number, number> => ({ predict: () => 0, learn: () => {} })
    const run = lastValueFrom(
      from(stream(3, 1, [], 'classification')).pipe(
        metaLearn<X, number, number>({ task: 'classification', candidates: { plain }, state: operatorState() }),
      ),
    )
    await expect(run).rejects.toThrow(TypeError)
    await expect(run).rejects.toThrow(/candidate "plain" has no snapshot\(\) and restore\(\)/)
  })

  it('a handle serves one subscription at a time', async () => {
    const state = operatorState<MetaLearnSnapshot>()
    const op = metaLearn({ ...withCandidates({ task: 'classification' }), state })
    const sub = new Subject<Obs>().pipe(op).subscribe()
    await expect(lastValueFrom(from(stream(2, 1, [], 'classification')).pipe(op))).rejects.toThrow(
      /^metaLearn: the state handle is already in use/,
    )
    sub.unsubscribe()
  })

  it('a state option that is not a handle is a TypeError at the call', () => {
    expect(() => metaLearn({ ...withCandidates({ task: 'classification' }), state: {} as never })).toThrow(
      /^metaLearn: state must be a handle from operatorState/,
    )
    expect(() => metaLearn({ ...withCandidates({ task: 'classification' }), stat: 1 } as never)).toThrow(
      /^metaLearn: unknown option "stat"/,
    )
  })
})
