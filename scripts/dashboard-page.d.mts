import type { Plugin as EsbuildPlugin } from 'esbuild'
import type { Plugin as VitePlugin } from 'vite'

/** The browser bundle of `entry` (an absolute path), minified, as text. */
export function bundlePage(entry: string): Promise<string>
/** esbuild (tsup) plugin: `import page from './x.ts?bundle'`. */
export const pageBundleEsbuild: EsbuildPlugin
/** vite (vitest) plugin doing the same. */
export function pageBundleVite(): VitePlugin
