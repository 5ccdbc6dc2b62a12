/**
 * Transport: named channels between a client and a server over WebTransport, on 127.0.0.1 with a
 * development certificate pinned by its hash. A sink sends a stream on a channel and completes once
 * the server has acknowledged every message; each side hands out the channels it receives as
 * Observables, and one session carries channels both ways.
 */

import { quicSink } from 'midstream/sinks'
import { connect, createDevCertificate, quicServer } from 'midstream/sources'
import { from, lastValueFrom, toArray } from 'rxjs'

const { cert, key, hash } = await createDevCertificate() // ECDSA P-256, valid 10 days
const server = await quicServer({
  cert,
  key,
  authenticate: ({ url }) => url.searchParams.get('token') === 'secret' && { user: 'sensor-1' },
})

const received: number[] = []
server.sessions.subscribe(session => {
  // subscribe to a channel before data arrives on it: a channel nobody listens on is refused
  session.channel<{ celsius: number }>('readings').subscribe(r => received.push(r.celsius))
  session.send('alerts', from(['too hot']), { priority: 10 }).subscribe({ error: e => console.error(e) })
})

const client = connect(server.address.url, { certificateHashes: [hash], auth: { token: 'secret' } })
// the client's end of the server's channel completes when the server's source does
const alerts = lastValueFrom(client.channel<string>('alerts').pipe(toArray()))
const progress = await lastValueFrom(
  from([{ celsius: 21.5 }, { celsius: 22 }, { celsius: 35.25 }]).pipe(quicSink(client, { channel: 'readings' })),
)
console.log(`acknowledged: ${progress.acknowledged} of ${progress.sent}`)
console.log(`server received: ${received.join(', ')}`)
console.log(`client received: ${(await alerts).join(', ')}`)
client.close()
await server.close()
