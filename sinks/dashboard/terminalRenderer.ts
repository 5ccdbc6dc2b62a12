/**
 * The ink renderer of the terminal dashboard, run by `renderDashboard` in a worker thread or a child
 * process: it receives snapshots (`rendererProtocol.ts`) and draws them with ink, writing to the
 * terminal's file descriptor itself, so the pipeline's event loop pays neither React nor ink nor the
 * terminal writes. A child process also leaves when its parent goes (its IPC channel closes).
 * @internal
 */
import { EventEmitter } from 'node:events'
import { writeSync } from 'node:fs'
import { parentPort } from 'node:worker_threads'
import type { FromRenderer, StartMessage, ToRenderer } from './rendererProtocol'
import { type MountedDashboard, mountDashboard } from './view'

interface Channel {
  send(message: FromRenderer): void
  listen(handler: (message: ToRenderer) => void): void
  close(): void
}

function channel(): Channel {
  const port = parentPort
  if (port !== null)
    return { send: m => port.postMessage(m), listen: f => port.on('message', f), close: () => port.close() }
  const send = process.send?.bind(process)
  if (send === undefined)
    throw new Error('terminalRenderer: run it through renderDashboard (a worker thread or a forked child process)')
  // the pipeline's process went away (even by SIGKILL): no renderer is left behind
  process.on('disconnect', () => process.exit(0))
  return {
    // a send racing the parent's disconnect fails with EPIPE: the callback keeps it from crashing the renderer
    send: m => {
      if (process.connected) send(m, undefined, undefined, () => undefined)
    },
    listen: f => process.on('message', f as (m: unknown) => void),
    close: () => {
      if (process.connected) process.disconnect()
    },
  }
}

const EAGAIN_PAUSE_MS = 1
const pause = new Int32Array(new SharedArrayBuffer(4))

/** Writes all of `chunk` to `fd`, waiting out a full non-blocking pipe (EAGAIN) rather than dropping output. */
function writeAll(fd: number, chunk: string | Uint8Array): void {
  const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
  let offset = 0
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
      Atomics.wait(pause, 0, 0, EAGAIN_PAUSE_MS)
    }
  }
}

/** The stream ink writes to: the terminal's descriptor, or messages back to the pipeline's thread. */
class RendererStdout extends EventEmitter {
  constructor(
    private readonly sink: (chunk: string | Uint8Array) => void,
    public columns: number,
    public rows: number,
    readonly isTTY: boolean,
  ) {
    super()
  }
  write(chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean {
    this.sink(chunk)
    const done = typeof encoding === 'function' ? encoding : callback
    if (typeof done === 'function') done()
    return true
  }
  resize(columns: number, rows: number): void {
    if (columns === this.columns && rows === this.rows) return
    this.columns = columns
    this.rows = rows
    this.emit('resize')
  }
}

function describe(error: unknown): FromRenderer {
  const e = error instanceof Error ? error : new Error(String(error))
  return { type: 'error', name: e.name, message: e.message, stack: e.stack }
}

function main(): void {
  const link = channel()
  let stdout: RendererStdout | undefined
  let view: MountedDashboard | undefined
  let failed = false
  let closed = false
  const fail = (error: unknown) => {
    if (failed) return
    failed = true
    link.send(describe(error))
  }
  const start = (m: StartMessage) => {
    const output = m.output
    const sink =
      output === 'forward'
        ? (chunk: string | Uint8Array) =>
            link.send({ type: 'write', chunk: typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString() })
        : (chunk: string | Uint8Array) => {
            if (closed) return
            try {
              writeAll(output.fd, chunk)
            } catch (error) {
              // the terminal or pipe went away (EPIPE, EIO): nothing more can be drawn; say so once
              closed = true
              fail(error)
            }
          }
    stdout = new RendererStdout(sink, m.first.columns, m.first.rows, m.isTTY)
    view = mountDashboard(m.first.snapshot, m.first.columns, {
      stdout: stdout as unknown as NodeJS.WriteStream,
      refreshMs: m.refreshMs,
      title: m.title,
      chartHeight: m.chartHeight,
      patchConsole: m.patchConsole,
      onRenderError: fail,
    })
  }
  link.listen(message => {
    try {
      if (message.type === 'start') start(message)
      else if (message.type === 'frame' && !failed) {
        stdout?.resize(message.columns, message.rows)
        view?.show(message.snapshot, message.columns)
      } else if (message.type === 'console') console[message.method](message.text)
      else if (message.type === 'stop') {
        if (!failed) view?.unmount()
        link.send({ type: 'stopped' })
        link.close()
        return
      }
      if (message.type === 'start' || message.type === 'frame') link.send({ type: 'drawn' })
    } catch (error) {
      fail(error)
    }
  })
  link.send({ type: 'listening' })
}

main()
