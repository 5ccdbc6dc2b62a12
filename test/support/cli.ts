import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'

/** The BUILT command (npm test builds first). */
export const cliPath = fileURLToPath(new URL('../../cli/dist/midstream.js', import.meta.url))

/**
 * Time allowed to a test that runs the command many times in a row: each run starts a Node process
 * (about half a second, several on a machine busy with the rest of the suite).
 */
export const MANY_RUNS_MS = 120_000

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * A scratch directory for one test file and a way to run the built `midstream` in it:
 * `open()` in beforeAll, `close()` in afterAll.
 */
export function cliWorkspace(prefix: string) {
  let dir = ''
  return {
    open(): void {
      dir = mkdtempSync(join(tmpdir(), prefix))
    },
    close(): void {
      if (dir !== '') rmSync(dir, { recursive: true, force: true })
    },
    get dir(): string {
      return dir
    },
    run(...args: string[]): CliResult {
      const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: dir, encoding: 'utf8', timeout: 20_000 })
      return { code: r.status, stdout: r.stdout, stderr: r.stderr }
    },
    file(name: string, text: string): string {
      const path = join(dir, name)
      writeFileSync(path, text)
      return path
    },
  }
}

/** A bad-input report: exit 2, nothing on stdout, a short message on stderr, no stack frames. */
export function expectUsageError(r: CliResult, ...fragments: string[]): void {
  expect(r.code).toBe(2)
  expect(r.stdout).toBe('')
  expect(r.stderr).not.toMatch(/^\s+at /m)
  expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(3)
  for (const f of fragments) expect(r.stderr).toContain(f)
}
