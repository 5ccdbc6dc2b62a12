import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

/** A real node:http server on 127.0.0.1 (port 0) for loopback tests; `close` ends every connection too. */
export async function httpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.socket.setNoDelay(true)
    handler(req, res)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    },
  }
}

/** Writes `payload` as separate writes cut at the given byte positions, yielding to the event loop between them. */
export async function writeSplit(
  res: ServerResponse,
  payload: string | Uint8Array,
  cuts: ReadonlyArray<number>,
): Promise<void> {
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload
  const points = [...new Set(cuts.map(cut => Math.max(0, Math.min(bytes.length, cut))))].sort((a, b) => a - b)
  let start = 0
  for (const end of [...points, bytes.length]) {
    if (end <= start) continue
    if (res.destroyed) return
    await new Promise<void>(resolve => res.write(bytes.subarray(start, end), () => resolve()))
    await new Promise<void>(resolve => setImmediate(resolve))
    start = end
  }
}

/** The request body as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = []
  for await (const part of req) parts.push(part as Buffer)
  return Buffer.concat(parts).toString('utf8')
}

export const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
