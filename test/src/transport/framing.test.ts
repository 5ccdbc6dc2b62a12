import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import {
  bytesCodec,
  encodeFrame,
  FRAME_HEADER_BYTES,
  type Frame,
  FrameDecoder,
  FrameError,
  jsonCodec,
} from '../../../src/transport/framing'

const frameArb: fc.Arbitrary<Frame> = fc.record({
  kind: fc.constantFrom(0, 1, 2, 3, 4, 5, 6 as const),
  channel: fc.integer({ min: 0, max: 0xffffffff }),
  seq: fc.oneof(
    fc.integer({ min: 0, max: 1000 }),
    fc.constant(Number.MAX_SAFE_INTEGER),
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  ),
  payload: fc.uint8Array({ maxLength: 300 }),
})

/** Splits bytes at the given (sorted, deduplicated) cut points. */
function chunks(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map(c => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let from = 0
  for (const p of [...points, bytes.length]) {
    out.push(bytes.slice(from, p))
    from = p
  }
  return out
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) out.set(p, at), (at += p.length)
  return out
}

describe('framing', () => {
  test.prop([fc.array(frameArb, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 })])(
    'frames come back whole and in order however the bytes are chunked',
    (frames, cuts) => {
      const stream = concat(frames.map(f => encodeFrame(f)))
      const decoder = new FrameDecoder()
      const got: Frame[] = []
      for (const chunk of chunks(stream, cuts)) got.push(...decoder.push(chunk))
      decoder.finish()
      expect(got).toEqual(frames.map(f => ({ ...f, payload: new Uint8Array(f.payload) })))
      expect(decoder.pending).toBe(0)
    },
  )

  test.prop([
    fc.uint8Array({ maxLength: 400 }),
    fc.array(fc.nat(), { maxLength: 10 }),
    fc.integer({ min: FRAME_HEADER_BYTES, max: 512 }),
  ])(
    'random bytes: the decoder returns frames or throws a FrameError with a code, never anything else, and stays failed',
    (bytes, cuts, max) => {
      const decoder = new FrameDecoder(max)
      let failure: unknown = null
      try {
        for (const chunk of chunks(bytes, cuts))
          for (const f of decoder.push(chunk)) expect(f.payload.length).toBeLessThanOrEqual(max - FRAME_HEADER_BYTES)
        decoder.finish()
      } catch (error) {
        failure = error
      }
      if (failure !== null) {
        expect(failure).toBeInstanceOf(FrameError)
        expect(['too-large', 'malformed', 'truncated']).toContain((failure as FrameError).code)
        expect(() => decoder.push(new Uint8Array(1))).toThrow(FrameError)
      }
    },
  )

  test.prop([fc.array(frameArb, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 16 })])(
    'a stream cut inside a frame is reported as truncated at the end',
    (frames, drop) => {
      const stream = concat(frames.map(f => encodeFrame(f)))
      const cut = stream.slice(0, Math.max(0, stream.length - drop))
      const decoder = new FrameDecoder()
      const got = decoder.push(cut)
      expect(got.length).toBeLessThan(frames.length)
      expect(() => decoder.finish()).toThrow(expect.objectContaining({ code: 'truncated' }))
    },
  )

  it('a hostile length is refused before anything is buffered', () => {
    const decoder = new FrameDecoder(1024)
    const header = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0])
    expect(() => decoder.push(header)).toThrow(
      expect.objectContaining({ code: 'too-large', message: 'frame of 4294967295 bytes exceeds maxFrameBytes (1024)' }),
    )
    expect(decoder.pending).toBe(0)
    expect(() => new FrameDecoder().push(new Uint8Array([0, 0, 0, 3, 1, 2, 3]))).toThrow(
      expect.objectContaining({ code: 'malformed' }),
    )
    const badKind = encodeFrame({ kind: 0, channel: 1, seq: 1, payload: new Uint8Array(0) })
    badKind[4] = 9
    expect(() => new FrameDecoder().push(badKind)).toThrow(/unknown frame kind 9/)
  })

  it('encodeFrame checks its input; the codecs round-trip and name bad payloads', () => {
    expect(() => encodeFrame({ kind: 7 as never, channel: 0, seq: 0, payload: new Uint8Array() })).toThrow(
      /kind must be 0-6, got 7/,
    )
    expect(() => encodeFrame({ kind: 0, channel: -1, seq: 0, payload: new Uint8Array() })).toThrow(
      /channel must be an integer/,
    )
    expect(() => encodeFrame({ kind: 0, channel: 0, seq: 2 ** 53, payload: new Uint8Array() })).toThrow(
      /seq must be a safe integer/,
    )
    expect(() => encodeFrame({ kind: 0, channel: 0, seq: 0, payload: new Uint8Array(100) }, 50)).toThrow(
      /frame of 113 bytes exceeds maxFrameBytes \(50\)/,
    )
    const value = { token: 'héllo', n: [1, 2.5, null] }
    expect(jsonCodec.decode(jsonCodec.encode(value))).toEqual(value)
    expect(() => jsonCodec.decode(new Uint8Array([0xff]))).toThrow(expect.objectContaining({ code: 'malformed' }))
    expect(() => jsonCodec.decode(new TextEncoder().encode('{'))).toThrow(/payload is not UTF-8 JSON/)
    expect(() => jsonCodec.encode(undefined)).toThrow(/cannot encode undefined/)
    const raw = new Uint8Array([1, 2, 3])
    expect(bytesCodec.decode(bytesCodec.encode(raw))).toBe(raw)
  })

  it('decode returns the frames whole before a bad one, with the error; the decoder stays failed', () => {
    const good = [0, 1].map(seq => encodeFrame({ kind: 0, channel: 7, seq, payload: new Uint8Array([seq]) }))
    const huge = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 7])
    const bytes = new Uint8Array(good[0].length + good[1].length + huge.length)
    bytes.set(good[0])
    bytes.set(good[1], good[0].length)
    bytes.set(huge, good[0].length + good[1].length)
    const decoder = new FrameDecoder(1024)
    const { frames, error } = decoder.decode(bytes)
    expect(frames.map(f => [f.channel, f.seq, [...f.payload]])).toEqual([
      [7, 0, [0]],
      [7, 1, [1]],
    ])
    expect(error).toMatchObject({ code: 'too-large' })
    expect(decoder.decode(good[0])).toEqual({ frames: [], error })
    expect(() => decoder.push(good[0])).toThrow(error as Error)
  })
})
