import { fc, test } from '@fast-check/vitest'
import { createHybridTimer, createPlatformClock } from 'midstream/scheduler'
import { afterEach, expect, vi } from 'vitest'

afterEach(() => {
  vi.restoreAllMocks()
})

test.prop([fc.double({ min: 0.01, max: 6, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true })], {
  numRuns: 60,
})(
  'the fine timer never asks setTimeout for less than 1 ms (Node would sleep 1 ms anyway), and fires once',
  async (delayMs, fineWindowMs) => {
    const asked: number[] = []
    const real = globalThis.setTimeout
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      asked.push(ms ?? 0)
      return real(fn, ms)
    }) as typeof setTimeout)
    const clock = createPlatformClock()
    const timer = createHybridTimer(clock, { fineWindowMs })
    const due = clock.now() + delayMs
    let fired = 0
    let firedAt = NaN
    await new Promise<void>(resolve =>
      timer.setTimer(() => {
        fired++
        firedAt = clock.now()
        resolve()
      }, delayMs),
    )
    await new Promise(resolve => setImmediate(resolve))
    expect(fired).toBe(1)
    expect(firedAt).toBeGreaterThanOrEqual(due)
    for (const ms of asked) expect(ms).toBeGreaterThanOrEqual(1)
  },
)
