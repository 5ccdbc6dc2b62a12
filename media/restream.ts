import { createInterface } from 'node:readline'
import { Observable, type Subscriber } from 'rxjs'
import { describeValue } from '../src/errors'
import { checkBoolean, checkInteger, checkMilliseconds, checkOptions, checkString } from '../src/validate'
import {
  type FfmpegExit,
  type FfmpegProcess,
  ffmpegError,
  ffmpegMessageLine,
  MediaSourceError,
  spawnFfmpeg,
} from './ffmpeg'
import { type ProgressBlock, ProgressReader, teeFailure } from './restreamProgress'
import { type ResolvedOutput, type RestreamOutput, resolveOutput, teeArgument } from './teeMuxer'

/** How `restream` restarts ffmpeg when a live input is lost. Times in ms. */
export interface RestreamReconnectOptions {
  /** Wait before the first restart. Default 500. */
  readonly initialDelayMs?: number
  /** The cap of the doubling wait. Default 10 000. */
  readonly maxDelayMs?: number
  /** Restarts in a row without progress before giving up with a `MediaSourceError` (code `'stream'`). Default Infinity. */
  readonly maxAttempts?: number
  /** A run whose output time has not advanced for this long is stopped and restarted (a stalled input). Default 5000. */
  readonly stallMs?: number
  /** A run that has made no progress this long after its start (connecting, probing the input) is stopped and restarted. Default 15 000. */
  readonly startMs?: number
}

/** `restream`'s options; an unknown name is a `TypeError` at the call. */
export interface RestreamOptions {
  /** Remux without re-encoding (`-c copy`): the input's codecs must suit every output. Default false: H.264 (libx264 ultrafast, zerolatency) + AAC. */
  readonly copy?: boolean
  /** The ffmpeg binary. Default `'ffmpeg'` (on the PATH). */
  readonly ffmpegPath?: string
  /** ffmpeg options placed before `-i` (`['-re', '-f', 'lavfi']`, `['-t', '3']`, `['-rw_timeout', '5000000']`). */
  readonly inputOptions?: readonly string[]
  /** ffmpeg options placed after the codec options and before `-f tee` (`['-b:v', '2M']`, `['-t', '10']`). */
  readonly outputOptions?: readonly string[]
  /** A keyframe at least every this many ms when encoding (players join at keyframes; HLS cuts there). Default 1000. */
  readonly keyframeMs?: number
  /** Audio bitrate when encoding, bit/s. Default 128 000. */
  readonly audioBitrate?: number
  /** How often ffmpeg reports progress (`-stats_period`), ms. Default 500. */
  readonly progressMs?: number
  /**
   * Restart ffmpeg when it exits or stalls (a live input lost): `true` for the defaults or the
   * backoff's settings. With reconnect, an input that ends is treated as lost too. Default false.
   */
  readonly reconnect?: boolean | RestreamReconnectOptions
  /** After an unsubscribe, how long ffmpeg gets to write its trailers (SIGTERM) before SIGKILL. Default 3000. */
  readonly stopTimeoutMs?: number
}

/** The state of one output in a health value. */
export interface RestreamOutputHealth {
  /** Its position in `outputs`. */
  readonly index: number
  /** Its `name` (default: its address). */
  readonly name: string
  /** The address of this run (a file output gets `-<run>` before its extension after a restart). */
  readonly target: string
  /** `'failed'` once ffmpeg's tee gave it up (the others go on); `'up'` otherwise. */
  readonly state: 'up' | 'failed'
  /** ffmpeg's line about the failure (`Slave muxer #1 failed: Connection refused, continuing with 2/3 slaves.`). */
  readonly error?: string
}

/** What a `restream` emits: the latest progress of the running ffmpeg and the state of every output. */
export interface RestreamHealth extends Omit<ProgressBlock, 'progress'> {
  /** `'running'` while ffmpeg runs, `'reconnecting'` while waiting to restart it, `'ended'` on the last value of a finished input. */
  readonly state: 'running' | 'reconnecting' | 'ended'
  /** Why this value was emitted: a progress block, an output failed, a restart is due, or the input ended. */
  readonly event: 'progress' | 'output' | 'reconnecting' | 'end'
  /** The process id of the ffmpeg of this run (undefined while reconnecting). */
  readonly pid?: number
  /** ffmpeg runs so far minus one: 0 on the first run, +1 per restart. */
  readonly run: number
  /** Restarts in a row without progress (0 while healthy); `maxAttempts` caps it. */
  readonly attempt: number
  /** While reconnecting: the wait before the restart, ms. */
  readonly retryInMs?: number
  /** While reconnecting: why (ffmpeg's last line, or that the output time stalled). */
  readonly reason?: string
  /** Every output, in the order given. */
  readonly outputs: readonly RestreamOutputHealth[]
}

interface Settings {
  readonly input: string
  readonly outputs: readonly ResolvedOutput[]
  readonly copy: boolean
  readonly ffmpegPath: string
  readonly inputOptions: readonly string[]
  readonly outputOptions: readonly string[]
  readonly keyframeMs: number
  readonly audioBitrate: number
  readonly progressMs: number
  readonly reconnect: Required<RestreamReconnectOptions> | undefined
  readonly stopTimeoutMs: number
}

const FN = 'restream'
const OPTION_NAMES = [
  'copy',
  'ffmpegPath',
  'inputOptions',
  'outputOptions',
  'keyframeMs',
  'audioBitrate',
  'progressMs',
  'reconnect',
  'stopTimeoutMs',
]
const RECONNECT_NAMES = ['initialDelayMs', 'maxDelayMs', 'maxAttempts', 'stallMs', 'startMs']

function checkArgs(name: string, value: unknown): readonly string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.some(a => typeof a !== 'string' || a.includes('\0')))
    throw new TypeError(`${FN}: ${name} must be an array of strings, got ${describeValue(value)}`)
  return [...value]
}

function checkReconnect(value: unknown): Required<RestreamReconnectOptions> | undefined {
  if (value === undefined || value === false) return undefined
  const options = (value === true ? {} : value) as RestreamReconnectOptions
  checkOptions(`${FN}: reconnect`, options, RECONNECT_NAMES, true)
  const initialDelayMs = checkMilliseconds(FN, 'reconnect.initialDelayMs', options.initialDelayMs ?? 500)
  const maxDelayMs = checkMilliseconds(FN, 'reconnect.maxDelayMs', options.maxDelayMs ?? 10_000)
  if (maxDelayMs < initialDelayMs)
    throw new RangeError(`${FN}: reconnect.maxDelayMs (${maxDelayMs}) must be >= initialDelayMs (${initialDelayMs})`)
  const maxAttempts = options.maxAttempts ?? Infinity
  if (maxAttempts !== Infinity) checkInteger(FN, 'reconnect.maxAttempts', maxAttempts, { min: 1 })
  const stallMs = checkMilliseconds(FN, 'reconnect.stallMs', options.stallMs ?? 5000)
  const startMs = checkMilliseconds(FN, 'reconnect.startMs', options.startMs ?? 15_000)
  if (stallMs === 0 || startMs === 0)
    throw new RangeError(`${FN}: reconnect.${stallMs === 0 ? 'stallMs' : 'startMs'} must be > 0, got 0`)
  return { initialDelayMs, maxDelayMs, maxAttempts, stallMs, startMs }
}

function resolveSettings(input: unknown, outputs: unknown, options: RestreamOptions): Settings {
  checkString(FN, 'input', input)
  if (!Array.isArray(outputs) || outputs.length === 0)
    throw new TypeError(
      `${FN}: outputs must be a non-empty array of { url | dir | file }, got ${describeValue(outputs)}`,
    )
  checkOptions(FN, options, OPTION_NAMES)
  const resolved = outputs.map((o: RestreamOutput, i) => resolveOutput(FN, o, i))
  const positive = (name: string, value: number) => {
    if (checkMilliseconds(FN, name, value) === 0) throw new RangeError(`${FN}: ${name} must be > 0, got 0`)
    return value
  }
  return {
    input: input as string,
    outputs: resolved,
    copy: options.copy === undefined ? false : checkBoolean(FN, 'copy', options.copy),
    ffmpegPath: checkString(FN, 'ffmpegPath', options.ffmpegPath ?? 'ffmpeg'),
    inputOptions: checkArgs('inputOptions', options.inputOptions),
    outputOptions: checkArgs('outputOptions', options.outputOptions),
    keyframeMs: positive('keyframeMs', options.keyframeMs ?? 1000),
    audioBitrate: checkInteger(FN, 'audioBitrate', options.audioBitrate ?? 128_000, { min: 8000 }),
    progressMs: positive('progressMs', options.progressMs ?? 500),
    reconnect: checkReconnect(options.reconnect),
    stopTimeoutMs: checkMilliseconds(FN, 'stopTimeoutMs', options.stopTimeoutMs ?? 3000),
  }
}

/** The outputs of run `run`: after a restart a file output gets `-<run>` before its extension, so nothing is overwritten; HLS appends to its playlist. */
function outputsOfRun(outputs: readonly ResolvedOutput[], run: number): ResolvedOutput[] {
  if (run === 0) return [...outputs]
  return outputs.map(o => {
    if (o.kind === 'file') return { ...o, target: o.target.replace(/(\.[A-Za-z0-9]+)?$/, `-${run}$1`) }
    if (o.kind === 'dir') {
      const flags = o.options.hls_flags === undefined ? '' : `${o.options.hls_flags}+`
      return { ...o, options: { ...o.options, hls_flags: `${flags}append_list+discont_start` } }
    }
    return o
  })
}

/** ffmpeg's arguments for one run (`spawnFfmpeg` adds `-hide_banner -loglevel error -nostdin`: tee's failure lines are errors). */
function restreamArgs(settings: Settings, outputs: readonly ResolvedOutput[]): string[] {
  const s = settings
  const codecs = s.copy
    ? ['-c', 'copy']
    : [
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p'],
        ...['-force_key_frames', `expr:gte(t,n_forced*${s.keyframeMs / 1000})`],
        ...['-c:a', 'aac', '-b:a', String(s.audioBitrate)],
        ...['-flags', '+global_header'],
      ]
  return [
    ...['-nostats', '-y'],
    ...['-progress', 'pipe:1', '-stats_period', String(s.progressMs / 1000)],
    ...s.inputOptions,
    ...['-i', s.input],
    ...['-map', '0:v?', '-map', '0:a?'],
    ...codecs,
    ...s.outputOptions,
    ...['-f', 'tee', teeArgument(outputs)],
  ]
}

/**
 * Restreams one input to several outputs (RTMP servers, HLS directories, files) with one ffmpeg and
 * its `tee` muxer, and emits the health of the restream. Each output is a tee slave with
 * `onfail=ignore` (unless `required`), so one output that fails (a server down, a full disk) is
 * marked `failed` with ffmpeg's line about it while the others go on. Without `copy`, video is
 * encoded with libx264 (ultrafast, zerolatency, a keyframe every `keyframeMs`) and audio with AAC.
 *
 * Emits a `RestreamHealth` on every `-progress` block of ffmpeg (every `progressMs`), when an
 * output fails, when a restart is due (`reconnecting`), and a last one (`ended`) when a finite input
 * ends; then completes. Errors with a `MediaSourceError` carrying ffmpeg's own line: code
 * `'ffmpeg-missing'` when ffmpeg cannot be started, `'input'` when it fails before any progress (the
 * input cannot be read, or every output failed), `'stream'` when it fails later or when
 * `reconnect.maxAttempts` restarts in a row made no progress. With `reconnect`, a run that exits, makes no progress within `startMs` of its start, or
 * whose output time stalls for `stallMs` is restarted after a doubling wait (`initialDelayMs` .. `maxDelayMs`); file outputs of a restarted
 * run get `-<run>` before their extension and HLS playlists are appended to. Unsubscribing stops
 * ffmpeg (SIGTERM, so files get their trailers; SIGKILL after `stopTimeoutMs`). Bad arguments throw
 * a `TypeError`/`RangeError` at the call, naming the value.
 *
 * ```ts
 * restream('rtmp://ingest.local/live/show', [
 *   { url: 'rtmp://a.example/live/key' },
 *   { dir: '/var/www/hls' },
 *   { file: '/rec/show.mkv' },
 * ], { copy: true, reconnect: true }).subscribe(h => console.log(h.state, h.speed, h.outputs.map(o => o.state)))
 * ```
 */
export function restream(
  input: string,
  outputs: readonly RestreamOutput[],
  options: RestreamOptions = {},
): Observable<RestreamHealth> {
  const settings = resolveSettings(input, outputs, options)
  return new Observable<RestreamHealth>(subscriber => {
    const session = new RestreamSession(settings, subscriber)
    session.start()
    return () => session.stop()
  })
}

/** One subscription's ffmpeg runs, restarts and health. */
class RestreamSession {
  private ff: FfmpegProcess | undefined
  private run = 0
  private attempt = 0
  /** This run has advanced its output time. */
  private progressed = false
  /** Some run has. */
  private everProgressed = false
  private lastOutTimeMs = -1
  private stopped = false
  private latest: Omit<ProgressBlock, 'progress'> = {}
  private outputs: RestreamOutputHealth[] = []
  private stallTimer: ReturnType<typeof setTimeout> | undefined
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private stalled = false

  constructor(
    private readonly settings: Settings,
    private readonly subscriber: Subscriber<RestreamHealth>,
  ) {}

  start(): void {
    const outputs = outputsOfRun(this.settings.outputs, this.run)
    this.outputs = outputs.map((o, index) => ({ index, name: o.name, target: o.target, state: 'up' }))
    this.latest = {}
    this.progressed = false
    this.stalled = false
    this.lastOutTimeMs = -1
    const ff: FfmpegProcess = spawnFfmpeg(restreamArgs(this.settings, outputs), {
      ffmpegPath: this.settings.ffmpegPath,
      onStderrLine: line => {
        if (ff === this.ff) this.onStderr(line)
      },
    })
    this.ff = ff
    const reader = new ProgressReader()
    const stdout = ff.outputs[1]
    if (stdout !== undefined)
      createInterface({ input: stdout }).on('line', line => {
        const block = reader.push(line)
        if (block !== undefined && ff === this.ff) this.onProgress(block)
      })
    void ff.closed.then(exit => {
      if (ff === this.ff) this.onExit(ff, exit)
    })
    this.armStallTimer()
  }

  private emit(event: RestreamHealth['event'], state: RestreamHealth['state'], extra: object = {}): void {
    if (this.stopped) return
    const pid = state === 'reconnecting' || this.ff === undefined ? undefined : this.ff.pid
    const health: RestreamHealth = {
      ...this.latest,
      state,
      event,
      pid,
      run: this.run,
      attempt: this.attempt,
      outputs: this.outputs.map(o => ({ ...o })),
      ...extra,
    }
    this.subscriber.next(health)
  }

  private onProgress(block: ProgressBlock): void {
    const { progress: _, ...fields } = block
    this.latest = fields
    const outTime = block.outTimeMs ?? -1
    if (outTime > this.lastOutTimeMs) {
      this.lastOutTimeMs = outTime
      if (outTime > 0) {
        this.progressed = true
        this.everProgressed = true
        this.attempt = 0
      }
      this.armStallTimer()
    }
    this.emit('progress', 'running')
  }

  private onStderr(line: string): void {
    const failure = teeFailure(line)
    const output = failure === undefined ? undefined : this.outputs[failure.index]
    if (failure === undefined || output === undefined || output.state === 'failed') return
    this.outputs[failure.index] = { ...output, state: 'failed', error: failure.line }
    this.emit('output', 'running')
  }

  private onExit(ff: FfmpegProcess, exit: FfmpegExit): void {
    this.clearStallTimer()
    if (this.stopped) return
    const lines = ff.stderrLines()
    const reconnect = this.settings.reconnect
    if (exit.spawnError !== undefined || reconnect === undefined) {
      if (exit.spawnError === undefined && exit.code === 0) {
        this.emit('end', 'ended')
        this.ff = undefined
        this.subscriber.complete()
      } else this.fail(this.exitError(exit, lines))
      return
    }
    const reason = this.stalled
      ? `no progress for ${this.progressed ? reconnect.stallMs : reconnect.startMs} ms`
      : (ffmpegMessageLine(lines) ?? `ffmpeg exited with ${exit.code ?? exit.signal}`)
    this.attempt = this.progressed ? 1 : this.attempt + 1
    if (this.attempt > reconnect.maxAttempts) {
      const message = `${FN}: gave up after ${reconnect.maxAttempts} restarts without progress: ${reason}`
      this.fail(
        new MediaSourceError(message, { code: 'stream', ffmpegMessage: reason, exitCode: exit.code, stderr: lines }),
      )
      return
    }
    const delay = Math.min(reconnect.maxDelayMs, reconnect.initialDelayMs * 2 ** (this.attempt - 1))
    this.ff = undefined
    this.emit('reconnecting', 'reconnecting', { retryInMs: delay, reason })
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      this.run++
      this.start()
    }, delay)
  }

  /** The error for a run that failed: ffmpeg missing, or its exit code and own line. */
  private exitError(exit: FfmpegExit, lines: readonly string[]): MediaSourceError {
    const missing = ffmpegError(FN, exit, lines, false, this.settings.ffmpegPath)
    if (exit.spawnError !== undefined && missing !== null) return missing
    // the tee muxer's first line names the output that failed and why; ffmpeg's last line rarely does
    const line =
      lines.find(l => l.startsWith('[tee @'))?.replace(/^\[tee @ 0x[0-9a-f]+\]\s*/, '') ?? ffmpegMessageLine(lines)
    const how = exit.code === null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`
    return new MediaSourceError(`${FN}: ffmpeg ${how}${line === undefined ? '' : `: ${line}`}`, {
      code: this.everProgressed ? 'stream' : 'input',
      ffmpegMessage: line,
      exitCode: exit.code,
      stderr: lines,
    })
  }

  private armStallTimer(): void {
    const reconnect = this.settings.reconnect
    if (reconnect === undefined) return
    this.clearStallTimer()
    this.stallTimer = setTimeout(
      () => {
        this.stallTimer = undefined
        this.stalled = true
        this.ff?.child.kill('SIGKILL')
      },
      this.progressed ? reconnect.stallMs : reconnect.startMs,
    )
  }

  private clearStallTimer(): void {
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer)
    this.stallTimer = undefined
  }

  private fail(error: MediaSourceError): void {
    if (this.stopped) return
    this.subscriber.error(error)
    this.stop()
  }

  /** Stops everything: timers, and ffmpeg (SIGTERM, so files get their trailers; SIGKILL after `stopTimeoutMs`). */
  stop(): void {
    this.stopped = true
    this.clearStallTimer()
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    const ff = this.ff
    this.ff = undefined
    void ff?.stop(this.settings.stopTimeoutMs)
  }
}
