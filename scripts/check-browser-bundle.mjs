#!/usr/bin/env node
import { builtinModules } from 'node:module'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
// Bundles the core entry point (`midstream`) for the browser with esbuild and fails if anything
// reachable from it imports a Node built-in. Prints the minified and gzipped sizes: the core
// alone (rxjs left to the application, as a peer dependency) and with the parts of rxjs it pulls in.
import { build } from 'esbuild'

const entry = fileURLToPath(new URL('../index.ts', import.meta.url))
// a budget of 90 KB compressed for the whole of midstream's core (scheduler, comparison, attractor,
// LTL and learning kernels, operators, and the snapshot and restore of every stateful one, which
// took it from 46 to 63.5 KB; the generated LTL step, the Hoeffding tree and the offload plumbing to
// 70.2 KB; the media analyses (loudness, voice activity, silence, freeze, levels, PCM framing, video
// summaries, the barge-in state machine) to 83.8 KB). An application that imports a few operators
// bundles far less (esbuild drops what is not reachable).
const limitBytes = 90 * 1024
const builtins = new Set([...builtinModules, ...builtinModules.map(m => `node:${m}`)])

async function bundle(external) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    external,
    logLevel: 'silent',
  })
  const nodeImports = Object.values(result.metafile.inputs)
    .flatMap(input => input.imports)
    .filter(imp => imp.path.startsWith('node:') || builtins.has(imp.path))
  const code = result.outputFiles[0].contents
  return { nodeImports, min: code.length, gz: gzipSync(code, { level: 9 }).length }
}

let core, full
try {
  core = await bundle(['rxjs'])
  full = await bundle([])
} catch (error) {
  // esbuild refuses to resolve Node built-ins for platform browser: that is the failure we look for
  const messages = (error.errors ?? []).map(e => `${e.location?.file ?? '?'}:${e.location?.line ?? '?'}: ${e.text}`)
  console.error(
    `browser bundle check failed: the core entry point does not bundle for the browser\n  ${messages.join('\n  ') || error}`,
  )
  process.exit(1)
}
const kb = n => `${(n / 1024).toFixed(1)} KB`
console.log('browser bundle of `midstream` (esbuild, platform browser, minified):')
console.log(`  core, rxjs external   ${kb(core.min).padStart(9)} min  ${kb(core.gz).padStart(8)} gzip`)
console.log(`  with rxjs bundled     ${kb(full.min).padStart(9)} min  ${kb(full.gz).padStart(8)} gzip`)
const problems = []
for (const { nodeImports } of [core, full])
  for (const imp of nodeImports) problems.push(`imports Node built-in ${imp.path}`)
if (full.gz > limitBytes) problems.push(`gzip size ${kb(full.gz)} exceeds ${kb(limitBytes)}`)
if (problems.length > 0) {
  console.error(`browser bundle check failed:\n  ${[...new Set(problems)].join('\n  ')}`)
  process.exit(1)
}
console.log('  no node: imports reachable; ok')
