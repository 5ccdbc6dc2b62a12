/**
 * `midstream compare`, run as the built command (`npm run build` first): DTW, LCS and edit
 * distances against plain O(n·m) dynamic programmes written here, alignment paths checked for
 * validity and cost, and bad input reported in one message.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliPath as cli, cliWorkspace, expectUsageError, MANY_RUNS_MS } from '../support/cli'
import { rng as random } from '../support/rng'

const workspace = cliWorkspace('midstream-cli-compare-')
const { run, file } = workspace

/** Textbook DTW, squared cost, Sakoe-Chiba band |i - j| <= w (widened to |n - m|). */
function dtwOracle(a: number[], b: number[], w = Infinity): number {
  const n = a.length
  const m = b.length
  const band = Math.max(w, Math.abs(n - m))
  const D = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(Infinity))
  D[0][0] = 0
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      if (Math.abs(i - j) > band) continue
      D[i][j] = (a[i - 1] - b[j - 1]) ** 2 + Math.min(D[i - 1][j - 1], D[i - 1][j], D[i][j - 1])
    }
  }
  return D[n][m]
}

function lcsOracle<T>(a: T[], b: T[]): number {
  const L = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0))
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      L[i][j] = a[i - 1] === b[j - 1] ? L[i - 1][j - 1] + 1 : Math.max(L[i - 1][j], L[i][j - 1])
  return L[a.length][b.length]
}

function levenshteinOracle<T>(a: T[], b: T[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const curr = [i]
    for (let j = 1; j <= b.length; j++)
      curr[j] = Math.min(prev[j] + 1, curr[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = curr
  }
  return prev[b.length]
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build before these tests`)
  workspace.open()
})
afterAll(() => workspace.close())

describe('midstream compare', () => {
  const rand = random(2024)
  const a = Array.from({ length: 37 }, (_, i) => Math.sin(i / 4) + (rand() - 0.5) * 0.3)
  const b = Array.from({ length: 45 }, (_, i) => Math.sin(i / 5) + (rand() - 0.5) * 0.3)

  it('dtw equals the textbook recurrence, with and without a window; the path is valid and costs the distance', () => {
    const fa = file('a.json', JSON.stringify(a))
    const fb = file('b.txt', b.map(String).join('\n') + '\n')
    const full = JSON.parse(run('compare', fa, fb, '--algorithm', 'dtw', '--json', '--path').stdout)
    expect(full.distance).toBeCloseTo(dtwOracle(a, b), 9)
    const path: Array<[number, number]> = full.path
    expect(path[0]).toEqual([0, 0])
    expect(path[path.length - 1]).toEqual([a.length - 1, b.length - 1])
    for (let k = 1; k < path.length; k++) {
      const di = path[k][0] - path[k - 1][0]
      const dj = path[k][1] - path[k - 1][1]
      expect([di, dj]).toSatisfy(([x, y]: number[]) => x >= 0 && y >= 0 && x <= 1 && y <= 1 && x + y > 0)
    }
    expect(path.reduce((s, [i, j]) => s + (a[i] - b[j]) ** 2, 0)).toBeCloseTo(full.distance, 9)

    const windowed = run('compare', fa, fb, '--algorithm', 'dtw', '--window', '10')
    expect(windowed.code).toBe(0)
    const printed = Number(/dtw distance: (\S+)/.exec(windowed.stdout)![1])
    expect(printed).toBeCloseTo(dtwOracle(a, b, 10), 6)
    expect(dtwOracle(a, b, 10)).toBeGreaterThanOrEqual(dtwOracle(a, b))
  })

  it('edit and lcs equal the O(n·m) programmes on text by code point, and the alignment reproduces both strings', () => {
    const alphabet = ['a', 'b', 'c', 'é', '😀', ' ']
    const s = Array.from({ length: 70 }, () => alphabet[Math.floor(rand() * alphabet.length)])
    const t = s
      .filter(() => rand() > 0.2)
      .map(c => (rand() < 0.15 ? alphabet[Math.floor(rand() * alphabet.length)] : c))
    const fs = file('s.txt', s.join('') + '\n')
    const ft = file('t.txt', t.join(''))

    const edit = run('compare', fs, ft, '--algorithm', 'edit', '--json', '--path')
    expect(edit.code).toBe(0)
    const e = JSON.parse(edit.stdout)
    expect(e.distance).toBe(levenshteinOracle(s, t))
    expect(e.lengths).toEqual([s.length, t.length])
    const columns: Array<[number | null, number | null, string]> = e.path
    expect(columns.filter(([, , op]) => op !== 'match').length).toBe(e.distance)
    expect(columns.filter(([i]) => i !== null).map(([i]) => i)).toEqual(s.map((_, i) => i))
    expect(columns.filter(([, j]) => j !== null).map(([, j]) => j)).toEqual(t.map((_, j) => j))
    for (const [i, j, op] of columns) if (op === 'match') expect(s[i!]).toBe(t[j!])

    const lcs = JSON.parse(run('compare', fs, ft, '--algorithm', 'lcs', '--json').stdout)
    const length = lcsOracle(s, t)
    expect(lcs).toMatchObject({ length, distance: s.length + t.length - 2 * length })
    expect(lcs.similarity).toBeCloseTo((2 * length) / (s.length + t.length), 12)
  })

  it('compares JSON arrays element by element and files line by line', () => {
    const x = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]
    const y = [3, 1, 4, 2, 5, 9, 6, 5, 3, 5, 8]
    const r = run(
      'compare',
      file('x.json', JSON.stringify(x)),
      file('y.json', JSON.stringify(y)),
      '--algorithm',
      'edit',
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`edit distance: ${levenshteinOracle(x, y)} `)
    const la = ['alpha', 'beta', 'gamma', 'delta']
    const lb = ['alpha', 'gamma', 'delta', 'epsilon']
    const lines = run(
      'compare',
      file('la.txt', la.join('\n') + '\n'),
      file('lb.txt', lb.join('\n') + '\n'),
      '--algorithm',
      'lcs',
      '--lines',
      '--json',
    )
    expect(JSON.parse(lines.stdout)).toMatchObject({ length: lcsOracle(la, lb), lengths: [4, 4] })
  })

  it('reports bad input in one message with exit code 2 and no stack trace', { timeout: MANY_RUNS_MS }, () => {
    const good = file('good.txt', '1\n2\n3\n')
    expectUsageError(run('compare', good, good, '--algorithm', 'cosine'), "'cosine'", 'dtw, lcs, edit')
    expectUsageError(run('compare', good, file('nan.txt', '1\n2\n\nabc\n'), '--algorithm', 'dtw'), 'line 4', 'abc')
    expectUsageError(run('compare', good, join(workspace.dir, 'missing.txt'), '--algorithm', 'dtw'), 'missing.txt')
    expectUsageError(run('compare', good, good, '--algorithm', 'dtw', '--window', 'wide'), '--window')
    expectUsageError(run('compare', good, good, '--algorithm', 'edit', '--shiny'), "unknown option '--shiny'")
  })
})
