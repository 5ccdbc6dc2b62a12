/**
 * `midstream check <formula> <trace.jsonl>`: runs the LTL monitor over a JSON-lines trace, streamed
 * line by line, and reports the LTLf verdict of the finished trace (or the first violation).
 */
import { createMonitor, type Formula, LtlSyntaxError, type Monitor, parseLtl, walkFormula } from 'midstream'
import { readJsonLines } from 'midstream/sources'
import { CliError, describeFile, out, preview, readerError, readerInput, toJson } from '../io'

export interface CheckOptions {
  atoms?: string
  closedWorld?: boolean
  timeField?: string
  json?: boolean
}

type Predicate = (event: unknown) => boolean

/** Reads a dotted path (`a.b.c`) from an event. */
function field(event: unknown, path: readonly string[]): unknown {
  let v: unknown = event
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<string, unknown>)[key]
  }
  return v
}

/**
 * `--atoms` definitions, comma-separated: `name` is true when the event's field `name` (a dotted
 * path) is truthy; `name=field` when `field` is truthy; `name=field:value` when the field's value,
 * written as text, is `value` (`level=severity:error`, `slow=status:504`).
 */
export function parseAtomDefinitions(spec: string | undefined): Record<string, Predicate> {
  const atoms: Record<string, Predicate> = {}
  if (spec === undefined) return atoms
  for (const raw of spec.split(',')) {
    const item = raw.trim()
    if (item === '') continue
    const eq = item.indexOf('=')
    const name = eq < 0 ? item : item.slice(0, eq).trim()
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name))
      throw new CliError(
        `--atoms: ${preview(name)} is not an atom name (letters, digits, '_' and '.', not starting with a digit)`,
      )
    if (Object.hasOwn(atoms, name)) throw new CliError(`--atoms: atom ${preview(name)} is defined twice`)
    if (eq < 0) {
      const path = name.split('.')
      atoms[name] = event => Boolean(field(event, path))
      continue
    }
    const rest = item.slice(eq + 1)
    const colon = rest.indexOf(':')
    if (rest.trim() === '' || colon === 0)
      throw new CliError(`--atoms: ${preview(item)} must be name, name=field or name=field:value`)
    if (colon < 0) {
      const path = rest.trim().split('.')
      atoms[name] = event => Boolean(field(event, path))
      continue
    }
    const path = rest.slice(0, colon).trim().split('.')
    const value = rest.slice(colon + 1)
    atoms[name] = event => {
      const v = field(event, path)
      return v !== undefined && v !== null && typeof v !== 'object' && String(v) === value
    }
  }
  return atoms
}

function collect(f: Formula, atoms: Set<string>, facts: { timed: boolean; next: boolean }): void {
  walkFormula(f, g => {
    if (g.kind === 'atom') atoms.add(g.name)
    if ('bound' in g && g.bound !== undefined) facts.timed = true
    if (g.kind === 'next') facts.next = true
  })
}

/** Parses the formula, turning a syntax error into the library's caret excerpt with line and column. */
function parseFormula(text: string): Formula {
  try {
    return parseLtl(text)
  } catch (error) {
    if (error instanceof LtlSyntaxError) {
      throw new CliError(
        `formula syntax error at line ${error.line}, column ${error.column}: ${error.expected}\n${error.excerpt}`,
      )
    }
    throw new CliError(`formula: ${(error as Error).message}`)
  }
}

/** Steps the monitor over one event; 'violated' when this event made the verdict false. */
function stepEvent(
  monitor: Monitor<unknown>,
  event: object,
  line: number,
  tracePath: string,
  timePath: string[] | undefined,
  timeField: string | undefined,
): 'violated' | 'stepped' {
  let timestamp: number | undefined
  if (timePath !== undefined) {
    const t = field(event, timePath)
    if (typeof t !== 'number' || !Number.isFinite(t)) {
      throw new CliError(
        `${describeFile(tracePath)}, line ${line}: field '${timeField}' must be a finite number (ms), got ${t === undefined ? 'nothing' : preview(JSON.stringify(t))}`,
      )
    }
    timestamp = t
  }
  const before = monitor.verdict
  try {
    monitor.step(event, timestamp)
  } catch (error) {
    throw new CliError(`${describeFile(tracePath)}, line ${line}: ${(error as Error).message}`)
  }
  return before !== 'false' && monitor.verdict === 'false' ? 'violated' : 'stepped'
}

export async function runCheck(formulaText: string, tracePath: string, options: CheckOptions): Promise<number> {
  const formula = parseFormula(formulaText)
  const atomsUsed = new Set<string>()
  const facts = { timed: false, next: false }
  collect(formula, atomsUsed, facts)
  const atoms = parseAtomDefinitions(options.atoms)
  const closedWorld = options.closedWorld === true
  if (!closedWorld) {
    const missing = [...atomsUsed].filter(name => !Object.hasOwn(atoms, name))
    if (missing.length > 0) {
      throw new CliError(
        `atom${missing.length > 1 ? 's' : ''} ${missing.map(m => `'${m}'`).join(', ')} of the formula ${missing.length > 1 ? 'have' : 'has'} no definition: list ${missing.length > 1 ? 'them' : 'it'} in --atoms, or pass --closed-world to read every atom from the events as booleans`,
      )
    }
  }
  const timeField = options.timeField
  if (facts.timed && timeField === undefined)
    throw new CliError('the formula has time bounds: give --time-field, the event field holding each timestamp in ms')
  const timePath = timeField?.split('.')

  let monitor: Monitor<unknown>
  try {
    monitor = createMonitor<unknown>(formula, { atoms, closedWorld })
  } catch (error) {
    throw new CliError(`formula: ${(error as Error).message}`)
  }

  let events = 0
  let violationLine = -1
  // an LTL3 'false' is final for formulas without X, so the rest of the trace need not be read
  const stopOnFalse = !facts.next
  // streamed by midstream's JSON-lines reader: blank lines skipped, a malformed line named with its column
  const trace = readJsonLines(await readerInput(tracePath, 'trace'), { numbered: true, name: describeFile(tracePath) })
  try {
    for await (const { value: event, line } of trace) {
      if (event === null || typeof event !== 'object' || Array.isArray(event)) {
        throw new CliError(
          `${describeFile(tracePath)}, line ${line}: an event must be a JSON object, got ${preview(JSON.stringify(event))}`,
        )
      }
      const step = stepEvent(monitor, event, line, tracePath, timePath, timeField)
      events++
      if (step === 'violated') {
        violationLine = line
        if (stopOnFalse) break
      }
    }
  } catch (error) {
    readerError(error, tracePath, 'trace')
  }
  const ltl3 = monitor.verdict
  const verdict = monitor.finish()
  const violation = verdict === 'false' ? monitor.violation : null
  const at =
    violation === null
      ? null
      : violation.index === -1
        ? { index: -1, line: null, event: null, atEnd: false, unsatisfiable: true }
        : violation.atEnd
          ? { index: violation.index, line: null, event: null, atEnd: true }
          : { index: violation.index, line: violationLine, event: violation.event, atEnd: false }

  if (options.json === true) {
    out(toJson({ verdict, ltl3: ltl3, events, formula: formulaText, violation: at }))
  } else if (verdict === 'true') {
    out(`verdict: true (${events} event${events === 1 ? '' : 's'})`)
    out(`formula: ${formulaText}`)
  } else {
    out('verdict: false')
    out(`formula: ${formulaText}`)
    if (at === null || at.index === -1) out('no trace can satisfy the formula')
    else if (at.atEnd)
      out(
        `violated at the end of the trace, after ${events} event${events === 1 ? '' : 's'}: an obligation was still open`,
      )
    else {
      out(`violated by event ${at.index} (line ${at.line} of ${describeFile(tracePath)})`)
      out(`event: ${JSON.stringify(at.event)}`)
    }
  }
  return verdict === 'true' ? 0 : 1
}
