/**
 * `midstream analyze`, run as the built command (`npm run build` first): a logistic map at r = 4
 * is chaotic with the exponent of its own derivative, a sine is a limit cycle with the permutation
 * entropy computed here, and bad input is reported in one message.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliPath as cli, cliWorkspace, expectUsageError, MANY_RUNS_MS } from '../support/cli'

const workspace = cliWorkspace('midstream-cli-analyze-')
const { run, file } = workspace

/** Normalised permutation entropy, order 4, delay 1, ties ranked by time: the textbook definition. */
function permutationEntropyOracle(x: number[], order = 4): number {
  const counts = new Map<string, number>()
  const total = x.length - order + 1
  for (let s = 0; s < total; s++) {
    const idx = Array.from({ length: order }, (_, k) => k).sort((p, q) => x[s + p] - x[s + q] || p - q)
    const key = idx.join()
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  let h = 0
  for (const c of counts.values()) h -= (c / total) * Math.log(c / total)
  let factorial = 1
  for (let k = 2; k <= order; k++) factorial *= k
  return h / Math.log(factorial)
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build before these tests`)
  workspace.open()
})
afterAll(() => workspace.close())

describe('midstream analyze', () => {
  it('the logistic map at r = 4 is chaotic, with the exponent of the mean log derivative (ln 2)', () => {
    const x: number[] = []
    let v = 0.2718
    for (let i = 0; i < 300; i++) v = 4 * v * (1 - v)
    for (let i = 0; i < 1000; i++) {
      x.push(v)
      v = 4 * v * (1 - v)
    }
    // oracle: lambda = mean of ln |f'(x)| = ln |4 (1 - 2x)| along the orbit
    const lambda = x.reduce((s, u) => s + Math.log(Math.abs(4 * (1 - 2 * u))), 0) / x.length
    expect(lambda).toBeCloseTo(Math.LN2, 1)
    const r = run('analyze', file('logistic.txt', x.join('\n') + '\n'), '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim().split('\n')).toHaveLength(1)
    const report = JSON.parse(r.stdout)
    expect(report.regime).toBe('chaotic')
    expect(Math.abs(report.lyapunov - lambda)).toBeLessThan(0.15)
    expect(report.k01).toBeGreaterThan(0.8)
    expect(report.permutationEntropy).toBeCloseTo(permutationEntropyOracle(x), 9)
    expect(report.confidence).toBeGreaterThan(0)
    expect(typeof report.reason).toBe('string')
    expect(report.length).toBe(1000)
  })

  it('a sine is a limit cycle (JSON array and CSV inputs), with the permutation entropy computed here', () => {
    const x = Array.from({ length: 800 }, (_, i) => Math.sin(0.3 * i))
    const fromJson = run('analyze', file('sine.json', JSON.stringify(x)), '--json')
    expect(fromJson.code, fromJson.stderr).toBe(0)
    const report = JSON.parse(fromJson.stdout)
    expect(report.regime).toBe('limit-cycle')
    expect(report.stable).toBe(true)
    expect(report.permutationEntropy).toBeCloseTo(permutationEntropyOracle(x), 9)

    const csv = ['value,index', ...x.map((v, i) => `${v},${i}`)].join('\n')
    const text = run('analyze', file('sine.csv', csv))
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('regime: limit-cycle')
    for (const label of [
      'lyapunov exponent:',
      '0-1 test K:',
      'permutation entropy:',
      'embedding delay:',
      'embedding dimension:',
      'confidence:',
      'reason:',
    ]) {
      expect(text.stdout).toContain(label)
    }
  })

  it('--min-length above the series length gives unknown', () => {
    const x = Array.from({ length: 120 }, (_, i) => Math.sin(0.3 * i))
    const r = run('analyze', file('short.txt', x.join('\n')), '--min-length', '500', '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).regime).toBe('unknown')
  })

  it('reports bad input in one message with exit code 2 and no stack trace', { timeout: MANY_RUNS_MS }, () => {
    expectUsageError(run('analyze', file('bad.txt', '0.1\n0.2\n\n0.3x\n')), 'line 4', '0.3x')
    // CSV read as CSV: a quoted field may hold a line break, so the bad value's line is where its record starts
    expectUsageError(
      run('analyze', file('bad.csv', 'v,note\n1,"two\nlines"\n2,ok\nx,"bad"\n')),
      'line 5',
      'not a number: "x"',
    )
    expectUsageError(run('analyze', file('open.csv', 'v,note\n1,"never closed\n')), 'line 2, column 3', 'never closed')
    expectUsageError(run('analyze', join(workspace.dir, 'absent.txt')), 'absent.txt')
    expectUsageError(run('analyze', file('ok.txt', '1\n2\n'), '--min-length', '5'), '--min-length')
    expectUsageError(run('analyze', file('ok2.txt', '1\n2\n'), '--verbose'), "unknown option '--verbose'")
  })
})
