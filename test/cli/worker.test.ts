/**
 * `midstream worker` (the BUILT command; npm test builds first) on a real redis-server: two workers
 * share the partitions of a serve config's channel; one is killed with kill -9 halfway; the output
 * streams hold, per key and in order, what the config's analyses give on each key's messages in one
 * uninterrupted run of the library's own operators.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { map, merge, type Observable, Subject } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dtwMatch } from '../../operators/dtwMatch'
import { ltlVerdicts } from '../../operators/ltlVerdicts'
import { openRedis, type RedisLink } from '../../redis/connection'
import { produce, readOutputs, waitForOutputs } from '../support/partitionedHarness'
import { type Reading, workloadReadings } from '../support/partitionedWorkload'
import { type RedisServer, startRedis } from '../support/redisServer'

const root = fileURLToPath(new URL('../../', import.meta.url))
const PATTERN = [0, 3, 9, 3, 0]
const FORMULA = 'G (hot -> F[0,40] cool)'
const CONFIG = `channels:
  readings:
    key: key
    value: x
    time: t
    partitions: 4
    analyses:
      - dtwMatch: { patterns: { spike: [${PATTERN.join(', ')}] }, threshold: 4 }
      - ltl: { formula: "${FORMULA}", atoms: { hot: hot, cool: cool } }
`

interface Message extends Reading {
  hot: boolean
  cool: boolean
}

/** The oracle: the config's two analyses on each key's messages, in order, with plain operators and no state handles. */
function expectedOutputs(messages: readonly Message[]): Map<string, unknown[]> {
  const inputs = new Map<string, Subject<Message>>()
  const outputs = new Map<string, unknown[]>()
  for (const message of messages) {
    let input = inputs.get(message.key)
    if (input === undefined) {
      input = new Subject<Message>()
      inputs.set(message.key, input)
      const collected: unknown[] = []
      outputs.set(message.key, collected)
      const values$: Observable<Message> = input
      merge(
        values$.pipe(
          dtwMatch({ spike: PATTERN }, { threshold: 4, select: m => m.x, time: m => m.t }),
          map(result => ({ analysis: 'dtwMatch', result })),
        ),
        values$.pipe(
          ltlVerdicts(FORMULA, { atoms: { hot: m => m.hot, cool: m => m.cool }, time: m => m.t }),
          map(result => ({ analysis: FORMULA, result })),
        ),
      ).subscribe(output => collected.push(JSON.parse(JSON.stringify(output))))
    }
    input.next(message)
  }
  return outputs
}

function startWorkerCommand(config: string, url: string, id: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      'cli/dist/midstream.js',
      'worker',
      '--redis',
      url,
      '--config',
      config,
      '--port',
      '0',
      '--lease-ms',
      '1000',
      '--batch-size',
      '50',
      '--worker-id',
      id,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.on('data', chunk => {
    stderr += chunk
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', chunk => {
      out += chunk
      if (out.includes('\n')) resolve(child)
    })
    child.once('exit', code => reject(new Error(`worker exited with ${code}: ${stderr}`)))
  })
}

describe('midstream worker', () => {
  let server: RedisServer
  let dir = ''
  let link: RedisLink
  const children: ChildProcess[] = []
  beforeAll(async () => {
    server = await startRedis()
    dir = mkdtempSync(join(tmpdir(), 'midstream-worker-'))
    link = await openRedis('test', server.url)
  })
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL')
    await link.close()
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('two workers, one killed with kill -9 halfway: per key, exactly the uninterrupted analyses', {
    timeout: 90_000,
  }, async () => {
    const config = join(dir, 'pipelines.yaml')
    writeFileSync(config, CONFIG)
    const messages = workloadReadings(1_500, 20, 7).map(r => ({ ...r, hot: r.x > 8, cool: r.x < 2 }))
    const expected = expectedOutputs(messages)
    const total = [...expected.values()].reduce((sum, list) => sum + list.length, 0)
    const name = 'midstream.readings'
    const target = { output: 'readings:out', name, partitions: 4 }
    children.push(await startWorkerCommand(config, server.url, 'a'))
    children.push(await startWorkerCommand(config, server.url, 'b'))
    await produce(link, 'readings', messages.slice(0, 750) as never)
    expect(await waitForOutputs(link, target, Math.floor(total / 4), 30_000)).toBe(true)
    children[0].kill('SIGKILL')
    await produce(link, 'readings', messages as never, { from: 750 })
    expect(await waitForOutputs(link, target, total, 45_000)).toBe(true)
    const { perKey, total: committed } = await readOutputs(link, 'readings:out', name, 4)
    expect(committed).toBe(total)
    // keys whose analyses emitted nothing have no output entries
    expect(perKey).toEqual(new Map([...expected].filter(([, list]) => list.length > 0)))
  })

  it('refuses a config whose channel has no key, before touching Redis', async () => {
    const config = join(dir, 'nokey.yaml')
    writeFileSync(config, CONFIG.replace('    key: key\n', ''))
    const child = spawn(
      process.execPath,
      ['cli/dist/midstream.js', 'worker', '--redis', 'redis://127.0.0.1:1', '--config', config],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stderr = ''
    child.stderr?.on('data', chunk => {
      stderr += chunk
    })
    const code = await new Promise(resolve => child.once('exit', resolve))
    expect(code).toBe(2)
    expect(stderr).toContain('midstream worker: config: channels.readings.key is required')
  })
})
