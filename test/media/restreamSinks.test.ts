import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fc, test } from '@fast-check/vitest'
import { Registry } from 'prom-client'
import { from, lastValueFrom, toArray } from 'rxjs'
import { afterAll, describe, expect, it } from 'vitest'
import { restream } from '../../media/restream'
import { DashboardModel } from '../../sinks/dashboard/model'
import { restreamDashboard } from '../../sinks/dashboard/operators'
import { type RestreamHealthSample, restreamMetrics } from '../../sinks/metrics'
import { freePort } from '../support/redisServer'

/** `name{labels} value` samples of an exposition (labels without escapes: ours have none). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    out.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return out
}

const root = mkdtempSync(join(tmpdir(), 'midstream-restream-sinks-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('restreamMetrics and restreamDashboard on a real restream', () => {
  it('expose the health of every output and pass promtool', async () => {
    const registry = new Registry()
    const model = new DashboardModel()
    const closed = await freePort()
    const values = await lastValueFrom(
      restream(
        'testsrc=size=160x120:rate=25',
        [
          { file: join(root, 'a.mkv'), name: 'file' },
          { url: `rtmp://127.0.0.1:${closed}/live/x`, name: 'down' },
        ],
        { inputOptions: ['-f', 'lavfi', '-t', '1'] },
      ).pipe(restreamMetrics({ restream: 'show', registry }), restreamDashboard(model, 'show'), toArray()),
    )
    const last = values.at(-1)
    expect(last?.state).toBe('ended')
    const text = await registry.metrics()
    const s = samples(text)
    expect(s.get('midstream_restream_up{restream="show"}')).toBe(0) // ended
    expect(s.get('midstream_restream_output_up{restream="show",output="file"}')).toBe(1)
    expect(s.get('midstream_restream_output_up{restream="show",output="down"}')).toBe(0)
    expect(s.get('midstream_restream_output_failures_total{restream="show",output="down"}')).toBe(1)
    expect(s.get('midstream_restream_out_time_seconds{restream="show"}')).toBeCloseTo((last?.outTimeMs ?? 0) / 1000, 6)
    expect(s.get('midstream_restream_speed_ratio{restream="show"}')).toBe(last?.speed)
    expect(s.get('midstream_restream_restarts_total{restream="show"}')).toBe(0)
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
    expect({ status: check.status, stdout: check.stdout, stderr: check.stderr }).toEqual({
      status: 0,
      stdout: '',
      stderr: '',
    })
    const snapshot = model.snapshot()
    const series = (name: string) => snapshot.series.find(x => x.name === name)
    expect(series('show fps')?.values).toEqual(values.filter(v => v.fps !== undefined).map(v => v.fps))
    expect(series('show out s')?.last).toBeCloseTo((last?.outTimeMs ?? 0) / 1000, 9)
    expect(series('show kbit/s')?.total).toBe(0) // ffmpeg reports no bitrate through tee
    expect(snapshot.rates.find(r => r.channel === 'show output failures')?.total).toBe(1)
  })
})

describe('restreamMetrics counters across restarts', () => {
  // runs of ffmpeg, each with non-decreasing totals of dropped frames (ffmpeg restarts them at 0)
  const runs = fc.array(fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 })
  test.prop([runs])('add every increase of ffmpeg’s per-run totals; count each restart once', async increments => {
    const registry = new Registry()
    const health: RestreamHealthSample[] = []
    increments.forEach((steps, run) => {
      if (run > 0) health.push({ state: 'reconnecting', event: 'reconnecting', run: run - 1, outputs: [] })
      let total = 0
      for (const step of steps) {
        total += step
        health.push({ state: 'running', event: 'progress', run, dropFrames: total, dupFrames: 2 * total, outputs: [] })
      }
    })
    await lastValueFrom(from(health).pipe(restreamMetrics({ restream: 'r', registry }), toArray()))
    const s = samples(await registry.metrics())
    const expected = increments.flat().reduce((a, b) => a + b, 0) // closed form: the sum of the per-run totals
    expect(s.get('midstream_restream_frames_dropped_total{restream="r"}')).toBe(expected)
    expect(s.get('midstream_restream_frames_duplicated_total{restream="r"}')).toBe(2 * expected)
    expect(s.get('midstream_restream_restarts_total{restream="r"}')).toBe(increments.length - 1)
  })

  it('rejects bad options naming them', () => {
    expect(() => restreamMetrics({ restream: '', registry: new Registry() })).toThrow(
      /restreamMetrics: label restream must not be empty/,
    )
    expect(() => restreamMetrics({ restream: 'x', registry: {} as Registry })).toThrow(
      /registry must be a prom-client Registry/,
    )
    expect(() => restreamMetrics({ restream: 'x', registry: new Registry(), prefx: 'a' } as never)).toThrow(
      /unknown option "prefx"/,
    )
    expect(() => restreamDashboard(new DashboardModel(), '')).toThrow(/restreamDashboard: name must not be empty/)
  })
})
