/**
 * midstream: kernels, operators and the nanosecond scheduler. Browser-safe: nothing reachable
 * from here imports a `node:` module.
 */

export * from './operators/index'
export * from './src/index'
