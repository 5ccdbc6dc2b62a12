/**
 * The ffmpeg process plumbing shared by `mediaSource`, `restream` and `webrtcSource`: spawning
 * ffmpeg with extra output pipes, keeping its stderr lines, picking ffmpeg's own message line for
 * errors, and stopping it (SIGTERM, then SIGKILL after a grace period) and waiting until it is reaped.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'

/** What went wrong, for `MediaSourceError.code`. */
export type MediaSourceErrorCode =
  /** ffmpeg could not be started: not on the PATH (or at `ffmpegPath`), or not executable. */
  | 'ffmpeg-missing'
  /** ffmpeg failed before any output: the input could not be opened or read (no such file, connection refused, no audio stream, bad option). */
  | 'input'
  /** ffmpeg failed after output had started: the stream broke (or reconnecting gave up). */
  | 'stream'

/**
 * A failure of ffmpeg or its input, carrying ffmpeg's own message line (`ffmpegMessage`, e.g.
 * `"/tmp/x.wav: No such file or directory"` or `"rtmp://127.0.0.1:1935/live/a: Connection refused"`)
 * and the last lines it printed.
 */
export class MediaSourceError extends Error {
  /** The error's name, for logs and `instanceof`-free checks. */
  override readonly name = 'MediaSourceError'
  /** What went wrong. */
  readonly code: MediaSourceErrorCode
  /** The line of ffmpeg's stderr that says what failed, when it printed one. */
  readonly ffmpegMessage: string | undefined
  /** ffmpeg's exit code (`null` when it was killed by a signal or never started). */
  readonly exitCode: number | null
  /** The last lines ffmpeg printed on stderr (at most 20). */
  readonly stderr: readonly string[]

  constructor(
    message: string,
    details: {
      code: MediaSourceErrorCode
      ffmpegMessage?: string
      exitCode?: number | null
      stderr?: readonly string[]
      cause?: unknown
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.code = details.code
    this.ffmpegMessage = details.ffmpegMessage
    this.exitCode = details.exitCode ?? null
    this.stderr = details.stderr ?? []
  }
}

/** Options of `spawnFfmpeg`. */
export interface SpawnFfmpegOptions {
  /** The ffmpeg binary: a path or a name looked up on the PATH. Default `'ffmpeg'`. */
  readonly ffmpegPath?: string
  /** Output pipes besides stdout (fd 1): 1 adds fd 3, 2 adds fds 3 and 4. Default 0. */
  readonly extraPipes?: number
  /** Give ffmpeg a stdin pipe (for `-i pipe:0`); otherwise stdin is closed (and `-nostdin` is passed). */
  readonly stdin?: boolean
  /** Stderr lines kept for errors (the last ones). Default 20. */
  readonly keepLines?: number
  /** Called with each stderr line as it comes (exceptions are ignored: this is for logs). */
  readonly onStderrLine?: (line: string) => void
}

/** How an ffmpeg process ended. */
export interface FfmpegExit {
  /** Exit code, `null` when killed by a signal. */
  readonly code: number | null
  /** The signal that ended it, or `null`. */
  readonly signal: NodeJS.Signals | null
  /** The spawn error (e.g. ENOENT when the binary is missing), if it never ran. */
  readonly spawnError?: Error
}

/** A running ffmpeg. */
export interface FfmpegProcess {
  /** The child process. */
  readonly child: ChildProcess
  /** Its PID (`-1` when it could not be spawned). */
  readonly pid: number
  /** Readable output pipes by fd: `outputs[1]` is stdout, `outputs[3]` the first extra pipe, ... */
  readonly outputs: readonly (Readable | undefined)[]
  /** ffmpeg's stdin when spawned with `stdin: true`. */
  readonly stdin: Writable | undefined
  /** The last stderr lines. */
  stderrLines(): readonly string[]
  /** Resolves once ffmpeg has exited and all its pipes are closed (never rejects). */
  readonly closed: Promise<FfmpegExit>
  /** True once `stop()` was called. */
  readonly stopping: boolean
  /** SIGTERM, then SIGKILL after `graceMs` (default 1000), and resolves when it is reaped. Idempotent. */
  stop(graceMs?: number): Promise<FfmpegExit>
}

/**
 * Spawns `ffmpeg -hide_banner -loglevel error [-nostdin] <args>` with stdout and `extraPipes` more
 * output pipes, stderr collected in lines. Never throws for a missing binary: `closed` resolves
 * with `spawnError` (see `ffmpegError`).
 *
 * ```ts
 * const ff = spawnFfmpeg(['-f', 'lavfi', '-i', 'sine', '-t', '1', '-f', 'f32le', 'pipe:1'])
 * ff.outputs[1]?.on('data', chunk => framer.push(chunk, emit))
 * const exit = await ff.closed
 * ```
 */
export function spawnFfmpeg(args: readonly string[], options: SpawnFfmpegOptions = {}): FfmpegProcess {
  const extra = options.extraPipes ?? 0
  const keep = options.keepLines ?? 20
  const base = ['-hide_banner', '-loglevel', 'error', ...(options.stdin === true ? [] : ['-nostdin'])]
  const stdio: ('pipe' | 'ignore')[] = [options.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe']
  for (let i = 0; i < extra; i++) stdio.push('pipe')
  const child = spawn(options.ffmpegPath ?? 'ffmpeg', [...base, ...args], { stdio })
  const lines: string[] = []
  let partial = ''
  const addLine = (line: string): void => {
    const text = line.replace(/\r/g, '').trimEnd()
    if (text.length === 0) return
    lines.push(text)
    if (lines.length > keep) lines.shift()
    try {
      options.onStderrLine?.(text)
    } catch {
      // a logging callback must not break the source
    }
  }
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop() ?? ''
    for (const part of parts) addLine(part)
  })
  let spawnError: Error | undefined
  const closed = new Promise<FfmpegExit>(resolve => {
    child.once('error', error => {
      spawnError = error
      // a spawn failure emits 'error' and then 'close'; but be sure to settle
      if (child.pid === undefined) setImmediate(() => resolve({ code: null, signal: null, spawnError }))
    })
    child.once('close', (code, signal) => {
      addLine(partial)
      partial = ''
      resolve({ code, signal, spawnError })
    })
  })
  const outputs: (Readable | undefined)[] = []
  for (let fd = 1; fd < stdio.length; fd++)
    if (fd !== 2) outputs[fd] = (child.stdio[fd] as Readable | null) ?? undefined
  let stopping = false
  let stopped: Promise<FfmpegExit> | undefined
  const proc: FfmpegProcess = {
    child,
    pid: child.pid ?? -1,
    outputs,
    stdin: (child.stdin as Writable | null) ?? undefined,
    stderrLines: () => lines.slice(),
    closed,
    get stopping() {
      return stopping
    },
    stop(graceMs = 1000) {
      stopping = true
      stopped ??= stopProcess(child, closed, outputs, graceMs)
      return stopped
    },
  }
  return proc
}

async function stopProcess(
  child: ChildProcess,
  closed: Promise<FfmpegExit>,
  outputs: readonly (Readable | undefined)[],
  graceMs: number,
): Promise<FfmpegExit> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return closed
  child.stdin?.destroy()
  child.kill('SIGTERM')
  // unread output would block ffmpeg's writes: drain it away while it winds down
  for (const out of outputs) out?.resume()
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }, graceMs)
  try {
    return await closed
  } finally {
    clearTimeout(timer)
  }
}

/** Lines ffmpeg prints that say nothing about the cause. */
const NOISE = [/^Conversion failed!?$/, /^Exiting normally/, /^Press \[q\]/, /^\s*(size|frame)=/]

/**
 * ffmpeg's own message line among its last stderr lines: the last line that names a cause (with
 * `-loglevel error` ffmpeg prints only errors; "Conversion failed!" and the like are skipped), or
 * `undefined`.
 */
export function ffmpegMessageLine(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim()
    if (line.length > 0 && !NOISE.some(re => re.test(line))) return line
  }
  return undefined
}

/**
 * The `MediaSourceError` for an ffmpeg that ended badly (`null` for a clean exit 0), named after
 * `fn`: `'ffmpeg-missing'` when it never ran, `'input'` when it failed before any output,
 * `'stream'` when it failed after output had started.
 */
export function ffmpegError(
  fn: string,
  exit: FfmpegExit,
  lines: readonly string[],
  hadOutput: boolean,
  ffmpegPath = 'ffmpeg',
): MediaSourceError | null {
  if (exit.spawnError !== undefined) {
    const reason = (exit.spawnError as NodeJS.ErrnoException).code ?? exit.spawnError.message
    return new MediaSourceError(
      `${fn}: cannot run ffmpeg at ${JSON.stringify(ffmpegPath)} (${reason}); install it (apt-get install ffmpeg) or pass ffmpegPath`,
      { code: 'ffmpeg-missing', cause: exit.spawnError },
    )
  }
  if (exit.code === 0) return null
  const message = ffmpegMessageLine(lines)
  const how = exit.code === null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`
  const code: MediaSourceErrorCode = hadOutput ? 'stream' : 'input'
  const what = hadOutput ? 'the stream broke' : 'the input could not be read'
  return new MediaSourceError(`${fn}: ${what}: ffmpeg ${how}${message === undefined ? '' : `: ${message}`}`, {
    code,
    ffmpegMessage: message,
    exitCode: exit.code,
    stderr: lines,
  })
}
