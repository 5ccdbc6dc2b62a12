import { execFile, spawn, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
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

function withoutCi(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.CI
  return env
}

/** Pids of live renderer processes started with `marker` in their environment (Linux /proc). */
function renderersMarked(marker: string): number[] {
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8')
      if (cmdline.includes('terminalRenderer') && environ.split('\0').includes(`DASHBOARD_TEST_MARK=${marker}`))
        found.push(Number(entry))
    } catch {
      // the process ended while we looked, or is not ours
    }
  }
  return found
}

describe('terminal dashboard end to end', () => {
  test.skipIf(!hasTmux).each(['worker', 'process'] as const)(
    "a 120x40 tmux pane shows the live dashboard drawn by the '%s' renderer: title, series, chart, coloured verdicts, rates",
    async renderer => {
      const name = `midstream-dashboard-${process.pid}-${Date.now()}`
      const socket = join(tmpdir(), `${name}.sock`)
      const tmux = (...args: string[]) => run('tmux', ['-S', socket, ...args], { cwd: root })
      // a private tmux server (its own socket); CI would make ink print only the last frame, FORCE_COLOR/NO_COLOR would skew colours
      const command = `env -u CI -u FORCE_COLOR -u NO_COLOR DASHBOARD_DEMO_MS=15000 DASHBOARD_RENDERER=${renderer} node --import tsx ${demo}`
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

  test.skipIf(!hasTmux).each(['worker', 'process', 'inline'] as const)(
    "Ctrl-C while the '%s' renderer draws: the process ends and the cursor ink hid is shown again",
    async renderer => {
      const name = `midstream-dashboard-int-${process.pid}-${Date.now()}`
      const socket = join(tmpdir(), `${name}.sock`)
      const tmux = (...args: string[]) => run('tmux', ['-S', socket, ...args], { cwd: root })
      // a shell in the pane, so that it outlives the demo and the cursor flag can be read after
      await tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '40', '-c', root, 'bash --norc --noprofile')
      try {
        await tmux(
          'send-keys',
          '-t',
          name,
          `env -u CI -u FORCE_COLOR -u NO_COLOR DASHBOARD_DEMO_MS=60000 DASHBOARD_RENDERER=${renderer} node --import tsx ${demo}`,
          'Enter',
        )
        const cursor = async () => (await tmux('display-message', '-p', '-t', name, '#{cursor_flag}')).stdout.trim()
        const deadline = Date.now() + 40_000
        while (Date.now() < deadline && !/readings \d+\/s/.test((await tmux('capture-pane', '-p', '-t', name)).stdout))
          await sleep(250)
        expect(await cursor()).toBe('0') // ink hid it while drawing
        await tmux('send-keys', '-t', name, 'C-c')
        const gone = Date.now() + 10_000
        while (
          Date.now() < gone &&
          (await tmux('display-message', '-p', '-t', name, '#{pane_current_command}')).stdout.trim() !== 'bash'
        )
          await sleep(100)
        expect((await tmux('display-message', '-p', '-t', name, '#{pane_current_command}')).stdout.trim()).toBe('bash')
        expect(await cursor()).toBe('1')
      } finally {
        await tmux('kill-server').catch(() => undefined) // our private server only
        rmSync(socket, { force: true })
      }
    },
    60_000,
  )

  test.each(['worker', 'process', 'inline'] as const)(
    "'%s' renderer: the demo stops its interval, the renderer draws its last frame and leaves: the process exits by itself, nothing left behind",
    async renderer => {
      const marker = `${process.pid}-${renderer}-${Date.now()}`
      const child = spawn(process.execPath, ['--import', 'tsx', demo], {
        cwd: root,
        env: {
          ...process.env,
          CI: '',
          DASHBOARD_DEMO_MS: '300',
          DASHBOARD_RENDERER: renderer,
          DASHBOARD_TEST_MARK: marker,
        },
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
      // closed() settled before this line: it comes after the last frame, not through it
      expect(out).toMatch(/\n\ndemo done: \d+ frames\n/)
      expect(renderersMarked(marker)).toEqual([])
    },
    60_000,
  )

  test("a child-process renderer leaves when its pipeline's process is killed (SIGKILL): no orphan", async () => {
    const marker = `${process.pid}-orphan-${Date.now()}`
    const child = spawn(process.execPath, ['--import', 'tsx', demo], {
      cwd: root,
      env: {
        // no CI variable at all: in CI mode ink writes only the last frame, and this run never ends by itself
        ...withoutCi(),
        DASHBOARD_DEMO_MS: '60000',
        DASHBOARD_RENDERER: 'process',
        DASHBOARD_TEST_MARK: marker,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', d => (out += d))
    try {
      const deadline = Date.now() + 45_000
      while (!out.includes('midstream demo') && Date.now() < deadline) await sleep(100) // the renderer draws
      expect(out).toContain('midstream demo')
      expect(renderersMarked(marker)).toHaveLength(1)
    } finally {
      child.kill('SIGKILL')
    }
    const deadline = Date.now() + 10_000
    while (renderersMarked(marker).length > 0 && Date.now() < deadline) await sleep(100)
    expect(renderersMarked(marker)).toEqual([])
  }, 60_000)
})
