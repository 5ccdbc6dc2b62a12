import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fc, test } from '@fast-check/vitest'
import { lastValueFrom, toArray } from 'rxjs'
import { afterAll, describe, expect, it } from 'vitest'
import { restream } from '../../media/restream'
import { type RestreamOutput, resolveOutput, teeArgument, teeEscape } from '../../media/teeMuxer'

// --- a model of ffmpeg 5.1's parser, ported from libavutil/avstring.c (av_get_token) and
// libavutil/opt.c (av_opt_get_key_value) and libavformat/tee.c (the `|` split, parse_slave_options) ---

const WHITESPACES = ' \n\t\r'

/** av_get_token: unescapes up to an unescaped terminator; returns the token and where it stopped. */
function getToken(s: string, start: number, term: string): [string, number] {
  let i = start
  while (i < s.length && WHITESPACES.includes(s[i])) i++
  let out = ''
  let end = 0
  while (i < s.length && !term.includes(s[i])) {
    const c = s[i++]
    if (c === '\\' && i < s.length) {
      out += s[i++]
      end = out.length
    } else if (c === "'") {
      while (i < s.length && s[i] !== "'") out += s[i++]
      if (i < s.length) {
        i++
        end = out.length
      }
    } else out += c
  }
  let k = out.length
  while (k > end && WHITESPACES.includes(out[k - 1])) k--
  return [out.slice(0, k), i]
}

const isKeyChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_./-]/.test(c)

function parseSlave(slave: string): { options: Record<string, string>; filename: string } {
  if (slave[0] !== '[') return { options: {}, filename: slave }
  let i = 1
  if (slave[i] === ']') return { options: {}, filename: slave.slice(2) }
  const options: Record<string, string> = {}
  for (;;) {
    while (WHITESPACES.includes(slave[i] ?? 'x')) i++
    const keyStart = i
    while (isKeyChar(slave[i])) i++
    const key = slave.slice(keyStart, i)
    while (WHITESPACES.includes(slave[i] ?? 'x')) i++
    if (slave[i] !== '=') throw new Error(`no '=' after key ${JSON.stringify(key)} in ${JSON.stringify(slave)}`)
    const [value, next] = getToken(slave, i + 1, ':]')
    options[key] = value
    i = next
    if (slave[i] === ']') return { options, filename: slave.slice(i + 1) }
    if (i >= slave.length) throw new Error(`unterminated options in ${JSON.stringify(slave)}`)
    i++
  }
}

function parseTee(arg: string): { options: Record<string, string>; filename: string }[] {
  const slaves: string[] = []
  let i = 0
  while (i < arg.length) {
    const [slave, next] = getToken(arg, i, '|')
    slaves.push(slave)
    i = next
    if (arg[i] === '|') i++
  }
  return slaves.map(parseSlave)
}

/** Characters that each mean something to one of the two parsing levels, and some that do not. */
const nasty = fc
  .array(fc.constantFrom('|', '[', ']', ':', "'", '\\', ' ', '\t', '=', ',', '%', 'a', 'B', '7', '.', 'é', '-'), {
    minLength: 1,
    maxLength: 12,
  })
  .map(cs => cs.join(''))

describe('teeArgument: escaping for the tee muxer', () => {
  test.prop(
    [
      fc.array(fc.record({ name: nasty, value: nasty, format: fc.constantFrom('mp4', 'mpegts', 'nut') }), {
        minLength: 1,
        maxLength: 4,
      }),
    ],
    {
      numRuns: 300,
    },
  )('ffmpeg’s parser (a port) reads back every address and option value', specs => {
    const outputs = specs.map((s, i) =>
      resolveOutput('test', { file: `/tmp/${s.name}`, format: s.format, options: { metadata_title: s.value } }, i),
    )
    const parsed = parseTee(teeArgument(outputs))
    expect(parsed).toEqual(
      outputs.map(o => ({
        options: { f: o.format, onfail: 'ignore', metadata_title: o.options.metadata_title },
        filename: o.target,
      })),
    )
  })

  it('escapes the characters of each level and nothing else', () => {
    expect(teeEscape('a:b]c|d', ':]')).toBe('a\\:b\\]c|d')
    expect(teeEscape("it's \\ here", '|')).toBe("it\\'s\\ \\\\\\ here")
    expect(teeArgument([resolveOutput('t', { url: 'rtmp://h:1935/live/k' }, 0)])).toBe(
      '[f=flv:onfail=ignore]rtmp://h:1935/live/k',
    )
  })

  const root = mkdtempSync(join(tmpdir(), 'midstream-tee-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  /** Names a file system takes (no '/', no '%' for the HLS directory's template); not '.' or '..'. */
  const fileName = nasty.filter(n => !n.includes('%') && n !== '.' && n !== '..').map(n => `${n}.x`)
  let run = 0
  test.prop([fileName, fileName], { numRuns: 4 })(
    'ffmpeg itself writes the file and the HLS directory under exactly the names given',
    async (fileBase, dirName) => {
      const dir = join(root, String(run++))
      mkdirSync(join(dir, dirName), { recursive: true })
      const outputs: RestreamOutput[] = [
        { file: join(dir, `${fileBase}.mkv`) },
        { dir: join(dir, dirName), playlist: `${fileBase}.m3u8` },
      ]
      const health = await lastValueFrom(
        restream('testsrc=size=64x48:rate=10', outputs, { inputOptions: ['-f', 'lavfi', '-t', '0.3'] }).pipe(toArray()),
      )
      expect(health.at(-1)?.state).toBe('ended')
      expect(health.at(-1)?.outputs.map(o => o.state)).toEqual(['up', 'up'])
      expect(existsSync(join(dir, `${fileBase}.mkv`))).toBe(true)
      expect(readdirSync(join(dir, dirName)).sort()).toEqual([`${fileBase}.m3u8`, 'segment0.ts'].sort())
    },
  )
})

describe('resolveOutput: bad output descriptions', () => {
  const bad: [string, unknown, RegExp][] = [
    ['none of url/dir/file', { format: 'flv' }, /exactly one of url, dir or file, got none/],
    ['two addresses', { url: 'rtmp://a/b', file: '/x.mp4' }, /exactly one of url, dir or file, got url, file/],
    ['unknown scheme', { url: 'foo://a/b' }, /outputs\[0\]\.format is needed for "foo:\/\/a\/b"/],
    ['unknown extension', { file: '/x.abc' }, /format is needed for "\/x\.abc"/],
    ['bad option key', { file: '/x.mp4', options: { 'a b': 1 } }, /key ffmpeg's tee cannot take: "a b"/],
    ['reserved option', { file: '/x.mp4', options: { onfail: 'abort' } }, /cannot take: "onfail"/],
    [
      'NaN option',
      { file: '/x.mp4', options: { hls_time: Number.NaN } },
      /options\.hls_time must be a string, finite number/,
    ],
    ['% in an HLS dir', { dir: '/tmp/a%d' }, /must not contain '%'/],
    ['unknown field', { file: '/x.mp4', bitrate: 1 }, /unknown option "bitrate"/],
  ]
  it.each(bad)('%s', (_, output, message) => {
    expect(() => resolveOutput('restream', output as RestreamOutput, 0)).toThrow(message)
  })
})
