/**
 * Frames an endpoint has produced and its carrier has not taken yet, in order,
 * with the callbacks of the sends they belong to. The carrier takes the whole
 * batch at once (`WebSocketProtocol.takeOutgoing`), so everything produced during
 * one read, or one turn of its event loop, can leave in a single write.
 */
export class Outgoing {
    chunks = [];
    callbacks;
    /** Bytes waiting here. */
    bytes = 0;
    push(chunks, callback) {
        for (const chunk of chunks) {
            this.chunks.push(chunk);
            this.bytes += chunk.length;
        }
        if (callback)
            (this.callbacks ??= []).push(callback);
    }
    /** Tells every waiting sender the result of the write that carried this batch. */
    settle(error) {
        const callbacks = this.callbacks;
        this.callbacks = undefined;
        if (callbacks)
            for (const callback of callbacks)
                callback(error);
    }
}
//# sourceMappingURL=outgoing.js.map