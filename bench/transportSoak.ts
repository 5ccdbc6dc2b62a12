// The transport soak, long mode: many clients on WebSocket and on WebTransport over HTTP/2 open and
// close sessions and channels for minutes while a relay cuts their connections at random points
// (fast-check picks them from the seed). Runs test/sources/fixtures/transportSoak.ts in a child
// process, which must end by itself, and prints a summary. The quick mode runs in `npm test`
// (test/sources/transportSoak.test.ts).
//
//   npx tsx bench/transportSoak.ts [minutes=2] [clients per transport=16] [seed=random]
import { spawnSync } from 'node:child_process'

const MS_PER_MINUTE = 60_000
/** Time allowed beyond the soak's own duration for rounds in flight, closing, and settling. */
const GRACE_MS = 120_000

const minutes = Number(process.argv[2] ?? 2)
const clients = Number(process.argv[3] ?? 16)
const seed = Number(process.argv[4] ?? Math.floor(Math.random() * 2 ** 30))
// each transport runs for the duration in turn
const durationMs = (minutes * MS_PER_MINUTE) / 2

console.log(`transport soak: ${minutes} min, ${clients} clients per transport, seed ${seed}`)
const started = performance.now()
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', 'test/sources/fixtures/transportSoak.ts', String(durationMs), String(clients), String(seed)],
  { encoding: 'utf8', timeout: 2 * durationMs + GRACE_MS },
)
const elapsed = ((performance.now() - started) / 1000).toFixed(1)
if (result.status !== 0 || result.signal !== null) {
  console.error(`FAILED after ${elapsed} s: exit ${result.status}, signal ${result.signal}`)
  console.error(result.stderr)
  process.exit(1)
}
const summary = JSON.parse(result.stdout) as {
  transports: Record<string, Record<string, number>>
  violations: number
  firstViolation?: string
  leftOpen: string[]
}
console.table(summary.transports)
console.log(`violations (acknowledged but not delivered exactly once, in order): ${summary.violations}`)
if (summary.firstViolation !== undefined) console.log(`first: ${summary.firstViolation}`)
console.log(`left open at the end: ${summary.leftOpen.length === 0 ? 'nothing' : summary.leftOpen.join(', ')}`)
console.log(`the process ended by itself after ${elapsed} s`)
process.exit(summary.violations === 0 && summary.leftOpen.length === 0 ? 0 : 1)
