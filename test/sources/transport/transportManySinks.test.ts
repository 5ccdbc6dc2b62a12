import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

interface ManySinksResult {
  count: number
  acknowledged: number
  failures: number
  firstFailure?: string
  channelsExact: number
  serverSessions: number
}

// Runs in a child process: before the fix, the WebTransport package threw "Can not get http2 TLSSocket"
// from a socket listener once its own handshake timeout had closed a connection, and that killed the
// whole process (exit code 1, no result printed). The child must also end by itself: nothing left open.
function runManySinks(args: string[]): ManySinksResult {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'test/sources/fixtures/manySinks.ts', ...args], {
    encoding: 'utf8',
    cwd: process.cwd(),
    timeout: 240_000,
  })
  expect(result.stderr).not.toContain('Can not get http2 TLSSocket')
  expect(result.signal).toBeNull() // not killed by the timeout: it ended by itself
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout) as ManySinksResult
}

describe('many sinks to one WebTransport server (HTTP/2)', () => {
  it('1 000 separate quicSink subscriptions started together share one session and all arrive', () => {
    const result = runManySinks(['1000', '5'])
    expect(result).toMatchObject({ count: 1000, acknowledged: 1000, failures: 0, channelsExact: 1000 })
    expect(result.serverSessions).toBe(1)
  }, 250_000)

  it("200 sinks with sessions of their own ('own') do not crash the process, and all arrive", () => {
    const result = runManySinks(['200', '5', 'own'])
    expect(result).toMatchObject({ count: 200, acknowledged: 200, failures: 0, channelsExact: 200 })
    expect(result.serverSessions).toBe(200)
  }, 250_000)
})
