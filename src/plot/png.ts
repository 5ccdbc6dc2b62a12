import { describeValue } from '../errors'
import { checkInteger } from '../validate'

/** CRC-32 (IEEE, reflected, polynomial 0xEDB88320) lookup table, built on first use. */
let crcTable: Uint32Array | undefined

function crc32(bytes: Uint8Array, from: number, to: number): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      crcTable[n] = c >>> 0
    }
  }
  let c = 0xffffffff
  for (let i = from; i < to; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** Largest payload of one stored (uncompressed) deflate block. */
const STORED_BLOCK = 65535

/**
 * Encodes an 8-bit RGB image as a PNG file, uncompressed (zlib stored blocks): no compression
 * library, so it runs in browsers and Node alike, for the raster figures (a cost matrix) that a
 * light DOM without a canvas cannot draw. `rgb` holds `width * height * 3` bytes, row by row from
 * the top.
 *
 * Parameters:
 * - `rgb`: the pixels, red, green, blue per pixel.
 * - `width`, `height`: integers >= 1; `rgb.length` must be `width * height * 3` (else a `RangeError`).
 *
 * ```ts
 * const png = encodePng(new Uint8Array([255, 0, 0]), 1, 1) // one red pixel
 * ```
 *
 * References: W3C, "Portable Network Graphics (PNG) Specification (Third Edition)" (2025);
 * P. Deutsch, J-L. Gailly, RFC 1950 (zlib) and P. Deutsch, RFC 1951 (deflate, stored blocks).
 */
export function encodePng(rgb: Uint8Array, width: number, height: number): Uint8Array {
  checkInteger('encodePng', 'width', width, { min: 1 })
  checkInteger('encodePng', 'height', height, { min: 1 })
  if (!(rgb instanceof Uint8Array) || rgb.length !== width * height * 3)
    throw new RangeError(`encodePng: rgb must be a Uint8Array of width * height * 3 = ${width * height * 3} bytes`)
  const rowBytes = width * 3 + 1 // a filter byte (0: none) before each row
  const raw = height * rowBytes
  const blocks = Math.max(1, Math.ceil(raw / STORED_BLOCK))
  const zlibLength = 2 + raw + 5 * blocks + 4
  const out = new Uint8Array(8 + 25 + 12 + zlibLength + 12)
  const view = new DataView(out.buffer)
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  let at = chunk(out, view, 8, 'IHDR', 13, (p: number) => {
    view.setUint32(p, width)
    view.setUint32(p + 4, height)
    out.set([8, 2, 0, 0, 0], p + 8) // 8 bits, truecolour, deflate, filter method 0, no interlace
  })
  at = chunk(out, view, at, 'IDAT', zlibLength, (p: number) => writeZlibStored(out, view, p, rgb, width, height))
  chunk(out, view, at, 'IEND', 0, () => {})
  return out
}

/** Writes a chunk (length, type, data by `fill`, CRC) at `at`; returns the offset after it. */
function chunk(out: Uint8Array, view: DataView, at: number, type: string, length: number, fill: (p: number) => void) {
  view.setUint32(at, length)
  for (let k = 0; k < 4; k++) out[at + 4 + k] = type.charCodeAt(k)
  fill(at + 8)
  view.setUint32(at + 8 + length, crc32(out, at + 4, at + 8 + length))
  return at + 12 + length
}

/** The zlib stream of the filtered rows in stored blocks, with its Adler-32. */
function writeZlibStored(out: Uint8Array, view: DataView, at: number, rgb: Uint8Array, width: number, height: number) {
  out[at++] = 0x78
  out[at++] = 0x01
  const rowBytes = width * 3 + 1
  const raw = height * rowBytes
  let a = 1
  let b = 0
  let blockLeft = 0
  let written = 0
  for (let k = 0; k < raw; k++) {
    if (blockLeft === 0) {
      blockLeft = Math.min(STORED_BLOCK, raw - written)
      out[at] = written + blockLeft === raw ? 1 : 0
      view.setUint16(at + 1, blockLeft, true)
      view.setUint16(at + 3, ~blockLeft & 0xffff, true)
      at += 5
    }
    const row = Math.floor(k / rowBytes)
    const col = k - row * rowBytes
    const byte = col === 0 ? 0 : rgb[row * width * 3 + col - 1]
    out[at++] = byte
    a = (a + byte) % 65521
    b = (b + a) % 65521
    blockLeft--
    written++
  }
  view.setUint32(at, ((b << 16) | a) >>> 0)
}

/**
 * Base64 of bytes, with `btoa` (browsers, Node >= 16, Deno), for data URLs. Anything but a
 * `Uint8Array` is a `TypeError` naming `base64`.
 *
 * ```ts
 * `data:image/png;base64,${base64(encodePng(rgb, width, height))}`
 * ```
 */
export function base64(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`base64: bytes must be a Uint8Array, got ${describeValue(bytes)}`)
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 0x8000)))
  return btoa(binary)
}
