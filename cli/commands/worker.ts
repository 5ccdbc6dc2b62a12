import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { runPartitioned } from 'midstream/redis'
import { metrics, metricsHandler } from 'midstream/sinks'
import { map, merge, type Observable, type Subscription } from 'rxjs'
import { CliError } from '../io'
import { type AnalysisPlan, accessor, analysisPlan, readConfig, type ServeConfig } from './pipelineConfig'

export interface WorkerOptions {
  redis: string
  config: string
  /** Prefix of every pipeline's name (the pipeline of channel c is named `<name>.<c>`). */
  name: string
  partitions: number
  leaseMs: number
  batchSize: number
  /** Port of /metrics on 127.0.0.1 (0: any free port). */
  port: number
  workerId?: string
}

/** What one channel of the config becomes: a partitioned pipeline. */
interface ChannelPlan {
  channel: string
  name: string
  input: string
  output: string
  partitions: number
  key: (message: unknown) => string | number
  analyses: AnalysisPlan[]
}

/**
 * `midstream worker`: runs the pipelines of a `serve` config, partitioned by each channel's `key`, on
 * Redis Streams with exactly-once output (`runPartitioned` from `midstream/redis`). Start as many
 * workers as you like, on as many machines: they share the partitions through leases. Serves
 * /metrics on 127.0.0.1; prints one JSON line with the address and the pipelines; stops on SIGINT /
 * SIGTERM, releasing its partitions. A run that fails (an analysis that cannot be checkpointed, a
 * pipeline that is not deterministic) stops the worker with a message.
 */
export async function runWorker(
  options: WorkerOptions,
  onFatal: (error: Error) => void,
): Promise<{ close(): Promise<void>; addresses: Record<string, unknown> }> {
  const config = await readConfig(options.config)
  const plans = compile(config, options)
  const m = metrics()
  const workerId = options.workerId ?? `worker-${randomUUID()}`
  const subscriptions: Subscription[] = []
  for (const plan of plans)
    subscriptions.push(
      runPartitioned<unknown, unknown>({
        redis: options.redis,
        name: plan.name,
        input: plan.input,
        output: plan.output,
        partitions: plan.partitions,
        key: plan.key,
        pipeline: (values$, ctx) => keyPipeline(plan.analyses, values$, ctx.state.bind(ctx)),
        leaseMs: options.leaseMs,
        batchSize: options.batchSize,
        workerId: `${workerId}/${plan.channel}`,
        metrics: m,
      }).subscribe({
        next: output => countResult(plan, output.value, m),
        error: (error: unknown) => onFatal(new CliError(`channel ${plan.channel}: ${(error as Error).message}`, 1)),
      }),
    )
  const serveMetrics = metricsHandler(m)
  const http: Server = createServer((request, response) => {
    if ((request.url ?? '').split('?')[0] === '/metrics') return serveMetrics(request, response)
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
  })
  await new Promise<void>((resolve, reject) => {
    http.once('error', error => reject(new CliError(`cannot listen on 127.0.0.1:${options.port}: ${error.message}`)))
    http.listen(options.port, '127.0.0.1', resolve)
  })
  const port = (http.address() as AddressInfo).port
  return {
    addresses: {
      metrics: `http://127.0.0.1:${port}/metrics`,
      worker: workerId,
      pipelines: plans.map(plan => ({
        channel: plan.channel,
        name: plan.name,
        input: plan.input,
        output: `${plan.output}:{${plan.name}:<partition>}`,
        partitions: plan.partitions,
      })),
    },
    async close() {
      for (const subscription of subscriptions) subscription.unsubscribe()
      http.closeAllConnections()
      await new Promise<void>(resolve => http.close(() => resolve()))
    },
  }
}

/** A key's pipeline: every analysis of the channel on the key's messages, each with its own state handle. */
function keyPipeline(
  analyses: readonly AnalysisPlan[],
  values$: Observable<unknown>,
  state: (name: string) => unknown,
): Observable<{ analysis: string; result: unknown }> {
  return merge(
    ...analyses.map((plan, i) =>
      values$.pipe(
        plan.make(state(`${i}:${plan.label}`) as never),
        map(result => ({ analysis: plan.label, result })),
      ),
    ),
  )
}

function countResult(plan: ChannelPlan, value: unknown, m: ReturnType<typeof metrics>): void {
  const { analysis, result } = value as { analysis: string; result: Record<string, unknown> }
  if (typeof result?.pattern === 'string') m.countMatch(plan.name, result.pattern)
  else if (typeof result?.verdict === 'string')
    m.countVerdict(plan.name, analysis, result.verdict as 'true' | 'false' | 'unknown')
}

function compile(config: ServeConfig, options: WorkerOptions): ChannelPlan[] {
  const channels = Object.entries(config.channels)
  if (channels.length === 0) throw new CliError('config: "channels" is empty')
  return channels.map(([channel, c]) => {
    const at = `channels.${channel}`
    if (c === null || typeof c !== 'object') throw new CliError(`config: ${at} must be an object`)
    if (c.key === undefined)
      throw new CliError(`config: ${at}.key is required by the worker: the field that holds each message's key`)
    const readKey = accessor(c.key, `${at}.key`) as (x: unknown) => unknown
    const value = accessor(c.value, `${at}.value`)
    const time = accessor(c.time, `${at}.time`)
    const analyses = (c.analyses ?? []).map((analysis, i) =>
      analysisPlan(analysis, `${at}.analyses[${i}]`, value, time),
    )
    if (analyses.length === 0) throw new CliError(`config: ${at}.analyses is empty: nothing to run`)
    for (const plan of analyses) plan.make() // validate now, before any partition is taken
    const partitions = c.partitions ?? options.partitions
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 16384)
      throw new CliError(`config: ${at}.partitions must be an integer in [1, 16384], got ${JSON.stringify(partitions)}`)
    return {
      channel,
      name: `${options.name}.${channel}`,
      input: c.input ?? channel,
      output: c.output ?? `${channel}:out`,
      partitions,
      key: (message: unknown) => {
        const key = readKey(message)
        if (typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key))) return key
        throw new TypeError(`the message has no ${c.key} (a string or a number): ${JSON.stringify(key)}`)
      },
      analyses,
    }
  })
}
