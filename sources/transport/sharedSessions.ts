import type { ClientSession, ConnectOptions } from './client'

/**
 * Whether a source or sink that dials a URL shares one session with the others that dial the same URL
 * with the same options (`'shared'`, the default: one connection, many streams, as HTTP/2 and QUIC
 * are meant to be used), or opens its own (`'own'`).
 */
export type SessionMode = 'shared' | 'own'

/** Which way a lease uses a channel: a sink sends on it, a source receives it. */
export type ChannelUse = 'send' | 'receive'

/** A session lent to one source or sink; `release` once, when it unsubscribes. */
export interface SessionLease {
  readonly session: ClientSession
  release(): void
}

interface SharedEntry {
  readonly key: string
  readonly session: ClientSession
  readonly sending: Set<string>
  readonly receiving: Set<string>
  leases: number
}

// Options that describe a channel rather than the connection: sources and sinks that differ only in these share.
const CHANNEL_OPTIONS = new Set(['channel', 'codec', 'priority', 'reliability', 'session'])
const shared = new Map<string, SharedEntry[]>()
const functionIds = new WeakMap<object, number>()
let nextFunctionId = 0

/**
 * Lends a session to `url` for one channel. Shared sessions are counted: the last lease released
 * closes the session. A shared session is reused only where the channel is free in that direction
 * (two senders on one channel name of one session would interleave, and a second receiver would join
 * mid-stream), so a second source of the same channel gets a session of its own, as before.
 */
export function leaseSession(
  url: string,
  options: ConnectOptions & { session?: SessionMode },
  channel: string,
  use: ChannelUse,
  open: (url: string, options: ConnectOptions) => ClientSession,
): SessionLease {
  const connection = Object.fromEntries(
    Object.entries(options).filter(([name]) => !CHANNEL_OPTIONS.has(name)),
  ) as ConnectOptions
  if (options.session === 'own') {
    const session = open(url, connection)
    return { session, release: () => session.close() }
  }
  const key = `${url} ${JSON.stringify(canonical(connection))}`
  const entries = shared.get(key) ?? []
  let entry = entries.find(e => !e.session.closed && !(use === 'send' ? e.sending : e.receiving).has(channel))
  if (entry === undefined) {
    entry = { key, session: open(url, connection), sending: new Set(), receiving: new Set(), leases: 0 }
    entries.push(entry)
    shared.set(key, entries)
    const created = entry
    // a session that failed or closed (refused, lost after its retries) is not lent again
    created.session.onClosed = () => forget(created)
    created.session.ready.catch(() => forget(created))
  }
  const names = use === 'send' ? entry.sending : entry.receiving
  names.add(channel)
  entry.leases++
  const held = entry
  let released = false
  return {
    session: held.session,
    release: () => {
      if (released) return
      released = true
      names.delete(channel)
      if (--held.leases === 0) {
        forget(held)
        held.session.close()
      }
    },
  }
}

/** Shared sessions open now (for tests and diagnostics). */
export function sharedSessionCount(): number {
  let count = 0
  for (const entries of shared.values()) count += entries.length
  return count
}

function forget(entry: SharedEntry): void {
  const entries = shared.get(entry.key)
  if (entries === undefined) return
  const index = entries.indexOf(entry)
  if (index >= 0) entries.splice(index, 1)
  if (entries.length === 0) shared.delete(entry.key)
}

// The same URL and connection options give the same key: keys sorted, bytes as hex, functions by identity.
function canonical(value: unknown): unknown {
  if (typeof value === 'function') {
    let id = functionIds.get(value)
    if (id === undefined) functionIds.set(value, (id = nextFunctionId++))
    return `function#${id}`
  }
  if (value instanceof ArrayBuffer) return `bytes:${hexOf(new Uint8Array(value))}`
  if (ArrayBuffer.isView(value))
    return `bytes:${hexOf(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))}`
  if (Array.isArray(value)) return value.map(canonical)
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map(name => [name, canonical((value as Record<string, unknown>)[name])]),
    )
  return value
}

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('')
}
