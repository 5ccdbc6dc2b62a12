import { rng } from './rng'

/**
 * Ground-truth dynamical systems for the attractor tests and benchmarks. Each generator drops a
 * transient so the series sits on the attractor, and is seeded so a failure can be replayed.
 */

/** Logistic map x -> r x (1 - x). Lyapunov exponent at r = 4 is ln 2 exactly. */
export function logistic(n: number, r: number, seed = 1, transient = 500): Float64Array {
  const random = rng(seed)
  let x = 0.1 + 0.8 * random()
  for (let i = 0; i < transient; i++) x = r * x * (1 - x)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    out[i] = x
    x = r * x * (1 - x)
  }
  return out
}

/** x coordinate of the Henon map (a, b) = (1.4, 0.3); largest exponent 0.41922. */
export function henon(n: number, seed = 1, transient = 1000): Float64Array {
  const random = rng(seed)
  let x = 0.1 * random()
  let y = 0.1 * random()
  const out = new Float64Array(n)
  for (let i = -transient; i < n; i++) {
    const nx = 1 - 1.4 * x * x + y
    y = 0.3 * x
    x = nx
    if (i >= 0) out[i] = x
  }
  return out
}

type Field = (s: Float64Array, out: Float64Array) => void

/** Integrates a 3-D flow with classical RK4 at `dt / substeps` and samples x every `dt`. */
function flow(
  field: Field,
  start: [number, number, number],
  n: number,
  dt: number,
  transientTime: number,
  substeps = 10,
): Float64Array {
  const s = Float64Array.from(start)
  const k1 = new Float64Array(3),
    k2 = new Float64Array(3),
    k3 = new Float64Array(3),
    k4 = new Float64Array(3),
    t = new Float64Array(3)
  const h = dt / substeps
  const step = (): void => {
    field(s, k1)
    for (let j = 0; j < 3; j++) t[j] = s[j] + 0.5 * h * k1[j]
    field(t, k2)
    for (let j = 0; j < 3; j++) t[j] = s[j] + 0.5 * h * k2[j]
    field(t, k3)
    for (let j = 0; j < 3; j++) t[j] = s[j] + h * k3[j]
    field(t, k4)
    for (let j = 0; j < 3; j++) s[j] += (h / 6) * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j])
  }
  const transientSteps = Math.round(transientTime / h)
  for (let i = 0; i < transientSteps; i++) step()
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    out[i] = s[0]
    for (let j = 0; j < substeps; j++) step()
  }
  return out
}

/** x coordinate of Lorenz (sigma, rho, beta) = (10, 28, 8/3); largest exponent 0.9056 per unit time. */
export function lorenz(n: number, dt = 0.02, seed = 1): Float64Array {
  const random = rng(seed)
  return flow(
    (s, o) => {
      o[0] = 10 * (s[1] - s[0])
      o[1] = s[0] * (28 - s[2]) - s[1]
      o[2] = s[0] * s[1] - (8 / 3) * s[2]
    },
    [1 + random(), 1 + random(), 20 + random()],
    n,
    dt,
    50,
  )
}

/** x coordinate of Rossler (a, b, c) = (0.2, 0.2, 5.7); largest exponent 0.0714 per unit time. */
export function rossler(n: number, dt = 0.1, seed = 1): Float64Array {
  const random = rng(seed)
  return flow(
    (s, o) => {
      o[0] = -s[1] - s[2]
      o[1] = s[0] + 0.2 * s[1]
      o[2] = 0.2 + s[2] * (s[0] - 5.7)
    },
    [1 + random(), 1 + random(), random()],
    n,
    dt,
    300,
  )
}

/** sin(2 pi t / period) with a random phase. */
export function sine(n: number, period: number, seed = 1): Float64Array {
  const phase = 2 * Math.PI * rng(seed)()
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.sin((2 * Math.PI * i) / period + phase)
  return out
}

/** A damped oscillator e^(-gamma t) cos(omega t): a stable focus, so a fixed point. */
export function damped(n: number, period = 25, decayPerSample = 0.005, seed = 1): Float64Array {
  const phase = 2 * Math.PI * rng(seed)()
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.exp(-decayPerSample * i) * Math.cos((2 * Math.PI * i) / period + phase)
  return out
}

export function uniformNoise(n: number, seed = 1): Float64Array {
  const random = rng(seed)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = random()
  return out
}

export function gaussianNoise(n: number, seed = 1): Float64Array {
  const random = rng(seed)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random()))
    const a = 2 * Math.PI * random()
    out[i] = r * Math.cos(a)
    if (i + 1 < n) out[i + 1] = r * Math.sin(a)
  }
  return out
}
