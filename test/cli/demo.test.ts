/**
 * `midstream demo`, run as the built command (`npm run build` first): `--json` prints one JSON
 * line per section with the values the embedded data determines, and never loads ink; the
 * dashboard (forced on a pipe, and by default in a tmux terminal) draws its title and the process
 * still ends by itself.
 */
import { execFile, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const cli = join(root, 'cli/dist/midstream.js')
const hasTmux = spawnSync('tmux', ['-V']).status === 0
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

interface Run {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

/** Runs the built command; a run that does not end by itself within `limitMs` is killed and fails. */
function run(
  args: string[],
  options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv; limitMs?: number } = {},
): Promise<Run> {
  const started = Date.now()
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), cli, ...args], {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', d => (stdout += d))
  child.stderr.on('data', d => (stderr += d))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new Error(
          `midstream ${args.join(' ')} did not end by itself within ${options.limitMs ?? 25_000} ms:\n${stdout.slice(-1500)}\n${stderr.slice(-1500)}`,
        ),
      )
    }, options.limitMs ?? 25_000)
    child.on('exit', code => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, ms: Date.now() - started })
    })
  })
}

let dir: string
let forbidInk: string[]
let json: Run
// biome-ignore lint/suspicious/noExplicitAny: JSON lines of several shapes, read field by field
let results: Array<Record<string, any>>

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'midstream-demo-'))
  // a module hook that makes importing ink (or the entry that loads it) fail
  const hook = join(dir, 'forbid.mjs')
  writeFileSync(
    hook,
    "export async function resolve(s, c, next) { if (s === 'ink' || s === 'midstream/terminal') throw new Error('forbidden import: ' + s); return next(s, c) }\n",
  )
  forbidInk = [
    '--import',
    `data:text/javascript,import{register}from'node:module';register(${JSON.stringify(pathToFileURL(hook).href)})`,
  ]
  json = await run(['demo', '--json', '--samples', '10'], { nodeArgs: forbidInk })
  results = json.stdout
    .split('\n')
    .filter(line => line !== '')
    .map(line => JSON.parse(line))
}, 30_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('midstream demo --json', () => {
  it('ends by itself with code 0, printing only JSON lines, one per section, without loading ink', () => {
    expect(json.stderr).toBe('')
    expect(json.code).toBe(0)
    for (const line of json.stdout.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow()
    expect(results.map(r => r.section)).toEqual([
      'replay',
      'dtwMatch',
      'attractorWindow',
      'scheduler',
      'timerPrecision',
      'ltlGuard',
      'metaLearn',
    ])
  })

  it('reports the values the embedded data determines', () => {
    const by = Object.fromEntries(results.map(r => [r.section, r]))
    expect(by.replay).toMatchObject({ tokens: 57, firstTokenMs: 412, durationMs: 3209, stallsAfterMs: [1197] })
    expect(by.replay.windows.reduce((s: number, w: { tokens: number }) => s + w.tokens, 0)).toBe(57)
    // every planted spike is found once, overlapping where it was planted
    expect(by.dtwMatch.matches).toHaveLength(by.dtwMatch.planted.length)
    expect(by.dtwMatch.planted).toHaveLength(3)
    by.dtwMatch.matches.forEach((m: { start: number; end: number; distance: number }, i: number) => {
      const p = by.dtwMatch.planted[i]
      expect(m.start).toBeLessThanOrEqual(p.end)
      expect(m.end).toBeGreaterThanOrEqual(p.start)
      expect(Math.abs(m.start - p.start)).toBeLessThanOrEqual(2)
      expect(m.distance).toBeLessThan(6)
    })
    const regimeAt = (start: number) =>
      by.attractorWindow.windows.find((w: { start: number }) => w.start === start)?.regime
    expect(by.attractorWindow.windows).toHaveLength(19)
    expect([regimeAt(0), regimeAt(2000), regimeAt(3250), regimeAt(4500)]).toEqual([
      'limit-cycle',
      'chaotic',
      'noise',
      'fixed-point',
    ])
    expect(by.scheduler.bulk.values).toBe(40000)
    expect(by.scheduler.alarms.values).toBeGreaterThan(0)
    expect(by.scheduler.tasks).toBeGreaterThan(0)
    expect(by.timerPrecision.samples).toBe(10)
    for (const s of [by.timerPrecision.nanoScheduler, by.timerPrecision.asyncScheduler]) {
      expect(s.p50Us).toBeGreaterThanOrEqual(0)
      expect(s.p50Us).toBeLessThanOrEqual(s.p99Us)
      expect(s.p99Us).toBeLessThanOrEqual(s.maxUs)
    }
    // the text demo prints 'stopped by: G !yesterday at token #32 (2434 ms)'
    expect(by.ltlGuard.stoppedBy).toEqual({ formula: 'G !yesterday', index: 32, timestampMs: 2434 })
    expect(by.ltlGuard.guardedTokens).toBe(32)
    expect(by.ltlGuard.rules.map((r: { verdicts: Array<{ verdict: string }> }) => r.verdicts.at(-1)?.verdict)).toEqual([
      'true',
      'false',
    ])
    expect(by.metaLearn.samples).toBe(20000)
    expect(by.metaLearn.accuracy).toBeGreaterThanOrEqual(0.85)
    expect(by.metaLearn.modificationsRefused).toBeGreaterThan(0)
  })

  it('refuses --json with --dashboard', async () => {
    const r = await run(['demo', '--json', '--dashboard'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--json and --dashboard cannot be used together')
  })

  it('the built command imports the dashboard lazily', async () => {
    // the hook works: with the dashboard on, the forbidden import is attempted
    const r = await run(['demo', '--dashboard', '--samples', '10'], { nodeArgs: forbidInk })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('forbidden import')
  })
})

describe('midstream demo --dashboard', () => {
  it('forced on a pipe: draws the dashboard, stops it, prints the summary and ends by itself', async () => {
    const r = await run(['demo', '--dashboard', '--samples', '10'], {
      env: { CI: '', FORCE_COLOR: '0' },
      limitMs: 40_000,
    })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/ midstream demo .*v\d+/)
    expect(r.stdout).toMatch(/midstream demo: \d+ dashboard frames/)
    expect(r.stdout).toContain('ltlGuard: stopped by G !yesterday at token #32 (2434 ms)')
    expect(r.stdout).toMatch(/dtwMatch: 3 of 3 planted spikes found/)
    // the last frame holds what the sections fed in
    expect(r.stdout).toMatch(/false\s+G !yesterday/)
    expect(r.stdout).toMatch(/LLM tokens per 500 ms\s+last/)
    expect(r.stdout).toMatch(/spike \[60\.\.67\]/)
  }, 45_000)

  it('without a terminal and without --dashboard, prints the text report only', async () => {
    const r = await run(['demo', '--samples', '10'], { nodeArgs: forbidInk })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('stopped by: G !yesterday at token #32 (2434 ms)')
    expect(r.stdout).not.toContain('dashboard frames')
  })

  it.skipIf(!hasTmux)(
    'in a terminal (tmux) the dashboard is on by default, and the command ends by itself',
    async () => {
      const name = `midstream-demo-${process.pid}-${Date.now()}`
      const socket = join(dir, 'tmux.sock')
      const tmux = (...args: string[]) => promisify(execFile)('tmux', ['-S', socket, ...args], { cwd: root })
      const command = `env -u CI -u FORCE_COLOR -u NO_COLOR sh -c '${process.execPath} ${cli} demo --samples 10; echo "demo exited $?"; sleep 60'`
      await tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '50', '-c', root, command)
      try {
        let screen = ''
        let sawLive = false
        const deadline = Date.now() + 40_000
        while (Date.now() < deadline) {
          screen = (await tmux('capture-pane', '-p', '-S', '-300', '-t', name)).stdout
          if (!sawLive && /^ midstream demo {3}v\d+/m.test(screen) && !/demo exited/.test(screen)) sawLive = true
          if (/demo exited \d+/.test(screen)) break
          await sleep(250)
        }
        expect(sawLive).toBe(true)
        expect(screen).toContain('demo exited 0')
        expect(screen).toMatch(/midstream demo: \d+ dashboard frames/)
        expect(screen).toMatch(/false\s+G !yesterday/)
        for (const line of screen.split('\n')) expect(line.length).toBeLessThanOrEqual(120)
      } finally {
        await tmux('kill-server').catch(() => undefined) // our private server only
      }
    },
    50_000,
  )
})
