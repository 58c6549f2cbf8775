// One hub subscription per channel per process, shared by every local WebSocket
// subscriber of the channel: each live message is encoded once into a WebSocket frame
// and the same bytes are written to every member (no per-recipient encode or copy).
import { formatMessageId, parseMessageId, type Hub, type HubMessage, type HubPosition, type SubscriptionEvent } from '../protocol/hub/contract.js';
import { openSubscription, type SubscriptionHandle } from '../protocol/hub/subscription-handle.js';
import { encodeServerMessage } from '../protocol/pubsub/index.js';
import { Opcode, encodeSharedFrame } from '../protocol/websocket/index.js';

/** A local subscriber of a shared channel subscription. */
export interface FanoutMember {
  /** A live message; `frame` is the whole encoded WebSocket frame, shared by all members. */
  sharedMessage(frame: Buffer, message: HubMessage): void;
  /** The shared subscription went live (replay-free), at `head`. */
  fanoutLive(fanout: ChannelFanout): void;
  /** The shared subscription failed or ended; the member is already removed. */
  fanoutFailed(error: Error): void;
}

export class ChannelFanout {
  /** Position of the newest message seen by the shared subscription; null until it is live. */
  head: HubPosition | null = null;
  private readonly members = new Set<FanoutMember>();
  private subscription: SubscriptionHandle | undefined;
  private ended = false;

  constructor(
    readonly channel: string,
    private readonly hub: Hub,
    /** Called once when the fan-out ends (no members left, or failed), to forget it. */
    private readonly onEnd: (fanout: ChannelFanout) => void,
  ) {}

  get live(): boolean {
    return this.head !== null;
  }

  get headId(): string {
    const head = this.head;
    if (head === null) throw new Error('the shared subscription is not live yet');
    return formatMessageId(head.epoch, head.offset);
  }

  get size(): number {
    return this.members.size;
  }

  /** Subscribes to the hub. */
  start(): void {
    this.subscription = openSubscription(this.hub, this.channel, (event) => this.onHubEvent(event), { onFailure: (error) => this.fail(error) });
  }

  add(member: FanoutMember): void {
    this.members.add(member);
  }

  /** Removes a member; the last one out ends the hub subscription. */
  remove(member: FanoutMember): void {
    if (!this.members.delete(member) || this.members.size > 0) return;
    this.end();
  }

  private onHubEvent(event: SubscriptionEvent): void {
    if (this.ended) return;
    switch (event.type) {
      case 'live': {
        const head = parseMessageId(event.headId);
        if (head === null) return this.fail(new Error(`the hub reported an unparsable head id: ${event.headId}`));
        this.head = head;
        for (const member of this.members) member.fanoutLive(this);
        return;
      }
      case 'message': {
        const { message } = event;
        this.head = { epoch: message.epoch, offset: message.offset };
        const json = encodeServerMessage({ type: 'message', channel: message.channel, id: message.id, data: message.data, event: message.event });
        const frame = encodeSharedFrame(Buffer.from(json), Opcode.Text);
        for (const member of this.members) member.sharedMessage(frame, message);
        return;
      }
      case 'error':
        return this.fail(event.error);
      case 'gap':
        // A live-only subscription has no `since`, so no gap: nothing to do.
        return;
    }
  }

  private fail(error: Error): void {
    if (this.ended) return;
    this.end();
    const members = [...this.members];
    this.members.clear();
    for (const member of members) member.fanoutFailed(error);
  }

  private end(): void {
    this.ended = true;
    this.subscription?.stop();
    this.onEnd(this);
  }
}

/** The fan-outs of one pub/sub server, by channel. */
export class FanoutRegistry {
  private readonly fanouts = new Map<string, ChannelFanout>();

  constructor(private readonly hub: Hub) {}

  get size(): number {
    return this.fanouts.size;
  }

  /**
   * Adds `member` to the channel's fan-out, starting one if there is none. The member's
   * `fanoutLive` runs exactly once: now if the fan-out is live already (or goes live while
   * starting, as with MemoryHub), otherwise when it does.
   */
  join(channel: string, member: FanoutMember): ChannelFanout {
    let fanout = this.fanouts.get(channel);
    if (fanout === undefined) {
      fanout = new ChannelFanout(channel, this.hub, (ended) => {
        if (this.fanouts.get(channel) === ended) this.fanouts.delete(channel);
      });
      this.fanouts.set(channel, fanout);
      fanout.add(member);
      fanout.start();
    } else {
      fanout.add(member);
      if (fanout.live) member.fanoutLive(fanout);
    }
    return fanout;
  }
}
