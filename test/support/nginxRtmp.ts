/**
 * A real RTMP server for tests: Debian's nginx with libnginx-mod-rtmp (`.ci/run` installs both), on a
 * free loopback port, in its own temporary prefix directory, in the foreground (`daemon off`), stopped
 * by PID. Streams are published to and played from `rtmp://127.0.0.1:<port>/live/<name>`. Never a mock.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './redisServer'

/** Where Debian's libnginx-mod-rtmp puts the module. */
export const RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so'

/** A running nginx-rtmp started by a test. */
export interface RtmpServer {
  readonly port: number
  /** `rtmp://127.0.0.1:<port>/live`: append `/<stream name>`. */
  readonly url: string
  readonly dir: string
  pid(): number
  /** Kills nginx (SIGKILL: master and workers) and starts it again on the same port. */
  restart(): Promise<void>
  /** Stops nginx by PID (SIGKILL, workers too) without removing its directory; `start()` brings it back. */
  kill(): Promise<void>
  /** Starts nginx again on the same port after `kill()`. */
  start(): Promise<void>
  /** Stops nginx and removes its directory. */
  stop(): Promise<void>
}

/** Starts nginx with one RTMP application `live` (`live on`) on 127.0.0.1 and waits until it accepts connections. */
export async function startRtmpServer(options: { port?: number } = {}): Promise<RtmpServer> {
  if (!existsSync(RTMP_MODULE))
    throw new Error(`startRtmpServer: ${RTMP_MODULE} is missing (apt-get install nginx libnginx-mod-rtmp)`)
  const dir = mkdtempSync(join(tmpdir(), 'midstream-rtmp-'))
  mkdirSync(join(dir, 'logs'))
  const port = options.port ?? (await freePort())
  const conf = join(dir, 'nginx.conf')
  writeFileSync(
    conf,
    [
      `load_module ${RTMP_MODULE};`,
      'daemon off;',
      'master_process off;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'logs', 'error.log')} warn;`,
      'events { worker_connections 64; }',
      `rtmp { server { listen 127.0.0.1:${port}; chunk_size 4096; application live { live on; record off; } } }`,
      '',
    ].join('\n'),
  )
  let child: ChildProcess | undefined = await launch(dir, conf, port)
  const kill = async (): Promise<void> => {
    if (child !== undefined) await stopChild(child)
    child = undefined
  }
  return {
    port,
    url: `rtmp://127.0.0.1:${port}/live`,
    dir,
    pid: () => child?.pid ?? -1,
    kill,
    async start() {
      if (child === undefined) child = await launch(dir, conf, port)
    },
    async restart() {
      await kill()
      child = await launch(dir, conf, port)
    },
    async stop() {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function launch(dir: string, conf: string, port: number): Promise<ChildProcess> {
  // master_process off: one process serves everything, so killing its PID leaves nothing behind
  const child = spawn('nginx', ['-p', dir, '-c', conf, '-e', join(dir, 'logs', 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', chunk => {
    stderr += chunk
  })
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', code => reject(new Error(`nginx exited with ${code} before listening: ${stderr}`))),
  )
  exited.catch(() => {})
  await Promise.race([waitForListen(port, 10_000), exited])
  return child
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  child.kill('SIGKILL')
  await exited
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`, or rejects after `timeoutMs`. */
export async function waitForListen(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const open = await new Promise<boolean>(resolve => {
      const socket = createConnection({ host: '127.0.0.1', port })
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}
