import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// These tests load the BUILT package (dist/, via the package's own exports map, the way users
// do) in fresh Node processes: `npm test` builds first. A broken exports map fails here.
const root = fileURLToPath(new URL('../..', import.meta.url))

function node(args: string[], input?: string) {
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', input, timeout: 60_000 })
  return { code: result.status, out: result.stdout, err: result.stderr }
}

const entries: Record<string, string[]> = {
  midstream: ['createNanoScheduler', 'createVirtualNanoScheduler', 'scheduleOn', 'eventTime', 'QueueFullError'],
  'midstream/scheduler': ['SchedulerCore', 'createHybridTimer', 'createPlatformClock', 'PRIORITIES', 'VirtualTime'],
  'midstream/testing': ['timedStream', 'runTimed', 'timedSource'],
  'midstream/sources': [],
  'midstream/sinks': [],
  'midstream/offload': ['workerPool'],
  'midstream/plot': ['plotMatches', 'plotMarbles', 'plotAlignment', 'plotCostMatrix', 'plotVerdicts', 'decimateMinMax'],
  'midstream/media': [
    'mediaSource',
    'restream',
    'webrtcSource',
    'bargeIn',
    'audioLevel',
    'loudness',
    'voiceActivity',
    'freeze',
    'silence',
  ],
}

describe('the built package', () => {
  it('has been built', () => {
    expect(existsSync(`${root}/dist/index.js`)).toBe(true)
  })

  describe.each(Object.entries(entries))('%s', (entry, names) => {
    it('loads with import, and exports what the docs name', () => {
      const r = node([
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(entry)}); console.log(JSON.stringify(Object.keys(m)))`,
      ])
      expect(r.err).toBe('')
      expect(JSON.parse(r.out)).toEqual(expect.arrayContaining(names))
    })

    it('loads with require, with the same names', () => {
      const r = node(['-e', `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(entry)}))))`])
      expect(r.err).toBe('')
      expect(JSON.parse(r.out)).toEqual(expect.arrayContaining(names))
    })
  })

  it.each([
    ['import', "const { webDashboard, DashboardModel } = await import('midstream/sinks')"],
    ['require', "const { webDashboard, DashboardModel } = require('midstream/sinks')"],
  ])('serves the web dashboard page with uPlot inside, from the package itself (%s)', (kind, load) => {
    const script = `
      ${load}
      const http = require('node:http')
      const dashboard = webDashboard(new DashboardModel())
      const server = http.createServer((q, r) => dashboard.handle(q, r) || r.writeHead(404).end())
      server.listen(0, '127.0.0.1', async () => {
        const base = 'http://127.0.0.1:' + server.address().port + '/'
        const page = await (await fetch(base)).text()
        const js = await (await fetch(base + 'dashboard.js')).text()
        console.log(JSON.stringify({ page: page.includes('<script src="dashboard.js">'), js: js.slice(0, 40), size: js.length }))
        server.close()
      })`
    const r = node(
      kind === 'import'
        ? [
            '--input-type=module',
            '-e',
            `import http from 'node:http'\n${script.replace("const http = require('node:http')", '')}`,
          ]
        : ['-e', script],
    )
    expect(r.err).toBe('')
    const out = JSON.parse(r.out)
    expect(out.page).toBe(true)
    expect(out.js).toBe('/*! uPlot 1.6.32 (c) Leon Sorokin, MIT L')
    expect(out.size).toBeGreaterThan(50_000) // uPlot alone is 51 KB minified
  })

  it.each([
    ['ESM', ['--input-type=module', '-e', "import { plotMatches } from 'midstream/plot'; FIGURE"]],
    ['CommonJS', ['--input-type=commonjs', '-e', "const { plotMatches } = require('midstream/plot'); FIGURE"]],
  ])('draws a figure from %s in Node with linkedom, with no document given', (_, args) => {
    const figure =
      'const f = plotMatches([0, 1, 5, 1, 0], [{ start: 1, end: 3, distance: 0.5 }]); console.log(JSON.stringify([f.svg.slice(0, 4), f.svg.includes("match-span")]))'
    const r = node(args.map(a => a.replace('FIGURE', figure)))
    expect(r.err).toBe('')
    expect(JSON.parse(r.out)).toEqual(['<svg', true])
  })

  it('works end to end from CommonJS: a scheduler in real time runs an RxJS timer', () => {
    const script = `
      const { createNanoScheduler } = require('midstream')
      const { timer } = require('rxjs')
      const s = createNanoScheduler()
      const t0 = s.now()
      timer(0.5, s).subscribe(() => {
        const waited = s.now() - t0
        setImmediate(() => console.log(JSON.stringify({ waited, stats: s.stats().completed })))
      })`
    const r = node(['-e', script])
    expect(r.err).toBe('')
    const out = JSON.parse(r.out)
    expect(out.waited).toBeGreaterThanOrEqual(0.5)
    expect(out.stats).toBe(1)
  })

  it('lets the process exit once every scheduled action is cancelled (no handle kept alive)', () => {
    const script = `
      import { createNanoScheduler } from 'midstream'
      const s = createNanoScheduler()
      const subs = [600000, 300000, 2, 0.3].map((d) => s.schedule(() => console.log('must not run'), d))
      const periodic = s.scheduleTask({ run: () => {}, period: 1000 })
      subs.forEach((x) => x.unsubscribe())
      periodic.unsubscribe()
      const alive = process.getActiveResourcesInfo().filter((k) => k === 'Timeout' || k === 'Immediate')
      console.log('cancelled', JSON.stringify(alive))`
    // A timer left armed would keep the process alive for 5-10 minutes: the 60 s spawn timeout
    // would kill it and the exit code would be null, not 0.
    const r = node(['--input-type=module', '-e', script])
    expect(r.code).toBe(0)
    expect(r.out.trim()).toBe('cancelled []')
  })

  it.each([
    [
      'ESM',
      'module',
      "import { attractorWindow, findMatches, findMatchesOffloaded } from 'midstream'; import { workerPool } from 'midstream/offload'; import { from, lastValueFrom, toArray } from 'rxjs'",
    ],
    [
      'CommonJS',
      'commonjs',
      "const { attractorWindow, findMatches, findMatchesOffloaded } = require('midstream'); const { workerPool } = require('midstream/offload'); const { from, lastValueFrom, toArray } = require('rxjs')",
    ],
  ])(
    'offloads to dist/offload-worker.js from %s, with the in-thread results, and exits by itself',
    (_, type, imports) => {
      const script = `${imports}
      ;(async () => {
        const xs = []
        for (let i = 0, x = 0.3; i < 600; i++, x = (i < 300 ? 3.5 : 3.9) * x * (1 - x)) xs.push(x)
        const pool = workerPool({ workers: 2 })
        const opts = { window: 100, hop: 50, minLength: 50, cCount: 16 }
        const off = await lastValueFrom(from(xs).pipe(attractorWindow({ ...opts, offload: pool }), toArray()))
        const here = await lastValueFrom(from(xs).pipe(attractorWindow(opts), toArray()))
        const matches = await findMatchesOffloaded(pool, xs, xs.slice(400, 420), { k: 2 })
        console.log(JSON.stringify({
          windows: off.length,
          same: JSON.stringify(off) === JSON.stringify(here),
          matches: JSON.stringify(matches) === JSON.stringify(findMatches(xs, xs.slice(400, 420), { k: 2 })),
          threads: pool.stats().threads,
        }))
      })()`
      // a worker thread left running would keep the process alive: the spawn timeout would kill it (code null)
      const r = node([`--input-type=${type}`, '-e', script])
      expect(r.err).toBe('')
      expect(r.code).toBe(0)
      expect(JSON.parse(r.out)).toEqual({ windows: 11, same: true, matches: true, threads: 0 })
    },
  )

  it('ships dist and the README, without the command, which ships in its own package named midstream-cli', () => {
    const packed = (workspace?: string) =>
      JSON.parse(
        execFileSync(
          'npm',
          ['pack', '--dry-run', '--json', '--ignore-scripts', ...(workspace ? ['--workspace', workspace] : [])],
          { cwd: root, encoding: 'utf8' },
        ),
      )[0] as { name: string; files: { path: string }[] }
    const library = packed()
    const files = library.files.map(f => f.path)
    for (const f of [
      'dist/index.js',
      'dist/index.cjs',
      'dist/index.d.ts',
      'dist/testing.js',
      'dist/sources.cjs',
      'dist/sinks.d.cts',
      'README.md',
    ]) {
      expect(files).toContain(f)
    }
    expect(files.some(f => /^(src|test|cli|examples)\//.test(f))).toBe(false)
    // every file the exports map names ships (the builds run at once: one must not delete another's output)
    const targets = (value: unknown): string[] =>
      typeof value === 'string' ? [value] : Object.values(value as object).flatMap(targets)
    const manifestOfRoot = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'))
    for (const target of targets(manifestOfRoot.exports)) expect(files).toContain(target.replace(/^\.\//, ''))
    const command = packed('midstream-cli')
    expect(command.name).toBe('midstream-cli')
    expect(command.files.map(f => f.path).sort()).toEqual(['dist/midstream.js', 'package.json'])
    const manifest = JSON.parse(readFileSync(`${root}/cli/package.json`, 'utf8'))
    expect(manifest.bin).toEqual({ midstream: './dist/midstream.js' })
    expect(manifest.dependencies.midstream).toBe(`^${manifestOfRoot.version}`)
  })

  it('the midstream command answers --version and --help, and rejects bad options', () => {
    expect(node(['cli/dist/midstream.js', '--version']).out.trim()).toMatch(/^\d+\.\d+\.\d+$/)
    expect(node(['cli/dist/midstream.js', '--help']).out).toContain('demo')
    const demoHelp = node(['cli/dist/midstream.js', 'demo', '--help']).out
    for (const flag of ['--json', '--dashboard', '--no-dashboard', '--samples <n>']) expect(demoHelp).toContain(flag)
    const bad = node(['cli/dist/midstream.js', 'demo', '--samples', 'ten'])
    expect(bad.code).not.toBe(0)
    expect(bad.err).toContain('--samples must be an integer >= 10, got "ten"')
  })

  it('the demo runs and reports what the pipelines measured', () => {
    // standard output is a pipe here, so the text report is printed without the dashboard
    const r = node(['cli/dist/midstream.js', 'demo', '--samples', '20'])
    expect(r.err).toBe('')
    expect(r.out).not.toContain('dashboard frames')
    expect(r.code).toBe(0)
    // values that follow from the embedded recording, not from timing
    expect(r.out).toContain('time to first token 412 ms; 57 tokens in 3209 ms of recording')
    expect(r.out).toContain('stalls of 200 ms or more after the tokens at: 1197 ms')
    expect(r.out).toMatch(/bulk\s+40000/)
    // the spike planted three times (stretched 1x, 1.5x, 2x) is found three times, near where it was planted
    expect(r.out).toMatch(/found 3: \[60, 67\] .*\[12[89], 139\] .*\[20[01], 21[45]\]/)
    // attractorWindow over a sensor with known regimes: each pure window gets its regime
    expect(r.out).toMatch(/ {6}0-499 {2}limit-cycle .*repeats exactly every 4 samples/)
    expect(r.out).toMatch(/2000-2499 chaotic .*lambda {2}0\.\d+ {2}K {2}1\.00/)
    expect(r.out).toMatch(/3250-3749 noise /)
    expect(r.out).toMatch(/4500-4999 fixed-point /)
    // the LTL guard: the latency rule holds to the end, the policy rule cuts the answer at "yesterday"
    expect(r.out).toContain('latency: F[0,500ms] token && G (token -> F[0,2s] stop)\n     verdicts: at the end: true')
    expect(r.out).toContain('verdicts: after token #32 (2434 ms): false; at the end: false')
    expect(r.out).toContain('so a replay of"\n   stopped by: G !yesterday at token #32 (2434 ms)')
    // metaLearn on SEA: at least 85% prequential accuracy, and the safety constraint refuses some self-modifications
    const learned =
      /prequential accuracy (\d+\.\d)%; self-modifications applied (\d+), refused by 'G \(switch -> X !switch\)' (\d+)/.exec(
        r.out,
      )
    expect(learned).not.toBeNull()
    expect(Number(learned![1])).toBeGreaterThanOrEqual(85)
    expect(Number(learned![3])).toBeGreaterThan(0)
  })
})
