import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { PcmFramer, type PcmFramerOptions } from '../../../src/media/pcmFramer'
import { SnapshotError } from '../../../src/snapshot'

interface Frame {
  readonly index: number
  readonly ptsMs: number
  /** The frame's bytes (NaN payloads of random bytes compare exactly this way). */
  readonly bytes: number[]
}

/** Brute force: the whole byte stream cut into whole samples, then into frames of `frameSamples`, the last one partial. */
function bruteForce(bytes: Uint8Array, o: PcmFramerOptions): Frame[] {
  const frameSamples = Math.max(1, Math.round((o.frameMs * o.sampleRate) / 1000))
  const sampleBytes = 4 * o.channels
  const usable = bytes.length - (bytes.length % sampleBytes)
  const frames: Frame[] = []
  const frameBytes = frameSamples * sampleBytes
  for (let at = 0, index = 0; at < usable; at += frameBytes, index++)
    frames.push({
      index,
      ptsMs: ((at / sampleBytes) * 1000) / o.sampleRate,
      bytes: [...bytes.subarray(at, Math.min(usable, at + frameBytes))],
    })
  return frames
}

function collector(out: Frame[]) {
  return (samples: Float32Array, index: number, ptsMs: number) =>
    out.push({ index, ptsMs, bytes: [...new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength)] })
}

/** Cuts `bytes` at the given (sorted, deduplicated) positions. */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map(c => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Uint8Array[] = []
  let from = 0
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, p))
    from = p
  }
  return chunks
}

const options = fc.record({
  sampleRate: fc.constantFrom(8000, 16000, 44100, 48000),
  channels: fc.integer({ min: 1, max: 3 }),
  frameMs: fc.constantFrom(0.1, 0.5, 1, 2.5),
})
const bytes = fc.uint8Array({ maxLength: 3000 })
const cuts = fc.array(fc.nat(), { maxLength: 40 })

describe('PcmFramer', () => {
  test.prop([options, bytes, cuts])('any chunking gives the frames of a brute-force split', (o, data, at) => {
    const framer = new PcmFramer(o)
    const got: Frame[] = []
    for (const chunk of chunked(data, at)) framer.push(chunk, collector(got))
    framer.flush(collector(got))
    expect(got).toEqual(bruteForce(data, o))
    expect(framer.droppedBytes).toBe(data.length % (4 * o.channels))
  })

  test.prop([options, bytes, cuts, fc.nat()])(
    'a snapshot taken between any two chunks continues as the uninterrupted run',
    (o, data, at, splitAt) => {
      const chunks = chunked(data, at)
      const split = splitAt % (chunks.length + 1)
      const whole: Frame[] = []
      const straight = new PcmFramer(o)
      for (const c of chunks) straight.push(c, collector(whole))
      straight.flush(collector(whole))
      const parts: Frame[] = []
      let framer = new PcmFramer(o)
      for (let i = 0; i < chunks.length; i++) {
        if (i === split) framer = PcmFramer.fromSnapshot(JSON.parse(JSON.stringify(framer.snapshot())))
        framer.push(chunks[i], collector(parts))
      }
      if (split === chunks.length) framer = PcmFramer.fromSnapshot(JSON.parse(JSON.stringify(framer.snapshot())))
      framer.flush(collector(parts))
      expect(parts).toEqual(whole)
      expect(framer.droppedBytes).toBe(straight.droppedBytes)
    },
  )

  it('16 kHz mono 20 ms: 320 samples a frame, ptsMs 0, 20, 40; a sample split across three chunks', () => {
    const framer = new PcmFramer({ sampleRate: 16000, channels: 1, frameMs: 20 })
    expect(framer.frameSamples).toBe(320)
    const values = Float32Array.from({ length: 700 }, (_, i) => Math.sin(i / 7))
    const raw = new Uint8Array(values.buffer)
    const got: Frame[] = []
    framer.push(raw.subarray(0, 1), collector(got))
    framer.push(raw.subarray(1, 3), collector(got))
    framer.push(raw.subarray(3, 1281), collector(got))
    framer.push(raw.subarray(1281), collector(got))
    expect(got.map(f => [f.index, f.ptsMs, f.bytes.length / 4])).toEqual([
      [0, 0, 320],
      [1, 20, 320],
    ])
    framer.flush(collector(got))
    expect(got.map(f => [f.index, f.ptsMs, f.bytes.length / 4])).toEqual([
      [0, 0, 320],
      [1, 20, 320],
      [2, 40, 60],
    ])
    expect(new Float32Array(Uint8Array.from(got[2].bytes).buffer)).toEqual(values.subarray(640))
    expect(framer.ptsMs).toBe(43.75)
  })

  it('alignToSample drops and counts the bytes of a sample cut by a break', () => {
    const framer = new PcmFramer({ sampleRate: 1000, channels: 2, frameMs: 2 })
    const got: Frame[] = []
    framer.push(new Uint8Array(11), collector(got))
    expect(framer.alignToSample()).toBe(2)
    expect(framer.droppedBytes).toBe(3)
    framer.push(new Uint8Array(8), collector(got))
    expect(got.map(f => f.bytes.length)).toEqual([16])
  })

  it('bad options and input are typed errors naming the value', () => {
    expect(() => new PcmFramer({ sampleRate: 0, channels: 1, frameMs: 20 })).toThrow(
      /PcmFramer: sampleRate must be an integer in \[1, 10000000\], got 0/,
    )
    expect(() => new PcmFramer({ sampleRate: 16000, channels: 1, frameMs: -1 })).toThrow(RangeError)
    expect(() => new PcmFramer({ sampleRate: 16000, channels: 1.5, frameMs: 20 })).toThrow(RangeError)
    expect(() => new PcmFramer({ sampleRate: 16000, channels: 1, frameMs: 20, rate: 1 } as never)).toThrow(
      /unknown option "rate"/,
    )
    const framer = new PcmFramer({ sampleRate: 16000, channels: 1, frameMs: 20 })
    expect(() => framer.push('abc' as never, () => {})).toThrow(/PcmFramer.push: chunk must be a Uint8Array/)
  })

  it('damaged snapshots are SnapshotErrors', () => {
    const s = new PcmFramer({ sampleRate: 16000, channels: 1, frameMs: 20 }).snapshot()
    expect(() => PcmFramer.fromSnapshot({ ...s, kind: 'Other' } as never)).toThrow(SnapshotError)
    expect(() => PcmFramer.fromSnapshot({ ...s, frames: -1 })).toThrow(/frames must be an integer >= 0/)
    expect(() => PcmFramer.fromSnapshot({ ...s, pending: 'A'.repeat(4000) })).toThrow(/pending holds/)
    expect(() => PcmFramer.fromSnapshot({ ...s, pending: '!!!!' })).toThrow(SnapshotError)
  })
})
