/**
 * Bytes in media snapshots (a partial PCM frame, the previous luma plane) as base64, so that
 * `JSON.stringify` carries them unchanged.
 * @internal
 */
import { describeValue } from '../errors'
import { SnapshotError } from '../snapshot'

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const INDEX = new Int16Array(128).fill(-1)
for (let i = 0; i < BASE64.length; i++) INDEX[BASE64.charCodeAt(i)] = i

/** `bytes` as base64 (with `=` padding). */
export function encodeBytes(bytes: Uint8Array): string {
  const parts: string[] = []
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]
    const b = i + 1 < bytes.length ? bytes[i + 1] : 0
    const c = i + 2 < bytes.length ? bytes[i + 2] : 0
    out += BASE64[a >> 2] + BASE64[((a & 3) << 4) | (b >> 4)]
    out += i + 1 < bytes.length ? BASE64[((b & 15) << 2) | (c >> 6)] : '='
    out += i + 2 < bytes.length ? BASE64[c & 63] : '='
    if (out.length >= 4096) {
      parts.push(out)
      out = ''
    }
  }
  parts.push(out)
  return parts.join('')
}

/** The inverse of `encodeBytes`; anything else is a `SnapshotError` naming `fn` and `field`. */
export function decodeBytes(fn: string, field: string, text: unknown): Uint8Array {
  if (typeof text !== 'string' || text.length % 4 !== 0)
    throw new SnapshotError(`${fn}: ${field} must be base64, got ${describeValue(text)}`)
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const bytes = new Uint8Array((text.length / 4) * 3 - padding)
  let at = 0
  for (let i = 0; i < text.length; i += 4) {
    let group = 0
    for (let j = 0; j < 4; j++) {
      const ch = text.charCodeAt(i + j)
      const isPad = ch === 61 && i + j >= text.length - padding
      const v = isPad ? 0 : ch < 128 ? INDEX[ch] : -1
      if (v < 0) throw new SnapshotError(`${fn}: ${field} is not base64 (character ${i + j})`)
      group = (group << 6) | v
    }
    if (at < bytes.length) bytes[at++] = (group >> 16) & 255
    if (at < bytes.length) bytes[at++] = (group >> 8) & 255
    if (at < bytes.length) bytes[at++] = group & 255
  }
  return bytes
}
