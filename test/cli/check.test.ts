/**
 * `midstream check`, run as the built command (`npm run build` first): verdicts, violation
 * positions and exit codes against oracles written here, and bad input reported in one message.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliPath as cli, cliWorkspace, expectUsageError, MANY_RUNS_MS } from '../support/cli'
import { rng as random } from '../support/rng'

const workspace = cliWorkspace('midstream-cli-check-')
const { run, file } = workspace

/** LTLf oracle for G (req -> F ack) on a finished trace: every req is answered then or later. */
function respondsOracle(events: ReadonlyArray<{ req?: boolean; ack?: boolean }>): boolean {
  let pending = false
  for (const e of events) {
    if (e.req) pending = true
    if (e.ack) pending = false
  }
  return !pending
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build before these tests`)
  workspace.open()
})
afterAll(() => workspace.close())

describe('midstream check', () => {
  it('finds the exact event that violates G !error, with its line number (blank lines counted)', () => {
    const rand = random(7)
    const lines: string[] = []
    const events: Array<Record<string, unknown>> = []
    const violating = 37
    for (let i = 0; i < 60; i++) {
      if (rand() < 0.2) lines.push('')
      const event = { id: i, error: i === violating || (i > violating && rand() < 0.3), load: Math.round(rand() * 100) }
      events.push(event)
      lines.push(JSON.stringify(event))
    }
    // oracle: the first event with error, and the 1-based line it sits on
    const index = events.findIndex(e => e.error === true)
    const line = lines.indexOf(JSON.stringify(events[index])) + 1
    expect(index).toBe(violating)
    const trace = file('errors.jsonl', lines.join('\n') + '\n')

    const text = run('check', 'G !error', trace, '--closed-world')
    expect(text.code).toBe(1)
    expect(text.stdout).toContain('verdict: false')
    expect(text.stdout).toContain(`event ${index} (line ${line} `)
    expect(text.stdout).toContain(JSON.stringify(events[index]))
    expect(text.stdout).toContain('G !error')

    const json = run('check', 'G !error', trace, '--atoms', 'error', '--json')
    expect(json.code).toBe(1)
    const result = JSON.parse(json.stdout)
    expect(json.stdout.trim().split('\n')).toHaveLength(1)
    expect(result).toMatchObject({
      verdict: 'false',
      formula: 'G !error',
      violation: { index, line, event: events[index], atEnd: false },
    })
  })

  it('G (req -> F ack): true when the last request is answered, false at the end when one is pending', () => {
    const answered = [{ req: true }, {}, { ack: true }, { req: true }, { req: true, ack: false }, { ack: true }]
    expect(respondsOracle(answered)).toBe(true)
    const ok = run(
      'check',
      'G (req -> F ack)',
      file('answered.jsonl', answered.map(e => JSON.stringify(e)).join('\n')),
      '--closed-world',
      '--json',
    )
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({
      verdict: 'true',
      ltl3: 'unknown',
      events: answered.length,
      violation: null,
    })

    const pending = answered.slice(0, 5)
    expect(respondsOracle(pending)).toBe(false)
    const bad = run(
      'check',
      'G (req -> F ack)',
      file('pending.jsonl', pending.map(e => JSON.stringify(e)).join('\n')),
      '--closed-world',
      '--json',
    )
    expect(bad.code).toBe(1)
    expect(JSON.parse(bad.stdout)).toMatchObject({
      verdict: 'false',
      violation: { index: pending.length, atEnd: true },
    })
  })

  it('agrees with the oracle on random request/acknowledge traces, reading atoms from fields by --atoms', () => {
    const rand = random(99)
    for (let t = 0; t < 2; t++) {
      const events = Array.from({ length: 40 + Math.floor(rand() * 40) }, () => ({
        kind: rand() < 0.25 ? 'req' : rand() < 0.3 ? 'ack' : 'tick',
      }))
      const asBooleans = events.map(e => ({ req: e.kind === 'req', ack: e.kind === 'ack' }))
      const expected = respondsOracle(asBooleans)
      const r = run(
        'check',
        'G (req -> F ack)',
        file(`random${t}.jsonl`, events.map(e => JSON.stringify(e)).join('\n')),
        '--atoms',
        'req=kind:req,ack=kind:ack',
      )
      expect(r.code, r.stderr).toBe(expected ? 0 : 1)
      expect(r.stdout).toContain(`verdict: ${expected}`)
    }
  })

  it('uses --time-field for metric bounds', () => {
    const events = [
      { t: 0, req: true },
      { t: 300, ack: true },
      { t: 400, req: true },
      { t: 1000, ack: true },
    ]
    const trace = file('timed.jsonl', events.map(e => JSON.stringify(e)).join('\n'))
    // the second request waits 600 ms: F[0,500ms] is broken by the event at t = 1000, index 3
    const r = run('check', 'G (req -> F[0,500ms] ack)', trace, '--closed-world', '--time-field', 't', '--json')
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout).violation).toMatchObject({ index: 3, line: 4 })
    expect(run('check', 'G (req -> F[0,1s] ack)', trace, '--closed-world', '--time-field', 't').code).toBe(0)
    expectUsageError(run('check', 'G (req -> F[0,1s] ack)', trace, '--closed-world'), '--time-field')
    expectUsageError(
      run('check', 'G (req -> F[0,1s] ack)', trace, '--closed-world', '--time-field', 'time'),
      'line 1',
      "'time'",
    )
  })

  it('reports bad input in one message with exit code 2 and no stack trace', { timeout: MANY_RUNS_MS }, () => {
    const good = file('good.jsonl', '{"a":true}\n')
    expectUsageError(
      run('check', 'G !a', join(workspace.dir, 'no-such-trace.jsonl'), '--closed-world'),
      'no-such-trace.jsonl',
    )
    expectUsageError(
      run('check', 'G !a', file('malformed.jsonl', '{"a":false}\n\n{"a": tru}\n'), '--closed-world'),
      'line 3, column 10',
      'malformed JSON',
    )
    // a trace saved on Windows: a byte-order mark and CRLF line ends, the line numbers unchanged
    const crlf = run('check', 'G !a', file('crlf.jsonl', '\ufeff{"a":false}\r\n\r\n{"a":true}\r\n'), '--closed-world')
    expect(crlf.code).toBe(1)
    expect(crlf.stdout).toContain('violated by event 1 (line 3 ')
    expectUsageError(run('check', 'G !a', file('scalar.jsonl', '{"a":false}\n42\n'), '--closed-world'), 'line 2')

    const syntax = run('check', 'G (a ->\n  F b', good, '--closed-world')
    expectUsageError(syntax, 'line 2, column 6')
    expect(syntax.stderr).toContain('    F b\n       ^')

    expectUsageError(run('check', 'G !a', good), "'a'", '--atoms', '--closed-world')
    expectUsageError(run('check', 'G !a', good, '--frobnicate'), "unknown option '--frobnicate'")
    expectUsageError(run('check', 'G !a'), 'missing required argument')
  })
})
