import { fc, test } from '@fast-check/vitest'
import { expect } from 'vitest'
import { decodeFloat64, encodeFloat64, SnapshotError } from '../../../src/snapshot'

const anyDouble = fc.double() // NaN, -0 and the infinities included

test.prop([fc.array(anyDouble, { maxLength: 64 })])(
  'encodeFloat64 is base64 of the IEEE-754 bytes (Node Buffer as oracle) and decodes to the same bits',
  values => {
    const floats = Float64Array.from(values)
    const text = encodeFloat64(floats)
    expect(text).toBe(Buffer.from(floats.buffer).toString('base64'))
    const back = decodeFloat64('t', 'f', text)
    expect(Buffer.from(back.buffer).equals(Buffer.from(floats.buffer))).toBe(true)
  },
)

test.prop([fc.string()])(
  'decodeFloat64 refuses what is not such an encoding with a SnapshotError, never a wrong array',
  text => {
    let decoded: Float64Array | undefined
    try {
      decoded = decodeFloat64('t', 'f', text)
    } catch (error) {
      expect(error).toBeInstanceOf(SnapshotError)
      return
    }
    expect(encodeFloat64(decoded)).toBe(text)
  },
)
