import { rng } from './rng'

/**
 * The rotating hyperplane stream (Hulten, Spencer & Domingos 2001, as in MOA and River's
 * `synth.Hyperplane`): `dimension` features uniform in [0, 1], label 1 when sum w_i x_i >= sum w_i / 2.
 * After every example each weight moves by `magnitude` in its direction, and the direction flips with
 * probability `flip`; a fraction `noise` of labels is flipped, so a learner that always knew the
 * current hyperplane would score 1 - noise (the ceiling).
 */
export function rotatingHyperplane(
  length: number,
  { dimension = 2, magnitude = 0.001, flip = 0.1, noise = 0.05, seed = 1 } = {},
): Array<{ x: number[]; y: 0 | 1 }> {
  const random = rng(seed)
  const weights = Array.from({ length: dimension }, () => random())
  const direction: number[] = weights.map(() => (random() < 0.5 ? -1 : 1))
  const out: Array<{ x: number[]; y: 0 | 1 }> = []
  for (let t = 0; t < length; t++) {
    const x = weights.map(() => random())
    let dot = 0
    let half = 0
    for (let i = 0; i < dimension; i++) (dot += weights[i] * x[i]), (half += weights[i] / 2)
    let y: 0 | 1 = dot >= half ? 1 : 0
    if (random() < noise) y = y === 1 ? 0 : 1
    out.push({ x, y })
    for (let i = 0; i < dimension; i++) {
      weights[i] += direction[i] * magnitude
      if (random() < flip) direction[i] = -direction[i]
    }
  }
  return out
}
