#!/usr/bin/env node
/**
 * Runs every bench/*.ts (sorted by name) with tsx, one after another, streaming their output.
 * Exits non-zero when any benchmark fails (after running the rest).
 *
 *   npm run bench                 # all benchmarks
 *   npm run bench -- precision    # only those whose file name contains "precision"
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const benchDir = join(root, 'bench')
const filters = process.argv.slice(2)

const files = readdirSync(benchDir)
  .filter(f => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .filter(f => filters.length === 0 || filters.some(w => f.includes(w)))
  .sort()

if (files.length === 0) {
  console.error(
    `no benchmark in ${relative(process.cwd(), benchDir) || 'bench'} matches ${filters.join(', ') || '*.ts'}`,
  )
  process.exit(1)
}

// tsx's CLI from the project; failing that, node with the tsx loader.
const tsxCli = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs')
const command = existsSync(tsxCli) ? [process.execPath, tsxCli] : [process.execPath, '--import', 'tsx']

const failed = []
const started = Date.now()
for (const file of files) {
  const path = join(benchDir, file)
  console.log(`\n=== bench/${file} ===\n`)
  const t0 = Date.now()
  const result = spawnSync(command[0], [...command.slice(1), path], { cwd: root, stdio: 'inherit' })
  const seconds = ((Date.now() - t0) / 1000).toFixed(1)
  if (result.error || result.status !== 0) {
    const why = result.error
      ? result.error.message
      : result.signal
        ? `signal ${result.signal}`
        : `exit code ${result.status}`
    console.error(`\nbench/${file} FAILED (${why}) after ${seconds} s`)
    failed.push(file)
  } else {
    console.log(`\n(bench/${file}: ${seconds} s)`)
  }
}

console.log(
  `\n${files.length - failed.length} of ${files.length} benchmarks ran in ${((Date.now() - started) / 1000).toFixed(1)} s`,
)
if (failed.length > 0) {
  console.error(`failed: ${failed.join(', ')}`)
  process.exit(1)
}
