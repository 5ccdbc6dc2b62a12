import type * as React from 'react'
import type { DashboardSnapshot, SeriesSnapshot } from './model'
import { Box, createElement, plot, render, Text } from './terminalPeers'

/** Props of the `Dashboard` component: a pure function of a snapshot. */
export interface DashboardProps {
  /** What to draw. */
  readonly snapshot: DashboardSnapshot
  /** Terminal width in columns. Default 80. */
  readonly columns?: number
  /** Heading above the panels. Default `'midstream'`. */
  readonly title?: string
  /** Rows per sparkline. Default 4. */
  readonly chartHeight?: number
}

const h = createElement

/** Compact number: 3 significant digits below 1000, integers above. */
export function formatNumber(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return '-'
  const a = Math.abs(x)
  if (a >= 1000 || Number.isInteger(x)) return x.toFixed(0)
  if (a >= 1) return x.toFixed(2)
  if (a === 0) return '0'
  return x.toPrecision(3)
}

const LABEL_WIDTH = 9

/** The asciichart rows of a series, `height` rows, at most `columns` wide. */
export function sparkline(values: readonly number[], columns: number, height: number): string[] {
  const width = Math.max(4, columns - LABEL_WIDTH - 3)
  if (values.length === 0)
    return Array.from({ length: height }, (_, i) => (i === height >> 1 ? ' '.repeat(LABEL_WIDTH) + '  (no data)' : ''))
  const shown = values.length > width ? values.slice(values.length - width) : values.slice()
  if (shown.length === 1) shown.push(shown[0])
  let min = Infinity
  let max = -Infinity
  for (const v of shown) {
    if (v < min) min = v
    if (v > max) max = v
  }
  if (min === max) {
    // a flat series: asciichart would draw one row; give it a range so the height stays fixed
    const pad = Math.abs(min) / 10 || 1
    min -= pad
    max += pad
  }
  const rows = plot(shown, {
    height: Math.max(1, height - 1),
    offset: 2,
    min,
    max,
    format: (x: number) => formatNumber(x).slice(0, LABEL_WIDTH).padStart(LABEL_WIDTH),
  }).split('\n')
  while (rows.length < height) rows.push('')
  return rows.slice(0, height)
}

function section(label: string, width: number): React.ReactElement {
  const rule = Math.max(0, width - label.length - 4)
  return h(Text, { dimColor: true, wrap: 'truncate' }, `── ${label} ${'─'.repeat(rule)}`)
}

function seriesBlock(s: SeriesSnapshot, columns: number, height: number): React.ReactElement {
  const rows = sparkline(s.values, columns, height)
  return h(
    Box,
    { key: `series:${s.name}`, flexDirection: 'column' },
    h(
      Text,
      { wrap: 'truncate' },
      h(Text, { bold: true, color: 'cyan' }, s.name),
      `  last ${formatNumber(s.last)}  min ${formatNumber(s.min)}  max ${formatNumber(s.max)}  (${s.total} pts)`,
    ),
    // one Text per chart (rows are already cut to the width): ink's per-node text measuring dominates a frame
    h(Text, null, rows.join('\n')),
  )
}

const verdictColor = { true: 'green', false: 'red', unknown: 'yellow' } as const

/** The dashboard's layout, a pure function of a snapshot (usable with ink's `render`/`renderToString`). */
export function Dashboard(props: DashboardProps): React.ReactElement {
  const { snapshot: s, title = 'midstream' } = props
  const columns = Math.max(20, props.columns ?? 80)
  const height = Math.max(2, props.chartHeight ?? 4)
  const half = Math.max(10, Math.floor((columns - 1) / 2))
  const L = s.lateness

  const matches =
    s.matches.length === 0
      ? [h(Text, { key: 'none', dimColor: true }, '(none yet)')]
      : s.matches.map((m, i) =>
          h(
            Text,
            { key: i, wrap: 'truncate' },
            h(Text, { color: 'magenta' }, m.pattern),
            ` [${m.start}..${m.end}] d=${formatNumber(m.distance)}${m.time === undefined || s.timeMs === undefined ? '' : ` ${formatNumber(s.timeMs - m.time)} ms ago`}`,
          ),
        )

  const verdicts =
    s.verdicts.length === 0
      ? [h(Text, { key: 'none', dimColor: true }, '(none yet)')]
      : s.verdicts.map(v =>
          h(
            Text,
            { key: v.formula, wrap: 'truncate' },
            h(Text, { color: verdictColor[v.verdict], bold: true }, v.verdict.padEnd(7)),
            ` ${v.formula}`,
            h(Text, { dimColor: true }, ` (${v.changes} changes${v.index === undefined ? '' : `, @${v.index}`})`),
          ),
        )

  const rates =
    s.rates.length === 0
      ? h(Text, { dimColor: true }, '(none yet)')
      : h(
          Text,
          { wrap: 'wrap' },
          ...s.rates.flatMap((r, i) => [
            i > 0 ? '   ' : '',
            h(Text, { key: r.channel, color: 'cyan' }, r.channel),
            ` ${formatNumber(r.rate)}/s (${r.total})`,
          ]),
        )

  return h(
    Box,
    { flexDirection: 'column', width: columns },
    h(
      Text,
      { wrap: 'truncate' },
      h(Text, { bold: true, inverse: true }, ` ${title} `),
      h(Text, { dimColor: true }, `  v${s.version}`),
    ),
    section('series', columns),
    ...(s.series.length === 0
      ? [h(Text, { key: 'none', dimColor: true }, '(none yet)')]
      : s.series.map(x => seriesBlock(x, columns, height))),
    h(
      Box,
      { flexDirection: 'row' },
      h(
        Box,
        { flexDirection: 'column', width: half, marginRight: 1 },
        section(`matches (last ${s.matches.length})`, half),
        ...matches,
      ),
      h(Box, { flexDirection: 'column', width: half }, section('verdicts', half), ...verdicts),
    ),
    section('lateness', columns),
    h(
      Text,
      { wrap: 'truncate' },
      `p50 ${formatNumber(L.p50)} ms   p99 ${formatNumber(L.p99)} ms   max ${formatNumber(L.max)} ms   (${L.count} samples)`,
    ),
    section('rates', columns),
    rates,
  )
}

/** ink's frame-rate cap is set above the refresh rate so its throttle never drops a frame. */
const MIN_MAX_FPS = 30
/** ink's frame-rate cap is twice the refresh rate, for the same reason. */
const FPS_HEADROOM = 2
const MS_PER_SECOND = 1000

/** What the ink instance of a dashboard draws with, wherever it runs (the pipeline's thread, a worker, a child). */
export interface MountOptions {
  /** The stream ink writes to. */
  readonly stdout: NodeJS.WriteStream
  /** The refresh period in ms (sets ink's frame-rate cap above it). */
  readonly refreshMs: number
  readonly title?: string
  readonly chartHeight?: number
  /** ink's patchConsole. */
  readonly patchConsole: boolean
  /** Called once if the tree fails to render (ink's error boundary unmounts it). */
  readonly onRenderError: (error: unknown) => void
}

/** A mounted dashboard: `show` re-renders with a snapshot; `unmount` draws the last frame and leaves. */
export interface MountedDashboard {
  show(snapshot: DashboardSnapshot, columns: number): void
  unmount(): void
}

/** Mounts the `Dashboard` with ink on `options.stdout`, showing `snapshot` at `columns`. */
export function mountDashboard(snapshot: DashboardSnapshot, columns: number, options: MountOptions): MountedDashboard {
  const element = (s: DashboardSnapshot, width: number) =>
    h(Dashboard, { snapshot: s, columns: width, title: options.title, chartHeight: options.chartHeight })
  const instance = render(element(snapshot, columns), {
    stdout: options.stdout,
    patchConsole: options.patchConsole,
    exitOnCtrlC: false,
    // the caller's interval sets the pace: ink's own throttle must not delay a frame
    maxFps: Math.max(MIN_MAX_FPS, Math.ceil((FPS_HEADROOM * MS_PER_SECOND) / options.refreshMs)),
    // ink 6.8's incrementalRendering garbles the screen in tmux (frames pile up); the full redraw is clean
    incrementalRendering: false,
  })
  // a component that throws is caught by ink's error boundary, which unmounts and rejects this promise
  instance.waitUntilExit().then(
    () => undefined,
    error => options.onRenderError(error),
  )
  return {
    show: (s, width) => instance.rerender(element(s, width)),
    unmount: () => instance.unmount(),
  }
}
