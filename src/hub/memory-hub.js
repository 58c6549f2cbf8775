// In-memory hub: bounded history per channel (by count and by age), synchronous fan-out.
// Its history dies with the process, so every instance starts a new epoch.
import { randomBytes } from 'node:crypto';
import { DEFAULT_MAX_DATA_LENGTH, HubClosedError, HubInputError, formatMessageId, isValidEpoch, parseMessageId, validateChannelName, validatePublishInput, } from '../protocol/hub/contract.js';
import { nonNegativeInteger, positiveInteger } from '../protocol/integer-option.js';
export class MemoryHub {
    epoch;
    maxHistory;
    maxHistoryAgeMs;
    maxDataLength;
    maxChannels;
    now;
    channels = new Map();
    closed = false;
    constructor(options = {}) {
        this.maxHistory = nonNegativeInteger(options.maxHistory ?? 1000, 'maxHistory');
        this.maxHistoryAgeMs = positiveInteger(options.maxHistoryAgeMs ?? 10 * 60_000, 'maxHistoryAgeMs');
        this.maxDataLength = positiveInteger(options.maxDataLength ?? DEFAULT_MAX_DATA_LENGTH, 'maxDataLength');
        this.maxChannels = positiveInteger(options.maxChannels ?? 10_000, 'maxChannels');
        this.epoch = options.epoch ?? randomBytes(6).toString('hex');
        if (!isValidEpoch(this.epoch))
            throw new HubInputError('epoch must be 1 to 64 characters of [0-9A-Za-z_]');
        this.now = options.now ?? Date.now;
    }
    async publish(channel, message) {
        this.assertOpen();
        validatePublishInput(channel, message, this.maxDataLength);
        const state = this.channel(channel);
        const now = this.now();
        const offset = state.lastOffset + 1;
        const stored = {
            channel,
            id: formatMessageId(this.epoch, offset),
            epoch: this.epoch,
            offset,
            ...(message.event === undefined ? {} : { event: message.event }),
            data: message.data,
            publishedAt: now,
        };
        state.lastOffset = offset;
        if (this.maxHistory > 0)
            state.history.push(stored);
        this.trim(state, now);
        const event = { type: 'message', message: stored };
        for (const listener of state.listeners)
            this.deliver(state, listener, event);
        return stored.id;
    }
    async subscribe(channel, listener, options = {}) {
        this.assertOpen();
        validateChannelName(channel);
        if (typeof listener !== 'function')
            throw new HubInputError('listener must be a function');
        const state = this.channel(channel);
        this.trim(state, this.now());
        state.listeners.add(listener);
        // Replay and registration happen in one synchronous step, so no message published
        // meanwhile can fall between them or arrive twice.
        if (options.since !== undefined) {
            const from = this.replayStart(state, channel, options.since, listener);
            for (let i = from; i < state.history.length && state.listeners.has(listener); i++) {
                this.deliver(state, listener, { type: 'message', message: state.history[i] });
            }
        }
        this.deliver(state, listener, { type: 'live', channel, headId: formatMessageId(this.epoch, state.lastOffset) });
        return {
            channel,
            unsubscribe: async () => {
                state.listeners.delete(listener);
                this.forgetIfUnused(channel, state);
            },
        };
    }
    /** Live subscriptions on a channel: lets servers and tests check nothing is left behind. */
    subscriberCount(channel) {
        return this.channels.get(channel)?.listeners.size ?? 0;
    }
    async close() {
        if (this.closed)
            return;
        this.closed = true;
        const error = new HubClosedError('hub closed');
        for (const [channel, state] of this.channels) {
            const listeners = [...state.listeners];
            state.listeners.clear();
            for (const listener of listeners) {
                try {
                    listener({ type: 'error', channel, error });
                }
                catch {
                    // The hub is going away; a listener failing here has nothing left to lose.
                }
            }
        }
        this.channels.clear();
    }
    /** Index in `history` to replay from, after telling the listener about any gap. */
    replayStart(state, channel, since, listener) {
        const first = state.head < state.history.length ? state.history[state.head].offset : state.lastOffset + 1;
        const position = parseMessageId(since);
        let reason = null;
        if (position === null)
            reason = 'unknown-id';
        else if (position.epoch !== this.epoch)
            reason = 'epoch-changed';
        else if (position.offset > state.lastOffset)
            reason = 'unknown-id';
        else if (position.offset < first - 1)
            reason = 'expired';
        else
            return state.head + (position.offset - first + 1);
        const firstAvailableId = state.head < state.history.length ? state.history[state.head].id : null;
        this.deliver(state, listener, { type: 'gap', channel, since, reason, firstAvailableId });
        return state.head;
    }
    channel(name) {
        let state = this.channels.get(name);
        if (state === undefined) {
            if (this.channels.size >= this.maxChannels)
                throw new HubInputError(`too many channels (maxChannels ${this.maxChannels})`);
            state = { lastOffset: 0, history: [], head: 0, listeners: new Set() };
            this.channels.set(name, state);
        }
        return state;
    }
    /**
     * Subscribing to a name nobody publishes on must not use up `maxChannels` for good. A
     * channel that never issued an id can be dropped safely; one that did keeps its counter,
     * or a later message would reuse an id.
     */
    forgetIfUnused(channel, state) {
        if (state.listeners.size === 0 && state.lastOffset === 0 && this.channels.get(channel) === state)
            this.channels.delete(channel);
    }
    trim(state, now) {
        const { history } = state;
        while (history.length - state.head > this.maxHistory)
            state.head++;
        const oldest = now - this.maxHistoryAgeMs;
        while (state.head < history.length && history[state.head].publishedAt < oldest)
            state.head++;
        if (state.head > 64 && state.head * 2 > history.length) {
            history.splice(0, state.head);
            state.head = 0;
        }
    }
    deliver(state, listener, event) {
        try {
            listener(event);
        }
        catch {
            // One broken subscriber must not stop the fan-out to the others.
            state.listeners.delete(listener);
        }
    }
    /** Channels currently held (for monitoring and tests). */
    get channelCount() {
        return this.channels.size;
    }
    assertOpen() {
        if (this.closed)
            throw new HubClosedError('hub closed');
    }
}
//# sourceMappingURL=memory-hub.js.map