// A Hub on Redis, so several server processes share channels, ids and history. A Stream
// per channel holds the history (XADD MAXLEN, read back with XRANGE), Pub/Sub carries live
// messages between processes, and the epoch is a Redis key, so a client resumes on any
// process and a Redis that lost its data shows up as a new epoch. See redis-scripts.ts
// for the two atomic steps everything rests on.
import { randomBytes } from 'node:crypto';
import { DEFAULT_MAX_DATA_LENGTH, HubClosedError, HubInputError, formatMessageId, isValidEpoch, parseMessageId, validateChannelName, validatePublishInput, } from '../protocol/hub/contract.js';
import { asError } from '../protocol/errors.js';
import { nonNegativeInteger, positiveInteger } from '../protocol/integer-option.js';
import { HubUnavailableError } from './hub-unavailable-error.js';
import { decodeLivePayload, decodeStreamEntry, encodeBody } from './redis-message-codec.js';
import { PUBLISH_SCRIPT, SUBSCRIBE_SCRIPT, luaScript, runScript } from './redis-scripts.js';
import { withTimeout } from './with-timeout.js';
const PUBLISH = luaScript(PUBLISH_SCRIPT);
const SUBSCRIBE = luaScript(SUBSCRIBE_SCRIPT);
export class RedisHub {
    keyPrefix;
    commander;
    subscriber;
    maxHistory;
    maxHistoryAgeMs;
    maxDataLength;
    maxChannels;
    maxPendingLive;
    commandTimeoutMs;
    now;
    channels = new Map();
    stopWatching;
    closed = false;
    constructor(options) {
        if (typeof options?.commander?.sendCommand !== 'function')
            throw new HubInputError('commander must have a sendCommand function');
        const { subscriber } = options;
        if (typeof subscriber?.subscribe !== 'function' || typeof subscriber.unsubscribe !== 'function' || typeof subscriber.onConnectionLost !== 'function') {
            throw new HubInputError('subscriber must have subscribe, unsubscribe and onConnectionLost functions');
        }
        this.commander = options.commander;
        this.subscriber = subscriber;
        this.keyPrefix = options.keyPrefix ?? 'switchboard:';
        if (typeof this.keyPrefix !== 'string' || this.keyPrefix.length > 256)
            throw new HubInputError('keyPrefix must be a string of at most 256 characters');
        this.maxHistory = nonNegativeInteger(options.maxHistory ?? 1000, 'maxHistory');
        this.maxHistoryAgeMs = positiveInteger(options.maxHistoryAgeMs ?? 10 * 60_000, 'maxHistoryAgeMs');
        this.maxDataLength = positiveInteger(options.maxDataLength ?? DEFAULT_MAX_DATA_LENGTH, 'maxDataLength');
        this.maxChannels = positiveInteger(options.maxChannels ?? 10_000, 'maxChannels');
        this.maxPendingLive = positiveInteger(options.maxPendingLive ?? 10_000, 'maxPendingLive');
        this.commandTimeoutMs = positiveInteger(options.commandTimeoutMs ?? 5000, 'commandTimeoutMs');
        this.now = options.now ?? Date.now;
        this.stopWatching = subscriber.onConnectionLost((error) => this.connectionLost(error));
    }
    async publish(channel, message) {
        this.assertOpen();
        validatePublishInput(channel, message, this.maxDataLength);
        const reply = await this.run('publish', PUBLISH, channel, [
            newEpoch(),
            String(this.now()),
            String(this.maxHistory),
            String(this.maxHistoryAgeMs),
            encodeBody(message),
            this.liveChannel(channel),
        ]);
        if (!Array.isArray(reply) || typeof reply[0] !== 'string' || !isValidEpoch(reply[0]) || typeof reply[1] !== 'string' || !/^[1-9][0-9]*$/.test(reply[1])) {
            throw new HubUnavailableError('Redis publish script gave an unexpected reply');
        }
        return formatMessageId(reply[0], Number(reply[1]));
    }
    async subscribe(channel, listener, options = {}) {
        this.assertOpen();
        validateChannelName(channel);
        if (typeof listener !== 'function')
            throw new HubInputError('listener must be a function');
        const entry = this.channelEntry(channel);
        const sub = { listener, phase: 'starting', pending: [], failure: null, epoch: '', nextOffset: 0 };
        entry.subscribers.add(sub);
        const subscription = { channel, unsubscribe: () => this.detach(entry, sub) };
        try {
            // SUBSCRIBE before reading the head: whatever is published after the read is then
            // sure to arrive live, and `pending` catches what arrives before the read returns.
            await entry.ready;
            const reply = await this.run('subscribe', SUBSCRIBE, channel, [newEpoch(), String(this.now() - this.maxHistoryAgeMs), ...sinceArguments(options.since)]);
            if (sub.failure !== null)
                throw sub.failure;
            this.start(entry, sub, options.since, reply);
        }
        catch (error) {
            void this.detach(entry, sub);
            throw error;
        }
        return subscription;
    }
    /** Live local subscriptions on a channel: lets servers and tests check nothing is left behind. */
    subscriberCount(channel) {
        // Live ones only, as MemoryHub's are once subscribe() returns: a subscriber still
        // reading the head of the stream would not yet see a message published now.
        let live = 0;
        for (const sub of this.channels.get(channel)?.subscribers ?? [])
            if (sub.phase === 'live')
                live++;
        return live;
    }
    /** Channels this process is subscribed to in Redis. */
    get channelCount() {
        return this.channels.size;
    }
    /**
     * Ends every subscription with an `error` event, unsubscribes from Redis and rejects later
     * calls. The Redis clients belong to the caller and stay open.
     */
    async close() {
        if (this.closed)
            return;
        this.closed = true;
        this.stopWatching();
        const entries = [...this.channels.values()];
        this.channels.clear();
        const error = new HubClosedError('hub closed');
        for (const entry of entries)
            this.endAll(entry, error);
        await Promise.all(entries.map((entry) => this.unsubscribeFromRedis(entry)));
    }
    /** Replays and goes live, all synchronously, so no live message can slip in between. */
    start(entry, sub, since, reply) {
        const { channel } = entry;
        if (!Array.isArray(reply) || reply.length !== 4 || typeof reply[0] !== 'string' || !isValidEpoch(reply[0]) || typeof reply[1] !== 'string' || typeof reply[2] !== 'string' || !Array.isArray(reply[3])) {
            throw new HubUnavailableError('Redis subscribe script gave an unexpected reply');
        }
        const [epoch, lastText, reason, entries] = reply;
        const last = Number(lastText);
        const replay = [];
        for (const item of entries) {
            const message = decodeStreamEntry(channel, epoch, item);
            if (message === null)
                throw new HubUnavailableError(`Redis stream of channel ${JSON.stringify(channel)} holds a malformed entry`);
            replay.push(message);
        }
        sub.phase = 'live';
        sub.epoch = epoch;
        if (reason !== '' && since !== undefined) {
            this.deliver(entry, sub, { type: 'gap', channel, since, reason: reason, firstAvailableId: replay[0]?.id ?? null });
        }
        for (const message of replay) {
            if (sub.phase !== 'live')
                return;
            this.deliver(entry, sub, { type: 'message', message });
        }
        sub.nextOffset = last + 1;
        if (sub.phase !== 'live')
            return;
        this.deliver(entry, sub, { type: 'live', channel, headId: formatMessageId(epoch, last) });
        const pending = sub.pending.splice(0);
        for (const message of pending)
            this.deliverLive(entry, sub, message);
    }
    channelEntry(channel) {
        const existing = this.channels.get(channel);
        if (existing !== undefined)
            return existing;
        if (this.channels.size >= this.maxChannels)
            throw new HubInputError(`too many channels (maxChannels ${this.maxChannels})`);
        const entry = {
            channel,
            subscribers: new Set(),
            onMessage: (payload) => this.onLiveMessage(entry, payload),
            ready: Promise.resolve(),
        };
        const subscribed = this.subscriber.subscribe(this.liveChannel(channel), entry.onMessage);
        entry.ready = withTimeout(subscribed, this.commandTimeoutMs, 'SUBSCRIBE').catch((error) => {
            // A SUBSCRIBE that lands after its deadline must not leave a listener behind.
            subscribed.then(() => this.subscriber.unsubscribe(this.liveChannel(channel), entry.onMessage)).catch(() => { });
            if (this.channels.get(channel) === entry)
                this.channels.delete(channel);
            throw unavailable('SUBSCRIBE', error);
        });
        this.channels.set(channel, entry);
        return entry;
    }
    onLiveMessage(entry, payload) {
        const message = decodeLivePayload(entry.channel, payload);
        // Not written by the publish script (someone else publishing on our channel): ignore.
        if (message === null)
            return;
        for (const sub of [...entry.subscribers]) {
            if (sub.phase === 'live')
                this.deliverLive(entry, sub, message);
            else if (sub.phase === 'starting' && sub.failure === null) {
                if (sub.pending.length >= this.maxPendingLive) {
                    sub.pending.length = 0;
                    sub.failure = new HubUnavailableError(`more than maxPendingLive (${this.maxPendingLive}) live messages arrived while reading the replay`);
                }
                else
                    sub.pending.push(message);
            }
        }
    }
    /** Delivers a live message in sequence; a hole means Pub/Sub lost messages, so the subscriber must resume. */
    deliverLive(entry, sub, message) {
        if (message.epoch !== sub.epoch) {
            this.end(entry, sub, new HubUnavailableError('Redis history was reset (new epoch); subscribe again with the last id to resume'));
        }
        else if (message.offset > sub.nextOffset) {
            this.end(entry, sub, new HubUnavailableError(`missed live messages (expected offset ${sub.nextOffset}, got ${message.offset}); subscribe again with the last id to resume`));
        }
        else if (message.offset === sub.nextOffset) {
            sub.nextOffset++;
            this.deliver(entry, sub, { type: 'message', message });
        }
        // An offset below nextOffset was already replayed.
    }
    deliver(entry, sub, event) {
        try {
            sub.listener(event);
        }
        catch {
            // One broken subscriber must not stop the fan-out to the others.
            void this.detach(entry, sub);
        }
    }
    /** Ends one subscription: an `error` event when it was live, a rejected subscribe() when starting. */
    end(entry, sub, error) {
        if (sub.phase === 'starting') {
            sub.failure ??= error;
            return;
        }
        if (sub.phase === 'ended')
            return;
        void this.detach(entry, sub);
        try {
            sub.listener({ type: 'error', channel: entry.channel, error });
        }
        catch {
            // The subscription is over; a listener failing now has nothing left to lose.
        }
    }
    endAll(entry, error) {
        for (const sub of [...entry.subscribers])
            this.end(entry, sub, error);
    }
    async detach(entry, sub) {
        sub.phase = 'ended';
        entry.subscribers.delete(sub);
        if (entry.subscribers.size > 0 || this.channels.get(entry.channel) !== entry)
            return;
        this.channels.delete(entry.channel);
        await this.unsubscribeFromRedis(entry);
    }
    /** Best effort: delivery already stopped locally, so a Redis that is down changes nothing. */
    async unsubscribeFromRedis(entry) {
        const unsubscribe = entry.ready.then(() => this.subscriber.unsubscribe(this.liveChannel(entry.channel), entry.onMessage));
        await withTimeout(unsubscribe, this.commandTimeoutMs, 'UNSUBSCRIBE').catch(() => { });
    }
    /**
     * The Pub/Sub connection dropped: whatever was published meanwhile is lost to it, so every
     * subscription ends with an error and its client resumes from its last id, out of the stream.
     */
    connectionLost(cause) {
        const entries = [...this.channels.values()];
        this.channels.clear();
        const error = new HubUnavailableError(`Redis subscriber connection lost (${cause.message}); subscribe again with the last id to resume`, { cause });
        for (const entry of entries) {
            this.endAll(entry, error);
            void this.unsubscribeFromRedis(entry);
        }
    }
    async run(what, script, channel, args) {
        const keys = [`${this.keyPrefix}epoch`, `${this.keyPrefix}offset:${channel}`, `${this.keyPrefix}stream:${channel}`];
        try {
            return await withTimeout(runScript(this.commander, script, keys, args), this.commandTimeoutMs, what);
        }
        catch (error) {
            throw unavailable(what, error);
        }
    }
    liveChannel(channel) {
        return `${this.keyPrefix}live:${channel}`;
    }
    assertOpen() {
        if (this.closed)
            throw new HubClosedError('hub closed');
    }
}
function sinceArguments(since) {
    if (since === undefined)
        return ['live', '', ''];
    const position = parseMessageId(since);
    if (position === null)
        return ['bad-id', '', ''];
    return ['since', position.epoch, String(position.offset)];
}
function newEpoch() {
    return randomBytes(6).toString('hex');
}
function unavailable(what, error) {
    if (error instanceof HubUnavailableError || error instanceof HubClosedError)
        return error;
    return new HubUnavailableError(`Redis ${what} failed: ${asError(error).message}`, { cause: error });
}
//# sourceMappingURL=redis-hub.js.map