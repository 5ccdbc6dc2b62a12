/**
 * The mean period of a series in samples, 2 pi sqrt(var(x) / var(dx)): the period of the sine with
 * the same ratio of derivative to signal power (Rice's RMS frequency). Rosenstein et al. use the
 * mean period as the Theiler window; this estimate needs no FFT and is O(N).
 * White noise gives 2 pi / sqrt 2 = 4.4 samples; a constant series gives Infinity.
 */
export function meanPeriod(x: ArrayLike<number>): number {
  const n = x.length
  if (n < 2) return Infinity
  let mean = 0
  for (let i = 0; i < n; i++) mean += x[i]
  mean /= n
  let signal = 0
  for (let i = 0; i < n; i++) signal += (x[i] - mean) ** 2
  let derivative = 0
  for (let i = 1; i < n; i++) derivative += (x[i] - x[i - 1]) ** 2
  if (derivative === 0) return Infinity
  return 2 * Math.PI * Math.sqrt(signal / n / (derivative / (n - 1)))
}
