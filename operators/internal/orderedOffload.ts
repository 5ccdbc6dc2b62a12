/**
 * The windows of one subscription that an operator analyses in a pool (its `offload` option):
 * dispatched to the pool, emitted in arrival order whatever order the pool finishes them in,
 * cancelled when the subscription ends.
 * @internal
 */
export interface OrderedOffloadHandlers<W, R> {
  /**
   * Sends one item to the pool; `signal` aborts it. Called in item order; with `serial`, only once
   * every earlier item is emitted (its input may depend on their results).
   */
  run(item: W, signal: AbortSignal): Promise<R>
  /** Receives each result, in item order. */
  emit(item: W, result: R): void
  /** The first failure of a task (not an abort); nothing is emitted after it. */
  fail(error: unknown): void
  /** Called each time the queue empties. */
  drained(): void
}

interface Entry<W, R> {
  readonly item: W
  state: 'waiting' | 'running' | 'done'
  result?: R
  // one per task: a pool listens on each task's signal, and one signal shared by many tasks in
  // flight would collect more listeners than Node allows without a warning
  controller?: AbortController
}

/** @internal */
export class OrderedOffload<W, R> {
  private readonly entries: Entry<W, R>[] = []
  private running = 0
  private failed = false
  private closed = false

  constructor(
    /** One task in flight at a time, each dispatched after the previous one is emitted. */
    private readonly serial: boolean,
    private readonly handlers: OrderedOffloadHandlers<W, R>,
  ) {}

  /** Items added and not yet emitted, oldest first. */
  pending(): W[] {
    return this.entries.map(entry => entry.item)
  }

  get empty(): boolean {
    return this.entries.length === 0
  }

  add(item: W): void {
    if (this.failed || this.closed) return
    this.entries.push({ item, state: 'waiting' })
    this.dispatch()
  }

  /** Cancels every task: queued ones are dropped, running ones abandoned (the pool may let them finish); nothing more is emitted. */
  close(): void {
    this.closed = true
    for (const entry of this.entries) entry.controller?.abort()
  }

  private dispatch(): void {
    for (const entry of this.entries) {
      if (entry.state !== 'waiting') continue
      if (this.serial && this.running > 0) return
      this.start(entry)
    }
  }

  private start(entry: Entry<W, R>): void {
    entry.controller = new AbortController()
    const { signal } = entry.controller
    entry.state = 'running'
    this.running++
    let task: Promise<R>
    try {
      task = this.handlers.run(entry.item, signal)
    } catch (error) {
      task = Promise.reject(error)
    }
    task.then(
      result => {
        this.running--
        entry.controller = undefined
        if (this.closed || this.failed) return
        entry.state = 'done'
        entry.result = result
        this.flush()
      },
      error => {
        this.running--
        entry.controller = undefined
        if (this.closed || this.failed) return
        this.failed = true
        this.close()
        this.handlers.fail(error)
      },
    )
  }

  /** Emits the finished entries at the head, then dispatches what may go next. */
  private flush(): void {
    const { entries } = this
    while (entries.length > 0 && entries[0].state === 'done' && !this.closed) {
      const entry = entries.shift() as Entry<W, R>
      this.handlers.emit(entry.item, entry.result as R)
    }
    if (this.closed) return
    if (entries.length === 0) this.handlers.drained()
    else this.dispatch()
  }
}
