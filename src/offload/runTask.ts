import { analyseWindow } from '../attractor/windowAnalysis'
import { findMatches } from '../compare/findMatches'
import { describeValue } from '../errors'
import type { OffloadResults, OffloadTask } from './pool'

/**
 * Runs one offloaded task in the current thread: what a worker of `midstream/offload` does with
 * each task it receives (and what a pool in a Web Worker would do). A task of an unknown kind is a
 * `TypeError` naming it.
 *
 * ```ts
 * runOffloadTask({ kind: 'findMatches', series, query, options: { k: 3 } }) // Match[]
 * ```
 */
export function runOffloadTask(task: OffloadTask): OffloadResults[OffloadTask['kind']] {
  switch (task?.kind) {
    case 'attractorWindow':
      return analyseWindow(task.values, task.input)
    case 'findMatches':
      return findMatches(task.series, task.query, task.options)
    default:
      throw new TypeError(
        `runOffloadTask: unknown task kind ${describeValue((task as { kind?: unknown } | null)?.kind)} (expected 'attractorWindow' or 'findMatches')`,
      )
  }
}
