// Helpers of the webrtcSource tests: the tone detector (the oracle) and the leak checks.
import { execFileSync } from 'node:child_process'

/**
 * The amplitude of the `frequency` component of `samples` (Goertzel 1958): exact, for a sine whose
 * frequency falls on a bin (frequency * samples.length / sampleRate an integer), as 1 kHz does in
 * frames of 20 ms.
 */
export function goertzelAmplitude(samples: Float32Array, frequency: number, sampleRate: number): number {
  const n = samples.length
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate)
  let s1 = 0
  let s2 = 0
  for (let i = 0; i < n; i++) {
    const s0 = samples[i] + coefficient * s1 - s2
    s2 = s1
    s1 = s0
  }
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
  return (2 * Math.sqrt(Math.max(0, power))) / n
}

/** The live child processes of this process named `command` (as `ps` shows them), as "pid command" lines. */
export function childProcesses(command: string): string[] {
  let out = ''
  try {
    out = execFileSync('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
  } catch {
    return [] // ps exits 1 when there is none
  }
  return out
    .split('\n')
    .map(line => line.trim())
    .filter(line => line.endsWith(` ${command}`) && !/\sZ/.test(line))
}

/** UDP sockets open in this process. */
export function udpHandles(): number {
  return process.getActiveResourcesInfo().filter(name => name === 'UDPWrap').length
}
