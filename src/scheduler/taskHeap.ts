/**
 * A binary min-heap of tasks ordered by (heapKey, seq): the smaller key first, and among equal
 * keys the one scheduled first (FIFO). Each task remembers its index, so a cancelled task is
 * removed in O(log n) instead of lingering until it reaches the top.
 */
export interface HeapEntry {
  heapKey: number
  seq: number
  heapIndex: number
}

export class TaskHeap<T extends HeapEntry> {
  private items: T[] = []

  get size(): number {
    return this.items.length
  }

  peek(): T | undefined {
    return this.items[0]
  }

  push(task: T): void {
    const items = this.items
    task.heapIndex = items.length
    items.push(task)
    this.up(task.heapIndex)
  }

  pop(): T | undefined {
    const items = this.items
    const top = items[0]
    if (top === undefined) return undefined
    const last = items.pop()!
    if (items.length > 0) {
      items[0] = last
      last.heapIndex = 0
      this.down(0)
    }
    top.heapIndex = -1
    return top
  }

  /** Removes `task` if it is in this heap; returns whether it was. */
  remove(task: T): boolean {
    const i = task.heapIndex
    const items = this.items
    if (i < 0 || items[i] !== task) return false
    const last = items.pop()!
    if (i < items.length) {
      items[i] = last
      last.heapIndex = i
      this.down(i)
      this.up(last.heapIndex)
    }
    task.heapIndex = -1
    return true
  }

  clear(): T[] {
    const all = this.items
    this.items = []
    for (const t of all) t.heapIndex = -1
    return all
  }

  private up(i: number): void {
    const items = this.items
    const task = items[i]
    while (i > 0) {
      const parentIndex = (i - 1) >> 1
      const parent = items[parentIndex]
      if (!before(task, parent)) break
      items[i] = parent
      parent.heapIndex = i
      i = parentIndex
    }
    items[i] = task
    task.heapIndex = i
  }

  private down(i: number): void {
    const items = this.items
    const n = items.length
    const task = items[i]
    for (;;) {
      const left = 2 * i + 1
      if (left >= n) break
      const right = left + 1
      const child = right < n && before(items[right], items[left]) ? right : left
      if (!before(items[child], task)) break
      items[i] = items[child]
      items[i].heapIndex = i
      i = child
    }
    items[i] = task
    task.heapIndex = i
  }
}

/** Whether `a` runs before `b`: the smaller key, and among equal keys the smaller sequence. */
export function before(a: HeapEntry, b: HeapEntry): boolean {
  return a.heapKey < b.heapKey || (a.heapKey === b.heapKey && a.seq < b.seq)
}
