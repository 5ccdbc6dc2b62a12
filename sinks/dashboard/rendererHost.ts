/**
 * Starts the dashboard's ink renderer (`terminalRenderer`) in a worker thread or a child process,
 * and is the pipeline side's only handle on it.
 * @internal
 */
import { type ChildProcess, fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { FromRenderer, ToRenderer } from './rendererProtocol'

/** Where the renderer runs. */
export type RendererPlace = 'worker' | 'process'

/** The pipeline side of a running renderer. */
export interface RendererLink {
  /** Sends a message; a no-op once the renderer has gone. */
  send(message: ToRenderer): void
  /** Ends the renderer now (it said it stopped, or it must go). */
  end(): void
  /** Settles when the renderer's thread or process has exited. */
  readonly exited: Promise<void>
}

export interface RendererEvents {
  message(message: FromRenderer): void
  /** The renderer could not start, threw outside a frame, or exited before it was ended. */
  failed(error: Error): void
}

/**
 * The renderer's module: `terminalRenderer.js` beside this code in the package's build, else the
 * TypeScript source (a checkout run by tsx or vitest), loaded with tsx's hooks.
 */
function rendererModule(): RendererModule {
  const here = dirname(fileURLToPath(import.meta.url))
  const built = join(here, 'terminalRenderer.js')
  if (existsSync(built)) return { file: built, tsx: undefined }
  const source = join(here, 'terminalRenderer.ts')
  if (!existsSync(source))
    throw new Error(
      `renderDashboard: the renderer module is missing (looked for ${built}): ship it beside this code, or pass renderer: 'inline'`,
    )
  const tsx = dirname(createRequire(import.meta.url).resolve('tsx/package.json'))
  return { file: source, tsx }
}

interface RendererModule {
  /** The renderer's file. */
  readonly file: string
  /** tsx's folder when the file is TypeScript. */
  readonly tsx: string | undefined
}

/** Starts the renderer; `fd` is the descriptor a child process inherits as its stdout, if any. */
export function startRenderer(place: RendererPlace, fd: number | undefined, events: RendererEvents): RendererLink {
  const module = rendererModule()
  return place === 'worker' ? startWorker(module, events) : startChild(module, fd, events)
}

function exitedBeforeEnd(what: string, code: number | null, signal?: NodeJS.Signals | null): Error {
  return new Error(
    `renderDashboard: the renderer's ${what} exited before the dashboard stopped (${signal ? `signal ${signal}` : `code ${code}`})`,
  )
}

function startWorker(module: RendererModule, events: RendererEvents): RendererLink {
  // Node 20 does not apply a worker's `--import` hooks to its entry point: the TypeScript source is
  // loaded by a bootstrap that registers tsx first
  const worker =
    module.tsx === undefined
      ? new Worker(module.file, { stdout: false, stderr: false })
      : new Worker(
          `import(${JSON.stringify(pathToFileURL(join(module.tsx, 'dist/esm/api/index.mjs')).href)}).then(tsx => { tsx.register(); return import(${JSON.stringify(pathToFileURL(module.file).href)}) })`,
          { eval: true, stdout: false, stderr: false },
        )
  let ended = false
  worker.on('message', events.message)
  worker.on('error', error => events.failed(error))
  const exited = new Promise<void>(resolve =>
    worker.once('exit', code => {
      if (!ended) events.failed(exitedBeforeEnd('worker thread', code))
      resolve()
    }),
  )
  return {
    send: message => worker.postMessage(message),
    end: () => {
      ended = true
      void worker.terminate()
    },
    exited,
  }
}

function startChild(module: RendererModule, fd: number | undefined, events: RendererEvents): RendererLink {
  const child: ChildProcess = fork(module.file, [], {
    execArgv: module.tsx === undefined ? [] : ['--import', pathToFileURL(join(module.tsx, 'dist/loader.mjs')).href],
    stdio: ['ignore', fd ?? 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
  })
  let ended = false
  // a message that reaches the child before it listens is lost: hold them until it says it listens
  let held: ToRenderer[] | undefined = []
  const deliver = (message: ToRenderer) => {
    if (child.connected) child.send(message)
  }
  child.on('message', (message: FromRenderer) => {
    if (message.type !== 'listening') return events.message(message)
    for (const m of held ?? []) deliver(m)
    held = undefined
  })
  child.on('error', error => events.failed(error))
  const exited = new Promise<void>(resolve =>
    child.once('exit', (code, signal) => {
      if (!ended) events.failed(exitedBeforeEnd('child process', code, signal))
      resolve()
    }),
  )
  return {
    send: message => (held === undefined ? deliver(message) : held.push(message)),
    end: () => {
      ended = true
      if (child.connected) child.disconnect() // the renderer exits on disconnect
      if (child.exitCode === null && child.signalCode === null) child.kill()
    },
    exited,
  }
}
