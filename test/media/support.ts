/** Helpers shared by the media tests: collecting a stream, waiting for a PID to be gone, listing child processes. */
import { execFileSync } from 'node:child_process'
import type { Observable } from 'rxjs'

/** Everything a stream emits until it completes or errors. */
export function collectAll<T>(source: Observable<T>): Promise<{ values: T[]; error?: unknown }> {
  return new Promise(resolve => {
    const values: T[] = []
    source.subscribe({
      next: v => values.push(v),
      complete: () => resolve({ values }),
      error: error => resolve({ values, error }),
    })
  })
}

/** True while `pid` exists (a zombie too: only a reaped process gives ESRCH). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw error
  }
}

/** Resolves once `pid` is gone and reaped (the test's timeout bounds the wait). */
export async function waitGone(pid: number): Promise<void> {
  while (alive(pid)) await new Promise(resolve => setTimeout(resolve, 20))
}

/** Names of this process's child processes other than `ps` itself. */
export function childProcesses(): string[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
  return out
    .split('\n')
    .map(line => line.trim())
    .filter(line => line.length > 0 && !line.endsWith(' ps'))
}

/** Concatenation of Float32Arrays. */
export function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
