/**
 * `midstream analyze <series>`: classifies the dynamics behind a numeric series (fixed point, limit
 * cycle, chaos, noise) with `classifyDynamics` and prints its indicators.
 */
import { classifyDynamics, type DynamicsReport } from 'midstream'
import { CliError, describeFile, out, readSeries, toJson } from '../io'

export interface AnalyzeOptions {
  minLength?: number
  dt?: number
  json?: boolean
}

function figure(x: number): string {
  return Number.isNaN(x) ? 'n/a' : String(Math.round(x * 1e6) / 1e6)
}

export async function runAnalyze(seriesPath: string, options: AnalyzeOptions): Promise<number> {
  const series = await readSeries(seriesPath, 'series')
  if (series.length === 0) throw new CliError(`${describeFile(seriesPath)}: no numbers in the series`)
  let report: DynamicsReport
  try {
    report = classifyDynamics(series, { minLength: options.minLength, dt: options.dt })
  } catch (error) {
    throw new CliError(`analyze: ${(error as Error).message}`)
  }
  if (options.json === true) {
    out(
      toJson({
        regime: report.regime,
        lyapunov: report.lyapunov,
        k01: report.k01,
        permutationEntropy: report.permutationEntropy,
        delay: report.delay,
        dimension: report.dimension,
        stable: report.stable,
        confidence: report.confidence,
        reason: report.reason,
        length: series.length,
      }),
    )
  } else {
    out(`regime: ${report.regime}`)
    out(
      `lyapunov exponent: ${figure(report.lyapunov)} per ${options.dt === undefined ? 'sample' : `${options.dt} time units`}`,
    )
    out(`0-1 test K: ${figure(report.k01)}`)
    out(`permutation entropy: ${figure(report.permutationEntropy)}`)
    out(`embedding delay: ${figure(report.delay)}`)
    out(`embedding dimension: ${figure(report.dimension)}`)
    out(`confidence: ${figure(report.confidence)}`)
    out(`reason: ${report.reason}`)
    out(`samples: ${series.length}`)
  }
  return 0
}
