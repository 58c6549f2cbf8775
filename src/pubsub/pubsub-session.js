import { asError } from '../protocol/errors.js';
import { encodeServerMessage, parseClientMessage, } from '../protocol/pubsub/index.js';
import { ChannelSubscription } from './channel-subscription.js';
export class PubSubSession {
    transport;
    request;
    settings;
    subscriptions = new Map();
    invalidMessages = 0;
    pending = 0;
    queue = Promise.resolve();
    heartbeat;
    closed = false;
    constructor(transport, request, settings) {
        this.transport = transport;
        this.request = request;
        this.settings = settings;
    }
    get subscriptionCount() {
        return this.subscriptions.size;
    }
    get isClosed() {
        return this.closed;
    }
    /** Sends the first `ping` and starts the heartbeat, when the settings have one. */
    start() {
        const interval = this.settings.heartbeatInterval;
        if (interval === undefined || this.closed)
            return;
        const ping = () => this.send({ type: 'ping', interval });
        ping();
        this.heartbeat = setInterval(ping, interval);
        this.heartbeat.unref();
    }
    /** One client message: JSON text of `byteLength` bytes (UTF-8). */
    receive(text, byteLength) {
        if (this.closed)
            return;
        if (byteLength > this.settings.maxMessageBytes) {
            this.reject(`message larger than ${this.settings.maxMessageBytes} bytes`);
            return;
        }
        const parsed = parseClientMessage(text, this.settings.limits);
        if (!parsed.ok) {
            this.reject(parsed.reason, parsed.ref, parsed.channel);
            return;
        }
        const message = parsed.message;
        this.enqueue(() => this.handle(message));
    }
    /** Resolves once every request received so far has been handled. */
    settled() {
        return this.queue;
    }
    /**
     * Requests run one after another, so replies come in request order and a client's
     * publishes reach the hub in the order sent even when `authorize` is asynchronous;
     * the transport takes no more while too many wait.
     */
    enqueue(task) {
        if (++this.pending >= this.settings.maxPendingRequests)
            this.transport.pauseRequests();
        this.queue = this.queue
            .then(task)
            .catch((error) => this.report(error))
            .then(() => {
            if (--this.pending < this.settings.maxPendingRequests)
                this.transport.resumeRequests();
        });
    }
    /** A malformed request: an error reply (in order), and the session ended after too many. */
    reject(reason, ref, channel) {
        if (++this.invalidMessages > this.settings.maxInvalidMessages) {
            this.end('too-many-invalid');
            return;
        }
        this.enqueue(() => this.sendError('bad-request', reason, ref, channel));
    }
    async handle(message) {
        if (this.closed)
            return;
        switch (message.type) {
            case 'subscribe':
                return this.subscribe(message);
            case 'unsubscribe': {
                const subscription = this.subscriptions.get(message.channel);
                if (subscription === undefined)
                    return this.sendError('not-subscribed', 'not subscribed to this channel', undefined, message.channel);
                subscription.stop();
                this.subscriptions.delete(message.channel);
                this.send({ type: 'unsubscribed', channel: message.channel });
                return;
            }
            case 'publish':
                return this.publish(message);
        }
    }
    async subscribe({ channel, since }) {
        if (this.subscriptions.has(channel))
            return this.sendError('already-subscribed', 'already subscribed to this channel', undefined, channel);
        if (this.subscriptions.size >= this.settings.maxSubscriptions) {
            return this.sendError('too-many-subscriptions', `at most ${this.settings.maxSubscriptions} subscriptions per connection`, undefined, channel);
        }
        if (!(await this.allowed(channel, 'subscribe')))
            return this.sendError('forbidden', 'not allowed to subscribe to this channel', undefined, channel);
        if (this.closed)
            return;
        const subscription = new ChannelSubscription(channel, this.settings.hub, this.settings.registry, this, this.settings.recovery);
        this.subscriptions.set(channel, subscription);
        subscription.start(since);
    }
    async publish({ channel, data, event, ref }) {
        if (!(await this.allowed(channel, 'publish')))
            return this.sendError('forbidden', 'not allowed to publish to this channel', ref, channel);
        let id;
        try {
            id = await this.settings.hub.publish(channel, event === undefined ? { data } : { data, event });
        }
        catch (error) {
            return this.sendError('publish-failed', asError(error).message, ref, channel);
        }
        if (ref !== undefined)
            this.send({ type: 'published', ref, id });
    }
    async allowed(channel, action) {
        const authorize = this.settings.authorize;
        if (authorize === undefined)
            return true;
        try {
            return (await authorize(this.request, channel, action)) === true;
        }
        catch (error) {
            this.report(error);
            return false;
        }
    }
    // ---- SubscriptionSink ----
    send(message) {
        if (this.closed)
            return;
        if (!this.transport.sendText(encodeServerMessage(message)))
            this.end('too-slow');
    }
    sendFrame(frame) {
        if (this.closed)
            return;
        if (!this.transport.sendFrame(frame))
            this.end('too-slow');
    }
    ended(subscription) {
        if (this.subscriptions.get(subscription.channel) === subscription)
            this.subscriptions.delete(subscription.channel);
    }
    // ---- Ending ----
    sendError(code, message, ref, channel) {
        this.send({ type: 'error', ref, channel, code, message });
    }
    /**
     * Ends the session on its own. A client too slow for its messages is not sent fewer:
     * dropping one silently would break the stream's promise, so the session ends and the
     * client resumes each channel from its last id on a new one.
     */
    end(reason) {
        if (this.closed)
            return;
        this.close();
        this.transport.ended(reason);
    }
    /** Stops every subscription and the heartbeat; nothing more is sent or handled. Idempotent. */
    close() {
        if (this.closed)
            return;
        this.closed = true;
        clearInterval(this.heartbeat);
        this.heartbeat = undefined;
        for (const subscription of this.subscriptions.values())
            subscription.stop();
        this.subscriptions.clear();
    }
    report(error) {
        this.settings.onError?.(asError(error), this.request);
    }
}
//# sourceMappingURL=pubsub-session.js.map