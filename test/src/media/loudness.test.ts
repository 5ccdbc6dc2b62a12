import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { kWeighting, LoudnessMeter, loudnessChannelWeights } from '../../../src/media/loudness'
import { SnapshotError } from '../../../src/snapshot'

/** Readings at every step of `samples` fed in blocks cut at `cuts` (interleaved offsets). */
function run(meter: LoudnessMeter, samples: Float32Array, cuts: number[] = []): Array<Array<number | null>> {
  const readings: Array<Array<number | null>> = []
  const bounds = [...cuts.map(c => c - (c % meter.channels)), samples.length].sort((a, b) => a - b)
  let from = 0
  for (const to of bounds) {
    const block = samples.subarray(from, to)
    let at = 0
    while (at < block.length) {
      at = meter.process(block, at)
      if (meter.stepped) readings.push([meter.momentary, meter.shortTerm, meter.integrated, meter.range])
    }
    from = to
  }
  return readings
}

function noise(n: number, seed: number, scale = 0.2): Float32Array {
  let s = seed >>> 0 || 1
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    const gain = Math.floor(i / 8000) % 3 === 0 ? scale : scale / 50 // loud and quiet parts
    out[i] = (((s >>> 0) / 2 ** 32) * 2 - 1) * gain
  }
  return out
}

describe('kWeighting', () => {
  it('matches the 48 kHz coefficients tabulated in ITU-R BS.1770-4 (Tables 1 and 2)', () => {
    const { shelf, highPass } = kWeighting(48000)
    expect(shelf.b0).toBeCloseTo(1.53512485958697, 10)
    expect(shelf.b1).toBeCloseTo(-2.69169618940638, 10)
    expect(shelf.b2).toBeCloseTo(1.19839281085285, 10)
    expect(shelf.a1).toBeCloseTo(-1.69065929318241, 10)
    expect(shelf.a2).toBeCloseTo(0.73248077421585, 10)
    expect(highPass.a1).toBeCloseTo(-1.99004745483398, 10)
    expect(highPass.a2).toBeCloseTo(0.99007225036621, 10)
  })

  it('has the same gain at 1 kHz at every sample rate (the analog prototype, not the 48 kHz table)', () => {
    const gainAt = (rate: number, hz: number): number => {
      const { shelf, highPass } = kWeighting(rate)
      const w = (2 * Math.PI * hz) / rate
      const h = (q: { b0: number; b1: number; b2: number; a1: number; a2: number }): number => {
        const re = (c0: number, c1: number, c2: number): [number, number] => [
          c0 + c1 * Math.cos(w) + c2 * Math.cos(2 * w),
          -c1 * Math.sin(w) - c2 * Math.sin(2 * w),
        ]
        const [nr, ni] = re(q.b0, q.b1, q.b2)
        const [dr, di] = re(1, q.a1, q.a2)
        return Math.hypot(nr, ni) / Math.hypot(dr, di)
      }
      return 20 * Math.log10(h(shelf) * h(highPass))
    }
    const at48 = gainAt(48000, 1000)
    for (const rate of [8000, 16000, 22050, 44100, 96000])
      expect(Math.abs(gainAt(rate, 1000) - at48)).toBeLessThan(0.05)
    expect(gainAt(48000, 10000)).toBeCloseTo(4, 0) // the shelf: about +4 dB at high frequencies
  })

  it('rejects a sample rate that is not an integer >= 8000, naming it', () => {
    expect(() => kWeighting(4000)).toThrow(/kWeighting: sampleRate must be an integer >= 8000, got 4000/)
  })
})

describe('LoudnessMeter', () => {
  it('reads EBU Tech 3341 test 1 (stereo 1 kHz sine at -23 dBFS) as -23.0 LUFS for M, S and I', () => {
    const rate = 48000
    const samples = new Float32Array(2 * rate * 4)
    const a = 10 ** (-23 / 20)
    for (let i = 0; i < rate * 4; i++)
      samples[2 * i] = samples[2 * i + 1] = a * Math.sin((2 * Math.PI * 1000 * i) / rate)
    const meter = new LoudnessMeter({ sampleRate: rate, channels: 2 })
    const readings = run(meter, samples)
    expect(readings).toHaveLength(40)
    expect(readings[2][0]).toBeNull() // momentary needs 400 ms
    const [m, s, i, lra] = readings[39]
    for (const v of [m, s, i]) expect(Math.abs((v as number) + 23)).toBeLessThan(0.1)
    expect(lra).toBeCloseTo(0, 1)
  })

  it('reads digital silence as -Infinity momentary and no integrated loudness (nothing passes the gate)', () => {
    const meter = new LoudnessMeter({ sampleRate: 16000, channels: 1 })
    const readings = run(meter, new Float32Array(16000))
    expect(readings[9]).toEqual([Number.NEGATIVE_INFINITY, null, null, null])
  })

  it('gates as a brute-force BS.1770 / Tech 3342 over the list of all blocks does (histogram within 0.01 LU)', () => {
    const rate = 16000
    const samples = new Float32Array(rate * 20)
    for (let i = 0; i < samples.length; i++) {
      const part = Math.floor(i / (1.5 * rate)) % 3 // loud, 40 dB down, 20 dB down
      samples[i] = [0.3, 0.003, 0.03][part] * Math.sin((2 * Math.PI * 700 * i) / rate + part)
    }
    const meter = new LoudnessMeter({ sampleRate: rate, channels: 1 })
    run(meter, samples)
    const { integrated, range, ungated } = bruteForce(samples, rate)
    expect(Math.abs((meter.integrated as number) - integrated)).toBeLessThan(0.01)
    expect(Math.abs((meter.range as number) - range)).toBeLessThan(0.02)
    expect(integrated - ungated).toBeGreaterThan(1) // the gate matters on this signal
  })

  it('uses the BS.1770 channel weights: the LFE is left out, surrounds weigh 1.41', () => {
    expect(loudnessChannelWeights(6)).toEqual([1, 1, 1, 0, 1.41, 1.41])
    expect(() => new LoudnessMeter({ sampleRate: 48000, channels: 4 })).toThrow(
      /LoudnessMeter: no default channel weights for 4/,
    )
    expect(() => new LoudnessMeter({ sampleRate: 48000, channels: 2, weights: [1] })).toThrow(
      /weights must be an array of 2/,
    )
  })

  test.prop([fc.array(fc.nat({ max: 2 * 16000 * 5 }), { maxLength: 12 }), fc.integer({ min: 1, max: 2 ** 31 })], {
    numRuns: 25,
  })('any split of the samples gives the same readings, bit for bit', (cuts, seed) => {
    const samples = noise(2 * 16000 * 5, seed)
    const whole = run(new LoudnessMeter({ sampleRate: 16000, channels: 2 }), samples)
    const split = run(new LoudnessMeter({ sampleRate: 16000, channels: 2 }), samples, cuts)
    expect(split).toEqual(whole)
  })

  test.prop([fc.nat({ max: 22050 * 4 - 1 }), fc.integer({ min: 1, max: 2 ** 31 })], { numRuns: 25 })(
    'a snapshot at any sample, through JSON, continues exactly as the uninterrupted run',
    (cut, seed) => {
      const samples = noise(22050 * 4, seed) // 22.05 kHz: steps of 2205 samples
      const whole = run(new LoudnessMeter({ sampleRate: 22050, channels: 1 }), samples)
      const first = new LoudnessMeter({ sampleRate: 22050, channels: 1 })
      const before = run(first, samples.subarray(0, cut))
      const resumed = LoudnessMeter.fromSnapshot(JSON.parse(JSON.stringify(first.snapshot())))
      const after = run(resumed, samples.subarray(cut))
      expect([...before, ...after]).toEqual(whole)
      expect(resumed.snapshot()).toEqual(JSON.parse(JSON.stringify(resumed.snapshot())))
    },
  )

  it('rejects a damaged snapshot with a SnapshotError naming the field', () => {
    const meter = new LoudnessMeter({ sampleRate: 16000, channels: 1 })
    run(meter, noise(16000, 7))
    const good = meter.snapshot()
    expect(() => LoudnessMeter.fromSnapshot({ ...good, kind: 'ADWIN' } as never)).toThrow(SnapshotError)
    expect(() => LoudnessMeter.fromSnapshot({ ...good, inStep: 5000 })).toThrow(
      /inStep must be an integer in \[0, 1599\]/,
    )
    expect(() => LoudnessMeter.fromSnapshot({ ...good, blockBins: [1] })).toThrow(
      /blockBins must be an array of \[bin, count\] pairs/,
    )
  })
})

/** BS.1770-4 and Tech 3342 offline, mono: direct-form I filtering, every block kept in a list, sorted percentiles. */
function bruteForce(x: Float32Array, rate: number): { integrated: number; range: number; ungated: number } {
  const { shelf: p, highPass: r } = kWeighting(rate)
  const z = new Float64Array(x.length)
  let [x1, x2, y1, y2, z1, z2] = [0, 0, 0, 0, 0, 0]
  for (let i = 0; i < x.length; i++) {
    const y = p.b0 * x[i] + p.b1 * x1 + p.b2 * x2 - p.a1 * y1 - p.a2 * y2
    const out = y - 2 * y1 + y2 - r.a1 * z1 - r.a2 * z2
    ;[x2, x1, y2, y1, z2, z1] = [x1, x[i], y1, y, z1, out]
    z[i] = out * out
  }
  const step = rate / 10
  const blocks = (steps: number): number[] => {
    const out: number[] = []
    for (let end = steps * step; end <= x.length; end += step) {
      let sum = 0
      for (let i = end - steps * step; i < end; i++) sum += z[i]
      out.push(sum / (steps * step))
    }
    return out
  }
  const lufs = (e: number): number => -0.691 + 10 * Math.log10(e)
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length
  const m = blocks(4).filter(e => lufs(e) > -70)
  const relative = lufs(mean(m)) - 10
  const integrated = lufs(mean(m.filter(e => lufs(e) > relative)))
  const s = blocks(30).filter(e => lufs(e) > -70)
  const lraGate = lufs(mean(s)) - 20
  const kept = s
    .map(lufs)
    .filter(l => l > lraGate)
    .sort((a, b) => a - b)
  const at = (q: number): number => kept[Math.max(1, Math.round(kept.length * q)) - 1] // nearest rank round(q n)
  return { integrated, range: at(0.95) - at(0.1), ungated: lufs(mean(blocks(4))) }
}
