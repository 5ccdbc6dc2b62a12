import { Observable, type Subscriber } from 'rxjs'
import { describeValue } from '../../src/errors'
import { checkFunction, checkInteger, checkNumber, checkOptions, checkString } from '../../src/validate'
import { SseError, sseSource } from './sseSource'

/** A chat message in the OpenAI wire format (`role`, `content`, and whatever else the server accepts, such as `tool_call_id`). */
export interface LlmMessage {
  /** Who speaks: the usual OpenAI roles, or any other string the server accepts (checked only to be a string). */
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | (string & {})
  /** The text, or an array of content parts (text, images, ...) as the server takes them; `null` for an assistant message that only calls tools. */
  content?: string | null | ReadonlyArray<unknown>
  [field: string]: unknown
}

/** A tool the model may call, in the OpenAI wire format. */
export interface LlmTool {
  /** Always `'function'` (the only tool type of the chat completions API). */
  type: 'function'
  /** The function the model may call; sent as given. */
  function: {
    /** The name the model calls it by; comes back as `LlmToolCallChunk.name`. */
    name: string
    /** What the function does, for the model to decide when to call it. */
    description?: string
    /** The arguments' JSON Schema; the model's arguments arrive as JSON text in `argumentsDelta`s. */
    parameters?: Record<string, unknown>
    /** Asks the server to hold the arguments to `parameters` exactly (OpenAI structured outputs), where it supports that. */
    strict?: boolean
  }
}

/** Options of `llmStream`: the server, the model, the conversation and the request's settings. */
export interface LlmStreamOptions {
  /** The API root, such as `https://api.openai.com/v1` or `http://localhost:11434/v1`; the request goes to `{baseURL}/chat/completions`. */
  baseURL: string
  /** Sent as `Authorization: Bearer <apiKey>` when given. */
  apiKey?: string
  /** The model name the server knows, sent as `model` (e.g. `gpt-4o-mini`, `llama3.2`). */
  model: string
  /** The conversation so far, oldest first; must not be empty, and each message needs a `role`. */
  messages: ReadonlyArray<LlmMessage>
  /** Sampling temperature, at least 0; left out of the request (the server's default) when not given. */
  temperature?: number
  /** Sent as `max_tokens`. */
  maxTokens?: number
  /** Functions the model may call; sent only when non-empty. Calls arrive as `tool-call` chunks. */
  tools?: ReadonlyArray<LlmTool>
  /** The fetch to use (default: the global `fetch`). */
  fetch?: typeof fetch
  /** Aborts the request; the stream then errors with the signal's reason. */
  signal?: AbortSignal
  /** Merged last into the request body (server-specific fields, or to override `stream_options`). */
  extraBody?: Record<string, unknown>
}

/** A piece of generated content; `index` is the choice it belongs to (0 unless `n > 1`). */
export interface LlmTokenChunk {
  /** Tells this chunk apart in `LlmChunk`. */
  type: 'token'
  /** The content delta as the server sent it (never empty); concatenate the texts of one `index` for the message. */
  text: string
  /** The choice the text belongs to (0 unless the request asked for several choices). */
  index: number
}

/**
 * A piece of a tool call. `index` is the tool call's position in the message: concatenate the
 * `argumentsDelta`s of one `index` to get its JSON arguments; `id` and `name` come with its first piece.
 */
export interface LlmToolCallChunk {
  /** Tells this chunk apart in `LlmChunk`. */
  type: 'tool-call'
  /** The tool call's position within the message (0 when the server sent none); pieces with the same `index` belong together. */
  index: number
  /** The tool call's id, to answer it with a `tool` message's `tool_call_id`; set on the call's first piece only. */
  id?: string
  /** The name of the function called; set on the call's first piece only. */
  name?: string
  /** The next piece of the arguments' JSON text (`''` when the piece carried none). */
  argumentsDelta: string
  /** The choice the call belongs to. */
  choice: number
}

/** Why a choice stopped: `'stop'`, `'length'`, `'tool_calls'`, `'content_filter'`, ... as the server says. */
export interface LlmFinishChunk {
  /** Tells this chunk apart in `LlmChunk`. */
  type: 'finish'
  /** The server's `finish_reason`, passed through unchanged. */
  reason: string
  /** The choice that finished (0 unless the request asked for several choices). */
  index: number
}

/** The token counts the server reports at the end (OpenAI `usage`). */
export interface LlmUsageChunk {
  /** Tells this chunk apart in `LlmChunk`. */
  type: 'usage'
  /** Tokens in the request (`prompt_tokens`; 0 when the server left it out). */
  promptTokens: number
  /** Tokens generated (`completion_tokens`; 0 when the server left it out). */
  completionTokens: number
  /** `total_tokens` as the server reports it, or the sum of the two above when it does not. */
  totalTokens: number
}

/** What `llmStream` emits: text tokens, tool-call fragments, the finish reason and the usage. */
export type LlmChunk = LlmTokenChunk | LlmToolCallChunk | LlmFinishChunk | LlmUsageChunk

/** A chat completion that failed: the HTTP status and the server's own message where there was one. */
export class LlmError extends Error {
  /** Always `'LlmError'`. */
  override readonly name = 'LlmError'
  constructor(
    message: string,
    /** The HTTP status, when the server answered with an error status (or an error body). */
    readonly status?: number,
    /** The server's error message (`error.message` in an OpenAI-style body). */
    readonly serverMessage?: string,
    /** The server's error code or type (`error.code` / `error.type`), if it sent one. */
    readonly code?: string,
    /** The stream line that could not be read, for malformed chunks. */
    readonly line?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * Streams a chat completion from an OpenAI-compatible server (`POST {baseURL}/chat/completions` with
 * `stream: true` and `stream_options: { include_usage: true }`): OpenAI, vLLM, llama.cpp, Ollama, LM Studio, ...
 *
 * Emits, in the server's order: `{ type: 'token', text, index }` for each non-empty content delta,
 * `{ type: 'tool-call', index, id?, name?, argumentsDelta, choice }` for each tool-call delta,
 * `{ type: 'finish', reason, index }` when a choice ends, and `{ type: 'usage', ... }` once, when the
 * server reports usage. Completes at `data: [DONE]` (or when the stream ends after a finish reason).
 * Errors with `LlmError`: a non-2xx answer or a non-stream error body (with `status` and the server's
 * message), an `error` object inside the stream, a data line that is not JSON (naming the line), a
 * stream that ends before any finish reason or `[DONE]`, or a network failure (as `cause`).
 * Unsubscribing aborts the HTTP request, so the server stops generating (for example when
 * `ltlGuard(..., { onViolation: 'complete' })` downstream completes). Bad options throw at call time.
 *
 * @example
 * llmStream({ baseURL: 'http://localhost:11434/v1', model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }] })
 *   .pipe(filter((c) => c.type === 'token'), map((c) => c.text))
 *   .subscribe((text) => process.stdout.write(text))
 */
export function llmStream(options: LlmStreamOptions): Observable<LlmChunk> {
  const { root, apiKey, model, messages, temperature, maxTokens, tools, signal, extraBody } =
    checkLlmStreamOptions(options)

  const url = `${root.href.replace(/\/+$/, '')}/chat/completions`
  const body: Record<string, unknown> = { model, messages, stream: true, stream_options: { include_usage: true } }
  if (temperature !== undefined) body.temperature = temperature
  if (maxTokens !== undefined) body.max_tokens = maxTokens
  if (tools !== undefined && tools.length > 0) body.tools = tools
  Object.assign(body, extraBody)
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' }
  if (apiKey !== undefined && apiKey !== '') headers.authorization = `Bearer ${apiKey}`
  const init: RequestInit = { method: 'POST', headers, body: JSON.stringify(body) }
  if (signal !== undefined) init.signal = signal
  const events = sseSource({ url, init }, { fetch: options.fetch, maxEventBytes: MAX_CHUNK_BYTES })

  return new Observable<LlmChunk>(subscriber => {
    let finished = false
    subscriber.add(
      events.subscribe({
        next(event) {
          if (subscriber.closed) return
          if (event.data === '[DONE]') return subscriber.complete()
          if (event.event === 'error') return subscriber.error(streamError(event.data))
          if (event.event !== 'message') return
          let chunk: unknown
          try {
            chunk = JSON.parse(event.data)
          } catch (error) {
            return subscriber.error(
              new LlmError(
                `malformed chunk from ${url}: data line ${describeValue(clip(event.data))} is not JSON`,
                undefined,
                undefined,
                undefined,
                event.data,
                { cause: error },
              ),
            )
          }
          if (chunk === null || typeof chunk !== 'object')
            return subscriber.error(
              new LlmError(
                `malformed chunk from ${url}: data line ${describeValue(clip(event.data))} is not a JSON object`,
                undefined,
                undefined,
                undefined,
                event.data,
              ),
            )
          const error = (chunk as { error?: unknown }).error
          if (error !== undefined && error !== null) return subscriber.error(streamError(event.data, error))
          const choices = (chunk as { choices?: unknown }).choices
          if (choices !== undefined && choices !== null && !Array.isArray(choices))
            return subscriber.error(
              new LlmError(
                `malformed chunk from ${url}: choices is not an array in ${describeValue(clip(event.data))}`,
                undefined,
                undefined,
                undefined,
                event.data,
              ),
            )
          if (emitChoices((choices ?? []) as unknown[], subscriber)) finished = true
          const usage = usageChunk((chunk as { usage?: unknown }).usage)
          if (usage !== null) subscriber.next(usage)
        },
        error(error) {
          subscriber.error(toLlmError(error, url))
        },
        complete() {
          if (finished) subscriber.complete()
          else
            subscriber.error(
              new LlmError(`the stream from ${url} ended before a finish reason or [DONE] (truncated response)`),
            )
        },
      }),
    )
  })
}

// Emits the tokens, tool-call pieces and finish reasons of a chunk's choices; true when one finished.
function emitChoices(choices: readonly unknown[], subscriber: Subscriber<LlmChunk>): boolean {
  let finished = false
  // biome-ignore lint/suspicious/noExplicitAny: a chunk from the wire, each field checked before use
  for (const choice of choices as Array<Record<string, any>>) {
    if (choice === null || typeof choice !== 'object') continue
    const index = typeof choice.index === 'number' ? choice.index : 0
    const delta = choice.delta
    if (delta !== null && typeof delta === 'object') {
      if (typeof delta.content === 'string' && delta.content !== '')
        subscriber.next({ type: 'token', text: delta.content, index })
      if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) emitToolCall(call, index, subscriber)
    }
    if (typeof choice.finish_reason === 'string') {
      finished = true
      subscriber.next({ type: 'finish', reason: choice.finish_reason, index })
    }
  }
  return finished
}

// biome-ignore lint/suspicious/noExplicitAny: a tool call from the wire, each field checked before use
function emitToolCall(call: any, choice: number, subscriber: Subscriber<LlmChunk>): void {
  if (call === null || typeof call !== 'object') return
  const piece: LlmToolCallChunk = {
    type: 'tool-call',
    index: typeof call.index === 'number' ? call.index : 0,
    argumentsDelta: typeof call.function?.arguments === 'string' ? call.function.arguments : '',
    choice,
  }
  if (typeof call.id === 'string') piece.id = call.id
  if (typeof call.function?.name === 'string') piece.name = call.function.name
  subscriber.next(piece)
}

function usageChunk(usage: unknown): LlmUsageChunk | null {
  if (usage === null || typeof usage !== 'object') return null
  const { prompt_tokens, completion_tokens, total_tokens } = usage as Record<string, unknown>
  const promptTokens = count(prompt_tokens)
  const completionTokens = count(completion_tokens)
  return {
    type: 'usage',
    promptTokens,
    completionTokens,
    totalTokens: typeof total_tokens === 'number' ? total_tokens : promptTokens + completionTokens,
  }
}

/** The largest streamed chunk accepted (16 MiB): a long tool-call argument fits, a runaway line does not. */
const MAX_CHUNK_BYTES = 16 << 20

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}

function clip(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}…` : line
}

/** Reads `{ error: { message, code, type } }`, `{ error: "..." }`, `{ message }` or `{ detail }` bodies. */
function serverError(value: unknown): { message?: string; code?: string } {
  if (value === null || typeof value !== 'object')
    return typeof value === 'string' && value !== '' ? { message: value } : {}
  const record = value as Record<string, unknown>
  const error = record.error
  if (typeof error === 'string') return { message: error }
  if (error !== null && typeof error === 'object') {
    const e = error as Record<string, unknown>
    const code =
      typeof e.code === 'string'
        ? e.code
        : typeof e.type === 'string'
          ? e.type
          : typeof e.code === 'number'
            ? String(e.code)
            : undefined
    return { message: typeof e.message === 'string' ? e.message : undefined, code }
  }
  if (typeof record.message === 'string') return { message: record.message }
  if (typeof record.detail === 'string') return { message: record.detail }
  return {}
}

function streamError(data: string, parsed?: unknown): LlmError {
  if (parsed === undefined) {
    try {
      parsed = JSON.parse(data)
    } catch {
      parsed = data
    }
  }
  const { message, code } = serverError(parsed === data ? data : { error: parsed })
  const status =
    typeof (parsed as { status?: unknown })?.status === 'number' ? (parsed as { status: number }).status : undefined
  return new LlmError(`the server sent an error in the stream: ${message ?? clip(data)}`, status, message, code, data)
}

function toLlmError(error: unknown, url: string): unknown {
  if (!(error instanceof SseError)) return error // an abort through the caller's signal keeps its reason
  if (error.code === 'status' || error.code === 'content-type') {
    let parsed: unknown = error.body
    try {
      parsed = JSON.parse(error.body ?? '')
    } catch {
      // not JSON: keep the text
    }
    const { message, code } = serverError(parsed)
    const said = message ?? (error.body ? clip(error.body.trim()) : undefined)
    if (error.code === 'status')
      return new LlmError(
        `${url} answered ${error.status}${said ? `: ${said}` : ''}`,
        error.status,
        said,
        code,
        undefined,
        { cause: error },
      )
    return new LlmError(
      `${url} answered ${error.status} with content-type ${describeValue(error.contentType)} instead of an event stream${said ? `: ${said}` : ''}`,
      error.status,
      said,
      code,
      undefined,
      { cause: error },
    )
  }
  return new LlmError(
    `chat completion stream from ${url} failed: ${error.message}`,
    undefined,
    undefined,
    undefined,
    undefined,
    { cause: error },
  )
}

/** The option names `llmStream` knows. */
const LLM_STREAM_OPTION_NAMES: readonly (keyof LlmStreamOptions)[] = [
  'baseURL',
  'apiKey',
  'model',
  'messages',
  'temperature',
  'maxTokens',
  'tools',
  'fetch',
  'signal',
  'extraBody',
]

// Every option checked at the call: a bad one is a TypeError or RangeError naming it, not a failed request later.
function checkLlmStreamOptions(options: LlmStreamOptions): LlmStreamOptions & { root: URL } {
  const fn = 'llmStream'
  const checked = checkOptions(fn, options, LLM_STREAM_OPTION_NAMES, true)
  const { baseURL, apiKey, model, messages, temperature, maxTokens, tools, extraBody, signal } = checked
  let root: URL
  try {
    root = new URL(checkString(fn, 'baseURL', baseURL))
  } catch (error) {
    if (error instanceof RangeError || (error as Error).message.startsWith(fn)) throw error
    throw new TypeError(`${fn}: baseURL must be an absolute URL, got ${describeValue(baseURL)}`)
  }
  checkString(fn, 'model', model)
  if (!Array.isArray(messages) || messages.length === 0)
    throw new TypeError(`${fn}: messages must be a non-empty array, got ${describeValue(messages)}`)
  messages.forEach((message, i) => {
    if (message === null || typeof message !== 'object' || typeof message.role !== 'string')
      throw new TypeError(`${fn}: messages[${i}] must be an object with a role, got ${describeValue(message)}`)
  })
  if (temperature !== undefined) checkNumber(fn, 'temperature', temperature, { min: 0 })
  if (maxTokens !== undefined) checkInteger(fn, 'maxTokens', maxTokens, { min: 1 })
  if (tools !== undefined && !Array.isArray(tools))
    throw new TypeError(`${fn}: tools must be an array, got ${describeValue(tools)}`)
  if (apiKey !== undefined) checkString(fn, 'apiKey', apiKey, true)
  checkFunction(fn, 'fetch', checked.fetch)
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new TypeError(`${fn}: signal must be an AbortSignal, got ${describeValue(signal)}`)
  if (extraBody !== undefined && (extraBody === null || typeof extraBody !== 'object' || Array.isArray(extraBody)))
    throw new TypeError(`${fn}: extraBody must be an object, got ${describeValue(extraBody)}`)
  return { ...checked, root }
}
