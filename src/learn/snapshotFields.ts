/**
 * Reading the fields of the drift detectors' and selection policies' snapshots: each check names the
 * function called and the field, and throws a `SnapshotError` on a damaged value, so a restore either
 * takes the whole snapshot or leaves the kernel untouched.
 * @internal
 */
import { describeValue } from '../errors'
import { decodeFloat64, SnapshotError } from '../snapshot'

/** The snapshot's `options` object; anything but a plain object is a `SnapshotError`. */
export function snapshotOptions(fn: string, options: unknown): Record<string, unknown> {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new SnapshotError(`${fn}: options must be an object, got ${describeValue(options)}`)
  return options as Record<string, unknown>
}

/**
 * Checks that the options a snapshot was taken with are `mine` (the restoring instance's), key for key
 * (`Object.is`, so 0.1 and 0.1000001 differ); the first difference is a `SnapshotError` naming both values.
 */
export function checkSameOptions(
  fn: string,
  kind: string,
  saved: Record<string, unknown>,
  mine: Record<string, unknown>,
): void {
  for (const key of new Set([...Object.keys(mine), ...Object.keys(saved)])) {
    if (!Object.is(saved[key], mine[key]))
      throw new SnapshotError(
        `${fn}: the snapshot's ${key} is ${describeValue(saved[key])}, this ${kind}'s is ${describeValue(mine[key])}`,
      )
  }
}

/** An integer field in [min, max]; anything else is a `SnapshotError`. */
export function snapshotInteger(fn: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new SnapshotError(`${fn}: ${field} must be an integer in [${min}, ${max}], got ${describeValue(value)}`)
  return value
}

/** A boolean field; anything else is a `SnapshotError`. */
export function snapshotBoolean(fn: string, field: string, value: unknown): boolean {
  if (typeof value !== 'boolean')
    throw new SnapshotError(`${fn}: ${field} must be a boolean, got ${describeValue(value)}`)
  return value
}

/** `decodeFloat64` that also requires exactly `length` values. */
export function snapshotFloats(fn: string, field: string, text: unknown, length: number): Float64Array {
  const values = decodeFloat64(fn, field, text)
  if (values.length !== length)
    throw new SnapshotError(`${fn}: ${field} holds ${values.length} values, expected ${length}`)
  return values
}

/** The state of a mulberry32 generator: an integer in [0, 2^32). */
export function snapshotRandomState(fn: string, value: unknown): number {
  return snapshotInteger(fn, 'random', value, 0, 0xffffffff)
}

/** True for a snapshot-like argument (an object with a `kind`), as opposed to an array-like of numbers. */
export function isSnapshotLike(value: unknown): value is { kind: unknown } {
  return value !== null && typeof value === 'object' && 'kind' in value
}
