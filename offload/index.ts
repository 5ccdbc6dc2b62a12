/**
 * midstream/offload (Node only): a pool of worker threads for the heavy analyses, so they run off
 * the event loop: give it as `offload` to `attractorWindow`, or to `findMatchesOffloaded`. Needs
 * the optional peer dependency `tinypool`.
 * @module
 */
export { type WorkerPool, type WorkerPoolOptions, type WorkerPoolStats, workerPool } from './workerPool'
