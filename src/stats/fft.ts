import { describeValue } from '../errors'

/**
 * An in-place iterative radix-2 (Cooley-Tukey, decimation in time) complex FFT of one fixed
 * power-of-two size. The plan owns its twiddle factors and bit-reversal table, so a kernel that
 * transforms many arrays of one size (the 0-1 test does one per frequency c) computes them once.
 *
 * Conventions: `forward` computes X[k] = sum_j x[j] e^(-2 pi i jk / n), `inverse` computes
 * x[j] = (1/n) sum_k X[k] e^(+2 pi i jk / n), so `inverse(forward(x))` is x again.
 *
 * ```ts
 * const plan = new Fft(4)
 * const re = Float64Array.of(1, 2, 3, 4), im = new Float64Array(4)
 * plan.forward(re, im) // re = [10, -2, -2, -2], im = [0, 2, 0, -2]
 * plan.inverse(re, im) // re = [1, 2, 3, 4], im = [0, 0, 0, 0]
 * ```
 */
export class Fft {
  readonly size: number
  /** cos(2 pi k / size) and sin(2 pi k / size) for k < size / 2, each from Math.cos/sin so errors do not compound. */
  private readonly cosTable: Float64Array
  private readonly sinTable: Float64Array
  private readonly reversed: Uint32Array

  constructor(size: number) {
    checkFftSize('Fft', 'size', size)
    this.size = size
    const half = size >>> 1
    this.cosTable = new Float64Array(half)
    this.sinTable = new Float64Array(half)
    for (let k = 0; k < half; k++) {
      const angle = (2 * Math.PI * k) / size
      this.cosTable[k] = Math.cos(angle)
      this.sinTable[k] = Math.sin(angle)
    }
    // Math.cos(pi / 2) is 6e-17, not 0; exact there, small integer inputs transform exactly
    if (size >= 4) {
      this.cosTable[size >>> 2] = 0
      this.sinTable[size >>> 2] = 1
    }
    this.reversed = new Uint32Array(size)
    const bits = Math.round(Math.log2(size))
    for (let i = 0; i < size; i++) {
      let r = 0
      for (let b = 0, v = i; b < bits; b++, v >>>= 1) r = (r << 1) | (v & 1)
      this.reversed[i] = r >>> 0
    }
  }

  /** Replaces (re, im) by its discrete Fourier transform, in place. */
  forward(re: Float64Array, im: Float64Array): void {
    this.check(re, im)
    this.transform(re, im, -1)
  }

  /** Replaces (re, im) by its inverse discrete Fourier transform (scaled by 1/size), in place. */
  inverse(re: Float64Array, im: Float64Array): void {
    this.check(re, im)
    this.transform(re, im, 1)
    const scale = 1 / this.size
    for (let i = 0; i < this.size; i++) {
      re[i] *= scale
      im[i] *= scale
    }
  }

  private check(re: Float64Array, im: Float64Array): void {
    checkFloat64('Fft', 're', re)
    checkFloat64('Fft', 'im', im)
    if (re.length !== this.size || im.length !== this.size) {
      throw new RangeError(
        `Fft: of size ${this.size} needs re and im of that length, got ${re.length} and ${im.length}`,
      )
    }
  }

  private transform(re: Float64Array, im: Float64Array, sign: number): void {
    const n = this.size
    const reversed = this.reversed
    for (let i = 0; i < n; i++) {
      const j = reversed[i]
      if (j > i) {
        let t = re[i]
        re[i] = re[j]
        re[j] = t
        t = im[i]
        im[i] = im[j]
        im[j] = t
      }
    }
    const cosTable = this.cosTable
    const sinTable = this.sinTable
    for (let length = 2; length <= n; length <<= 1) {
      const half = length >>> 1
      const stride = n / length
      for (let start = 0; start < n; start += length) {
        for (let k = 0, t = 0; k < half; k++, t += stride) {
          const wr = cosTable[t]
          const wi = sign * sinTable[t]
          const a = start + k
          const b = a + half
          const xr = re[b] * wr - im[b] * wi
          const xi = re[b] * wi + im[b] * wr
          re[b] = re[a] - xr
          im[b] = im[a] - xi
          re[a] += xr
          im[a] += xi
        }
      }
    }
  }
}

/**
 * One-off forward FFT of (re, im) in place; builds a plan each call, so prefer `new Fft(n)` when
 * transforming many arrays of one size. A `RangeError` when the length is not a power of two.
 *
 * ```ts
 * const re = Float64Array.of(0, 1, 0, -1), im = new Float64Array(4)
 * fft(re, im) // re = [0, 0, 0, 0], im = [0, -2, 0, 2]
 * ```
 */
export function fft(re: Float64Array, im: Float64Array): void {
  checkTransformPair('fft', re, im)
  new Fft(re.length).forward(re, im)
}

/**
 * One-off inverse FFT (scaled by 1/n) of (re, im) in place; see `fft`.
 *
 * ```ts
 * const re = Float64Array.of(10, -2, -2, -2), im = Float64Array.of(0, 2, 0, -2)
 * ifft(re, im) // re = [1, 2, 3, 4], im = [0, 0, 0, 0]
 * ```
 */
export function ifft(re: Float64Array, im: Float64Array): void {
  checkTransformPair('ifft', re, im)
  new Fft(re.length).inverse(re, im)
}

/** Largest transform: 2^30 points (two 8 GiB arrays would be needed beyond). */
const MAX_FFT_SIZE = 2 ** 30

function checkFftSize(fn: string, name: string, size: unknown): void {
  if (typeof size !== 'number') throw new TypeError(`${fn}: ${name} must be a number, got ${describeValue(size)}`)
  if (!Number.isInteger(size) || size < 1 || size > MAX_FFT_SIZE || (size & (size - 1)) !== 0)
    throw new RangeError(`${fn}: ${name} must be a power of two between 1 and 2^30, got ${describeValue(size)}`)
}

function checkFloat64(fn: string, name: string, x: unknown): void {
  if (!(x instanceof Float64Array))
    throw new TypeError(`${fn}: ${name} must be a Float64Array, got ${describeValue(x)}`)
}

/** Both arrays Float64Arrays of one power-of-two length. */
function checkTransformPair(fn: string, re: unknown, im: unknown): void {
  checkFloat64(fn, 're', re)
  checkFloat64(fn, 'im', im)
  const n = (re as Float64Array).length
  checkFftSize(fn, 're.length', n)
  if ((im as Float64Array).length !== n)
    throw new RangeError(`${fn}: re and im must have one length, got ${n} and ${(im as Float64Array).length}`)
}
