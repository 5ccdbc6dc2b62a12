// Reading PNGs back in tests, with Node's zlib as the independent decoder.
import { crc32, inflateSync } from 'node:zlib'
import { expect } from 'vitest'

/** Reads a PNG with Node's zlib (the oracle): chunks with their CRCs checked, the unfiltered pixels. */
export function decodePng(png: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  let at = 8
  let width = 0
  let height = 0
  const idat: Uint8Array[] = []
  const types: string[] = []
  while (at < png.length) {
    const length = view.getUint32(at)
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8))
    types.push(type)
    expect(view.getUint32(at + 8 + length), `${type} CRC`).toBe(crc32(png.subarray(at + 4, at + 8 + length)))
    if (type === 'IHDR') {
      width = view.getUint32(at + 8)
      height = view.getUint32(at + 12)
      expect([...png.subarray(at + 16, at + 21)]).toEqual([8, 2, 0, 0, 0])
    }
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length))
    at += 12 + length
  }
  expect(types).toEqual(['IHDR', 'IDAT', 'IEND'])
  const raw = inflateSync(Buffer.concat(idat))
  expect(raw.length).toBe(height * (3 * width + 1))
  const rgb = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    expect(raw[y * (3 * width + 1)]).toBe(0)
    rgb.set(raw.subarray(y * (3 * width + 1) + 1, (y + 1) * (3 * width + 1)), y * width * 3)
  }
  return { width, height, rgb }
}
