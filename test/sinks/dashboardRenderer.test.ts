/**
 * renderDashboard with ink in a worker thread or a child process: the frames a real ink draws over
 * there, written back into a captured stream, are checked against the oracle, the same snapshot
 * rendered in this thread by the pure `Dashboard` component (`renderToString`).
 */
import { EventEmitter } from 'node:events'
import { fc, test } from '@fast-check/vitest'
import { renderToString } from 'ink'
import * as React from 'react'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { DashboardModel, type DashboardSnapshot } from '../../sinks/dashboard/model'
import { Dashboard, type DashboardHandle, renderDashboard } from '../../sinks/dashboard/terminal'

const h = React.createElement
/** Starting a renderer under tsx on a loaded 2-core machine takes seconds: every wait below is generous. */
const START_MS = 60_000
const ESCAPE = /\x1b\[[0-9;?]*[A-Za-z]/g

/** A captured stream in place of a terminal: no file descriptor, so the renderer sends its output back. */
class CapturedStdout extends EventEmitter {
  columns = 100
  rows = 40
  isTTY = true
  writes: string[] = []
  write = (chunk: string) => {
    this.writes.push(chunk)
    return true
  }
  /** The frames ink wrote, without escape sequences (each frame is one write). */
  frames(): string[] {
    return this.writes.map(w => w.replace(ESCAPE, '')).filter(text => text.trim() !== '')
  }
}
const asStream = (s: CapturedStdout) => s as unknown as NodeJS.WriteStream

/** The oracle: the snapshot rendered by the pure component in this thread. */
const expected = (snapshot: DashboardSnapshot, columns: number, title?: string) =>
  `${renderToString(h(Dashboard, { snapshot, columns, title }), { columns }).replace(ESCAPE, '')}\n`

async function until(what: string, condition: () => boolean, timeoutMs = START_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 20))
  }
}

function fill(model: DashboardModel, from: number, n: number): void {
  for (let i = from; i < from + n; i++) {
    model.series('cpu').push(Math.sin(i / 7), i * 10)
    model.series('latency_ms').push(3 + (i % 11), i * 10)
    model.series('tokens').push(i % 40, i * 10)
    model.count('readings', 1, i * 10)
    model.lateness((i * 37) % 23)
  }
  model.match({ pattern: 'spike', start: from, end: from + 5, distance: 0.25 })
  model.verdict('G (spike -> F[0,500ms] ack)', from % 2 ? 'true' : 'unknown', from)
  model.verdict('G !overheat', 'false', from)
}

describe.each(['worker', 'process'] as const)("renderer '%s'", renderer => {
  const model = new DashboardModel({ points: 60 })
  const out = new CapturedStdout()
  const errors: unknown[] = []
  let ui: DashboardHandle
  beforeAll(async () => {
    fill(model, 0, 100)
    ui = renderDashboard(model, { stdout: asStream(out), renderer, title: 'off-thread', onError: e => errors.push(e) })
    await until('the first frame', () => out.frames().length > 0)
  }, START_MS)
  afterAll(async () => {
    ui.stop()
    await ui.closed()
  })

  test("the first frame is the in-thread component's rendering of the same snapshot", () => {
    expect(out.frames()[0]).toBe(expected(model.snapshot(), 100, 'off-thread'))
    expect(out.frames()[0]).toContain('off-thread')
    expect(errors).toEqual([])
  })

  test.prop([fc.integer({ min: 1, max: 80 }), fc.integer({ min: 30, max: 140 })], { numRuns: 8 })(
    'after writes to the model (and a resize), the next frame is the oracle for the new snapshot and width',
    async (writes, columns) => {
      const seen = out.frames().length
      fill(model, model.version, writes)
      out.columns = columns
      out.emit('resize')
      const snapshot = model.snapshot()
      await until('the next frame', () => out.frames().some((f, i) => i >= seen && f.includes(`v${snapshot.version}`)))
      expect(out.frames().at(-1)).toBe(expected(snapshot, columns, 'off-thread'))
      expect(errors).toEqual([])
    },
    START_MS,
  )
})

describe('stopping, errors and the console', () => {
  test.each(['worker', 'process'] as const)(
    "'%s': stop() draws the last frame, then closed() settles with nothing left and no more frames",
    async renderer => {
      const model = new DashboardModel()
      fill(model, 0, 20)
      const out = new CapturedStdout()
      const ui = renderDashboard(model, { stdout: asStream(out), renderer })
      await until('the first frame', () => out.frames().length > 0)
      ui.stop()
      ui.stop() // idempotent
      await ui.closed()
      const writes = out.writes.length
      const frames = ui.frames()
      fill(model, 20, 5)
      await new Promise(r => setTimeout(r, 300))
      expect(out.writes.length).toBe(writes)
      expect(ui.frames()).toBe(frames)
    },
    START_MS,
  )

  test.each(['worker', 'process'] as const)(
    "'%s': a snapshot the component cannot draw fails in the renderer and reaches onError, not the pipeline",
    async renderer => {
      const real = new DashboardModel()
      // a model whose snapshot lacks its series: the Dashboard component throws while rendering it
      const broken = { version: 1, snapshot: () => ({ ...real.snapshot(), series: null }) } as unknown as DashboardModel
      const errors: unknown[] = []
      const ui = renderDashboard(broken, {
        stdout: asStream(new CapturedStdout()),
        renderer,
        onError: e => errors.push(e),
      })
      await until('the error', () => errors.length > 0)
      await ui.closed()
      expect(errors).toHaveLength(1)
      expect(String((errors[0] as Error).message)).toMatch(/^renderDashboard: the renderer failed: .*null/)
      expect((errors[0] as Error).stack).toContain('in the renderer')
    },
    START_MS,
  )

  test(
    "patchConsole: the pipeline's console output is written by the renderer above the dashboard, and restored after",
    async () => {
      const model = new DashboardModel()
      fill(model, 0, 10)
      const out = new CapturedStdout()
      const original = console.log
      const ui = renderDashboard(model, { stdout: asStream(out), patchConsole: true })
      try {
        expect(console.log).not.toBe(original)
        await until('the first frame', () => out.frames().length > 0)
        console.log('from the pipeline %d', 42)
        await until('the console line', () => out.writes.join('').includes('from the pipeline 42'))
        // ink prints the line, then the dashboard again below it
        const after = out.writes.join('').split('from the pipeline 42')[1]
        expect(after.replace(ESCAPE, '')).toContain(' midstream ')
      } finally {
        ui.stop()
        await ui.closed()
      }
      expect(console.log).toBe(original)
    },
    START_MS,
  )

  test('bad renderer option', () => {
    expect(() => renderDashboard(new DashboardModel(), { renderer: 'thread' as 'worker' })).toThrow(
      /^renderDashboard: renderer must be 'worker' or 'process' or 'inline', got "thread"$/,
    )
  })
})
