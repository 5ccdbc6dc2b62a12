import type { DashboardSnapshot, SeriesSnapshot } from './model'

/**
 * One series in a web dashboard message: the points pushed since the message before (all the model
 * keeps, in a page's first message), so a page accumulates a longer history than the model's ring.
 */
export interface SeriesDelta extends SeriesSnapshot {
  /** The position of `values[0]` among every value ever pushed to the series (0-based). */
  readonly from: number
}

/** What `webDashboard` sends a page on its event stream: a snapshot whose series carry only new points. */
export interface DashboardMessage extends Omit<DashboardSnapshot, 'series'> {
  /** Every series, in the order first written, each with the points new to this message. */
  readonly series: readonly SeriesDelta[]
  /** Set on a page's first message after (re)connecting: its series start at the oldest point the model keeps. */
  readonly welcome?: true
}

/** The points of `series` at positions `from` and later (those the model still keeps). */
export function seriesSince(series: SeriesSnapshot, from: number): SeriesDelta {
  const kept = series.values.length
  const first = series.total - kept
  const skip = Math.min(kept, Math.max(0, from - first))
  return {
    ...series,
    from: first + skip,
    values: skip === 0 ? series.values : series.values.slice(skip),
    times: skip === 0 ? series.times : series.times.slice(skip),
  }
}
