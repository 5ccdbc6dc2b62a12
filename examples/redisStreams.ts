/**
 * Redis Streams: `redisSink` appends readings to a stream (and to partition streams chosen by a stable
 * hash of the sensor), `redisSource` reads them back through a consumer group and acknowledges each
 * once handled. Set REDIS_URL to use your own server; without it the example starts a throwaway
 * `redis-server` on a free loopback port and stops it at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { type AddressInfo, createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { partitionOf, redisSink, redisSource } from 'midstream/redis'
import { concatMap, from, lastValueFrom, take, toArray } from 'rxjs'

interface Reading {
  sensor: string
  celsius: number
}

const { url, server } = await redis()
const stream = `readings-${Date.now()}` // a fresh stream, whatever your server already holds
const readings: Reading[] = [
  { sensor: 'boiler', celsius: 61.5 },
  { sensor: 'attic', celsius: 24 },
  { sensor: 'boiler', celsius: 63.25 },
  { sensor: 'cellar', celsius: 12.5 },
]

// appends each reading as JSON in the field `value`, pipelined; emits the ids in input order
const ids = await lastValueFrom(from(readings).pipe(redisSink({ redis: url, stream, maxLen: 10_000 }), toArray()))
console.log(`appended ${ids.length} readings`)

// a consumer group created at '0' sees the whole stream; each entry is acknowledged once handled
const handled = await lastValueFrom(
  redisSource<Reading>({ redis: url, stream, group: 'alerts', consumer: 'worker-1', start: '0' }).pipe(
    concatMap(async entry => {
      await entry.ack()
      return `${entry.value.sensor} ${entry.value.celsius} °C`
    }),
    take(readings.length),
    toArray(),
  ),
)
console.log(`handled: ${handled.join(', ')}`)

// the same readings spread over 4 partition streams `<stream>:<p>`, by sensor
await lastValueFrom(
  from(readings).pipe(redisSink({ redis: url, stream, partitions: 4, key: r => r.sensor }), toArray()),
)
for (const sensor of ['attic', 'boiler', 'cellar']) console.log(`${sensor} -> partition ${partitionOf(sensor, 4)}`)

server?.kill()

/** REDIS_URL, or a throwaway redis-server on a free port of 127.0.0.1 once it accepts connections. */
async function redis(): Promise<{ url: string; server?: ChildProcess }> {
  if (process.env.REDIS_URL !== undefined) return { url: process.env.REDIS_URL }
  const port = await new Promise<number>(resolve => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', tmpdir()]
  const server = spawn('redis-server', args, { stdio: 'ignore' })
  for (let accepted = false; !accepted; ) {
    accepted = await new Promise<boolean>(resolve => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => resolve(true)).on('error', () =>
        resolve(false),
      )
      socket.once('connect', () => socket.destroy())
    })
    if (!accepted) await new Promise(resolve => setTimeout(resolve, 20))
  }
  return { url: `redis://127.0.0.1:${port}`, server }
}
