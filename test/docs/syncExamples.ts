/**
 * Rewrites the example blocks of the docs from the files they name, the output blocks from what those
 * files print now, and the console sessions from what the command prints: run it after changing an
 * example (`npx tsx test/docs/syncExamples.ts`, then `npx biome check --write` on the Markdown), and read
 * the diff. The test checks the same blocks.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { blocksOf, docFiles, root, runSession, runTypeScript, sessionSteps } from './markdownExamples'

const outputs = new Map<string, string>()
async function outputOf(file: string): Promise<string> {
  let out = outputs.get(file)
  if (out === undefined) {
    const run = await runTypeScript(file)
    if (run.code !== 0) throw new Error(`${file} exited with ${run.code}:\n${run.stderr}`)
    out = run.stdout.replace(/\n$/, '')
    outputs.set(file, out)
  }
  return out
}

for (const doc of docFiles()) {
  const text = readFileSync(join(root, doc), 'utf8')
  const lines = text.split('\n')
  // from the last block to the first, so earlier line numbers stay valid
  for (const block of blocksOf(doc, text).reverse()) {
    let body: string | undefined
    if (block.marker?.kind === 'example') body = readFileSync(join(root, block.marker.file), 'utf8').replace(/\n$/, '')
    else if (block.marker?.kind === 'output') body = await outputOf(block.marker.file)
    else if (block.lang === 'console') body = await runSession(sessionSteps(block.body))
    if (body === undefined || body === block.body) continue
    lines.splice(block.line, block.bodyLines, ...body.split('\n'))
    console.log(`${doc}:${block.line}: updated`)
  }
  const updated = lines.join('\n')
  if (updated !== text) writeFileSync(join(root, doc), updated)
}
