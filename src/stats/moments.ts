/** The population standard deviation of x[from..to) (two passes, so a large mean costs no precision). */
export function standardDeviation(x: ArrayLike<number>, from = 0, to = x.length): number {
  let mean = 0
  for (let i = from; i < to; i++) mean += x[i]
  mean /= to - from
  let sum = 0
  for (let i = from; i < to; i++) sum += (x[i] - mean) ** 2
  return Math.sqrt(sum / (to - from))
}
