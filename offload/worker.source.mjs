// The worker of `workerPool` when midstream runs from its TypeScript sources (vitest, benchmarks
// under tsx): a worker thread does not inherit the parent's TypeScript loader, so this registers
// tsx in the thread and loads worker.ts, the code the built dist/offload-worker.js bundles.
import { register } from 'tsx/esm/api'

register()
const { default: runOffloadTask } = await import('./worker.ts')

export default runOffloadTask
