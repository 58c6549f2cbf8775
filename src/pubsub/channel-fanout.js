// One hub subscription per channel per process, shared by every local WebSocket
// subscriber of the channel: each live message is encoded once into a WebSocket frame
// and the same bytes are written to every member (no per-recipient encode or copy).
//
// It outlives hub outages (see hub-recovery.ts for why the server, not the client,
// recovers): when the hub ends the subscription with a transient error, the fan-out
// re-subscribes with `since` = the last id it delivered, and its members get the missed
// messages (each once, in order) or a `gap`, then live ones again. Only a permanent
// failure (hub closed) ends the members' subscriptions.
import { formatMessageId, parseMessageId } from '../protocol/hub/contract.js';
import { encodeServerMessage } from '../protocol/pubsub/index.js';
import { Opcode, encodeSharedFrame } from '../protocol/websocket/index.js';
import { ResilientSubscription } from './resilient-subscription.js';
export class ChannelFanout {
    channel;
    onEnd;
    /**
     * Position of the newest message the shared subscription delivered; null until it first
     * went live. Kept through an outage: it is the `since` of the re-subscribe.
     */
    head = null;
    /** Whether the hub subscription is live now (false while starting and while recovering). */
    live = false;
    members = new Set();
    subscription;
    ended = false;
    constructor(channel, hub, 
    /** Called once when the fan-out ends (no members left, or failed), to forget it. */
    onEnd, recovery) {
        this.channel = channel;
        this.onEnd = onEnd;
        // Resumes after the last id delivered; live only until the first `live`.
        const since = () => (this.head === null ? undefined : this.headId);
        const listener = {
            delivered: (event) => this.onHubEvent(event),
            interrupted: () => {
                // Members joining now wait for the recovery rather than subscribe to a dead hub.
                this.live = false;
            },
            failed: (error) => this.fail(error),
        };
        this.subscription = new ResilientSubscription(hub, channel, since, listener, recovery);
    }
    get headId() {
        const head = this.head;
        if (head === null)
            throw new Error('the shared subscription is not live yet');
        return formatMessageId(head.epoch, head.offset);
    }
    get size() {
        return this.members.size;
    }
    /** Whether the hub subscription is down and a re-subscribe is waiting on its backoff. */
    get recovering() {
        return this.subscription.retrying;
    }
    /** Subscribes to the hub; events may arrive before the hub answers (MemoryHub delivers at once). */
    start() {
        this.subscription.start();
    }
    add(member) {
        this.members.add(member);
    }
    /** Removes a member; the last one out ends the hub subscription and any retry timer. */
    remove(member) {
        if (!this.members.delete(member) || this.members.size > 0)
            return;
        this.end();
        this.subscription.stop();
    }
    onHubEvent(event) {
        if (this.ended)
            return;
        switch (event.type) {
            case 'live': {
                const head = parseMessageId(event.headId);
                if (head === null)
                    return this.fail(new Error(`the hub reported an unparsable head id: ${event.headId}`));
                this.head = head;
                this.live = true;
                for (const member of this.members)
                    member.fanoutLive(this);
                return;
            }
            case 'message': {
                // Live messages, and after an outage the replay of those missed, in one sequence.
                const { message } = event;
                this.head = { epoch: message.epoch, offset: message.offset };
                const json = encodeServerMessage({ type: 'message', channel: message.channel, id: message.id, data: message.data, event: message.event });
                const frame = encodeSharedFrame(Buffer.from(json), Opcode.Text);
                for (const member of this.members)
                    member.sharedMessage(frame, message);
                return;
            }
            case 'gap':
                // Only a re-subscribe has a `since`: the history after the fan-out's last id is
                // (partly) gone, e.g. Redis restarted without persistence (epoch-changed).
                for (const member of this.members)
                    member.fanoutGap(event);
                return;
        }
    }
    fail(error) {
        if (this.ended)
            return;
        this.end();
        this.subscription.stop();
        const members = [...this.members];
        this.members.clear();
        for (const member of members)
            member.fanoutFailed(error);
    }
    end() {
        this.ended = true;
        this.onEnd(this);
    }
}
/** The fan-outs of one pub/sub server, by channel. */
export class FanoutRegistry {
    hub;
    recovery;
    fanouts = new Map();
    constructor(hub, recovery) {
        this.hub = hub;
        this.recovery = recovery;
    }
    get size() {
        return this.fanouts.size;
    }
    /**
     * Adds `member` to the channel's fan-out, starting one if there is none. The member's
     * `fanoutLive` runs now if the fan-out is live already (or goes live while starting, as
     * with MemoryHub), otherwise when it does: a member that joins while the hub is down
     * waits for the recovery. It runs again after each later recovery.
     */
    join(channel, member) {
        let fanout = this.fanouts.get(channel);
        if (fanout === undefined) {
            fanout = new ChannelFanout(channel, this.hub, (ended) => {
                if (this.fanouts.get(channel) === ended)
                    this.fanouts.delete(channel);
            }, this.recovery);
            this.fanouts.set(channel, fanout);
            fanout.add(member);
            fanout.start();
        }
        else {
            fanout.add(member);
            if (fanout.live)
                member.fanoutLive(fanout);
        }
        return fanout;
    }
}
//# sourceMappingURL=channel-fanout.js.map