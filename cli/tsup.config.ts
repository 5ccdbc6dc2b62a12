import { defineConfig } from 'tsup'

// The `midstream` command: one bundle that loads the library through its package exports
// (`midstream`, `midstream/sinks`, ...), so the built command exercises the files users import.
// Its dependencies (package.json) stay imports.
export default defineConfig({
  entry: { midstream: 'midstream.ts' },
  format: ['esm'],
  target: 'es2022',
  platform: 'node',
  clean: true,
  external: [/^midstream(\/.*)?$/, 'rxjs'],
  banner: { js: '#!/usr/bin/env node' },
})
