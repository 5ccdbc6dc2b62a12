import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

it('a process that offloaded analyses to a worker pool exits by itself: the last user closed the threads', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/offloadExit.ts'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 90_000, // killed (status null) if a thread kept it alive
  })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  expect(JSON.parse(r.stdout)).toEqual({
    windows: 11,
    same: true,
    matches: 3,
    stats: { users: 0, threads: 0, queued: 0, completed: 12 },
  })
  expect(r.signal).toBeNull() // not killed by the timeout
}, 120_000)
