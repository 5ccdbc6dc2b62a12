import { Command } from 'commander'
import { runDemo } from '../examples/demo'
import pkg from '../package.json' with { type: 'json' }

const program = new Command()
  .name('midstream')
  .description('Analyse streams while they are still flowing.')
  .version(pkg.version)

program
  .command('demo')
  .description('run the main pipeline on embedded data: event-time replay, prioritised pipelines, timer precision')
  .option('--samples <n>', 'timers per precision measurement', (v) => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 10) throw new RangeError(`--samples must be an integer >= 10, got ${JSON.stringify(v)}`)
    return n
  }, 200)
  .action(async (options: { samples: number }) => {
    await runDemo({ precisionSamples: options.samples })
  })

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
