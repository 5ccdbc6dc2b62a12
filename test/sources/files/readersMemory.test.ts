import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

// The quick form of bench/readers.ts (1 GB): a 50 MB file read in a child process whose heap is
// far smaller than the file (holding the file would cost its size, the parsed records several
// times more: the control below, reading it whole, runs out of memory there), while the resident
// set is sampled. A 1 MB young generation keeps garbage from passing for growth.
const FILE_MB = 50
const HEAP_MB = 32
const HEAP_FLAGS = [`--max-old-space-size=${HEAP_MB}`, '--max-semi-space-size=1']
const BOUND_MB = 20
const MB = 1024 * 1024

const dir = mkdtempSync(join(tmpdir(), 'midstream-readers-memory-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function generate(path: string, row: (i: number) => string, header = ''): Promise<number> {
  const out = createWriteStream(path)
  out.write(header)
  let rows = 0
  while (out.bytesWritten + out.writableLength < FILE_MB * MB) {
    let batch = ''
    for (let k = 0; k < 1000; k++) batch += row(rows++)
    if (!out.write(batch)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  return rows
}

/** Runs one reader in a child process with a small heap (test/support/readFileInChild.ts). */
function readInChild(reader: string, path: string) {
  const r = spawnSync(
    process.execPath,
    [...HEAP_FLAGS, '--import', 'tsx', 'test/support/readFileInChild.ts', reader, path],
    { encoding: 'utf8', timeout: 120_000 },
  )
  if (r.status !== 0) return { failed: true as const, stderr: r.stderr }
  return { failed: false as const, ...(JSON.parse(r.stdout) as { rows: number; sum: number; growthMb: number }) }
}

/** 0 + 1 + ... + 6 for every 7 rows, then the rest. */
const expectedSum = (rows: number) => Math.floor(rows / 7) * 21 + ((rows % 7) * ((rows % 7) - 1)) / 2

describe('the readers in constant memory', () => {
  it(`read a ${FILE_MB} MB JSON-lines file in a heap of ${HEAP_MB} MB, the resident set growing by less than ${BOUND_MB} MB`, async () => {
    const path = join(dir, 'big.jsonl')
    const written = await generate(path, i => `${JSON.stringify({ t: i, v: i % 7, label: 'warn, retrying' })}\n`)
    expect(statSync(path).size).toBeGreaterThanOrEqual(FILE_MB * MB)
    const result = readInChild('readJsonLines', path)
    expect(result).toMatchObject({ failed: false, rows: written, sum: expectedSum(written) })
    expect(result.failed === false && result.growthMb).toBeLessThan(BOUND_MB)
    // the control: reading the whole file at once does not fit in the same heap
    expect(readInChild('whole', path).failed).toBe(true)
  })

  it(`read a ${FILE_MB} MB CSV file in a heap of ${HEAP_MB} MB, the resident set growing by less than ${BOUND_MB} MB`, async () => {
    const path = join(dir, 'big.csv')
    const written = await generate(path, i => `${i},${i % 7},"warn, ""retrying"""\n`, 't,v,label\n')
    const result = readInChild('readCsv', path)
    expect(result).toMatchObject({ failed: false, rows: written, sum: expectedSum(written) })
    expect(result.failed === false && result.growthMb).toBeLessThan(BOUND_MB)
  })
})
