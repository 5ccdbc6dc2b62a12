import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { runAnalyze } from './commands/analyze'
import { type CheckOptions, runCheck } from './commands/check'
import { ALGORITHMS, type CompareOptions, runCompare } from './commands/compare'
import { runDemo } from './commands/demo'
import { runDemoWithDashboard } from './commands/demoDashboard'
import { startMcpServer } from './commands/mcp'
import { runServe, type ServeOptions } from './commands/serve'
import { runWorker, type WorkerOptions } from './commands/worker'
import { CliError, integerOption } from './io'
import pkg from './package.json' with { type: 'json' }

// Exit codes: 0 success (or a formula that holds), 1 a formula that is violated, 2 bad usage or input.
const USAGE_ERROR = 2

// Every usage error starts with what was called, as the library's errors start with the function's name:
// `midstream demo: option '--samples <n>' argument 'ten' is invalid. ...`
const called = (): string => {
  const command = process.argv[2]
  return program.commands.some(c => c.name() === command) ? `midstream ${command}` : 'midstream'
}

const program = new Command()
  .name('midstream')
  .description('Analyse streams while they are still flowing.')
  .version(pkg.version)
  // commander prints its own message (unknown option, missing argument, bad choice) under our prefix; we pick the exit code
  .exitOverride()
  .configureOutput({ outputError: (message, write) => write(message.replace(/^error: /, `${called()}: `)) })

const positiveNumber =
  (name: string) =>
  (value: string): number => {
    const x = Number(value)
    if (value.trim() === '' || !Number.isFinite(x) || !(x > 0))
      throw new InvalidArgumentError(`${name} must be a finite number > 0.`)
    return x
  }

program
  .command('demo')
  .description(
    'run the whole library on embedded data (scheduler, dtwMatch, attractorWindow, ltlGuard, metaLearn) with a terminal dashboard; ends by itself',
  )
  .option('--samples <n>', 'timers per precision measurement', integerOption('--samples', 10), 200)
  .option('--json', 'print one JSON line per section result instead of text (no dashboard)')
  .option('--dashboard', 'show the live terminal dashboard (default when standard output is a terminal)')
  .option('--no-dashboard', 'print the text report only')
  .action(async (options: { samples: number; json?: boolean; dashboard?: boolean }) => {
    if (options.json && options.dashboard === true) throw new CliError('--json and --dashboard cannot be used together')
    const dashboard = options.dashboard ?? (!options.json && process.stdout.isTTY === true)
    if (dashboard) await runDemoWithDashboard({ precisionSamples: options.samples })
    else await runDemo({ precisionSamples: options.samples, json: options.json })
  })

program
  .command('check')
  .description('check a JSON-lines trace against an LTL formula (exit 0: holds, 1: violated, 2: bad input)')
  .argument('<formula>', "LTL formula, e.g. 'G (req -> F ack)'; metric bounds like F[0,500ms] need --time-field")
  .argument('<trace>', 'JSON-lines file, one event object per line (- for standard input); streamed, not loaded')
  .option(
    '--atoms <list>',
    'atom definitions, comma-separated: name (event field name is truthy), name=field (field is truthy) or name=field:value (field equals value)',
  )
  .option('--closed-world', 'read atoms without a definition from the events as records of booleans (missing: false)')
  .option('--time-field <field>', 'event field holding the timestamp in ms (dotted path allowed)')
  .option('--json', 'print the result as one JSON object')
  .action(async (formula: string, trace: string, options: CheckOptions) => {
    process.exitCode = await runCheck(formula, trace, options)
  })

program
  .command('compare')
  .description('distance between two sequences: DTW over numbers, LCS or edit distance over text or JSON arrays')
  .argument('<a>', 'first file: a JSON array, one number per line (dtw), or text (lcs, edit)')
  .argument('<b>', 'second file, as <a>')
  .addOption(new Option('--algorithm <name>', 'what to compute').choices(ALGORITHMS).makeOptionMandatory())
  .option('--window <n>', 'dtw: Sakoe-Chiba band half-width in samples', integerOption('--window', 0))
  .addOption(new Option('--cost <kind>', 'dtw: per-pair cost (default squared)').choices(['squared', 'absolute']))
  .option('--lines', 'lcs, edit: compare the files line by line instead of character by character')
  .option('--path', 'also print an optimal alignment path')
  .option('--json', 'print the result as one JSON object')
  .action(async (a: string, b: string, options: CompareOptions) => {
    process.exitCode = await runCompare(a, b, options)
  })

program
  .command('analyze')
  .description('classify the dynamics of a numeric series: fixed point, limit cycle, chaos or noise')
  .argument('<series>', 'one number per line, a JSON array, or CSV (first column; a header row is skipped)')
  .option(
    '--min-length <n>',
    'shorter series are reported as unknown (default 200, at least 50)',
    integerOption('--min-length', 50),
  )
  .option('--dt <seconds>', 'sampling interval, so the exponent is per unit time (default 1)', positiveNumber('--dt'))
  .option('--json', 'print the result as one JSON object')
  .action(async (series: string, options: { minLength?: number; dt?: number; json?: boolean }) => {
    process.exitCode = await runAnalyze(series, options)
  })

program
  .command('serve')
  .description(
    'ingest over WebTransport and WebSocket, run the pipelines of a config file, serve the web dashboard and /metrics',
  )
  .option(
    '--config <file>',
    'pipelines, JSON or YAML: { channels: { <name>: { value, time, analyses: [{ dtwMatch | attractorWindow | ltl }] } } }',
  )
  .option(
    '--host <host>',
    'address the ingest servers listen on (a non-loopback host needs --token); the dashboard and /metrics stay on 127.0.0.1',
    '127.0.0.1',
  )
  .option(
    '--port <n>',
    'HTTP port of the dashboard (/) and /metrics on 127.0.0.1 (0: any free port)',
    integerOption('--port', 0),
    8080,
  )
  .option('--ws-port <n>', 'WebSocket (wss) ingest port', integerOption('--ws-port', 0), 4434)
  .option('--quic-port <n>', 'WebTransport ingest port', integerOption('--quic-port', 0), 4433)
  .option('--no-webtransport', 'WebSocket ingest only')
  .option('--cert <file>', 'PEM certificate (default: a development certificate made at start, its hash printed)')
  .option('--key <file>', 'PEM private key for --cert')
  .option('--token <token>', 'clients must send it (?token= or Authorization: Bearer)')
  .action(async (options: ServeOptions) => {
    const server = await runServe(options)
    process.stdout.write(`${JSON.stringify(server.addresses)}\n`)
    const stop = (): void => void server.close().then(() => process.exit(0))
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })

program
  .command('worker')
  .description(
    "run a serve config's pipelines partitioned by key on Redis Streams, exactly once; start as many workers as you like",
  )
  .requiredOption('--redis <url>', 'the Redis server, redis://[user:password@]host:port or rediss:// for TLS')
  .requiredOption(
    '--config <file>',
    'pipelines, JSON or YAML, as for serve, with a key field per channel: { channels: { <name>: { key, value, time, analyses } } }',
  )
  .option('--name <prefix>', "prefix of the pipelines' names (channel c runs as <prefix>.c)", 'midstream')
  .option('--partitions <n>', 'partitions per channel, unless the channel says', integerOption('--partitions', 1), 8)
  .option(
    '--lease-ms <ms>',
    'how long a partition stays leased to a silent worker',
    integerOption('--lease-ms', 100),
    10_000,
  )
  .option('--batch-size <n>', 'entries per batch and per commit', integerOption('--batch-size', 1), 200)
  .option('--port <n>', 'HTTP port of /metrics on 127.0.0.1 (0: any free port)', integerOption('--port', 0), 9464)
  .option('--worker-id <id>', "this worker's name (default: a random one)")
  .action(async (options: WorkerOptions) => {
    let worker: Awaited<ReturnType<typeof runWorker>> | undefined
    const fatal = (error: Error): void => {
      process.stderr.write(`midstream worker: ${error.message}\n`)
      void Promise.resolve(worker?.close()).then(() => process.exit(1))
    }
    worker = await runWorker(options, fatal)
    const running = worker
    process.stdout.write(`${JSON.stringify(running.addresses)}\n`)
    // unsubscribing releases the partitions with a last round trip to Redis: let it go out before exiting
    const stop = (): void => void running.close().then(() => setTimeout(() => process.exit(0), 200))
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })

program
  .command('mcp')
  .description(
    'serve the MCP tools (compare, find matches, analyse dynamics, check LTL, detect drift) over stdio, or Streamable HTTP on 127.0.0.1',
  )
  .option(
    '--http <port>',
    'serve Streamable HTTP on 127.0.0.1:<port>/mcp instead of stdio (0: any free port)',
    integerOption('--http', 0),
  )
  .action(async (options: { http?: number }) => {
    if (options.http !== undefined && options.http > 65535)
      throw new CliError(`--http must be a port in [0, 65535], got ${options.http}`)
    const server = await startMcpServer({ http: options.http })
    if (server.url !== undefined) process.stderr.write(`midstream mcp: listening on ${server.url}\n`)
    const stop = (): void => void server.close().then(() => process.exit(0))
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // a closed pipe (`| head`) is not an error of ours
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw error
})

program.parseAsync().catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // already printed by commander; --help and --version end with code 0
    process.exitCode = error.exitCode === 0 ? 0 : USAGE_ERROR
    return
  }
  if (error instanceof CliError) {
    process.stderr.write(`${called()}: ${error.message}\n`)
    process.exitCode = error.exitCode
    return
  }
  process.stderr.write(`${called()}: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = USAGE_ERROR
})
