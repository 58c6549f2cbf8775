/**
 * Counts each peer's messages in one-second windows, for `maxMessagesPerSecond`.
 * Only peers of a server with a limit have an entry.
 */
export class MessageRate {
    windows = new Map();
    /** Counts one message at `now` (ms); false once the peer is past `limit` in the current second. */
    allow(peer, limit, now) {
        let window = this.windows.get(peer);
        if (!window || now - window.start >= 1000)
            this.windows.set(peer, (window = { start: now, count: 0 }));
        return ++window.count <= limit;
    }
    forget(peer) {
        this.windows.delete(peer);
    }
}
//# sourceMappingURL=message-rate.js.map