// Publishes waiting for their acknowledgement. Each gets a ref that the server echoes in
// `published` (resolve with the id) or `error` (reject); a drop rejects it too, and so
// does a connection that closes before the answer, since the publish may or may not
// have been stored. The number waiting is bounded: a server that never answers must not
// make the list grow without end.
import { PublishError } from './reconnect-events.js';
export class PublishTracker {
    maxPending;
    pending = new Map();
    lastRef = 0;
    constructor(maxPending) {
        this.maxPending = maxPending;
    }
    /** Publishes waiting (queued or in flight). */
    get size() {
        return this.pending.size;
    }
    /** A ref not used before on this client. */
    nextRef() {
        return String(++this.lastRef);
    }
    /**
     * Waits for the answer to the publish `ref`. `send` runs at once, told whether the
     * waiting list is now over its bound (then it should drop the publish, which rejects it).
     */
    track(ref, send) {
        return new Promise((resolve, reject) => {
            this.pending.set(ref, { resolve, reject });
            send(this.pending.size > this.maxPending);
        });
    }
    /** Settles the publish `ref`, if it still waits: an id resolves it, an error rejects it. */
    settle(ref, outcome) {
        const pending = this.pending.get(ref);
        if (pending === undefined)
            return;
        this.pending.delete(ref);
        if (typeof outcome === 'string')
            pending.resolve(outcome);
        else
            pending.reject(outcome);
    }
    /** The connection closed: rejects every publish that was sent (not `stillQueued`) and not answered. */
    connectionLost(stillQueued) {
        for (const [ref, pending] of this.pending) {
            if (stillQueued(ref))
                continue;
            this.pending.delete(ref);
            pending.reject(new PublishError('connection-lost', 'the connection closed before the publish was acknowledged; it may have been published'));
        }
    }
}
//# sourceMappingURL=publish-tracker.js.map