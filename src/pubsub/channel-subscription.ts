// One connection's subscription to one channel. Without `since` it joins the shared
// fan-out at once. With `since` it first replays through a hub subscription of its own,
// then switches to the shared fan-out; messages are deduplicated by offset so that the
// switch loses nothing and repeats nothing:
//
// - the own subscription delivers the replay, the `live` marker, then live messages;
// - after its `live` marker the fan-out is joined, and the switch happens as soon as the
//   fan-out is live at a position the client already has (head <= last delivered);
// - from then on the fan-out delivers every message after its head, and those the client
//   already got from the own subscription (offset <= last) are skipped.
import { gapNotice, parseMessageId, type Hub, type HubMessage, type HubPosition, type SubscriptionEvent } from '../protocol/hub/contract.js';
import { openSubscription, type SubscriptionHandle } from '../protocol/hub/subscription-handle.js';
import type { PubSubErrorCode, ServerMessage } from '../protocol/pubsub/index.js';
import type { ChannelFanout, FanoutMember, FanoutRegistry } from './channel-fanout.js';

/** Where a subscription writes: the connection, through its session. */
export interface SubscriptionSink {
  /** A message for this client alone, encoded for it. */
  send(message: ServerMessage): void;
  /** A frame shared with other clients, written as it is. */
  sendFrame(frame: Buffer): void;
  /** The subscription ended on its own (hub failure): forget it. */
  ended(subscription: ChannelSubscription): void;
}

type State =
  /** The own subscription is replaying. */
  | 'replaying'
  /** Waiting for the fan-out to be live at a position the client already has. */
  | 'joining'
  /** Delivered by the fan-out. */
  | 'live'
  | 'ended';

export class ChannelSubscription implements FanoutMember {
  private state: State = 'replaying';
  /** The newest message this client has been sent on the channel. */
  private last: HubPosition | null = null;
  private replayActive = false;
  private replay: SubscriptionHandle | undefined;
  private fanout: ChannelFanout | undefined;
  private subscribed = false;

  constructor(
    readonly channel: string,
    private readonly hub: Hub,
    private readonly registry: FanoutRegistry,
    private readonly sink: SubscriptionSink,
  ) {}

  start(since?: string): void {
    if (since === undefined) {
      this.state = 'joining';
      this.fanout = this.registry.join(this.channel, this);
      return;
    }
    this.replayActive = true;
    this.replay = openSubscription(this.hub, this.channel, (event) => this.onReplayEvent(event), {
      since,
      onFailure: (error) => this.fail(error, 'subscribe-failed'),
    });
  }

  /** Ends delivery (unsubscribe, connection gone); idempotent. */
  stop(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.endReplay();
    this.fanout?.remove(this);
    this.fanout = undefined;
  }

  // ---- The own subscription (replay) ----

  private onReplayEvent(event: SubscriptionEvent): void {
    if (!this.replayActive) return;
    switch (event.type) {
      case 'gap':
        this.sink.send({ type: 'gap', channel: this.channel, ...gapNotice(event) });
        return;
      case 'message':
        this.deliverOwn(event.message);
        if (this.state === 'joining') this.tryJoin();
        return;
      case 'live':
        this.last ??= parseMessageId(event.headId);
        this.sendSubscribed(event.headId);
        this.state = 'joining';
        this.fanout ??= this.registry.join(this.channel, this);
        this.tryJoin();
        return;
      case 'error':
        this.fail(event.error, this.subscribed ? 'subscription-ended' : 'subscribe-failed');
        return;
    }
  }

  private deliverOwn(message: HubMessage): void {
    if (this.isDuplicate(message)) return;
    this.last = { epoch: message.epoch, offset: message.offset };
    this.sink.send({ type: 'message', channel: this.channel, id: message.id, data: message.data, event: message.event });
  }

  /** Switches to the fan-out once it holds nothing the client lacks. */
  private tryJoin(): void {
    const fanout = this.fanout;
    if (this.state !== 'joining' || fanout === undefined || fanout.head === null) return;
    const head = fanout.head;
    const last = this.last;
    // Positions of different epochs cannot be compared; switch rather than wait forever.
    if (last !== null && head.epoch === last.epoch && head.offset > last.offset) return;
    this.state = 'live';
    this.endReplay();
  }

  private endReplay(): void {
    if (!this.replayActive) return;
    this.replayActive = false;
    this.replay?.stop();
    this.replay = undefined;
  }

  // ---- The shared fan-out ----

  fanoutLive(fanout: ChannelFanout): void {
    this.fanout = fanout;
    if (this.replayActive) return this.tryJoin();
    if (this.state !== 'joining') return;
    // Live only: the client starts at the fan-out's head.
    this.last = fanout.head;
    this.state = 'live';
    this.sendSubscribed(fanout.headId);
  }

  sharedMessage(frame: Buffer, message: HubMessage): void {
    if (this.state !== 'live' || this.isDuplicate(message)) return;
    this.last = { epoch: message.epoch, offset: message.offset };
    this.sink.sendFrame(frame);
  }

  fanoutFailed(error: Error): void {
    this.fanout = undefined;
    this.fail(error, this.subscribed ? 'subscription-ended' : 'subscribe-failed');
  }

  // ---- Helpers ----

  private sendSubscribed(headId: string): void {
    this.subscribed = true;
    this.sink.send({ type: 'subscribed', channel: this.channel, headId });
  }

  private isDuplicate(message: HubMessage): boolean {
    const last = this.last;
    return last !== null && message.epoch === last.epoch && message.offset <= last.offset;
  }

  private fail(error: Error, code: PubSubErrorCode): void {
    if (this.state === 'ended') return;
    this.stop();
    this.sink.send({ type: 'error', channel: this.channel, code, message: error.message });
    this.sink.ended(this);
  }
}
