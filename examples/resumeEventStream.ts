/**
 * Server-Sent Events with resumption: `sseSource` reads an event stream and, with `reconnect`, opens
 * it again when the connection drops, after the server's `retry:` delay, sending the id of the last
 * event it saw as `Last-Event-ID`, so the server resumes where the client left off. The server here
 * (on 127.0.0.1) cuts the first connection after three events.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { sseSource } from 'midstream/sources'
import { lastValueFrom, map, take, toArray } from 'rxjs'

const prices = [101.5, 101.7, 101.6, 102.1, 102.4, 102.2]
const resumedFrom: string[] = []

const server = createServer((request, response) => {
  const lastSeen = request.headers['last-event-id']
  if (typeof lastSeen === 'string') resumedFrom.push(lastSeen)
  response.writeHead(200, { 'content-type': 'text/event-stream' })
  response.write('retry: 20\n\n') // reconnect after 20 ms
  const first = lastSeen === undefined ? 0 : Number(lastSeen) + 1
  const last = lastSeen === undefined ? 2 : prices.length - 1
  for (let id = first; id <= last; id++) {
    const sent = lastSeen === undefined && id === last ? () => response.destroy() : undefined
    response.write(`id: ${id}\nevent: price\ndata: ${prices[id]}\n\n`, sent) // first time: drop after #2
  }
})
await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prices`

const received = await lastValueFrom(
  sseSource(url, { reconnect: true }).pipe(
    map(e => `${e.id}:${e.data}`),
    take(prices.length), // unsubscribing ends the request for good: no reconnection after it
    toArray(),
  ),
)
console.log(`received: ${received.join(' ')}`)
console.log(`the client reconnected with Last-Event-ID ${resumedFrom.join(', ')}`)
server.close()
