/**
 * Finding a shape in a live stream: `dtwMatch` reports each stretch of the stream whose dynamic time
 * warping distance to a pattern is under a threshold, stretched or squeezed copies included, as soon
 * as the match is final.
 */
import { dtwMatch } from 'midstream'
import { from, lastValueFrom, toArray } from 'rxjs'

const spike = [0, 3, 9, 3, 0]

// A flat, slightly wavy signal (deterministic, so the output can be checked) with two spikes:
// one as the pattern has it at t = 40, one slowed to half speed (each sample twice) at t = 120.
const readings = Array.from({ length: 200 }, (_, t) => ({ t, cpu: 0.1 * Math.sin(1.7 * t) }))
spike.forEach((v, k) => {
  readings[40 + k].cpu += v
})
;[0, 0, 3, 3, 9, 9, 3, 3, 0, 0].forEach((v, k) => {
  readings[120 + k].cpu += v
})

const matches = await lastValueFrom(
  from(readings).pipe(dtwMatch({ spike }, { threshold: 4, select: r => r.cpu, time: r => r.t }), toArray()),
)
for (const m of matches) {
  console.log(`${m.pattern} from t = ${m.startTime} to t = ${m.endTime}, distance ${m.distance.toFixed(2)}`)
}
