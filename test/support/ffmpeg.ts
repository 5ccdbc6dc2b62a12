/**
 * Debian's ffmpeg for test fixtures and oracles (`.ci/run` installs it): runs it to completion and
 * hands back its stdout and stderr. The oracle parsers (ebur128, silencedetect, freezedetect,
 * signalstats) live beside the tests that use them.
 */
import { execFile } from 'node:child_process'

/** What a finished ffmpeg run printed. */
export interface FfmpegRun {
  readonly stdout: Buffer
  readonly stderr: string
}

/** Runs `ffmpeg -hide_banner -nostdin <args>`; rejects with its last stderr lines when it exits non-zero. */
export function runFfmpeg(
  args: readonly string[],
  options: { binary?: string; timeoutMs?: number } = {},
): Promise<FfmpegRun> {
  return runTool(options.binary ?? 'ffmpeg', ['-hide_banner', '-nostdin', ...args], options.timeoutMs)
}

/** Runs `ffprobe -hide_banner <args>`. */
export function runFfprobe(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<FfmpegRun> {
  return runTool('ffprobe', ['-hide_banner', ...args], options.timeoutMs)
}

function runTool(binary: string, args: string[], timeoutMs = 60_000): Promise<FfmpegRun> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      { encoding: 'buffer', maxBuffer: 1 << 30, timeout: timeoutMs, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const text = stderr.toString('utf8')
        if (error !== null) {
          const tail = text.trim().split('\n').slice(-5).join('\n')
          reject(new Error(`${binary} ${args.join(' ')} failed (${error.message.split('\n')[0]}): ${tail}`))
        } else resolve({ stdout, stderr: text })
      },
    )
  })
}

/** Decodes `input` (a file or, with `lavfi: true`, a lavfi graph) to mono or interleaved float PCM at `sampleRate`. */
export async function decodePcm(
  input: string,
  options: { sampleRate: number; channels?: number; lavfi?: boolean; seconds?: number },
): Promise<Float32Array> {
  const args = options.lavfi === true ? ['-f', 'lavfi', '-i', input] : ['-i', input]
  if (options.seconds !== undefined) args.push('-t', String(options.seconds))
  args.push('-ac', String(options.channels ?? 1), '-ar', String(options.sampleRate), '-f', 'f32le', 'pipe:1')
  const { stdout } = await runFfmpeg(args)
  const copy = new Float32Array(stdout.byteLength / 4)
  new Uint8Array(copy.buffer).set(stdout.subarray(0, copy.length * 4))
  return copy
}
