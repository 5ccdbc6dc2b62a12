import type { IncomingMessage, ServerResponse } from 'node:http'
import { fc, test } from '@fast-check/vitest'
import OpenAI from 'openai'
import { filter, lastValueFrom, map, take, toArray } from 'rxjs'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { ltlGuard } from '../../../operators/ltlGuard'
import { type LlmChunk, LlmError, type LlmToolCallChunk, llmStream } from '../../../sources/llm/llmStream'
import { httpServer, readBody, sleep, writeSplit } from '../../support/sseServer'

// Chunks in the shape OpenAI's chat completions API streams them (2025 wire format).
const header = (model: string) => ({
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  object: 'chat.completion.chunk',
  created: 1741569952,
  model,
  service_tier: 'default',
  system_fingerprint: 'fp_eb9dce56a8',
})
const roleChunk = (model: string) => ({
  ...header(model),
  choices: [
    { index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null },
  ],
  usage: null,
})
const contentChunk = (model: string, content: string) => ({
  ...header(model),
  choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }],
  usage: null,
})
const finishChunk = (model: string, reason: string) => ({
  ...header(model),
  choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: reason }],
  usage: null,
})
const usageChunk = (model: string, prompt: number, completion: number) => ({
  ...header(model),
  choices: [],
  usage: {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  },
})
const toolStart = (model: string, index: number, id: string, name: string, first: boolean) => ({
  ...header(model),
  choices: [
    {
      index: 0,
      delta: {
        ...(first ? { role: 'assistant', content: null } : {}),
        tool_calls: [{ index, id, type: 'function', function: { name, arguments: '' } }],
        ...(first ? { refusal: null } : {}),
      },
      logprobs: null,
      finish_reason: null,
    },
  ],
  usage: null,
})
const toolArgs = (model: string, index: number, args: string) => ({
  ...header(model),
  choices: [
    {
      index: 0,
      delta: { tool_calls: [{ index, function: { arguments: args } }] },
      logprobs: null,
      finish_reason: null,
    },
  ],
  usage: null,
})

const wire = (chunks: unknown[]): string =>
  `${chunks.map(chunk => `data: ${JSON.stringify(chunk)}\n\n`).join('')}data: [DONE]\n\n`
const streamHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
}

interface Script {
  body: string
  cuts: number[]
}
const scripts = new Map<string, Script>()
const requests: Array<{ headers: IncomingMessage['headers']; body: Record<string, unknown> }> = []
let slowClosed: { at: number; finished: boolean } | null = null
let server: Awaited<ReturnType<typeof httpServer>>
let nextModel = 0

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
    res.writeHead(404, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        error: {
          message: `Unknown request URL: ${req.method} ${req.url}`,
          type: 'invalid_request_error',
          param: null,
          code: 'unknown_url',
        },
      }),
    )
    return
  }
  const body = JSON.parse(await readBody(req)) as Record<string, unknown>
  requests.push({ headers: req.headers, body })
  const model = String(body.model)
  if (model === 'unauthorized') {
    res.writeHead(401, { 'content-type': 'application/json; charset=utf-8' }).end(
      JSON.stringify({
        error: {
          message:
            'Incorrect API key provided: sk-wrong. You can find your API key at https://platform.openai.com/account/api-keys.',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      }),
    )
    return
  }
  if (model === 'stall') {
    // One token, then silence: only an aborted request closes the connection before the 5 s end.
    slowClosed = null
    res.writeHead(200, streamHeaders)
    res.write(`data: ${JSON.stringify(roleChunk(model))}\n\ndata: ${JSON.stringify(contentChunk(model, 'first'))}\n\n`)
    const timer = setTimeout(
      () => res.end(`data: ${JSON.stringify(finishChunk(model, 'stop'))}\n\ndata: [DONE]\n\n`),
      5000,
    )
    res.on('close', () => {
      clearTimeout(timer)
      slowClosed = { at: performance.now(), finished: res.writableFinished }
    })
    return
  }
  if (model === 'slow') {
    slowClosed = null
    res.writeHead(200, streamHeaders)
    res.write(`data: ${JSON.stringify(roleChunk(model))}\n\n`)
    let n = 0
    const timer = setInterval(() => {
      if (n === 200) {
        clearInterval(timer)
        res.end(`data: ${JSON.stringify(finishChunk(model, 'stop'))}\n\ndata: [DONE]\n\n`)
        return
      }
      res.write(`data: ${JSON.stringify(contentChunk(model, ` tok${n++}`))}\n\n`)
    }, 10)
    res.on('close', () => {
      clearInterval(timer)
      slowClosed = { at: performance.now(), finished: res.writableFinished }
    })
    return
  }
  const script = scripts.get(model)
  if (script === undefined) {
    res.writeHead(404, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        error: {
          message: `The model \`${model}\` does not exist`,
          type: 'invalid_request_error',
          param: null,
          code: 'model_not_found',
        },
      }),
    )
    return
  }
  res.writeHead(200, streamHeaders)
  await writeSplit(res, script.body, script.cuts)
  res.end()
}

function script(body: string, cuts: number[] = []): string {
  const model = `model-${nextModel++}`
  const length = new TextEncoder().encode(body).length
  scripts.set(model, { body: body.replaceAll('MODEL', model), cuts: cuts.map(cut => cut % (length + 1)) })
  return model
}

beforeAll(async () => {
  server = await httpServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.destroy(error as Error)
    })
  })
})
afterAll(async () => {
  await server.close()
})

const base = () => ({
  baseURL: `${server.url}/v1`,
  apiKey: 'sk-test',
  messages: [{ role: 'user' as const, content: 'Say hello' }],
})

const tokenText = fc.string({
  unit: fc.constantFrom('a', 'Z', ' ', '\n', '"', '\\', 'é', '€', '😀', 'data: ', '\r\n', '[DONE]', '{', '}'),
  minLength: 1,
  maxLength: 6,
})

describe('llmStream against an OpenAI-compatible server', () => {
  test.prop([fc.array(tokenText, { maxLength: 15 }), fc.array(fc.nat(), { maxLength: 20 })], { numRuns: 25 })(
    'tokens concatenate to the content sent and agree with the official openai SDK, however the bytes are split',
    async (tokens, cuts) => {
      const chunks = [
        roleChunk('MODEL'),
        ...tokens.map(token => contentChunk('MODEL', token)),
        finishChunk('MODEL', 'stop'),
        usageChunk('MODEL', 12, tokens.length),
      ]
      const model = script(wire(chunks), cuts)
      const ours = await lastValueFrom(llmStream({ ...base(), model }).pipe(toArray()))
      expect(ours).toEqual([
        ...tokens.map(text => ({ type: 'token', text, index: 0 })),
        { type: 'finish', reason: 'stop', index: 0 },
        { type: 'usage', promptTokens: 12, completionTokens: tokens.length, totalTokens: 12 + tokens.length },
      ])
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'x', maxRetries: 0 })
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'Say hello' }],
        stream: true,
        stream_options: { include_usage: true },
      })
      let sdkText = ''
      let sdkFinish: string | null = null
      let sdkUsage: number | undefined
      for await (const chunk of stream) {
        sdkText += chunk.choices[0]?.delta?.content ?? ''
        sdkFinish = chunk.choices[0]?.finish_reason ?? sdkFinish
        if (chunk.usage) sdkUsage = chunk.usage.total_tokens
      }
      const ourText = ours.flatMap(c => (c.type === 'token' ? [c.text] : [])).join('')
      expect(ourText).toBe(tokens.join(''))
      expect(ourText).toBe(sdkText)
      expect(sdkFinish).toBe('stop')
      expect(sdkUsage).toBe(12 + tokens.length)
    },
  )

  test('tool-call deltas assemble into the names and arguments sent (two parallel calls)', async () => {
    const weatherArgs = '{"location": "Paris, France", "unit": "celsius"}'
    const timeArgs = '{"timezone":"Europe/Paris"}'
    const pieces = (text: string) => text.match(/.{1,5}/gs) ?? []
    const chunks = [
      toolStart('MODEL', 0, 'call_DdmO9pD3xa9XTPNJ32zg2hcA', 'get_weather', true),
      ...pieces(weatherArgs).map(p => toolArgs('MODEL', 0, p)),
      toolStart('MODEL', 1, 'call_ABXLR8hAu5Zgm8mHbXbqdFkD', 'get_time', false),
      ...pieces(timeArgs).map(p => toolArgs('MODEL', 1, p)),
      finishChunk('MODEL', 'tool_calls'),
      usageChunk('MODEL', 80, 42),
    ]
    const body = wire(chunks)
    const model = script(
      body,
      Array.from({ length: 40 }, (_, i) => Math.floor((i * body.length) / 40) + 3),
    )
    const tools = [
      {
        type: 'function' as const,
        function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } },
      },
      { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
    ]
    const out = await lastValueFrom(llmStream({ ...base(), model, tools }).pipe(toArray()))
    const calls = new Map<number, { id?: string; name?: string; arguments: string }>()
    for (const chunk of out.filter((c): c is LlmToolCallChunk => c.type === 'tool-call')) {
      const call = calls.get(chunk.index) ?? { arguments: '' }
      call.id ??= chunk.id
      call.name ??= chunk.name
      call.arguments += chunk.argumentsDelta
      calls.set(chunk.index, call)
    }
    expect(Object.fromEntries(calls)).toEqual({
      0: { id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', arguments: weatherArgs },
      1: { id: 'call_ABXLR8hAu5Zgm8mHbXbqdFkD', name: 'get_time', arguments: timeArgs },
    })
    expect(out.filter(c => c.type === 'token')).toEqual([])
    expect(out.slice(-2)).toEqual([
      { type: 'finish', reason: 'tool_calls', index: 0 },
      { type: 'usage', promptTokens: 80, completionTokens: 42, totalTokens: 122 },
    ])
    expect(requests.at(-1)?.body.tools).toEqual(tools)
  })

  test('sends the request the API expects: POST body, stream options, auth header, extraBody last', async () => {
    const model = script(wire([contentChunk('MODEL', 'hi'), finishChunk('MODEL', 'stop')]))
    await lastValueFrom(
      llmStream({
        ...base(),
        baseURL: `${server.url}/v1/`,
        model,
        temperature: 0.2,
        maxTokens: 64,
        extraBody: { seed: 7, stream_options: { include_usage: false } },
      }).pipe(toArray()),
    )
    const { headers, body } = requests.at(-1)!
    expect(headers.authorization).toBe('Bearer sk-test')
    expect(headers['content-type']).toBe('application/json')
    expect(body).toEqual({
      model,
      messages: [{ role: 'user', content: 'Say hello' }],
      stream: true,
      stream_options: { include_usage: false },
      temperature: 0.2,
      max_tokens: 64,
      seed: 7,
    })
  })

  test('unsubscribing after the first token aborts the HTTP request: the server sees the connection close', async () => {
    const first = await lastValueFrom(
      llmStream({ ...base(), model: 'stall' }).pipe(
        filter(c => c.type === 'token'),
        take(1),
        toArray(),
      ),
    )
    const unsubscribedAt = performance.now()
    expect(first).toEqual([{ type: 'token', text: 'first', index: 0 }])
    await expect.poll(() => slowClosed, { timeout: 1000, interval: 5 }).not.toBeNull()
    expect(slowClosed!.finished).toBe(false)
    expect(slowClosed!.at - unsubscribedAt).toBeLessThan(1000)
  })

  test('unsubscribing while the server is silent aborts the HTTP request', async () => {
    const seen: LlmChunk[] = []
    const subscription = llmStream({ ...base(), model: 'stall' }).subscribe(c => seen.push(c))
    await expect.poll(() => seen.length, { timeout: 1000, interval: 5 }).toBe(1)
    await sleep(20)
    expect(slowClosed).toBeNull()
    subscription.unsubscribe()
    const unsubscribedAt = performance.now()
    await expect.poll(() => slowClosed, { timeout: 1000, interval: 5 }).not.toBeNull()
    expect(slowClosed!.finished).toBe(false)
    expect(slowClosed!.at - unsubscribedAt).toBeLessThan(1000)
  })

  test('ltlGuard(..., { onViolation: "complete" }) downstream stops generation', async () => {
    const texts = await lastValueFrom(
      llmStream({ ...base(), model: 'slow' }).pipe(
        ltlGuard<LlmChunk>('G !bad', {
          atoms: { bad: c => c.type === 'token' && c.text === ' tok3' },
          onViolation: 'complete',
        }),
        filter(c => c.type === 'token'),
        map(c => (c as { text: string }).text),
        toArray(),
      ),
    )
    expect(texts).toEqual([' tok0', ' tok1', ' tok2'])
    await expect.poll(() => slowClosed, { timeout: 1000, interval: 5 }).not.toBeNull()
    expect(slowClosed!.finished).toBe(false)
  })
})

describe('llmStream errors', () => {
  test('401 with an OpenAI error body: LlmError with the status and the server’s message', async () => {
    const error = await lastValueFrom(llmStream({ ...base(), model: 'unauthorized' })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LlmError)
    expect(error).toMatchObject({
      status: 401,
      code: 'invalid_api_key',
      serverMessage: expect.stringContaining('Incorrect API key provided'),
    })
    expect((error as Error).message).toContain('401')
    expect((error as Error).message).toContain('Incorrect API key provided')
  })

  test('a malformed data line: LlmError naming the line, after the tokens before it', async () => {
    const model = script(`data: ${JSON.stringify(contentChunk('MODEL', 'ok'))}\n\ndata: {"id": broken\n\n`)
    const seen: LlmChunk[] = []
    const error = await new Promise(resolve =>
      llmStream({ ...base(), model }).subscribe({
        next: c => seen.push(c),
        error: resolve,
        complete: () => resolve('completed'),
      }),
    )
    expect(seen).toEqual([{ type: 'token', text: 'ok', index: 0 }])
    expect(error).toBeInstanceOf(LlmError)
    expect((error as LlmError).line).toBe('{"id": broken')
    expect((error as Error).message).toContain('{\\"id\\": broken')
  })

  test('an error object inside the stream: LlmError with the server’s message', async () => {
    const model = script(
      `data: ${JSON.stringify(contentChunk('MODEL', 'a'))}\n\ndata: {"error":{"message":"The server had an error while processing your request.","type":"server_error","code":null}}\n\n`,
    )
    const error = await lastValueFrom(llmStream({ ...base(), model })).catch((e: unknown) => e)
    expect(error).toMatchObject({
      name: 'LlmError',
      serverMessage: 'The server had an error while processing your request.',
      code: 'server_error',
    })
  })

  test('a stream cut before any finish reason or [DONE]: LlmError (a truncated answer is not a complete one)', async () => {
    const model = script(`data: ${JSON.stringify(contentChunk('MODEL', 'half'))}\n\n`)
    const error = await lastValueFrom(llmStream({ ...base(), model })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LlmError)
    expect((error as Error).message).toContain('before a finish reason')
  })

  test('an unknown model (404 JSON body) and a refused connection both error with LlmError', async () => {
    const notFound = await lastValueFrom(llmStream({ ...base(), model: 'no-such-model' })).catch((e: unknown) => e)
    expect(notFound).toMatchObject({ name: 'LlmError', status: 404, code: 'model_not_found' })
    const dead = await httpServer(() => undefined)
    const url = dead.url
    await dead.close()
    const refused = await lastValueFrom(llmStream({ ...base(), baseURL: `${url}/v1`, model: 'm' })).catch(
      (e: unknown) => e,
    )
    expect(refused).toBeInstanceOf(LlmError)
    expect(refused).toMatchObject({ status: undefined })
  })

  test('the caller’s AbortSignal aborts the request and errors with its reason', async () => {
    const controller = new AbortController()
    const result = lastValueFrom(llmStream({ ...base(), model: 'slow', signal: controller.signal })).catch(
      (e: unknown) => e,
    )
    await sleep(50)
    controller.abort(new Error('user pressed stop'))
    expect(await result).toMatchObject({ message: 'user pressed stop' })
    await expect.poll(() => slowClosed, { timeout: 1000, interval: 5 }).not.toBeNull()
  })

  test('bad options throw at call time, naming the value', () => {
    expect(() => llmStream({ ...base(), baseURL: 'nope', model: 'm' })).toThrow(/"nope"/)
    expect(() => llmStream({ ...base(), model: '' })).toThrow(RangeError) // a string, but empty: out of range
    expect(() => llmStream({ ...base(), model: 'm', messages: [] })).toThrow(/messages/)
    expect(() => llmStream({ ...base(), model: 'm', maxTokens: 0.5 })).toThrow(/0.5/)
    expect(() => llmStream({ ...base(), model: 'm', temperature: Number.NaN })).toThrow(RangeError)
  })
})
