/**
 * midstream on the AI SDK: `streamText(...).fullStream` is an async iterable of typed parts (text
 * deltas, tool calls, errors, the finish); `fromAsyncIterable` pulls it and hands its AbortSignal to
 * `streamText` as `abortSignal`, so when `ltlGuard` ends the answer, the AI SDK aborts its HTTP request. The model is a stand-in for an
 * OpenAI-compatible server on 127.0.0.1, reached through `@ai-sdk/openai-compatible`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { streamText } from 'ai'
import { fromAsyncIterable, ltlGuard } from 'midstream'
import { filter, lastValueFrom, map, toArray } from 'rxjs'

const answer = ['Your ', 'account ', 'is ', 'ready. ', 'The ', 'password ', 'is ', 'hunter2', '.']
let closeRequest: (aborted: boolean) => void = () => {}
const requestAborted = new Promise<boolean>(resolve => (closeRequest = resolve))

// A stand-in for an OpenAI-compatible server: one chunk per token, 10 ms apart.
const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/event-stream' })
  response.on('close', () => closeRequest(!response.writableFinished)) // cut before the end: aborted
  let i = 0
  const timer = setInterval(() => {
    if (response.destroyed) return clearInterval(timer)
    const last = i === answer.length
    const delta = last ? {} : { content: answer[i++] }
    const choices = [{ index: 0, delta, finish_reason: last ? 'stop' : null }]
    response.write(`data: ${JSON.stringify({ id: 'c1', created: 0, model: 'local', choices })}\n\n`)
    if (!last) return
    clearInterval(timer)
    response.end('data: [DONE]\n\n')
  }, 10)
})
await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
const local = createOpenAICompatible({
  name: 'local',
  baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
})

const tokens = await lastValueFrom(
  // the bridge's signal becomes streamText's abortSignal: ending the pipeline aborts the request
  fromAsyncIterable(
    signal => streamText({ model: local('local'), prompt: 'Set up my account', abortSignal: signal }).fullStream,
  ).pipe(
    // a failed request is an 'error' part of fullStream (textStream would just end): make it the stream's error
    map(part => {
      if (part.type === 'error') throw part.error
      return part
    }),
    filter(part => part.type === 'text-delta'),
    map(part => part.text),
    // G !secret: no token, ever, may mention a password; 'complete' ends the answer just before it
    ltlGuard('G !secret', { atoms: { secret: (t: string) => /password/i.test(t) }, onViolation: 'complete' }),
    toArray(),
  ),
)
console.log(`answer: ${JSON.stringify(tokens.join(''))}`)
console.log(`request aborted: ${await requestAborted}`)
server.close()
