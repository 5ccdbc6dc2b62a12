/**
 * JSON-lines and CSV files read record by record: `readJsonLines` and `readCsv` stream a file of any
 * size in 64 KB chunks, hand out IxJS `AsyncIterableX` sequences (ix operators chain on them, and
 * RxJS's `from` turns them into Observables), and name the file, line and column of a bad record.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { filter, map } from 'ix/asynciterable/operators'
import { FileReadError, readCsv, readJsonLines } from 'midstream/sources'
import { lastValueFrom, reduce, from as rxFrom } from 'rxjs'

const dir = mkdtempSync(join(tmpdir(), 'midstream-files-'))
const trace = join(dir, 'trace.jsonl')
// written on Windows: CRLF line ends and a blank line, which the reader skips (and counts)
writeFileSync(
  trace,
  [
    '{"t":0,"level":"info","msg":"start"}',
    '',
    '{"t":5,"level":"error","msg":"disk full"}',
    '{"t":9,"level":"info","msg":"retry"}',
  ].join('\r\n'),
)
const errors = readJsonLines<{ t: number; level: string; msg: string }>(trace, { numbered: true }).pipe(
  filter(r => r.value.level === 'error'),
  map(r => `line ${r.line}, t=${r.value.t} ms: ${r.value.msg}`),
)
for await (const e of errors) console.log(e)

// CSV with a header; quoted fields may hold commas, quotes and line breaks
const readings = join(dir, 'readings.csv')
writeFileSync(readings, 'sensor,value,note\ns1,0.5,ok\ns1,0.7,"high, ""rising"""\ns2,0.1,"two\nlines"\n')
for await (const row of readCsv(readings, { header: true }))
  console.log(row.sensor, Number(row.value), JSON.stringify(row.note))

// into an RxJS pipeline: the mean of the value column
const mean = await lastValueFrom(
  rxFrom(readCsv(readings, { header: true })).pipe(
    reduce((acc, row) => ({ sum: acc.sum + Number(row.value), n: acc.n + 1 }), { sum: 0, n: 0 }),
  ),
)
console.log(`mean value: ${(mean.sum / mean.n).toFixed(3)}`)

// a malformed line is named with its line and the column where it goes wrong
writeFileSync(trace, '{"t":0}\n{"t": 1,, "level":"info"}\n')
try {
  for await (const _ of readJsonLines(trace, { name: 'trace.jsonl' }));
} catch (error) {
  if (error instanceof FileReadError) console.log(error.message)
}
rmSync(dir, { recursive: true })
