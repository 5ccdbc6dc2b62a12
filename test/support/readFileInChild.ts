/**
 * Reads one file with one reader and prints `{ rows, sum, growthMb }` as JSON: the sum of the `v`
 * field and how far the resident set grew past what it was before the reading (peak, sampled).
 * Run by test/sources/files/readersMemory.test.ts under a small heap:
 *   node --import tsx --max-old-space-size=32 test/support/readFileInChild.ts <reader> <path>
 * `whole` reads the file at once (readFile + split), the control that a small heap must refuse.
 */
import { readFile } from 'node:fs/promises'
import { readCsv, readJsonLines } from '../../sources/index'

const [reader, path] = process.argv.slice(2)
const MB = 1024 * 1024

async function* records(): AsyncGenerator<number> {
  if (reader === 'readJsonLines') for await (const r of readJsonLines<{ v: number }>(path)) yield r.v
  else if (reader === 'readCsv') for await (const r of readCsv(path, { header: true })) yield Number(r.v)
  else if (reader === 'whole') {
    const parsed = (await readFile(path, 'utf8'))
      .split('\n')
      .filter(line => line !== '')
      .map(line => JSON.parse(line) as { v: number })
    for (const r of parsed) yield r.v
  } else throw new Error(`unknown reader ${reader}`)
}

const before = process.memoryUsage.rss()
let peak = before
let rows = 0
let sum = 0
for await (const v of records()) {
  sum += v
  if (++rows % 2000 === 0) peak = Math.max(peak, process.memoryUsage.rss())
}
process.stdout.write(JSON.stringify({ rows, sum, growthMb: (peak - before) / MB }))
