import { fc, test } from '@fast-check/vitest'
import { from, type Observable, Subject, take } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { metaLearn } from '../../operators/metaLearn'
import type { OnlineLearner } from '../../src/learn/learners'
import { MetaLearner } from '../../src/learn/metaLearner'
import { runTimed, timedStream } from '../../testing'

function collect<T>(source: Observable<T>): { values: T[]; end: string; error?: unknown } {
  const result: { values: T[]; end: string; error?: unknown } = { values: [], end: 'none' }
  source.subscribe({
    next: v => result.values.push(v),
    complete: () => (result.end = 'complete'),
    error: e => ((result.end = 'error'), (result.error = e)),
  })
  return result
}

/** Predicts the label seen most often so far. */
const majority = (): OnlineLearner<number, number, number> => {
  const counts = [0, 0]
  return { predict: () => (counts[1] > counts[0] ? 1 : 0), learn: (_x, y) => void counts[y]++ }
}
const last = (): OnlineLearner<number, number, number> => {
  let seen = 0
  return { predict: () => seen, learn: (_x, y) => void (seen = y) }
}
const config = { task: 'classification' as const, candidates: { majority, last }, safety: ['G (reset -> X !reset)'] }

describe('metaLearn', () => {
  test.prop([
    fc.array(fc.record({ x: fc.integer(), y: fc.option(fc.constantFrom(0, 1), { nil: undefined }) }), {
      maxLength: 60,
    }),
  ])('emits one step per observation, in order, equal to the kernel run offline, then completes', observations => {
    const out = collect(from(observations).pipe(metaLearn(config)))
    const offline = new MetaLearner(config)
    expect(out.values).toEqual(observations.map(o => offline.step(o.x, o.y)))
    expect(out.end).toBe('complete')
  })

  test.prop([timedStream(fc.record({ x: fc.integer(), y: fc.constantFrom(0, 1) }), { maxLength: 40 })])(
    'on virtual time: emits when each observation arrives; the end passes through',
    stream => {
      const out = runTimed(stream, source => source.pipe(metaLearn(config)))
      expect(out.values.map(v => v.time)).toEqual(stream.events.map(e => e.time))
      expect(out.end).toEqual(stream.end)
      expect(out.leftover).toBe(0)
    },
  )

  it('each subscription learns from scratch', () => {
    const source = from([
      { x: 0, y: 1 },
      { x: 0, y: 1 },
      { x: 0, y: 1 },
    ])
    const piped = source.pipe(metaLearn(config))
    expect(collect(piped).values.map(s => s.prediction)).toEqual(collect(piped).values.map(s => s.prediction))
  })

  it('a bad observation or a throwing learner errors the stream; unsubscribing releases the source', () => {
    const bad = collect(from([{ x: 1, y: 0 }, 7 as never]).pipe(metaLearn(config)))
    expect((bad.error as Error).message).toBe('metaLearn: observation #1 must be an object { x, y? }, got 7')
    const boom = new Error('learner bug')
    const throwing = (): OnlineLearner<number, number, number> => ({
      predict: () => 0,
      learn: () => {
        throw boom
      },
    })
    expect(
      collect(from([{ x: 1, y: 0 }]).pipe(metaLearn({ task: 'classification', candidates: { throwing } }))).error,
    ).toBe(boom)
    const s = new Subject<{ x: number; y: number }>()
    const got: unknown[] = []
    s.pipe(metaLearn(config), take(2)).subscribe(v => got.push(v))
    for (let i = 0; i < 5; i++) s.next({ x: i, y: i & 1 })
    expect(got).toHaveLength(2)
    expect(s.observed).toBe(false)
  })

  it('a bad config throws at call time', () => {
    expect(() => metaLearn({ task: 'classification', candidates: {} })).toThrow(/at least one learner factory/)
    // the unknown-option message names every option metaLearn takes, its state handle included
    expect(() => metaLearn({ ...config, bogus: 1 } as unknown as typeof config)).toThrow(
      /metaLearn: unknown option "bogus"; known options: task, .*seed, state$/,
    )
    expect(() => metaLearn({ ...config, safety: ['G (reset ->'] })).toThrow(/LtlSyntaxError|column/)
  })
})
