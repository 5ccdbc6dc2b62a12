/**
 * The snapshot format shared by midstream's stateful kernels: a plain JSON-safe object
 * `{ kind, version, ... }` that `JSON.stringify` and `JSON.parse` carry unchanged. Numbers whose exact
 * bits matter (running sums, `Infinity` sentinels, buffers) travel as base64 of their IEEE-754 bytes,
 * so restoring gives bit-for-bit the state that was saved and the continued run equals an
 * uninterrupted one.
 */
import { describeValue } from './errors'

/** The fields every snapshot carries: what wrote it and the version of its layout. */
export interface SnapshotHeader {
  /** The kernel's public name, e.g. `'PageHinkley'`. */
  readonly kind: string
  /** The layout's version; a kernel refuses versions it does not know. */
  readonly version: number
}

/** Thrown when a snapshot is not one the restoring kernel can read: another kind, another version, or damaged. */
export class SnapshotError extends Error {
  /** The error's name, for logs and `instanceof`-free checks. */
  override readonly name = 'SnapshotError'
}

/**
 * Checks that `snapshot` is an object of `kind` at `version`, naming both sides when it is not.
 * `fn` is the public name called (e.g. `'PageHinkley.fromSnapshot'`).
 */
export function checkSnapshot<S extends SnapshotHeader>(
  fn: string,
  snapshot: unknown,
  kind: string,
  version: number,
): S {
  if (snapshot === null || typeof snapshot !== 'object' || Array.isArray(snapshot))
    throw new TypeError(`${fn}: a snapshot must be an object, got ${describeValue(snapshot)}`)
  const header = snapshot as Partial<SnapshotHeader>
  if (header.kind !== kind)
    throw new SnapshotError(
      `${fn}: the snapshot is of kind ${describeValue(header.kind)}, expected ${JSON.stringify(kind)}`,
    )
  if (header.version !== version)
    throw new SnapshotError(
      `${fn}: the snapshot of ${kind} has version ${describeValue(header.version)}, this version reads ${version}`,
    )
  return snapshot as S
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const BASE64_INDEX = new Int16Array(128).fill(-1)
for (let i = 0; i < BASE64.length; i++) BASE64_INDEX[BASE64.charCodeAt(i)] = i

/**
 * `bytes` as base64 (with `=` padding), so that `JSON.stringify` carries them unchanged (the partial
 * PCM frame and the previous luma plane of the media kernels, the floats of `encodeFloat64`).
 * @internal
 */
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

/**
 * The inverse of `encodeBytes`; anything else is a `SnapshotError` naming `fn` and `field`.
 * @internal
 */
export function decodeBytes(fn: string, field: string, text: unknown): Uint8Array {
  if (typeof text !== 'string' || text.length % 4 !== 0)
    throw new SnapshotError(`${fn}: ${field} must be base64, got ${describeValue(text)}`)
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const bytes = new Uint8Array((text.length / 4) * 3 - padding)
  let at = 0
  for (let i = 0; i < text.length; i += 4) {
    let group = 0
    for (let j = 0; j < 4; j++) {
      const code = text.charCodeAt(i + j)
      const isPad = code === 61 /* = */ && i + j >= text.length - padding
      const digit = isPad ? 0 : code < 128 ? BASE64_INDEX[code] : -1
      if (digit < 0) throw new SnapshotError(`${fn}: ${field} is not base64 (character ${i + j})`)
      group = (group << 6) | digit
    }
    if (at < bytes.length) bytes[at++] = (group >> 16) & 255
    if (at < bytes.length) bytes[at++] = (group >> 8) & 255
    if (at < bytes.length) bytes[at++] = group & 255
  }
  return bytes
}

/** The IEEE-754 bytes of `values` (little-endian, as typed arrays are on every platform Node and browsers run on) in base64. */
export function encodeFloat64(values: ArrayLike<number>): string {
  const floats = values instanceof Float64Array ? values : Float64Array.from(values)
  return encodeBytes(new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength))
}

/** The inverse of `encodeFloat64`; a string that is not such an encoding is a `SnapshotError` naming `fn` and `field`. */
export function decodeFloat64(fn: string, field: string, text: unknown): Float64Array {
  if (typeof text !== 'string' || text.length % 4 !== 0)
    throw new SnapshotError(`${fn}: ${field} must be base64 of float64 values, got ${describeValue(text)}`)
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const byteLength = (text.length / 4) * 3 - padding
  if (byteLength % 8 !== 0)
    throw new SnapshotError(`${fn}: ${field} holds ${byteLength} bytes, not a whole number of float64 values`)
  const values = new Float64Array(decodeBytes(fn, field, text).buffer)
  // base64 has spellings that decode to the same bytes (stray low bits before '='): accept only the one we write
  if (encodeFloat64(values) !== text)
    throw new SnapshotError(`${fn}: ${field} is not base64 as encodeFloat64 writes it`)
  return values
}
