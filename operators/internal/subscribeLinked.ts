import { type Observable, type Observer, type Subscriber, Subscription } from 'rxjs'

/**
 * Subscribes `source` with `observer` through an inner subscriber that `outer` owns. When the
 * downstream unsubscribes (`take`, `first`, a guard that completes), the source sees `closed` at
 * once, even in the middle of a synchronous burst: with a plain `source.subscribe(...)` the
 * subscription object does not exist until the burst is over, so an endless synchronous source
 * would never stop. Shared by every operator; not part of the public API.
 * @internal
 */
export function subscribeLinked<T>(
  outer: Subscriber<unknown>,
  source: Observable<T>,
  observer: Partial<Observer<T>>,
): Subscription {
  const inner = new LinkedSubscriber(observer)
  outer.add(inner)
  // RxJS treats an object that is both an Observer and a Subscription as the subscriber itself
  source.subscribe(inner)
  return inner
}

class LinkedSubscriber<T> extends Subscription implements Observer<T> {
  constructor(private readonly observer: Partial<Observer<T>>) {
    super()
  }

  next(value: T): void {
    if (!this.closed) this.observer.next?.(value)
  }

  error(error: unknown): void {
    if (this.closed) return
    this.unsubscribe()
    this.observer.error?.(error)
  }

  complete(): void {
    if (this.closed) return
    this.unsubscribe()
    this.observer.complete?.()
  }
}
