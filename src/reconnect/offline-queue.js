export class OfflineQueue {
    limits;
    onDrop;
    items = [];
    queuedBytes = 0;
    constructor(limits, onDrop) {
        this.limits = limits;
        this.onDrop = onDrop;
    }
    /** Messages kept. */
    get length() {
        return this.items.length;
    }
    /** Bytes kept. */
    get bytes() {
        return this.queuedBytes;
    }
    /** Keeps the item for the next connection, or drops it ('queue-full') past either bound. */
    keep(item) {
        if (this.items.length >= this.limits.maxMessages || this.queuedBytes + item.bytes > this.limits.maxBytes)
            return this.drop(item, 'queue-full');
        this.items.push(item);
        this.queuedBytes += item.bytes;
        return 'queued';
    }
    /** Reports an item that will never be sent. */
    drop(item, reason) {
        this.onDrop(item, reason);
        return 'dropped';
    }
    /** Empties the queue and hands over what it held, oldest first (to send it). */
    take() {
        const items = this.items;
        this.items = [];
        this.queuedBytes = 0;
        return items;
    }
    /** Empties the queue, dropping everything it held, oldest first. */
    dropAll(reason) {
        for (const item of this.take())
            this.drop(item, reason);
    }
    /** Whether the publish with this ref is still waiting here (so was never sent). */
    holds(ref) {
        return this.items.some((item) => item.ref === ref);
    }
}
/** Bytes an outgoing message counts for against `maxBytes`: UTF-8 for text. */
export function byteLength(data) {
    if (typeof data === 'string')
        return Buffer.byteLength(data);
    return data.byteLength;
}
//# sourceMappingURL=offline-queue.js.map