import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { base64, encodePng } from '../../src/plot/png'
import { decodePng } from './pngDecode'

describe('encodePng', () => {
  test.prop([fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer()])(
    'writes a PNG that zlib decodes to the same pixels',
    (width, height, seed) => {
      const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (seed * 31 + i * 7919) & 0xff)
      const decoded = decodePng(encodePng(rgb, width, height))
      expect(decoded.width).toBe(width)
      expect(decoded.height).toBe(height)
      expect(decoded.rgb).toEqual(rgb)
    },
  )

  it('spans several stored blocks (over 64 KiB of rows)', () => {
    const width = 300
    const height = 100 // 90 100 bytes of filtered rows: two blocks
    const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 13) & 0xff)
    expect(decodePng(encodePng(rgb, width, height)).rgb).toEqual(rgb)
  })

  it('base64 matches Buffer', () => {
    const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff)
    expect(base64(bytes)).toBe(Buffer.from(bytes).toString('base64'))
  })

  it('names itself on bad input', () => {
    expect(() => encodePng(new Uint8Array(3), 0, 1)).toThrow(/^encodePng: width must be an integer >= 1/)
    expect(() => base64([1, 2] as never)).toThrow('base64: bytes must be a Uint8Array, got 1,2')
    expect(() => encodePng(new Uint8Array(4), 1, 1)).toThrow(
      'encodePng: rgb must be a Uint8Array of width * height * 3 = 3 bytes',
    )
  })
})
