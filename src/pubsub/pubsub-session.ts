// One `switchboard.v1` connection: reads client frames, runs them in order, and keeps
// the connection's channel subscriptions.
import type { IncomingMessage } from 'node:http';
import { asError } from '../protocol/errors.js';
import type { Hub } from '../protocol/hub/contract.js';
import {
  encodeServerMessage,
  parseClientMessage,
  type ClientMessage,
  type PubSubErrorCode,
  type PubSubLimits,
  type PublishMessage,
  type ServerMessage,
  type SubscribeMessage,
} from '../protocol/pubsub/index.js';
import { CloseCode } from '../protocol/websocket/index.js';
import { OPEN, type WebSocketConnection } from '../websocket/index.js';
import type { FanoutRegistry } from './channel-fanout.js';
import { ChannelSubscription, type SubscriptionSink } from './channel-subscription.js';
import type { RecoverySettings } from './hub-recovery.js';

export type PubSubAction = 'subscribe' | 'publish';

/** Decides whether the client behind `request` may do `action` on `channel`. */
export type PubSubAuthorize = (request: IncomingMessage, channel: string, action: PubSubAction) => boolean | Promise<boolean>;

export interface SessionSettings {
  readonly hub: Hub;
  readonly registry: FanoutRegistry;
  readonly recovery: RecoverySettings;
  readonly limits: PubSubLimits;
  readonly maxSubscriptions: number;
  readonly maxMessageBytes: number;
  readonly maxInvalidMessages: number;
  readonly maxPendingRequests: number;
  readonly authorize: PubSubAuthorize | undefined;
  readonly onError: ((error: Error, request: IncomingMessage) => void) | undefined;
}

export class PubSubSession implements SubscriptionSink {
  private readonly subscriptions = new Map<string, ChannelSubscription>();
  private invalidMessages = 0;
  private pending = 0;
  private pausedByUs = false;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly connection: WebSocketConnection,
    readonly request: IncomingMessage,
    private readonly settings: SessionSettings,
  ) {
    connection.on('message', (data: Buffer, isBinary: boolean) => this.onFrame(data, isBinary));
    connection.on('close', () => this.shutdown());
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    if (isBinary) {
      this.shutdown();
      this.connection.close(CloseCode.UnsupportedData, 'switchboard.v1 takes JSON text frames only');
      return;
    }
    if (data.length > this.settings.maxMessageBytes) {
      this.reject(`message larger than ${this.settings.maxMessageBytes} bytes`);
      return;
    }
    const parsed = parseClientMessage(data.toString('utf8'), this.settings.limits);
    if (!parsed.ok) {
      this.reject(parsed.reason, parsed.ref, parsed.channel);
      return;
    }
    const message = parsed.message;
    this.enqueue(() => this.handle(message));
  }

  /**
   * Requests run one after another, so replies come in request order and a client's
   * publishes reach the hub in the order sent even when `authorize` is asynchronous;
   * reading pauses while too many wait.
   */
  private enqueue(task: () => Promise<void> | void): void {
    if (++this.pending >= this.settings.maxPendingRequests && !this.connection.readingPaused) {
      this.pausedByUs = true;
      this.connection.pause();
    }
    this.queue = this.queue
      .then(task)
      .catch((error: unknown) => this.report(error))
      .then(() => {
        if (--this.pending < this.settings.maxPendingRequests && this.pausedByUs) {
          this.pausedByUs = false;
          this.connection.resume();
        }
      });
  }

  /** A malformed request: an error reply (in order), and the connection closed after too many. */
  private reject(reason: string, ref?: string, channel?: string): void {
    if (++this.invalidMessages > this.settings.maxInvalidMessages) {
      this.shutdown();
      this.connection.close(CloseCode.PolicyViolation, 'Too many invalid messages');
      return;
    }
    this.enqueue(() => this.sendError('bad-request', reason, ref, channel));
  }

  private async handle(message: ClientMessage): Promise<void> {
    if (this.closed) return;
    switch (message.type) {
      case 'subscribe':
        return this.subscribe(message);
      case 'unsubscribe': {
        const subscription = this.subscriptions.get(message.channel);
        if (subscription === undefined) return this.sendError('not-subscribed', 'not subscribed to this channel', undefined, message.channel);
        subscription.stop();
        this.subscriptions.delete(message.channel);
        this.send({ type: 'unsubscribed', channel: message.channel });
        return;
      }
      case 'publish':
        return this.publish(message);
    }
  }

  private async subscribe({ channel, since }: SubscribeMessage): Promise<void> {
    if (this.subscriptions.has(channel)) return this.sendError('already-subscribed', 'already subscribed to this channel', undefined, channel);
    if (this.subscriptions.size >= this.settings.maxSubscriptions) {
      return this.sendError('too-many-subscriptions', `at most ${this.settings.maxSubscriptions} subscriptions per connection`, undefined, channel);
    }
    if (!(await this.allowed(channel, 'subscribe'))) return this.sendError('forbidden', 'not allowed to subscribe to this channel', undefined, channel);
    if (this.closed) return;
    const subscription = new ChannelSubscription(channel, this.settings.hub, this.settings.registry, this, this.settings.recovery);
    this.subscriptions.set(channel, subscription);
    subscription.start(since);
  }

  private async publish({ channel, data, event, ref }: PublishMessage): Promise<void> {
    if (!(await this.allowed(channel, 'publish'))) return this.sendError('forbidden', 'not allowed to publish to this channel', ref, channel);
    let id: string;
    try {
      id = await this.settings.hub.publish(channel, event === undefined ? { data } : { data, event });
    } catch (error) {
      return this.sendError('publish-failed', asError(error).message, ref, channel);
    }
    if (ref !== undefined) this.send({ type: 'published', ref, id });
  }

  private async allowed(channel: string, action: 'subscribe' | 'publish'): Promise<boolean> {
    const authorize = this.settings.authorize;
    if (authorize === undefined) return true;
    try {
      return (await authorize(this.request, channel, action)) === true;
    } catch (error) {
      this.report(error);
      return false;
    }
  }

  // ---- SubscriptionSink ----

  send(message: ServerMessage): void {
    if (this.closed) return;
    if (this.connection.send(encodeServerMessage(message)) === 'dropped') this.tooSlow();
  }

  sendFrame(frame: Buffer): void {
    if (this.closed) return;
    if (this.connection.sendFrame(frame) === 'dropped') this.tooSlow();
  }

  ended(subscription: ChannelSubscription): void {
    if (this.subscriptions.get(subscription.channel) === subscription) this.subscriptions.delete(subscription.channel);
  }

  // ---- Ending ----

  private sendError(code: PubSubErrorCode, message: string, ref?: string, channel?: string): void {
    this.send({ type: 'error', ref, channel, code, message });
  }

  /**
   * A message could not be queued: the client reads slower than the channel goes and its
   * buffer is full. Dropping one message silently would break the stream's promise, so
   * the connection ends instead (1013 Try Again Later: a client resumes from its last id).
   */
  private tooSlow(): void {
    this.shutdown();
    if (this.connection.readyState === OPEN) this.connection.close(CloseCode.TryAgainLater, 'Too slow: send buffer limit reached');
  }

  /** Stops every subscription; nothing more is sent or handled. */
  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of this.subscriptions.values()) subscription.stop();
    this.subscriptions.clear();
  }

  private report(error: unknown): void {
    this.settings.onError?.(asError(error), this.request);
  }
}
