/**
 * Restreaming: one ffmpeg reads a test source (a 25 fps picture and a 440 Hz tone, paced in real
 * time) and writes it to a file, an HLS directory and an RTMP server that is not there. The
 * restream's health says which output failed while the others went on, and what ffmpeg reached.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { restream } from 'midstream/media'
import { lastValueFrom, tap } from 'rxjs'

const dir = mkdtempSync(join(tmpdir(), 'restream-example-'))
mkdirSync(join(dir, 'hls'))
const input = 'testsrc=size=320x240:rate=25[out0];sine=frequency=440:sample_rate=48000[out1]'

const last = await lastValueFrom(
  restream(
    input,
    [
      { file: join(dir, 'show.mp4'), name: 'recording' },
      { dir: join(dir, 'hls'), name: 'hls' },
      { url: 'rtmp://127.0.0.1:1/live/show', name: 'backup server' }, // nothing listens on port 1
    ],
    { inputOptions: ['-re', '-f', 'lavfi', '-t', '2'] },
  ).pipe(
    tap(health => {
      if (health.event === 'output')
        for (const o of health.outputs.filter(o => o.state === 'failed')) console.log(`${o.name} failed: ${o.error}`)
    }),
  ),
)
console.log(`${last.state}: ${last.frame} frames, ${((last.outTimeMs ?? 0) / 1000).toFixed(2)} s of output`)
for (const o of last.outputs) console.log(`  ${o.name}: ${o.state}`)
console.log(`hls: ${readdirSync(join(dir, 'hls')).sort().join(' ')}`)
rmSync(dir, { recursive: true, force: true })
