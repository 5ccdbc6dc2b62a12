import { describe, expect, it } from 'vitest'
import { ffmpegError, ffmpegMessageLine, MediaSourceError, spawnFfmpeg } from '../../media/index'
import { alive } from './support'

describe('ffmpegMessageLine', () => {
  it("is the last line that names a cause, skipping ffmpeg's summaries", () => {
    expect(
      ffmpegMessageLine([
        '[tcp @ 0x55] Connection to tcp://127.0.0.1:9 failed: Connection refused',
        'rtmp://127.0.0.1:9/live/a: Connection refused',
        'Conversion failed!',
        '',
      ]),
    ).toBe('rtmp://127.0.0.1:9/live/a: Connection refused')
    expect(ffmpegMessageLine(['Conversion failed!'])).toBeUndefined()
    expect(ffmpegMessageLine([])).toBeUndefined()
  })
})

describe('spawnFfmpeg', () => {
  it('writes on extra pipes (fd 3 and 4) as asked, and ends with code 0', async () => {
    const ff = spawnFfmpeg(
      [...['-f', 'lavfi', '-i', 'sine=r=8000:d=0.5', '-f', 's16le', 'pipe:3', '-f', 'f32le', 'pipe:4']],
      { extraPipes: 2 },
    )
    const sizes = [0, 0]
    ff.outputs[3]?.on('data', (c: Buffer) => (sizes[0] += c.length))
    ff.outputs[4]?.on('data', (c: Buffer) => (sizes[1] += c.length))
    const exit = await ff.closed
    expect(exit).toMatchObject({ code: 0, signal: null })
    expect(sizes).toEqual([8000, 16000])
    expect(ffmpegError('x', exit, ff.stderrLines(), true)).toBeNull()
  })

  it('stop() ends a running ffmpeg with SIGTERM and resolves once it is reaped; again is a no-op', async () => {
    const ff = spawnFfmpeg(['-re', '-f', 'lavfi', '-i', 'sine', '-f', 'f32le', 'pipe:1'])
    await new Promise(resolve => ff.outputs[1]?.once('data', resolve))
    const exit = await ff.stop()
    expect(exit.code === 255 || exit.signal === 'SIGTERM').toBe(true)
    expect(alive(ff.pid)).toBe(false)
    expect(await ff.stop()).toBe(exit)
  })

  it('a stdin pipe when asked: bytes in, the same bytes out', async () => {
    const ff = spawnFfmpeg(['-f', 'u8', '-ar', '8000', '-ac', '1', '-i', 'pipe:0', '-f', 'u8', 'pipe:1'], {
      stdin: true,
    })
    const out: Buffer[] = []
    ff.outputs[1]?.on('data', (c: Buffer) => out.push(c))
    const input = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 255))
    ff.stdin?.end(input)
    expect((await ff.closed).code).toBe(0)
    expect(Buffer.concat(out)).toEqual(input)
  })

  it('a failing run: ffmpegError gives code "input" and the message line; a missing binary "ffmpeg-missing"', async () => {
    const ff = spawnFfmpeg(['-i', '/nonexistent/file.wav', '-f', 'null', '-'])
    const error = ffmpegError('probe', await ff.closed, ff.stderrLines(), false) as MediaSourceError
    expect(error).toBeInstanceOf(MediaSourceError)
    expect([error.code, error.ffmpegMessage]).toEqual(['input', '/nonexistent/file.wav: No such file or directory'])
    expect(error.message).toMatch(/^probe: the input could not be read: ffmpeg exited with code 1: /)
    const missing = spawnFfmpeg(['-version'], { ffmpegPath: '/nonexistent/ffmpeg' })
    const exit = await missing.closed
    expect(ffmpegError('probe', exit, [], false, '/nonexistent/ffmpeg')?.code).toBe('ffmpeg-missing')
  })
})
