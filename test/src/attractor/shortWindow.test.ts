import { expect, it } from 'vitest'
import { classifyDynamics } from '../../../src/attractor/classifyDynamics'
import { estimateDimension } from '../../../src/attractor/estimateDimension'

it('a window too short for the false-neighbour count at its delay is unknown, not an error', () => {
  // the failing case CI found through attractorWindow: 50 values, maxDimension 8, delay 5
  const x = Array.from({ length: 50 }, (_, i) => Math.sin(i / 3) + Math.sin(i / 7.3) * 0.5 + ((i * 7919) % 13) / 40)
  expect(() => estimateDimension(x, 5, { maxDimension: 8 })).toThrow(RangeError)
  const report = classifyDynamics(x, { delay: 5, maxDimension: 8, minLength: 50 })
  if (report.regime === 'unknown' && Number.isNaN(report.dimension)) {
    expect(report.reason).toMatch(/^no embedding dimension: estimateDimension: series needs at least/)
    expect(report.delay).toBe(5)
  } else expect(report.regime).not.toBe('chaotic') // decided before embedding (noise, cycle, fixed point)
})
