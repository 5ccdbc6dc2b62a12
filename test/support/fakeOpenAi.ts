import type { IncomingMessage, ServerResponse } from 'node:http'
import { httpServer, readBody, writeSplit } from './sseServer'

/** An answer the fake server streams: one content chunk per token. */
export interface ScriptedAnswer {
  /** The content deltas, in order. */
  tokens: readonly string[]
  /**
   * The server writes tokens `0..holdAfter` at once, then holds the rest back for 5 s: only a
   * client that aborts closes the connection before the answer is finished. Default: no hold.
   */
  holdAfter?: number
  /** Byte positions at which the first write is cut into separate writes. */
  cuts?: readonly number[]
}

/** What the server saw of one request. */
export interface AnswerRecord {
  /** The request body as JSON. */
  body: Record<string, unknown>
  /** Content chunks written before the connection closed (or all of them). */
  written: number
  /** The response closed (finished, or cut by the client). */
  closed: boolean
  /** The response was written to its end before it closed; false when the client cut it. */
  finished: boolean
  /** The TCP connection that carried the request has closed. */
  socketClosed: boolean
}

/** An OpenAI-compatible chat completions server on 127.0.0.1 that streams scripted answers and records how each request ended. */
export interface FakeOpenAiServer {
  /** `http://127.0.0.1:<port>/v1`. */
  baseURL: string
  /** Registers an answer; returns the model name that asks for it. */
  answer(script: ScriptedAnswer): string
  /** The record of the request for `model` (the last one), once it arrived. */
  record(model: string): AnswerRecord | undefined
  /** Responses not yet closed. */
  openResponses(): number
  close(): Promise<void>
}

// Chunks as OpenAI's chat completions API streams them (2025 wire format).
const header = (model: string) => ({
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  object: 'chat.completion.chunk',
  created: 1741569952,
  model,
  system_fingerprint: 'fp_eb9dce56a8',
})
const choice = (delta: Record<string, unknown>, finish: string | null) => ({
  index: 0,
  delta,
  logprobs: null,
  finish_reason: finish,
})
const event = (chunk: unknown) => `data: ${JSON.stringify(chunk)}\n\n`
const content = (model: string, text: string) =>
  event({ ...header(model), choices: [choice({ content: text }, null)], usage: null })

function ending(model: string, tokens: number, usage: boolean): string {
  let text = event({ ...header(model), choices: [choice({}, 'stop')], usage: null })
  if (usage)
    text += event({
      ...header(model),
      choices: [],
      usage: { prompt_tokens: 9, completion_tokens: tokens, total_tokens: 9 + tokens },
    })
  return `${text}data: [DONE]\n\n`
}

export async function fakeOpenAiServer(): Promise<FakeOpenAiServer> {
  const scripts = new Map<string, ScriptedAnswer>()
  const records = new Map<string, AnswerRecord>()
  let open = 0
  let next = 0

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = JSON.parse(await readBody(req)) as Record<string, unknown>
    const model = String(body.model)
    const script = scripts.get(model)
    if (req.url !== '/v1/chat/completions' || script === undefined) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: `no answer for ${model} at ${req.url}`, code: 'model_not_found' } }))
      return
    }
    const record: AnswerRecord = { body, written: 0, closed: false, finished: false, socketClosed: false }
    records.set(model, record)
    open++
    req.socket.once('close', () => (record.socketClosed = true))
    let timer: NodeJS.Timeout | undefined
    res.once('close', () => {
      clearTimeout(timer)
      open--
      record.closed = true
      record.finished = res.writableFinished
    })
    const { tokens, holdAfter = tokens.length - 1 } = script
    const usage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true
    const role = event({ ...header(model), choices: [choice({ role: 'assistant', content: '' }, null)], usage: null })
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' })
    const first = tokens.slice(0, holdAfter + 1)
    const rest = tokens.slice(holdAfter + 1)
    const end = ending(model, tokens.length, usage)
    const burst = role + first.map(t => content(model, t)).join('') + (rest.length === 0 ? end : '')
    await writeSplit(res, burst, script.cuts ?? [])
    if (res.destroyed) return
    record.written = first.length
    if (rest.length === 0) return void res.end()
    timer = setTimeout(() => {
      record.written = tokens.length
      res.end(rest.map(t => content(model, t)).join('') + end)
    }, 5000)
  }

  const server = await httpServer((req, res) => {
    handle(req, res).catch((error: unknown) => res.destroy(error as Error))
  })
  return {
    baseURL: `${server.url}/v1`,
    answer(script) {
      const model = `answer-${next++}`
      scripts.set(model, script)
      return model
    },
    record: model => records.get(model),
    openResponses: () => open,
    close: () => server.close(),
  }
}
