// Headless Debian chromium through playwright-core, as the dashboard tests and benchmarks drive it.
import { existsSync } from 'node:fs'
import { build } from 'esbuild'
import { type Browser, chromium } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)

/** A headless chromium with no network chatter of its own (no sandbox: tests run as root in CI), with `extraArgs` after the usual flags. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  })
}

/**
 * Bundles a test page's script as a user's bundler would (ESM for the browser, dependencies bundled),
 * from the repository root `root`, not with the repository's tsconfig.json (its `paths` would map the
 * `midstream` entries to the TypeScript sources instead of the built package); returns the script and
 * the files it was made from.
 */
export async function bundlePage(entry: string, root: string): Promise<{ script: string; inputs: string[] }> {
  const bundle = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    tsconfigRaw: {},
  })
  return { script: bundle.outputFiles[0].text, inputs: Object.keys(bundle.metafile.inputs) }
}
