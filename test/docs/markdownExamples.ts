/**
 * The examples the docs show, found in their Markdown and run as a reader would run them.
 *
 * A fenced block in README.md or docs/*.md is one of:
 * - a file of `examples/`, shown whole: preceded by `<!-- example: examples/name.ts -->` (TypeScript,
 *   run with tsx from the repository root) or by the same marker naming a data file (YAML, JSON lines);
 * - what such an example prints: preceded by `<!-- output: examples/name.ts -->`;
 * - a `console` session: `$ midstream ...` lines, each followed by what the command prints, and
 *   `$ echo $?` followed by the exit status of the command before;
 * - an `sh` block of commands to type that are not examples (installing, the two commands).
 * `test/docs/examples.test.ts` holds the docs to that; `npx tsx test/docs/syncExamples.ts` rewrites the
 * example and output blocks from the files and their current output.
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('../..', import.meta.url))

/**
 * The `midstream` command from source, as `$ midstream` runs it in `console` blocks (paths in the
 * docs are relative to the repository root, where it runs).
 */
export const commandEntry = 'cli/midstream.ts'

/** Files of `examples/` that are not small examples (the demo the command runs). */
const notExamples = new Set<string>()

/** The Markdown files whose blocks must run: the README and every guide. */
export function docFiles(): string[] {
  const guides = readdirSync(join(root, 'docs'))
    .filter(f => f.endsWith('.md'))
    .sort()
    .map(f => `docs/${f}`)
  return ['README.md', ...guides]
}

/** The runnable examples: every `examples/*.ts` but the demo. */
export function exampleFiles(): string[] {
  return readdirSync(join(root, 'examples'))
    .filter(f => f.endsWith('.ts') && !notExamples.has(f))
    .sort()
    .map(f => `examples/${f}`)
}

export interface Block {
  /** The Markdown file, relative to the root. */
  readonly doc: string
  /** 1-based line of the opening fence. */
  readonly line: number
  readonly lang: string
  readonly body: string
  /** Lines of the body (0 for an empty block). */
  readonly bodyLines: number
  /** `example` or `output` with the file named by the marker line just above, if any. */
  readonly marker?: { readonly kind: 'example' | 'output'; readonly file: string }
}

const FENCE = /^```(\S*)\s*$/
const MARKER = /^<!--\s*(example|output):\s*(\S+)\s*-->$/

/** Every fenced block of a Markdown text, with the marker line above it (blank lines between allowed). */
export function blocksOf(doc: string, text: string): Block[] {
  const lines = text.split('\n')
  const blocks: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i])
    if (open === null) continue
    let end = i + 1
    while (end < lines.length && lines[end] !== '```') end++
    if (end === lines.length) throw new Error(`${doc}:${i + 1}: a fenced block is not closed`)
    let above = i - 1
    while (above >= 0 && lines[above].trim() === '') above--
    const found = above >= 0 ? MARKER.exec(lines[above].trim()) : null
    const marker = found === null ? undefined : { kind: found[1] as 'example' | 'output', file: found[2] }
    blocks.push({
      doc,
      line: i + 1,
      lang: open[1],
      body: lines.slice(i + 1, end).join('\n'),
      bodyLines: end - i - 1,
      marker,
    })
    i = end
  }
  return blocks
}

export function readBlocks(doc: string): Block[] {
  return blocksOf(doc, readFileSync(join(root, doc), 'utf8'))
}

export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const tsxCli = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs')

/** Runs a TypeScript file with tsx from the root (tsconfig's paths map the `midstream` entries to source). */
export function runTypeScript(file: string, args: readonly string[] = [], timeoutMs = 90_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsxCli, file, ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
    // an example that does not exit by itself left a socket or a timer open: that is a failure too
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', code => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Splits a command line as a POSIX shell would for the simple cases the docs use: words, '...' and "...". */
export function shellWords(line: string): string[] {
  const words: string[] = []
  const pattern = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g
  let current = ''
  let last = -1
  for (let m = pattern.exec(line); m !== null; m = pattern.exec(line)) {
    const piece = m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3]
    if (last !== -1 && m.index === last) current += piece
    else {
      if (last !== -1) words.push(current)
      current = piece
    }
    last = pattern.lastIndex
  }
  if (last !== -1) words.push(current)
  return words
}

export interface SessionStep {
  readonly command: string
  readonly expected: string
}

/** The `$ ...` lines of a console block, each with the lines that follow it up to the next `$`. */
export function sessionSteps(body: string): SessionStep[] {
  const steps: Array<{ command: string; expected: string[] }> = []
  for (const line of body.split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: [] })
    else if (steps.length === 0) throw new Error(`a console block must start with a "$ " line, got ${line}`)
    else steps[steps.length - 1].expected.push(line)
  }
  return steps.map(s => ({ command: s.command, expected: s.expected.join('\n') }))
}

/** Runs the steps of a console session; returns the transcript as the block should read. */
export async function runSession(steps: readonly SessionStep[]): Promise<string> {
  const out: string[] = []
  let status: number | null = null
  for (const { command } of steps) {
    out.push(`$ ${command}`)
    if (command === 'echo $?') {
      out.push(String(status))
      continue
    }
    const [program, ...args] = shellWords(command)
    if (program !== 'midstream') throw new Error(`console blocks run the midstream command only, got ${command}`)
    const run = await runTypeScript(commandEntry, args)
    status = run.code
    const printed = (run.stdout + run.stderr).replace(/\n$/, '')
    if (printed !== '') out.push(printed)
  }
  return out.join('\n')
}
