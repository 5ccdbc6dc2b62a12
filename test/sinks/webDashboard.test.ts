import { createServer, get, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DashboardModel, webDashboard } from 'midstream/sinks'
import { describe, expect, it } from 'vitest'

/** Reads SSE text from `response` until `done(text)` says enough. */
function readUntil(response: IncomingMessage, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    response.setEncoding('utf8')
    response.on('data', chunk => {
      text += chunk
      if (done(text)) resolve(text)
    })
    response.on('error', reject)
    response.on('end', () => resolve(text))
  })
}

describe('webDashboard', () => {
  it('sends an error event when the model throws, then snapshots again once it recovers; the process lives on', async () => {
    const real = new DashboardModel()
    real.count('c', 1, 0)
    let broken = true
    const model = {
      snapshot: () => {
        if (broken) throw new Error('model broke')
        return real.snapshot()
      },
    }
    const dashboard = webDashboard(model, { intervalMs: 10 })
    const server = createServer((req, res) => dashboard.handle(req, res) || res.writeHead(404).end())
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      const response = await new Promise<IncomingMessage>(resolve => get(`http://127.0.0.1:${port}/events`, resolve))
      expect(response.statusCode).toBe(200)
      const first = readUntil(response, text => text.includes('data: {'))
      setTimeout(() => (broken = false), 50)
      const text = await first
      // the error came first (the page's first snapshot and the ticks while broken), then a real snapshot
      expect(text).toMatch(/event: error\ndata: "model broke"\n\n/)
      expect(text.indexOf('event: error')).toBeLessThan(text.indexOf('data: {'))
      expect(JSON.parse(text.slice(text.indexOf('data: {') + 6).split('\n')[0]).rates[0].channel).toBe('c')
      response.destroy()
    } finally {
      dashboard.close()
      await new Promise(resolve => server.close(resolve))
    }
  })
})
