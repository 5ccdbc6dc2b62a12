/**
 * Helpers shared by the benchmark scripts: the machine line, percentiles over raw samples and a
 * markdown table printer. Benchmarks print; they never assert timings.
 */
import os from 'node:os'

/** One line naming the machine and runtime, printed by every benchmark. */
export function machineLine(): string {
  const cpus = os.cpus()
  const model = cpus[0]?.model?.trim() || 'unknown CPU'
  const load = os
    .loadavg()
    .map(l => l.toFixed(2))
    .join(' ')
  return `machine: ${model}, ${cpus.length} cores, node ${process.version}, ${os.platform()}/${os.arch()}, load avg ${load}`
}

/** Nearest-rank quantile of `sorted` (ascending), q in [0, 1]. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length
  if (n === 0) return NaN
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)))
  return sorted[rank - 1]
}

/** p50 / p99 / max of `samples` (not modified). */
export function summary(samples: ArrayLike<number>): { p50: number; p99: number; max: number; mean: number } {
  const sorted = Float64Array.from(samples).sort()
  let sum = 0
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]
  return {
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1],
    mean: sum / sorted.length,
  }
}

/** Median of a small array of numbers. */
export function median(values: number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  )
}

/** A number with about 3 significant digits, thousands kept whole. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x)
  const a = Math.abs(x)
  if (a >= 1000) return Math.round(x).toLocaleString('en-US')
  if (a === 0) return '0'
  return x.toPrecision(digits).replace(/\.?0+$/, m => (m.includes('.') ? '' : m))
}

/** `x` as a ratio, e.g. "12.3x". */
export function ratio(x: number): string {
  return Number.isFinite(x) ? `${fmt(x)}x` : 'n/a'
}

/** Prints a markdown table (header row, alignment row, body) with padded columns. */
export function printTable(header: string[], rows: string[][], align?: ('l' | 'r')[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length), 3))
  const al = align ?? header.map((_, i) => (i === 0 ? 'l' : 'r'))
  const cell = (s: string, i: number) => (al[i] === 'l' ? s.padEnd(widths[i]) : s.padStart(widths[i]))
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`
  console.log(line(header))
  console.log(
    `| ${widths.map((w, i) => (al[i] === 'l' ? ':' + '-'.repeat(w - 1) : '-'.repeat(w - 1) + ':')).join(' | ')} |`,
  )
  for (const r of rows) console.log(line(r))
}

/** Gives the event loop a turn (lets pending timers and I/O run) between measurements. */
export const yieldTurn = (): Promise<void> => new Promise(resolve => setImmediate(resolve))

/** Median wall time in ms of `fn` over `repeats` runs (after warm-up runs, so the JIT has settled), and its last result. */
export function time<T>(fn: () => T, repeats: number, warmup = 3): { ms: number; result: T } {
  let result = fn()
  for (let i = 1; i < warmup; i++) result = fn()
  const times: number[] = []
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now()
    result = fn()
    times.push(performance.now() - t0)
  }
  return { ms: median(times), result }
}

/** Least-squares slope of log(ms) against log(n): the exponent b of ms ~ n^b. */
export function loglogSlope(ns: number[], ms: number[]): number {
  const xs = ns.map(Math.log)
  const ys = ms.map(Math.log)
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length
  const my = ys.reduce((a, b) => a + b, 0) / ys.length
  let sxy = 0
  let sxx = 0
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my)
    sxx += (xs[i] - mx) ** 2
  }
  return sxy / sxx
}
