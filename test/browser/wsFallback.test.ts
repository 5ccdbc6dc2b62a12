// A real browser: headless Debian chromium, driven by playwright-core, loads a page bundled from
// the BUILT browser entry (dist/sources.browser.js, plus rxjs) and receives a stream from a
// `wsServer` over the WebSocket fallback with the browser's native WebSocket. The dev certificate is
// trusted by pinning its public key (--ignore-certificate-errors-spki-list), not by ignoring
// certificate errors. Needs `npm run build` first (`npm test` builds before vitest) and
// /usr/bin/chromium (.ci/run installs it; elsewhere the suite is skipped).
import { createHash, createPublicKey } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { map, range } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createDevCertificate, type TransportServer, type TransportSession, wsServer } from '../../sources/index'
import { bundlePage, hasChromium, launchChromium } from './chromium'
import type { PageResult } from './page/main'

const TOKEN = 'let-me-in-7f3a'
const COUNT = 1000
const root = fileURLToPath(new URL('../../', import.meta.url))
const entry = fileURLToPath(new URL('./page/main.ts', import.meta.url))

describe.skipIf(!hasChromium)('a browser page receives a stream over the WebSocket fallback', () => {
  let server: TransportServer
  let http: Server
  let browser: Browser
  let pageBase: string
  let bundleInputs: string[] = []
  const sessions: TransportSession[] = []
  const sendErrors: unknown[] = []
  let sendsCompleted = 0
  const tokensSeen: Array<string | null> = []

  beforeAll(async () => {
    const certificate = await createDevCertificate()
    // Chromium pins by base64 SHA-256 of the DER SubjectPublicKeyInfo
    const spki = createPublicKey(certificate.cert).export({ type: 'spki', format: 'der' })
    const spkiHash = createHash('sha256').update(spki).digest('base64')

    server = await wsServer({
      cert: certificate.cert,
      key: certificate.key,
      authenticate: ({ url }) => {
        const token = url.searchParams.get('token')
        tokensSeen.push(token)
        return token === TOKEN ? { user: 'page' } : false
      },
    })
    server.sessions.subscribe(session => {
      sessions.push(session)
      session
        .send('ticks', range(0, COUNT).pipe(map(i => ({ i, sq: i * i }))))
        .subscribe({ error: (error: unknown) => sendErrors.push(error), complete: () => sendsCompleted++ })
    })

    // the page script: the package's browser entry as a user's bundler sees it, rxjs bundled in
    const bundle = await bundlePage(entry, root)
    bundleInputs = bundle.inputs
    const script = bundle.script
    const html =
      '<!doctype html><meta charset="utf-8"><title>midstream ws fallback</title><script type="module" src="/main.js"></script>'

    http = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname
      if (path === '/') response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html)
      else if (path === '/main.js')
        response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script)
      else if (path === '/favicon.ico') response.writeHead(204).end()
      else response.writeHead(404).end()
    })
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject)
      http.listen(0, '127.0.0.1', () => resolve())
    })
    pageBase = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`

    browser = await launchChromium([`--ignore-certificate-errors-spki-list=${spkiHash}`])
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    if (http !== undefined) {
      http.closeAllConnections()
      await new Promise<void>(resolve => http.close(() => resolve()))
    }
  })

  /** Loads the page with a token and waits for the stream to complete or fail; also returns the page's console. */
  async function load(token: string): Promise<{ result: PageResult; console: string[] }> {
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      const console: string[] = []
      page.on('console', message => console.push(`${message.type()}: ${message.text()}`))
      page.on('pageerror', error => console.push(`pageerror: ${error.message}`))
      const url = new URL(pageBase)
      url.searchParams.set('ws', server.address.url)
      url.searchParams.set('token', token)
      await page.goto(url.href)
      await page
        .waitForFunction(() => window.__result !== undefined && window.__result.state !== 'pending', undefined, {
          timeout: 20_000,
        })
        .catch((error: Error) => {
          throw new Error(`${error.message}\npage console:\n${console.join('\n')}`)
        })
      const result = await page.evaluate(() => window.__result)
      return { result, console }
    } finally {
      await context.close()
    }
  }

  it('bundles the built browser entry, not the TypeScript sources or ws', () => {
    expect(bundleInputs).toContain('dist/sources.browser.js')
    expect(bundleInputs.some(input => input.startsWith('node_modules/rxjs/'))).toBe(true)
    expect(
      bundleInputs.filter(
        input => input.startsWith('sources/') || input.startsWith('src/') || input.startsWith('node_modules/ws/'),
      ),
    ).toEqual([])
  })

  it(`receives all ${COUNT} messages in order, then completes`, async () => {
    const { result, console } = await load(TOKEN)
    expect(result.error, console.join('\n')).toBeUndefined()
    expect(result.state).toBe('complete')
    expect(result.values).toEqual(Array.from({ length: COUNT }, (_, i) => ({ i, sq: i * i })))
    expect(console.filter(line => /ERR_CERT|pageerror/.test(line))).toEqual([])
    expect(sessions).toHaveLength(1)
    expect(sessions[0]!.principal).toEqual({ user: 'page' })
    // the server's send completes once the page acknowledged everything
    await vi.waitFor(() => expect(sendsCompleted).toBe(1), { timeout: 5_000 })
    expect(sendErrors).toEqual([])
    expect(server.stats.refusedSessions.unauthorized).toBe(0)
  })

  it('is refused with a wrong token: the page sees a TransportError and the server counts it', async () => {
    const before = server.stats.refusedSessions.unauthorized
    const { result, console } = await load('wrong-token')
    expect(result.state, console.join('\n')).toBe('error')
    expect(result.values).toEqual([])
    // a browser WebSocket cannot see the HTTP 401: the refused upgrade is a bare 'error' event
    // (Chromium logs "... failed: HTTP Authentication failed; no valid credentials available")
    expect(result.error).toMatchObject({ name: 'TransportError', code: 'unreachable' })
    expect(console.filter(line => /ERR_CERT/.test(line))).toEqual([])
    expect(result.error!.message).toContain(`WebSocket to ${new URL(server.address.url).origin}/midstream failed`)
    expect(server.stats.refusedSessions.unauthorized).toBe(before + 1)
    expect(tokensSeen.at(-1)).toBe('wrong-token')
    expect(sessions).toHaveLength(1)
  })
})
