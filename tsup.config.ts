import { defineConfig } from 'tsup'

const shared = {
  format: ['esm', 'cjs'] as ('esm' | 'cjs')[],
  target: 'es2022',
  sourcemap: true,
  // `midstream` itself: the testing kit loads the root entry (one scheduler class for both)
  external: ['rxjs', 'fast-check', 'midstream'],
}

export default defineConfig([
  {
    ...shared,
    entry: {
      index: 'index.ts',
      scheduler: 'src/scheduler/index.ts',
      sources: 'sources/index.ts',
      'sources.browser': 'sources/browser.ts',
      sinks: 'sinks/index.ts',
      terminal: 'sinks/terminal.ts',
      // what `require('midstream/terminal')` resolves to: an error saying to use import() (the
      // entry is ESM-only); its ESM twin and the CommonJS build of `terminal` are never exported
      'terminal.require': 'sinks/terminal.require.ts',
      testing: 'testing/index.ts',
    },
    dts: true,
    clean: true,
    platform: 'neutral',
  },
  {
    // The command is a separate bundle that loads the library through the package's own
    // exports map, so the built `midstream` command exercises the same files users import.
    entry: { cli: 'cli/midstream.ts' },
    format: ['esm'],
    target: 'es2022',
    platform: 'node',
    external: [
      'midstream',
      'midstream/scheduler',
      'midstream/sources',
      'midstream/sinks',
      'midstream/terminal',
      'midstream/testing',
      'rxjs',
    ],
    banner: { js: '#!/usr/bin/env node' },
  },
])
