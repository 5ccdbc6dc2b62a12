/**
 * Runtime verification: a formula of linear temporal logic (with past and metric operators) read
 * with `parseLtl`, checked event by event with `createMonitor`, and over a stream with
 * `ltlVerdicts` and `ltlGuard`.
 */
import { createMonitor, LtlSyntaxError, LtlViolationError, ltlGuard, ltlVerdicts, parseLtl } from 'midstream'
import { from, lastValueFrom, toArray } from 'rxjs'

interface Event {
  kind: 'request' | 'response' | 'error'
  at: number // ms
}

// Every request is answered within 2 s
const monitor = createMonitor<Event>('G (request -> F[0,2s] response)', {
  atoms: { request: e => e.kind === 'request', response: e => e.kind === 'response' },
})
const trace: Event[] = [
  { kind: 'request', at: 0 },
  { kind: 'response', at: 800 },
  { kind: 'request', at: 1000 },
  { kind: 'request', at: 3500 }, // the request of t = 1000 went unanswered past t = 3000
]
console.log(`verdicts: ${trace.map(e => monitor.step(e, e.at)).join(' ')}`)
console.log(`violated at event #${monitor.violation?.index}`)

// The same rule over a stream: a verdict each time it changes, and a final one (LTLf) on completion
const changes = await lastValueFrom(
  from(trace).pipe(
    ltlVerdicts('G (request -> F[0,2s] response)', {
      atoms: { request: e => e.kind === 'request', response: e => e.kind === 'response' },
      time: e => e.at,
    }),
    toArray(),
  ),
)
console.log(`changes: ${changes.map(c => `${c.verdict}@${c.index}${c.final ? ' (final)' : ''}`).join(', ')}`)

// ltlGuard passes events while the rules hold and errors at the first event that breaks one
const guarded = from<Event[]>([
  { kind: 'request', at: 0 },
  { kind: 'error', at: 5 },
]).pipe(ltlGuard('G !failure', { atoms: { failure: e => e.kind === 'error' } }))
await lastValueFrom(guarded).catch((e: unknown) => {
  if (e instanceof LtlViolationError) console.log(`guard: ${e.message}`)
})

// A syntax error says where
try {
  parseLtl('G (request -> F[0,2s] )')
} catch (e) {
  if (e instanceof LtlSyntaxError) console.log(`syntax error at column ${e.column}`)
}
