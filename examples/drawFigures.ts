/**
 * Figures of the analyses with `midstream/plot`: each function returns the SVG markup (and the
 * element) of an Observable Plot figure. In Node no document is needed (linkedom is used); in a
 * browser or a notebook, pass `{ document }` or let it find the page's.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dtwPath, findMatches } from 'midstream'
import { plotAlignment, plotMarbles, plotMatches } from 'midstream/plot'
import { runTimed, type TimedStream } from 'midstream/testing'
import { delay, filter } from 'rxjs'

const out = mkdtempSync(join(tmpdir(), 'midstream-figures-'))

// A 4 000-point sine of amplitude 0.1 with a one-sample spike of height 5 and a planted bump twice
const series = Float64Array.from({ length: 4000 }, (_, i) => 0.1 * Math.sin(i / 20))
series[2345] = 5
const bump = [0, 0.5, 1, 1.5, 1, 0.5, 0]
series.set(bump, 800)
series.set(bump, 3100)
const matches = findMatches(series, bump, { k: 2 })
const figure = plotMatches(series, matches, { width: 600 })
writeFileSync(join(out, 'matches.svg'), figure.svg)
console.log(`matches at ${matches.map(m => `${m.start}..${m.end}`).join(', ')}`)
// 4 000 samples drawn min/max per pixel column: at most 4 points a column, the spike among them
const path = figure.svg.match(/class="series"[^>]*><path d="M([^"]+)"/)?.[1] ?? ''
const ys = path.split('L').map(point => Number(point.split(',')[1]))
console.log(`series drawn with ${ys.length} points; the highest at y = ${Math.min(...ys)} px, the frame's top`)

// The alignment of a query with a slowed copy: one link per step of the warping path
const query = [0, 1, 2, 3, 2, 1, 0]
const slowed = [0, 0, 1, 1, 2, 3, 3, 2, 1, 0]
writeFileSync(join(out, 'alignment.svg'), plotAlignment(query, slowed).svg)
console.log(`warping path: ${dtwPath(query, slowed).path.length} links (at most ${query.length + slowed.length - 1})`)

// A marble diagram of a pipeline run on virtual time: input above, output below
const input: TimedStream<number> = {
  events: [0, 3, 4, 9].map((time, i) => ({ time, value: i + 1 })),
  end: { kind: 'complete', time: 12 },
}
const output = runTimed(input, (source, scheduler) =>
  source.pipe(
    filter(x => x % 2 === 1),
    delay(2, scheduler),
  ),
)
writeFileSync(join(out, 'marbles.svg'), plotMarbles({ input, output }).svg)
console.log(
  `output: ${output.values.map(v => `${v.value}@${v.time}`).join(' ')}, ${output.end.kind} at ${output.end.kind === 'complete' ? output.end.time : '-'}`,
)
