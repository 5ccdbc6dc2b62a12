/**
 * The dependency diet, measured as a user meets it: the library is packed (`npm pack`, from the
 * dist that `npm test` built) and installed with rxjs into an empty project, from the npm cache
 * where it can (`--prefer-offline`). The core must come with almost nothing; the integrations are
 * optional peers that an entry names, when missing, at import. The command's own package, installed
 * beside it, brings every integration and runs with npx.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
// The goal of the diet: a core-only install (midstream, rxjs and what rxjs needs).
const MAX_PACKAGES = 5
const MAX_BYTES = 20 * 1024 * 1024
const INSTALL_MS = 240_000

let project = ''

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
    timeout: INSTALL_MS,
  })
}

function node(args: string[]) {
  const r = spawnSync(process.execPath, args, { cwd: project, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

/** The installed packages: every folder under node_modules with a package.json (scoped ones too, nested ones too). */
function installedPackages(modules: string): string[] {
  const found: string[] = []
  if (!existsSync(modules)) return found
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue
    const path = join(modules, entry)
    const names = entry.startsWith('@') ? readdirSync(path).map(scoped => `${entry}/${scoped}`) : [entry]
    for (const name of names) {
      const dir = join(modules, name)
      if (!existsSync(join(dir, 'package.json'))) continue
      found.push(name, ...installedPackages(join(dir, 'node_modules')))
    }
  }
  return found
}

function bytesUnder(path: string): number {
  const stat = lstatSync(path)
  if (!stat.isDirectory()) return stat.size
  return readdirSync(path).reduce((sum, entry) => sum + bytesUnder(join(path, entry)), 0)
}

// The same pipeline from ESM and CommonJS: a spike pattern planted once, exactly, at indices 4..8 of a
// flat series, so the only match is [4, 8] at DTW distance 0.
const series = '[5, 5, 5, 5, 0, 3, 9, 3, 0, 5, 5, 5, 5, 5, 5]'
const pipeline = `from(${series}).pipe(dtwMatch({ spike: [0, 3, 9, 3, 0] }, { threshold: 1 }), toArray())
  .subscribe(matches => console.log(JSON.stringify(matches)))`
const plantedMatch = [{ pattern: 'spike', start: 4, end: 8, distance: 0 }]

describe('a project that installs the packed library and rxjs', () => {
  beforeAll(() => {
    expect(existsSync(join(root, 'dist/index.js')), 'npm test builds dist before the tests').toBe(true)
    project = mkdtempSync(join(tmpdir(), 'midstream-consumer-'))
    // dist is already built: --ignore-scripts skips prepack's second build
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], {
        cwd: root,
        encoding: 'utf8',
      }),
    )
    const tarball = join(project, packed[0].filename)
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }))
    npm(['install', tarball, `rxjs@${rootManifest.devDependencies.rxjs}`], project)
  }, INSTALL_MS)

  afterAll(() => {
    if (project !== '') rmSync(project, { recursive: true, force: true })
  })

  it(`gets fewer than ${MAX_PACKAGES} packages and under ${MAX_BYTES / 1024 / 1024} MB in node_modules`, () => {
    const packages = installedPackages(join(project, 'node_modules'))
    expect(packages).toContain('midstream')
    expect(packages).toContain('rxjs')
    expect(packages.length, packages.join(', ')).toBeLessThan(MAX_PACKAGES)
    expect(bytesUnder(join(project, 'node_modules'))).toBeLessThan(MAX_BYTES)
  })

  it('has no install script to run (the library builds on prepack)', () => {
    const installed = JSON.parse(readFileSync(join(project, 'node_modules/midstream/package.json'), 'utf8'))
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare'])
      expect(installed.scripts?.[hook]).toBeUndefined()
    expect(installed.bin).toBeUndefined()
  })

  it('runs dtwMatch from ESM', () => {
    const r = node([
      '--input-type=module',
      '-e',
      `import { dtwMatch } from 'midstream'; import { from, toArray } from 'rxjs'; ${pipeline}`,
    ])
    expect(r.err).toBe('')
    expect(JSON.parse(r.out)).toEqual(plantedMatch)
  })

  it('runs dtwMatch from CommonJS', () => {
    const r = node([
      '--input-type=commonjs',
      '-e',
      `const { dtwMatch } = require('midstream'); const { from, toArray } = require('rxjs'); ${pipeline}`,
    ])
    expect(r.err).toBe('')
    expect(JSON.parse(r.out)).toEqual(plantedMatch)
  })

  // Each entry, imported and required without its peers, names every one that is missing.
  const missing: [entry: string, peers: string[], commonJs: boolean][] = [
    ['midstream/sinks', ['prom-client', 'ws'], true],
    ['midstream/sources', ['eventsource-parser', 'ws'], true],
    ['midstream/terminal', ['asciichart', 'ink', 'react'], false],
    ['midstream/offload', ['tinypool'], true],
    // linkedom is loaded on the first figure drawn without a document, and named then
    ['midstream/plot', ['@observablehq/plot'], true],
  ]
  describe.each(missing)('%s without its peers', (entry, peers, commonJs) => {
    const expected = `${entry} needs the optional peer ${peers.length === 1 ? 'dependency' : 'dependencies'} ${peers
      .map(p => `"${p}"`)
      .join(', ')
      .replace(/, ([^,]+)$/, ' and $1')}: npm install ${peers.join(' ')}`

    it('fails at import with a message naming what to install', () => {
      const r = node(['--input-type=module', '-e', `await import(${JSON.stringify(entry)})`])
      expect(r.code).not.toBe(0)
      expect(r.err).toContain(`MissingPeerError: ${expected}`)
    })

    it.runIf(commonJs)('fails at require with the same message', () => {
      const r = node(['--input-type=commonjs', '-e', `require(${JSON.stringify(entry)})`])
      expect(r.code).not.toBe(0)
      expect(r.err).toContain(`MissingPeerError: ${expected}`)
    })
  })

  it(
    'loads midstream/sinks once its peers are installed next to it, and its metrics work',
    () => {
      npm(['install', ...['prom-client', 'ws'].map(p => `${p}@${rootManifest.devDependencies[p]}`)], project)
      const r = node([
        '--input-type=module',
        '-e',
        `import { metrics } from 'midstream/sinks'
       const m = metrics({ prefix: 'consumer_' })
       m.collectors.elementsTotal.inc({ pipeline: 'p', stage: 's' }, 3)
       console.log(await m.registry.metrics())`,
      ])
      expect(r.err).toBe('')
      expect(r.out).toContain('consumer_elements_total{pipeline="p",stage="s"} 3')
    },
    INSTALL_MS,
  )
})

describe('a project that installs the command package (midstream-cli) beside the library', () => {
  let dir = ''

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'midstream-command-'))
    const pack = (workspace: string[]) =>
      JSON.parse(
        execFileSync('npm', ['pack', '--json', '--ignore-scripts', ...workspace, '--pack-destination', dir], {
          cwd: root,
          encoding: 'utf8',
        }),
      )[0].filename as string
    // the library's tarball satisfies midstream-cli's dependency on midstream, as the registry would
    const tarballs = [pack([]), pack(['--workspace', 'midstream-cli'])].map(name => join(dir, name))
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'command-user', version: '1.0.0', private: true }))
    npm(['install', ...tarballs], dir)
  }, INSTALL_MS)

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true })
  })

  it(
    'gets every integration with the command, and `npx midstream demo --json` runs on the embedded data',
    () => {
      const packages = installedPackages(join(dir, 'node_modules'))
      for (const peer of Object.keys(rootManifest.peerDependenciesMeta))
        if (peer !== 'fast-check') expect(packages).toContain(peer)
      const npx = (args: string[]) =>
        spawnSync('npx', ['--no-install', 'midstream', ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 })
      expect(npx(['--version']).stdout.trim()).toBe(rootManifest.version)
      const demo = npx(['demo', '--json', '--samples', '20'])
      expect(demo.status, demo.stderr).toBe(0)
      const sections = demo.stdout
        .trim()
        .split('\n')
        .map(line => JSON.parse(line))
      // values that follow from the embedded recording, not from timing
      expect(sections[0]).toMatchObject({ section: 'replay', tokens: 57, firstTokenMs: 412, durationMs: 3209 })
      expect(sections.map(s => s.section)).toEqual([
        'replay',
        'dtwMatch',
        'attractorWindow',
        'scheduler',
        'timerPrecision',
        'ltlGuard',
        'metaLearn',
      ])
    },
    INSTALL_MS,
  )
})
