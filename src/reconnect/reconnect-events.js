/** One connection closed. `willReconnect` says whether another attempt follows. */
export class ReconnectingCloseEvent extends Event {
    code;
    reason;
    wasClean;
    willReconnect;
    constructor(code, reason, wasClean, willReconnect) {
        super('close');
        this.code = code;
        this.reason = reason;
        this.wasClean = wasClean;
        this.willReconnect = willReconnect;
    }
}
export class ReconnectingErrorEvent extends Event {
    error;
    message;
    constructor(error) {
        super('error');
        this.error = error;
        this.message = error.message;
    }
}
/** A reconnection attempt is scheduled: its number since the last open connection, the delay, and why. */
export class ReconnectEvent extends Event {
    attempt;
    delayMs;
    code;
    reason;
    constructor(
    /** 1 for the first attempt after a drop, 2 for the next… */
    attempt, delayMs, 
    /** The close code of the connection that ended (1006 for a failed attempt). */
    code, 
    /** The close reason, or the error that failed the attempt. */
    reason) {
        super('reconnect');
        this.attempt = attempt;
        this.delayMs = delayMs;
        this.code = code;
        this.reason = reason;
    }
}
/**
 * A channel was subscribed again after a reconnection, from its last id. `lossy` is
 * true when the server reported a gap: messages in between are gone (history expired,
 * or the hub lost it: another epoch). Delivery carries on either way.
 */
export class ResumeEvent extends Event {
    channel;
    since;
    lossy;
    gap;
    constructor(channel, since, lossy, gap) {
        super('resume');
        this.channel = channel;
        this.since = since;
        this.lossy = lossy;
        this.gap = gap;
    }
}
/** Outgoing data that will never be sent. */
export class DropEvent extends Event {
    data;
    reason;
    constructor(data, reason) {
        super('drop');
        this.data = data;
        this.reason = reason;
    }
}
/** An `error` reply from a switchboard.v1 server. */
export class ServerErrorEvent extends Event {
    code;
    message;
    channel;
    ref;
    constructor(code, message, channel, ref) {
        super('servererror');
        this.code = code;
        this.message = message;
        this.channel = channel;
        this.ref = ref;
    }
}
/** A publish that failed: refused by the server, dropped, or unacknowledged when the connection closed. */
export class PublishError extends Error {
    code;
    name = 'PublishError';
    constructor(code, message) {
        super(message);
        this.code = code;
    }
}
//# sourceMappingURL=reconnect-events.js.map