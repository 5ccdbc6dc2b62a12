import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { type MonoTypeOperatorFunction, map } from 'rxjs'
import { describeValue } from '../src/errors'
import type { Verdict } from '../src/ltl/monitor'
import { checkFunction, checkInteger, checkMilliseconds, checkOneOf, checkOptions, checkString } from '../src/validate'
import { promClient } from './peers'

/** Default histogram buckets, in seconds: 50 µs to 10 s, dense below 10 ms where scheduler lateness lives. */
export const DEFAULT_LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
])

/** Thrown by `metrics` when the registry already holds a collector under one of its names (call `metrics` once per registry and prefix). */
export class MetricsRegistrationError extends Error {
  /** The error's name, for logs. */
  override readonly name = 'MetricsRegistrationError'
  constructor(
    /** The full metric name that is taken. */
    readonly metricName: string,
  ) {
    super(
      `metrics: the registry already has a metric named ${JSON.stringify(metricName)} (use a fresh registry or another prefix)`,
    )
  }
}

/** `metrics`'s options: where the collectors live and how they are named and bucketed. */
export interface MetricsOptions {
  /** The prom-client registry to register on. Default: a new `Registry` for this call (never prom-client's global one). */
  registry?: Registry
  /** Prepended to every metric name; empty or a valid metric-name start such as `'app_'`. Default `'midstream_'`. */
  prefix?: string
  /** Upper bounds, in seconds, of both histograms' buckets: finite and strictly increasing (`+Inf` is added). Default `DEFAULT_LATENCY_BUCKETS_SECONDS`. */
  buckets?: readonly number[]
}

/** The prom-client collectors behind a `MidstreamMetrics` (names without the prefix). */
export interface MidstreamCollectors {
  /** `elements_total{pipeline,stage}`. */
  readonly elementsTotal: Counter<'pipeline' | 'stage'>
  /** `matches_total{pipeline,pattern}`. */
  readonly matchesTotal: Counter<'pipeline' | 'pattern'>
  /** `verdicts_total{pipeline,formula,verdict}`. */
  readonly verdictsTotal: Counter<'pipeline' | 'formula' | 'verdict'>
  /** `dropped_total{pipeline,reason}`. */
  readonly droppedTotal: Counter<'pipeline' | 'reason'>
  /** `drifts_total{pipeline,detector}`. */
  readonly driftsTotal: Counter<'pipeline' | 'detector'>
  /** `lateness_seconds{pipeline}`. */
  readonly latenessSeconds: Histogram<'pipeline'>
  /** `element_latency_seconds{pipeline,stage}`. */
  readonly elementLatencySeconds: Histogram<'pipeline' | 'stage'>
  /** `transport_sessions{server}`. */
  readonly transportSessions: Gauge<'server'>
  /** `partition_lag_seconds{pipeline,partition}` (runPartitioned). */
  readonly partitionLagSeconds: Gauge<'pipeline' | 'partition'>
  /** `commit_latency_seconds{pipeline}` (runPartitioned). */
  readonly commitLatencySeconds: Histogram<'pipeline'>
  /** `rebalances_total{pipeline}` (runPartitioned). */
  readonly rebalancesTotal: Counter<'pipeline'>
  /** `lease_losses_total{pipeline}` (runPartitioned). */
  readonly leaseLossesTotal: Counter<'pipeline'>
}

const VERDICTS: readonly Verdict[] = ['true', 'false', 'unknown']
/** Prometheus exports seconds; midstream's methods take milliseconds. */
const MS_PER_SECOND = 1000
const METRICS_OPTION_NAMES: readonly string[] = ['registry', 'prefix', 'buckets']
const SINK_OPTION_NAMES: readonly string[] = ['pipeline', 'kind', 'stage', 'label', 'formula', 'latency']
const SINK_KINDS: readonly PrometheusSinkKind[] = ['elements', 'matches', 'verdicts', 'lateness']
const PREFIX = /^(?:[a-zA-Z_][a-zA-Z0-9_]*)?$/

/**
 * midstream's Prometheus collectors on one registry. Made by `metrics(...)`; the record methods
 * check their arguments and throw a `TypeError`/`RangeError` naming a bad one. Times are given in
 * milliseconds and exported in seconds.
 */
export class MidstreamMetrics {
  /** The registry every collector is registered on. */
  readonly registry: Registry
  /** The prefix of every metric name. */
  readonly prefix: string
  /** The underlying prom-client collectors, for what the methods do not cover (e.g. `reset()`). */
  readonly collectors: MidstreamCollectors

  /** @internal use `metrics(...)` */
  constructor(registry: Registry, prefix: string, buckets: readonly number[]) {
    this.registry = registry
    this.prefix = prefix
    const registers = [registry]
    const names = [
      'elements_total',
      'matches_total',
      'verdicts_total',
      'dropped_total',
      'drifts_total',
      'lateness_seconds',
      'element_latency_seconds',
      'transport_sessions',
      'partition_lag_seconds',
      'commit_latency_seconds',
      'rebalances_total',
      'lease_losses_total',
    ]
    for (const name of names)
      if (registry.getSingleMetric(prefix + name) !== undefined) throw new MetricsRegistrationError(prefix + name)
    const b = [...buckets]
    this.collectors = {
      elementsTotal: new promClient.Counter({
        name: `${prefix}elements_total`,
        help: 'Elements that passed a pipeline stage.',
        labelNames: ['pipeline', 'stage'] as const,
        registers,
      }),
      matchesTotal: new promClient.Counter({
        name: `${prefix}matches_total`,
        help: 'Pattern matches emitted (dtwMatch), by pattern.',
        labelNames: ['pipeline', 'pattern'] as const,
        registers,
      }),
      verdictsTotal: new promClient.Counter({
        name: `${prefix}verdicts_total`,
        help: 'LTL verdict events emitted (ltlVerdicts), by formula and verdict.',
        labelNames: ['pipeline', 'formula', 'verdict'] as const,
        registers,
      }),
      droppedTotal: new promClient.Counter({
        name: `${prefix}dropped_total`,
        help: 'Elements dropped, by reason.',
        labelNames: ['pipeline', 'reason'] as const,
        registers,
      }),
      driftsTotal: new promClient.Counter({
        name: `${prefix}drifts_total`,
        help: 'Concept drifts detected, by detector.',
        labelNames: ['pipeline', 'detector'] as const,
        registers,
      }),
      latenessSeconds: new promClient.Histogram({
        name: `${prefix}lateness_seconds`,
        help: 'Scheduler lateness: task start minus its due time, in seconds.',
        labelNames: ['pipeline'] as const,
        buckets: b,
        registers,
      }),
      elementLatencySeconds: new promClient.Histogram({
        name: `${prefix}element_latency_seconds`,
        help: 'Latency of an element at a pipeline stage, in seconds.',
        labelNames: ['pipeline', 'stage'] as const,
        buckets: b,
        registers,
      }),
      transportSessions: new promClient.Gauge({
        name: `${prefix}transport_sessions`,
        help: 'Open transport sessions, by server.',
        labelNames: ['server'] as const,
        registers,
      }),
      partitionLagSeconds: new promClient.Gauge({
        name: `${prefix}partition_lag_seconds`,
        help: 'Age of the oldest entry of a partition not yet committed, in seconds (0 when caught up).',
        labelNames: ['pipeline', 'partition'] as const,
        registers,
      }),
      commitLatencySeconds: new promClient.Histogram({
        name: `${prefix}commit_latency_seconds`,
        help: 'Time of one batch commit of a partitioned pipeline (outputs, states, position), in seconds.',
        labelNames: ['pipeline'] as const,
        buckets: b,
        registers,
      }),
      rebalancesTotal: new promClient.Counter({
        name: `${prefix}rebalances_total`,
        help: 'Lease rounds in which a worker of a partitioned pipeline acquired, lost or gave back partitions.',
        labelNames: ['pipeline'] as const,
        registers,
      }),
      leaseLossesTotal: new promClient.Counter({
        name: `${prefix}lease_losses_total`,
        help: 'Partitions a worker lost without giving them back (lease expired and taken, or a fenced commit).',
        labelNames: ['pipeline'] as const,
        registers,
      }),
    }
  }

  /** The Content-Type of `render()`'s text (the registry's: Prometheus text format 0.0.4 by default). */
  get contentType(): string {
    return this.registry.contentType
  }

  /**
   * The registry's exposition text (every metric on it, not only midstream's).
   *
   * ```ts
   * const m = metrics()
   * m.countElements('ingest', 'parse')
   * console.log(await m.render()) // midstream_elements_total{pipeline="ingest",stage="parse"} 1 ...
   * ```
   */
  render(): Promise<string> {
    return this.registry.metrics()
  }

  /** Adds `count` (a non-negative integer, default 1) to `elements_total{pipeline,stage}`. */
  countElements(pipeline: string, stage: string, count = 1): void {
    const fn = 'MidstreamMetrics.countElements'
    this.collectors.elementsTotal.inc(
      { pipeline: labelValue(fn, 'pipeline', pipeline), stage: labelValue(fn, 'stage', stage) },
      checkInteger(fn, 'count', count, { min: 0 }),
    )
  }

  /** Adds one to `matches_total{pipeline,pattern}`. */
  countMatch(pipeline: string, pattern: string): void {
    const fn = 'MidstreamMetrics.countMatch'
    this.collectors.matchesTotal.inc({
      pipeline: labelValue(fn, 'pipeline', pipeline),
      pattern: labelValue(fn, 'pattern', pattern),
    })
  }

  /** Adds one to `verdicts_total{pipeline,formula,verdict}`; `verdict` is `'true'`, `'false'` or `'unknown'`. */
  countVerdict(pipeline: string, formula: string, verdict: Verdict): void {
    const fn = 'MidstreamMetrics.countVerdict'
    checkOneOf(fn, 'verdict', verdict, VERDICTS)
    this.collectors.verdictsTotal.inc({
      pipeline: labelValue(fn, 'pipeline', pipeline),
      formula: labelValue(fn, 'formula', formula),
      verdict,
    })
  }

  /** Adds `count` (a non-negative integer, default 1) to `dropped_total{pipeline,reason}`. */
  countDropped(pipeline: string, reason: string, count = 1): void {
    const fn = 'MidstreamMetrics.countDropped'
    this.collectors.droppedTotal.inc(
      { pipeline: labelValue(fn, 'pipeline', pipeline), reason: labelValue(fn, 'reason', reason) },
      checkInteger(fn, 'count', count, { min: 0 }),
    )
  }

  /** Adds one to `drifts_total{pipeline,detector}`. */
  countDrift(pipeline: string, detector: string): void {
    const fn = 'MidstreamMetrics.countDrift'
    this.collectors.driftsTotal.inc({
      pipeline: labelValue(fn, 'pipeline', pipeline),
      detector: labelValue(fn, 'detector', detector),
    })
  }

  /** Observes a scheduler lateness of `ms` milliseconds (finite, >= 0) in `lateness_seconds{pipeline}`. */
  observeLateness(pipeline: string, ms: number): void {
    const fn = 'MidstreamMetrics.observeLateness'
    this.collectors.latenessSeconds.observe(
      { pipeline: labelValue(fn, 'pipeline', pipeline) },
      checkMilliseconds(fn, 'lateness', ms) / MS_PER_SECOND,
    )
  }

  /** Observes an element latency of `ms` milliseconds (finite, >= 0) in `element_latency_seconds{pipeline,stage}`. */
  observeElementLatency(pipeline: string, stage: string, ms: number): void {
    const fn = 'MidstreamMetrics.observeElementLatency'
    this.collectors.elementLatencySeconds.observe(
      { pipeline: labelValue(fn, 'pipeline', pipeline), stage: labelValue(fn, 'stage', stage) },
      checkMilliseconds(fn, 'latency', ms) / MS_PER_SECOND,
    )
  }

  /**
   * Sets `partition_lag_seconds{pipeline,partition}` to `ms` milliseconds (finite, >= 0): how long the
   * oldest entry of the partition not yet committed has waited, 0 when the partition is caught up.
   *
   * ```ts
   * m.setPartitionLag('orders', 3, 1250) // midstream_partition_lag_seconds{pipeline="orders",partition="3"} 1.25
   * ```
   */
  setPartitionLag(pipeline: string, partition: number, ms: number): void {
    const fn = 'MidstreamMetrics.setPartitionLag'
    this.collectors.partitionLagSeconds.set(
      {
        pipeline: labelValue(fn, 'pipeline', pipeline),
        partition: String(checkInteger(fn, 'partition', partition, { min: 0 })),
      },
      checkMilliseconds(fn, 'lag', ms) / MS_PER_SECOND,
    )
  }

  /** Observes one batch commit that took `ms` milliseconds (finite, >= 0) in `commit_latency_seconds{pipeline}`. */
  observeCommitLatency(pipeline: string, ms: number): void {
    const fn = 'MidstreamMetrics.observeCommitLatency'
    this.collectors.commitLatencySeconds.observe(
      { pipeline: labelValue(fn, 'pipeline', pipeline) },
      checkMilliseconds(fn, 'latency', ms) / MS_PER_SECOND,
    )
  }

  /** Adds one to `rebalances_total{pipeline}`: a lease round that changed what the worker holds. */
  countRebalance(pipeline: string): void {
    this.collectors.rebalancesTotal.inc({
      pipeline: labelValue('MidstreamMetrics.countRebalance', 'pipeline', pipeline),
    })
  }

  /** Adds `count` (a non-negative integer, default 1) to `lease_losses_total{pipeline}`: partitions lost, not given back. */
  countLeaseLoss(pipeline: string, count = 1): void {
    const fn = 'MidstreamMetrics.countLeaseLoss'
    this.collectors.leaseLossesTotal.inc(
      { pipeline: labelValue(fn, 'pipeline', pipeline) },
      checkInteger(fn, 'count', count, { min: 0 }),
    )
  }

  /** Sets `transport_sessions{server}` to `count` open sessions (a non-negative integer). */
  setTransportSessions(server: string, count: number): void {
    const fn = 'MidstreamMetrics.setTransportSessions'
    this.collectors.transportSessions.set(
      { server: labelValue(fn, 'server', server) },
      checkInteger(fn, 'count', count, { min: 0 }),
    )
  }
}

/**
 * Creates midstream's Prometheus collectors on a registry (a new one unless you pass yours;
 * prom-client's global registry is never used implicitly): counters `elements_total{pipeline,stage}`,
 * `matches_total{pipeline,pattern}`, `verdicts_total{pipeline,formula,verdict}`,
 * `dropped_total{pipeline,reason}`, `drifts_total{pipeline,detector}`; histograms
 * `lateness_seconds{pipeline}` and `element_latency_seconds{pipeline,stage}`; gauge
 * `transport_sessions{server}`; for partitioned pipelines (`runPartitioned`) gauge
 * `partition_lag_seconds{pipeline,partition}`, histogram `commit_latency_seconds{pipeline}`, counters
 * `rebalances_total{pipeline}` and `lease_losses_total{pipeline}` (dead letters count in
 * `dropped_total` with reason `'not JSON'` or `'pipeline error'`); every name prefixed with `prefix`.
 *
 * Throws a `TypeError`/`RangeError` naming a bad option, and `MetricsRegistrationError` when the
 * registry already holds one of the names.
 *
 * ```ts
 * import { Registry } from 'prom-client'
 * const m = metrics({ registry: new Registry(), prefix: 'edge_' })
 * m.observeLateness('telemetry', 0.4) // 0.4 ms -> edge_lateness_seconds
 * const text = await m.render()
 * ```
 */
export function metrics(options: MetricsOptions = {}): MidstreamMetrics {
  checkOptions('metrics', options, METRICS_OPTION_NAMES)
  const {
    registry = new promClient.Registry(),
    prefix = 'midstream_',
    buckets = DEFAULT_LATENCY_BUCKETS_SECONDS,
  } = options
  if (!isRegistry(registry))
    throw new TypeError(`metrics: registry must be a prom-client Registry, got ${describeValue(registry)}`)
  if (typeof prefix !== 'string' || !PREFIX.test(prefix))
    throw new TypeError(`metrics: prefix must be empty or match [a-zA-Z_][a-zA-Z0-9_]*, got ${describeValue(prefix)}`)
  if (!Array.isArray(buckets) || buckets.length === 0)
    throw new TypeError(`metrics: buckets must be a non-empty array of seconds, got ${describeValue(buckets)}`)
  buckets.forEach((bound: unknown, i) => {
    if (typeof bound !== 'number' || !Number.isFinite(bound))
      throw new RangeError(`metrics: buckets[${i}] must be a finite number of seconds, got ${describeValue(bound)}`)
    if (i > 0 && bound <= buckets[i - 1])
      throw new RangeError(
        `metrics: buckets must be strictly increasing, but buckets[${i}] = ${bound} follows ${buckets[i - 1]}`,
      )
  })
  return new MidstreamMetrics(registry, prefix, buckets)
}

/** Checks `prometheusSink`'s options: known names, a kind, the options that kind takes. */
function checkSinkOptions<T>(options: PrometheusSinkOptions<T>): void {
  const fn = 'prometheusSink'
  checkOptions(fn, options, SINK_OPTION_NAMES, true)
  const { pipeline, kind, stage, label, formula, latency } = options
  checkString(fn, 'pipeline', pipeline)
  checkOneOf(fn, 'kind', kind, SINK_KINDS)
  checkFunction(fn, 'label', label)
  checkFunction(fn, 'latency', latency)
  if (label !== undefined && kind === 'lateness')
    throw new TypeError(`${fn}: kind 'lateness' has no varying label, but label was given`)
  const onlyFor = (name: string, value: unknown, only: PrometheusSinkKind) => {
    if (value !== undefined && kind !== only)
      throw new TypeError(`${fn}: ${name} is for kind '${only}' only, got it with kind ${describeValue(kind)}`)
  }
  onlyFor('stage', stage, 'elements')
  onlyFor('latency', latency, 'elements')
  onlyFor('formula', formula, 'verdicts')
  if (stage !== undefined) checkString(fn, 'stage', stage)
  if (formula !== undefined) checkString(fn, 'formula', formula)
  if (kind === 'verdicts' && formula === undefined && label === undefined)
    throw new TypeError(`${fn}: kind 'verdicts' needs formula or label for the formula label`)
}

/** What `prometheusSink` records. */
export type PrometheusSinkKind = 'elements' | 'matches' | 'verdicts' | 'lateness'

/** `prometheusSink`'s options: the pipeline label, what the values are, and how to label them. */
export interface PrometheusSinkOptions<T> {
  /** The `pipeline` label. Required, non-empty. */
  pipeline: string
  /** What the values are:
   * - `'elements'`: any value; one `elements_total{pipeline,stage}` per value (and `element_latency_seconds` with `latency`);
   * - `'matches'`: `dtwMatch` events; one `matches_total{pipeline,pattern}` per event, pattern = `event.pattern`;
   * - `'verdicts'`: `ltlVerdicts` events; one `verdicts_total{pipeline,formula,verdict}` per event (changes and the final one);
   * - `'lateness'`: scheduler lateness in milliseconds (numbers, finite, >= 0), observed in `lateness_seconds{pipeline}`. */
  kind: PrometheusSinkKind
  /** `'elements'` only: the `stage` label. Default `'output'`. */
  stage?: string
  /** The kind's varying label, computed per value: the stage for `'elements'`, the pattern for `'matches'`, the formula for `'verdicts'` (not for `'lateness'`). */
  label?: (value: T) => string
  /** `'verdicts'` only: the `formula` label when there is no `label`. One of the two is required. */
  formula?: string
  /** `'elements'` only: each value's latency in milliseconds (finite, >= 0), observed in `element_latency_seconds{pipeline,stage}`. */
  latency?: (value: T) => number
}

/**
 * Records a stream's values in `m`'s collectors and passes every value through unchanged: same
 * values, same order, same completion and errors; unsubscribing unsubscribes the source.
 *
 * Emits: each source value, after recording it. Completes when the source completes.
 * Bad input: a value the kind cannot record (a lateness that is not a finite number >= 0, a match
 * without a string `pattern`, a verdict that is not `'true'`/`'false'`/`'unknown'`), a `label`
 * returning anything but a non-empty string, or a throwing `label`/`latency`, errors the stream
 * with that error (`TypeError`/`RangeError` naming the value and its index) and does not emit the
 * value. Bad options throw at call time.
 *
 * ```ts
 * const m = metrics()
 * telemetry$.pipe(
 *   prometheusSink(m, { pipeline: 'cpu', kind: 'elements', stage: 'in', latency: (e) => Date.now() - e.ts }),
 *   dtwMatch({ spike }, { threshold: 4, select: (e) => e.cpu }),
 *   prometheusSink(m, { pipeline: 'cpu', kind: 'matches' }),
 * ).subscribe()
 * latenessMs$.pipe(prometheusSink(m, { pipeline: 'cpu', kind: 'lateness' })).subscribe() // numbers, in ms
 * ```
 */
export function prometheusSink<T>(m: MidstreamMetrics, options: PrometheusSinkOptions<T>): MonoTypeOperatorFunction<T> {
  if (!(m instanceof MidstreamMetrics))
    throw new TypeError(`prometheusSink: first argument must come from metrics(...), got ${describeValue(m)}`)
  checkSinkOptions(options)
  const { pipeline, kind, stage, label, formula, latency } = options
  const labelOf = (value: T, index: number, fallback: string | undefined, name: string): string => {
    if (label === undefined) return fallback as string
    const result = label(value)
    if (typeof result !== 'string' || result === '')
      throw new TypeError(
        `prometheusSink: label must return a non-empty ${name}, got ${describeValue(result)} for value #${index} ${describeValue(value)}`,
      )
    return result
  }
  const record = (value: T, index: number): void => {
    switch (kind) {
      case 'elements': {
        const stageLabel = labelOf(value, index, stage ?? 'output', 'stage')
        let ms: number | undefined
        if (latency !== undefined) {
          ms = latency(value)
          if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
            throw new RangeError(
              `prometheusSink: latency must return a finite number of milliseconds >= 0, got ${describeValue(ms)} for value #${index}`,
            )
        }
        m.countElements(pipeline, stageLabel)
        if (ms !== undefined) m.observeElementLatency(pipeline, stageLabel, ms)
        return
      }
      case 'matches': {
        let pattern: string
        if (label !== undefined) pattern = labelOf(value, index, undefined, 'pattern')
        else {
          const p = value !== null && typeof value === 'object' ? (value as { pattern?: unknown }).pattern : undefined
          if (typeof p !== 'string' || p === '')
            throw new TypeError(
              `prometheusSink: kind 'matches' needs values with a non-empty string 'pattern' (dtwMatch events), got ${describeValue(p)} in value #${index}`,
            )
          pattern = p
        }
        m.countMatch(pipeline, pattern)
        return
      }
      case 'verdicts': {
        const v = value !== null && typeof value === 'object' ? (value as { verdict?: unknown }).verdict : undefined
        if (typeof v !== 'string' || !VERDICTS.includes(v as Verdict))
          throw new TypeError(
            `prometheusSink: kind 'verdicts' needs values with verdict 'true', 'false' or 'unknown' (ltlVerdicts events), got ${describeValue(v)} in value #${index}`,
          )
        m.countVerdict(pipeline, labelOf(value, index, formula, 'formula'), v as Verdict)
        return
      }
      case 'lateness': {
        const ms = value as unknown
        if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
          throw new RangeError(
            `prometheusSink: kind 'lateness' needs finite lateness in milliseconds >= 0, got ${describeValue(ms)} as value #${index}`,
          )
        m.observeLateness(pipeline, ms)
        return
      }
    }
  }

  // map: a throw in `record` becomes a stream error, and an unsubscription reaches even a
  // synchronous source while it is still emitting (map's subscriber is chained to ours)
  return map((value: T, index: number) => {
    record(value, index)
    return value
  })
}

/**
 * A `node:http` request handler that serves `m`'s registry at `GET /metrics` (also `HEAD`; a query
 * string is ignored) with the registry's content type; other methods get 405 with `Allow`, other
 * paths 404, and a failing collection 500.
 *
 * ```ts
 * import { createServer } from 'node:http'
 * const m = metrics()
 * createServer(metricsHandler(m)).listen(9464) // curl http://localhost:9464/metrics
 * ```
 */
export function metricsHandler(m: MidstreamMetrics): (request: IncomingMessage, response: ServerResponse) => void {
  if (!(m instanceof MidstreamMetrics))
    throw new TypeError(`metricsHandler: argument must come from metrics(...), got ${describeValue(m)}`)
  return (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    if (path !== '/metrics') return plain(response, 404, `not found: ${path} (metrics are at /metrics)\n`)
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD')
      return plain(response, 405, `method ${request.method ?? '?'} not allowed on /metrics (use GET)\n`)
    }
    m.render().then(
      text => {
        const body = Buffer.from(text, 'utf8')
        response.writeHead(200, {
          'Content-Type': m.contentType,
          'Content-Length': body.length,
          'Cache-Control': 'no-store',
        })
        response.end(request.method === 'HEAD' ? undefined : body)
      },
      (error: unknown) =>
        plain(
          response,
          500,
          `collecting metrics failed: ${error instanceof Error ? error.message : describeValue(error)}\n`,
        ),
    )
  }
}

function plain(response: ServerResponse, status: number, text: string): void {
  const body = Buffer.from(text, 'utf8')
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length })
  response.end(body)
}

function isRegistry(value: unknown): value is Registry {
  if (value instanceof promClient.Registry) return true
  const r = value as Partial<Registry> | null
  return (
    r !== null &&
    typeof r === 'object' &&
    typeof r.metrics === 'function' &&
    typeof r.registerMetric === 'function' &&
    typeof r.getSingleMetric === 'function'
  )
}

function labelValue(fn: string, name: string, value: unknown): string {
  return checkString(fn, `label ${name}`, value)
}

// ---- restream health (midstream/media's `restream`) ----

/**
 * The fields of a `restream` health value (`RestreamHealth` from `midstream/media`) that
 * `restreamMetrics` reads; declared here so that `midstream/sinks` does not load the media entry.
 */
export interface RestreamHealthSample {
  readonly state: 'running' | 'reconnecting' | 'ended'
  readonly event: 'progress' | 'output' | 'reconnecting' | 'end'
  readonly run: number
  readonly fps?: number
  readonly bitrateKbps?: number
  readonly speed?: number
  readonly outTimeMs?: number
  readonly dropFrames?: number
  readonly dupFrames?: number
  readonly outputs: readonly { readonly name: string; readonly state: 'up' | 'failed' }[]
}

/** `restreamMetrics`'s options. */
export interface RestreamMetricsOptions {
  /** The `restream` label: which restream these values are from. Required, non-empty. */
  readonly restream: string
  /** The prom-client registry to record on (e.g. `metrics().registry`). Required. */
  readonly registry: Registry
  /** Prepended to every name, as for `metrics`. Default `'midstream_'`. */
  readonly prefix?: string
}

const RESTREAM_OPTION_NAMES: readonly string[] = ['restream', 'registry', 'prefix']

interface RestreamCollectors {
  up: Gauge<'restream'>
  outputUp: Gauge<'restream' | 'output'>
  bitrate: Gauge<'restream'>
  fps: Gauge<'restream'>
  speed: Gauge<'restream'>
  outTime: Gauge<'restream'>
  dropped: Counter<'restream'>
  duplicated: Counter<'restream'>
  restarts: Counter<'restream'>
  outputFailures: Counter<'restream' | 'output'>
}

/** The restream collectors on `registry`, made on first use and shared by every restream label after. */
function restreamCollectors(registry: Registry, prefix: string): RestreamCollectors {
  const registers = [registry]
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> =>
    (registry.getSingleMetric(prefix + name) as Gauge<L> | undefined) ??
    new promClient.Gauge({ name: prefix + name, help, labelNames, registers })
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
    (registry.getSingleMetric(prefix + name) as Counter<L> | undefined) ??
    new promClient.Counter({ name: prefix + name, help, labelNames, registers })
  const r = ['restream'] as const
  const ro = ['restream', 'output'] as const
  return {
    up: gauge('restream_up', 'Whether the restream runs (1) or is reconnecting or ended (0).', r),
    outputUp: gauge('restream_output_up', 'Whether an output of a restream is up (1) or failed (0).', ro),
    bitrate: gauge('restream_bitrate_bits_per_second', 'Output bitrate ffmpeg reports, in bit/s.', r),
    fps: gauge('restream_frames_per_second', 'Frames per second ffmpeg encodes or copies.', r),
    speed: gauge('restream_speed_ratio', 'Processing speed relative to real time (1 = live pace).', r),
    outTime: gauge('restream_out_time_seconds', 'Output time reached by the current ffmpeg run, in seconds.', r),
    dropped: counter('restream_frames_dropped_total', 'Frames ffmpeg dropped.', r),
    duplicated: counter('restream_frames_duplicated_total', 'Frames ffmpeg duplicated to keep the rate.', r),
    restarts: counter('restream_restarts_total', 'Restarts of ffmpeg after a lost or stalled input.', r),
    outputFailures: counter('restream_output_failures_total', 'Outputs that failed while the others went on.', ro),
  }
}

/**
 * Records the health of a `restream` (from `midstream/media`) on Prometheus collectors and passes
 * every value through: gauges `restream_up{restream}`, `restream_output_up{restream,output}`,
 * `restream_bitrate_bits_per_second`, `restream_frames_per_second`, `restream_speed_ratio`,
 * `restream_out_time_seconds`; counters `restream_frames_dropped_total`,
 * `restream_frames_duplicated_total`, `restream_restarts_total{restream}` and
 * `restream_output_failures_total{restream,output}` (every name prefixed). ffmpeg's dropped and
 * duplicated frames are totals of its current run; the counters add their increases, across restarts.
 * Several restreams share the collectors of one registry, told apart by the `restream` label.
 * Emits each value; completes and errors with the source. Bad options throw a `TypeError` naming them.
 *
 * ```ts
 * const registry = new Registry()
 * restream(input, outputs).pipe(restreamMetrics({ restream: 'show', registry })).subscribe()
 * // midstream_restream_speed_ratio{restream="show"} 1.01 ...
 * ```
 */
export function restreamMetrics<T extends RestreamHealthSample>(
  options: RestreamMetricsOptions,
): MonoTypeOperatorFunction<T> {
  const fn = 'restreamMetrics'
  checkOptions(fn, options, RESTREAM_OPTION_NAMES, true)
  const label = labelValue(fn, 'restream', options.restream)
  const registry = options.registry
  const prefix = options.prefix ?? 'midstream_'
  if (!isRegistry(registry))
    throw new TypeError(`${fn}: registry must be a prom-client Registry, got ${describeValue(registry)}`)
  if (typeof prefix !== 'string' || !PREFIX.test(prefix))
    throw new TypeError(`${fn}: prefix must be empty or match [a-zA-Z_][a-zA-Z0-9_]*, got ${describeValue(prefix)}`)
  const c = restreamCollectors(registry, prefix)
  const l = { restream: label }
  let run = -1
  let dropped = 0
  let duplicated = 0
  let failed = new Set<number>()
  return map((h: T) => {
    if (h.run !== run) {
      run = h.run
      dropped = 0
      duplicated = 0
      failed = new Set()
    }
    c.up.set(l, h.state === 'running' ? 1 : 0)
    if (h.event === 'reconnecting') c.restarts.inc(l)
    if (h.bitrateKbps !== undefined) c.bitrate.set(l, h.bitrateKbps * 1000)
    if (h.fps !== undefined) c.fps.set(l, h.fps)
    if (h.speed !== undefined) c.speed.set(l, h.speed)
    if (h.outTimeMs !== undefined) c.outTime.set(l, h.outTimeMs / MS_PER_SECOND)
    if (h.dropFrames !== undefined && h.dropFrames > dropped) c.dropped.inc(l, h.dropFrames - dropped)
    if (h.dupFrames !== undefined && h.dupFrames > duplicated) c.duplicated.inc(l, h.dupFrames - duplicated)
    dropped = Math.max(dropped, h.dropFrames ?? 0)
    duplicated = Math.max(duplicated, h.dupFrames ?? 0)
    h.outputs.forEach((o, i) => {
      c.outputUp.set({ restream: label, output: o.name }, o.state === 'up' ? 1 : 0)
      if (o.state === 'failed' && !failed.has(i)) {
        failed.add(i)
        c.outputFailures.inc({ restream: label, output: o.name })
      }
    })
    return h
  })
}
