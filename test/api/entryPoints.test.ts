import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

// Every public entry point of package.json's exports map, found through tsconfig's paths (the same
// map the type checker and vitest use), so that an entry added later is checked without editing this.
const root = fileURLToPath(new URL('../..', import.meta.url))
const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { exports: Record<string, unknown> }
const configFile = ts.readConfigFile(`${root}/tsconfig.json`, ts.sys.readFile)
const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root)
const paths = parsed.options.paths as Record<string, string[]>

const entries = Object.keys(pkg.exports)
  .filter(key => key !== './package.json')
  .map(key => (key === '.' ? 'midstream' : `midstream/${key.slice(2)}`))

/** Exported names (values and types) of each entry's source file, as the type checker sees them. */
function exportsByEntry(): Map<string, string[]> {
  const files = entries.map(entry => {
    expect(paths[entry], `tsconfig paths has no ${entry}`).toBeDefined()
    return `${root}/${paths[entry][0]}`
  })
  const program = ts.createProgram(files, { ...parsed.options, noEmit: true })
  const checker = program.getTypeChecker()
  const result = new Map<string, string[]>()
  entries.forEach((entry, i) => {
    const source = program.getSourceFile(files[i])
    expect(source, files[i]).toBeDefined()
    const moduleSymbol = checker.getSymbolAtLocation(source as ts.SourceFile)
    expect(moduleSymbol, `${files[i]} is not a module`).toBeDefined()
    result.set(
      entry,
      checker.getExportsOfModule(moduleSymbol as ts.Symbol).map(s => s.getName()),
    )
  })
  return result
}

describe('entry points', () => {
  const byEntry = exportsByEntry()

  it('are the ones the docs name, each with exports', () => {
    expect(entries).toEqual(
      expect.arrayContaining([
        'midstream',
        'midstream/scheduler',
        'midstream/sources',
        'midstream/sinks',
        'midstream/terminal',
        'midstream/testing',
        'midstream/redis',
      ]),
    )
    for (const [entry, names] of byEntry) expect(names.length, entry).toBeGreaterThan(0)
  })

  it('export every name from exactly one entry', () => {
    const owners = new Map<string, string[]>()
    for (const [entry, names] of byEntry)
      for (const name of names) owners.set(name, [...(owners.get(name) ?? []), entry])
    // the media analyses are browser-safe operators: the root exports them, and midstream/media
    // re-exports them beside the Node-only sources (the issue asks for both)
    const mediaReexport = (where: string[]): boolean =>
      where.length === 2 && where.includes('midstream') && where.includes('midstream/media')
    const duplicated = [...owners]
      .filter(([, where]) => where.length > 1 && !mediaReexport(where))
      .map(([name, where]) => `${name}: ${where.join(', ')}`)
    expect(duplicated).toEqual([])
  })

  it('keep the scheduler parts in midstream/scheduler and what users create in the root', () => {
    const rootNames = byEntry.get('midstream') ?? []
    const schedulerNames = byEntry.get('midstream/scheduler') ?? []
    for (const name of [
      'createNanoScheduler',
      'createVirtualNanoScheduler',
      'scheduleOn',
      'eventTime',
      'NanoScheduler',
    ])
      expect(rootNames).toContain(name)
    for (const name of [
      'SchedulerCore',
      'CoreTask',
      'VirtualTime',
      'createHybridTimer',
      'createPlatformClock',
      'LogHistogram',
      'PRIORITIES',
      'POLICIES',
      'priorityLevel',
      'rxjsTimeSource',
    ]) {
      expect(schedulerNames).toContain(name)
      expect(rootNames).not.toContain(name)
    }
  })
})

describe('midstream/terminal from CommonJS (built package)', () => {
  it('has been built', () => {
    expect(existsSync(`${root}/dist/terminal.require.cjs`)).toBe(true)
  })

  it('require() fails with a message saying to use import(), not a bare resolution error', () => {
    const script = `
      try { require('midstream/terminal'); console.log('loaded') }
      catch (e) { console.log(JSON.stringify({ message: e.message, code: e.code })) }`
    const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    expect(r.stderr).toBe('')
    const out = JSON.parse(r.stdout) as { message: string; code: string }
    expect(out.message).toMatch(/^midstream\/terminal: this entry is ESM-only/)
    expect(out.message).toContain("await import('midstream/terminal')")
    expect(out.code).toBe('ERR_REQUIRE_ESM')
  })

  it('still loads with import()', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import('midstream/terminal'); console.log(typeof m.renderDashboard)`,
      ],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    )
    expect(r.stdout.trim()).toBe('function')
  })
})
