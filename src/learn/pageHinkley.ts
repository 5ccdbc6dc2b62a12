import { describeValue } from '../errors'
import { checkSnapshot, decodeFloat64, encodeFloat64, SnapshotError, type SnapshotHeader } from '../snapshot'
import { checkBoolean, checkInteger, checkNumber, checkOneOf, checkOptions } from '../validate'

/** Which direction of change a {@link PageHinkley} detector watches. */
export type PageHinkleyMode = 'both' | 'up' | 'down'

/** Options of {@link PageHinkley}; every default is River's (`river.drift.PageHinkley`). */
export interface PageHinkleyOptions {
  /** Updates (since the last reset) before a drift may be flagged. Default 30. */
  readonly minInstances?: number
  /** Magnitude of change tolerated, subtracted (up) or added (down) at every step. Default 0.005. */
  readonly delta?: number
  /** Detection threshold lambda on the cumulative deviation. Default 50. */
  readonly threshold?: number
  /** Forgetting factor in (0, 1] applied to the cumulative sums. Default 1 - 1e-4. */
  readonly alpha?: number
  /** Flag increases of the mean (`'up'`), decreases (`'down'`) or either (`'both'`). Default `'both'`. */
  readonly mode?: PageHinkleyMode
}

/** The option names `PageHinkley` accepts. */
const PAGE_HINKLEY_OPTIONS: readonly string[] = ['minInstances', 'delta', 'threshold', 'alpha', 'mode']
const PAGE_HINKLEY_SNAPSHOT_VERSION = 1

/** `PageHinkley.snapshot()`: the options and the running state, bit for bit. */
export interface PageHinkleySnapshot extends SnapshotHeader {
  /** Always `'PageHinkley'`. */
  readonly kind: 'PageHinkley'
  /** The layout's version (1). */
  readonly version: number
  /** The options the detector was built with. */
  readonly options: Required<PageHinkleyOptions>
  /** Count, mean, the two cumulative sums and their extremes, as base64 float64 bytes. */
  readonly state: string
  /** Whether the last update detected a change (the next update then resets first). */
  readonly detected: boolean
}

const PAGE_HINKLEY_MODES: readonly PageHinkleyMode[] = ['both', 'up', 'down']

// mode codes: bit 1 watches increases, bit 2 decreases
const MODE_UP = 1
const MODE_DOWN = 2
const MODE_BOTH = 3

/**
 * Page-Hinkley test (Page 1954) for a change in the mean of a stream, step for step as River's
 * `drift.PageHinkley` (online-ml/river, the two-sided version with `mode`): the running mean m_t,
 * the fading cumulative sums U_t = alpha U_{t-1} + (x_t - m_t) - delta and
 * L_t = alpha L_{t-1} + (x_t - m_t) + delta, and a drift when U_t - min U > threshold (up) or
 * max L - L_t > threshold (down), once `minInstances` values have been seen.
 *
 * As in River, `driftDetected` is true only for the update that detects; the next `update` first
 * resets the detector (mean, sums, count) and then consumes its value. O(1) per update, no
 * allocation.
 *
 * ```ts
 * const ph = new PageHinkley()
 * for (const x of stream) {
 *   ph.update(x)
 *   if (ph.driftDetected) console.log('the mean moved')
 * }
 * ```
 *
 * References: Page, "Continuous inspection schemes", Biometrika 1954.
 * @see ADWIN
 * @see KSWIN
 */
export class PageHinkley {
  /** Updates since the last reset before a drift may be flagged. */
  readonly minInstances: number
  /** Magnitude of change tolerated per step. */
  readonly delta: number
  /** Detection threshold lambda on the cumulative deviation. */
  readonly threshold: number
  /** Forgetting factor of the cumulative sums. */
  readonly alpha: number
  /** Which direction of change is flagged. */
  readonly mode: PageHinkleyMode
  private readonly modeCode: number
  private n = 0
  private mean = 0
  private sumIncrease = 0
  private sumDecrease = 0
  private minIncrease = Infinity
  // River starts the maximum at -1, not -Infinity; kept so the first steps match bit for bit
  private maxDecrease = -1
  private detected = false

  /** A detector that has seen nothing; bad options throw a `TypeError` or `RangeError` naming them. */
  constructor(options?: PageHinkleyOptions) {
    const {
      minInstances = 30,
      delta = 0.005,
      threshold = 50,
      alpha = 1 - 0.0001,
      mode = 'both',
    } = checkOptions('PageHinkley', options, PAGE_HINKLEY_OPTIONS)
    checkInteger('PageHinkley', 'minInstances', minInstances, { min: 1 })
    checkNumber('PageHinkley', 'delta', delta, { min: 0 })
    checkNumber('PageHinkley', 'threshold', threshold, { min: 0 })
    checkNumber('PageHinkley', 'alpha', alpha, { above: 0, max: 1 })
    checkOneOf('PageHinkley', 'mode', mode, PAGE_HINKLEY_MODES)
    this.minInstances = minInstances
    this.delta = delta
    this.threshold = threshold
    this.alpha = alpha
    this.mode = mode
    this.modeCode = mode === 'up' ? MODE_UP : mode === 'down' ? MODE_DOWN : MODE_BOTH
  }

  /** True when the last `update` detected a change; cleared by the next `update` or `reset`. */
  get driftDetected(): boolean {
    return this.detected
  }

  /** Values consumed since the last reset (including the automatic one after a detection). */
  get count(): number {
    return this.n
  }

  /** Running mean of the values since the last reset. */
  get runningMean(): number {
    return this.mean
  }

  /** Consumes one value; throws a RangeError on a non-finite one, leaving the state untouched. */
  update(x: number): void {
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new RangeError(`PageHinkley.update: x must be a finite number, got ${describeValue(x)}`)
    if (this.detected) this.reset()
    this.n += 1
    // (1 / n) * (x - m) rather than (x - m) / n: River's stats.Mean rounds this way
    this.mean += (1 / this.n) * (x - this.mean)
    const dev = x - this.mean
    this.sumIncrease = this.alpha * this.sumIncrease + dev - this.delta
    this.sumDecrease = this.alpha * this.sumDecrease + dev + this.delta
    if (this.sumIncrease < this.minIncrease) this.minIncrease = this.sumIncrease
    if (this.sumDecrease > this.maxDecrease) this.maxDecrease = this.sumDecrease
    if (this.n >= this.minInstances) {
      const up = (this.modeCode & MODE_UP) !== 0 && this.sumIncrease - this.minIncrease > this.threshold
      const down = (this.modeCode & MODE_DOWN) !== 0 && this.maxDecrease - this.sumDecrease > this.threshold
      this.detected = up || down
    }
  }

  /**
   * The detector's state as a JSON-safe object; `PageHinkley.fromSnapshot` rebuilds it, and the
   * rebuilt detector continues exactly as this one would.
   */
  snapshot(): PageHinkleySnapshot {
    const { minInstances, delta, threshold, alpha, mode } = this
    return {
      kind: 'PageHinkley',
      version: PAGE_HINKLEY_SNAPSHOT_VERSION,
      options: { minInstances, delta, threshold, alpha, mode },
      state: encodeFloat64([this.n, this.mean, this.sumIncrease, this.sumDecrease, this.minIncrease, this.maxDecrease]),
      detected: this.detected,
    }
  }

  /**
   * A detector in the state `snapshot` describes (from `snapshot()`, possibly through JSON). A snapshot
   * of another kind or version is a `SnapshotError` naming both.
   */
  static fromSnapshot(snapshot: PageHinkleySnapshot): PageHinkley {
    const fn = 'PageHinkley.fromSnapshot'
    const s = checkSnapshot<PageHinkleySnapshot>(fn, snapshot, 'PageHinkley', PAGE_HINKLEY_SNAPSHOT_VERSION)
    const detector = new PageHinkley(s.options)
    const state = decodeFloat64(fn, 'state', s.state)
    if (state.length !== 6) throw new SnapshotError(`${fn}: state holds ${state.length} values, expected 6`)
    ;[
      detector.n,
      detector.mean,
      detector.sumIncrease,
      detector.sumDecrease,
      detector.minIncrease,
      detector.maxDecrease,
    ] = state
    detector.detected = checkBoolean(fn, 'detected', s.detected)
    return detector
  }

  /** Forgets everything seen, as a freshly constructed detector with the same options. */
  reset(): void {
    this.n = 0
    this.mean = 0
    this.sumIncrease = 0
    this.sumDecrease = 0
    this.minIncrease = Infinity
    this.maxDecrease = -1
    this.detected = false
  }
}
