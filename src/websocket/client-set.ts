/**
 * A server's `clients`: a Set, as in `ws`, that also tells when it has become
 * empty, so closing a server waits for its connections without a listener on each.
 */
export class ClientSet<T> extends Set<T> {
  #whenEmpty: (() => void)[] = [];

  override delete(value: T): boolean {
    const deleted = super.delete(value);
    if (deleted && this.size === 0) this.#settle();
    return deleted;
  }

  /** Calls `callback` once the set is empty (on the next tick, after the last 'close' was delivered). */
  whenEmpty(callback: () => void): void {
    this.#whenEmpty.push(callback);
    if (this.size === 0) this.#settle();
  }

  #settle(): void {
    const callbacks = this.#whenEmpty;
    if (callbacks.length === 0) return;
    this.#whenEmpty = [];
    for (const callback of callbacks) process.nextTick(callback);
  }
}
