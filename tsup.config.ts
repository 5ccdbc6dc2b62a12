import { existsSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Plugin } from 'esbuild'
import { defineConfig } from 'tsup'

// The integrations (ws, prom-client, ink, ...) are optional peer dependencies: tsup leaves every
// dependency and peer dependency of package.json out of the bundle, so they stay imports.
const shared = {
  format: ['esm', 'cjs'] as ('esm' | 'cjs')[],
  target: 'es2022',
  sourcemap: true,
  // `midstream` itself: the testing kit loads the root entry (one scheduler class for both)
  external: ['rxjs', 'fast-check', 'midstream'],
  // the peer loader (sources/peers/require.ts) needs import.meta.url in the CommonJS build too
  shims: true,
}

// The three builds below run at once, so none of them may clean the output folder (tsup's `clean`
// would delete what another has written): it is emptied here, once, before they start.
rmSync('dist', { recursive: true, force: true })

// In the browser build, `sources/peers/X.ts` (which loads a peer with Node's require to name it
// when missing) is replaced by `sources/peers/X.browser.ts` (a plain import the application's
// bundler resolves).
const browserPeers: Plugin = {
  name: 'browser-peers',
  setup(build) {
    build.onResolve({ filter: /[\\/]peers[\\/][^\\/]+$/ }, args => {
      const browser = resolve(args.resolveDir, `${args.path}.browser.ts`)
      return existsSync(browser) ? { path: browser } : undefined
    })
  },
}

export default defineConfig([
  {
    ...shared,
    entry: {
      index: 'index.ts',
      scheduler: 'src/scheduler/index.ts',
      sources: 'sources/index.ts',
      sinks: 'sinks/index.ts',
      // what `require('midstream/terminal')` resolves to: an error saying to use import() (the
      // entry is ESM-only); its ESM twin and the CommonJS build of `terminal` are never exported
      'terminal.require': 'sinks/terminal.require.ts',
      testing: 'testing/index.ts',
      redis: 'redis/index.ts',
      offload: 'offload/index.ts',
      plot: 'plot/index.ts',
      media: 'media/index.ts',
    },
    // one type-checking program writes the declarations of every entry, those of the two builds below too
    dts: {
      entry: {
        index: 'index.ts',
        scheduler: 'src/scheduler/index.ts',
        sources: 'sources/index.ts',
        'sources.browser': 'sources/browser.ts',
        sinks: 'sinks/index.ts',
        terminal: 'sinks/terminal.ts',
        testing: 'testing/index.ts',
        redis: 'redis/index.ts',
        offload: 'offload/index.ts',
        plot: 'plot/index.ts',
        media: 'media/index.ts',
      },
    },
    platform: 'neutral',
  },
  {
    ...shared,
    // midstream/plot's browser build: Plot imported plainly, the page's document instead of linkedom
    entry: { 'sources.browser': 'sources/browser.ts', 'plot.browser': 'plot/index.ts' },
    platform: 'neutral',
    esbuildPlugins: [browserPeers],
  },
  {
    // the script each worker thread of midstream/offload's pool runs; tinypool loads it with import()
    ...shared,
    entry: { 'offload-worker': 'offload/worker.ts' },
    format: ['esm'],
    platform: 'node',
    dts: false,
  },
  {
    // ESM only: it loads ink (ESM only, with top-level await) with a top-level await of its own
    ...shared,
    // terminalRenderer: the module renderDashboard runs in a worker thread or child process; it is
    // found beside the code that starts it (dist/), so it must keep this name
    entry: { terminal: 'sinks/terminal.ts', terminalRenderer: 'sinks/dashboard/terminalRenderer.ts' },
    format: ['esm'],
    platform: 'neutral',
  },
])
