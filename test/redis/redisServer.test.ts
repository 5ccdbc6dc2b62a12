import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { startRedis, startRedisCluster } from '../support/redisServer'

const run = promisify(execFile)
const cli = (port: number, ...args: string[]) =>
  run('redis-cli', ['-p', String(port), ...args]).then(r => r.stdout.trim())

describe('the test harness starts real Redis servers', () => {
  it('a server with AOF keeps an acknowledged write across kill -9 and restart, and stops by PID', async () => {
    const redis = await startRedis({ aof: true })
    try {
      expect(await cli(redis.port, 'XADD', 's', '*', 'value', '1')).toMatch(/^\d+-\d+$/)
      await redis.restart()
      expect(await cli(redis.port, 'XLEN', 's')).toBe('1')
    } finally {
      await redis.stop()
    }
    const pid = redis.pid()
    expect(() => process.kill(pid, 0)).toThrow()
  })

  it('a cluster of three masters reaches cluster_state:ok and spreads the slots', { timeout: 30_000 }, async () => {
    const cluster = await startRedisCluster(3)
    try {
      const slots = await cli(cluster.nodes[0].port, 'cluster', 'info')
      expect(slots).toContain('cluster_slots_assigned:16384')
      expect(slots).toContain('cluster_known_nodes:3')
    } finally {
      await cluster.stop()
    }
  })
})
