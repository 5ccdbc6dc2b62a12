/**
 * What an entry point says when an optional peer dependency it needs is not installed. The
 * integrations (ws, eventsource-parser, prom-client, ink, ...) are optional peers of midstream, as
 * database drivers are of an ORM: a project installs those it uses. This module imports nothing
 * from Node, so ESM-only entries and shared code can use it.
 */

/** `error.code` of a `MissingPeerError`, for callers that catch a failed `import()` of an entry. */
export const MISSING_PEER = 'ERR_MIDSTREAM_MISSING_PEER'

/**
 * Thrown while an entry point loads when peers it needs are missing, e.g.
 * `midstream/sinks needs the optional peer dependency "prom-client": npm install prom-client`.
 */
export class MissingPeerError extends Error {
  override readonly name = 'MissingPeerError'
  /** Always `MISSING_PEER`. */
  readonly code = MISSING_PEER
  constructor(
    /** The entry point that needs them, e.g. `midstream/sinks`. */
    readonly entry: string,
    /** The packages to install. */
    readonly peers: readonly string[],
    options?: { cause?: unknown },
  ) {
    const quoted = peers.map(peer => `"${peer}"`)
    const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`
    const noun = peers.length === 1 ? 'dependency' : 'dependencies'
    super(`${entry} needs the optional peer ${noun} ${list}: npm install ${peers.join(' ')}`, options)
  }
}

// Node's words for a package that cannot be resolved: require gives "Cannot find module 'x'",
// import gives "Cannot find package 'x' imported from ...". The name may be followed by a subpath.
const NOT_FOUND = /Cannot find (?:module|package) '((?:@[^/']+\/)?[^/']+)/

/** The package an error says cannot be found, if it is a resolution error at all. */
export function unresolvedPackage(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return undefined
  return NOT_FOUND.exec(String((error as Error).message))?.[1]
}

/**
 * Settles the loads of an entry's peers: their modules in order, or one `MissingPeerError` naming
 * every missing peer. An error that is not a missing peer (a broken install, a failing module) is
 * thrown as it is.
 */
export function collectPeers<T extends readonly unknown[]>(
  entry: string,
  names: readonly string[],
  results: readonly PromiseSettledResult<unknown>[],
): T {
  const missing = new Set<string>()
  let cause: unknown
  for (const result of results) {
    if (result.status === 'fulfilled') continue
    const name = unresolvedPackage(result.reason)
    if (name === undefined || !names.includes(name)) throw result.reason
    missing.add(name)
    cause ??= result.reason
  }
  if (missing.size > 0)
    throw new MissingPeerError(
      entry,
      names.filter(name => missing.has(name)),
      { cause },
    )
  return results.map(result => (result as PromiseFulfilledResult<unknown>).value) as unknown as T
}

/**
 * Loads the peers of an ESM-only entry with `import()` (for packages such as ink that `require`
 * cannot load), all at once: one error names every missing one. The loaders are `() => import('x')`
 * with a literal name, so bundlers still see the dependency.
 *
 * ```ts
 * const [ink, react] = await importPeers<[typeof import('ink'), typeof import('react')]>(
 *   'midstream/terminal', ['ink', 'react'], [() => import('ink'), () => import('react')])
 * ```
 */
export async function importPeers<T extends readonly unknown[]>(
  entry: string,
  names: readonly string[],
  loaders: readonly (() => Promise<unknown>)[],
): Promise<T> {
  const results = await Promise.allSettled(loaders.map(load => load()))
  return collectPeers<T>(entry, names, results)
}
