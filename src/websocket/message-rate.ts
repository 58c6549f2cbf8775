/**
 * Counts each peer's messages in one-second windows, for `maxMessagesPerSecond`.
 * Only peers of a server with a limit have an entry.
 */
export class MessageRate<Peer> {
  private readonly windows = new Map<Peer, { start: number; count: number }>();

  /** Counts one message at `now` (ms); false once the peer is past `limit` in the current second. */
  allow(peer: Peer, limit: number, now: number): boolean {
    let window = this.windows.get(peer);
    if (!window || now - window.start >= 1000) this.windows.set(peer, (window = { start: now, count: 0 }));
    return ++window.count <= limit;
  }

  forget(peer: Peer): void {
    this.windows.delete(peer);
  }
}
