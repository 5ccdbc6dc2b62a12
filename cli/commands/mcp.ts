/**
 * `midstream mcp`: the library's kernels as Model Context Protocol tools, over stdio (default) or
 * Streamable HTTP on 127.0.0.1 (`--http <port>`).
 *
 * Tools: `compare_sequences` (DTW, LCS, edit distance), `find_matches` (exact subsequence DTW
 * search), `analyze_dynamics` (regime, Lyapunov exponent, 0-1 test), `check_ltl` (an LTL verdict on
 * a finished trace, with the violating event) and `detect_drift` (ADWIN, Page-Hinkley, KSWIN).
 * Every tool validates its arguments with a zod schema and checks its work bound before computing,
 * so a bad or oversized call comes back as a tool error (`isError: true`) naming the problem and
 * the server keeps answering. Computations run on the server's event loop: the caps below keep
 * the longest call to seconds.
 *
 * The library is imported through the package's own exports (`midstream`), as a user would.
 */

import { realpathSync } from 'node:fs'
import { createServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import {
  ADWIN,
  classifyDynamics,
  createMonitor,
  dtw,
  dtwPath,
  editDistance,
  type Formula,
  findMatches,
  KSWIN,
  lcsLength,
  PageHinkley,
  parseLtl,
  walkFormula,
} from 'midstream'
import { z } from 'zod'
import pkg from '../package.json' with { type: 'json' }

/** Longest numeric series, string or trace a tool accepts. */
export const MAX_LENGTH = 1_000_000
/** DTW matrix cells (n times the band width) one `compare_sequences` call may fill. */
export const MAX_DTW_CELLS = 100_000_000
/** Cells of the stored matrix when a warping path is asked for (8 bytes each). */
export const MAX_DTW_PATH_CELLS = 10_000_000
/** n * m for the bit-parallel LCS and edit distance (about n * m / 32 word operations). */
export const MAX_SEQUENCE_CELLS = 10_000_000_000
/** Worst-case DTW cells of a subsequence search: windows * query length * band width. */
export const MAX_SEARCH_CELLS = 5_000_000_000
/** Longest series `analyze_dynamics` embeds (k-d tree neighbour search, O(n log n)). */
export const MAX_DYNAMICS_LENGTH = 100_000
/** Shortest series `analyze_dynamics` judges (classifyDynamics' default). */
export const MIN_DYNAMICS_LENGTH = 200
/** Series length times window size for KSWIN (O(windowSize) per update). */
export const MAX_KSWIN_WORK = 1_000_000_000
/** Largest request the transports read: a million numbers in JSON with room to spare. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024

const numbers = (what: string) =>
  z
    .array(
      z.number({
        error: issue =>
          issue.input === null
            ? `${what} holds null (NaN and Infinity are not JSON numbers; send finite numbers)`
            : `${what} must hold finite numbers`,
      }),
    )
    .max(MAX_LENGTH, { error: `${what} may hold at most ${MAX_LENGTH} numbers` })
/** Why a value is not a sequence, pointing at the first bad element (a union's own issue would hide it). */
function sequenceProblem(what: string, input: unknown): string {
  if (typeof input === 'string') return `${what} may hold at most ${MAX_LENGTH} characters`
  if (Array.isArray(input)) {
    if (input.length > MAX_LENGTH) return `${what} may hold at most ${MAX_LENGTH} numbers, got ${input.length}`
    const i = input.findIndex(v => typeof v !== 'number' || !Number.isFinite(v))
    if (i >= 0) {
      const v: unknown = input[i]
      const hint =
        v === null || typeof v === 'number' ? ' (NaN and Infinity are not JSON numbers and arrive as null)' : ''
      return `${what}[${i}] is ${typeof v === 'number' ? String(v) : JSON.stringify(v)}: ${what} must hold finite numbers${hint}`
    }
  }
  return `${what} must be an array of finite numbers or a string`
}
const sequence = (what: string) =>
  z.union([numbers(what), z.string().max(MAX_LENGTH)], { error: issue => sequenceProblem(what, issue.input) })

const compareInput = z.object({
  a: sequence('a').describe('First sequence: numbers, or a string (compared character by character)'),
  b: sequence('b').describe('Second sequence, of the same kind as a'),
  algorithm: z
    .enum(['dtw', 'lcs', 'edit'])
    .describe(
      "'dtw': dynamic time warping distance; 'lcs': longest common subsequence length (and indel distance); 'edit': Levenshtein distance",
    ),
  window: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('DTW only: Sakoe-Chiba band half-width in samples (widened to |n - m| so a path exists)'),
  path: z.boolean().optional().describe('DTW only: also return one optimal warping path as [i, j] pairs'),
  cost: z
    .enum(['squared', 'absolute'])
    .optional()
    .describe(
      "DTW only, numbers: per-pair cost (default 'squared', the UCR convention: no square root). Strings use a 0/1 cost",
    ),
})
const compareOutput = z.object({
  algorithm: z.enum(['dtw', 'lcs', 'edit']),
  distance: z
    .number()
    .describe('dtw: accumulated cost; lcs: indel distance |a| + |b| - 2 length; edit: Levenshtein distance'),
  length: z.number().int().optional().describe('lcs only: length of a longest common subsequence'),
  path: z
    .array(z.tuple([z.number().int(), z.number().int()]))
    .optional()
    .describe('dtw with path: true: pairs [i, j] from [0, 0] to [n - 1, m - 1]'),
})

const matchesInput = z.object({
  series: numbers('series').min(1, { error: 'series is empty' }).describe('The series to search'),
  query: numbers('query').min(1, { error: 'query is empty' }).describe('The pattern to look for'),
  threshold: z
    .number()
    .min(0)
    .optional()
    .describe(
      'Return every non-overlapping match with DTW distance <= threshold (default: only the best, or the k best)',
    ),
  window: z.number().int().min(0).optional().describe('Sakoe-Chiba band half-width in samples (default: none)'),
  k: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .describe('At most this many matches, best first (default 1 without threshold)'),
  normalize: z.boolean().optional().describe('Compare shapes: z-normalise the query and every window (default false)'),
})
const matchSchema = z.object({ start: z.number().int(), end: z.number().int(), distance: z.number() })
const matchesOutput = z.object({
  matches: z
    .array(matchSchema)
    .describe(
      'Sorted by distance, then start; end is inclusive; a match excludes others starting within half the query length',
    ),
})

const dynamicsInput = z.object({
  series: numbers('series').describe(`At least ${MIN_DYNAMICS_LENGTH} samples of one variable, evenly spaced`),
  dt: z
    .number()
    .positive()
    .optional()
    .describe('Sampling interval, so the Lyapunov exponent is per unit time (default 1)'),
})
const nullableNumber = z.number().nullable()
const dynamicsOutput = z.object({
  regime: z.enum(['fixed-point', 'limit-cycle', 'chaotic', 'noise', 'unknown']),
  lyapunov: nullableNumber.describe(
    'Largest Lyapunov exponent (Rosenstein) per unit time; null where the verdict did not need it',
  ),
  k01: nullableNumber.describe('0-1 test for chaos, K in [0, 1]; null where not computed'),
  permutationEntropy: nullableNumber.describe('Normalised permutation entropy of order 4'),
  delay: nullableNumber.describe('Embedding delay in samples; null where nothing was embedded'),
  dimension: nullableNumber.describe('Embedding dimension; null where nothing was embedded'),
  stable: z.boolean(),
  confidence: z.number().describe('In [0, 1]'),
  reason: z.string(),
})

const ltlInput = z.object({
  formula: z
    .string()
    .max(10_000)
    .describe("LTL with past and metric operators, e.g. 'G !err', 'G (req -> F ack)', 'G (spike -> F[0,500ms] ack)'"),
  trace: z
    .array(z.record(z.string(), z.unknown()), { error: 'trace must be an array of objects (events)' })
    .max(MAX_LENGTH, { error: `trace may hold at most ${MAX_LENGTH} events` })
    .describe('Events in order; an atom holds on an event when the event has that key set to true (missing: false)'),
  atoms: z
    .array(z.string())
    .max(30)
    .optional()
    .describe('The atoms the formula may use; an atom outside the list is an error (catches typos). Default: any'),
  timestamps: numbers('timestamps')
    .optional()
    .describe('Event times in ms, one per event, non-decreasing; needed for time-bounded operators'),
  finished: z
    .boolean()
    .optional()
    .describe(
      'Judge the trace as complete (LTLf, default true) or as the prefix of a longer run (LTL3: the verdict may be unknown)',
    ),
})
const ltlOutput = z.object({
  verdict: z.enum(['true', 'false', 'unknown']),
  violation: z
    .object({
      index: z
        .number()
        .int()
        .describe('Index of the event that decided the violation; the trace length when it failed at the end'),
      event: z.unknown().optional().describe('That event (absent when it failed at the end)'),
      atEnd: z.boolean().describe('True when the trace ended without the formula being satisfied'),
    })
    .optional(),
  events: z.number().int(),
})

const DRIFT_KEYS = {
  adwin: ['delta', 'clock', 'maxBuckets', 'minWindowLength', 'gracePeriod'],
  'page-hinkley': ['minInstances', 'delta', 'threshold', 'alpha', 'mode'],
  kswin: ['alpha', 'windowSize', 'statSize', 'seed'],
} as const
const driftInput = z.object({
  series: numbers('series').describe('Values in arrival order'),
  detector: z.enum(['adwin', 'page-hinkley', 'kswin']),
  options: z
    .object({
      delta: z.number().optional(),
      clock: z.number().optional(),
      maxBuckets: z.number().optional(),
      minWindowLength: z.number().optional(),
      gracePeriod: z.number().optional(),
      minInstances: z.number().optional(),
      threshold: z.number().optional(),
      alpha: z.number().optional(),
      mode: z.enum(['both', 'up', 'down']).optional(),
      windowSize: z.number().optional(),
      statSize: z.number().optional(),
      seed: z.number().optional(),
    })
    .strict()
    .optional()
    .describe(
      'Detector options (River defaults when omitted). adwin: delta, clock, maxBuckets, minWindowLength, gracePeriod; page-hinkley: minInstances, delta, threshold, alpha, mode; kswin: alpha, windowSize, statSize, seed',
    ),
})
const driftOutput = z.object({
  detections: z
    .array(z.number().int())
    .describe('Indices of the values at which the detector flagged a change (it restarts after each)'),
  count: z.number().int(),
})

/** A tool's input refused before any work: the message goes back as the tool error. */
class ToolInputError extends Error {
  override readonly name = 'ToolInputError'
}

function reply<T extends Record<string, unknown>>(
  structured: T,
): { content: Array<{ type: 'text'; text: string }>; structuredContent: T } {
  return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured }
}

/** NaN (a figure the library did not compute) as null, since JSON has no NaN. */
const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null)

/** Runs a tool body; any error becomes a tool error with the message (the SDK does the same, this adds the tool's name). */
function guarded<A, R>(
  tool: string,
  body: (args: A) => R,
): (args: A) => R | { content: Array<{ type: 'text'; text: string }>; isError: true } {
  return args => {
    try {
      return body(args)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      return { content: [{ type: 'text', text: `${tool}: ${message}` }], isError: true }
    }
  }
}

function atomsOf(f: Formula, into: Set<string>): Set<string> {
  walkFormula(f, g => {
    if (g.kind === 'atom') into.add(g.name)
  })
  return into
}

function compareSequences(args: z.infer<typeof compareInput>): ReturnType<typeof reply> {
  const { a, b, algorithm } = args
  if (typeof a !== typeof b)
    throw new ToolInputError('a and b must be of the same kind: both arrays of numbers or both strings')
  if (algorithm !== 'dtw') {
    for (const key of ['window', 'path', 'cost'] as const) {
      if (args[key] !== undefined)
        throw new ToolInputError(`${key} applies to algorithm 'dtw' only, not '${algorithm}'`)
    }
    if (a.length * b.length > MAX_SEQUENCE_CELLS) {
      throw new ToolInputError(
        `${a.length} x ${b.length} elements is over the limit of ${MAX_SEQUENCE_CELLS} cells for '${algorithm}'`,
      )
    }
    if (algorithm === 'edit')
      return reply({ algorithm, distance: editDistance(a as ArrayLike<unknown>, b as ArrayLike<unknown>) })
    const length = lcsLength(a as ArrayLike<unknown>, b as ArrayLike<unknown>)
    return reply({ algorithm, distance: a.length + b.length - 2 * length, length })
  }
  if (a.length === 0 || b.length === 0)
    throw new ToolInputError(`${a.length === 0 ? 'a' : 'b'} is empty; DTW needs at least one element on each side`)
  if (typeof a === 'string' && args.cost !== undefined)
    throw new ToolInputError('cost applies to numbers; strings are compared with a 0/1 cost')
  const n = a.length
  const m = b.length
  const w = Math.max(Math.min(args.window ?? Math.max(n, m), Math.max(n, m)), Math.abs(n - m))
  const width = Math.min(2 * w + 1, Math.min(n, m))
  const cells = Math.max(n, m) * width
  const limit = args.path === true ? MAX_DTW_PATH_CELLS : MAX_DTW_CELLS
  if ((args.path === true ? Math.max(n, m) * (2 * w + 1) : cells) > limit) {
    throw new ToolInputError(
      `DTW of ${n} x ${m} samples${args.window === undefined ? '' : ` with window ${args.window}`} would fill more than the limit of ${limit} cells${args.path === true ? ' (path: true stores the matrix)' : ''}; pass a smaller window`,
    )
  }
  const band = args.window
  let result: { distance: number; path?: Array<[number, number]> }
  if (typeof a === 'string') {
    const x = a.split('')
    const y = (b as string).split('')
    const cost = (p: string, q: string): number => (p === q ? 0 : 1)
    result = args.path === true ? dtwPath(x, y, { band, cost }) : { distance: dtw(x, y, { band, cost }) }
  } else {
    const options = { band, cost: args.cost ?? 'squared' }
    result = args.path === true ? dtwPath(a, b as number[], options) : { distance: dtw(a, b as number[], options) }
  }
  return reply({ algorithm, ...result })
}

function matches(args: z.infer<typeof matchesInput>): ReturnType<typeof reply> {
  const { series, query } = args
  if (query.length > series.length)
    throw new ToolInputError(`query (${query.length} samples) is longer than series (${series.length})`)
  const m = query.length
  const windows = series.length - m + 1
  const width = Math.min(m, args.window === undefined ? m : 2 * args.window + 1)
  if (windows * m * width > MAX_SEARCH_CELLS) {
    throw new ToolInputError(
      `searching ${windows} windows of ${m} samples${args.window === undefined ? ' without a window' : ` with window ${args.window}`} may take ${windows * m * width} DTW cells, over the limit of ${MAX_SEARCH_CELLS}; pass a smaller window or a shorter series`,
    )
  }
  const found = findMatches(series, query, {
    threshold: args.threshold,
    band: args.window,
    k: args.k,
    normalize: args.normalize,
  })
  return reply({ matches: found.map(({ start, end, distance }) => ({ start, end, distance })) })
}

function dynamics(args: z.infer<typeof dynamicsInput>): ReturnType<typeof reply> {
  const n = args.series.length
  if (n < MIN_DYNAMICS_LENGTH)
    throw new ToolInputError(`series too short: ${n} values, analyze_dynamics needs at least ${MIN_DYNAMICS_LENGTH}`)
  if (n > MAX_DYNAMICS_LENGTH)
    throw new ToolInputError(
      `series too long: ${n} values, analyze_dynamics takes at most ${MAX_DYNAMICS_LENGTH} (analyse a recent window)`,
    )
  const r = classifyDynamics(args.series, { dt: args.dt })
  return reply({
    regime: r.regime,
    lyapunov: orNull(r.lyapunov),
    k01: orNull(r.k01),
    permutationEntropy: orNull(r.permutationEntropy),
    delay: orNull(r.delay),
    dimension: orNull(r.dimension),
    stable: r.stable,
    confidence: r.confidence,
    reason: r.reason,
  })
}

function checkLtl(args: z.infer<typeof ltlInput>): ReturnType<typeof reply> {
  const { trace } = args
  const formula = parseLtl(args.formula)
  const used = atomsOf(formula, new Set())
  if (args.atoms !== undefined) {
    const allowed = new Set(args.atoms)
    const unknown = [...used].filter(name => !allowed.has(name))
    if (unknown.length > 0)
      throw new ToolInputError(
        `the formula uses ${unknown.map(s => JSON.stringify(s)).join(', ')}, not among atoms [${args.atoms.map(s => JSON.stringify(s)).join(', ')}]`,
      )
  }
  if (args.timestamps !== undefined && args.timestamps.length !== trace.length) {
    throw new ToolInputError(
      `timestamps has ${args.timestamps.length} entries for ${trace.length} events; give one per event`,
    )
  }
  let at = 0
  const predicates: Record<string, (event: Record<string, unknown>) => boolean> = {}
  for (const name of used) {
    predicates[name] = event => {
      const value = Object.hasOwn(event, name) ? event[name] : undefined
      if (value === undefined) return false
      if (typeof value !== 'boolean')
        throw new ToolInputError(`trace[${at}].${name} must be true or false (or absent), got ${JSON.stringify(value)}`)
      return value
    }
  }
  const monitor = createMonitor<Record<string, unknown>>(formula, { atoms: predicates })
  for (at = 0; at < trace.length; at++) monitor.step(trace[at], args.timestamps?.[at])
  const verdict = args.finished === false ? monitor.verdict : monitor.finish()
  const v = monitor.violation
  const violation =
    v === null
      ? undefined
      : v.atEnd
        ? { index: v.index, atEnd: true }
        : { index: v.index, event: v.event, atEnd: false }
  return reply({ verdict, ...(violation === undefined ? {} : { violation }), events: trace.length })
}

function drift(args: z.infer<typeof driftInput>): ReturnType<typeof reply> {
  const { series, detector } = args
  const options = args.options ?? {}
  const allowed: readonly string[] = DRIFT_KEYS[detector]
  const foreign = Object.keys(options).filter(key => !allowed.includes(key))
  if (foreign.length > 0)
    throw new ToolInputError(
      `options ${foreign.join(', ')} do not apply to ${detector}, which takes ${allowed.join(', ')}`,
    )
  let model: { update(x: number): void; readonly driftDetected: boolean }
  if (detector === 'adwin') model = new ADWIN(options)
  else if (detector === 'page-hinkley') model = new PageHinkley(options)
  else {
    const kswin = new KSWIN(options)
    if (series.length * kswin.windowSize > MAX_KSWIN_WORK)
      throw new ToolInputError(
        `KSWIN over ${series.length} values with windowSize ${kswin.windowSize} is over the work limit of ${MAX_KSWIN_WORK}`,
      )
    model = kswin
  }
  const detections: number[] = []
  for (let i = 0; i < series.length; i++) {
    model.update(series[i])
    if (model.driftDetected) detections.push(i)
  }
  return reply({ detections, count: detections.length })
}

/** A server with the five tools, not yet connected to a transport. */
export function createMcpServer(): McpServer {
  const server = new McpServer(
    { name: 'midstream', version: pkg.version },
    { capabilities: { tools: {} }, maxToolInputElements: 5 * MAX_LENGTH },
  )
  server.registerTool(
    'compare_sequences',
    {
      title: 'Compare two sequences',
      description: `Distance between two sequences by dynamic time warping ('dtw', optionally with a Sakoe-Chiba window and the warping path), longest common subsequence ('lcs') or Levenshtein edit distance ('edit'). Up to ${MAX_LENGTH} elements each.`,
      inputSchema: compareInput,
      outputSchema: compareOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    guarded('compare_sequences', compareSequences),
  )
  server.registerTool(
    'find_matches',
    {
      title: 'Find a pattern in a series',
      description:
        'Exact subsequence search under DTW (UCR-suite cascade of lower bounds): the windows of the series, as long as the query, closest to it. Returns the best match, the k best, or all under a threshold, without trivial overlaps.',
      inputSchema: matchesInput,
      outputSchema: matchesOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    guarded('find_matches', matches),
  )
  server.registerTool(
    'analyze_dynamics',
    {
      title: 'Classify the dynamics of a series',
      description: `Regime behind a series (fixed-point, limit-cycle, chaotic, noise, or unknown with a reason) from the 0-1 test, Rosenstein's largest Lyapunov exponent and permutation entropy, with the embedding used. ${MIN_DYNAMICS_LENGTH} to ${MAX_DYNAMICS_LENGTH} samples.`,
      inputSchema: dynamicsInput,
      outputSchema: dynamicsOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    guarded('analyze_dynamics', dynamics),
  )
  server.registerTool(
    'check_ltl',
    {
      title: 'Check an LTL formula on a trace',
      description:
        'Runs an LTL runtime monitor (future, past and time-bounded operators) over a trace of events and returns the verdict and, when false, the index and event that decided it. An atom holds on an event whose key of that name is true.',
      inputSchema: ltlInput,
      outputSchema: ltlOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    guarded('check_ltl', checkLtl),
  )
  server.registerTool(
    'detect_drift',
    {
      title: 'Detect concept drift in a series',
      description:
        'Feeds the series to a drift detector (ADWIN, Page-Hinkley or KSWIN, as River implements them) and returns the indices at which it flagged a change.',
      inputSchema: driftInput,
      outputSchema: driftOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    guarded('detect_drift', drift),
  )
  return server
}

/**
 * Serves the tools over stdio (the default: stdout carries only protocol messages) or, with
 * `http`, over Streamable HTTP at `http://127.0.0.1:<port>/mcp` (stateless: a fresh server per
 * request; port 0 picks a free one, see `url`). `close()` stops serving.
 */
export async function startMcpServer(
  options: { http?: number } = {},
): Promise<{ close(): Promise<void>; url?: string }> {
  if (options.http === undefined) {
    const server = createMcpServer()
    const transport = new StdioServerTransport(process.stdin, process.stdout, { maxBufferSize: MAX_MESSAGE_BYTES })
    await server.connect(transport)
    return { close: () => server.close() }
  }
  const port = options.http
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`--http needs a port number in [0, 65535], got ${JSON.stringify(port)}`)
  const http = createServer((req, res) => {
    handleHttp(req, res, http).catch((error: unknown) => {
      console.error('midstream mcp:', error)
      if (!res.headersSent) writeJsonRpcError(res, 500, -32603, 'Internal server error')
    })
  })
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(port, '127.0.0.1', () => {
      http.off('error', reject)
      resolve()
    })
  })
  const address = http.address()
  const actual = typeof address === 'object' && address !== null ? address.port : port
  const url = `http://127.0.0.1:${actual}/mcp`
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        http.close(error => (error ? reject(error) : resolve()))
        http.closeAllConnections()
      }),
  }
}

function writeJsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }))
}

async function handleHttp(req: IncomingMessage, res: ServerResponse, http: HttpServer): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]
  if (path !== '/mcp') return writeJsonRpcError(res, 404, -32000, `not found: the MCP endpoint is /mcp`)
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST')
    return writeJsonRpcError(res, 405, -32000, 'Method not allowed: this server is stateless, POST requests to /mcp')
  }
  const address = http.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const server = createMcpServer()
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
    maxRequestBodySize: MAX_MESSAGE_BYTES,
    enableDnsRebindingProtection: true,
    allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`],
  })
  res.on('close', () => {
    void transport.close()
    void server.close()
  })
  await server.connect(transport)
  await transport.handleRequest(req, res)
}

/** Run directly (`node --import tsx cli/commands/mcp.ts --stdio [--http <port>]`), not when bundled into the `midstream` command. */
function isMain(): boolean {
  const entry = process.argv[1]
  if (entry === undefined) return false
  const self = fileURLToPath(import.meta.url)
  if (!/[\\/]mcp\.[cm]?[jt]s$/.test(self)) return false
  try {
    return pathToFileURL(realpathSync(entry)).href === pathToFileURL(realpathSync(self)).href
  } catch {
    return false
  }
}

if (isMain() && (process.argv.includes('--stdio') || process.argv.includes('--http'))) {
  const at = process.argv.indexOf('--http')
  const http = at >= 0 ? Number(process.argv[at + 1]) : undefined
  startMcpServer({ http }).then(
    started => {
      if (started.url !== undefined) console.error(`midstream MCP server on ${started.url}`)
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error)
      process.exit(1)
    },
  )
}
