import { execFile, spawn, spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const demo = 'test/sinks/fixtures/dashboardDemo.ts'
const hasTmux = spawnSync('tmux', ['-V']).status === 0
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

describe('terminal dashboard end to end', () => {
  test.skipIf(!hasTmux)(
    'a 120x40 tmux pane shows the live dashboard: title, series, chart, coloured verdicts, rates',
    async () => {
      const name = `midstream-dashboard-${process.pid}-${Date.now()}`
      const socket = join(tmpdir(), `${name}.sock`)
      const tmux = (...args: string[]) => run('tmux', ['-S', socket, ...args], { cwd: root })
      // a private tmux server (its own socket); CI would make ink print only the last frame, FORCE_COLOR/NO_COLOR would skew colours
      const command = `env -u CI -u FORCE_COLOR -u NO_COLOR DASHBOARD_DEMO_MS=15000 node --import tsx ${demo}`
      await tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '40', '-c', root, command)
      try {
        await sleep(1000)
        let screen = ''
        let coloured = ''
        const deadline = Date.now() + 25_000 // tsx start-up is slow on a loaded machine
        while (Date.now() < deadline) {
          screen = (await tmux('capture-pane', '-p', '-t', name)).stdout
          if (/readings \d+\/s/.test(screen) && /true\s+G !overheat/.test(screen) && /[╭╰]/.test(screen)) break
          await sleep(250)
        }
        coloured = (await tmux('capture-pane', '-p', '-e', '-t', name)).stdout
        expect(screen.split('midstream demo').length - 1).toBe(1) // redrawn in place, not appended
        expect(screen).toMatch(/cpu\s+last/)
        expect(screen).toMatch(/temperature\s+last/)
        expect(screen).toMatch(/[┤┼][^\n]*[╭╰─]/) // an asciichart row
        expect(screen).toMatch(/(true|unknown)\s+G \(spike -> F\[0,500ms\] ack\)/)
        expect(screen).toMatch(/true\s+G !overheat/)
        expect(screen).toMatch(/readings \d+\/s/)
        expect(screen).toMatch(/p50 [-\d.]+ ms\s+p99/)
        for (const line of screen.split('\n')) expect(line.length).toBeLessThanOrEqual(120)
        expect(coloured).toMatch(/\x1b\[[0-9;]*32m[^\x1b]*true/) // 'true' in green
      } finally {
        await tmux('kill-session', '-t', name).catch(() => undefined)
        await tmux('kill-server').catch(() => undefined) // our private server only
        rmSync(socket, { force: true })
      }
    },
    60_000,
  )

  test('the demo stops its interval and unmounts: the process exits by itself', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', demo], {
      cwd: root,
      env: { ...process.env, CI: '', DASHBOARD_DEMO_MS: '300' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', d => (out += d))
    child.stderr.on('data', d => (out += d))
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`demo did not exit by itself:\n${out.slice(-2000)}`))
      }, 45_000)
      child.on('exit', c => {
        clearTimeout(timer)
        resolve(c)
      })
    })
    expect(code).toBe(0)
    expect(out).toContain('midstream demo')
    expect(out).toMatch(/demo done: \d+ frames/)
  }, 60_000)
})
