/**
 * The Node loader of optional peer dependencies for the entries that CommonJS can load too
 * (`midstream/sources`, `midstream/sinks`). A static `import` of a missing package fails while ESM
 * links the module graph, before any of our code runs, with Node's bare resolution error; loading
 * the peer with `require` when the entry's module runs lets us name what to install instead.
 */
import { createRequire } from 'node:module'
import { collectPeers } from './missing'

// Resolves from the built file (node_modules/midstream/dist/...), so from the application's
// node_modules. In the CommonJS build tsup's shim supplies import.meta.url.
const requireFromHere = createRequire(import.meta.url)

/**
 * Loads an entry's peers with `require`, in order; throws one `MissingPeerError` naming every
 * missing one, e.g. `midstream/sinks needs the optional peer dependency "prom-client": npm install prom-client`.
 */
export function requirePeers<T extends readonly unknown[]>(entry: string, names: readonly string[]): T {
  const results = names.map((name): PromiseSettledResult<unknown> => {
    try {
      return { status: 'fulfilled', value: requireFromHere(name) }
    } catch (reason) {
      return { status: 'rejected', reason }
    }
  })
  return collectPeers<T>(entry, names, results)
}
