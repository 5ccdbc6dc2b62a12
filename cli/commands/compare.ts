/**
 * `midstream compare <a> <b> --algorithm dtw|lcs|edit`: the distance (and similarity) between two
 * files, optionally with an alignment path.
 */
import { dtw, dtwPath, editDistance, lcsLength } from 'midstream'
import { CliError, describeFile, out, parseSeries, readText, toJson } from '../io'

export const ALGORITHMS = ['dtw', 'lcs', 'edit'] as const
export type Algorithm = (typeof ALGORITHMS)[number]

export interface CompareOptions {
  algorithm: Algorithm
  window?: number
  cost?: 'squared' | 'absolute'
  path?: boolean
  lines?: boolean
  json?: boolean
}

/** Cells an lcs/edit alignment may store (one byte each). */
const MAX_ALIGNMENT_CELLS = 2 ** 26

type Token = string | number | boolean | null

/**
 * A file as a sequence for lcs/edit: a JSON array (its elements; objects and arrays compared by
 * their JSON text), else the text itself, by code point (`lines`: by line), without a final newline.
 */
export function parseSequence(text: string, lines: boolean): Token[] {
  const trimmed = text.trim()
  if (!lines && trimmed.startsWith('[') && trimmed.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(trimmed)
      if (Array.isArray(parsed))
        return parsed.map((v: unknown) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : (v as Token)))
    } catch {
      // not JSON: compared as text
    }
  }
  const body = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text
  if (lines) return body === '' ? [] : body.split(/\r?\n/)
  return [...body]
}

/** One column of an lcs/edit alignment: indices into a and b (null for a gap) and what happened. */
export interface AlignmentColumn {
  readonly i: number | null
  readonly j: number | null
  readonly op: 'match' | 'substitute' | 'delete' | 'insert'
}

/**
 * An optimal alignment by the O(n·m) dynamic programme with a traceback (diagonal first):
 * Levenshtein (`edit`) or insertions and deletions only (`lcs`). Returns its cost, which the caller
 * checks against the library's bit-parallel distance.
 */
export function alignment(
  a: readonly Token[],
  b: readonly Token[],
  kind: 'lcs' | 'edit',
): { cost: number; columns: AlignmentColumn[] } {
  const n = a.length
  const m = b.length
  const cells = (n + 1) * (m + 1)
  if (cells > MAX_ALIGNMENT_CELLS)
    throw new CliError(
      `--path stores the whole ${n + 1} x ${m + 1} matrix, above ${MAX_ALIGNMENT_CELLS} cells; drop --path for the distance alone`,
    )
  const substitution = kind === 'edit' ? 1 : 2
  const D = new Uint32Array(cells)
  const W = m + 1
  for (let j = 0; j <= m; j++) D[j] = j
  for (let i = 1; i <= n; i++) {
    D[i * W] = i
    for (let j = 1; j <= m; j++) {
      const diag = D[(i - 1) * W + j - 1] + (a[i - 1] === b[j - 1] ? 0 : substitution)
      const up = D[(i - 1) * W + j] + 1
      const left = D[i * W + j - 1] + 1
      D[i * W + j] = Math.min(diag, up, left)
    }
  }
  const columns: AlignmentColumn[] = []
  let i = n
  let j = m
  while (i > 0 || j > 0) {
    const here = D[i * W + j]
    if (i > 0 && j > 0) {
      const same = a[i - 1] === b[j - 1]
      if ((same || kind === 'edit') && here === D[(i - 1) * W + j - 1] + (same ? 0 : substitution)) {
        columns.push({ i: i - 1, j: j - 1, op: same ? 'match' : 'substitute' })
        i--
        j--
        continue
      }
    }
    if (i > 0 && here === D[(i - 1) * W + j] + 1) {
      columns.push({ i: i - 1, j: null, op: 'delete' })
      i--
    } else {
      columns.push({ i: null, j: j - 1, op: 'insert' })
      j--
    }
  }
  columns.reverse()
  return { cost: D[n * W + m], columns }
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e9) / 1e9 : x
}

export async function runCompare(aPath: string, bPath: string, options: CompareOptions): Promise<number> {
  const algorithm = options.algorithm
  if (algorithm !== 'dtw' && options.window !== undefined)
    throw new CliError('--window applies to --algorithm dtw only')
  if (algorithm !== 'dtw' && options.cost !== undefined) throw new CliError('--cost applies to --algorithm dtw only')
  if (algorithm === 'dtw' && options.lines === true)
    throw new CliError('--lines applies to --algorithm lcs and edit only')
  if (aPath === '-' && bPath === '-') throw new CliError('only one of the two inputs can be standard input')
  const [aText, bText] = await Promise.all([readText(aPath, 'input'), readText(bPath, 'input')])

  if (algorithm === 'dtw') {
    const a = parseSeries(aText, aPath)
    const b = parseSeries(bText, bPath)
    for (const [x, p] of [
      [a, aPath],
      [b, bPath],
    ] as const) {
      if (x.length === 0) throw new CliError(`${describeFile(p)}: no numbers; DTW needs at least one on each side`)
    }
    const dtwOptions = { band: options.window, cost: options.cost ?? 'squared' } as const
    let distance: number
    let path: Array<[number, number]> | undefined
    try {
      if (options.path === true) ({ distance, path } = dtwPath(a, b, dtwOptions))
      else distance = dtw(a, b, dtwOptions)
    } catch (error) {
      throw new CliError(`dtw: ${(error as Error).message}`)
    }
    if (options.json === true) {
      out(
        toJson({
          algorithm,
          distance,
          cost: dtwOptions.cost,
          window: options.window ?? null,
          lengths: [a.length, b.length],
          ...(path ? { path } : {}),
        }),
      )
    } else {
      out(
        `dtw distance: ${round(distance)} (${dtwOptions.cost} cost, ${options.window === undefined ? 'no window' : `window ${options.window}`}, lengths ${a.length} and ${b.length})`,
      )
      if (path) {
        out(`path (${path.length} steps):`)
        for (const [i, j] of path) out(`${i}\t${j}\t${a[i]}\t${b[j]}`)
      }
    }
    return 0
  }

  const lines = options.lines === true
  const a = parseSequence(aText, lines)
  const b = parseSequence(bText, lines)
  const longer = Math.max(a.length, b.length)
  let result: Record<string, unknown>
  let summary: string
  if (algorithm === 'edit') {
    const distance = editDistance(a, b)
    const similarity = longer === 0 ? 1 : 1 - distance / longer
    result = { algorithm, distance, similarity, lengths: [a.length, b.length] }
    summary = `edit distance: ${distance} (similarity ${round(similarity)}, lengths ${a.length} and ${b.length})`
  } else {
    const length = lcsLength(a, b)
    const distance = a.length + b.length - 2 * length
    const similarity = a.length + b.length === 0 ? 1 : (2 * length) / (a.length + b.length)
    result = { algorithm, length, distance, similarity, lengths: [a.length, b.length] }
    summary = `lcs length: ${length}, indel distance: ${distance} (similarity ${round(similarity)}, lengths ${a.length} and ${b.length})`
  }
  let columns: AlignmentColumn[] | undefined
  if (options.path === true) {
    const aligned = alignment(a, b, algorithm)
    if (aligned.cost !== result.distance)
      throw new CliError(
        `internal error: the alignment costs ${aligned.cost}, the distance is ${String(result.distance)}`,
        3,
      )
    columns = aligned.columns
  }
  if (options.json === true) {
    out(toJson(columns ? { ...result, path: columns.map(c => [c.i, c.j, c.op]) } : result))
  } else {
    out(summary)
    if (columns) {
      out(`alignment (${columns.length} columns):`)
      const show = (v: Token | undefined): string => (v === undefined ? '-' : JSON.stringify(v))
      for (const c of columns)
        out(
          `${c.i ?? '-'}\t${c.j ?? '-'}\t${c.op}\t${show(c.i === null ? undefined : a[c.i])}\t${show(c.j === null ? undefined : b[c.j])}`,
        )
    }
  }
  return 0
}
