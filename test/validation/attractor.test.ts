import { from } from 'rxjs'
import { describe, expect, it } from 'vitest'
import {
  attractorWindow,
  caoE1E2,
  classifyDynamics,
  delayEmbed,
  estimateDelay,
  estimateDimension,
  falseNearestNeighbors,
  lyapunovRosenstein,
  mutualInformation,
  ordinalPatternCounts,
  permutationEntropy,
  SlidingPermutationEntropy,
  zeroOneTest,
} from '../../index'
import { ZeroOneDisplacement } from '../../src/attractor/zeroOneTest'
import { logistic } from '../support/dynamics'
import { type ErrorClass, expectRefused as refusedBy } from '../support/refused'

const expectRefused = (name: string, kind: ErrorClass, call: () => unknown): void => refusedBy(call, kind, name)

const x = logistic(400, 4)
const any = (f: unknown) => f as (...args: unknown[]) => unknown

describe('attractors: bad input is a typed error whose message starts with the public name', () => {
  it('lyapunovRosenstein', () => {
    const f = any(lyapunovRosenstein)
    expectRefused('lyapunovRosenstein', TypeError, () => f([1, 2, Number.NaN]))
    expectRefused('lyapunovRosenstein', TypeError, () => f(x, { dimensions: 2 }))
    expectRefused('lyapunovRosenstein', TypeError, () => f(x, 5))
    expectRefused('lyapunovRosenstein', RangeError, () => f(x, { dt: 0 }))
    expectRefused('lyapunovRosenstein', TypeError, () => f(x, { dt: '1' }))
    expectRefused('lyapunovRosenstein', RangeError, () => f(x, { dimension: 0, delay: 1 }))
    expectRefused('lyapunovRosenstein', RangeError, () => f(x, { dimension: 1, delay: 1.5 }))
    expectRefused('lyapunovRosenstein', RangeError, () => f(x, { dimension: 1, delay: 1, theilerWindow: -1 }))
    expectRefused('lyapunovRosenstein', RangeError, () => f(x, { dimension: 1, delay: 1, maxSteps: 1 }))
    expectRefused('lyapunovRosenstein', RangeError, () => f(x, { dimension: 1, delay: 1, fitRange: [3, 2] }))
    expectRefused('lyapunovRosenstein', RangeError, () => f(logistic(15, 4), { dimension: 1, delay: 1 }))
    // a constant series sits at a fixed point: no motion to measure an exponent from
    expectRefused('lyapunovRosenstein', RangeError, () => f(new Float64Array(300).fill(2), { dimension: 2, delay: 1 }))
  })

  it('classifyDynamics', () => {
    const f = any(classifyDynamics)
    expectRefused('classifyDynamics', TypeError, () => f([1, Number.POSITIVE_INFINITY]))
    expectRefused('classifyDynamics', TypeError, () => f(x, null))
    expectRefused('classifyDynamics', TypeError, () => f(x, { window: 100 }))
    expectRefused('classifyDynamics', RangeError, () => f(x, { dt: -1 }))
    expectRefused('classifyDynamics', RangeError, () => f(x, { order: 9 }))
    expectRefused('classifyDynamics', RangeError, () => f(x, { minLength: 10 }))
    expectRefused('classifyDynamics', RangeError, () => f(x, { delay: 0 }))
    expectRefused('classifyDynamics', RangeError, () => f(x, { maxDimension: 21 }))
    expectRefused('classifyDynamics', RangeError, () => f(x, { cCount: 0 }))
    expectRefused('classifyDynamics', RangeError, () => f(x, { seed: Number.NaN }))
  })

  it('estimateDelay and mutualInformation', () => {
    const delay = any(estimateDelay)
    expectRefused('estimateDelay', TypeError, () => delay(null))
    expectRefused('estimateDelay', RangeError, () => delay([1, 2]))
    expectRefused('estimateDelay', RangeError, () => delay(x, { method: 'fnn' }))
    expectRefused('estimateDelay', RangeError, () => delay(x, { maxDelay: 0 }))
    expectRefused('estimateDelay', RangeError, () => delay(x, { bins: 1 }))
    expectRefused('estimateDelay', RangeError, () => delay(x, { shifts: 0 }))
    expectRefused('estimateDelay', RangeError, () => delay(x, { binning: 'quantile' }))
    expectRefused('estimateDelay', RangeError, () => delay(x, { autocorrelationThreshold: 1 }))
    expectRefused('estimateDelay', TypeError, () => delay(x, { maxLag: 3 }))
    const mi = any(mutualInformation)
    expectRefused('mutualInformation', RangeError, () => mi([1, 2, 3], -1))
    expectRefused('mutualInformation', RangeError, () => mi([1, 2, 3], 3))
    expectRefused('mutualInformation', RangeError, () => mi([1, 2, 3], 1, 1))
    expectRefused('mutualInformation', TypeError, () => mi([1, Number.NaN, 3], 1))
    expectRefused('mutualInformation', TypeError, () => mi([1, 2, 3], 1, 4, { bins: 4 }))
  })

  it('estimateDimension, falseNearestNeighbors, caoE1E2, delayEmbed', () => {
    const dim = any(estimateDimension)
    expectRefused('estimateDimension', RangeError, () => dim(x, 0))
    expectRefused('estimateDimension', RangeError, () => dim(x, 1, { method: 'pca' }))
    expectRefused('estimateDimension', RangeError, () => dim(x, 1, { maxDimension: 0 }))
    expectRefused('estimateDimension', RangeError, () => dim(x, 1, { theilerWindow: -1 }))
    expectRefused('estimateDimension', RangeError, () => dim(x, 1, { fnnThreshold: 0 }))
    expectRefused('estimateDimension', RangeError, () => dim(x, 1, { rtol: -1 }))
    expectRefused('estimateDimension', RangeError, () => dim(x, 1, { method: 'cao', e1Threshold: Number.NaN }))
    expectRefused('estimateDimension', TypeError, () => dim(x, 1, { threshold: 0.1 }))
    expectRefused('estimateDimension', RangeError, () => dim(x, 100))
    expectRefused('falseNearestNeighbors', TypeError, () => any(falseNearestNeighbors)([1, Number.NaN], 1, 1))
    expectRefused('falseNearestNeighbors', TypeError, () => any(falseNearestNeighbors)(x, 1, 3, { method: 'fnn' }))
    expectRefused('falseNearestNeighbors', RangeError, () => any(falseNearestNeighbors)(x, 1, 3, { atol: 0 }))
    expectRefused('caoE1E2', RangeError, () => any(caoE1E2)(x.subarray(0, 30), 2, 12))
    expectRefused('caoE1E2', TypeError, () => any(caoE1E2)(x, 1, 3, { rtol: 10 }))
    expectRefused('delayEmbed', RangeError, () => any(delayEmbed)([1, 2, 3], 0, 1))
    expectRefused('delayEmbed', RangeError, () => any(delayEmbed)([1, 2, 3], 3, 2))
    expectRefused('delayEmbed', TypeError, () => any(delayEmbed)([1, Number.NaN], 1, 1))
  })

  it('permutation entropy and the 0-1 test', () => {
    expectRefused('permutationEntropy', RangeError, () => permutationEntropy([1, 2, 3], 1))
    expectRefused('permutationEntropy', RangeError, () => permutationEntropy([1, 2, 3, 4], 3, 2))
    expectRefused('permutationEntropy', TypeError, () => permutationEntropy([1, Number.NaN, 3], 2))
    expectRefused('ordinalPatternCounts', TypeError, () => ordinalPatternCounts('abc' as never, 2))
    expectRefused('ordinalPatternCounts', RangeError, () => ordinalPatternCounts([1, 2, 3], 2, 0))
    expectRefused('SlidingPermutationEntropy', RangeError, () => new SlidingPermutationEntropy(3, 2, 4))
    expectRefused('SlidingPermutationEntropy', RangeError, () => new SlidingPermutationEntropy(9, 1, 100))
    expectRefused('SlidingPermutationEntropy.push', TypeError, () =>
      new SlidingPermutationEntropy(3, 1, 10).push(Number.NaN),
    )
    const z = any(zeroOneTest)
    expectRefused('zeroOneTest', TypeError, () => z([1, 2, Number.POSITIVE_INFINITY, ...x]))
    expectRefused('zeroOneTest', TypeError, () => z(x, null))
    expectRefused('zeroOneTest', TypeError, () => z(x, { c: 1 }))
    expectRefused('zeroOneTest', RangeError, () => z(x.subarray(0, 19)))
    expectRefused('zeroOneTest', RangeError, () => z(x, { cCount: 0 }))
    expectRefused('zeroOneTest', RangeError, () => z(x, { seed: 0.5 }))
    expectRefused('zeroOneTest', RangeError, () => z(x, { subsample: 0 }))
    expectRefused('zeroOneTest', RangeError, () => z(x, { ncut: 1 }))
    expectRefused('ZeroOneDisplacement', RangeError, () => new ZeroOneDisplacement([1, 2], 1))
    expectRefused('ZeroOneDisplacement', RangeError, () => new ZeroOneDisplacement([1, 2, 3, 4, 5], 5))
    expectRefused('ZeroOneDisplacement.correlate', RangeError, () =>
      new ZeroOneDisplacement([1, 2, 3, 4, 5], 2).correlate(0),
    )
  })

  it('attractorWindow at call time', () => {
    const call = (o: unknown) => () => attractorWindow(o as { window: number })
    expectRefused('attractorWindow', TypeError, call(null))
    expectRefused('attractorWindow', TypeError, call({}))
    // the example: a misspelt or foreign option must not be silently ignored
    expectRefused('attractorWindow', TypeError, call({ window: 1000, hop: 250, workers: 1 }))
    expectRefused('attractorWindow', RangeError, call({ window: 100 }))
    expectRefused('attractorWindow', TypeError, call({ window: '300' }))
    expectRefused('attractorWindow', RangeError, call({ window: 300, hop: 0 }))
    expectRefused('attractorWindow', RangeError, call({ window: 300, hop: 301 }))
    expectRefused('attractorWindow', RangeError, call({ window: 300, reestimateEvery: 0 }))
    expectRefused('attractorWindow', RangeError, call({ window: 300, onInvalid: 'drop' }))
    expectRefused('attractorWindow', TypeError, call({ window: 300, select: 3 }))
    expectRefused('attractorWindow', TypeError, call({ window: 300, time: 'ts' }))
    expectRefused('attractorWindow', TypeError, call({ window: 300, onSkip: {} }))
    expectRefused('attractorWindow', TypeError, call({ window: 300, scheduler: {} }))
    expectRefused('attractorWindow', RangeError, call({ window: 300, dt: 0 }))
    expectRefused('attractorWindow', RangeError, call({ window: 300, order: 1 }))
  })

  it('attractorWindow in the stream: a bad element is a TypeError naming its index', () => {
    let error: unknown
    from([0.1, 0.2, Number.NaN])
      .pipe(attractorWindow({ window: 200 }))
      .subscribe({ error: e => (error = e) })
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toMatch(/^attractorWindow: element #2 must be a finite number, got NaN/)
  })
})
