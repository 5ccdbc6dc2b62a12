import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMcpServer, MAX_LENGTH, startMcpServer } from '../../cli/commands/mcp'
import { rng } from '../support/rng'

const root = fileURLToPath(new URL('../../', import.meta.url))

// ------------------------------------------------------------------------------------------
// Oracles: the textbook O(n m) programmes, written out here independently of the library
// ------------------------------------------------------------------------------------------

function dtwOracle(a: number[], b: number[], band = Infinity, cost = (x: number, y: number) => (x - y) ** 2): number {
  const n = a.length
  const m = b.length
  const w = Math.max(band, Math.abs(n - m))
  const D: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(Infinity))
  D[0][0] = 0
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      if (Math.abs(i - j) > w) continue
      D[i][j] = cost(a[i - 1], b[j - 1]) + Math.min(D[i - 1][j - 1], D[i - 1][j], D[i][j - 1])
    }
  }
  return D[n][m]
}

function lcsOracle<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  const L: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++)
      L[i][j] = a[i - 1] === b[j - 1] ? L[i - 1][j - 1] + 1 : Math.max(L[i - 1][j], L[i][j - 1])
  }
  return L[a.length][b.length]
}

function levenshteinOracle<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  const D: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++)
      D[i][j] = Math.min(D[i - 1][j] + 1, D[i][j - 1] + 1, D[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
  }
  return D[a.length][b.length]
}

/** Every window by plain DTW, then greedy by (distance, start) with an exclusion zone of half the query. */
function matchesOracle(
  series: number[],
  query: number[],
  threshold: number,
  band: number,
): Array<{ start: number; end: number; distance: number }> {
  const m = query.length
  const all = []
  for (let s = 0; s + m <= series.length; s++)
    all.push({ start: s, end: s + m - 1, distance: dtwOracle(series.slice(s, s + m), query, band) })
  all.sort((x, y) => x.distance - y.distance || x.start - y.start)
  const zone = Math.floor(m / 2)
  const taken: typeof all = []
  for (const c of all) {
    if (c.distance > threshold) break
    if (taken.every(t => Math.abs(t.start - c.start) > zone)) taken.push(c)
  }
  return taken
}

/** A path is valid when it runs corner to corner in unit steps and its cost is the distance. */
function pathCost(a: number[], b: number[], path: Array<[number, number]>): number {
  expect(path[0]).toEqual([0, 0])
  expect(path[path.length - 1]).toEqual([a.length - 1, b.length - 1])
  for (let k = 1; k < path.length; k++) {
    const di = path[k][0] - path[k - 1][0]
    const dj = path[k][1] - path[k - 1][1]
    expect(di >= 0 && dj >= 0 && di <= 1 && dj <= 1 && di + dj > 0).toBe(true)
  }
  return path.reduce((s, [i, j]) => s + (a[i] - b[j]) ** 2, 0)
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

// ------------------------------------------------------------------------------------------

type ToolResult = {
  isError?: boolean
  structuredContent?: Record<string, unknown>
  content: Array<{ type: string; text?: string }>
}

async function inMemoryClient(): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await createMcpServer().connect(serverSide)
  const client = new Client({ name: 'mcp-test', version: '0.0.0' })
  await client.connect(clientSide)
  return client
}

describe('midstream MCP server (in memory)', () => {
  let client: Client
  const call = async (name: string, args: Record<string, unknown>): Promise<ToolResult> =>
    (await client.callTool({ name, arguments: args })) as ToolResult
  // biome-ignore lint/suspicious/noExplicitAny: structured tool results of several shapes, read field by field
  const ok = async (name: string, args: Record<string, unknown>): Promise<Record<string, any>> => {
    const result = await call(name, args)
    if (result.isError) throw new Error(`tool error: ${result.content[0]?.text}`)
    // the text item carries the same result
    expect(JSON.parse(result.content[0].text!)).toEqual(result.structuredContent)
    return result.structuredContent!
  }
  const fails = async (name: string, args: Record<string, unknown>, message: RegExp): Promise<void> => {
    const result = await call(name, args)
    expect(result.isError, JSON.stringify(result)).toBe(true)
    expect(result.content[0].text).toMatch(message)
  }

  beforeAll(async () => {
    client = await inMemoryClient()
  })
  afterAll(async () => {
    await client.close()
  })

  it('lists the five tools with input and output schemas', async () => {
    const { tools } = await client.listTools()
    expect(tools.map(t => t.name).sort()).toEqual([
      'analyze_dynamics',
      'check_ltl',
      'compare_sequences',
      'detect_drift',
      'find_matches',
    ])
    for (const tool of tools) {
      expect(tool.description).toBeTruthy()
      expect(tool.inputSchema.type).toBe('object')
      expect(tool.outputSchema?.type).toBe('object')
    }
    const byName = Object.fromEntries(tools.map(t => [t.name, t]))
    expect(byName.compare_sequences.inputSchema.required).toEqual(expect.arrayContaining(['a', 'b', 'algorithm']))
    expect(Object.keys(byName.compare_sequences.inputSchema.properties!)).toEqual(
      expect.arrayContaining(['window', 'path']),
    )
    expect(byName.find_matches.inputSchema.required).toEqual(expect.arrayContaining(['series', 'query']))
    expect(byName.check_ltl.inputSchema.required).toEqual(expect.arrayContaining(['formula', 'trace']))
    expect(byName.detect_drift.inputSchema.required).toEqual(expect.arrayContaining(['series', 'detector']))
    expect(Object.keys(byName.analyze_dynamics.outputSchema!.properties!)).toEqual(
      expect.arrayContaining([
        'regime',
        'lyapunov',
        'k01',
        'permutationEntropy',
        'delay',
        'dimension',
        'confidence',
        'reason',
      ]),
    )
  })

  it('compare_sequences: DTW (with window and path), LCS and edit distance equal the plain O(nm) programmes', async () => {
    const random = rng(11)
    for (let trial = 0; trial < 8; trial++) {
      const a = Array.from({ length: 5 + Math.floor(random() * 40) }, () => Math.round(random() * 20) / 4)
      const b = Array.from({ length: 5 + Math.floor(random() * 40) }, () => Math.round(random() * 20) / 4)
      const full = await ok('compare_sequences', { a, b, algorithm: 'dtw' })
      expect(full.distance).toBeCloseTo(dtwOracle(a, b), 9)
      expect(full.path).toBeUndefined()
      const banded = await ok('compare_sequences', { a, b, algorithm: 'dtw', window: 3, path: true })
      expect(banded.distance).toBeCloseTo(dtwOracle(a, b, 3), 9)
      expect(pathCost(a, b, banded.path)).toBeCloseTo(banded.distance, 9)
      const absolute = await ok('compare_sequences', { a, b, algorithm: 'dtw', cost: 'absolute' })
      expect(absolute.distance).toBeCloseTo(
        dtwOracle(a, b, Infinity, (x, y) => Math.abs(x - y)),
        9,
      )
      const ints = a.map(x => Math.round(x))
      const intsB = b.map(x => Math.round(x))
      const lcs = await ok('compare_sequences', { a: ints, b: intsB, algorithm: 'lcs' })
      expect(lcs.length).toBe(lcsOracle(ints, intsB))
      expect(lcs.distance).toBe(ints.length + intsB.length - 2 * lcsOracle(ints, intsB))
      expect((await ok('compare_sequences', { a: ints, b: intsB, algorithm: 'edit' })).distance).toBe(
        levenshteinOracle(ints, intsB),
      )
    }
    expect(await ok('compare_sequences', { a: 'kitten', b: 'sitting', algorithm: 'edit' })).toEqual({
      algorithm: 'edit',
      distance: levenshteinOracle('kitten', 'sitting'),
    })
    expect(await ok('compare_sequences', { a: 'ABCBDAB', b: 'BDCABA', algorithm: 'lcs' })).toEqual({
      algorithm: 'lcs',
      length: lcsOracle('ABCBDAB', 'BDCABA'),
      distance: 13 - 8,
    })
    // strings under DTW: a 0/1 cost per character pair
    const s = await ok('compare_sequences', { a: 'aabbc', b: 'abcc', algorithm: 'dtw' })
    expect(s.distance).toBe(
      dtwOracle(
        [...'aabbc'].map(c => c.charCodeAt(0)),
        [...'abcc'].map(c => c.charCodeAt(0)),
        Infinity,
        (x, y) => (x === y ? 0 : 1),
      ),
    )
  })

  it('find_matches returns the planted occurrences, as DTW over every window finds them', async () => {
    const random = rng(5)
    const query = Array.from({ length: 16 }, (_, i) => 3 * Math.sin((2 * Math.PI * i) / 16))
    const series: number[] = []
    let level = 0
    for (let i = 0; i < 400; i++) series.push((level += (random() - 0.5) * 0.3))
    for (const at of [50, 170, 300])
      for (let i = 0; i < 16; i++) series[at + i] = query[(i + (at % 3)) % 16] * 1.05 + level * 0
    const got = await ok('find_matches', { series, query, threshold: 15, window: 3 })
    const want = matchesOracle(series, query, 15, 3)
    expect(want.length).toBeGreaterThanOrEqual(3)
    expect(got.matches.map((m: { start: number }) => m.start)).toEqual(want.map(m => m.start))
    got.matches.forEach((m: { end: number; distance: number }, k: number) => {
      expect(m.end).toBe(want[k].end)
      expect(m.distance).toBeCloseTo(want[k].distance, 9)
    })
    // without a threshold: the single best
    const best = await ok('find_matches', { series, query, window: 3 })
    expect(best.matches).toHaveLength(1)
    expect(best.matches[0].start).toBe(want[0].start)
  })

  it('analyze_dynamics: the logistic map at r = 4 is chaotic with exponent near ln 2; a sine is a limit cycle', async () => {
    const x = [0.3]
    for (let i = 1; i < 2000; i++) x.push(4 * x[i - 1] * (1 - x[i - 1]))
    // r = 4 loses precision into the fixed point 0 after ~50 doubling steps only if x hits 0 exactly; nudge off it
    const chaotic = await ok('analyze_dynamics', { series: x })
    expect(chaotic.regime).toBe('chaotic')
    expect(chaotic.lyapunov).toBeGreaterThan(Math.log(2) - 0.2)
    expect(chaotic.lyapunov).toBeLessThan(Math.log(2) + 0.2)
    expect(chaotic.k01).toBeGreaterThan(0.5)
    for (const key of ['permutationEntropy', 'delay', 'dimension', 'confidence'])
      expect(typeof chaotic[key]).toBe('number')
    expect(typeof chaotic.reason).toBe('string')

    const sine = Array.from({ length: 2000 }, (_, i) => Math.sin(0.1 * i))
    const cycle = await ok('analyze_dynamics', { series: sine })
    expect(cycle.regime).toBe('limit-cycle')
    expect(cycle.stable).toBe(true)
  })

  it('check_ltl: G !err is violated at the first event with err, and the event is returned', async () => {
    const trace = Array.from({ length: 12 }, (_, i) => ({ err: i === 7 || i === 9, n: i }))
    // oracle: the first index where err holds
    const first = trace.findIndex(e => e.err)
    const got = await ok('check_ltl', { formula: 'G !err', trace })
    expect(got.verdict).toBe('false')
    expect(got.violation).toEqual({ index: first, event: trace[first], atEnd: false })
    expect(got.events).toBe(12)

    const clean = trace.map(e => ({ ...e, err: false }))
    expect((await ok('check_ltl', { formula: 'G !err', trace: clean })).verdict).toBe('true')
    expect((await ok('check_ltl', { formula: 'G !err', trace: clean, finished: false })).verdict).toBe('unknown')

    // an unanswered request fails at the end of the trace
    const requests = [{ req: true }, { ack: true }, { req: true }, {}]
    const unanswered = await ok('check_ltl', { formula: 'G (req -> F ack)', trace: requests, atoms: ['req', 'ack'] })
    expect(unanswered.verdict).toBe('false')
    expect(unanswered.violation).toEqual({ index: 4, atEnd: true })

    // time bounds read the timestamps
    const timed = await ok('check_ltl', {
      formula: 'G (req -> F[0,100ms] ack)',
      trace: [{ req: true }, {}, { ack: true }],
      timestamps: [0, 50, 250],
    })
    expect(timed.verdict).toBe('false')
  })

  it('detect_drift: ADWIN, Page-Hinkley and KSWIN flag a mean shift after it happens, soon, and never before', async () => {
    const random = rng(21)
    const shift = 1000
    const series = Array.from({ length: 2000 }, (_, i) => (i < shift ? 0 : 3) + gaussian(random))
    for (const [detector, options] of [
      ['adwin', undefined],
      ['page-hinkley', { threshold: 50 }],
      ['kswin', { alpha: 0.0001, seed: 3 }],
    ] as const) {
      const got = await ok('detect_drift', { series, detector, ...(options ? { options } : {}) })
      expect(got.detections.length, detector).toBeGreaterThan(0)
      expect(got.count).toBe(got.detections.length)
      const before = got.detections.filter((i: number) => i < shift)
      expect(before, detector).toEqual([])
      expect(got.detections[0] - shift, detector).toBeLessThan(150)
    }
    // on a stationary series ADWIN stays quiet
    const flat = Array.from({ length: 2000 }, () => gaussian(random))
    expect((await ok('detect_drift', { series: flat, detector: 'adwin' })).detections).toEqual([])
  })

  it('bad arguments come back as tool errors naming the problem, and the server keeps answering', async () => {
    await fails('compare_sequences', { a: [1, 2], b: [1], algorithm: 'cosine' }, /algorithm/)
    await fails('compare_sequences', { a: [1, 2], algorithm: 'dtw' }, /\bb\b/)
    await fails('compare_sequences', { a: [1, 2], b: 'ab', algorithm: 'edit' }, /same kind/)
    await fails('compare_sequences', { a: [], b: [1], algorithm: 'dtw' }, /empty/)
    await fails(
      'compare_sequences',
      { a: [1, 2], b: [1], algorithm: 'lcs', path: true },
      /path applies to algorithm 'dtw' only/,
    )
    await fails('compare_sequences', { a: [1, 2], b: [1], algorithm: 'dtw', window: -1 }, /window/)
    // NaN travels as null in JSON
    await fails(
      'compare_sequences',
      { a: [1, Number.NaN, 3], b: [1], algorithm: 'dtw' },
      /a\[1\] is (null|NaN): a must hold finite numbers \(NaN and Infinity/,
    )
    await fails(
      'compare_sequences',
      { a: Array.from({ length: 20_000 }, () => 0), b: Array.from({ length: 20_000 }, () => 1), algorithm: 'dtw' },
      /limit .* cells; pass a smaller window/,
    )
    await fails('find_matches', { series: [1, 2, 3], query: [1, 2, 3, 4] }, /longer than series/)
    await fails('find_matches', { series: [1, 2, 3], query: [] }, /query is empty/)
    await fails('analyze_dynamics', { series: [1, 2, 3, 4] }, /series too short: 4 values.*at least 200/)
    await fails('analyze_dynamics', { series: 'not numbers' }, /series/)
    await fails('analyze_dynamics', { series: [1, 2, null] }, /series holds null.*series\[2\]/)
    await fails('compare_sequences', { a: [1, 'x'], b: [1], algorithm: 'lcs' }, /a\[1\] is "x"/)
    await fails(
      'compare_sequences',
      { a: new Array(MAX_LENGTH + 1).fill(0), b: [1], algorithm: 'edit' },
      new RegExp(`a may hold at most ${MAX_LENGTH} numbers`),
    )
    await fails('check_ltl', { formula: 'G (err ->', trace: [] }, /line 1, column/)
    await fails('check_ltl', { formula: 'G !err', trace: [{ err: 'yes' }] }, /trace\[0\]\.err must be true or false/)
    await fails('check_ltl', { formula: 'G !eror', trace: [], atoms: ['err'] }, /"eror", not among atoms/)
    await fails('check_ltl', { formula: 'G (a -> F[0,1s] b)', trace: [{ a: true }] }, /timestamp/)
    await fails('check_ltl', { formula: 'G !err', trace: [1, 2] }, /trace/)
    await fails('detect_drift', { series: [1, 2], detector: 'cusum' }, /detector/)
    await fails(
      'detect_drift',
      { series: [1, 2], detector: 'adwin', options: { threshold: 3 } },
      /threshold do not apply to adwin/,
    )
    await fails(
      'detect_drift',
      { series: [1, 2], detector: 'adwin', options: { delta: 2 } },
      /delta must be a finite number in \(0, 1\)/,
    )
    await fails('detect_drift', { series: [1, 2], detector: 'adwin', options: { tpyo: 1 } }, /tpyo/)
    await fails('no_such_tool', {}, /no_such_tool/)
    // the array cap
    await fails(
      'detect_drift',
      { series: new Array(MAX_LENGTH + 1).fill(0), detector: 'adwin' },
      new RegExp(`at most ${MAX_LENGTH}`),
    )
    // still answering
    expect((await ok('compare_sequences', { a: 'abc', b: 'abd', algorithm: 'edit' })).distance).toBe(1)
  })
})

describe('midstream MCP server over its transports', () => {
  it('answers over stdio when run as a process, and the process ends when the client closes', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['cli/dist/midstream.js', 'mcp'],
      cwd: root,
      stderr: 'pipe',
    })
    let stderr = ''
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const client = new Client({ name: 'mcp-stdio-test', version: '0.0.0' })
    try {
      await client.connect(transport)
      const pid = transport.pid
      expect(pid).toBeTypeOf('number')
      const { tools } = await client.listTools()
      expect(tools).toHaveLength(5)
      const result = (await client.callTool({
        name: 'compare_sequences',
        arguments: { a: 'kitten', b: 'sitting', algorithm: 'edit' },
      })) as ToolResult
      expect(result.structuredContent).toEqual({ algorithm: 'edit', distance: 3 })
      const bad = (await client.callTool({ name: 'check_ltl', arguments: { formula: '((', trace: [] } })) as ToolResult
      expect(bad.isError).toBe(true)
      const again = (await client.callTool({
        name: 'detect_drift',
        arguments: { series: [1, 2, 3], detector: 'adwin' },
      })) as ToolResult
      expect(again.structuredContent).toEqual({ detections: [], count: 0 })
      await client.close()
      // the child is gone
      const deadline = Date.now() + 5000
      let alive = true
      while (alive && Date.now() < deadline) {
        try {
          process.kill(pid!, 0)
          await new Promise(r => setTimeout(r, 50))
        } catch {
          alive = false
        }
      }
      expect(alive).toBe(false)
    } catch (error) {
      throw new Error(`${String(error)}\nserver stderr:\n${stderr}`)
    } finally {
      await client.close().catch(() => {})
    }
  })

  it('answers over Streamable HTTP on 127.0.0.1', async () => {
    const server = await startMcpServer({ http: 0 })
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/)
    const client = new Client({ name: 'mcp-http-test', version: '0.0.0' })
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url!)))
      const { tools } = await client.listTools()
      expect(tools).toHaveLength(5)
      const result = (await client.callTool({
        name: 'compare_sequences',
        arguments: { a: [0, 1, 2, 3], b: [0, 0, 1, 2, 3], algorithm: 'dtw', path: true },
      })) as ToolResult
      expect(result.structuredContent).toEqual({
        algorithm: 'dtw',
        distance: 0,
        path: [
          [0, 0],
          [0, 1],
          [1, 2],
          [2, 3],
          [3, 4],
        ],
      })
      const bad = (await client.callTool({ name: 'analyze_dynamics', arguments: { series: [1] } })) as ToolResult
      expect(bad.isError).toBe(true)
      // a foreign Host header is refused (DNS rebinding)
      const response = await fetch(server.url!, {
        method: 'POST',
        headers: {
          host: 'evil.example',
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: '{}',
      })
      expect(response.status).toBeGreaterThanOrEqual(400)
    } finally {
      await client.close()
      await server.close()
    }
  })
})
