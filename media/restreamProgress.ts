/**
 * ffmpeg's `-progress` output and its tee muxer's failure lines, read into typed values for
 * `restream`. ffmpeg prints a block of `key=value` lines every `-stats_period` and ends it with
 * `progress=continue` (or `progress=end` for the last block).
 */

/** One `-progress` block; a field ffmpeg printed as `N/A` (or not at all) is `undefined`. */
export interface ProgressBlock {
  /** Frames encoded so far (video). */
  readonly frame?: number
  /** Frames per second over the run so far. */
  readonly fps?: number
  /** Output bitrate in kbit/s (ffmpeg's `bitrate=...kbits/s`; `N/A` through the tee muxer). */
  readonly bitrateKbps?: number
  /** Bytes written (`total_size`; `N/A` through the tee muxer). */
  readonly totalSizeBytes?: number
  /** Output time reached, ms (`out_time_us` / 1000). */
  readonly outTimeMs?: number
  /** Frames duplicated to keep the rate (`dup_frames`). */
  readonly dupFrames?: number
  /** Frames dropped (`drop_frames`). */
  readonly dropFrames?: number
  /** Processing speed relative to real time (`speed=1.02x` is 1.02). */
  readonly speed?: number
  /** `'end'` on ffmpeg's last block. */
  readonly progress: 'continue' | 'end'
}

const NUMERIC = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i

function numberOf(raw: string | undefined, suffix = ''): number | undefined {
  if (raw === undefined) return undefined
  let text = raw.trim()
  if (suffix !== '' && text.endsWith(suffix)) text = text.slice(0, -suffix.length).trim()
  if (!NUMERIC.test(text)) return undefined
  const value = Number(text)
  return Number.isFinite(value) ? value : undefined
}

/**
 * Reads `-progress` lines one at a time; `push` hands back a block when a `progress=` line ends one.
 *
 * ```ts
 * const reader = new ProgressReader()
 * for (const line of ['frame=25', 'fps=25.0', 'speed=1.01x', 'progress=continue']) {
 *   const block = reader.push(line) // the block on the last line: { frame: 25, fps: 25, speed: 1.01, progress: 'continue' }
 * }
 * ```
 */
export class ProgressReader {
  private fields = new Map<string, string>()

  /** Takes one line (without its newline); returns the finished block on a `progress=` line, else undefined. */
  push(line: string): ProgressBlock | undefined {
    const eq = line.indexOf('=')
    if (eq <= 0) return undefined
    const key = line.slice(0, eq).trim()
    const value = line.slice(eq + 1).trim()
    if (key !== 'progress') {
      this.fields.set(key, value)
      return undefined
    }
    const f = this.fields
    this.fields = new Map()
    const outTimeUs = numberOf(f.get('out_time_us'))
    return {
      frame: numberOf(f.get('frame')),
      fps: numberOf(f.get('fps')),
      bitrateKbps: numberOf(f.get('bitrate'), 'kbits/s'),
      totalSizeBytes: numberOf(f.get('total_size')),
      outTimeMs: outTimeUs === undefined ? undefined : outTimeUs / 1000,
      dupFrames: numberOf(f.get('dup_frames')),
      dropFrames: numberOf(f.get('drop_frames')),
      speed: numberOf(f.get('speed'), 'x'),
      progress: value === 'end' ? 'end' : 'continue',
    }
  }
}

/** A slave of ffmpeg's tee muxer that failed: its index in the tee argument and ffmpeg's line about it. */
export interface TeeFailure {
  readonly index: number
  readonly line: string
}

const SLAVE_FAILED = /Slave muxer #(\d+) failed/
const LOG_PREFIX = /^\[[^\]]* @ 0x[0-9a-f]+\]\s*/

/**
 * Reads one stderr line of ffmpeg: the tee muxer's `Slave muxer #<n> failed: <why>, continuing with
 * <k>/<m> slaves.` gives the failed output (ffmpeg's `[tee @ 0x...]` prefix removed); other lines undefined.
 *
 * ```ts
 * teeFailure('[tee @ 0x55] Slave muxer #1 failed: Connection refused, continuing with 2/3 slaves.')
 * // { index: 1, line: 'Slave muxer #1 failed: Connection refused, continuing with 2/3 slaves.' }
 * ```
 */
export function teeFailure(line: string): TeeFailure | undefined {
  const match = SLAVE_FAILED.exec(line)
  if (match === null) return undefined
  return { index: Number(match[1]), line: line.replace(LOG_PREFIX, '').trim() }
}
