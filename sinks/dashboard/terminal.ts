import { writeSync } from 'node:fs'
import { format } from 'node:util'
import { describeValue } from '../../src/errors'
import { checkFunction, checkInteger, checkOneOf, checkOptions, checkPositive, checkString } from '../../src/validate'
import type { DashboardModel, DashboardSnapshot } from './model'
import { type RendererLink, startRenderer } from './rendererHost'
import { CONSOLE_METHODS, type FrameMessage, type FromRenderer, rendererError } from './rendererProtocol'
import { type MountedDashboard, mountDashboard } from './view'

export { Dashboard, type DashboardProps, formatNumber, sparkline } from './view'

/** Where `renderDashboard` runs ink: a worker thread, a child process, or the pipeline's own thread. */
export type DashboardRenderer = 'worker' | 'process' | 'inline'

/** `renderDashboard`'s options. */
export interface RenderDashboardOptions {
  /** Re-render period in ms (one interval; a burst of writes between ticks costs one frame). Default 100. */
  readonly refreshMs?: number
  /** Where to draw. Default `process.stdout`. */
  readonly stdout?: NodeJS.WriteStream
  /** Heading above the panels. Default `'midstream'`. */
  readonly title?: string
  /** Rows per sparkline. Default 4. */
  readonly chartHeight?: number
  /**
   * A clock for the rates' "now" (e.g. `() => Date.now()` when the model is fed wall-clock times):
   * with it, rates fall to 0 when a channel goes quiet and every tick renders; without it, rates are
   * taken at the latest time the model saw and a tick renders only when the model changed.
   */
  readonly now?: () => number
  /**
   * Route console.* above the dashboard (ink's patchConsole). Default false. With a `worker` or
   * `process` renderer the pipeline's console calls are formatted and sent to it.
   */
  readonly patchConsole?: boolean
  /**
   * Called when a refresh throws (the model's `snapshot` or `now`), the dashboard fails to render, or
   * its renderer thread or process fails or exits; the dashboard stops first. Default: the message is
   * written to stderr. Never an uncaught exception in the pipeline.
   */
  readonly onError?: (error: unknown) => void
  /**
   * Where ink runs. Default `'worker'`: a worker thread that writes to the terminal's file
   * descriptor itself, so the pipeline's event loop pays only for a snapshot and one `postMessage`
   * per frame (ink costs 14-19 ms per frame; bench/dashboard.ts). `'process'`: a child process
   * (the same, plus its own memory and start-up; it leaves when its parent does). `'inline'`: the
   * pipeline's own thread, as a plain `render` would. A stream without a file descriptor (a test's
   * capture) gets the renderer's output written back through the pipeline's thread.
   */
  readonly renderer?: DashboardRenderer
}

const RENDER_OPTION_NAMES: readonly string[] = [
  'refreshMs',
  'stdout',
  'title',
  'chartHeight',
  'now',
  'patchConsole',
  'onError',
  'renderer',
]
const RENDERERS: readonly DashboardRenderer[] = ['worker', 'process', 'inline']
/** `refreshMs` when none is given. */
const DEFAULT_REFRESH_MS = 100
/**
 * How long `stop()` waits for the renderer's last frame before ending its thread or process. A
 * renderer answers within a frame; this covers one still starting (seconds on a loaded machine).
 */
const STOP_GRACE_MS = 15_000
const DEFAULT_COLUMNS = 80
const DEFAULT_ROWS = 24

/** What `renderDashboard` returns. */
export interface DashboardHandle {
  /** Clears the interval and unmounts (the renderer draws its last frame and exits); idempotent. */
  stop(): void
  /** Frames drawn or handed to the renderer so far (the first included). */
  frames(): number
  /**
   * Settles once the renderer has drawn its last frame and its worker thread or child process has
   * exited after `stop()` (or a failure); at once for `renderer: 'inline'`.
   */
  closed(): Promise<void>
}

interface Settings {
  readonly refreshMs: number
  readonly now: (() => number) | undefined
  readonly onError: (error: unknown) => void
  readonly title: string | undefined
  readonly chartHeight: number | undefined
  readonly patchConsole: boolean
  readonly stdout: NodeJS.WriteStream
}

function settingsOf(fn: string, model: DashboardModel, options: RenderDashboardOptions): Settings {
  if (model === null || typeof model !== 'object' || typeof model.snapshot !== 'function')
    throw new TypeError(`${fn}: model must be a DashboardModel, got ${describeValue(model)}`)
  checkOptions(fn, options, RENDER_OPTION_NAMES)
  if (options.title !== undefined) checkString(fn, 'title', options.title, true)
  if (options.chartHeight !== undefined) checkInteger(fn, 'chartHeight', options.chartHeight, { min: 1 })
  return {
    refreshMs: checkPositive(fn, 'refreshMs', options.refreshMs ?? DEFAULT_REFRESH_MS),
    now: checkFunction<() => number>(fn, 'now', options.now),
    onError:
      checkFunction<(error: unknown) => void>(fn, 'onError', options.onError) ??
      ((error: unknown) =>
        process.stderr.write(`${fn}: ${error instanceof Error ? error.message : describeValue(error)}\n`)),
    title: options.title,
    chartHeight: options.chartHeight,
    patchConsole: options.patchConsole ?? false,
    stdout: options.stdout ?? process.stdout,
  }
}

/** Takes frames from the model: knows whether one is due (the model, the width or the height changed, or a clock is given). */
function framer(model: DashboardModel, settings: Settings) {
  const { stdout, now } = settings
  const columnsOf = () => (stdout.columns > 0 ? stdout.columns : DEFAULT_COLUMNS)
  const rowsOf = () => (stdout.rows > 0 ? stdout.rows : DEFAULT_ROWS)
  let frames = 0
  let shown: FrameMessage | undefined
  return {
    due: () =>
      now !== undefined ||
      shown === undefined ||
      model.version !== shown.snapshot.version ||
      columnsOf() !== shown.columns ||
      rowsOf() !== shown.rows,
    take: (): FrameMessage => {
      const snapshot: DashboardSnapshot = model.snapshot(now?.())
      shown = { type: 'frame', snapshot, columns: columnsOf(), rows: rowsOf() }
      frames++
      return shown
    },
    count: () => frames,
  }
}

/** Calls `onError` once, after stopping; an `onError` that throws has nowhere left to go. */
function reporter(onError: (error: unknown) => void, stop: () => void): (error: unknown) => void {
  let reported = false
  return error => {
    stop()
    if (reported) return
    reported = true
    try {
      onError(error)
    } catch {
      // the dashboard is already stopped
    }
  }
}

/**
 * Draws `model` in the terminal with ink and keeps it current from one `setInterval` of
 * `refreshMs`: a tick takes a snapshot only when the model changed (or the terminal was resized, or
 * a `now` clock is given), so a burst of writes between ticks costs one frame. By default ink runs
 * in a worker thread (`renderer`), which gets the snapshot and writes to the terminal itself: the
 * pipeline's event loop pays for `model.snapshot()` and one `postMessage` per frame, not for ink
 * (bench/dashboard.ts measures both). A frame is sent only once the renderer took the previous one,
 * so a slow terminal never queues snapshots. `stop()` clears the interval and has the renderer draw
 * its last frame and exit, leaving no timer, thread or process behind (`closed()` settles then).
 *
 * ```ts
 * const ui = renderDashboard(model, { title: 'cpu', now: () => Date.now() })
 * // ... later
 * ui.stop()
 * await ui.closed()
 * ```
 */
export function renderDashboard(model: DashboardModel, options: RenderDashboardOptions = {}): DashboardHandle {
  const fn = 'renderDashboard'
  const settings = settingsOf(fn, model, options)
  const place = checkOneOf(fn, 'renderer', options.renderer ?? 'worker', RENDERERS)
  return place === 'inline' ? renderInline(model, settings) : renderElsewhere(model, settings, place)
}

function renderInline(model: DashboardModel, settings: Settings): DashboardHandle {
  const frames = framer(model, settings)
  const first = frames.take()
  let stopped = false
  const stop = (): void => {
    if (stopped) return
    stopped = true
    clearInterval(timer)
    view.unmount()
  }
  const fail = reporter(settings.onError, stop)
  const view: MountedDashboard = mountDashboard(first.snapshot, first.columns, {
    ...settings,
    onRenderError: fail,
  })
  const timer = setInterval(() => {
    if (!frames.due()) return
    try {
      const frame = frames.take()
      view.show(frame.snapshot, frame.columns)
    } catch (error) {
      fail(error)
    }
  }, settings.refreshMs)
  return { stop, frames: frames.count, closed: () => Promise.resolve() }
}

/** Sends the pipeline's console calls to the renderer (which prints them above the dashboard); returns the undo. */
function forwardConsole(link: () => RendererLink): () => void {
  const originals = CONSOLE_METHODS.map(method => [method, console[method]] as const)
  for (const method of CONSOLE_METHODS)
    console[method] = (...args: unknown[]) => link().send({ type: 'console', method, text: format(...args) })
  return () => {
    for (const [method, original] of originals) console[method] = original
  }
}

const SHOW_CURSOR = '\x1b[?25h'
const ENDING_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

/**
 * ink hides the cursor and shows it again on exit, but a worker thread never sees the signals that
 * end the process, and a child renderer may be ended before it can (measured: Ctrl-C left it hidden
 * with either): while a renderer draws on a terminal, this thread shows the cursor on those signals
 * (and on exit), then lets a signal nobody else listens for end the process as it would have.
 * Returns the undo.
 */
function showCursorOnExit(fd: number): () => void {
  const show = () => {
    try {
      writeSync(fd, SHOW_CURSOR)
    } catch {
      // the terminal is gone
    }
  }
  const onSignal = (signal: NodeJS.Signals) => {
    show()
    if (process.listenerCount(signal) > 1) return // the application handles it
    undo()
    process.kill(process.pid, signal)
  }
  const undo = () => {
    process.off('exit', show)
    for (const signal of ENDING_SIGNALS) process.off(signal, onSignal)
  }
  process.on('exit', show)
  for (const signal of ENDING_SIGNALS) process.on(signal, onSignal)
  return undo
}

function renderElsewhere(
  model: DashboardModel,
  settings: Settings,
  place: Exclude<DashboardRenderer, 'inline'>,
): DashboardHandle {
  const { stdout } = settings
  const frames = framer(model, settings)
  const first = frames.take()
  const given = (stdout as { fd?: unknown }).fd
  const fd = typeof given === 'number' ? given : undefined
  let waiting = true // for the renderer to take the last frame sent
  let stopped = false
  const stop = (): void => {
    if (stopped) return
    stopped = true
    clearInterval(timer)
    restoreConsole()
    void link.exited.then(restoreCursorWatch)
    link.send({ type: 'stop' })
    const grace = setTimeout(() => link.end(), STOP_GRACE_MS)
    grace.unref()
    void link.exited.then(() => clearTimeout(grace))
  }
  const fail = reporter(settings.onError, () => {
    stop()
    link.end()
  })
  const onMessage = (m: FromRenderer): void => {
    if (m.type === 'drawn') waiting = false
    else if (m.type === 'write') stdout.write(m.chunk)
    else if (m.type === 'error') fail(rendererError(m))
    else if (m.type === 'stopped') link.end() // the last frame is out
  }
  const link: RendererLink = startRenderer(place, fd, { message: onMessage, failed: fail })
  const restoreConsole = settings.patchConsole ? forwardConsole(() => link) : () => undefined
  const restoreCursorWatch = fd !== undefined && stdout.isTTY === true ? showCursorOnExit(fd) : () => undefined
  link.send({
    type: 'start',
    first,
    refreshMs: settings.refreshMs,
    title: settings.title,
    chartHeight: settings.chartHeight,
    patchConsole: settings.patchConsole,
    // a child process gets the descriptor as its own stdout
    output: fd === undefined ? 'forward' : { fd: place === 'process' ? 1 : fd },
    isTTY: stdout.isTTY === true,
  })
  const timer = setInterval(() => {
    if (waiting || !frames.due()) return
    try {
      link.send(frames.take())
      waiting = true
    } catch (error) {
      fail(error)
    }
  }, settings.refreshMs)
  return { stop, frames: frames.count, closed: () => link.exited }
}
