// A hub subscription that comes back by itself after a transient hub failure: when it
// ends with an error (or a subscribe attempt is refused) it waits on the backoff and
// subscribes again with `since` = whatever its owner says it last delivered, so the hub
// replays what was missed, or reports a `gap`. Only a permanent failure (hub closed,
// refused input) is passed on, and nothing follows it.
import { jitteredDelay } from '../protocol/reconnect/backoff.js';
import { openSubscription } from '../protocol/hub/subscription-handle.js';
import { isTransient } from './hub-recovery.js';
export class ResilientSubscription {
    hub;
    channel;
    since;
    listener;
    settings;
    /** Bumped per attempt and on stop, so events of a superseded attempt are ignored. */
    attemptId = 0;
    /** Consecutive failed attempts since the last one that went live. */
    failures = 0;
    current;
    timer = undefined;
    stopped = false;
    constructor(hub, channel, 
    /** The id to resume after, read at each attempt; undefined subscribes live only. */
    since, listener, settings) {
        this.hub = hub;
        this.channel = channel;
        this.since = since;
        this.listener = listener;
        this.settings = settings;
    }
    /** Whether a retry is waiting on its timer. */
    get retrying() {
        return this.timer !== undefined;
    }
    start() {
        if (this.stopped)
            return;
        const id = ++this.attemptId;
        this.current = openSubscription(this.hub, this.channel, (event) => this.onEvent(id, event), {
            since: this.since(),
            onFailure: (error) => this.onFailure(id, error),
        });
    }
    /** Ends delivery and any pending retry; idempotent. */
    stop() {
        if (this.stopped)
            return;
        this.stopped = true;
        this.attemptId++;
        this.cancelTimer();
        this.current?.stop();
        this.current = undefined;
    }
    onEvent(id, event) {
        if (id !== this.attemptId)
            return;
        if (event.type === 'error')
            return this.onFailure(id, event.error);
        if (event.type === 'live')
            this.failures = 0;
        this.listener.delivered(event);
    }
    onFailure(id, error) {
        if (id !== this.attemptId)
            return;
        // This attempt is over: whatever it still sends is ignored.
        this.attemptId++;
        this.current?.stop();
        this.current = undefined;
        if (!isTransient(error)) {
            this.stopped = true;
            this.listener.failed(error);
            return;
        }
        const delay = jitteredDelay(this.failures++, this.settings.backoff, this.settings.random);
        this.timer = this.settings.timers.setTimeout(() => {
            this.timer = undefined;
            this.start();
        }, delay);
        this.listener.interrupted?.(error);
    }
    cancelTimer() {
        if (this.timer === undefined)
            return;
        this.settings.timers.clearTimeout(this.timer);
        this.timer = undefined;
    }
}
//# sourceMappingURL=resilient-subscription.js.map