/**
 * Real redis-server instances for tests (Debian's redis-server 7.0; `.ci/run` installs it): each on a
 * free loopback port, in its own temporary directory, stopped by PID. Never a mock.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A free TCP port on 127.0.0.1 (the OS picks it; a race with another process is possible but rare). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Options of `startRedis`. */
export interface RedisServerOptions {
  /** Append-only file with `appendfsync always`, so a restart loses nothing acknowledged. Default false. */
  aof?: boolean
  /** Start as a Redis Cluster node (`--cluster-enabled yes`). Default false. */
  cluster?: boolean
  /** A fixed port (for a restart on the same address); default a free one. */
  port?: number
  /** The directory for its files; default a new temporary one (removed by `stop`). */
  dir?: string
}

/** A running redis-server started by a test. */
export interface RedisServer {
  readonly port: number
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  readonly dir: string
  /** The server's process id. */
  pid(): number
  /** Sends `signal` to the server (SIGKILL to crash it, SIGSTOP/SIGCONT to pause it). */
  kill(signal: NodeJS.Signals): void
  /** Kills it (SIGKILL) and starts it again on the same port and directory (the AOF is replayed). */
  restart(): Promise<void>
  /** Stops it by PID and removes its directory (when this module created it). */
  stop(): Promise<void>
}

/** Starts a redis-server on 127.0.0.1 and waits until it answers PING. */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const ownDir = options.dir === undefined
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'midstream-redis-'))
  const port = options.port ?? (await freePort())
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--protected-mode', 'yes']
  if (options.aof === true) args.push('--appendonly', 'yes', '--appendfsync', 'always')
  if (options.cluster === true)
    args.push(
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, 'nodes.conf'),
      '--cluster-node-timeout',
      '2000',
    )
  let child = await launch(args, port)
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    pid: () => child.pid ?? -1,
    kill: signal => {
      child.kill(signal)
    },
    async restart() {
      await stopChild(child, 'SIGKILL')
      child = await launch(args, port)
    },
    async stop() {
      await stopChild(child, 'SIGTERM')
      if (ownDir) rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function launch(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', chunk => {
    stderr += chunk
  })
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', code => reject(new Error(`redis-server exited with ${code} before answering: ${stderr}`))),
  )
  exited.catch(() => {})
  await Promise.race([waitForPing(port, 10_000), exited])
  return child
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  child.kill('SIGCONT') // a paused server cannot handle SIGTERM
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

/** Resolves once a server on `port` answers PING (and is not loading its AOF), or rejects after `timeoutMs`. */
export async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if ((await ping(port)) === '+PONG') return
    if (Date.now() > deadline) throw new Error(`redis on port ${port} did not answer PING within ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

function ping(port: number): Promise<string> {
  return new Promise(resolve => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = ''
    const done = (answer: string): void => {
      socket.destroy()
      resolve(answer)
    }
    socket.setTimeout(1_000, () => done('timeout'))
    socket.once('error', () => done('error'))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.on('data', chunk => {
      reply += chunk
      if (reply.includes('\r\n')) done(reply.split('\r\n')[0])
    })
  })
}

/** A Redis Cluster of masters on loopback ports, made with `redis-cli --cluster create`. */
export interface RedisCluster {
  readonly nodes: readonly RedisServer[]
  /** The nodes' `redis://127.0.0.1:<port>` addresses (node-redis `createCluster({ rootNodes })` takes them). */
  readonly urls: readonly string[]
  stop(): Promise<void>
}

/** Starts `masters` cluster-enabled servers and joins them (no replicas); resolves once `cluster_state:ok`. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const nodes = await Promise.all(Array.from({ length: masters }, () => startRedis({ cluster: true })))
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map(node => node.stop()))
  }
  try {
    const addresses = nodes.map(node => `127.0.0.1:${node.port}`)
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'])
    const deadline = Date.now() + 15_000
    for (const node of nodes) {
      for (;;) {
        const { stdout } = await run('redis-cli', ['-p', String(node.port), 'cluster', 'info'])
        if (stdout.includes('cluster_state:ok')) break
        if (Date.now() > deadline) throw new Error(`cluster node ${node.port} not ok: ${stdout.split('\n')[0]}`)
        await new Promise(resolve => setTimeout(resolve, 100))
      }
    }
  } catch (error) {
    await stop()
    throw error
  }
  return { nodes, urls: nodes.map(node => node.url), stop }
}
