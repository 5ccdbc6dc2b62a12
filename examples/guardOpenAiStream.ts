/**
 * midstream on the official `openai` SDK's stream: `fromAsyncIterable` pulls the SDK's async
 * iterable of chunks and hands its AbortSignal to the request, so when `ltlGuard` ends the answer the
 * SDK's HTTP request is aborted. The model (a stand-in on 127.0.0.1) was asked for numbers only;
 * the guard lets numbers through and stops at the first word, `dtwMatch` finds the spike in what got
 * through, and Prometheus counters count both.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dtwMatch, fromAsyncIterable, ltlGuard } from 'midstream'
import { metrics, prometheusSink } from 'midstream/sinks'
import OpenAI from 'openai'
import { connect, filter, lastValueFrom, map, merge, toArray } from 'rxjs'

const answer = ['2 ', '3 ', '0 ', '40 ', '80 ', '41 ', '0 ', '2 ', 'Note: ', 'the ', 'spike ', 'was ', 'a ', 'deploy.']
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
    const chunk = {
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 0,
      model: 'local',
      choices: [{ index: 0, delta, finish_reason: last ? 'stop' : null }],
    }
    response.write(`data: ${JSON.stringify(chunk)}\n\n`)
    if (!last) return
    clearInterval(timer)
    response.end('data: [DONE]\n\n')
  }, 10)
})
await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
const client = new OpenAI({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, apiKey: 'local' })

const m = metrics({ prefix: 'chat_' })
const load = fromAsyncIterable(signal =>
  // the bridge's signal goes to the SDK: when the pipeline ends early, the request is aborted
  client.chat.completions.create(
    { model: 'local', messages: [{ role: 'user', content: 'Hourly CPU load of web-1, numbers only' }], stream: true },
    { signal },
  ),
).pipe(
  map(chunk => chunk.choices[0]?.delta?.content ?? ''),
  filter(text => text !== ''),
  prometheusSink(m, { pipeline: 'load', kind: 'elements', stage: 'tokens' }),
  // G number: every token is a number; 'complete' ends the answer just before the first that is not
  ltlGuard('G number', { atoms: { number: t => /^\s*\d+\s*$/.test(t) }, onViolation: 'complete' }),
  map(Number),
  // two analyses of what got through: the readings, and the spike shape matched as they stream
  connect(readings =>
    merge(
      readings.pipe(toArray()),
      readings.pipe(
        dtwMatch({ spike: [0, 40, 80, 40, 0] }, { threshold: 10 }),
        prometheusSink(m, { pipeline: 'load', kind: 'matches' }),
        map(match => `spike at readings ${match.start}..${match.end}, distance ${match.distance}`),
      ),
    ),
  ),
)

for (const line of await lastValueFrom(load.pipe(toArray())))
  console.log(Array.isArray(line) ? `readings: ${line.join(' ')}` : line)
console.log(`request aborted: ${await requestAborted}`)
for (const line of (await m.render()).split('\n')) if (/^chat_(elements|matches)_total\{/.test(line)) console.log(line)
server.close()
