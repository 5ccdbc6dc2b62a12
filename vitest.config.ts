import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  resolve: {
    alias: [
      { find: /^midstream\/scheduler$/, replacement: here('./src/scheduler/index.ts') },
      { find: /^midstream\/sources$/, replacement: here('./sources/index.ts') },
      { find: /^midstream\/sinks$/, replacement: here('./sinks/index.ts') },
      { find: /^midstream\/terminal$/, replacement: here('./sinks/terminal.ts') },
      { find: /^midstream\/testing$/, replacement: here('./testing/index.ts') },
      { find: /^midstream\/redis$/, replacement: here('./redis/index.ts') },
      { find: /^midstream\/offload$/, replacement: here('./offload/index.ts') },
      { find: /^midstream\/plot$/, replacement: here('./plot/index.ts') },
      { find: /^midstream\/media$/, replacement: here('./media/index.ts') },
      { find: /^midstream$/, replacement: here('./index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // ink renders only its last frame when it believes it runs in CI (is-in-ci reads CI and
    // CONTINUOUS_INTEGRATION): the dashboard tests, and the processes they start, need live frames
    env: { CI: '0', CONTINUOUS_INTEGRATION: '0' },
    testTimeout: 30_000,
    pool: 'forks',
  },
})
