/**
 * `fromAsyncIterable`, the bridge from LLM SDK streams (and any async iterable) to RxJS, beside what a
 * user would write instead, in one run:
 *  - cost per element: an async generator of 200 000 numbers pulled by a plain `for await` loop (the
 *    floor), by RxJS's own `from(asyncIterable)`, and by `fromAsyncIterable`;
 *  - an `openai` SDK answer of 2 000 tokens from a local OpenAI-compatible server, read whole: the
 *    SDK's `for await` alone, and through `fromAsyncIterable` + `ltlGuard` (a rule that holds);
 *  - release, the time from the pipeline's decision to stop to the server seeing the connection
 *    close, with `fromAsyncIterable(signal => create(..., { signal }))` and with RxJS
 *    `from(await create(...))`: (1) `ltlGuard` decides on a token (both let go at once: the loop
 *    sees the unsubscription right after that value); (2) the consumer leaves while the SDK waits
 *    for the next chunk (a `timeout` of 100 ms when the model slows to a token every 300 ms, or
 *    goes silent): `from` calls the iterator's `return()` only when the next chunk arrives, or never.
 * Every figure is the median of the runs named in its row. Timings are printed, never asserted.
 *
 * Run: npx tsx bench/sdkStreams.ts
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import OpenAI from 'openai'
import { EMPTY, from, lastValueFrom, map, type Observable, timeout, toArray } from 'rxjs'
import { fromAsyncIterable, ltlGuard } from '../index'
import { fmt, machineLine, median, printTable, ratio } from './lib/report'

const N = 200_000
const RUNS = 7
const ANSWER = 2_000
/** Tokens sent before the server's behaviour changes (the cut token, a slow drip, or silence). */
const CUT_AT = 5
const FAST_GAP_MS = 20
const SLOW_GAP_MS = 300
/** The consumer's stall rule: no token for this long ends the answer (`timeout`). */
const IDLE_MS = 100
const WAIT_MS = 2_000

async function* numbers(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

/** Median time of each function, the runs interleaved (a, b, c, a, b, c, ...) so that drift in the machine's load hits all alike. */
async function mediansOf(fns: ReadonlyArray<() => Promise<unknown>>, runs = RUNS): Promise<number[]> {
  for (const fn of fns) await fn() // warm-up
  const times = fns.map(() => [] as number[])
  for (let r = 0; r < runs; r++) for (const [i, fn] of fns.entries()) times[i].push(await timed(fn))
  return times.map(median)
}

const drain = (source: Observable<unknown>) => lastValueFrom(source, { defaultValue: undefined })

async function perElement(): Promise<string[][]> {
  const [floor, rxjs, ours] = await mediansOf([
    async () => {
      let sum = 0
      for await (const x of numbers(N)) sum += x
      return sum
    },
    () => drain(from(numbers(N))),
    () => drain(fromAsyncIterable(numbers(N))),
  ])
  const ns = (ms: number) => fmt((ms * 1e6) / N)
  return [
    ['for await (floor)', ns(floor), ''],
    ['RxJS from(asyncIterable)', ns(rxjs), ''],
    ['fromAsyncIterable', ns(ours), `${ratio(ours / rxjs)} of from()`],
  ]
}

const chunk = (content: string | undefined, finish: string | null) =>
  `data: ${JSON.stringify({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'm',
    choices: [{ index: 0, delta: content === undefined ? {} : { content }, finish_reason: finish }],
  })}\n\n`

/**
 * The server: 'whole' answers ANSWER tokens at once; after CUT_AT tokens 'cut' sends 'STOP ' then a
 * token every FAST_GAP_MS, 'drip' a token every SLOW_GAP_MS, 'stall' nothing. Reports each close.
 */
async function startServer(onClose: (at: number) => void) {
  const server = createServer(async (req, res) => {
    let body = ''
    for await (const part of req) body += part
    const mode = JSON.parse(body).model as 'whole' | 'cut' | 'drip' | 'stall'
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.on('close', () => onClose(performance.now()))
    if (mode === 'whole') {
      let text = ''
      for (let i = 0; i < ANSWER; i++) text += chunk(`${i} `, null)
      return void res.end(`${text}${chunk(undefined, 'stop')}data: [DONE]\n\n`)
    }
    let i = 0
    const send = () => res.write(chunk(mode === 'cut' && i++ === CUT_AT ? 'STOP ' : `${i} `, null))
    for (let k = 0; k < CUT_AT; k++) res.write(chunk(`${i++} `, null))
    if (mode === 'stall') return
    const timer = setInterval(
      () => (i < ANSWER ? send() : res.end('data: [DONE]\n\n')),
      mode === 'cut' ? FAST_GAP_MS : SLOW_GAP_MS,
    )
    res.on('close', () => clearInterval(timer))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { server, baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` }
}

const messages = [{ role: 'user' as const, content: 'count' }]
type Chunk = { choices: Array<{ delta?: { content?: string | null } }> }
const text = (c: Chunk) => c.choices[0]?.delta?.content ?? ''

async function main(): Promise<void> {
  console.log(machineLine())
  console.log('(a machine shared with other jobs: ratios within this run are fair, latency tails are not)\n')
  console.log(`cost per element, an async generator of ${N.toLocaleString('en-US')} numbers (median of ${RUNS}):\n`)
  printTable(['reader', 'ns / element', ''], await perElement())

  let closedAt = Number.NaN
  const { server, baseURL } = await startServer(at => (closedAt = at))
  const client = new OpenAI({ baseURL, apiKey: 'x', maxRetries: 0 })
  const create = (model: string, signal?: AbortSignal) =>
    client.chat.completions.create({ model, messages, stream: true }, signal ? { signal } : {})

  const [sdkAlone, guarded] = await mediansOf([
    async () => {
      let n = 0
      for await (const c of await create('whole')) n += text(c) ? 1 : 0
      return n
    },
    () =>
      drain(
        fromAsyncIterable(signal => create('whole', signal)).pipe(
          map(text),
          ltlGuard('G !stop', { atoms: { stop: (t: string) => t === 'STOP ' }, onViolation: 'complete' }),
        ),
      ),
  ])
  console.log(`\nan openai SDK answer of ${ANSWER} tokens from a local server, read whole (median of ${RUNS}):\n`)
  printTable(
    ['reader', 'ms / answer', ''],
    [
      ['SDK for await alone', fmt(sdkAlone), ''],
      ['fromAsyncIterable + ltlGuard', fmt(guarded), `${ratio(guarded / sdkAlone)} of the SDK alone`],
    ],
  )

  // ms from the decision to stop (the guard's atom seeing STOP, or the timeout firing) to the server's close
  async function release(mode: 'cut' | 'drip' | 'stall', bridge: 'ours' | 'rxjs'): Promise<number> {
    closedAt = Number.NaN
    let decidedAt = Number.NaN
    const source = bridge === 'ours' ? fromAsyncIterable(signal => create(mode, signal)) : from(await create(mode))
    const stop = (t: string) => {
      if (t !== 'STOP ') return false
      decidedAt = performance.now()
      return true
    }
    const decide = () => {
      decidedAt = performance.now()
      return EMPTY
    }
    const rule =
      mode === 'cut'
        ? ltlGuard<string>('G !stop', { atoms: { stop }, onViolation: 'complete' })
        : timeout<string, Observable<never>>({ each: IDLE_MS, with: decide })
    await lastValueFrom(source.pipe(map(text), rule, toArray()))
    const deadline = performance.now() + WAIT_MS
    while (Number.isNaN(closedAt) && performance.now() < deadline) await new Promise(r => setTimeout(r, 1))
    const ms = Number.isNaN(closedAt) ? Number.POSITIVE_INFINITY : closedAt - decidedAt
    server.closeAllConnections() // a response left open goes now, and its close event passes before the next run
    await new Promise(r => setTimeout(r, 50))
    return ms
  }
  const rows: string[][] = []
  const scenarios = [
    ['cut', `ltlGuard decides on a token (then a token every ${FAST_GAP_MS} ms)`],
    ['drip', `timeout ${IDLE_MS} ms, the model slows to a token every ${SLOW_GAP_MS} ms`],
    ['stall', `timeout ${IDLE_MS} ms, the model goes silent`],
  ] as const
  for (const [mode, label] of scenarios) {
    const ours: number[] = []
    const theirs: number[] = []
    for (let r = 0; r < RUNS; r++) {
      ours.push(await release(mode, 'ours'))
      theirs.push(await release(mode, 'rxjs'))
    }
    const show = (ms: number) => (Number.isFinite(ms) ? fmt(ms) : `not within ${WAIT_MS} ms`)
    rows.push([label, show(median(ours)), show(median(theirs))])
  }
  console.log(
    `\nrelease: ms from the decision to stop to the server seeing the connection close (median of ${RUNS}):\n`,
  )
  printTable(['the stop', 'fromAsyncIterable (signal)', 'RxJS from(stream)'], rows)
  server.closeAllConnections()
  server.close()
}

await main()
