/**
 * The script each worker thread of `workerPool` runs (built to dist/offload-worker.js): tinypool
 * calls its default export with each task and sends back what it returns or throws.
 */
import { runOffloadTask } from '../src/offload/runTask'

export default runOffloadTask
