/**
 * Errors thrown by midstream's kernels and scheduler. Each names the offending value so that
 * a stream error read in a log says what was wrong without a debugger.
 */

/** Thrown by a scheduler's `schedule` when its bounded queue already holds `maxQueueSize` tasks. */
export class QueueFullError extends Error {
  /** The error's name, for logs and `instanceof`-free checks. */
  override readonly name = 'QueueFullError'
  constructor(
    /** The limit that was reached. */
    readonly maxQueueSize: number,
    /** The public name of what was called, which starts the message. */
    caller = 'NanoScheduler.schedule',
  ) {
    super(
      `${caller}: the scheduler queue is full: ${maxQueueSize} tasks already queued (raise maxQueueSize or slow the producer)`,
    )
  }
}

/**
 * Thrown by `scheduleOn` when more values wait for the scheduler than its `bufferLimit` allows, and
 * by `toAsyncIterable` when more values wait for the consumer than its `highWaterMark` allows.
 */
export class BufferOverflowError extends Error {
  /** The error's name, for logs and `instanceof`-free checks. */
  override readonly name = 'BufferOverflowError'
  constructor(
    /** The limit that was passed. */
    readonly bufferLimit: number,
    /** The public name of what was called, which starts the message. */
    caller = 'scheduleOn',
    /** Who the buffered values wait for. */
    waitingFor = 'the scheduler',
  ) {
    super(`${caller}: buffer overflow: more than ${bufferLimit} values waiting for ${waitingFor}`)
  }
}

/** `String(value)` that also shows strings quoted and survives symbols and objects without `toString`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint') return `${value}n`
  try {
    return String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

/** An error's message, or a description of a thrown value that is not an `Error`. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : describeValue(error)
}
