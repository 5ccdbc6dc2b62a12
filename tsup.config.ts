import { defineConfig } from 'tsup'

const shared = {
  format: ['esm', 'cjs'] as ('esm' | 'cjs')[],
  target: 'es2022',
  sourcemap: true,
  external: ['rxjs', 'fast-check'],
}

export default defineConfig([
  {
    ...shared,
    entry: {
      index: 'index.ts',
      sources: 'sources/index.ts',
      'sources.browser': 'sources/browser.ts',
      sinks: 'sinks/index.ts',
      terminal: 'sinks/terminal.ts',
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
    external: ['midstream', 'midstream/sources', 'midstream/sinks', 'midstream/terminal', 'midstream/testing', 'rxjs'],
    banner: { js: '#!/usr/bin/env node' },
  },
])
