import { connect, createServer, type Socket } from 'node:net'

/** A TCP relay on 127.0.0.1 whose connections can be cut at will: a real network failure for resume tests. */
export async function tcpProxy(targetPort: number): Promise<{ port: number; cut(): number; close(): Promise<void> }> {
  const pairs = new Set<[Socket, Socket]>()
  const server = createServer(downstream => {
    const upstream = connect(targetPort, '127.0.0.1')
    const pair: [Socket, Socket] = [downstream, upstream]
    pairs.add(pair)
    downstream.pipe(upstream)
    upstream.pipe(downstream)
    const drop = (): void => {
      pairs.delete(pair)
      downstream.destroy()
      upstream.destroy()
    }
    downstream.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  const cut = (): number => {
    const count = pairs.size
    for (const [a, b] of [...pairs]) {
      a.resetAndDestroy()
      b.resetAndDestroy()
    }
    pairs.clear()
    return count
  }
  return {
    port,
    cut,
    async close() {
      cut()
      await new Promise<void>(resolve => server.close(() => resolve()))
    },
  }
}
