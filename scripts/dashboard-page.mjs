// The web dashboard's page script (sinks/dashboard/page/main.ts, with uPlot and its CSS) is bundled
// into one browser script and inlined as a string into the module that serves it: an import of
// `<file>.ts?bundle` becomes `export default "<the minified IIFE>"`. So the page, uPlot among it,
// ships inside dist/sinks.js (and .cjs) and is served from the package: no CDN, no file to find
// beside the bundle at run time, the same in ESM, CommonJS and vitest (which runs the sources).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { build } from 'esbuild'

// uPlot is MIT-licensed: its notice travels with the copy the page carries
const uplot = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('uplot/package.json'), 'utf8'))
const NOTICE = `/*! uPlot ${uplot.version} (c) Leon Sorokin, MIT License, https://github.com/leeoniya/uPlot */`

const SUFFIX = /\?bundle$/

/** The browser bundle of `entry` (an absolute path), minified, as text. */
export async function bundlePage(entry) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
    loader: { '.css': 'text' },
    legalComments: 'inline',
    banner: { js: NOTICE },
  })
  return result.outputFiles[0].text
}

/** esbuild (tsup) plugin: `import page from './x.ts?bundle'`. */
export const pageBundleEsbuild = {
  name: 'dashboard-page-bundle',
  setup(builder) {
    builder.onResolve({ filter: SUFFIX }, args => ({
      path: resolve(args.resolveDir, args.path.replace(SUFFIX, '')),
      namespace: 'page-bundle',
    }))
    builder.onLoad({ filter: /.*/, namespace: 'page-bundle' }, async args => ({
      contents: await bundlePage(args.path),
      loader: 'text',
      watchFiles: [args.path],
    }))
  },
}

/** vite (vitest) plugin doing the same. */
export function pageBundleVite() {
  const prefix = '\0page-bundle:'
  return {
    name: 'dashboard-page-bundle',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!SUFFIX.test(source) || importer === undefined) return null
      return prefix + resolve(dirname(importer), source.replace(SUFFIX, ''))
    },
    async load(id) {
      if (!id.startsWith(prefix)) return null
      return `export default ${JSON.stringify(await bundlePage(id.slice(prefix.length)))}`
    },
  }
}
