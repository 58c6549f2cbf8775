// The heartbeat's view of a connection, under symbols: internal state, kept out of
// the connection's public properties.
export const lastSeen = Symbol('switchboard.heartbeat.lastSeen');
export const pingSentAt = Symbol('switchboard.heartbeat.pingSentAt');
export const writeBacklog = Symbol('switchboard.heartbeat.writeBacklog');
export const bytesTaken = Symbol('switchboard.heartbeat.bytesTaken');
export const sendPing = Symbol('switchboard.heartbeat.sendPing');
export const messageInProgress = Symbol('switchboard.heartbeat.messageInProgress');
export const messageTimedOut = Symbol('switchboard.heartbeat.messageTimedOut');
export const giveUp = Symbol('switchboard.heartbeat.giveUp');
/** The watch a server or client runs, or none when both pings and the write-stall check are off. */
export function createWatch(heartbeat, limits) {
    const writeStallTimeout = limits.writeStallTimeout ?? DEFAULT_WRITE_STALL_TIMEOUT;
    const messageTimeout = limits.messageTimeout ?? DEFAULT_MESSAGE_TIMEOUT;
    if (heartbeat === false && writeStallTimeout === Infinity && messageTimeout === Infinity)
        return undefined;
    const pings = heartbeat === false ? { interval: Infinity, timeout: Infinity } : heartbeat;
    return new Heartbeat({ ...pings, writeStallTimeout, messageTimeout });
}
/**
 * The heartbeat's clock: whole milliseconds of a monotonic clock (a wall-clock
 * jump must not look like silence), never 0. Whole numbers below 2^31 are small
 * integers to V8, kept in the connection itself; a fractional or `Date.now()`
 * value would be a separate 16-byte number object per connection.
 */
export function heartbeatClock() {
    return Math.floor(performance.now()) + 1;
}
export const DEFAULT_HEARTBEAT_INTERVAL = 30_000;
export const DEFAULT_HEARTBEAT_TIMEOUT = 10_000;
export const DEFAULT_WRITE_STALL_TIMEOUT = 30_000;
export const DEFAULT_MESSAGE_TIMEOUT = 60_000;
function sameMessage(a, b) {
    return a.reader === b.reader && a.number === b.number;
}
/**
 * Finds half-open connections (RFC 6455 §5.5.2 pings, used as keep-alives): a
 * peer that has been silent for `interval` gets a ping, and one that stays
 * silent for `timeout` more is terminated. Any incoming frame counts as a sign
 * of life, so busy connections are never pinged. Pausing reading does not
 * hide a dead peer: its pongs go unseen, so a connection paused for longer than
 * `interval + timeout` since it last read is terminated, as `ws`'s heartbeat does.
 *
 * It also watches the other direction: a peer whose socket has had bytes
 * waiting, and whose kernel has taken none of them, for `writeStallTimeout`
 * has stopped reading (a client that sends and never reads its replies), and
 * is terminated; a slow reader makes progress and is kept.
 * And it bounds how long one incoming message may take once begun
 * (`messageTimeout`): a frame whose body trickles in is not a sign of life forever.
 *
 * One timer serves every connection of a server: it ticks four times per
 * `min(interval, timeout)` and visits the peers, which costs a few nanoseconds
 * each, instead of two timers per connection. A dead peer is therefore found
 * within `interval + timeout` plus at most two ticks.
 */
export class Heartbeat {
    interval;
    timeout;
    writeStallTimeout;
    messageTimeout;
    peers = new Set();
    // Only the peers with bytes waiting, or a message half read: an idle connection costs nothing here.
    stalls = new Map();
    slowMessages = new Map();
    timer;
    constructor(options = {}) {
        this.interval = options.interval ?? DEFAULT_HEARTBEAT_INTERVAL;
        this.timeout = options.timeout ?? DEFAULT_HEARTBEAT_TIMEOUT;
        this.writeStallTimeout = options.writeStallTimeout ?? DEFAULT_WRITE_STALL_TIMEOUT;
        this.messageTimeout = options.messageTimeout ?? DEFAULT_MESSAGE_TIMEOUT;
        if (![this.interval, this.timeout, this.writeStallTimeout, this.messageTimeout].every((time) => time > 0)) {
            throw new RangeError('Heartbeat interval, timeout, write-stall and message timeouts must be positive');
        }
    }
    get size() {
        return this.peers.size;
    }
    add(peer) {
        this.peers.add(peer);
        if (this.timer === undefined) {
            const shortest = Math.min(this.interval, this.timeout, this.writeStallTimeout, this.messageTimeout);
            const tick = Math.min(2 ** 31 - 1, Math.max(1, Math.floor(shortest / 4)));
            this.timer = setInterval(() => this.check(heartbeatClock()), tick);
            // The heartbeat alone should not keep a process alive.
            this.timer.unref();
        }
    }
    delete(peer) {
        this.peers.delete(peer);
        this.stalls.delete(peer);
        this.slowMessages.delete(peer);
        if (this.peers.size === 0)
            this.stop();
    }
    stop() {
        clearInterval(this.timer);
        this.timer = undefined;
    }
    /** One visit of every peer; public so tests can drive time themselves. */
    check(now) {
        for (const peer of this.peers) {
            if (peer[pingSentAt] !== 0) {
                if (peer[lastSeen] >= peer[pingSentAt])
                    peer[pingSentAt] = 0;
                else if (now - peer[pingSentAt] >= this.timeout) {
                    peer[giveUp]();
                    continue;
                }
            }
            else if (now - peer[lastSeen] >= this.interval) {
                peer[pingSentAt] = now;
                peer[sendPing]();
            }
            this.watchWrites(peer, now);
            this.watchMessage(peer, now);
        }
    }
    watchMessage(peer, now) {
        const message = peer[messageInProgress];
        const slow = this.slowMessages.get(peer);
        if (message === undefined) {
            if (slow)
                this.slowMessages.delete(peer);
        }
        else if (!slow || !sameMessage(slow.message, message)) {
            this.slowMessages.set(peer, { since: now, message });
        }
        else if (now - slow.since >= this.messageTimeout) {
            this.slowMessages.delete(peer);
            peer[messageTimedOut]();
        }
    }
    watchWrites(peer, now) {
        const stall = this.stalls.get(peer);
        if (peer[writeBacklog] === 0) {
            if (stall)
                this.stalls.delete(peer);
            return;
        }
        // Progress is bytes the kernel took, not a shrinking backlog: a peer that reads,
        // if slower than the application writes, keeps a backlog of about the same size.
        const written = peer[bytesTaken];
        if (!stall || written > stall.written)
            this.stalls.set(peer, { since: now, written });
        else if (now - stall.since >= this.writeStallTimeout)
            peer[giveUp]();
    }
}
//# sourceMappingURL=heartbeat.js.map