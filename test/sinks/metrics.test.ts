import { spawnSync } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fc, test } from '@fast-check/vitest'
import { register as globalRegistry, Registry } from 'prom-client'
import { finalize, from, lastValueFrom, Observable, of, Subject, take, throwError, toArray } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dtwMatch } from '../../operators/dtwMatch'
import { ltlVerdicts } from '../../operators/ltlVerdicts'
import {
  DEFAULT_LATENCY_BUCKETS_SECONDS,
  MetricsRegistrationError,
  type MidstreamMetrics,
  metrics,
  metricsHandler,
  prometheusSink,
} from '../../sinks/metrics'

// --- a tiny parser for the Prometheus text format: `name{label="value",...} number` lines ---

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

function parseExposition(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null) throw new Error(`unparsable exposition line: ${JSON.stringify(line)}`)
    const [, name, body = '', raw] = match
    const labels: Record<string, string> = {}
    let i = 0
    while (i < body.length) {
      const eq = body.indexOf('="', i)
      const key = body.slice(i, eq)
      let j = eq + 2
      let value = ''
      while (body[j] !== '"') {
        if (body[j] === '\\') {
          const next = body[j + 1]
          value += next === 'n' ? '\n' : next
          j += 2
        } else value += body[j++]
      }
      labels[key] = value
      i = j + 1
      if (body[i] === ',') i++
    }
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw)
    samples.push({ name, labels, value })
  }
  return samples
}

/** The value of the one sample named `name` whose labels include `labels`; 0 when absent (a counter never incremented). */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  if (found.length > 1) throw new Error(`${found.length} samples match ${name} ${JSON.stringify(labels)}`)
  return found[0]?.value ?? 0
}

async function scrape(m: MidstreamMetrics): Promise<Sample[]> {
  return parseExposition(await m.render())
}

interface Outcome<T> {
  values: T[]
  end: 'complete' | 'error' | 'open'
  error?: unknown
}

function collect<T>(source: Observable<T>): Outcome<T> {
  const out: Outcome<T> = { values: [], end: 'open' }
  source.subscribe({
    next: v => out.values.push(v),
    error: (e: unknown) => {
      out.end = 'error'
      out.error = e
    },
    complete: () => {
      out.end = 'complete'
    },
  })
  return out
}

const promtoolAvailable = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0

// --- metrics() ---

describe('metrics', () => {
  it('registers every collector on a registry of its own, never on the global one', async () => {
    const m = metrics()
    const n = metrics() // a second call gets a second registry: no clash
    expect(m.registry).not.toBe(n.registry)
    expect(m.registry).not.toBe(globalRegistry)
    expect(globalRegistry.getSingleMetric('midstream_elements_total')).toBeUndefined()
    const names = m.registry
      .getMetricsAsArray()
      .map(metric => (metric as unknown as { name: string }).name)
      .sort()
    expect(names).toEqual([
      'midstream_commit_latency_seconds',
      'midstream_drifts_total',
      'midstream_dropped_total',
      'midstream_element_latency_seconds',
      'midstream_elements_total',
      'midstream_lateness_seconds',
      'midstream_lease_losses_total',
      'midstream_matches_total',
      'midstream_partition_lag_seconds',
      'midstream_rebalances_total',
      'midstream_transport_sessions',
      'midstream_verdicts_total',
    ])
    expect(m.contentType).toBe(Registry.PROMETHEUS_CONTENT_TYPE)
    const text = await m.render()
    expect(text).toContain('# TYPE midstream_lateness_seconds histogram')
    expect(text).toContain('# TYPE midstream_transport_sessions gauge')
  })

  it('uses a registry passed in, with a prefix and buckets', async () => {
    const registry = new Registry()
    const m = metrics({ registry, prefix: 'edge_', buckets: [0.001, 0.01] })
    expect(m.registry).toBe(registry)
    m.observeLateness('p', 0.5) // 0.0005 s
    m.observeLateness('p', 5) // 0.005 s
    m.observeLateness('p', 50) // 0.05 s
    const s = parseExposition(await registry.metrics())
    expect(sampleValue(s, 'edge_lateness_seconds_bucket', { pipeline: 'p', le: '0.001' })).toBe(1)
    expect(sampleValue(s, 'edge_lateness_seconds_bucket', { pipeline: 'p', le: '0.01' })).toBe(2)
    expect(sampleValue(s, 'edge_lateness_seconds_bucket', { pipeline: 'p', le: '+Inf' })).toBe(3)
    expect(sampleValue(s, 'edge_lateness_seconds_count', { pipeline: 'p' })).toBe(3)
    expect(sampleValue(s, 'edge_lateness_seconds_sum', { pipeline: 'p' })).toBeCloseTo(0.0555, 12)
    // the same registry again: a clear error naming the taken metric; another prefix is fine
    expect(() => metrics({ registry, prefix: 'edge_' })).toThrow(MetricsRegistrationError)
    expect(() => metrics({ registry, prefix: 'edge_' })).toThrow(/"edge_elements_total"/)
    expect(() => metrics({ registry, prefix: 'other_' })).not.toThrow()
    expect(() => metrics({ registry: new Registry(), prefix: '' })).not.toThrow()
  })

  it('rejects bad options with typed errors naming the value', () => {
    expect(() => metrics({ prefix: '9lives_' })).toThrow(TypeError)
    expect(() => metrics({ prefix: '9lives_' })).toThrow(/"9lives_"/)
    expect(() => metrics({ prefix: 'a-b' })).toThrow(/"a-b"/)
    expect(() => metrics({ registry: {} as Registry })).toThrow(/^metrics: registry must be a prom-client Registry/)
    expect(() => metrics({ buckets: [] })).toThrow(/non-empty array/)
    expect(() => metrics({ buckets: [0.1, 0.05] })).toThrow(RangeError)
    expect(() => metrics({ buckets: [0.1, 0.05] })).toThrow(/buckets\[1\] = 0.05 follows 0.1/)
    expect(() => metrics({ buckets: [0.1, Infinity] })).toThrow(
      /buckets\[1\] must be a finite number of seconds, got Infinity/,
    )
    expect(() => metrics(null as never)).toThrow(/options must be an object, got null/)
  })

  it('record methods check their arguments', () => {
    const m = metrics()
    expect(() => m.countElements('', 's')).toThrow(
      /^MidstreamMetrics\.countElements: label pipeline must not be empty$/,
    )
    expect(() => m.countElements('p', 's', -1)).toThrow(RangeError)
    expect(() => m.countElements('p', 's', 1.5)).toThrow(/got 1.5/)
    expect(() => m.countVerdict('p', 'G a', 'maybe' as never)).toThrow(/got "maybe"/)
    expect(() => m.observeLateness('p', NaN)).toThrow(
      /^MidstreamMetrics\.observeLateness: lateness must be a finite number >= 0 \(ms\), got NaN$/,
    )
    expect(() => m.observeElementLatency('p', 's', -2)).toThrow(/got -2/)
    expect(() => m.setTransportSessions('srv', -1)).toThrow(RangeError)
    expect(() => m.countDrift('p', 7 as never)).toThrow(
      /^MidstreamMetrics\.countDrift: label detector must be a string, got 7$/,
    )
  })

  it('the exposition text, parsed back, holds exactly what was recorded', async () => {
    const m = metrics()
    m.countElements('ingest', 'parse', 3)
    m.countElements('ingest', 'parse')
    m.countElements('ingest', 'score', 2)
    m.countMatch('ingest', 'spike')
    m.countMatch('ingest', 'spike')
    m.countMatch('ingest', 'dip "deep"\\\nnext') // quotes, backslash and newline survive escaping
    m.countVerdict('ingest', 'G (a -> F b)', 'false')
    m.countDropped('ingest', 'late', 5)
    m.countDrift('ingest', 'PageHinkley')
    m.observeElementLatency('ingest', 'parse', 1.5)
    m.observeElementLatency('ingest', 'parse', 2.5)
    m.setTransportSessions('edge-1', 4)
    m.setTransportSessions('edge-1', 2)
    const s = await scrape(m)
    expect(sampleValue(s, 'midstream_elements_total', { pipeline: 'ingest', stage: 'parse' })).toBe(4)
    expect(sampleValue(s, 'midstream_elements_total', { pipeline: 'ingest', stage: 'score' })).toBe(2)
    expect(sampleValue(s, 'midstream_matches_total', { pattern: 'spike' })).toBe(2)
    expect(sampleValue(s, 'midstream_matches_total', { pattern: 'dip "deep"\\\nnext' })).toBe(1)
    expect(
      sampleValue(s, 'midstream_verdicts_total', { pipeline: 'ingest', formula: 'G (a -> F b)', verdict: 'false' }),
    ).toBe(1)
    expect(sampleValue(s, 'midstream_dropped_total', { reason: 'late' })).toBe(5)
    expect(sampleValue(s, 'midstream_drifts_total', { detector: 'PageHinkley' })).toBe(1)
    expect(sampleValue(s, 'midstream_element_latency_seconds_count', { stage: 'parse' })).toBe(2)
    expect(sampleValue(s, 'midstream_element_latency_seconds_sum', { stage: 'parse' })).toBeCloseTo(0.004, 12)
    expect(sampleValue(s, 'midstream_element_latency_seconds_bucket', { stage: 'parse', le: '0.0025' })).toBe(2)
    expect(sampleValue(s, 'midstream_element_latency_seconds_bucket', { stage: 'parse', le: '0.001' })).toBe(0)
    expect(sampleValue(s, 'midstream_transport_sessions', { server: 'edge-1' })).toBe(2)
  })

  it('records the partitioned-pipeline collectors (lag, commit latency, rebalances, lease losses)', async () => {
    const m = metrics()
    m.setPartitionLag('orders', 3, 1250)
    m.setPartitionLag('orders', 4, 10)
    m.setPartitionLag('orders', 4, 0) // caught up
    m.observeCommitLatency('orders', 2)
    m.observeCommitLatency('orders', 0.5)
    m.countRebalance('orders')
    m.countRebalance('orders')
    m.countLeaseLoss('orders', 3)
    m.countLeaseLoss('orders')
    const s = await scrape(m)
    expect(sampleValue(s, 'midstream_partition_lag_seconds', { pipeline: 'orders', partition: '3' })).toBe(1.25)
    expect(sampleValue(s, 'midstream_partition_lag_seconds', { pipeline: 'orders', partition: '4' })).toBe(0)
    expect(sampleValue(s, 'midstream_commit_latency_seconds_count', { pipeline: 'orders' })).toBe(2)
    expect(sampleValue(s, 'midstream_commit_latency_seconds_sum', { pipeline: 'orders' })).toBeCloseTo(0.0025, 12)
    expect(sampleValue(s, 'midstream_commit_latency_seconds_bucket', { pipeline: 'orders', le: '0.001' })).toBe(1)
    expect(sampleValue(s, 'midstream_rebalances_total', { pipeline: 'orders' })).toBe(2)
    expect(sampleValue(s, 'midstream_lease_losses_total', { pipeline: 'orders' })).toBe(4)
    expect(() => m.setPartitionLag('orders', -1, 0)).toThrow(
      /^MidstreamMetrics\.setPartitionLag: partition must be an integer >= 0, got -1$/,
    )
    expect(() => m.setPartitionLag('orders', 0, NaN)).toThrow(/lag must be a finite number >= 0 \(ms\), got NaN/)
    expect(() => m.observeCommitLatency('', 1)).toThrow(/label pipeline must not be empty/)
    expect(() => m.countLeaseLoss('orders', 0.5)).toThrow(RangeError)
  })

  it.skipIf(!promtoolAvailable)('passes `promtool check metrics` without lint problems', async () => {
    const m = metrics()
    m.countElements('ingest', 'parse', 3)
    m.countMatch('ingest', 'spike')
    m.countMatch('ingest', 'quote " and \\ backslash')
    m.countVerdict('ingest', 'G (a -> F[0,500ms] b)', 'true')
    m.countDropped('ingest', 'overflow')
    m.countDrift('ingest', 'ADWIN')
    m.observeLateness('ingest', 0.3)
    m.observeElementLatency('ingest', 'parse', 12)
    m.setTransportSessions('edge', 1)
    for (const text of [await m.render(), await metrics().render()]) {
      const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
      expect(result.error).toBeUndefined()
      expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
        status: 0,
        stdout: '',
        stderr: '',
      })
    }
  })
})

// --- prometheusSink ---

describe('prometheusSink', () => {
  test.prop([fc.array(fc.double({ min: 0, max: 5_000, noNaN: true }), { maxLength: 200 })])(
    'lateness: the histogram count, sum and buckets equal plain counts and sums of the values',
    async latenesses => {
      const m = metrics()
      const out = collect(from(latenesses).pipe(prometheusSink(m, { pipeline: 'sched', kind: 'lateness' })))
      expect(out.values).toEqual(latenesses)
      expect(out.end).toBe('complete')
      const s = await scrape(m)
      expect(sampleValue(s, 'midstream_lateness_seconds_count', { pipeline: 'sched' })).toBe(latenesses.length)
      const sum = latenesses.reduce((a, ms) => a + ms / 1000, 0)
      expect(
        Math.abs(sampleValue(s, 'midstream_lateness_seconds_sum', { pipeline: 'sched' }) - sum),
      ).toBeLessThanOrEqual(1e-9 * Math.max(1, sum))
      for (const bound of DEFAULT_LATENCY_BUCKETS_SECONDS) {
        const expected = latenesses.filter(ms => ms / 1000 <= bound).length
        expect(sampleValue(s, 'midstream_lateness_seconds_bucket', { pipeline: 'sched', le: String(bound) })).toBe(
          expected,
        )
      }
    },
  )

  test.prop([
    fc.array(
      fc.record({ stage: fc.constantFrom('parse', 'score', 'emit'), ms: fc.double({ min: 0, max: 100, noNaN: true }) }),
      { maxLength: 100 },
    ),
  ])('elements: the counter equals the number of values per stage; latencies sum per stage', async events => {
    const m = metrics()
    const out = collect(
      from(events).pipe(
        prometheusSink(m, { pipeline: 'p', kind: 'elements', label: e => e.stage, latency: e => e.ms }),
      ),
    )
    expect(out.values).toEqual(events)
    const s = await scrape(m)
    for (const stage of ['parse', 'score', 'emit']) {
      const mine = events.filter(e => e.stage === stage)
      expect(sampleValue(s, 'midstream_elements_total', { pipeline: 'p', stage })).toBe(mine.length)
      expect(sampleValue(s, 'midstream_element_latency_seconds_count', { pipeline: 'p', stage })).toBe(mine.length)
      const sum = mine.reduce((a, e) => a + e.ms / 1000, 0)
      expect(sampleValue(s, 'midstream_element_latency_seconds_sum', { pipeline: 'p', stage })).toBeCloseTo(sum, 9)
    }
  })

  test.prop([fc.array(fc.anything(), { maxLength: 100 })])(
    'elements without a label counts every value under stage "output" (or the given stage)',
    async values => {
      const m = metrics()
      const out = collect(
        from(values).pipe(
          prometheusSink(m, { pipeline: 'p', kind: 'elements' }),
          prometheusSink(m, { pipeline: 'p', kind: 'elements', stage: 'second' }),
        ),
      )
      expect(out.values.length).toBe(values.length)
      out.values.forEach((v, i) => expect(v).toBe(values[i])) // the same references, in order
      const s = await scrape(m)
      expect(sampleValue(s, 'midstream_elements_total', { pipeline: 'p', stage: 'output' })).toBe(values.length)
      expect(sampleValue(s, 'midstream_elements_total', { pipeline: 'p', stage: 'second' })).toBe(values.length)
    },
  )

  it('matches: counts dtwMatch events per pattern', async () => {
    const spike = [0, 3, 9, 3, 0]
    const dip = [0, -4, -8, -4, 0]
    const series: number[] = []
    const planted = ['spike', 'dip', 'spike', 'spike', 'dip', 'spike']
    for (const name of planted) series.push(0, 0, 0, ...(name === 'spike' ? spike : dip), 0, 0, 0)
    const m = metrics()
    const events = await lastValueFrom(
      from(series).pipe(
        dtwMatch({ spike, dip }, { threshold: 1 }),
        prometheusSink(m, { pipeline: 'cpu', kind: 'matches' }),
        toArray(),
      ),
    )
    // the oracle: the planted occurrences
    expect(events.map(e => e.pattern)).toEqual(planted)
    const s = await scrape(m)
    expect(sampleValue(s, 'midstream_matches_total', { pipeline: 'cpu', pattern: 'spike' })).toBe(4)
    expect(sampleValue(s, 'midstream_matches_total', { pipeline: 'cpu', pattern: 'dip' })).toBe(2)
  })

  test.prop([fc.array(fc.integer({ min: -3, max: 20 }), { maxLength: 30 })])(
    'verdicts: counts ltlVerdicts events by verdict, with the formula label',
    async xs => {
      const m = metrics()
      const formula = 'G positive'
      const out = collect(
        from(xs).pipe(
          ltlVerdicts(formula, { atoms: { positive: (x: number) => x > 0 } }),
          prometheusSink(m, { pipeline: 'p', kind: 'verdicts', formula }),
        ),
      )
      expect(out.end).toBe('complete')
      // closed form: G positive turns false at the first x <= 0 (one change, then the final 'false'); else only the final 'true'
      const violated = xs.some(x => x <= 0)
      const s = await scrape(m)
      expect(sampleValue(s, 'midstream_verdicts_total', { pipeline: 'p', formula, verdict: 'false' })).toBe(
        violated ? 2 : 0,
      )
      expect(sampleValue(s, 'midstream_verdicts_total', { pipeline: 'p', formula, verdict: 'true' })).toBe(
        violated ? 0 : 1,
      )
      expect(sampleValue(s, 'midstream_verdicts_total', { pipeline: 'p', formula, verdict: 'unknown' })).toBe(0)
    },
  )

  it('verdicts: the formula label can come from `label`', async () => {
    const m = metrics()
    const events = [
      { verdict: 'unknown' as const, index: 0, timestamp: undefined, final: false, spec: 'a' },
      { verdict: 'true' as const, index: 1, timestamp: undefined, final: true, spec: 'b' },
    ]
    collect(from(events).pipe(prometheusSink(m, { pipeline: 'p', kind: 'verdicts', label: e => e.spec })))
    const s = await scrape(m)
    expect(sampleValue(s, 'midstream_verdicts_total', { formula: 'a', verdict: 'unknown' })).toBe(1)
    expect(sampleValue(s, 'midstream_verdicts_total', { formula: 'b', verdict: 'true' })).toBe(1)
  })

  it('passes a source error through after recording what came before', async () => {
    const m = metrics()
    const boom = new Error('boom')
    const source = new Observable<number>(s => {
      s.next(1)
      s.next(2)
      s.error(boom)
    })
    const out = collect(source.pipe(prometheusSink(m, { pipeline: 'p', kind: 'elements' })))
    expect(out).toEqual({ values: [1, 2], end: 'error', error: boom })
    expect(sampleValue(await scrape(m), 'midstream_elements_total', { pipeline: 'p' })).toBe(2)
    expect(collect(throwError(() => boom).pipe(prometheusSink(m, { pipeline: 'p', kind: 'lateness' })))).toEqual({
      values: [],
      end: 'error',
      error: boom,
    })
  })

  it('a throwing label becomes a stream error; nothing after it is recorded or emitted', async () => {
    const m = metrics()
    const oops = new Error('label failed')
    let finalized = false
    const out = collect(
      of(1, 2, 3, 4).pipe(
        finalize(() => (finalized = true)),
        prometheusSink(m, {
          pipeline: 'p',
          kind: 'elements',
          label: x => {
            if (x === 3) throw oops
            return 's'
          },
        }),
      ),
    )
    expect(out).toEqual({ values: [1, 2], end: 'error', error: oops })
    expect(finalized).toBe(true)
    expect(sampleValue(await scrape(m), 'midstream_elements_total', { pipeline: 'p', stage: 's' })).toBe(2)
  })

  it('bad values become typed stream errors naming the value and its index', () => {
    const m = metrics()
    const lateness = collect(of(1, -0.5).pipe(prometheusSink(m, { pipeline: 'p', kind: 'lateness' })))
    expect(lateness.values).toEqual([1])
    expect(lateness.error).toBeInstanceOf(RangeError)
    expect(String(lateness.error)).toMatch(/got -0.5 as value #1/)
    const notNumber = collect(of('7' as unknown as number).pipe(prometheusSink(m, { pipeline: 'p', kind: 'lateness' })))
    expect(String(notNumber.error)).toMatch(/got "7" as value #0/)
    const match = collect(
      of({ pattern: 'a' }, { pattern: 5 }).pipe(prometheusSink(m, { pipeline: 'p', kind: 'matches' })),
    )
    expect(match.values).toEqual([{ pattern: 'a' }])
    expect(String(match.error)).toMatch(/TypeError: .*got 5 in value #1/)
    const verdict = collect(
      of({ verdict: 'maybe' }).pipe(prometheusSink(m, { pipeline: 'p', kind: 'verdicts', formula: 'G a' })),
    )
    expect(String(verdict.error)).toMatch(/got "maybe" in value #0/)
    const label = collect(
      of(1).pipe(prometheusSink(m, { pipeline: 'p', kind: 'elements', label: () => 42 as unknown as string })),
    )
    expect(String(label.error)).toMatch(/TypeError: .*non-empty stage, got 42 for value #0 1/)
    const latency = collect(of(1).pipe(prometheusSink(m, { pipeline: 'p', kind: 'elements', latency: () => NaN })))
    expect(String(latency.error)).toMatch(/RangeError: .*got NaN for value #0/)
  })

  it('bad options throw at call time', () => {
    const m = metrics()
    expect(() => prometheusSink({} as MidstreamMetrics, { pipeline: 'p', kind: 'elements' })).toThrow(
      /must come from metrics/,
    )
    expect(() => prometheusSink(m, { pipeline: '', kind: 'elements' })).toThrow(
      /^prometheusSink: pipeline must not be empty$/,
    )
    expect(() => prometheusSink(m, { pipeline: 'p', kind: 'gauges' as never })).toThrow(/got "gauges"/)
    expect(() => prometheusSink(m, { pipeline: 'p', kind: 'verdicts' })).toThrow(
      /^prometheusSink: kind 'verdicts' needs formula or label/,
    )
    expect(() => prometheusSink(m, { pipeline: 'p', kind: 'lateness', label: () => 'x' })).toThrow(
      /has no varying label/,
    )
    expect(() => prometheusSink(m, { pipeline: 'p', kind: 'matches', stage: 's' })).toThrow(
      /stage is for kind 'elements' only/,
    )
    expect(() => prometheusSink(m, { pipeline: 'p', kind: 'elements', label: 'x' as never })).toThrow(
      /label must be a function, got "x"/,
    )
  })

  it('unsubscribing unsubscribes the source and stops recording', async () => {
    const m = metrics()
    const subject = new Subject<number>()
    const values: number[] = []
    const subscription = subject
      .pipe(prometheusSink(m, { pipeline: 'p', kind: 'lateness' }))
      .subscribe(v => values.push(v))
    subject.next(1)
    subject.next(2)
    expect(subject.observed).toBe(true)
    subscription.unsubscribe()
    expect(subject.observed).toBe(false)
    subject.next(3)
    expect(values).toEqual([1, 2])
    expect(sampleValue(await scrape(m), 'midstream_lateness_seconds_count', { pipeline: 'p' })).toBe(2)
    // take() downstream ends an endless source
    let finalized = false
    const taken = collect(
      new Observable<number>(s => {
        for (let i = 0; !s.closed; i++) s.next(i)
      }).pipe(
        finalize(() => (finalized = true)),
        prometheusSink(m, { pipeline: 'q', kind: 'elements' }),
        take(5),
      ),
    )
    expect(taken).toEqual({ values: [0, 1, 2, 3, 4], end: 'complete' })
    expect(finalized).toBe(true)
    expect(sampleValue(await scrape(m), 'midstream_elements_total', { pipeline: 'q' })).toBe(5)
  })
})

// --- metricsHandler over HTTP ---

describe('metricsHandler', () => {
  let server: Server
  let base: string
  const m = metrics()
  beforeAll(async () => {
    server = createServer(metricsHandler(m))
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise<void>((resolve, reject) => server.close(e => (e ? reject(e) : resolve())))
  })

  it('serves GET /metrics with the registry content type and the recorded numbers', async () => {
    m.countElements('web', 'in', 7)
    m.observeLateness('web', 2)
    const response = await fetch(`${base}/metrics?debug=1`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe(m.contentType)
    const s = parseExposition(await response.text())
    expect(sampleValue(s, 'midstream_elements_total', { pipeline: 'web', stage: 'in' })).toBe(7)
    expect(sampleValue(s, 'midstream_lateness_seconds_sum', { pipeline: 'web' })).toBeCloseTo(0.002, 12)
    const head = await fetch(`${base}/metrics`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })

  it('answers 405 with Allow for other methods, 404 for other paths', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const response = await fetch(`${base}/metrics`, { method })
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('GET, HEAD')
      await response.text()
    }
    const missing = await fetch(`${base}/other`)
    expect(missing.status).toBe(404)
    await missing.text()
  })

  it('rejects a non-metrics argument', () => {
    expect(() => metricsHandler(new Registry() as never)).toThrow(/must come from metrics/)
  })
})
