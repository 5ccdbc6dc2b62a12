/**
 * The file readers on a large file, beside what a user would write without them:
 *  - `readJsonLines` against `node:readline` over a read stream + `JSON.parse` per line;
 *  - `readCsv` (RFC 4180: quotes, line breaks in fields) against `node:readline` + `line.split(',')`,
 *    which is no CSV parser (it cannot read a quoted comma) but is the floor a parser is held to.
 * Each reader runs in its own child process, so its peak RSS (`process.resourceUsage().maxRSS`) is
 * its own; the files are generated in a temp folder first and deleted after.
 *
 * Each reader runs 3 times (READERS_BENCH_REPEATS), alternating with its baseline; the median time
 * and the highest peak RSS are printed.
 *
 * Run: npm run bench -- readers   (READERS_BENCH_MB=1024 by default; 64 for a quick run)
 */
import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { readCsv, readJsonLines } from '../sources/index'
import { fmt, machineLine, printTable, ratio } from './lib/report'

const MB = 1024 * 1024
const TARGET_MB = Number(process.env.READERS_BENCH_MB ?? 1024)
const REPEATS = Number(process.env.READERS_BENCH_REPEATS ?? 3)

type Reader = 'readJsonLines' | 'readline+JSON.parse' | 'readCsv' | 'readline+split'

interface Measurement {
  rows: number
  ms: number
  maxRssMb: number
  check: number
}

/** Runs one reader over `path` in this process and prints its measurement as JSON (the child's job). */
async function child(reader: Reader, path: string): Promise<void> {
  const t0 = performance.now()
  let rows = 0
  let check = 0
  if (reader === 'readJsonLines') {
    for await (const r of readJsonLines<{ v: number }>(path)) {
      rows++
      check += r.v
    }
  } else if (reader === 'readline+JSON.parse') {
    const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })
    for await (const line of lines) {
      if (line === '') continue
      rows++
      check += (JSON.parse(line) as { v: number }).v
    }
  } else if (reader === 'readCsv') {
    for await (const r of readCsv(path, { header: true })) {
      rows++
      check += Number(r.v)
    }
  } else {
    const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })
    let header = true
    for await (const line of lines) {
      if (header) {
        header = false
        continue
      }
      rows++
      check += Number(line.split(',')[1])
    }
  }
  const ms = performance.now() - t0
  const result: Measurement = { rows, ms, maxRssMb: process.resourceUsage().maxRSS / 1024, check }
  process.stdout.write(JSON.stringify(result))
}

/** Writes about `mb` MB of records: JSON lines, or CSV with a header and a quoted field holding a comma. */
async function generate(path: string, kind: 'jsonl' | 'csv', mb: number): Promise<number> {
  const out = createWriteStream(path)
  let bytes = 0
  let rows = 0
  if (kind === 'csv') bytes += Buffer.byteLength('t,v,label\n')
  if (kind === 'csv') out.write('t,v,label\n')
  const labels = ['ok', 'warn, retrying', 'error "timeout"', 'ok']
  while (bytes < mb * MB) {
    let batch = ''
    for (let k = 0; k < 2000; k++, rows++) {
      const v = (rows % 1000) / 8
      const label = labels[rows % labels.length]
      batch +=
        kind === 'jsonl'
          ? `${JSON.stringify({ t: 1_700_000_000_000 + rows, v, label, ok: rows % 3 === 0 })}\n`
          : `${1_700_000_000_000 + rows},${v},"${label.replaceAll('"', '""')}"\n`
    }
    bytes += Buffer.byteLength(batch)
    if (!out.write(batch)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  return rows
}

/** The run of median time, with the highest peak RSS of all runs. */
function medianOf(runs: Measurement[]): Measurement {
  const byTime = [...runs].sort((x, y) => x.ms - y.ms)
  return { ...byTime[(byTime.length - 1) >> 1], maxRssMb: Math.max(...runs.map(r => r.maxRssMb)) }
}

function measure(reader: Reader, path: string): Measurement {
  const script = fileURLToPath(import.meta.url)
  const result = spawnSync(process.execPath, [...process.execArgv, script, '--child', reader, path], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  })
  if (result.status !== 0) throw new Error(`${reader} failed: ${result.stderr}`)
  return JSON.parse(result.stdout) as Measurement
}

async function main(): Promise<void> {
  console.log(machineLine())
  const dir = mkdtempSync(join(tmpdir(), 'midstream-readers-bench-'))
  try {
    const rowsOut: string[][] = []
    for (const [kind, ours, baseline] of [
      ['jsonl', 'readJsonLines', 'readline+JSON.parse'],
      ['csv', 'readCsv', 'readline+split'],
    ] as const) {
      const path = join(dir, `data.${kind}`)
      const written = await generate(path, kind, TARGET_MB)
      const size = statSync(path).size / MB
      // alternated, medians: the machine's load moves between runs
      const as: Measurement[] = []
      const bs: Measurement[] = []
      for (let r = 0; r < REPEATS; r++) {
        as.push(measure(ours, path))
        bs.push(measure(baseline, path))
      }
      const a = medianOf(as)
      const b = medianOf(bs)
      if (a.rows !== written || b.rows !== written || Math.abs(a.check - b.check) > 1e-6 * Math.abs(b.check))
        throw new Error(`${kind}: row counts or sums differ: ${JSON.stringify({ written, a, b })}`)
      rmSync(path)
      const rate = (m: Measurement) =>
        `${fmt(m.rows / (m.ms / 1000) / 1e6)} M rows/s (${fmt(size / (m.ms / 1000))} MB/s)`
      rowsOut.push([
        `${kind}, ${fmt(size)} MB, ${fmt(written)} rows`,
        rate(a),
        `${fmt(a.maxRssMb)} MB`,
        rate(b),
        `${fmt(b.maxRssMb)} MB`,
        ratio(b.ms / a.ms),
        `${baseline}`,
      ])
    }
    printTable(
      ['file', 'midstream reader', 'peak RSS', 'baseline', 'peak RSS', 'speed vs baseline', 'baseline is'],
      rowsOut,
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const at = process.argv.indexOf('--child')
if (at >= 0) await child(process.argv[at + 1] as Reader, process.argv[at + 2])
else await main()
