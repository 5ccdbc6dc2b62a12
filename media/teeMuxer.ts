/**
 * The outputs of `restream` and how they become one argument of ffmpeg's `tee` muxer:
 * `[f=flv:onfail=ignore]rtmp://...|[f=hls:hls_time=1:onfail=ignore]file:/dir/index.m3u8|...`.
 *
 * Escaping follows ffmpeg 5.1's parser (libavformat/tee.c): the whole argument is split at `|` with
 * `av_get_token` (backslash escapes any character, `'...'` quotes, unescaped leading and trailing
 * whitespace is dropped), then each slave's `[key=value:...]` options are read with
 * `av_opt_get_key_value`, whose values go through `av_get_token` once more with `:` and `]` as
 * terminators. So an option value is escaped twice and the output address once; the address itself
 * (after `]`) is never split at `:` or `[`. File and HLS outputs get the `file:` protocol prefix so
 * that a path such as `a:b.mp4` is not read as protocol `a`.
 */
import { describeValue } from '../src/errors'
import { checkOptions, checkString } from '../src/validate'

/** A value of a muxer option of one output (`hls_time: 1`, `movflags: '+faststart'`). */
export type TeeOptionValue = string | number | boolean

/** What every kind of output may say besides its address. */
interface OutputCommon {
  /** The muxer (`-f`): `flv`, `hls`, `mp4`, `mpegts`, ... Default: from the address (see each kind). */
  readonly format?: string
  /** Options of that muxer, passed as tee slave options (`{ hls_list_size: 6, hls_flags: 'delete_segments' }`). */
  readonly options?: Readonly<Record<string, TeeOptionValue>>
  /** The output's name in the health and metrics. Default: its address. */
  readonly name?: string
  /** When true, a failure of this output stops the whole restream (tee `onfail=abort`); default false (`onfail=ignore`). */
  readonly required?: boolean
}

/** A network output: `rtmp://` and `rtmps://` default to `flv`, `srt://`, `udp://` and `tcp://` to `mpegts`, `rtsp://` to `rtsp`. */
export interface UrlOutput extends OutputCommon {
  readonly url: string
}

/** An HLS output: `<dir>/<playlist>` and its segments `<dir>/segment<n>.ts`, 1 s segments, every segment kept in the playlist unless `options` say otherwise. */
export interface DirOutput extends OutputCommon {
  /** The directory (it must exist). */
  readonly dir: string
  /** The playlist's file name in `dir`. Default `index.m3u8`. */
  readonly playlist?: string
}

/** A file output; the format defaults from the extension (`.mp4`/`.mov`/`.m4a`, `.mkv`, `.flv`, `.ts`, `.webm`, `.nut`). */
export interface FileOutput extends OutputCommon {
  readonly file: string
}

/** One output of `restream`: exactly one of `url`, `dir` or `file`. */
export type RestreamOutput = UrlOutput | DirOutput | FileOutput

/** An output with its muxer, address and options settled, as `restream` hands it to ffmpeg. */
export interface ResolvedOutput {
  readonly kind: 'url' | 'dir' | 'file'
  readonly name: string
  readonly format: string
  /** The address given to the muxer (with `file:` for files and HLS playlists). */
  readonly target: string
  readonly options: Readonly<Record<string, string>>
  readonly required: boolean
}

const OUTPUT_OPTION_NAMES = ['url', 'dir', 'file', 'playlist', 'format', 'options', 'name', 'required']
const URL_FORMATS: Readonly<Record<string, string>> = {
  rtmp: 'flv',
  rtmps: 'flv',
  srt: 'mpegts',
  udp: 'mpegts',
  tcp: 'mpegts',
  rtsp: 'rtsp',
}
const FILE_FORMATS: Readonly<Record<string, string>> = {
  mp4: 'mp4',
  mov: 'mov',
  m4a: 'mp4',
  mkv: 'matroska',
  flv: 'flv',
  ts: 'mpegts',
  webm: 'webm',
  nut: 'nut',
}
/** What `av_opt_get_key_value` accepts as a key. */
const OPTION_KEY = /^[A-Za-z0-9_./-]+$/
/** Options `restream` sets itself on every slave. */
const RESERVED_KEYS = ['f', 'onfail', 'select', 'use_fifo', 'fifo_options', 'bsfs']

/**
 * Escapes `text` for one `av_get_token` pass that stops at any character of `terminators`: a
 * backslash before every backslash, quote, whitespace and terminator.
 *
 * ```ts
 * teeEscape('a:b', ':]') // 'a\\:b'
 * ```
 */
export function teeEscape(text: string, terminators: string): string {
  let out = ''
  for (const c of text) {
    if (c === '\\' || c === "'" || c === ' ' || c === '\n' || c === '\t' || c === '\r' || terminators.includes(c))
      out += '\\'
    out += c
  }
  return out
}

/** One slave of the tee argument, escaped for the slave's level (the `|` split happens in `teeArgument`). */
function slaveSpec(output: ResolvedOutput): string {
  const options: [string, string][] = [
    ['f', output.format],
    ['onfail', output.required ? 'abort' : 'ignore'],
    ...Object.entries(output.options),
  ]
  const body = options.map(([key, value]) => `${key}=${teeEscape(value, ':]')}`).join(':')
  return `[${body}]${output.target}`
}

/**
 * The argument of `-f tee` for `outputs`: each slave escaped for `tee`'s `|` split and its options
 * for the option parser.
 *
 * ```ts
 * teeArgument([resolveOutput('restream', { url: 'rtmp://a/live/x' }, 0)])
 * // '[f=flv:onfail=ignore]rtmp://a/live/x'
 * ```
 */
export function teeArgument(outputs: readonly ResolvedOutput[]): string {
  return outputs.map(output => teeEscape(slaveSpec(output), '|')).join('|')
}

/**
 * Checks one output description and settles its muxer, address and options. `fn` names the caller
 * in errors: a `TypeError`/`RangeError` naming the output's index and the bad value.
 */
export function resolveOutput(fn: string, output: RestreamOutput, index: number): ResolvedOutput {
  const at = `outputs[${index}]`
  checkOptions(`${fn}: ${at}`, output, OUTPUT_OPTION_NAMES, true)
  const o = output as Partial<UrlOutput & DirOutput & FileOutput>
  const given = (['url', 'dir', 'file'] as const).filter(key => o[key] !== undefined)
  if (given.length !== 1)
    throw new TypeError(`${fn}: ${at} must have exactly one of url, dir or file, got ${given.join(', ') || 'none'}`)
  const kind = given[0]
  const address = checkPath(fn, `${at}.${kind}`, o[kind])
  if (o.playlist !== undefined && kind !== 'dir') throw new TypeError(`${fn}: ${at}.playlist is for dir outputs only`)
  if (o.required !== undefined && typeof o.required !== 'boolean')
    throw new TypeError(`${fn}: ${at}.required must be a boolean, got ${describeValue(o.required)}`)
  const format = o.format === undefined ? defaultFormat(fn, at, kind, address) : checkFormat(fn, at, o.format)
  const options = checkMuxerOptions(fn, at, o.options)
  let target = kind === 'url' ? address : `file:${address}`
  if (kind === 'dir') {
    const playlist = checkPath(fn, `${at}.playlist`, o.playlist ?? 'index.m3u8')
    if (playlist.includes('/'))
      throw new RangeError(`${fn}: ${at}.playlist must be a file name, got ${describeValue(playlist)}`)
    if (address.includes('%'))
      throw new RangeError(
        `${fn}: ${at}.dir must not contain '%' (ffmpeg's hls muxer reads it as a segment number template), got ${describeValue(address)}`,
      )
    const dir = address.replace(/\/+$/, '') || '/'
    target = `file:${dir === '/' ? '' : dir}/${playlist}`
    const defaults: Record<string, string> = {
      hls_time: '1',
      hls_list_size: '0',
      hls_segment_filename: `file:${dir === '/' ? '' : dir}/segment%d.ts`,
    }
    for (const [key, value] of Object.entries(defaults)) if (!(key in options)) options[key] = value
  }
  const name = o.name === undefined ? address : checkString(fn, `${at}.name`, o.name)
  return { kind, name, format, target, options, required: o.required === true }
}

function checkPath(fn: string, name: string, value: unknown): string {
  checkString(fn, name, value)
  if ((value as string).includes('\0'))
    throw new RangeError(`${fn}: ${name} must not contain NUL, got ${describeValue(value)}`)
  return value as string
}

function checkFormat(fn: string, at: string, format: unknown): string {
  checkString(fn, `${at}.format`, format)
  if (!/^[A-Za-z0-9_,]+$/.test(format as string))
    throw new RangeError(`${fn}: ${at}.format must be an ffmpeg muxer name, got ${describeValue(format)}`)
  return format as string
}

function defaultFormat(fn: string, at: string, kind: 'url' | 'dir' | 'file', address: string): string {
  if (kind === 'dir') return 'hls'
  if (kind === 'url') {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(address)?.[1]?.toLowerCase()
    const format = scheme === undefined ? undefined : URL_FORMATS[scheme]
    if (format === undefined)
      throw new RangeError(
        `${fn}: ${at}.format is needed for ${describeValue(address)} (known schemes: ${Object.keys(URL_FORMATS).join(', ')})`,
      )
    return format
  }
  const extension = /\.([A-Za-z0-9]+)$/.exec(address)?.[1]?.toLowerCase()
  const format = extension === undefined ? undefined : FILE_FORMATS[extension]
  if (format === undefined)
    throw new RangeError(
      `${fn}: ${at}.format is needed for ${describeValue(address)} (known extensions: ${Object.keys(FILE_FORMATS).join(', ')})`,
    )
  return format
}

function checkMuxerOptions(fn: string, at: string, options: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (options === undefined) return out
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(`${fn}: ${at}.options must be an object of muxer options, got ${describeValue(options)}`)
  for (const [key, value] of Object.entries(options)) {
    if (!OPTION_KEY.test(key) || RESERVED_KEYS.includes(key))
      throw new RangeError(`${fn}: ${at}.options has a key ffmpeg's tee cannot take: ${describeValue(key)}`)
    if (typeof value === 'number' ? !Number.isFinite(value) : typeof value !== 'string' && typeof value !== 'boolean')
      throw new TypeError(
        `${fn}: ${at}.options.${key} must be a string, finite number or boolean, got ${describeValue(value)}`,
      )
    if (typeof value === 'string' && value.includes('\0'))
      throw new RangeError(`${fn}: ${at}.options.${key} must not contain NUL`)
    out[key] = typeof value === 'boolean' ? (value ? '1' : '0') : String(value)
  }
  return out
}
