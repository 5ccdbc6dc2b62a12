/**
 * `mediaSource`: any input ffmpeg reads (files, `-f lavfi` test sources, rtmp://, HLS over http(s),
 * rtsp://, ...) as a stream of typed audio and video frames.
 * @module
 */
import type { Readable } from 'node:stream'
import { Observable, type Subscriber } from 'rxjs'
import { describeValue } from '../src/errors'
import type { AudioFrame, MediaFrame, VideoFrame } from '../src/media/frames'
import { PcmFramer } from '../src/media/pcmFramer'
import { VideoSummary } from '../src/media/videoSummary'
import {
  checkBoolean,
  checkFunction,
  checkInteger,
  checkMilliseconds,
  checkNumber,
  checkOptions,
  checkString,
} from '../src/validate'
import { type FfmpegExit, type FfmpegProcess, ffmpegError, MediaSourceError, spawnFfmpeg } from './ffmpeg'

const FN = 'mediaSource'

/** The audio `mediaSource` emits: interleaved float PCM frames of `frameMs`. Every field has a default. */
export interface MediaAudioOptions {
  /** Samples per second per channel (ffmpeg resamples). Default 16000. */
  readonly sampleRate?: number
  /** Channels (ffmpeg down- or up-mixes). Default 1. */
  readonly channels?: number
  /** Frame duration in ms. Default 20. */
  readonly frameMs?: number
}

/** The video `mediaSource` summarises: frames at `fps`, scaled to `width x height`, as 8-bit luma. */
export interface MediaVideoOptions {
  /** Frames per second (ffmpeg's `fps` filter drops or duplicates frames to it). Required. */
  readonly fps: number
  /** Width of the analysed picture. Required. */
  readonly width: number
  /** Height of the analysed picture. Required. */
  readonly height: number
  /** Hand each frame's luma plane out in `VideoFrame.luma` (a copy per frame). Default false. */
  readonly luma?: boolean
}

/** What `onReconnect` is told before each new attempt. */
export interface MediaReconnect {
  /** Consecutive attempts without output so far, 1 for the first retry after a break. */
  readonly attempt: number
  /** The wait before this attempt, ms. */
  readonly delayMs: number
  /** Why the input was re-opened: ffmpeg's error, or `null` when the input simply ended (a live publisher stopped). */
  readonly error: MediaSourceError | null
  /** Bytes of incomplete audio samples and video frames dropped at breaks so far. */
  readonly droppedBytes: number
}

/** Reconnecting a live input that ends or breaks, with capped exponential backoff. */
export interface MediaReconnectOptions {
  /** Consecutive attempts that produce no output before giving up with the last error. Default 10. */
  readonly maxAttempts?: number
  /** The wait before the first attempt, ms; doubled for each further consecutive attempt. Default 500. */
  readonly initialDelayMs?: number
  /** The cap on the wait, ms. Default 10000. */
  readonly maxDelayMs?: number
  /** Called before each attempt (after its wait is decided); an exception is sent downstream as the stream's error. */
  readonly onReconnect?: (info: MediaReconnect) => void
}

/** Options of `mediaSource`; an unknown name is a `TypeError` at the call. */
export interface MediaSourceOptions {
  /** The audio to emit, or `false` for none. Default `{ sampleRate: 16000, channels: 1, frameMs: 20 }`. */
  readonly audio?: MediaAudioOptions | false
  /** The video to summarise, or `false` (the default) for none. */
  readonly video?: MediaVideoOptions | false
  /** The ffmpeg binary. Default `'ffmpeg'` on the PATH. */
  readonly ffmpegPath?: string
  /** Re-open the input when it ends or breaks (`true`: the defaults of {@link MediaReconnectOptions}). Default false. */
  readonly reconnect?: boolean | MediaReconnectOptions
  /** ffmpeg options placed before `-i input`, e.g. `['-re']`, `['-f', 'lavfi']`, `['-rtsp_transport', 'tcp']`. */
  readonly inputOptions?: readonly string[]
  /** Called with the PID of each ffmpeg started (for logs and tests). */
  readonly onSpawn?: (pid: number) => void
  /**
   * A live input that gives no output for this long (ms) counts as broken: ffmpeg is stopped and the
   * stream errors (code `'stream'`, or `'input'` before any output) or, with `reconnect`, re-opens it.
   * Default `Infinity` (wait forever: an RTMP player waits for a publisher that went away to come back).
   */
  readonly stallTimeoutMs?: number
  /**
   * Bytes to feed ffmpeg's stdin, for `input: 'pipe:0'` (e.g. raw PCM from a socket with
   * `inputOptions: ['-f', 's16le', '-ar', '8000', '-ac', '1']`). Not with `reconnect` (a stream
   * cannot be read twice). Ending it ends the input; an error on it is the stream's error.
   */
  readonly stdin?: NodeJS.ReadableStream
}

const OPTIONS = ['audio', 'video', 'ffmpegPath', 'reconnect', 'inputOptions', 'onSpawn', 'stallTimeoutMs', 'stdin']
const AUDIO_OPTIONS = ['sampleRate', 'channels', 'frameMs']
const VIDEO_OPTIONS = ['fps', 'width', 'height', 'luma']
const RECONNECT_OPTIONS = ['maxAttempts', 'initialDelayMs', 'maxDelayMs', 'onReconnect']

interface Settings {
  readonly input: string
  readonly audio: { sampleRate: number; channels: number; frameMs: number } | null
  readonly video: { fps: number; width: number; height: number; luma: boolean } | null
  readonly ffmpegPath: string
  readonly reconnect: Required<Omit<MediaReconnectOptions, 'onReconnect'>> & Pick<MediaReconnectOptions, 'onReconnect'>
  readonly reconnecting: boolean
  readonly inputOptions: readonly string[]
  readonly onSpawn: ((pid: number) => void) | undefined
  readonly stallTimeoutMs: number
  readonly stdin: NodeJS.ReadableStream | undefined
}

/**
 * Reads `input` with one ffmpeg and emits its audio as {@link AudioFrame}s (interleaved float PCM of
 * exactly `frameMs`, re-split from ffmpeg's stdout with `PcmFramer`) and, when `video` is given, a
 * {@link VideoFrame} per picture at `fps`: mean luma, motion and scdet's scene score computed here
 * from a `width x height` gray picture (`VideoSummary`), with the picture itself only on `luma: true`.
 * Audio leaves ffmpeg as `f32le` on stdout, video as gray `rawvideo` on fd 3; the two kinds are
 * emitted as they arrive (each in order, not merged by time).
 *
 * `index` and `ptsMs` count from the stream's start: samples / sampleRate for audio, index / fps for
 * video, and continue across reconnects (the media time, not the wall clock).
 *
 * Completes when the input ends (the last audio frame may be shorter). Errors with a
 * {@link MediaSourceError}: `'ffmpeg-missing'`, `'input'` (nothing could be read: ffmpeg's message
 * line, e.g. "No such file or directory", "Connection refused") or `'stream'` (it broke after
 * output had started). With `reconnect`, an input that ends or breaks is opened again after
 * `initialDelayMs`, doubling up to `maxDelayMs`, until `maxAttempts` consecutive attempts gave no
 * output; `onReconnect` sees each attempt. Bad options are a `TypeError`/`RangeError` at the call.
 * Unsubscribing stops ffmpeg (SIGTERM, SIGKILL after 1 s) and it is reaped; nothing is left behind.
 *
 * There is no backpressure: a live input pushes frames as fast as it plays (a file as fast as ffmpeg
 * decodes, unless `inputOptions: ['-re']`), so a consumer slower than that must drop or sample them
 * itself (`sampleTime`, `bufferCount`); memory is bounded only if the consumer keeps up.
 *
 * ```ts
 * mediaSource('rtmp://127.0.0.1/live/show', { audio: { sampleRate: 16000, channels: 1, frameMs: 20 }, reconnect: true })
 *   .pipe(filter(isAudioFrame))
 *   .subscribe(frame => console.log(frame.ptsMs, frame.samples.length))
 * ```
 */
export function mediaSource(input: string, options?: MediaSourceOptions): Observable<MediaFrame> {
  const settings = resolveSettings(input, options)
  return new Observable<MediaFrame>(subscriber => {
    const run = new MediaRun(settings, subscriber)
    run.open()
    return () => run.close()
  })
}

function resolveSettings(input: unknown, options: MediaSourceOptions | undefined): Settings {
  checkString(FN, 'input', input)
  const o = checkOptions(FN, options, OPTIONS)
  const audio = resolveAudio(o.audio)
  const video = resolveVideo(o.video)
  if (audio === null && video === null)
    throw new RangeError(`${FN}: audio and video are both off: nothing to read from ${JSON.stringify(input)}`)
  const inputOptions = o.inputOptions ?? []
  if (!Array.isArray(inputOptions) || inputOptions.some(a => typeof a !== 'string'))
    throw new TypeError(`${FN}: inputOptions must be an array of strings, got ${describeValue(inputOptions)}`)
  const reconnecting = o.reconnect !== undefined && o.reconnect !== false
  const r = typeof o.reconnect === 'object' ? checkOptions(`${FN} reconnect`, o.reconnect, RECONNECT_OPTIONS) : {}
  if (o.reconnect !== undefined && typeof o.reconnect !== 'object') checkBoolean(FN, 'reconnect', o.reconnect)
  const maxAttempts = r.maxAttempts ?? 10
  if (maxAttempts !== Infinity) checkInteger(FN, 'reconnect.maxAttempts', maxAttempts, { min: 1 })
  const initialDelayMs = checkMilliseconds(FN, 'reconnect.initialDelayMs', r.initialDelayMs ?? 500)
  const maxDelayMs = checkMilliseconds(FN, 'reconnect.maxDelayMs', r.maxDelayMs ?? 10_000)
  if (maxDelayMs < initialDelayMs)
    throw new RangeError(`${FN}: reconnect.maxDelayMs (${maxDelayMs}) must be >= initialDelayMs (${initialDelayMs})`)
  return {
    input: input as string,
    audio,
    video,
    ffmpegPath: o.ffmpegPath === undefined ? 'ffmpeg' : checkString(FN, 'ffmpegPath', o.ffmpegPath),
    reconnect: {
      maxAttempts,
      initialDelayMs,
      maxDelayMs,
      onReconnect: checkFunction(FN, 'reconnect.onReconnect', r.onReconnect),
    },
    reconnecting,
    inputOptions: [...inputOptions],
    onSpawn: checkFunction(FN, 'onSpawn', o.onSpawn),
    stallTimeoutMs: checkMilliseconds(FN, 'stallTimeoutMs', o.stallTimeoutMs ?? Infinity, true),
    stdin: resolveStdin(o.stdin, reconnecting),
  }
}

function resolveStdin(stdin: unknown, reconnecting: boolean): NodeJS.ReadableStream | undefined {
  if (stdin === undefined) return undefined
  if (stdin === null || typeof (stdin as NodeJS.ReadableStream).pipe !== 'function')
    throw new TypeError(`${FN}: stdin must be a readable stream, got ${describeValue(stdin)}`)
  if (reconnecting) throw new RangeError(`${FN}: stdin cannot be combined with reconnect (a stream is read once)`)
  return stdin as NodeJS.ReadableStream
}

function resolveAudio(audio: MediaAudioOptions | false | undefined): Settings['audio'] {
  if (audio === false) return null
  const a = checkOptions(`${FN} audio`, audio, AUDIO_OPTIONS)
  const sampleRate = checkInteger(FN, 'audio.sampleRate', a.sampleRate ?? 16000, { min: 1000, max: 768_000 })
  const channels = checkInteger(FN, 'audio.channels', a.channels ?? 1, { min: 1, max: 64 })
  const frameMs = checkNumber(FN, 'audio.frameMs', a.frameMs ?? 20, { above: 0, max: 60_000 })
  return { sampleRate, channels, frameMs }
}

function resolveVideo(video: MediaVideoOptions | false | undefined): Settings['video'] {
  if (video === false || video === undefined) return null
  const v = checkOptions(`${FN} video`, video, VIDEO_OPTIONS, true)
  return {
    fps: checkNumber(FN, 'video.fps', v.fps, { above: 0, max: 1000 }),
    width: checkInteger(FN, 'video.width', v.width, { min: 1, max: 8192 }),
    height: checkInteger(FN, 'video.height', v.height, { min: 1, max: 8192 }),
    luma: v.luma === undefined ? false : checkBoolean(FN, 'video.luma', v.luma),
  }
}

/** ffmpeg's arguments for `settings`: one input, audio as f32le on pipe:1, video as gray rawvideo on pipe:3. */
function mediaSourceArgs(settings: Pick<Settings, 'input' | 'audio' | 'video' | 'inputOptions'>): string[] {
  const args = [...settings.inputOptions, '-i', settings.input]
  const { audio, video } = settings
  if (audio !== null) args.push('-ac', String(audio.channels), '-ar', String(audio.sampleRate))
  if (audio !== null) args.push('-flush_packets', '1', '-f', 'f32le', 'pipe:1')
  if (video !== null)
    args.push(
      '-vf',
      `fps=${video.fps},scale=${video.width}:${video.height},format=gray`,
      '-flush_packets',
      '1',
      '-f',
      'rawvideo',
      'pipe:3',
    )
  return args
}

/** One subscription: the ffmpeg of the current attempt, the framers, the reconnect state. */
class MediaRun {
  private readonly framer: PcmFramer | null
  private readonly summary: VideoSummary | null
  private plane: Uint8Array
  private planeFilled = 0
  private proc: FfmpegProcess | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private closed = false
  private attempt = 0
  private droppedVideoBytes = 0
  private hadOutput = false
  private watchdog: ReturnType<typeof setTimeout> | undefined
  private stall: MediaSourceError | undefined

  constructor(
    private readonly settings: Settings,
    private readonly subscriber: Subscriber<MediaFrame>,
  ) {
    this.framer = settings.audio === null ? null : new PcmFramer(settings.audio)
    const v = settings.video
    this.summary = v === null ? null : new VideoSummary({ width: v.width, height: v.height })
    this.plane = new Uint8Array(v === null ? 0 : v.width * v.height)
  }

  /** Starts ffmpeg for one attempt. */
  open(): void {
    this.timer = undefined
    if (this.closed) return
    this.hadOutput = false
    const s = this.settings
    const proc = spawnFfmpeg(mediaSourceArgs(s), {
      ffmpegPath: s.ffmpegPath,
      extraPipes: s.video === null ? 0 : 1,
      stdin: s.stdin !== undefined,
    })
    this.proc = proc
    if (s.stdin !== undefined && proc.stdin !== undefined) this.feed(s.stdin, proc)
    if (proc.pid > 0 && s.onSpawn !== undefined && !this.call(() => s.onSpawn?.(proc.pid))) return
    if (s.stallTimeoutMs !== Infinity) this.watchdog = setTimeout(() => this.stalled(proc), s.stallTimeoutMs)
    if (this.framer !== null) this.read(proc.outputs[1], chunk => this.onAudio(chunk))
    if (this.summary !== null) this.read(proc.outputs[3], chunk => this.onVideo(chunk))
    proc.closed.then(exit => this.ended(proc, exit))
  }

  /** Pipes the user's stream into ffmpeg's stdin; its error ends the stream, ffmpeg closing early is not one. */
  private feed(stdin: NodeJS.ReadableStream, proc: FfmpegProcess): void {
    const sink = proc.stdin as NonNullable<FfmpegProcess['stdin']>
    sink.on('error', () => {}) // EPIPE when ffmpeg exits first: its exit says why
    stdin.once('error', error => {
      if (this.closed) return
      this.subscriber.error(error)
      this.close()
    })
    stdin.pipe(sink)
  }

  private read(out: Readable | undefined, use: (chunk: Buffer) => void): void {
    out?.on('data', (chunk: Buffer) => {
      if (this.closed) return
      this.hadOutput = true
      this.watchdog?.refresh()
      use(chunk)
    })
  }

  private onAudio(chunk: Buffer): void {
    const framer = this.framer as PcmFramer
    framer.push(chunk, (samples, index, ptsMs) => this.emitAudio(samples, index, ptsMs))
  }

  private emitAudio(samples: Float32Array, index: number, ptsMs: number): void {
    if (this.closed) return
    const { sampleRate, channels } = this.settings.audio as NonNullable<Settings['audio']>
    const frame: AudioFrame = { kind: 'audio', index, ptsMs, sampleRate, channels, samples }
    this.subscriber.next(frame)
  }

  private onVideo(chunk: Buffer): void {
    const total = this.plane.length
    let at = 0
    while (at < chunk.length && !this.closed) {
      const take = Math.min(total - this.planeFilled, chunk.length - at)
      this.plane.set(chunk.subarray(at, at + take), this.planeFilled)
      this.planeFilled += take
      at += take
      if (this.planeFilled === total) {
        this.planeFilled = 0
        this.emitVideo()
      }
    }
  }

  private emitVideo(): void {
    const summary = this.summary as VideoSummary
    const v = this.settings.video as NonNullable<Settings['video']>
    summary.push(this.plane)
    const index = summary.frames - 1
    const frame: { -readonly [K in keyof VideoFrame]: VideoFrame[K] } = {
      kind: 'video',
      index,
      ptsMs: (index * 1000) / v.fps,
      width: v.width,
      height: v.height,
      meanLuma: summary.meanLuma,
      motion: summary.motion,
      scene: summary.scene,
    }
    if (v.luma) frame.luma = this.plane.slice()
    this.subscriber.next(frame)
  }

  private droppedBytes(): number {
    return (this.framer?.droppedBytes ?? 0) + this.droppedVideoBytes
  }

  /** No output for `stallTimeoutMs`: stop this ffmpeg; `ended` then treats it as a break. */
  private stalled(proc: FfmpegProcess): void {
    if (this.closed || proc !== this.proc) return
    const ms = this.settings.stallTimeoutMs
    this.stall = new MediaSourceError(`${FN}: no output for ${ms} ms: the input stalled`, {
      code: this.hadOutput ? 'stream' : 'input',
      stderr: proc.stderrLines(),
    })
    void proc.stop()
  }

  /** ffmpeg of one attempt has exited and its pipes are drained: complete, error, or try again. */
  private ended(proc: FfmpegProcess, exit: FfmpegExit): void {
    clearTimeout(this.watchdog)
    this.watchdog = undefined
    if (this.closed || proc !== this.proc || (proc.stopping && this.stall === undefined)) return
    const s = this.settings
    const error = this.stall ?? ffmpegError(FN, exit, proc.stderrLines(), this.hadOutput, s.ffmpegPath)
    this.stall = undefined
    if (error !== null && error.code === 'ffmpeg-missing') return this.subscriber.error(error)
    if (!s.reconnecting) {
      if (error !== null) return this.subscriber.error(error)
      this.framer?.flush((samples, index, ptsMs) => this.emitAudio(samples, index, ptsMs))
      this.dropPartialVideo()
      if (!this.closed) this.subscriber.complete()
      return
    }
    this.attempt = this.hadOutput ? 1 : this.attempt + 1
    if (this.attempt > s.reconnect.maxAttempts) {
      const last =
        error ??
        new MediaSourceError(`${FN}: the input ended and did not come back after ${s.reconnect.maxAttempts} attempts`, {
          code: 'stream',
        })
      return this.subscriber.error(last)
    }
    this.framer?.alignToSample()
    this.dropPartialVideo()
    const delayMs = Math.min(s.reconnect.maxDelayMs, s.reconnect.initialDelayMs * 2 ** (this.attempt - 1))
    const info: MediaReconnect = { attempt: this.attempt, delayMs, error, droppedBytes: this.droppedBytes() }
    if (s.reconnect.onReconnect !== undefined && !this.call(() => s.reconnect.onReconnect?.(info))) return
    this.timer = setTimeout(() => this.open(), delayMs)
  }

  private dropPartialVideo(): void {
    this.droppedVideoBytes += this.planeFilled
    this.planeFilled = 0
  }

  /** Runs a user callback; its exception ends the stream with that error. */
  private call(callback: () => void): boolean {
    try {
      callback()
      return true
    } catch (error) {
      this.subscriber.error(error)
      this.close()
      return false
    }
  }

  /** Unsubscribed (or failed): no more frames, no timer, ffmpeg stopped. */
  close(): void {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    clearTimeout(this.watchdog)
    this.watchdog = undefined
    const proc = this.proc
    if (proc !== undefined) void proc.stop()
  }
}
