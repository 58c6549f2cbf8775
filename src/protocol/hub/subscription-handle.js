// "Subscribe, then unsubscribe if the client left meanwhile", written once. Hub.subscribe
// resolves later than its first events may arrive and later than a client may leave, so
// whoever stops before it resolves must still release the subscription it brings.
import { asError } from '../errors.js';
/**
 * Calls `hub.subscribe` (a microtask later: no event arrives before this returns) and holds
 * what it resolves with until `stop()`.
 */
export function openSubscription(hub, channel, listener, options) {
    let stopped = false;
    let subscription;
    const release = (held) => {
        try {
            held.unsubscribe().catch(ignore);
        }
        catch {
            // A hub whose unsubscribe throws synchronously: still nothing more to do.
        }
    };
    const subscribeOptions = options.since === undefined ? {} : { since: options.since };
    const guarded = (event) => {
        if (!stopped)
            listener(event);
    };
    // Called one microtask later, inside the promise chain: no event reaches the listener
    // before the caller holds the handle (MemoryHub delivers during subscribe()), a client
    // gone by then costs no subscription at all, and a hub that throws instead of rejecting
    // is handled as one that rejects.
    Promise.resolve()
        .then(() => (stopped ? undefined : hub.subscribe(channel, guarded, subscribeOptions)))
        .then((held) => {
        if (held === undefined)
            return;
        if (stopped)
            release(held);
        else
            subscription = held;
    }, (error) => options.onFailure(asError(error)));
    return {
        get stopped() {
            return stopped;
        },
        stop() {
            if (stopped)
                return;
            stopped = true;
            if (subscription !== undefined)
                release(subscription);
            subscription = undefined;
        },
    };
}
function ignore() {
    // Unsubscribing is best effort: the subscription is being dropped either way.
}
//# sourceMappingURL=subscription-handle.js.map