import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { from, lastValueFrom } from 'rxjs'
import { afterAll, describe, expect, it } from 'vitest'
import { connect } from '../../sources/index'

// Runs the BUILT command (npm test builds first).
const root = fileURLToPath(new URL('../../', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'midstream-serve-'))
const config = join(dir, 'pipelines.yaml')
writeFileSync(
  config,
  `channels:
  readings:
    value: value
    time: ts
    analyses:
      - dtwMatch: { patterns: { spike: [0, 0, 5, 0, 0] }, threshold: 1 }
      - ltl: { formula: "G !alarm", atoms: { alarm: alarm } }
`,
)

describe('midstream serve', () => {
  let child: ChildProcess | undefined
  afterAll(() => {
    child?.kill('SIGKILL')
  })

  it('ingests over WebTransport, runs the configured pipelines, serves /metrics and the dashboard, and stops on SIGTERM', async () => {
    child = spawn(
      process.execPath,
      [
        'cli/dist/midstream.js',
        'serve',
        '--config',
        config,
        '--port',
        '0',
        '--ws-port',
        '0',
        '--quic-port',
        '0',
        '--token',
        's3cret',
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const firstLine = await new Promise<string>((resolve, reject) => {
      let out = ''
      child?.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('\n')) resolve(out.split('\n')[0])
      })
      child?.once('exit', code => reject(new Error(`serve exited with ${code}: ${stderr}`)))
    })
    const addresses = JSON.parse(firstLine) as Record<string, string>
    expect(Object.keys(addresses).sort()).toEqual([
      'certificateHash',
      'dashboard',
      'metrics',
      'websocket',
      'webtransport',
    ])

    // 200 readings, one spike at 100..104, an alarm at 150
    const readings = Array.from({ length: 200 }, (_, i) => ({
      ts: i * 10,
      value: i >= 100 && i < 105 ? [0, 0, 5, 0, 0][i - 100] : 0,
      alarm: i === 150,
    }))
    const refused = connect(addresses.webtransport, {
      certificateHashes: [addresses.certificateHash],
      auth: { token: 'wrong' },
    })
    await expect(refused.ready).rejects.toMatchObject({ code: 'refused' })
    const client = connect(addresses.webtransport, {
      certificateHashes: [addresses.certificateHash],
      auth: { token: 's3cret' },
    })
    await lastValueFrom(client.send('readings', from(readings)))

    let text = ''
    for (let i = 0; i < 50; i++) {
      text = await (await fetch(addresses.metrics)).text()
      if (/midstream_verdicts_total\{[^}]*verdict="false"[^}]*\} 1/.test(text)) break
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    expect(text).toMatch(/midstream_elements_total\{pipeline="readings",stage="ingest"\} 200/)
    expect(text).toMatch(/midstream_matches_total\{pipeline="readings",pattern="spike"\} 1/)
    expect(text).toMatch(/midstream_verdicts_total\{[^}]*verdict="false"[^}]*\} 1/)
    const page = await fetch(addresses.dashboard)
    expect(page.headers.get('content-type')).toContain('text/html')
    // the page's script, uPlot inside, comes from the built package itself (no CDN)
    const script = await fetch(addresses.dashboard + 'dashboard.js')
    expect(script.headers.get('content-type')).toContain('text/javascript')
    expect((await script.text()).startsWith('/*! uPlot 1.6.32 (c) Leon Sorokin, MIT License')).toBe(true)
    // the first snapshot on the event stream carries the channel's series
    const controller = new AbortController()
    const events = await fetch(addresses.dashboard + 'events', { signal: controller.signal })
    const reader = events.body!.getReader()
    let sse = ''
    while (!sse.includes('"readings"')) sse += new TextDecoder().decode((await reader.read()).value)
    controller.abort()
    expect(sse).toContain('"total":200')
    client.close()

    const exited = new Promise<number | null>(resolve => child?.once('exit', code => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    child = undefined
  }, 60_000)

  it('a bad config is one clear message and exit code 2', () => {
    const bad = join(dir, 'bad.json')
    writeFileSync(
      bad,
      JSON.stringify({
        channels: { readings: { analyses: [{ dtwMatch: { patterns: { p: [1, 2] }, threshold: -1 } }] } },
      }),
    )
    const result = spawnSync(
      process.execPath,
      ['cli/dist/midstream.js', 'serve', '--config', bad, '--port', '0', '--ws-port', '0', '--no-webtransport'],
      { cwd: root, encoding: 'utf8', timeout: 30_000 },
    )
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(
      /config channels\.readings\.analyses\[0\]: dtwMatch: threshold must be a finite number > 0, got -1/,
    )
    expect(result.stderr).not.toMatch(/\n\s+at /)
    const missing = spawnSync(
      process.execPath,
      ['cli/dist/midstream.js', 'serve', '--config', join(dir, 'none.yaml')],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 30_000,
      },
    )
    expect(missing.status).toBe(2)
    expect(missing.stderr).toMatch(/cannot read the config .*none\.yaml.*ENOENT/)
  })
})
