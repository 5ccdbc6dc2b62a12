/**
 * Bad input to the parts of the command's package and of the peer loader: each `midstream`
 * command (the built one) reports a usage error with exit code 2 in one message that starts with
 * what was called (`midstream demo: ...`), and the loader names the peers to install or lets an
 * error that is not a missing peer through as it is.
 */
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectPeers, importPeers, MISSING_PEER, MissingPeerError } from '../../sources/peers/missing'
import { requirePeers } from '../../sources/peers/require'
import { cliPath, cliWorkspace, expectUsageError } from '../support/cli'

const workspace = cliWorkspace('midstream-validation-pack-')

beforeAll(() => {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run npm run build before these tests`)
  workspace.open()
})
afterAll(() => workspace.close())

describe('the midstream command: bad input is exit 2 and a message prefixed with the command called', () => {
  const series = () => workspace.file('series.txt', '1\n2\n3\n')
  // [what was called, a fragment naming the offending option or value, its arguments]
  const cases: [string, string, () => string[]][] = [
    ['midstream demo', '--samples must be an integer >= 10, got "ten"', () => ['demo', '--samples', 'ten']],
    ['midstream demo', '--samples must be an integer >= 10, got "9"', () => ['demo', '--samples', '9']],
    ['midstream demo', '--json and --dashboard cannot be used together', () => ['demo', '--json', '--dashboard']],
    ['midstream demo', "unknown option '--workers'", () => ['demo', '--workers', '2']],
    ['midstream check', 'formula syntax error at line 1, column 4', () => ['check', 'G (', series()]],
    ['midstream check', "'missing.jsonl'", () => ['check', 'G p', 'missing.jsonl', '--atoms', 'p']],
    ['midstream compare', "argument 'nope' is invalid", () => ['compare', series(), series(), '--algorithm', 'nope']],
    ['midstream compare', "required option '--algorithm <name>' not specified", () => ['compare', series(), series()]],
    ['midstream compare', '--window', () => ['compare', series(), series(), '--algorithm', 'dtw', '--window', '-1']],
    ['midstream analyze', '--min-length must be an integer >= 50', () => ['analyze', series(), '--min-length', '10']],
    ['midstream analyze', '--dt must be a finite number > 0', () => ['analyze', series(), '--dt', '0']],
    ['midstream serve', '--port must be an integer >= 0, got "x"', () => ['serve', '--port', 'x']],
    ['midstream serve', 'none.yaml', () => ['serve', '--config', 'none.yaml']],
    ['midstream mcp', '--http must be a port in [0, 65535], got 70000', () => ['mcp', '--http', '70000']],
    ['midstream', "unknown command 'bogus'", () => ['bogus']],
    ['midstream', "unknown option '--bogus'", () => ['--bogus']],
  ]

  it.each(cases)('%s: %s', (called, fragment, args) => {
    const r = workspace.run(...args())
    expectUsageError(r, fragment)
    expect(r.stderr.startsWith(`${called}: `), r.stderr).toBe(true)
  })
})

describe('the peer loader', () => {
  const notFound = (name: string, code = 'ERR_MODULE_NOT_FOUND') =>
    Object.assign(new Error(`Cannot find package '${name}' imported from /app/node_modules/midstream/dist/x.js`), {
      code,
    })

  it('names one missing peer, singular, with the command that installs it', () => {
    const error = new MissingPeerError('midstream/sinks', ['prom-client'])
    expect(error.message).toBe(
      'midstream/sinks needs the optional peer dependency "prom-client": npm install prom-client',
    )
    expect(error).toMatchObject({ name: 'MissingPeerError', code: MISSING_PEER, peers: ['prom-client'] })
  })

  it('requirePeers names every missing peer at once, in the order given, and keeps the first cause', () => {
    let thrown: unknown
    try {
      requirePeers('midstream/sources', ['@midstream-test/absent-a', 'rxjs', 'absent-b-midstream-test'])
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(MissingPeerError)
    expect((thrown as Error).message).toBe(
      'midstream/sources needs the optional peer dependencies "@midstream-test/absent-a" and "absent-b-midstream-test": ' +
        'npm install @midstream-test/absent-a absent-b-midstream-test',
    )
    expect(((thrown as Error).cause as { code?: string }).code).toBe('MODULE_NOT_FOUND')
  })

  it('requirePeers returns the modules in order when every peer is there', () => {
    const [rxjs] = requirePeers<[typeof import('rxjs')]>('midstream', ['rxjs'])
    expect(typeof rxjs.Observable).toBe('function')
  })

  it('importPeers: a peer that fails because another listed peer is missing reports that peer', async () => {
    const failure = importPeers(
      'midstream/terminal',
      ['ink', 'react'],
      [() => Promise.reject(notFound('react')), () => Promise.reject(notFound('react'))],
    )
    await expect(failure).rejects.toThrow(
      'midstream/terminal needs the optional peer dependency "react": npm install react',
    )
  })

  it('lets through an error that is not a missing peer: a broken module, or a missing package nobody listed', async () => {
    const broken = new SyntaxError('Unexpected token in ink/build/index.js')
    await expect(importPeers('midstream/terminal', ['ink'], [() => Promise.reject(broken)])).rejects.toBe(broken)
    const nested = notFound('yoga-layout')
    await expect(importPeers('midstream/terminal', ['ink'], [() => Promise.reject(nested)])).rejects.toBe(nested)
    const thrownByRequire = notFound('tdigest', 'MODULE_NOT_FOUND')
    expect(() =>
      collectPeers('midstream/sinks', ['prom-client'], [{ status: 'rejected', reason: thrownByRequire }]),
    ).toThrow(thrownByRequire)
  })

  it("reads require's words too, and subpaths: \"Cannot find module '@scope/pkg/sub'\" names @scope/pkg", () => {
    const reason = Object.assign(new Error("Cannot find module '@fails-components/webtransport/lib'"), {
      code: 'MODULE_NOT_FOUND',
    })
    expect(() =>
      collectPeers('midstream/sources', ['@fails-components/webtransport'], [{ status: 'rejected', reason }]),
    ).toThrow('"@fails-components/webtransport": npm install @fails-components/webtransport')
  })
})
