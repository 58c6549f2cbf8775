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
//
// Through a hub outage both parts carry on (see hub-recovery.ts): the own subscription
// and the fan-out each re-subscribe from their last id. A subscribe the hub cannot serve
// yet is held, unanswered, until it can or until `subscribeTimeoutMs` (`subscribe-failed`).
import { countGap, countResume } from '../metrics/library-metrics.js';
import { formatMessageId, gapNotice, parseMessageId, type Hub, type HubMessage, type HubPosition } from '../protocol/hub/contract.js';
import type { PubSubErrorCode, ServerMessage } from '../protocol/pubsub/index.js';
import type { ChannelFanout, FanoutGap, FanoutMember, FanoutRegistry } from './channel-fanout.js';
import type { RecoverySettings } from './hub-recovery.js';
import { ResilientSubscription, type DeliveryEvent } from './resilient-subscription.js';

/** Where a subscription writes: the connection, through its session. */
export interface SubscriptionSink {
  /** A message for this client alone, encoded for it. */
  send(message: ServerMessage): void;
  /** A frame shared with other clients, written as it is. */
  sendFrame(frame: Buffer): void;
  /** The subscription ended on its own (hub closed, subscribe timed out): forget it. */
  ended(subscription: ChannelSubscription): void;
  /** The subscription went live (its `subscribed` was just sent); once per subscription. */
  live?(subscription: ChannelSubscription): void;
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
  private replay: ResilientSubscription | undefined;
  private fanout: ChannelFanout | undefined;
  private subscribed = false;
  /** Answers `subscribe-failed` if the hub cannot serve the subscribe in time. */
  private deadline: unknown = undefined;

  constructor(
    readonly channel: string,
    private readonly hub: Hub,
    private readonly registry: FanoutRegistry,
    private readonly sink: SubscriptionSink,
    private readonly recovery: RecoverySettings,
  ) {}

  private get replayActive(): boolean {
    return this.replay !== undefined;
  }

  start(since?: string): void {
    const timeoutMs = this.recovery.subscribeTimeoutMs;
    if (timeoutMs !== Infinity) {
      this.deadline = this.recovery.timers.setTimeout(() => {
        this.deadline = undefined;
        this.fail(new Error(`the hub could not serve the subscription within ${timeoutMs} ms`), 'subscribe-failed');
      }, timeoutMs);
    }
    if (since === undefined) {
      this.state = 'joining';
      this.fanout = this.registry.join(this.channel, this);
      return;
    }
    countResume('pubsub');
    // A retry resumes after what this client already got (or after a gap's hole).
    const resumeAfter = (): string => (this.last === null ? since : formatMessageId(this.last.epoch, this.last.offset));
    this.replay = new ResilientSubscription(
      this.hub,
      this.channel,
      resumeAfter,
      {
        delivered: (event) => this.onReplayEvent(event),
        failed: (error) => this.fail(error, this.subscribed ? 'subscription-ended' : 'subscribe-failed'),
      },
      this.recovery,
    );
    this.replay.start();
  }

  /** Ends delivery (unsubscribe, connection gone); idempotent. */
  stop(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.clearDeadline();
    this.endReplay();
    this.fanout?.remove(this);
    this.fanout = undefined;
  }

  // ---- The own subscription (replay) ----

  private onReplayEvent(event: DeliveryEvent): void {
    if (!this.replayActive) return;
    switch (event.type) {
      case 'gap':
        countGap('pubsub');
        this.sink.send({ type: 'gap', channel: this.channel, ...gapNotice(event) });
        this.skipTo(event.firstAvailableId);
        return;
      case 'message':
        this.deliverOwn(event.message);
        if (this.state === 'joining') this.tryJoin();
        return;
      case 'live':
        this.last ??= parseMessageId(event.headId);
        // Once per subscription: a re-subscribe after an outage goes live again.
        if (!this.subscribed) this.sendSubscribed(event.headId);
        this.state = 'joining';
        this.fanout ??= this.registry.join(this.channel, this);
        this.tryJoin();
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
    const replay = this.replay;
    if (replay === undefined) return;
    this.replay = undefined;
    replay.stop();
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

  fanoutGap(gap: FanoutGap): void {
    // Before the switch the own subscription is what this client follows.
    if (this.state !== 'live') return;
    const last = this.last;
    const first = gap.firstAvailableId === null ? null : parseMessageId(gap.firstAvailableId);
    // The fan-out's last id may be older than this client's (it joined from its own
    // replay): no gap for a client that lacks nothing.
    if (last !== null && first !== null && first.epoch === last.epoch && first.offset <= last.offset + 1) return;
    const since = last === null ? gap.since : formatMessageId(last.epoch, last.offset);
    countGap('pubsub');
    this.sink.send({ type: 'gap', channel: this.channel, ...gapNotice(gap), since });
    this.skipTo(gap.firstAvailableId);
  }

  fanoutFailed(error: Error): void {
    this.fanout = undefined;
    this.fail(error, this.subscribed ? 'subscription-ended' : 'subscribe-failed');
  }

  // ---- Helpers ----

  private sendSubscribed(headId: string): void {
    this.subscribed = true;
    this.clearDeadline();
    this.sink.send({ type: 'subscribed', channel: this.channel, headId });
    this.sink.live?.(this);
  }

  private isDuplicate(message: HubMessage): boolean {
    const last = this.last;
    return last !== null && message.epoch === last.epoch && message.offset <= last.offset;
  }

  /**
   * After a gap, delivery carries on from `firstAvailableId`: count everything before it
   * as had, so a retry resumes from there instead of reporting the same gap again.
   */
  private skipTo(firstAvailableId: string | null): void {
    const first = firstAvailableId === null ? null : parseMessageId(firstAvailableId);
    if (first === null || first.offset === 0) return;
    const last = this.last;
    if (last !== null && last.epoch === first.epoch && last.offset >= first.offset - 1) return;
    this.last = { epoch: first.epoch, offset: first.offset - 1 };
  }

  private clearDeadline(): void {
    if (this.deadline === undefined) return;
    this.recovery.timers.clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  private fail(error: Error, code: PubSubErrorCode): void {
    if (this.state === 'ended') return;
    this.stop();
    this.sink.send({ type: 'error', channel: this.channel, code, message: error.message });
    this.sink.ended(this);
  }
}
