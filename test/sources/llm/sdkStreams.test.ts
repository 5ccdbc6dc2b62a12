/**
 * midstream on the streams of the two SDKs most TypeScript LLM code uses: the official `openai` SDK
 * (`chat.completions.create({ stream: true })`, an async iterable of chunks) and the AI SDK
 * (`streamText(...).textStream` / `.fullStream`), bridged by `fromAsyncIterable`, whose signal goes
 * to the SDK's request. The guard's cut-off must abort that request: a local OpenAI-compatible
 * server records that the connection closed before the answer was finished.
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { fc, test } from '@fast-check/vitest'
import { streamText } from 'ai'
import OpenAI from 'openai'
import { connect, filter, lastValueFrom, map, merge, type Observable, reduce, take, toArray } from 'rxjs'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { type DtwMatchEvent, dtwMatch } from '../../../operators/dtwMatch'
import { LtlViolationError, ltlGuard } from '../../../operators/ltlGuard'
import { type MidstreamMetrics, metrics, prometheusSink } from '../../../sinks/metrics'
import { fromAsyncIterable } from '../../../src/bridges/fromAsyncIterable'
import { type FakeOpenAiServer, fakeOpenAiServer } from '../../support/fakeOpenAi'

let server: FakeOpenAiServer
beforeAll(async () => {
  server = await fakeOpenAiServer()
})
afterAll(async () => {
  await server.close()
})

const messages = [{ role: 'user' as const, content: 'Hourly CPU load of web-1 today, numbers only' }]

/** The three ways to get an answer's text deltas, each handing the bridge's signal to the SDK. */
const sdks: Record<string, (model: string) => Observable<string>> = {
  'openai SDK': model => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'sk-test', maxRetries: 0 })
    return fromAsyncIterable(signal =>
      client.chat.completions.create({ model, messages, stream: true }, { signal }),
    ).pipe(map(chunk => chunk.choices[0]?.delta?.content ?? ''))
  },
  'AI SDK textStream': model => {
    const provider = createOpenAICompatible({ name: 'local', baseURL: server.baseURL, apiKey: 'sk-test' })
    return fromAsyncIterable(signal => streamText({ model: provider(model), messages, abortSignal: signal }).textStream)
  },
  'AI SDK fullStream': model => {
    const provider = createOpenAICompatible({ name: 'local', baseURL: server.baseURL, apiKey: 'sk-test' })
    return fromAsyncIterable(
      signal => streamText({ model: provider(model), messages, abortSignal: signal }).fullStream,
    ).pipe(
      filter(part => part.type === 'text-delta'),
      map(part => part.text),
    )
  },
}

const SPIKE = [0, 40, 80, 40, 0]
const NUMBER = /^\s*\d+\s*$/

/**
 * The pipeline the guide shows: count the tokens, let through only numbers (`G number`: the first
 * token that is not a number ends the answer), count what passed, and match the spike shape in it.
 */
function guardedAnswer(texts: Observable<string>, m: MidstreamMetrics, onViolation: 'complete' | 'error') {
  return texts.pipe(
    filter(text => text !== ''),
    prometheusSink(m, { pipeline: 'load', kind: 'elements', stage: 'tokens' }),
    ltlGuard('G number', { atoms: { number: (t: string) => NUMBER.test(t) }, onViolation }),
    prometheusSink(m, { pipeline: 'load', kind: 'elements', stage: 'passed' }),
    connect(passed =>
      merge(
        passed.pipe(
          toArray(),
          map(tokens => ({ tokens })),
        ),
        passed.pipe(
          dtwMatch({ spike: SPIKE }, { threshold: 10, select: t => Number(t) }),
          prometheusSink(m, { pipeline: 'load', kind: 'matches' }),
          toArray(),
          map(matches => ({ matches })),
        ),
      ),
    ),
    reduce((all, part) => ({ ...all, ...part }), {} as { tokens?: string[]; matches?: DtwMatchEvent[] }),
  )
}

/** An answer: background load 1..3, spikes planted after some of its readings, and maybe prose (a break of the rule) somewhere. */
const answers = fc
  .record({
    background: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 25 }),
    spikesAfter: fc.uniqueArray(fc.nat(), { maxLength: 3 }),
    proseAt: fc.option(fc.nat(), { nil: undefined }),
    prose: fc.constantFrom('Note:', ' The peak', 'I think', ' at 14:00'),
    cuts: fc.array(fc.nat(), { maxLength: 6 }),
  })
  .map(({ background, spikesAfter, proseAt, prose, cuts }) => {
    const at = new Set(spikesAfter.map(i => i % background.length))
    const values: number[] = []
    const spikeStarts: number[] = []
    background.forEach((v, i) => {
      values.push(v)
      if (at.has(i)) {
        spikeStarts.push(values.length)
        values.push(...SPIKE)
      }
    })
    const tokens = values.map(v => `${v} `)
    if (proseAt !== undefined) tokens.splice(proseAt % (tokens.length + 1), 0, prose, '5 ', '6 ')
    return { tokens, spikeStarts, cuts }
  })

async function counted(m: MidstreamMetrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const { labels, value } of (await m.collectors.elementsTotal.get()).values) out[String(labels.stage)] = value
  for (const { labels, value } of (await m.collectors.matchesTotal.get()).values) out[String(labels.pattern)] = value
  return out
}

describe.each(Object.keys(sdks))('ltlGuard, dtwMatch and the metrics on the %s', name => {
  test.prop([answers], { numRuns: 12 })(
    'the guard lets through exactly the tokens before the first break, the request is cut there, the matches are the planted spikes',
    async ({ tokens, spikeStarts, cuts }) => {
      // the oracle: where the rule first breaks, found by brute force
      const broken = tokens.findIndex(t => !NUMBER.test(t))
      const k = broken === -1 ? tokens.length : broken
      const model = server.answer({ tokens, cuts, holdAfter: broken === -1 ? undefined : broken })
      const m = metrics()
      const result = await lastValueFrom(guardedAnswer(sdks[name](model), m, 'complete'))

      expect(result.tokens).toEqual(tokens.slice(0, k))
      const planted = spikeStarts.filter(s => s + SPIKE.length <= k)
      expect(result.matches?.map(e => [e.start, e.end, e.distance])).toEqual(
        planted.map(s => [s, s + SPIKE.length - 1, 0]),
      )
      expect(await counted(m)).toEqual({
        tokens: Math.min(k + 1, tokens.length),
        ...(k > 0 ? { passed: k } : {}),
        ...(planted.length > 0 ? { spike: planted.length } : {}),
      })
      // cut mid-answer: the rest never sent, and the connection closed (a finished one stays in the keep-alive pool)
      const cut = broken !== -1
      await expect.poll(() => server.record(model)?.[cut ? 'socketClosed' : 'closed'], { interval: 2 }).toBe(true)
      expect(server.record(model)).toMatchObject(
        cut ? { finished: false, written: k + 1 } : { finished: true, written: tokens.length },
      )
      expect(server.openResponses()).toBe(0)
    },
  )
})

/** Token texts that stress the wire: JSON escapes, multi-byte characters, SSE syntax inside the content. */
const tokenText = fc.string({
  unit: fc.constantFrom('a', 'Z', ' ', '\n', '"', '\\', 'é', '€', '😀', 'data: ', '\r\n', '[DONE]', '{', '}'),
  minLength: 1,
  maxLength: 6,
})

describe.each(Object.keys(sdks))('any text on the %s', name => {
  test.prop(
    [
      fc.array(tokenText, { maxLength: 12 }),
      fc.option(fc.nat(), { nil: undefined }),
      fc.array(fc.nat(), { maxLength: 8 }),
    ],
    { numRuns: 12 },
  )('reaches the guard token for token, and the guard stops at the banned one', async (texts, bannedAt, cuts) => {
    const tokens = [...texts]
    if (bannedAt !== undefined) tokens.splice(bannedAt % (tokens.length + 1), 0, 'BANNED', 'after')
    const k = bannedAt === undefined ? tokens.length : tokens.indexOf('BANNED')
    const model = server.answer({ tokens, cuts, holdAfter: bannedAt === undefined ? undefined : k })
    const passed = await lastValueFrom(
      sdks[name](model).pipe(
        filter(text => text !== ''),
        ltlGuard('G !banned', { atoms: { banned: (t: string) => t === 'BANNED' }, onViolation: 'complete' }),
        toArray(),
      ),
    )
    expect(passed).toEqual(tokens.slice(0, k))
    if (bannedAt !== undefined) {
      await expect.poll(() => server.record(model)?.socketClosed, { interval: 2 }).toBe(true)
      expect(server.record(model)).toMatchObject({ finished: false, written: k + 1 })
    }
  })
})

describe('the cut-off aborts the request whatever ends the stream', () => {
  const tokens = ['12 ', '13 ', '11 ', 'Sure! ', 'Here ', 'is ', 'more']

  test('ltlGuard with onViolation "error" on the openai SDK: an LtlViolationError naming the token, the request cut', async () => {
    const model = server.answer({ tokens, holdAfter: 3 })
    const error = await lastValueFrom(guardedAnswer(sdks['openai SDK'](model), metrics(), 'error')).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(LtlViolationError)
    expect(error).toMatchObject({ formula: 'G number', index: 3, event: 'Sure! ' })
    await expect.poll(() => server.record(model)?.socketClosed, { interval: 2 }).toBe(true)
    expect(server.record(model)).toMatchObject({ finished: false, written: 4 })
  })

  test('take(2) on the AI SDK textStream: two tokens, the request cut', async () => {
    const model = server.answer({ tokens, holdAfter: 2 })
    expect(await lastValueFrom(sdks['AI SDK textStream'](model).pipe(take(2), toArray()))).toEqual(['12 ', '13 '])
    await expect.poll(() => server.record(model)?.socketClosed, { interval: 2 }).toBe(true)
    expect(server.record(model)).toMatchObject({ finished: false, written: 3 })
  })

  test('the caller’s stop button (the signal option) on the AI SDK fullStream: its reason, the request cut', async () => {
    const model = server.answer({ tokens, holdAfter: 1 })
    const provider = createOpenAICompatible({ name: 'local', baseURL: server.baseURL, apiKey: 'sk-test' })
    const stop = new AbortController()
    const seen: string[] = []
    const ended = new Promise(resolve =>
      fromAsyncIterable(signal => streamText({ model: provider(model), messages, abortSignal: signal }).fullStream, {
        signal: stop.signal,
      }).subscribe({
        next: part => {
          if (part.type === 'text-delta') seen.push(part.text)
          if (seen.length === 2) stop.abort(new Error('user pressed stop'))
        },
        error: resolve,
      }),
    )
    expect(await ended).toMatchObject({ message: 'user pressed stop' })
    expect(seen).toEqual(['12 ', '13 '])
    await expect.poll(() => server.record(model)?.socketClosed, { interval: 2 }).toBe(true)
    expect(server.record(model)).toMatchObject({ finished: false, written: 2 })
  })

  test('an answer that keeps to the rule runs to its end: the AI SDK fullStream ends with its finish part', async () => {
    const model = server.answer({ tokens: tokens.slice(0, 3) })
    const provider = createOpenAICompatible({ name: 'local', baseURL: server.baseURL, apiKey: 'sk-test' })
    const parts = await lastValueFrom(
      fromAsyncIterable(
        signal => streamText({ model: provider(model), messages, abortSignal: signal }).fullStream,
      ).pipe(toArray()),
    )
    expect(parts.filter(p => p.type === 'text-delta').map(p => p.text)).toEqual(['12 ', '13 ', '11 '])
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' })
    await expect.poll(() => server.record(model)?.closed, { interval: 2 }).toBe(true)
    expect(server.record(model)).toMatchObject({ finished: true, written: 3 })
  })

  test('a failed request: an error through the openai SDK and the AI SDK fullStream; the AI SDK textStream only ends', async () => {
    const model = 'no-such-model' // the server answers 404 with an OpenAI error body
    const viaOpenAi = await lastValueFrom(sdks['openai SDK'](model)).catch((e: unknown) => e)
    expect(viaOpenAi).toMatchObject({ status: 404, code: 'model_not_found' })
    const provider = createOpenAICompatible({ name: 'local', baseURL: server.baseURL, apiKey: 'sk-test' })
    const failures: unknown[] = []
    const request = (signal: AbortSignal) =>
      streamText({
        model: provider(model),
        messages,
        abortSignal: signal,
        maxRetries: 0,
        onError: e => {
          failures.push(e)
        },
      })
    // the guide's form: an 'error' part of fullStream thrown, so that it becomes the Observable's error
    const viaFullStream = await lastValueFrom(
      fromAsyncIterable(signal => request(signal).fullStream).pipe(
        map(part => {
          if (part.type === 'error') throw part.error
          return part
        }),
      ),
    ).catch((e: unknown) => e)
    expect(viaFullStream).toMatchObject({ name: 'AI_APICallError', statusCode: 404 })
    // what the guide warns of: textStream completes empty, the error goes only to onError
    failures.length = 0
    expect(await lastValueFrom(fromAsyncIterable(signal => request(signal).textStream).pipe(toArray()))).toEqual([])
    expect(failures).toEqual([expect.objectContaining({ error: expect.objectContaining({ statusCode: 404 }) })])
  })
})
