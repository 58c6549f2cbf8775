const NOTHING = Object.freeze([]);
export class ClientChannels {
    channels = new Map();
    everConnected = false;
    /** Channels with at least one handler. */
    get size() {
        return this.channels.size;
    }
    /** The channel's handlers now; a copy, since a handler may unsubscribe while they are called. */
    handlersOf(channel) {
        const state = this.channels.get(channel);
        return state === undefined ? [] : [...state.handlers];
    }
    /**
     * Adds a handler. For a channel new to this client it returns the `subscribe` to send
     * (when connected; otherwise `connected()` sends it). `since` resumes after an id kept
     * from earlier; it is ignored for a channel already subscribed.
     */
    add(channel, handler, since) {
        const existing = this.channels.get(channel);
        if (existing !== undefined) {
            existing.handlers.add(handler);
            return { position: existing, subscribe: undefined };
        }
        const state = { channel, handlers: new Set([handler]), lastId: since, resumeFrom: undefined, gap: undefined };
        this.channels.set(channel, state);
        return { position: state, subscribe: { type: 'subscribe', channel, since } };
    }
    /**
     * Removes a handler added with `position`. When it was the channel's last one, returns
     * the `unsubscribe` to send. A position whose channel was left (and maybe subscribed
     * anew since) is spent: removing through it does nothing.
     */
    remove(position, handler) {
        const state = this.channels.get(position.channel);
        if (state !== position || !state.handlers.delete(handler) || state.handlers.size > 0)
            return undefined;
        this.channels.delete(state.channel);
        return { type: 'unsubscribe', channel: state.channel };
    }
    /**
     * A connection opened: the `subscribe` of every channel, each from its last id. After
     * the first connection these are resumptions, each answered with a 'resume' effect
     * once live (when the channel had a position to resume from).
     */
    connected() {
        const resuming = this.everConnected;
        this.everConnected = true;
        const messages = [];
        for (const state of this.channels.values()) {
            state.gap = undefined;
            state.resumeFrom = resuming ? state.lastId : undefined;
            messages.push({ type: 'subscribe', channel: state.channel, since: state.lastId });
        }
        return messages;
    }
    /** Routes one server message: updates the channel's position and says what to do. */
    receive(message) {
        switch (message.type) {
            case 'message': {
                const state = this.channels.get(message.channel);
                if (state === undefined)
                    return NOTHING;
                state.lastId = message.id;
                return [deliver(message.channel, message)];
            }
            case 'gap': {
                const state = this.channels.get(message.channel);
                if (state === undefined)
                    return NOTHING;
                state.gap = message;
                return [deliver(message.channel, message)];
            }
            case 'subscribed':
                return this.live(message);
            case 'published':
                return [{ type: 'published', ref: message.ref, id: message.id }];
            case 'unsubscribed':
            // The heartbeat is the transport's business: it only shows the connection is alive.
            case 'ping':
                return NOTHING;
            case 'error': {
                const reported = { type: 'server-error', error: message };
                if (message.ref !== undefined)
                    return [reported, { type: 'publish-refused', ref: message.ref, code: message.code, message: message.message }];
                return message.channel === undefined ? [reported] : [reported, deliver(message.channel, message)];
            }
        }
    }
    live(message) {
        const state = this.channels.get(message.channel);
        if (state === undefined)
            return NOTHING;
        // Everything up to the head has been delivered (replayed, or there was nothing).
        state.lastId = message.headId;
        const since = state.resumeFrom;
        const gap = state.gap;
        state.resumeFrom = undefined;
        state.gap = undefined;
        const delivered = deliver(message.channel, message);
        if (since === undefined)
            return [delivered];
        return [delivered, { type: 'resume', channel: message.channel, since, lossy: gap !== undefined, gap }];
    }
}
function deliver(channel, event) {
    return { type: 'deliver', channel, event };
}
//# sourceMappingURL=client-channels.js.map