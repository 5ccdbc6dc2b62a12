// The transport soak: many clients on both transports open and close sessions and channels while a
// relay cuts their connections at points fast-check picks; every message a client saw acknowledged
// must have arrived exactly once, in order. Shared by the quick test (test/sources/transportSoak.test.ts,
// in a child process that must exit by itself) and the long run (bench/transportSoak.ts).
import fc from 'fast-check'
import { range } from 'rxjs'
import {
  type ClientSession,
  connect,
  createDevCertificate,
  quicServer,
  type TransportServer,
  wsServer,
} from '../../sources/index'
import { tcpProxy } from './tcpProxy'

/** Longest extension of a run in which nothing was acknowledged by its deadline. */
const LATE_GRACE_MS = 30_000

export interface SoakOptions {
  /** How long clients keep starting rounds (ms); rounds in flight then finish. */
  readonly durationMs: number
  /** Clients per transport. */
  readonly clients: number
  /** fast-check seed for the cut times and the clients' plans. */
  readonly seed: number
}

export interface SoakSummary {
  readonly transports: Record<string, TransportSummary>
  /** Acknowledged messages that did not arrive exactly once, in order (must be 0). */
  readonly violations: number
  readonly firstViolation?: string
}

interface TransportSummary {
  rounds: number
  acknowledged: number
  abandoned: number
  /** Rounds that ended in a TransportError (a cut during a first handshake, resume given up): allowed. */
  failedRounds: number
  sessions: number
  cuts: number
  serverResumes: number
}

/** One client's round: a fresh session or not, how many messages, and whether it gives up midway. */
interface RoundPlan {
  readonly newSession: boolean
  readonly messages: number
  readonly abandonAfterMs: number | null
}

const roundPlan = fc.record({
  newSession: fc.boolean(),
  messages: fc.integer({ min: 1, max: 400 }),
  // one round in four is given up midway
  abandonAfterMs: fc.oneof(
    { arbitrary: fc.constant(null), weight: 3 },
    { arbitrary: fc.integer({ min: 0, max: 50 }), weight: 1 },
  ),
})
/** Rounds each client's plan holds (more than a quick run uses). */
const PLAN_ROUNDS = 400

/** Runs the soak; resolves once every server, relay and session is closed. */
export async function runSoak(options: SoakOptions): Promise<SoakSummary> {
  const { cert, key, hash } = await createDevCertificate()
  const cutDelays = fc.sample(fc.integer({ min: 5, max: 400 }), { seed: options.seed, numRuns: 10_000 })
  const plans = fc.sample(fc.array(roundPlan, { minLength: PLAN_ROUNDS, maxLength: PLAN_ROUNDS }), {
    seed: options.seed + 1,
    numRuns: 2 * options.clients,
  })
  const violations: string[] = []
  const transports: Record<string, TransportSummary> = {}
  let planIndex = 0
  for (const [name, makeServer, scheme] of [
    ['websocket', wsServer, 'wss'],
    ['webtransport-http2', quicServer, 'https'],
  ] as const) {
    const summary: TransportSummary = {
      rounds: 0,
      acknowledged: 0,
      abandoned: 0,
      failedRounds: 0,
      sessions: 0,
      cuts: 0,
      serverResumes: 0,
    }
    transports[name] = summary
    const server = await makeServer({
      cert,
      key,
      authenticate: ({ url }) => url.searchParams.get('token'),
      limits: { maxStreamsPerSession: 4 * PLAN_ROUNDS },
    })
    const received = recordServer(server)
    const proxy = await tcpProxy(server.address.port)
    const url = `${scheme}://127.0.0.1:${proxy.port}/midstream`
    const deadline = performance.now() + options.durationMs
    let cutIndex = 0
    let cutting = true
    const cutter = (async () => {
      while (cutting) {
        await new Promise(resolve => setTimeout(resolve, cutDelays[cutIndex++ % cutDelays.length]))
        if (cutting && proxy.cut() > 0) summary.cuts++
      }
    })()
    const clients = Array.from({ length: options.clients }, (_, c) =>
      runClient(
        `${name}-${c}`,
        url,
        { certificateHashes: [hash], ca: cert },
        plans[planIndex++] as RoundPlan[],
        deadline,
        summary,
        received,
        violations,
      ),
    )
    await Promise.all(clients)
    cutting = false
    await cutter
    summary.serverResumes = server.stats.resumes
    await proxy.close()
    await server.close()
  }
  return {
    transports,
    violations: violations.length,
    ...(violations.length > 0 ? { firstViolation: violations[0] } : {}),
  }
}

// What the server received: by client (its token) and channel, in arrival order.
function recordServer(server: TransportServer): Map<string, number[]> {
  const received = new Map<string, number[]>()
  server.sessions.subscribe(session => {
    for (let round = 0; round < PLAN_ROUNDS; round++) {
      const key = `${String(session.principal)}/r${round}`
      session.channel<number>(`r${round}`).subscribe({
        next: value => {
          const list = received.get(key) ?? []
          list.push(value)
          received.set(key, list)
        },
        error: () => undefined,
      })
    }
  })
  return received
}

async function runClient(
  client: string,
  url: string,
  connection: { certificateHashes: Uint8Array[]; ca: string },
  plan: readonly RoundPlan[],
  deadline: number,
  summary: TransportSummary,
  received: Map<string, number[]>,
  violations: string[],
): Promise<void> {
  let session: ClientSession | null = null
  const open = (): ClientSession => {
    summary.sessions++
    return connect(url, {
      ...connection,
      auth: { token: client },
      reconnect: { retries: 50, backoff: { initialMs: 2, maxMs: 50 } },
    })
  }
  // a machine loaded enough that nothing was acknowledged by the deadline (handshakes queued behind
  // other work) gets up to LATE_GRACE_MS more, so the run still exercises the transport
  const running = () =>
    performance.now() < deadline || (summary.acknowledged === 0 && performance.now() < deadline + LATE_GRACE_MS)
  for (let round = 0; round < plan.length && running(); round++) {
    const { newSession, messages, abandonAfterMs } = plan[round] as RoundPlan
    if (session === null || session.closed || newSession) {
      session?.close()
      session = open()
    }
    summary.rounds++
    let acknowledged = 0
    let abandon: ReturnType<typeof setTimeout> | undefined
    const outcome = await new Promise<'complete' | 'abandoned' | 'failed'>(resolve => {
      const subscription = (session as ClientSession).send(`r${round}`, range(0, messages)).subscribe({
        next: progress => void (acknowledged = progress.acknowledged),
        complete: () => resolve('complete'),
        error: () => resolve('failed'),
      })
      if (abandonAfterMs !== null)
        abandon = setTimeout(() => {
          subscription.unsubscribe()
          resolve('abandoned')
        }, abandonAfterMs)
    })
    clearTimeout(abandon)
    if (outcome === 'failed') summary.failedRounds++
    if (outcome === 'abandoned') summary.abandoned++
    summary.acknowledged += acknowledged
    // the server must hold exactly 0..n-1 with n >= acknowledged (all of them when complete), each once
    const got = received.get(`${client}/r${round}`) ?? []
    const expectedAtLeast = outcome === 'complete' ? messages : acknowledged
    const inOrder = got.every((value, i) => value === i)
    if (!inOrder || got.length < expectedAtLeast || got.length > messages)
      violations.push(
        `${client} round ${round} (${outcome}): ${acknowledged} acknowledged of ${messages}, server holds ${got.length}${inOrder ? '' : ' out of order or repeated'}`,
      )
  }
  session?.close()
}
