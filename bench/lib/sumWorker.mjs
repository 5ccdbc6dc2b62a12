// The worker of bench/workerPools.ts: sums a transferred Float64Array, so a task's cost is the
// pool's own round trip and one transfer.
export default function sum({ values }) {
  let s = 0
  for (let i = 0; i < values.length; i++) s += values[i]
  return s
}
