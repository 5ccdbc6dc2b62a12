/**
 * The messages between `renderDashboard` on the pipeline's thread and the ink renderer it runs in a
 * worker thread or a child process. Small plain objects (structured clone): the pipeline's thread
 * pays for a snapshot and one `postMessage` per frame, the renderer for everything ink does.
 * @internal
 */
import type { DashboardSnapshot } from './model'

/** The console methods forwarded to the renderer when `patchConsole` is on. */
export const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const
export type ConsoleMethod = (typeof CONSOLE_METHODS)[number]

/** One frame's content. */
export interface FrameMessage {
  readonly type: 'frame'
  readonly snapshot: DashboardSnapshot
  readonly columns: number
  readonly rows: number
}

/** The first message: how to draw, and the first frame. */
export interface StartMessage {
  readonly type: 'start'
  readonly first: FrameMessage
  readonly refreshMs: number
  readonly title: string | undefined
  readonly chartHeight: number | undefined
  readonly patchConsole: boolean
  /** A file descriptor the renderer writes to itself, or `forward`: every write comes back as a `write` message. */
  readonly output: { readonly fd: number } | 'forward'
  /** Whether the pipeline's stream is a terminal (ink draws the same either way; tools read it). */
  readonly isTTY: boolean
}

export type ToRenderer =
  | StartMessage
  | FrameMessage
  | { readonly type: 'console'; readonly method: ConsoleMethod; readonly text: string }
  | { readonly type: 'stop' }

export type FromRenderer =
  /** The renderer listens for messages (a child process loses those sent before). */
  | { readonly type: 'listening' }
  /** A frame (the first included) was handed to ink: the next may be sent. */
  | { readonly type: 'drawn' }
  /** Output for a stream without a file descriptor (`output: 'forward'`). */
  | { readonly type: 'write'; readonly chunk: string }
  /** The renderer failed; it stops drawing. */
  | { readonly type: 'error'; readonly name: string; readonly message: string; readonly stack: string | undefined }
  /** The last frame is written; the renderer may be ended. */
  | { readonly type: 'stopped' }

/** The error a renderer reported, rebuilt on the pipeline's side with its name, message and stack. */
export function rendererError(m: Extract<FromRenderer, { type: 'error' }>): Error {
  const error = new Error(`renderDashboard: the renderer failed: ${m.message}`)
  error.name = m.name
  if (m.stack !== undefined) error.stack = `${error.name}: ${error.message}\n--- in the renderer ---\n${m.stack}`
  return error
}
