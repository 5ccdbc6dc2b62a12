/**
 * Every example in the README and docs/ runs, and prints what the docs say it prints: the examples
 * are files under examples/ that the docs show whole (see markdownExamples.ts for the block kinds),
 * run here with tsx from the repository root exactly as a reader would run them. A few examples also
 * get checks against textbook values, so a wrong figure cannot hide in a re-synced output block.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  commandEntry,
  docFiles,
  exampleFiles,
  readBlocks,
  root,
  runSession,
  runTypeScript,
  sessionSteps,
} from './markdownExamples'

const docs = docFiles()
const blocks = docs.flatMap(readBlocks)
const at = (b: { doc: string; line: number }) => `${b.doc}:${b.line}`

/** The guides the docs promise, one per area. */
const guides = [
  'attractors',
  'command',
  'comparison',
  'files',
  'learning',
  'llm-streams',
  'media',
  'plot',
  'redis',
  'scheduler',
  'sinks-and-dashboards',
  'temporal-logic',
  'testing',
  'transport',
]

/** Commands an `sh` block may show without running them: installing, the two commands, the long-running ones. */
const TYPED_COMMAND =
  /^(npm (install|test|run \w+)( && npm run \w+)?|npx midstream (demo|serve|worker|mcp)\b.*|npm install midstream.*)(\s+#.*)?$/

describe('the docs', () => {
  it('have a guide per area and a README under 15 KB', () => {
    for (const g of guides) expect(existsSync(join(root, 'docs', `${g}.md`)), `docs/${g}.md`).toBe(true)
    expect(readFileSync(join(root, 'README.md')).length).toBeLessThan(15 * 1024)
  })

  it('hold only blocks that a test runs: examples shown whole, their output, console sessions', () => {
    for (const b of blocks) {
      if (b.marker?.kind === 'example') {
        const file = join(root, b.marker.file)
        expect(existsSync(file), `${at(b)} shows ${b.marker.file}, which does not exist`).toBe(true)
        expect(b.body, `${at(b)} differs from ${b.marker.file} (npx tsx test/docs/syncExamples.ts)`).toBe(
          readFileSync(file, 'utf8').replace(/\n$/, ''),
        )
      } else if (b.marker?.kind === 'output') {
        expect(exampleFiles(), `${at(b)}: the output of something that is not an example`).toContain(b.marker.file)
      } else if (b.lang === 'console') {
        expect(() => sessionSteps(b.body), at(b)).not.toThrow()
      } else if (b.lang === 'sh') {
        for (const line of b.body.split('\n')) expect(line, `${at(b)}: a command no test runs`).toMatch(TYPED_COMMAND)
      } else {
        expect.fail(`${at(b)}: a ${b.lang || 'plain'} block with no example or output marker: no test runs it`)
      }
    }
  })

  it('show every example, and what it prints', () => {
    const shown = new Set(blocks.filter(b => b.marker?.kind === 'example').map(b => b.marker?.file))
    const printed = new Set(blocks.filter(b => b.marker?.kind === 'output').map(b => b.marker?.file))
    for (const file of exampleFiles()) {
      expect(shown.has(file), `${file} is in no doc`).toBe(true)
      expect(printed.has(file), `no doc shows what ${file} prints`).toBe(true)
    }
  })

  // `ws` is midstream's own optional peer (realtimeSource needs it): an example may run a stand-in server on it
  it('show examples that import only public entry points, rxjs, ix, fast-check, Node built-ins, ws and the LLM SDKs', () => {
    for (const file of exampleFiles()) {
      const text = readFileSync(join(root, file), 'utf8')
      for (const [, from] of text.matchAll(/^import [^']*'([^']+)'/gm)) {
        expect(from, `${file} imports ${from}`).toMatch(
          /^(midstream(\/\w+)?|rxjs|ix\/asynciterable(\/operators)?|fast-check|node:\w+|ws|openai|ai|@ai-sdk\/openai-compatible)$/,
        )
      }
    }
  })

  it('link only to files that exist', () => {
    for (const doc of [...docs, 'bench/README.md']) {
      const text = readFileSync(join(root, doc), 'utf8')
      for (const [, target] of text.matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)[^)]*\)/g)) {
        expect(existsSync(join(root, dirname(doc), target)), `${doc} links to ${target}`).toBe(true)
      }
    }
  })

  it('describe midstream as it is, never by what came before it', () => {
    for (const doc of [...docs, 'bench/README.md']) {
      expect(readFileSync(join(root, doc), 'utf8'), doc).not.toMatch(/\bthe original\b|predecessor/i)
    }
  })
})

/** Facts the output must show whatever the output block says: textbook values and claims of the guides. */
const oracles: Record<string, (out: string) => void> = {
  'examples/partitionedPipeline.ts': out => {
    // the resumed run's matches are the uninterrupted run's; the maxima are 60 + 9.5 and 20 + 9.5 / 2
    const [, resumed, whole] = /matches ending at ([\d, ]+) \(uninterrupted: ([\d, ]+)\)/.exec(out) ?? []
    expect(resumed).toBe(whole)
    expect(out).toContain('boiler (partition 0): max 69.5 °C')
    expect(out).toContain('attic (partition 0): max 24.75 °C')
  },
  'examples/compareSequences.ts': out => {
    expect(out).toContain("editDistance('kitten', 'sitting') = 3") // Levenshtein's textbook pair
    expect(out).toContain("lcsLength('ABCBDAB', 'BDCABA') = 4") // CLRS 15.4
    expect(out).toContain('dtw(a, slowed) = 0') // every sample repeated: a warping path of zero cost exists
    expect(out).toContain('findMatches: best window starts at 295') // the query is series[295..315)
  },
  'examples/classifyDynamics.ts': out => {
    const exponent = Number(/Lyapunov exponent (\S+)/.exec(out)?.[1])
    expect(Math.abs(exponent - Math.LN2)).toBeLessThan(0.05) // the logistic map at r = 4: ln 2
    expect(out).toMatch(/^chaos: chaotic$/m)
    expect(out).toMatch(/^cycle: limit-cycle$/m)
    expect(out).toMatch(/^noise: noise$/m)
  },
  'examples/deadlines.ts': out => {
    // worked by hand from the deadlines and costs in the example
    expect(out).toContain('priority: alarm, sensor, render, backup, log (missed deadlines: 1)')
    expect(out).toContain('edf: sensor, backup, render, alarm, log (missed deadlines: 0)')
    expect(out).toContain('llf: sensor, render, backup, alarm, log (missed deadlines: 0)')
  },
  'examples/drawFigures.ts': out => {
    // planted at 800 and 3100 (7 samples each); the spike of height 5 is the series' maximum, drawn at the frame's top (20 px)
    expect(out).toContain('matches at 800..806, 3100..3106')
    const drawn = Number(/drawn with (\d+) points/.exec(out)?.[1])
    expect(drawn).toBeLessThanOrEqual(4 * (600 - 50 - 20))
    expect(out).toContain('the highest at y = 20 px')
    const [, links, bound] = /warping path: (\d+) links \(at most (\d+)\)/.exec(out) ?? []
    expect(Number(links)).toBeLessThanOrEqual(Number(bound))
    expect(bound).toBe('16') // 7 + 10 - 1
    expect(out).toContain('output: 1@2 3@6, complete at 12') // odd values, 2 ms later; completion at 12
  },
  'examples/findShape.ts': out => {
    // planted at t = 40..44 and, each sample twice, at t = 120..129
    const spans = [...out.matchAll(/from t = (\d+) to t = (\d+)/g)].map(m => [Number(m[1]), Number(m[2])])
    expect(spans).toHaveLength(2)
    expect(spans[0][0]).toBeGreaterThanOrEqual(40)
    expect(spans[0][1]).toBeLessThanOrEqual(44)
    expect(spans[1][0]).toBeGreaterThanOrEqual(120)
    expect(spans[1][1]).toBeLessThanOrEqual(129)
  },
  'examples/guardLlmAnswer.ts': out => {
    expect(out).toContain('answer: "Your account is ready. The "') // cut before the token 'password '
    expect(out).toContain('request aborted: true')
  },
  'examples/guardOpenAiStream.ts': out => {
    // the first 8 tokens are numbers, the 9th ('Note: ') breaks G number; the spike is readings 2..6,
    // off by one reading (41 for 40): squared cost 1
    expect(out).toContain('readings: 2 3 0 40 80 41 0 2\n')
    expect(out).toContain('spike at readings 2..6, distance 1')
    expect(out).toContain('request aborted: true')
    expect(out).toContain('chat_elements_total{pipeline="load",stage="tokens"} 9')
    expect(out).toContain('chat_matches_total{pipeline="load",pattern="spike"} 1')
  },
  'examples/guardAiSdkStream.ts': out => {
    expect(out).toContain('answer: "Your account is ready. The "') // cut before the token 'password '
    expect(out).toContain('request aborted: true')
  },
  'examples/prioritiseOnScheduler.ts': out =>
    expect(out).toContain('delivered: ALARM, reading 1, reading 2, reading 3'),
  'examples/replayInVirtualTime.ts': out => expect(out).toContain('tokens per 500 ms: 4 1 0 2'), // counted by hand
  'examples/temporalLogic.ts': out => expect(out).toContain('verdicts: unknown unknown unknown false'),
  'examples/resumeEventStream.ts': out => {
    // every event exactly once, in order, across the dropped connection
    expect(out).toContain('received: 0:101.5 1:101.7 2:101.6 3:102.1 4:102.4 5:102.2')
    expect(out).toContain('Last-Event-ID 2')
  },
  'examples/sendOverChannels.ts': out => expect(out).toContain('server received: 21.5, 22, 35.25'),
}

describe('each example runs and prints what its docs show', () => {
  const outputBlocks = blocks.filter(b => b.marker?.kind === 'output')
  for (const file of exampleFiles()) {
    it(file, async () => {
      const run = await runTypeScript(file)
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      const out = run.stdout.replace(/\n$/, '')
      for (const b of outputBlocks.filter(b => b.marker?.file === file)) expect(out, `${at(b)}`).toBe(b.body)
      oracles[file]?.(out)
    }, 120_000)
  }
})

describe('the command sessions print what the docs show', () => {
  for (const b of blocks.filter(b => b.lang === 'console')) {
    it(at(b), async () => {
      expect(await runSession(sessionSteps(b.body))).toBe(b.body)
    }, 120_000)
  }
})

describe('midstream serve', () => {
  it('starts with the config the command guide shows, serves /metrics, and stops on SIGTERM', async () => {
    const tsxCli = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs')
    const args = [
      'serve',
      '--config',
      'examples/command/pipelines.yaml',
      '--port',
      '0',
      '--ws-port',
      '0',
      '--quic-port',
      '0',
    ]
    const child = spawn(process.execPath, [tsxCli, commandEntry, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.setEncoding('utf8').on('data', (s: string) => {
          out += s
          if (out.includes('\n')) resolve(out.split('\n')[0])
        })
        child.on('exit', code => reject(new Error(`serve exited with ${code}`)))
      })
      const addresses = JSON.parse(firstLine) as Record<string, string>
      expect(addresses.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
      expect(addresses.websocket).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/midstream$/)
      const response = await fetch(addresses.metrics)
      expect(response.status).toBe(200)
      expect(await response.text()).toContain('# TYPE')
    } finally {
      if (child.exitCode === null) {
        const exited = new Promise(resolve => child.once('exit', resolve))
        child.kill('SIGTERM')
        expect(await exited).toBe(0)
      }
    }
  }, 120_000)
})
