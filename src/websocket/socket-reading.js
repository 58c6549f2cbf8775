import { CloseCode } from '../protocol/websocket/index.js';
import { DEFERRED, READING, afterEndpoint, endpointOf, failLocally, flagsOf, receive, settingsOf, socketOf, turnUsage, unsentPongs, } from './adapter-operations.js';
import { heartbeatClock, lastSeen } from './heartbeat.js';
import { MessageRate } from './message-rate.js';
import { OPEN } from './ready-state.js';
import { ReadTurns } from './read-turns.js';
const turns = new ReadTurns(resumeDeferred);
const messageRates = new MessageRate();
/**
 * Reads a chunk from the socket, or as many of its frames as this turn of the
 * event loop allows the peer (`framesPerTurn`); the rest waits for the next turn.
 */
export function readChunk(peer, chunk) {
    peer[lastSeen] = heartbeatClock();
    const framesPerTurn = peer[settingsOf].framesPerTurn;
    const used = turns.framesUsed(peer[turnUsage]);
    const budget = framesPerTurn - used;
    // Bytes already waiting go first: a read that arrives meanwhile waits behind them.
    if (budget <= 0 || (peer[flagsOf] & DEFERRED) !== 0)
        return defer(peer, chunk);
    peer[flagsOf] |= READING;
    const core = peer[endpointOf]();
    let read = chunk.length;
    let frames = 0;
    try {
        read = core.receive(chunk, budget);
        frames = core.framesRead;
    }
    finally {
        peer[flagsOf] &= ~READING;
        // The endpoint may be let go here (at rest): nothing of it is used after this.
        peer[afterEndpoint](true);
    }
    peer[turnUsage] = turns.stamp(used + frames, framesPerTurn);
    if (read < chunk.length)
        defer(peer, chunk.subarray(read));
}
/** Leaves the rest of a read for a later turn: reading pauses (TCP pushes back) until every other peer had its turn. */
function defer(peer, rest) {
    const socket = peer[socketOf];
    if (!socket || socket.destroyed)
        return;
    socket.pause();
    peer[flagsOf] |= DEFERRED;
    turns.defer(peer, rest);
}
function resumeDeferred(peer, rest) {
    if (peer.readyState === 3)
        return; // CLOSED
    // The application paused reading meanwhile: the rest waits for its resume().
    if (peer.readingPaused)
        return turns.hold(peer, rest);
    peer[flagsOf] &= ~DEFERRED;
    peer[receive](rest);
    if ((peer[flagsOf] & DEFERRED) === 0)
        peer[socketOf]?.resume();
}
/** The application resumed reading: a read deferred meanwhile goes first, then the socket. */
export function resumeAfterPause(peer) {
    // With bytes waiting for a later turn, the socket resumes once they are read.
    if (turns.release(peer))
        peer[flagsOf] |= DEFERRED;
    else if ((peer[flagsOf] & DEFERRED) === 0)
        peer[socketOf]?.resume();
}
/** The connection is gone: nothing of it is kept for later turns. */
export function forgetReader(peer) {
    turns.forget(peer);
    messageRates.forget(peer);
}
/** The endpoint's events (`this` is the connection), as the Node-style events of the connection. */
export function deliverEvent(event) {
    try {
        switch (event.type) {
            case 'message':
                if (this.readyState !== OPEN)
                    return;
                if (this[settingsOf].maxMessagesPerSecond !== Infinity && !withinRate(this))
                    return;
                this.emit('message', event.data, event.binary);
                return;
            case 'ping':
                countPong(this);
                this.emit('ping', event.data);
                return;
            case 'pong':
                this.emit('pong', event.data);
                return;
            case 'close':
                return;
            case 'error':
                if (this.listenerCount('error') > 0)
                    this.emit('error', event.error);
                return;
        }
    }
    catch (error) {
        // An exception from an application listener must not leave the parser
        // half-way through a chunk: rethrow it on its own, as an uncaught error.
        process.nextTick(rethrow, error);
    }
}
/** Counts a message against `maxMessagesPerSecond`; past it, fails the connection with 1008. */
function withinRate(peer) {
    if (messageRates.allow(peer, peer[settingsOf].maxMessagesPerSecond, heartbeatClock()))
        return true;
    peer[failLocally](CloseCode.PolicyViolation, 'Message rate limit exceeded');
    return false;
}
/** A peer that floods pings and never reads its pongs would make us buffer pongs without end. */
function countPong(peer) {
    const socket = peer[socketOf];
    if (!socket || socket.writableLength === 0)
        return;
    if (++peer[unsentPongs] > peer[settingsOf].maxUnsentPongs) {
        peer[failLocally](CloseCode.PolicyViolation, 'Too many pongs owed to a peer that does not read');
    }
}
function rethrow(error) {
    throw error;
}
//# sourceMappingURL=socket-reading.js.map