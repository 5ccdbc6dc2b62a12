import { from } from 'rxjs'
import { describe, expect, it } from 'vitest'
import {
  dtw,
  dtwMatch,
  dtwPath,
  editDistance,
  envelope,
  euclidean,
  findMatches,
  findRecurring,
  findSimilarRecurring,
  lbKeogh,
  lbKim,
  lcsDistance,
  lcsLength,
  Spring,
  searchMatches,
  zNormalize,
} from '../../index'
import { Fft, fft, ifft } from '../../src/stats/fft'
import { LogHistogram } from '../../src/stats/logHistogram'
import { type ErrorClass, expectRefused as refusedBy } from '../support/refused'

const expectRefused = (name: string, kind: ErrorClass, call: () => unknown): void => refusedBy(call, kind, name)

const series = [0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0]
const query = [1, 2, 3]

describe('comparison: bad input is a typed error whose message starts with the public name', () => {
  it('dtw and dtwPath', () => {
    for (const [name, f] of [
      ['dtw', dtw],
      ['dtwPath', dtwPath],
    ] as const) {
      const call = f as (a: unknown, b: unknown, o?: unknown) => unknown
      expectRefused(name, TypeError, () => call(5, [1]))
      expectRefused(name, RangeError, () => call([], [1]))
      expectRefused(name, TypeError, () => call([1, Number.NaN], [1]))
      expectRefused(name, RangeError, () => call([1], [1], { band: -1 }))
      expectRefused(name, RangeError, () => call([1], [1], { cost: 'cosine' }))
      expectRefused(name, TypeError, () => call([1], [1], { abandonAbove: '3' }))
      expectRefused(name, TypeError, () => call([1], [1], { window: 3 }))
      expectRefused(name, RangeError, () => call(['a'], ['b'], { cost: () => -1 }))
    }
  })

  it('editDistance, lcsLength, lcsDistance', () => {
    for (const [name, f] of [
      ['editDistance', editDistance],
      ['lcsLength', lcsLength],
      ['lcsDistance', lcsDistance],
    ] as const) {
      const call = f as (a: unknown, b: unknown, o?: unknown) => unknown
      expectRefused(name, TypeError, () => call(42, 'a'))
      expectRefused(name, TypeError, () => call('a', 'b', { equals: 'same' }))
      expectRefused(name, TypeError, () => call('a', 'b', { equal: () => true }))
      expectRefused(name, TypeError, () => call('a', 'b', 5))
    }
  })

  it('findMatches and searchMatches', () => {
    for (const [name, f] of [
      ['findMatches', findMatches],
      ['findMatches', searchMatches],
    ] as const) {
      const call = f as (s: unknown, q: unknown, o?: unknown) => unknown
      expectRefused(name, TypeError, () => call('abc', query))
      expectRefused(name, RangeError, () => call(series, []))
      expectRefused(name, RangeError, () => call(series, query, { k: 0 }))
      expectRefused(name, TypeError, () => call(series, query, { k: '1' }))
      expectRefused(name, RangeError, () => call(series, query, { threshold: Number.NaN }))
      expectRefused(name, RangeError, () => call(series, query, { band: -1 }))
      expectRefused(name, RangeError, () => call(series, query, { exclusionZone: -1 }))
      expectRefused(name, RangeError, () => call(series, query, { cost: 'cosine' }))
      expectRefused(name, TypeError, () => call(series, query, { normalize: 1 }))
      expectRefused(name, TypeError, () => call(series, query, { treshold: 1 }))
    }
  })

  it('findRecurring and findSimilarRecurring', () => {
    const recurring = findRecurring as (t: unknown, o: unknown) => unknown
    expectRefused('findRecurring', TypeError, () => recurring(5, { minLength: 1, maxLength: 2 }))
    expectRefused('findRecurring', TypeError, () => recurring('abab', null))
    expectRefused('findRecurring', RangeError, () => recurring('abab', { minLength: 0, maxLength: 2 }))
    expectRefused('findRecurring', RangeError, () => recurring('abab', { minLength: 2, maxLength: 1 }))
    expectRefused('findRecurring', TypeError, () => recurring('abab', { minLength: 1, maxLength: 2, equals: 1 }))
    expectRefused('findRecurring', TypeError, () => recurring('abab', { minLength: 1, maxLength: 2, max: 3 }))
    const similar = findSimilarRecurring as (s: unknown, o: unknown) => unknown
    expectRefused('findSimilarRecurring', TypeError, () => similar([1, Number.NaN], { length: 1, maxDistance: 1 }))
    expectRefused('findSimilarRecurring', TypeError, () => similar(series, undefined))
    expectRefused('findSimilarRecurring', RangeError, () => similar(series, { length: 0, maxDistance: 1 }))
    expectRefused('findSimilarRecurring', TypeError, () => similar(series, { length: '2', maxDistance: 1 }))
    expectRefused('findSimilarRecurring', RangeError, () => similar(series, { length: 2, maxDistance: -1 }))
    expectRefused('findSimilarRecurring', RangeError, () => similar(series, { length: 2, maxDistance: 1, band: -2 }))
    expectRefused('findSimilarRecurring', RangeError, () => similar(series, { length: 2, maxDistance: 1, cost: 'x' }))
    expectRefused('findSimilarRecurring', TypeError, () => similar(series, { length: 2, maxDistance: 1, normalize: 1 }))
    expectRefused('findSimilarRecurring', TypeError, () => similar(series, { length: 2, maxDistance: 1, k: 1 }))
  })

  it('envelope, lbKim, lbKeogh, euclidean, zNormalize', () => {
    const call = (f: unknown) => f as (...args: unknown[]) => unknown
    expectRefused('envelope', TypeError, () => call(envelope)([1, Number.NaN], 1))
    expectRefused('envelope', RangeError, () => call(envelope)([1, 2], -1))
    expectRefused('envelope', TypeError, () => call(envelope)([1, 2], '1'))
    expectRefused('lbKim', RangeError, () => call(lbKim)([], [1]))
    expectRefused('lbKim', TypeError, () => call(lbKim)([Number.NaN], [1]))
    expectRefused('lbKim', RangeError, () => call(lbKim)([1], [1], 'cosine'))
    const env = envelope([1, 2, 3], 1)
    expectRefused('lbKeogh', RangeError, () => call(lbKeogh)([1, 2], env))
    expectRefused('lbKeogh', TypeError, () => call(lbKeogh)([1, 2, 3], { upper: [1], lower: [1] }))
    expectRefused('lbKeogh', RangeError, () => call(lbKeogh)([1, 2, 3], env, { cost: 'cosine' }))
    expectRefused('lbKeogh', TypeError, () => call(lbKeogh)([1, 2, 3], env, { abandon: 1 }))
    expectRefused('lbKeogh', RangeError, () => call(lbKeogh)([1, 2, 3], env, { abandonAbove: Number.NaN }))
    expectRefused('euclidean', RangeError, () => call(euclidean)([1], [1, 2]))
    expectRefused('euclidean', TypeError, () => call(euclidean)([1], null))
    expectRefused('zNormalize', TypeError, () => call(zNormalize)([Number.POSITIVE_INFINITY]))
  })

  it('Spring', () => {
    const make = (q: unknown, o: unknown) => () => new Spring(q as number[], o as { threshold: number })
    expectRefused('Spring', TypeError, make(5, { threshold: 1 }))
    expectRefused('Spring', RangeError, make([], { threshold: 1 }))
    expectRefused('Spring', TypeError, make([1, Number.NaN], { threshold: 1 }))
    expectRefused('Spring', RangeError, make([[1, 2], [1]], { threshold: 1 }))
    expectRefused('Spring', TypeError, make([1], undefined))
    expectRefused('Spring', RangeError, make([1], { threshold: -1 }))
    expectRefused('Spring', TypeError, make([1], { threshold: '1' }))
    expectRefused('Spring', RangeError, make([1], { threshold: 1, cost: 'cosine' }))
    expectRefused('Spring', TypeError, make([1], { threshold: 1, timed: 'yes' }))
    expectRefused('Spring', TypeError, make([1], { epsilon: 1 }))
    const spring = new Spring([1, 2], { threshold: 1 })
    expectRefused('Spring', TypeError, () => spring.push(Number.NaN))
  })

  it('dtwMatch at call time', () => {
    const call = (p: unknown, o: unknown) => () => dtwMatch(p as number[], o as { threshold: number })
    expectRefused('dtwMatch', TypeError, call([1, 2], undefined))
    expectRefused('dtwMatch', TypeError, call([1, 2], { threshold: '1' }))
    expectRefused('dtwMatch', RangeError, call([1, 2], { threshold: 0 }))
    expectRefused('dtwMatch', RangeError, call([], { threshold: 1 }))
    expectRefused('dtwMatch', RangeError, call({}, { threshold: 1 }))
    expectRefused('dtwMatch', TypeError, call(5, { threshold: 1 }))
    expectRefused('dtwMatch', TypeError, call({ a: [1, Number.NaN] }, { threshold: 1 }))
    expectRefused('dtwMatch', RangeError, call({ a: [1], b: [[1, 2]] }, { threshold: 1 }))
    expectRefused('dtwMatch', RangeError, call([1, 2], { threshold: 1, band: -1 }))
    expectRefused('dtwMatch', TypeError, call([1, 2], { threshold: 1, normalize: 'yes' }))
    expectRefused('dtwMatch', RangeError, call([1, 2], { threshold: 1, cost: 'cosine' }))
    expectRefused('dtwMatch', TypeError, call([1, 2], { threshold: 1, select: 3 }))
    expectRefused('dtwMatch', TypeError, call([1, 2], { threshold: 1, time: 3 }))
    expectRefused('dtwMatch', RangeError, call([1, 2], { threshold: 1, onInvalid: 'drop' }))
    expectRefused('dtwMatch', TypeError, call([1, 2], { threshold: 1, onSkip: 3 }))
    expectRefused('dtwMatch', TypeError, call([1, 2], { threshold: 1, epsilon: 1 }))
    expectRefused('dtwMatch', RangeError, call([1], { threshold: 1, normalize: true }))
  })

  it('dtwMatch in the stream: a bad element is a TypeError naming its index', () => {
    let error: unknown
    from([1, 2, 'x' as unknown as number])
      .pipe(dtwMatch([1, 2], { threshold: 1 }))
      .subscribe({ error: e => (error = e) })
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toMatch(/^dtwMatch: element #2 must be a finite number, got "x"/)
  })

  it('Fft, fft, ifft, LogHistogram', () => {
    expectRefused('Fft', RangeError, () => new Fft(12))
    expectRefused('Fft', TypeError, () => new Fft('8' as never))
    expectRefused('Fft', TypeError, () => new Fft(4).forward([1, 2, 3, 4] as never, new Float64Array(4)))
    expectRefused('Fft', RangeError, () => new Fft(4).forward(new Float64Array(4), new Float64Array(2)))
    expectRefused('fft', RangeError, () => fft(new Float64Array(6), new Float64Array(6)))
    expectRefused('fft', TypeError, () => fft(new Float64Array(4), [0, 0, 0, 0] as never))
    expectRefused('ifft', RangeError, () => ifft(new Float64Array(4), new Float64Array(8)))
    expectRefused('LogHistogram.percentile', RangeError, () => new LogHistogram().percentile(1.5))
  })
})
