import { type Observable, Subject } from 'rxjs'
import { type Link, TransportError } from '../../src/transport/link'
import { TRANSPORT_LIMIT_NAMES } from '../../src/transport/options'
import { type ResolvedLimits, resolveLimits, type TransportLimits, TransportSession } from '../../src/transport/session'
import { checkFunction, checkInteger, checkMilliseconds, checkOptions } from '../../src/validate'
import { randomHex, SESSION_PARAMETER } from './client'

/** What `authenticate` sees: the request URL (with its query), the headers and the peer's address. */
export interface TransportRequest {
  /** The path and query the client asked for, such as a `token` from `auth.token` (the origin is the server's own `host`, not the client's Host header). */
  readonly url: URL
  /**
   * The request's headers, names in lower case; a repeated header's values joined with `', '`
   * (WebSocket). Over WebTransport they are the HTTP/2 or HTTP/3 headers, pseudo-headers such as
   * `:path` included.
   */
  readonly headers: Readonly<Record<string, string | undefined>>
  /** The client's IP address on a WebSocket server; always `undefined` on a `quicServer` (its package does not report it). */
  readonly remoteAddress: string | undefined
}

/**
 * Runs before any data is accepted. Return anything but `false`, `null` or `undefined` to accept
 * (it becomes `session.principal`); return one of those or throw to refuse: the connection is
 * answered with HTTP 401 and no data of it reaches a pipeline.
 */
export type Authenticate = (request: TransportRequest) => unknown

/** A server's limits: the per-session `TransportLimits` plus how many sessions and how long to wait for a resume. */
export interface ServerLimits extends TransportLimits {
  /** Sessions open at once, connected or waiting to resume (default 1000); above it a connection gets HTTP 503. */
  maxSessions?: number
  /** How long a session whose connection dropped waits for its client to resume (default 15 000 ms). */
  resumeWindowMs?: number
}

/** What a server counts: sessions refused and open, lanes refused, resumes. */
export interface ServerStats {
  /** Connections refused before any data: 'unauthorized' (401) and 'full' (503). */
  readonly refusedSessions: {
    /** Refused by `authenticate` (it returned false, null or undefined, or threw), answered 401. */
    unauthorized: number
    /** Refused because the server held `limits.maxSessions` sessions, answered 503 (a resuming session is never refused for this). */
    full: number
  }
  /** Lanes reset across all sessions, by reason code ('too-large', 'malformed', 'unknown-channel', 'rate-limited', ...). */
  readonly refused: Record<string, number>
  /** Sessions open now. */
  sessions: number
  /** Reconnections that resumed a session. */
  resumes: number
}

/** Sessions a server holds at once by default. */
export const DEFAULT_MAX_SESSIONS = 1000
/** How long a server keeps a dropped session for its client to resume, by default. */
export const DEFAULT_RESUME_WINDOW_MS = 15_000

/** HTTP statuses of a refused connection. */
export const REFUSED_UNAUTHORIZED = 401
/** HTTP status of a connection refused because the server holds `maxSessions`. */
export const REFUSED_FULL = 503

/**
 * The server half shared by the WebTransport and WebSocket servers: authentication, the session
 * registry (resume by id, for the same principal only), limits, and the counters.
 */
export class SessionHub {
  readonly limits: ResolvedLimits
  readonly maxSessions: number
  readonly resumeWindowMs: number
  readonly stats: ServerStats = { refusedSessions: { unauthorized: 0, full: 0 }, refused: {}, sessions: 0, resumes: 0 }
  private readonly live = new Map<
    string,
    { session: TransportSession; principalKey: string; timer: ReturnType<typeof setTimeout> | null }
  >()
  private readonly emitter = new Subject<TransportSession>()
  readonly sessions: Observable<TransportSession> = this.emitter.asObservable()
  private stopped = false

  /** `fn` is the public name the options were handed to (`quicServer` or `wsServer`), for error messages. */
  constructor(
    limits: ServerLimits = {},
    private readonly authenticate: Authenticate | undefined,
    fn = 'SessionHub',
  ) {
    checkOptions(fn, limits, [...TRANSPORT_LIMIT_NAMES, 'maxSessions', 'resumeWindowMs'])
    const { maxSessions = DEFAULT_MAX_SESSIONS, resumeWindowMs = DEFAULT_RESUME_WINDOW_MS, ...rest } = limits
    checkInteger(fn, 'limits.maxSessions', maxSessions, { min: 1 })
    checkMilliseconds(fn, 'limits.resumeWindowMs', resumeWindowMs)
    checkFunction(fn, 'authenticate', authenticate)
    this.limits = resolveLimits(rest, fn)
    this.maxSessions = maxSessions
    this.resumeWindowMs = resumeWindowMs
  }

  /** Decides on a connection request: the principal to attach with, or the HTTP status to refuse with. */
  async admit(request: TransportRequest): Promise<{ status: 200; principal: unknown } | { status: number }> {
    if (this.stopped) return { status: REFUSED_FULL }
    let principal: unknown = true
    if (this.authenticate !== undefined) {
      try {
        principal = await this.authenticate(request)
      } catch {
        principal = null
      }
    }
    if (principal === false || principal === null || principal === undefined) {
      this.stats.refusedSessions.unauthorized++
      return { status: REFUSED_UNAUTHORIZED }
    }
    const id = request.url.searchParams.get(SESSION_PARAMETER)
    if (!(id !== null && this.live.has(id)) && this.live.size >= this.maxSessions) {
      this.stats.refusedSessions.full++
      return { status: REFUSED_FULL }
    }
    return { status: 200, principal }
  }

  /** A connection that `admit` accepted: resume its session or start one (emitted on `sessions`). */
  attach(link: Link, url: URL, principal: unknown): void {
    if (this.stopped) return link.close('server closed')
    const requested = url.searchParams.get(SESSION_PARAMETER)
    const id = requested !== null && /^[0-9a-f]{16,64}$/.test(requested) ? requested : randomHex(16)
    const principalKey = keyOf(principal)
    const existing = this.live.get(id)
    if (existing !== undefined && existing.principalKey === principalKey && !existing.session.closed) {
      if (existing.timer !== null) clearTimeout(existing.timer)
      existing.timer = null
      this.stats.resumes++
      this.watch(existing.session, link)
      existing.session.attach(link)
      return
    }
    if (existing !== undefined) return link.close('session id in use')
    const session = new TransportSession(id, 'server', this.limits, undefined, principal)
    session.onRefused = code => {
      this.stats.refused[code] = (this.stats.refused[code] ?? 0) + 1
    }
    const entry = { session, principalKey, timer: null as ReturnType<typeof setTimeout> | null }
    this.live.set(id, entry)
    this.stats.sessions = this.live.size
    session.onClosed = () => {
      if (entry.timer !== null) clearTimeout(entry.timer)
      if (this.live.get(id) === entry) this.live.delete(id)
      this.stats.sessions = this.live.size
    }
    this.watch(session, link)
    this.emitter.next(session)
    session.attach(link)
  }

  /** Closes every session and completes `sessions`. */
  close(): void {
    this.stopped = true
    for (const { session } of [...this.live.values()]) session.close()
    this.live.clear()
    this.stats.sessions = 0
    this.emitter.complete()
  }

  // A goodbye ends the session; a lost connection leaves resumeWindowMs to come back.
  private watch(session: TransportSession, link: Link): void {
    session.onDetached = (reason, detached) => {
      if (detached !== link) return
      if (reason === 'bye') return session.close()
      const entry = this.live.get(session.id)
      if (entry === undefined) return
      entry.timer = setTimeout(
        () => session.fail(new TransportError('closed', `the client did not resume within ${this.resumeWindowMs} ms`)),
        this.resumeWindowMs,
      )
    }
  }
}

function keyOf(principal: unknown): string {
  try {
    return JSON.stringify(principal) ?? String(principal)
  } catch {
    return String(principal)
  }
}

/** Node's request headers as `TransportRequest.headers` (lists joined with ', '). */
export function headersOf(raw: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {}
  for (const [key, value] of Object.entries(raw))
    out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  return out
}
