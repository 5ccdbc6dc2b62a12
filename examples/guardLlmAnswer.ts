/**
 * Guarding a live LLM answer: tokens stream from an OpenAI-compatible server (a local one here, on
 * 127.0.0.1, replaying a canned answer), and `ltlGuard` cuts the answer at the first token that
 * breaks a rule. Completing the stream unsubscribes from `llmStream`, which aborts the HTTP request,
 * so the server stops generating.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ltlGuard } from 'midstream'
import { type LlmChunk, type LlmTokenChunk, llmStream } from 'midstream/sources'
import { filter, lastValueFrom, map, toArray } from 'rxjs'

const answer = ['Your ', 'account ', 'is ', 'ready. ', 'The ', 'password ', 'is ', 'hunter2', '.']
let closeRequest: (aborted: boolean) => void = () => {}
const requestAborted = new Promise<boolean>(resolve => (closeRequest = resolve))

// A stand-in for a model server: one SSE chunk per token, 10 ms apart.
const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/event-stream' })
  // closed before the whole answer was written: the client aborted the request
  response.on('close', () => closeRequest(!response.writableFinished))
  let i = 0
  const timer = setInterval(() => {
    if (response.destroyed) return clearInterval(timer)
    if (i < answer.length) {
      const chunk = { choices: [{ index: 0, delta: { content: answer[i++] } }] }
      response.write(`data: ${JSON.stringify(chunk)}\n\n`)
    } else {
      clearInterval(timer)
      response.end('data: [DONE]\n\n')
    }
  }, 10)
})
await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
const { port } = server.address() as AddressInfo

const guarded = llmStream({
  baseURL: `http://127.0.0.1:${port}/v1`,
  model: 'local',
  messages: [{ role: 'user', content: 'Set up my account' }],
}).pipe(
  filter((c: LlmChunk): c is LlmTokenChunk => c.type === 'token'),
  // G !secret: no token, ever, may mention a password; 'complete' ends the answer just before it
  ltlGuard('G !secret', { atoms: { secret: c => /password/i.test(c.text) }, onViolation: 'complete' }),
  map(c => c.text),
  toArray(),
)

const text = (await lastValueFrom(guarded)).join('')
console.log(`answer: ${JSON.stringify(text)}`)
console.log(`request aborted: ${await requestAborted}`)
server.close()
