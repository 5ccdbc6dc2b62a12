// The page script of test/browser/wsFallback.test.ts. esbuild bundles it (with rxjs) against the
// BUILT browser entry: `midstream/sources` resolves through package.json's "browser" export
// condition to dist/sources.browser.js. (tsc type-checks it against sources/index.ts via paths.)
import { wsSource } from 'midstream/sources'

export interface PageResult {
  state: 'pending' | 'complete' | 'error'
  values: unknown[]
  error?: { name: string; code?: string; message: string }
  ms?: number
}

declare global {
  interface Window {
    __result: PageResult
  }
}

const query = new URLSearchParams(location.search)
const url = query.get('ws') ?? ''
const token = query.get('token') ?? ''
const result: PageResult = { state: 'pending', values: [] }
window.__result = result
const started = performance.now()

wsSource(url, { channel: 'ticks', auth: { token } }).subscribe({
  next: value => {
    result.values.push(value)
  },
  complete: () => {
    result.ms = performance.now() - started
    result.state = 'complete'
    console.log(`midstream: complete after ${result.values.length} values`)
  },
  error: (error: unknown) => {
    const e = error as { name?: string; code?: string; message?: string }
    result.ms = performance.now() - started
    result.error = { name: String(e?.name), code: e?.code, message: String(e?.message ?? error) }
    result.state = 'error'
    console.log(`midstream: error ${e?.name} ${e?.code}: ${e?.message}`)
  },
})
